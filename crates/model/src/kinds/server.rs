//! Game servers. The desired and live
//! types of the kind, and where the panel serves it.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The value of an egg variable: written in the manifests, or read from a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvValue {
    Literal(String),
    /// `(env)"VAR"` or `(file)"PATH"`: sensitive everywhere, never in a plan, log or file.
    Secret(SecretRef),
}

impl EnvValue {
    pub fn literal(&self) -> Option<&str> {
        match self {
            EnvValue::Literal(v) => Some(v),
            EnvValue::Secret(_) => None,
        }
    }

    pub fn secret(&self) -> Option<&SecretRef> {
        match self {
            EnvValue::Literal(_) => None,
            EnvValue::Secret(r) => Some(r),
        }
    }
}

/// An egg, referred to by name (and nest on Pterodactyl).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EggRef {
    pub name: String,
    pub nest: Option<String>,
}

/// Resource limits of a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// MiB, 0 = unlimited.
    pub memory: u64,
    /// MiB, -1 = unlimited, 0 = none.
    pub swap: i64,
    /// MiB, 0 = unlimited.
    pub disk: u64,
    /// Block-IO weight.
    pub io: u64,
    /// Percent (100 = one core), 0 = unlimited.
    pub cpu: u64,
    /// CPU pinning, e.g. `0-1,3`.
    pub threads: Option<String>,
    pub oom_killer: bool,
}

/// Feature limits of a server; `None` is unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureLimits {
    pub databases: Option<u64>,
    pub allocations: Option<u64>,
    pub backups: Option<u64>,
}

impl Default for FeatureLimits {
    fn default() -> Self {
        FeatureLimits {
            databases: Some(0),
            allocations: Some(0),
            backups: Some(0),
        }
    }
}

/// An ip:port on the server's node.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.port),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}

/// The note declared on one of a server's allocations (the panel keeps at most 256 characters;
/// `""` clears it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationNote {
    pub endpoint: Endpoint,
    pub notes: String,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// How an existing panel server is taken over instead of created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdoptServer {
    Id(u64),
    Uuid(String),
}

/// A server's desired power state (`power "running"` / `power "stopped"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PowerState {
    Running,
    Stopped,
}

impl PowerState {
    /// The values a manifest may write, as written.
    pub const NAMES: &'static [&'static str] = &["running", "stopped"];

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PowerState::Running => "running",
            PowerState::Stopped => "stopped",
        }
    }

    /// Parses the manifest spelling.
    pub fn parse(text: &str) -> Option<PowerState> {
        match text {
            "running" => Some(PowerState::Running),
            "stopped" => Some(PowerState::Stopped),
            _ => None,
        }
    }
}

