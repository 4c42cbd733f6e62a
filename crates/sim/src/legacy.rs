//! Older panel releases, as far as a client can tell: fields they silently drop from requests
//! and fields their responses lack. Pelican 1.0.0-beta17, for one, saves a node but not the
//! `tags` sent with it, and reports no `daemon_connect` (that came in beta22).

use crate::{FaultAction, FaultRule, Faults};
use serde::{Deserialize, Serialize};
use serde_json::Value;

impl Faults {
    /// Pelican 1.0.0-beta17 as seen from its API (recorded in
    /// `shared/panel-api/fixtures/real-pelican-1.0.0-beta17/`): node `tags` sent through the
    /// API are silently dropped, nodes have no `daemon_connect`, and `PATCH /nodes/{id}`
    /// answers 500 after saving (its Wings call failed); node fqdns such as `127.0.0.1` are
    /// accepted (refused since beta19).
    pub fn pelican_beta17() -> Faults {
        Faults {
            legacy: LegacyFields {
                dropped_inputs: vec!["node.tags".into()],
                missing_outputs: vec!["node.daemon_connect".into()],
                lenient_fields: vec!["node.fqdn".into()],
            },
            rules: vec![FaultRule {
                method: Some("PATCH".into()),
                path: "/nodes/".into(),
                nth: 1,
                times: u32::MAX,
                action: FaultAction::Status {
                    status: 500,
                    after_commit: true,
                },
            }],
            ..Faults::default()
        }
    }
}

/// Fields an older release does not have, each written `object.field` (`node.tags`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct LegacyFields {
    /// A create or update of the object (`POST /nodes`, `PATCH /nodes/{id}` for `node`)
    /// that carries the field saves everything but it, and answers as if all went well.
    pub dropped_inputs: Vec<String>,
    /// Objects of that kind are rendered without the field, wherever they appear.
    pub missing_outputs: Vec<String>,
    /// Fields checked by the older, laxer rule of the release (`node.fqdn`: Pelican refuses
    /// `127.0.0.1` and friends only since beta19).
    pub lenient_fields: Vec<String>,
}

impl LegacyFields {
    pub fn is_empty(&self) -> bool {
        self.dropped_inputs.is_empty()
            && self.missing_outputs.is_empty()
            && self.lenient_fields.is_empty()
    }

    /// Whether `object.field` is checked by the older rule.
    pub fn lenient(&self, field: &str) -> bool {
        self.lenient_fields.iter().any(|f| f == field)
    }

    /// Removes the dropped fields from the body of a write to `api_path`.
    pub fn drop_inputs(&self, method: &str, api_path: &str, input: &mut Value) {
        if !matches!(method, "POST" | "PATCH" | "PUT") {
            return;
        }
        let segs: Vec<&str> = api_path.trim_matches('/').split('/').collect();
        let Value::Object(map) = input else {
            return;
        };
        for (object, field) in self.dropped_inputs.iter().filter_map(|f| f.split_once('.')) {
            let plural = format!("{object}s");
            let targets_object = match segs.as_slice() {
                [collection] => *collection == plural,
                [collection, id] => *collection == plural && id.parse::<u64>().is_ok(),
                _ => false,
            };
            if targets_object {
                map.remove(field);
            }
        }
    }

    /// Removes the missing fields from every object of their kind in a response body.
    pub fn strip_outputs(&self, body: &str) -> Option<String> {
        if self.missing_outputs.is_empty() {
            return None;
        }
        let mut v: Value = serde_json::from_str(body).ok()?;
        self.strip(&mut v);
        serde_json::to_string(&v).ok()
    }

    fn strip(&self, v: &mut Value) {
        match v {
            Value::Object(map) => {
                let kind = map.get("object").and_then(Value::as_str).map(str::to_owned);
                if let (Some(kind), Some(Value::Object(attrs))) = (kind, map.get_mut("attributes"))
                {
                    for (object, field) in self
                        .missing_outputs
                        .iter()
                        .filter_map(|f| f.split_once('.'))
                    {
                        if object == kind {
                            attrs.remove(field);
                        }
                    }
                }
                map.values_mut().for_each(|x| self.strip(x));
            }
            Value::Array(items) => items.iter_mut().for_each(|x| self.strip(x)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn beta17() -> LegacyFields {
        LegacyFields {
            dropped_inputs: vec!["node.tags".into()],
            missing_outputs: vec!["node.daemon_connect".into()],
            lenient_fields: vec!["node.fqdn".into()],
        }
    }

    #[test]
    fn drops_inputs_of_the_object_only() {
        let l = beta17();
        let mut body = json!({"name": "n", "tags": ["eu"]});
        l.drop_inputs("PATCH", "/nodes/4", &mut body);
        assert_eq!(body, json!({"name": "n"}));
        let mut body = json!({"tags": ["eu"]});
        l.drop_inputs("POST", "/nodes", &mut body);
        assert_eq!(body, json!({}));
        // Other routes and reads keep it.
        for (m, p) in [
            ("POST", "/nodes/4/allocations"),
            ("GET", "/nodes/4"),
            ("POST", "/servers"),
        ] {
            let mut body = json!({"tags": ["eu"]});
            l.drop_inputs(m, p, &mut body);
            assert_eq!(body, json!({"tags": ["eu"]}), "{m} {p}");
        }
    }

    #[test]
    fn strips_outputs_wherever_the_object_appears() {
        let body = json!({"object": "list", "data": [
            {"object": "node", "attributes": {"id": 1, "daemon_connect": 8080, "relationships": {}}},
            {"object": "server", "attributes": {"id": 2, "daemon_connect": 1}}
        ]})
        .to_string();
        let out: Value = serde_json::from_str(&beta17().strip_outputs(&body).unwrap()).unwrap();
        assert!(out["data"][0]["attributes"].get("daemon_connect").is_none());
        assert_eq!(out["data"][1]["attributes"]["daemon_connect"], 1);
        assert_eq!(LegacyFields::default().strip_outputs(&body), None);
    }
}
