//! Server databases: MySQL/MariaDB databases the panel creates for a server on a database host.
//! A child kind: declared inside a server block, addressed `server.lobby/database.main`.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The longest database name the panels store (`s<server id>_<name>`, cut to fit).
pub const DATABASE_NAME_MAX: usize = 48;

/// A database of a server, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// The name as declared; the panel stores it as `s<server id>_<name>`.
    pub name: String,
    /// The database host it lives on.
    pub host: DatabaseHostRef,
    /// Where clients may connect from (`%`: anywhere), as MySQL host patterns.
    pub remote: String,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// A database host, by panel id or (Pelican, whose Application API lists hosts) by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseHostRef {
    Id(u64),
    Name(String),
}

impl std::fmt::Display for DatabaseHostRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseHostRef::Id(id) => write!(f, "id {id}"),
            DatabaseHostRef::Name(n) => write!(f, "{n:?}"),
        }
    }
}

/// A server database as the panel reports it (the password is never part of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveDatabase {
    pub id: u64,
    pub server_id: u64,
    pub host_id: u64,
    /// The full name on the host, `s<server id>_<name>`.
    pub database: String,
    pub username: String,
    pub remote: String,
}

impl LiveDatabase {
    /// The name as a manifest declares it: the full name without the server's prefix.
    pub fn declared_name(&self) -> &str {
        let prefix = format!("s{}_", self.server_id);
        self.database
            .strip_prefix(prefix.as_str())
            .unwrap_or(&self.database)
    }
}

/// A database host (listed by Pelican's Application API; Pterodactyl's shows none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveDatabaseHost {
    pub id: u64,
    pub name: String,
    pub host: String,
    pub port: u16,
}

/// The name the panel gives a database `name` of server `server_id`: `s<id>_<name>`, cut to
/// [`DATABASE_NAME_MAX`] bytes as PHP's `substr` does (here never inside a character).
pub fn panel_database_name(server_id: u64, name: &str) -> String {
    let mut full = format!("s{server_id}_{name}");
    if full.len() > DATABASE_NAME_MAX {
        let mut at = DATABASE_NAME_MAX;
        while !full.is_char_boundary(at) {
            at -= 1;
        }
        full.truncate(at);
    }
    full
}

/// Where the Application API serves a server's databases.
pub mod database_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list(server: impl Display) -> Route {
        route!["servers", server, "databases"]
    }
    pub fn one(server: impl Display, id: impl Display) -> Route {
        route!["servers", server, "databases", id]
    }
    pub fn reset_password(server: impl Display, id: impl Display) -> Route {
        route!["servers", server, "databases", id, "reset-password"]
    }
}

/// Where Pelican's Application API serves database hosts (Pterodactyl's has no such routes).
pub mod database_host_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list() -> Route {
        route!["database-hosts"]
    }
    pub fn one(id: impl Display) -> Route {
        route!["database-hosts", id]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_names_carry_the_server_prefix_and_are_cut_to_48() {
        assert_eq!(panel_database_name(12, "main"), "s12_main");
        let long = "x".repeat(60);
        assert_eq!(panel_database_name(12, &long).len(), DATABASE_NAME_MAX);
        // Bytes, as the panels count them, never cutting a character in two.
        let wide = "é".repeat(30);
        assert!(panel_database_name(12, &wide).len() <= DATABASE_NAME_MAX);
        let live = LiveDatabase {
            id: 1,
            server_id: 12,
            host_id: 1,
            database: "s12_main".into(),
            username: "u12_abc".into(),
            remote: "%".into(),
        };
        assert_eq!(live.declared_name(), "main");
    }
}