/// A game server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// The manifest name: roost's handle for the server (`server.KEY`).
    pub key: String,
    /// The name shown in the panel (defaults to the key).
    pub name: String,
    pub description: String,
    /// Username of the owner.
    pub owner: String,
    /// Node name.
    pub node: String,
    pub egg: EggRef,
    /// Docker image; defaults to the egg's first image.
    pub image: Option<String>,
    /// Startup command; defaults to the egg's.
    pub startup: Option<String>,
    pub limits: Limits,
    pub features: FeatureLimits,
    /// The primary allocation (required on Pterodactyl).
    pub allocation: Option<Endpoint>,
    pub additional_allocations: Vec<Endpoint>,
    /// Notes on some of the server's allocations (`allocation "…" notes="…"`,
    /// `allocation-note "…" "…"`), sorted by endpoint, each allocation once. Managed through the
    /// Client API; an allocation without a declared note keeps the panel's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allocation_notes: Vec<AllocationNote>,
    /// Egg variables. Variables not listed keep the egg's default.
    pub environment: BTreeMap<String, EnvValue>,
    /// Where each variable is written (not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub environment_origins: BTreeMap<String, Origin>,
    pub suspended: bool,
    /// Overrides the namespaced external id.
    pub external_id: Option<String>,
    pub skip_scripts: bool,
    /// The desired power state (`power "running"`), opt-in: `None` leaves the state alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerState>,
    pub depends_on: Vec<Address>,
    /// The server's databases, by declared name (`database "NAME" { … }` blocks).
    pub databases: BTreeMap<String, Database>,
    /// The server's schedules, by name (`schedule "NAME" cron="…" { … }` blocks), managed
    /// through the Client API.
    #[serde(default)]
    pub schedules: BTreeMap<String, Schedule>,
    /// The server's subusers, by e-mail address in lower case (`subuser "EMAIL" { … }`
    /// blocks), managed through the Client API.
    #[serde(default)]
    pub subusers: BTreeMap<String, Subuser>,
    /// The server's files, by normalised path (`file "/server.properties" { … }` blocks),
    /// written through the Client API; never deleted by roost.
    #[serde(default)]
    pub files: BTreeMap<String, ServerFile>,
    /// Where each `depends-on` entry is written (same order; not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub depends_on_origins: Vec<Origin>,
    /// The template the server was built from, if any (for display only).
    pub template: Option<String>,
    pub protect: bool,
    pub adopt: Option<AdoptServer>,
    /// `moved from="server.OLD"`: the server was declared as `OLD` before; the live server
    /// carrying `OLD`'s marker is this one (renamed in place, not deleted and created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
    /// Attributes roost never compares on this resource (owned by another tool).
    pub ignore: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveLimits {
    pub memory: i64,
    pub swap: i64,
    pub disk: i64,
    pub io: i64,
    pub cpu: i64,
    pub threads: Option<String>,
    /// True when the OOM killer is enabled (Pterodactyl: `!oom_disabled`).
    pub oom_killer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveFeatureLimits {
    pub databases: Option<i64>,
    pub allocations: Option<i64>,
    pub backups: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LiveServer {
    pub id: u64,
    pub uuid: String,
    pub identifier: String,
    pub external_id: Option<String>,
    pub name: String,
    pub description: String,
    pub status: Option<String>,
    pub suspended: bool,
    pub limits: LiveLimits,
    pub feature_limits: LiveFeatureLimits,
    /// Owner user id.
    pub user: u64,
    pub node: u64,
    /// Primary allocation id (`None` only on Pelican).
    pub allocation: Option<u64>,
    /// Every allocation id the server holds, the primary included (from `include=allocations`).
    pub allocations: Vec<u64>,
    /// Pterodactyl only.
    pub nest: Option<u64>,
    pub egg: u64,
    pub startup: String,
    pub image: String,
    /// Egg variables as the panel reports them (the panel's extras such as `STARTUP` and
    /// `P_SERVER_UUID` removed). A sorted vector: a fleet holds one per server.
    pub environment: VecMap<String, String>,
    pub installed: bool,
}

/// Where the Application API serves servers.
pub mod server_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list() -> Route {
        route!["servers"]
    }
    pub fn one(id: impl Display) -> Route {
        route!["servers", id]
    }
    pub fn by_external_id(external_id: impl Display) -> Route {
        route!["servers", "external", external_id]
    }
    pub fn details(id: impl Display) -> Route {
        route!["servers", id, "details"]
    }
    pub fn build(id: impl Display) -> Route {
        route!["servers", id, "build"]
    }
    pub fn startup(id: impl Display) -> Route {
        route!["servers", id, "startup"]
    }
    pub fn suspend(id: impl Display) -> Route {
        route!["servers", id, "suspend"]
    }
    pub fn unsuspend(id: impl Display) -> Route {
        route!["servers", id, "unsuspend"]
    }
    pub fn reinstall(id: impl Display) -> Route {
        route!["servers", id, "reinstall"]
    }
    /// `DELETE /servers/{id}/force` deletes even when Wings cannot be reached.
    pub fn force(id: impl Display) -> Route {
        route!["servers", id, "force"]
    }
}
