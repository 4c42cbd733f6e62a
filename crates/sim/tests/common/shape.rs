//! A reusable shape check: two JSON bodies have the same keys at every level and the same JSON
//! type for every value. Array items are compared with the reference item at the same index,
//! or with the reference's first item past its end (a list of one kind of object). Objects whose
//! keys are data (`meta.docker_images`: label -> image) are named as maps: only their values'
//! types are compared.

use serde_json::Value;

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every difference in keys or types between `ours` and `reference`, with its path.
pub fn shape_differences(ours: &Value, reference: &Value) -> Vec<String> {
    shape_differences_with(ours, reference, &[])
}

/// As [`shape_differences`], with the objects at `maps` (paths like `$.meta.docker_images`)
/// compared as maps.
pub fn shape_differences_with(ours: &Value, reference: &Value, maps: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    walk(ours, reference, "$", maps, &mut out);
    out
}

fn walk(ours: &Value, reference: &Value, at: &str, maps: &[&str], out: &mut Vec<String>) {
    if kind(ours) != kind(reference) {
        out.push(format!(
            "{at}: {} here, {} in the reference ({ours} vs {reference})",
            kind(ours),
            kind(reference)
        ));
        return;
    }
    match (ours, reference) {
        (Value::Object(o), Value::Object(r)) if maps.contains(&at) => {
            if let Some(first) = r.values().next() {
                for (k, v) in o {
                    walk(v, first, &format!("{at}.{k}"), maps, out);
                }
            }
        }
        (Value::Object(o), Value::Object(r)) => {
            for k in r.keys().filter(|k| !o.contains_key(*k)) {
                out.push(format!("{at}.{k}: missing here"));
            }
            for k in o.keys().filter(|k| !r.contains_key(*k)) {
                out.push(format!("{at}.{k}: not in the reference"));
            }
            for (k, v) in o {
                if let Some(rv) = r.get(k) {
                    walk(v, rv, &format!("{at}.{k}"), maps, out);
                }
            }
        }
        (Value::Array(o), Value::Array(r)) => {
            for (i, v) in o.iter().enumerate() {
                if let Some(rv) = r.get(i).or_else(|| r.first()) {
                    walk(v, rv, &format!("{at}[{i}]"), maps, out);
                }
            }
        }
        _ => {}
    }
}

/// Panics with every difference when the shapes differ.
pub fn assert_shape(ours: &Value, reference: &Value, what: &str) {
    assert_shape_with(ours, reference, &[], what);
}

/// As [`assert_shape`], with map objects (see [`shape_differences_with`]).
pub fn assert_shape_with(ours: &Value, reference: &Value, maps: &[&str], what: &str) {
    let diffs = shape_differences_with(ours, reference, maps);
    assert!(
        diffs.is_empty(),
        "{what}: the shape differs from the reference:\n  {}\nours: {ours}",
        diffs.join("\n  ")
    );
}
