//! The server's wire types: the JSON both panels send for a server, mapped into [`LiveServer`].

use crate::kinds::database::IncludedDatabase;
use crate::lenient::*;
use crate::wire::{IdOnly, Name, Relation};
use roost_model::{LiveFeatureLimits, LiveLimits, LiveServer, VecMap};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, Deserialize)]
pub struct ServerLimits {
    #[serde(deserialize_with = "de_i64_lenient")]
    pub memory: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub swap: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub disk: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub io: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub cpu: i64,
    #[serde(default)]
    pub threads: Option<String>,
    /// PT: the column. PL: `!oom_killer` (deprecated).
    #[serde(default, deserialize_with = "de_bool_opt_lenient")]
    pub oom_disabled: Option<bool>,
    /// PL@b2+.
    #[serde(default, deserialize_with = "de_bool_opt_lenient")]
    pub oom_killer: Option<bool>,
}

impl ServerLimits {
    /// PL's `oom_killer` wins; otherwise PT's `oom_disabled` inverted; with neither, PT's
    /// create default (`oom_disabled = true`, i.e. killer off).
    pub fn oom_killer(&self) -> bool {
        match (self.oom_killer, self.oom_disabled) {
            (Some(k), _) => k,
            (None, Some(d)) => !d,
            (None, None) => false,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerFeatureLimits {
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub databases: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub allocations: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub backups: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerContainer {
    #[serde(default)]
    pub startup_command: String,
    #[serde(default)]
    pub image: String,
    /// An int `0/1` on the wire (both panels); booleans accepted too.
    #[serde(default = "yes", deserialize_with = "de_bool_lenient")]
    pub installed: bool,
    /// The egg variables, as strings ([`de_environment`]): the panel's extras are skipped.
    #[serde(default, deserialize_with = "de_environment")]
    pub environment: VecMap<String, String>,
}

/// Variables the panel adds to `container.environment` itself; they are not egg variables.
pub const PANEL_ENV_EXTRAS: [&str; 4] = [
    "STARTUP",
    "P_SERVER_UUID",
    "P_SERVER_LOCATION",
    "P_SERVER_ALLOCATION_LIMIT",
];

/// `container.environment` as the egg variables of the server: each value as the panel renders
/// it into the container (strings as they are, scalars cast, see [`value_to_env_string`]), the
/// panel's extras ([`PANEL_ENV_EXTRAS`]) skipped unread. Decoded straight from the body: no
/// JSON value per entry, and a string is moved into the map, not copied.
fn de_environment<'de, D: Deserializer<'de>>(d: D) -> Result<VecMap<String, String>, D::Error> {
    struct Environment;
    impl<'de> Visitor<'de> for Environment {
        type Value = VecMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of environment variables")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(VecMap::new())
        }
        // An empty PHP array renders as `[]`.
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            match seq.next_element::<IgnoredAny>()? {
                None => Ok(VecMap::new()),
                Some(_) => Err(de::Error::custom("environment: a non-empty array")),
            }
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(key) = map.next_key::<Name<'de>>()? {
                if PANEL_ENV_EXTRAS.contains(&key.as_str()) {
                    map.next_value::<IgnoredAny>()?;
                } else {
                    let value = map.next_value::<Value>()?;
                    out.push((key.into_string(), value_into_env_string(value)));
                }
            }
            // Sorted, each name once (the last value of a repeated one, as a JSON object).
            Ok(out.into_iter().collect())
        }
    }
    d.deserialize_any(Environment)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerRelationships {
    /// Only the ids are needed: the allocations themselves come with their nodes.
    #[serde(default)]
    pub allocations: Option<Relation<IdOnly>>,
    /// `include=databases`: only what `Live.databases` holds (never a password: roost does not
    /// ask for one, and an included one would be skipped unread).
    #[serde(default)]
    pub databases: Option<Relation<IncludedDatabase>>,
}

/// A server as both panels send it: only the fields roost reads (the rest, timestamps
/// included, is skipped unread).
#[derive(Debug, Clone, Deserialize)]
pub struct ServerAttributes {
    pub id: u64,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub suspended: bool,
    pub limits: ServerLimits,
    #[serde(default)]
    pub feature_limits: ServerFeatureLimits,
    pub user: u64,
    pub node: u64,
    /// Nullable on PL@b22+.
    #[serde(default)]
    pub allocation: Option<u64>,
    /// PT only.
    #[serde(default)]
    pub nest: Option<u64>,
    pub egg: u64,
    pub container: ServerContainer,
    #[serde(default)]
    pub relationships: ServerRelationships,
}

impl ServerAttributes {
    /// Allocation ids from `include=allocations` (`None` when it was not included or withheld).
    pub fn included_allocations(&self) -> Option<Vec<u64>> {
        self.relationships
            .allocations
            .as_ref()
            .and_then(|r| r.list())
            .map(|l| l.map(|a| a.id).collect())
    }

    /// The live server; its strings are moved, not copied.
    pub fn into_live(self) -> LiveServer {
        let mut allocations = self.included_allocations().unwrap_or_default();
        // The primary always belongs to the server, whether or not the include was sent.
        if let Some(primary) = self.allocation.filter(|p| !allocations.contains(p)) {
            allocations.insert(0, primary);
        }
        let status = self.status;
        LiveServer {
            id: self.id,
            uuid: self.uuid,
            identifier: self.identifier,
            external_id: self.external_id,
            name: self.name,
            description: self.description.unwrap_or_default(),
            suspended: self.suspended || status.as_deref() == Some("suspended"),
            status,
            limits: LiveLimits {
                memory: self.limits.memory,
                swap: self.limits.swap,
                disk: self.limits.disk,
                io: self.limits.io,
                cpu: self.limits.cpu,
                oom_killer: self.limits.oom_killer(),
                threads: self.limits.threads,
            },
            feature_limits: LiveFeatureLimits {
                databases: self.feature_limits.databases,
                allocations: self.feature_limits.allocations,
                backups: self.feature_limits.backups,
            },
            user: self.user,
            node: self.node,
            allocation: self.allocation,
            allocations,
            nest: self.nest,
            egg: self.egg,
            startup: self.container.startup_command,
            image: self.container.image,
            environment: self.container.environment,
            installed: self.container.installed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(environment: &str) -> Result<ServerContainer, serde_json::Error> {
        serde_json::from_str(&format!(
            r#"{{"startup_command": "s", "image": "i", "installed": 1, "environment": {environment}}}"#
        ))
    }

    #[test]
    fn environment_drops_panel_extras_and_renders_scalars() {
        let c = container(
            r#"{"A": "x", "N": 5, "F": 1.5, "T": true, "Z": null, "O": {"k": [1]}, "E": "a\/b",
                "STARTUP": "s", "P_SERVER_UUID": "u", "P_SERVER_LOCATION": "l",
                "P_SERVER_ALLOCATION_LIMIT": 3}"#,
        )
        .unwrap();
        let env = c.environment;
        assert_eq!(env.len(), 7, "{env:?}");
        assert_eq!(env["A"], "x");
        assert_eq!(env["N"], "5");
        assert_eq!(env["F"], "1.5");
        assert_eq!(env["T"], "1");
        assert_eq!(env["Z"], "");
        assert_eq!(env["O"], r#"{"k":[1]}"#);
        assert_eq!(env["E"], "a/b", "an escaped string is unescaped");
    }

    #[test]
    fn an_empty_environment_may_be_an_array_or_null() {
        assert!(container("[]").unwrap().environment.is_empty());
        assert!(container("null").unwrap().environment.is_empty());
        assert!(container("[1]").is_err());
    }
}
