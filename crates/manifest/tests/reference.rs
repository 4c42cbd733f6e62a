//! The hand-written reference (`schemas/manifest.md`) must document every name the parser knows.

use roost_manifest::names;

#[test]
fn reference_documents_every_field_and_property() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/manifest.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let mut all = vec![
        names::TOP_LEVEL,
        names::PANEL_FIELDS,
        names::LIMIT_PROPS,
        names::FEATURE_PROPS,
        names::DAEMON_PROPS,
    ];
    // Every kind's fields: a new kind is documented before this passes.
    all.extend(names::KIND_FIELDS.iter().map(|(_, fields)| *fields));
    let missing: Vec<&str> = all
        .iter()
        .flat_map(|l| l.iter().copied())
        .filter(|n| !doc.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "schemas/manifest.md does not document: {missing:?}"
    );
    // Each kind that is not a top-level block has a section of its own.
    for (kind, _) in names::KIND_FIELDS {
        assert!(
            doc.contains(&format!("`{}", kind.as_str())),
            "schemas/manifest.md has no section on {kind}"
        );
    }
}
