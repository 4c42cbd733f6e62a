//! The checked-in schema must match the types. Regenerate with
//! `ROOST_UPDATE_SCHEMAS=1 cargo test -p roost-model --test schema`.

use std::path::PathBuf;

fn check(file: &str, schema: serde_json::Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../schemas")
        .join(file);
    let fresh = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    if std::env::var_os("ROOST_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "{} is stale: regenerate it with `ROOST_UPDATE_SCHEMAS=1 cargo test -p roost-model --test schema`",
        path.display()
    );
}

#[test]
fn manifest_schema_is_fresh() {
    let schema = roost_model::desired_schema();
    // The schema must describe the real shape, not an empty object.
    let props = schema["properties"]
        .as_object()
        .expect("schema has properties");
    for key in [
        "panel",
        "locations",
        "nodes",
        "allocations",
        "users",
        "servers",
    ] {
        assert!(props.contains_key(key), "schema lacks {key}");
    }
    check("manifest.schema.json", schema);
}
