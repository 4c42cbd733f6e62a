//! Wire helpers the Client API's resources share: credentials decoded straight into the
//! redacting [`Secret`], and string lists Pterodactyl may store as objects.

use roost_model::Secret;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

/// A credential in a body (a password, a token, a signed URL): never held in a plain string.
pub(crate) struct WireSecret(pub Secret);

impl<'de> Deserialize<'de> for WireSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de_secret(d).map(WireSecret)
    }
}

pub(crate) fn de_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

/// A list of strings, or (Pterodactyl, after a request with duplicates) an object keyed by
/// the surviving indexes (client/subusers.md).
pub(crate) fn de_string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items: Vec<Value> = match Value::deserialize(d)? {
        Value::Array(a) => a,
        Value::Object(o) => o.into_iter().map(|(_, v)| v).collect(),
        Value::Null => Vec::new(),
        other => return Err(de::Error::custom(format!("expected a list, got {other}"))),
    };
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Ok(s),
            other => Err(de::Error::custom(format!("expected a string, got {other}"))),
        })
        .collect()
}

/// A rule string; Pelican stores rules as a list and joins them with `|` here, but a list is
/// accepted too.
pub(crate) fn de_rules<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Array(a) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect::<Vec<_>>()
            .join("|"),
        Value::Null => String::new(),
        other => other.to_string(),
    })
}
