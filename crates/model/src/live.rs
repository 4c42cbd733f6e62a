//! The live state: what a panel reports, in one dialect-neutral shape.
//!
//! Ids are the panel's numeric database ids. Fields one dialect lacks are `None` (or empty) for
//! that dialect. The panel client fills these; the planner only reads them.

use crate::Dialect;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Live {
    pub dialect: Dialect,
    pub locations: Vec<LiveLocation>,
    pub nodes: Vec<LiveNode>,
    pub allocations: Vec<LiveAllocation>,
    pub users: Vec<LiveUser>,
    pub servers: Vec<LiveServer>,
    pub nests: Vec<LiveNest>,
    pub eggs: Vec<LiveEgg>,
    /// Pelican only.
    pub roles: Vec<LiveRole>,
}

impl Live {
    pub fn empty(dialect: Dialect) -> Self {
        Live {
            dialect,
            locations: Vec::new(),
            nodes: Vec::new(),
            allocations: Vec::new(),
            users: Vec::new(),
            servers: Vec::new(),
            nests: Vec::new(),
            eggs: Vec::new(),
            roles: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveLocation {
    pub id: u64,
    pub short: String,
    pub long: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LiveNode {
    pub id: u64,
    pub uuid: String,
    pub name: String,
    pub description: Option<String>,
    /// Pterodactyl only.
    pub location_id: Option<u64>,
    /// Pelican only.
    pub tags: Vec<String>,
    pub fqdn: String,
    pub scheme: String,
    pub behind_proxy: bool,
    pub public: bool,
    pub maintenance_mode: bool,
    pub memory: i64,
    pub memory_overallocate: i64,
    pub disk: i64,
    pub disk_overallocate: i64,
    /// Pelican only.
    pub cpu: Option<i64>,
    pub cpu_overallocate: Option<i64>,
    pub upload_size: i64,
    pub daemon_listen: i64,
    pub daemon_sftp: i64,
    /// Pelican only.
    pub daemon_connect: Option<i64>,
    /// Pelican only.
    pub daemon_sftp_alias: Option<String>,
    pub daemon_base: String,
    /// Sums over the node's servers, as the panel reports them.
    pub allocated_memory: i64,
    pub allocated_disk: i64,
    pub allocated_cpu: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveAllocation {
    pub id: u64,
    pub node_id: u64,
    pub ip: String,
    pub alias: Option<String>,
    pub port: u16,
    pub notes: Option<String>,
    pub assigned: bool,
    /// The server holding it, when known (from `include=server`, or from the server side).
    pub server_id: Option<u64>,
}

impl LiveAllocation {
    /// The ip parsed, when the panel stored a literal address.
    pub fn ip_addr(&self) -> Option<IpAddr> {
        self.ip.parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveUser {
    pub id: u64,
    pub uuid: String,
    pub external_id: Option<String>,
    pub username: String,
    pub email: String,
    /// Pterodactyl only.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language: String,
    pub root_admin: bool,
    /// Pelican only: role ids, when read with `include=roles`.
    pub role_ids: Vec<u64>,
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
    /// `P_SERVER_UUID` removed).
    pub environment: BTreeMap<String, String>,
    pub installed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveNest {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveEggVariable {
    pub name: String,
    pub env_variable: String,
    pub default_value: String,
    /// Validation rules, one per entry (`required`, `string`, `max:20`...).
    pub rules: Vec<String>,
    pub user_editable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveEgg {
    pub id: u64,
    pub uuid: String,
    pub name: String,
    /// Pterodactyl only.
    pub nest: Option<u64>,
    /// Docker images in the panel's order (label, image).
    pub docker_images: Vec<(String, String)>,
    pub startup: String,
    pub variables: Vec<LiveEggVariable>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveRole {
    pub id: u64,
    pub name: String,
}

/// The user who owns an API key, as the Client API's `GET /api/client/account` reports it for a
/// client key: Pterodactyl gives the numeric id, Pelican the uuid (neither gives both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KeyOwner {
    pub id: Option<u64>,
    pub uuid: Option<String>,
    pub username: String,
}

impl KeyOwner {
    /// Whether `user` is this key's owner: by id or uuid, whichever the panel gave.
    pub fn is(&self, user: &LiveUser) -> bool {
        match (self.id, &self.uuid) {
            (None, None) => crate::stored_username(&user.username) == self.username,
            (id, uuid) => id == Some(user.id) || uuid.as_deref() == Some(user.uuid.as_str()),
        }
    }
}
