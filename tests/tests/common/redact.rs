//! What varies between runs (panel ids, uuids, the simulator's port), redacted so that plans
//! and imported manifests compare across runs; the insta settings of the snapshot suites.

use serde_json::Value;

/// Keys whose numbers are panel ids of objects roost creates (their value depends on the order
/// the engine created them in). Stock eggs, nests and roles keep their ids.
const ID_KEYS: [&str; 10] = [
    "id",
    "location_id",
    "node_id",
    "server_id",
    "owner_id",
    "user",
    "node",
    "allocation",
    "server",
    "owner",
];

/// Keys whose lists of numbers are panel ids (a server's allocations; elsewhere `allocations`
/// is a count).
const ID_LIST_KEYS: [&str; 2] = ["allocations", "additional_allocations"];

/// A JSON plan with what varies between runs replaced: panel ids, uuids, the simulator's port,
/// the manifest directory, and the fingerprints (their keys carry ids; their count is kept).
pub fn redact_json(plan: &Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    match x {
                        Value::Number(_) if ID_KEYS.contains(&k.as_str()) => {
                            *x = Value::String("[id]".into())
                        }
                        Value::Array(items)
                            if ID_LIST_KEYS.contains(&k.as_str())
                                && items.iter().all(Value::is_number) =>
                        {
                            for i in items {
                                *i = Value::String("[id]".into());
                            }
                        }
                        Value::String(_) if k == "uuid" || k == "identifier" => {
                            *x = Value::String("[uuid]".into())
                        }
                        _ => walk(x),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = plan.clone();
    // The manifest directory is a temporary directory or a path on this machine.
    if let Some(dir) = v.get_mut("manifests").filter(|d| d.is_string()) {
        *dir = Value::String("[manifests]".into());
    }
    if let Some(fp) = v.get_mut("fingerprints") {
        let n = fp.as_object().map_or(0, |m| m.len());
        *fp = Value::String(format!("[{n} fingerprints]"));
    }
    walk(&mut v);
    v
}

/// insta settings for plan snapshots: snapshots under `tests/fixtures/plan/snapshots/`, and
/// filters for ids, uuids and the simulator's address in any rendering.
pub fn plan_snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    // Absolute: a relative path would be resolved from the directory of each test's source
    // file, and the plan tests live in a folder of their own.
    s.set_snapshot_path(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plan/snapshots"),
    );
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    s.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uuid]",
    );
    s.add_filter(r"\bid \d+\b", "id [id]");
    s.add_filter(r"\bid=\d+\b", "id=[id]");
    s.add_filter(
        r"/(locations|nodes|users|servers|allocations)/\d+\b",
        "/$1/[id]",
    );
    s
}

/// insta settings for imported manifests: snapshots next to the test, uuids and the
/// simulator's address redacted (panel ids stay: they are what the comments show).
pub fn import_snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uuid]",
    );
    s.add_filter(r"http://127\.0\.0\.1:[0-9]+", "http://127.0.0.1:[port]");
    s
}
