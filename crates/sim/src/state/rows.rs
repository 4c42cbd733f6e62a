//! The panel's tables: one plain serde row type per resource, with public fields.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Location {
    pub id: u64,
    pub short: String,
    pub long: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Node {
    pub id: u64,
    pub uuid: String,
    pub public: bool,
    pub name: String,
    pub description: Option<String>,
    /// PT only.
    pub location_id: Option<u64>,
    pub fqdn: String,
    pub scheme: String,
    pub behind_proxy: bool,
    pub maintenance_mode: bool,
    pub memory: i64,
    pub memory_overallocate: i64,
    pub disk: i64,
    pub disk_overallocate: i64,
    pub cpu: i64,
    pub cpu_overallocate: i64,
    pub upload_size: i64,
    pub daemon_listen: i64,
    pub daemon_sftp: i64,
    pub daemon_sftp_alias: Option<String>,
    pub daemon_base: String,
    pub daemon_connect: i64,
    pub tags: Vec<String>,
    pub daemon_token_id: String,
    pub daemon_token: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Allocation {
    pub id: u64,
    pub node_id: u64,
    pub ip: String,
    pub alias: Option<String>,
    pub port: u16,
    pub notes: Option<String>,
    pub server_id: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: u64,
    pub external_id: Option<String>,
    pub uuid: String,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub language: String,
    /// PT column; on PL the output is derived from holding the "Root Admin" role.
    pub root_admin: bool,
    pub use_totp: bool,
    /// The pending or active TOTP secret (base32), set by the Client API's 2FA setup.
    #[serde(default)]
    pub totp_secret: Option<String>,
    pub is_managed_externally: bool,
    pub timezone: Option<String>,
    /// Not a hash: the sim only needs to know whether one was set.
    pub password: Option<String>,
    /// PL role ids.
    pub roles: Vec<u64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Server {
    pub id: u64,
    pub external_id: Option<String>,
    pub uuid: String,
    pub name: String,
    pub description: String,
    pub status: Option<String>,
    pub memory: i64,
    pub swap: i64,
    pub disk: i64,
    pub io: i64,
    pub cpu: i64,
    pub threads: Option<String>,
    /// PT column; PL stores `oom_killer` = `!oom_disabled`.
    pub oom_disabled: bool,
    pub database_limit: Option<i64>,
    pub allocation_limit: Option<i64>,
    pub backup_limit: Option<i64>,
    pub user_id: u64,
    pub node_id: u64,
    pub allocation_id: Option<u64>,
    pub nest_id: Option<u64>,
    pub egg_id: u64,
    pub startup: String,
    pub image: String,
    pub skip_scripts: bool,
    /// Server variable rows: egg variable id -> stored value.
    pub variables: BTreeMap<u64, String>,
    /// A transfer to another node is under way (set out of band; the sim does not transfer).
    #[serde(default)]
    pub transferring: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Nest {
    pub id: u64,
    pub uuid: String,
    pub author: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EggVariable {
    pub id: u64,
    pub egg_id: u64,
    pub name: String,
    pub description: String,
    pub env_variable: String,
    pub default_value: String,
    pub user_viewable: bool,
    pub user_editable: bool,
    /// Individual rules; PT renders them joined with `|`, PL as an array.
    pub rules: Vec<String>,
    pub sort: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Egg {
    pub id: u64,
    pub uuid: String,
    /// PT only.
    pub nest_id: Option<u64>,
    pub name: String,
    pub author: String,
    pub description: Option<String>,
    pub features: Option<Vec<String>>,
    pub tags: Vec<String>,
    /// Ordered (label, image) pairs.
    pub docker_images: Vec<(String, String)>,
    /// Ordered (label, command) pairs; the first is the egg's `startup`.
    pub startup_commands: Vec<(String, String)>,
    pub config_files: Value,
    pub config_startup: Value,
    pub config_stop: Option<String>,
    pub config_logs: Value,
    pub file_denylist: Value,
    pub config_extends: Option<u64>,
    pub script_privileged: bool,
    pub script_install: Option<String>,
    pub script_entry: String,
    pub script_container: String,
    pub script_extends: Option<u64>,
    pub variables: Vec<EggVariable>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Egg {
    pub fn startup(&self) -> &str {
        self.startup_commands
            .first()
            .map(|(_, c)| c.as_str())
            .unwrap_or("")
    }
    pub fn first_image(&self) -> &str {
        self.docker_images
            .first()
            .map(|(_, i)| i.as_str())
            .unwrap_or("")
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Role {
    pub id: u64,
    pub name: String,
    pub permissions: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A server's short identifier: the first 8 characters of its uuid.
pub fn server_identifier(uuid: &str) -> &str {
    uuid.get(..8).unwrap_or(uuid)
}

/// A database host: a MySQL/MariaDB server the panel creates server databases on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DatabaseHost {
    pub id: u64,
    pub name: String,
    pub host: String,
    pub port: u16,
    /// The admin account the panel connects with.
    pub username: String,
    /// Linked nodes: Pterodactyl has at most one (shown as `node`), Pelican many.
    pub nodes: Vec<u64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A server database (the `databases` table).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Database {
    pub id: u64,
    pub server_id: u64,
    pub host_id: u64,
    /// The full name on the host, `s<server id>_<requested name>`.
    pub database: String,
    pub username: String,
    /// Hosts the user may connect from (`%` = any).
    pub remote: String,
    /// Not a hash: shown by `include=password`, as the panels decrypt theirs.
    pub password: String,
    pub max_connections: i64,
    pub created_at: i64,
    pub updated_at: i64,
}
