//! The server's wire types: the JSON both panels send for a server, mapped into [`LiveServer`].

use crate::kinds::database::IncludedDatabase;
use crate::kinds::egg::EggVariableAttributes;
use crate::lenient::*;
use crate::wire::{IdOnly, Relation};
use roost_model::{LiveFeatureLimits, LiveLimits, LiveServer};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

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
    /// Values are strings except PT's `P_SERVER_ALLOCATION_LIMIT` (int or null), so keep JSON.
    #[serde(default)]
    pub environment: BTreeMap<String, Value>,
}

/// Variables the panel adds to `container.environment` itself; they are not egg variables.
pub const PANEL_ENV_EXTRAS: [&str; 4] = [
    "STARTUP",
    "P_SERVER_UUID",
    "P_SERVER_LOCATION",
    "P_SERVER_ALLOCATION_LIMIT",
];

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerRelationships {
    /// Only the ids are needed: the allocations themselves come with their nodes.
    #[serde(default)]
    pub allocations: Option<Relation<IdOnly>>,
    /// `include=databases`: only what `Live.databases` holds (never a password: roost does not
    /// ask for one, and an included one would be skipped unread).
    #[serde(default)]
    pub databases: Option<Relation<IncludedDatabase>>,
    #[serde(default)]
    pub variables: Option<Relation<EggVariableAttributes>>,
}

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

    pub fn to_live(&self) -> LiveServer {
        let mut allocations = self.included_allocations().unwrap_or_default();
        // The primary always belongs to the server, whether or not the include was sent.
        if let Some(primary) = self.allocation.filter(|p| !allocations.contains(p)) {
            allocations.insert(0, primary);
        }
        let status = self.status.clone();
        LiveServer {
            id: self.id,
            uuid: self.uuid.clone(),
            identifier: self.identifier.clone(),
            external_id: self.external_id.clone(),
            name: self.name.clone(),
            description: self.description.clone().unwrap_or_default(),
            suspended: self.suspended || status.as_deref() == Some("suspended"),
            status,
            limits: LiveLimits {
                memory: self.limits.memory,
                swap: self.limits.swap,
                disk: self.limits.disk,
                io: self.limits.io,
                cpu: self.limits.cpu,
                threads: self.limits.threads.clone(),
                oom_killer: self.limits.oom_killer(),
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
            startup: self.container.startup_command.clone(),
            image: self.container.image.clone(),
            environment: egg_environment(&self.container.environment),
            installed: self.container.installed,
        }
    }
}

/// The egg variables of a server's environment, as strings, without the panel's extras.
pub fn egg_environment(env: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    env.iter()
        .filter(|(k, _)| !PANEL_ENV_EXTRAS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), value_to_env_string(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_drops_panel_extras() {
        let env: BTreeMap<String, Value> = serde_json::from_value(serde_json::json!({
            "A": "x", "N": 5, "Z": null, "STARTUP": "s", "P_SERVER_UUID": "u",
            "P_SERVER_LOCATION": "l", "P_SERVER_ALLOCATION_LIMIT": 3
        }))
        .unwrap();
        let out = egg_environment(&env);
        assert_eq!(out.len(), 3);
        assert_eq!(out["A"], "x");
        assert_eq!(out["N"], "5");
        assert_eq!(out["Z"], "");
    }
}
