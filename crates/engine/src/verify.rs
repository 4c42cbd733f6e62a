//! Whether an update took, read from the object the panel reports afterwards.
//!
//! Every update roost sends is a full-replacement body built from the live object plus the
//! change. So the fields it meant to change are those where the body sent differs from the
//! body of the object as it was (`before`); in the object reported afterwards (`after`, the
//! response or a re-read) each of them is either changed (in place) or still the old value
//! (not kept). One rule serves two cases:
//!
//! * after a success, a field the panel did not keep (Pelican beta17 drops node `tags`) is
//!   reported once, and the change counts as applied with that warning, not as failed;
//! * after a 5xx or a lost answer on an update, a re-read that shows the change in place
//!   counts it as applied, with a note (Pelican beta17 answers `PATCH /nodes/{id}` with 500
//!   after saving); one that shows nothing changed leaves the error as it was.
//!
//! Fields the panel does not report are not compared (absent from `before` or `after`).

use serde::Serialize;
use serde_json::{Map, Value};

/// The fields a write meant to change, by what the panel reports afterwards.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Took {
    /// Changed (to the value sent, or to the panel's normal form of it).
    pub in_place: Vec<String>,
    /// Still the old value.
    pub not_kept: Vec<String>,
}

impl Took {
    /// The panel acted on the write: at least one field it meant to change changed.
    pub fn acted(&self) -> bool {
        !self.in_place.is_empty()
    }
}

/// Compares the JSON forms of the body sent and of the object before and after.
pub fn took(sent: &Value, before: &Value, after: &Value) -> Took {
    let (sent, before, after) = (flat(sent), flat(before), flat(after));
    let mut out = Took::default();
    for (key, s) in &sent {
        let (Some(b), Some(a)) = (before.get(key), after.get(key)) else {
            continue;
        };
        if s == b {
            continue;
        }
        if a == b {
            out.not_kept.push(key.clone());
        } else {
            out.in_place.push(key.clone());
        }
    }
    out
}

/// A body as JSON (a body that cannot be encoded compares as empty: nothing is claimed).
pub fn json<B: Serialize>(b: &B) -> Value {
    serde_json::to_value(b).unwrap_or(Value::Null)
}

/// Nested objects as dotted keys (`limits.memory`, `environment.SERVER_JARFILE`); arrays and
/// scalars are leaves.
fn flat(v: &Value) -> Map<String, Value> {
    fn walk(prefix: &str, v: &Value, out: &mut Map<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, x, out);
                }
            }
            leaf => {
                out.insert(prefix.to_string(), leaf.clone());
            }
        }
    }
    let mut out = Map::new();
    walk("", v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intended_fields_are_in_place_or_not_kept() {
        let before = json!({"name": "n1", "tags": [], "memory": 1024, "limits": {"cpu": 100}});
        let sent = json!({"name": "n1", "tags": ["eu"], "memory": 2048, "limits": {"cpu": 200}});
        // Pelican beta17: memory saved, tags dropped.
        let after = json!({"name": "n1", "tags": [], "memory": 2048, "limits": {"cpu": 200}});
        let t = took(&sent, &before, &after);
        assert_eq!(t.in_place, vec!["limits.cpu", "memory"]);
        assert_eq!(t.not_kept, vec!["tags"]);
        assert!(t.acted());
        // Nothing changed: the write did not act.
        let t = took(&sent, &before, &before);
        assert!(!t.acted());
        assert_eq!(t.not_kept.len(), 3);
        // The panel's normal form of a value counts as in place.
        let after = json!({"name": "n1", "tags": ["EU"], "memory": 2048, "limits": {"cpu": 200}});
        assert!(took(&sent, &before, &after).not_kept.is_empty());
    }

    #[test]
    fn fields_not_reported_or_not_sent_are_not_compared() {
        let before = json!({"daemon_connect": null, "name": "a"});
        let sent = json!({"daemon_connect": 9090, "password": "x", "name": "a"});
        let after = json!({"name": "a"});
        assert_eq!(took(&sent, &before, &after), Took::default());
    }
}
