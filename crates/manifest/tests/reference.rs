//! The hand-written reference (`schemas/manifest.md`) must document every name the parser knows.

use roost_manifest::names;

#[test]
fn reference_documents_every_field_and_property() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/manifest.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let all = [
        names::TOP_LEVEL,
        names::PANEL_FIELDS,
        names::LOCATION_FIELDS,
        names::NODE_FIELDS,
        names::USER_FIELDS,
        names::SERVER_FIELDS,
        names::LIMIT_PROPS,
        names::FEATURE_PROPS,
        names::DAEMON_PROPS,
    ];
    let missing: Vec<&str> = all
        .iter()
        .flat_map(|l| l.iter().copied())
        .filter(|n| !doc.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "schemas/manifest.md does not document: {missing:?}"
    );
}
