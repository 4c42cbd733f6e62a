//! Nodes: the machines running Wings. The desired and live
//! types of the kind, and where the panel serves it.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A node (a machine running Wings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub name: String,
    /// Pelican only (Pterodactyl ignores descriptions sent through the API).
    pub description: Option<String>,
    /// Pterodactyl only: the location's short code.
    pub location: Option<String>,
    /// Pelican only.
    pub tags: Vec<String>,
    pub fqdn: String,
    pub scheme: Scheme,
    pub behind_proxy: bool,
    pub public: bool,
    pub maintenance: bool,
    /// MiB.
    pub memory: u64,
    /// Percent; -1 disables the check.
    pub memory_overallocate: i64,
    /// MiB.
    pub disk: u64,
    pub disk_overallocate: i64,
    /// Pelican only: percent, 100 = one core; 0 = unlimited.
    pub cpu: u64,
    pub cpu_overallocate: i64,
    /// MiB.
    pub upload_size: u64,
    pub daemon_listen: u16,
    pub daemon_sftp: u16,
    /// Pelican only; defaults to `daemon_listen`.
    pub daemon_connect: Option<u16>,
    /// Pelican only.
    pub daemon_sftp_alias: Option<String>,
    /// Defaults to the dialect's own directory.
    pub daemon_base: Option<String>,
    /// Attributes roost never compares on this resource (owned by another tool).
    pub ignore: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
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

/// Where the Application API serves nodes.
pub mod node_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list() -> Route {
        route!["nodes"]
    }
    pub fn one(id: impl Display) -> Route {
        route!["nodes", id]
    }
    pub fn configuration(id: impl Display) -> Route {
        route!["nodes", id, "configuration"]
    }
}
