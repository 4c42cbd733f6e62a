//! The live state: what a panel reports, in one dialect-neutral shape.
//!
//! Ids are the panel's numeric database ids. Fields one dialect lacks are `None` (or empty) for
//! that dialect. The panel client fills these; the planner only reads them.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Every server's databases (read with the servers).
    pub databases: Vec<LiveDatabase>,
    /// Pelican only: the database hosts its Application API lists.
    pub database_hosts: Vec<LiveDatabaseHost>,
    /// Schedules of the servers whose server-level state was read (`server_level`).
    #[serde(default)]
    pub schedules: Vec<LiveSchedule>,
    /// Subusers of the servers whose server-level state was read (`server_level`).
    #[serde(default)]
    pub subusers: Vec<LiveSubuser>,
    /// The declared files of the servers whose files were read (`server_level`): present ones
    /// only (a declared path absent here does not exist on the server).
    #[serde(default)]
    pub files: Vec<LiveFile>,
    /// Per server id: whether its server-level state (through the Client API) was read. A
    /// server absent here was not read (it declares no such children, or no client key).
    #[serde(default)]
    pub server_level: BTreeMap<u64, ServerLevelRead>,
    /// Client API requests made to read the server-level state.
    #[serde(default)]
    pub refresh_requests: usize,
    /// Whether a client key was at hand to read and write server-level state.
    #[serde(default)]
    pub client_key: bool,
    /// Per server id: its power state, read through the Client API only for the servers that
    /// declare `power` (`roost_plan::power_reads`), one request each, counted in
    /// `refresh_requests`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub power: BTreeMap<u64, PowerRead>,
}

/// How reading one server's power state went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum PowerRead {
    /// Wings' `current_state`: `offline`, `starting`, `running`, `stopping` (Pelican says
    /// `missing` when Wings did not answer).
    Read(String),
    /// The panel refused (409: still installing, suspended, …); the reason, for messages.
    Unreadable(String),
}

impl PowerRead {
    /// Where the server is heading, as the plan compares it: `running` for `starting` and
    /// `running`, `offline` for `stopping` and `offline`, else the state as read.
    pub fn heading(&self) -> Option<&str> {
        match self {
            PowerRead::Read(s) => Some(power_heading(s)),
            PowerRead::Unreadable(_) => None,
        }
    }
}

/// Where a server in Wings' state `state` is heading: a start under way counts as running, a
/// stop under way as offline (each completes without another signal).
pub fn power_heading(state: &str) -> &str {
    match state {
        "starting" | "running" => "running",
        "stopping" | "offline" => "offline",
        other => other,
    }
}

impl PowerState {
    /// The Wings state this desired state is reached in: `stopped` is Wings' `offline`.
    pub fn wings_state(self) -> &'static str {
        match self {
            PowerState::Running => "running",
            PowerState::Stopped => "offline",
        }
    }
}

/// How reading one server's server-level state (its schedules, …) went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum ServerLevelRead {
    /// Read: these kinds (one request each).
    Read(Vec<Kind>),
    /// The panel refused (e.g. 409: the server is still installing); the reason, for messages.
    Unreadable(String),
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
            databases: Vec::new(),
            database_hosts: Vec::new(),
            schedules: Vec::new(),
            subusers: Vec::new(),
            files: Vec::new(),
            server_level: BTreeMap::new(),
            refresh_requests: 0,
            client_key: false,
            power: BTreeMap::new(),
        }
    }
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

/// Where the Application API serves Pterodactyl's nests (with their eggs: `include=eggs`).
pub mod nest_routes {
    use crate::{Route, route};

    pub fn list() -> Route {
        route!["nests"]
    }
}

/// Where Pelican's Application API serves eggs (Pterodactyl serves them below their nest).
pub mod egg_routes {
    use crate::{Route, route};

    pub fn list() -> Route {
        route!["eggs"]
    }
}

/// Where Pelican's Application API serves roles.
pub mod role_routes {
    use crate::{Route, route};

    pub fn list() -> Route {
        route!["roles"]
    }
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
