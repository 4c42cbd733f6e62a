//! The Client API's URL layout, below `/api/client` (`shared/panel-api/client/README.md`,
//! endpoint index): one module per resource, as the Application API's routes are one module per
//! kind. A server is addressed by its 8-character identifier or its uuid, never by its numeric
//! id; children by their own handles (schedule, task and allocation ids, a backup's uuid, a
//! subuser's user uuid, a database's id: Pterodactyl's hashid string or Pelican's number).

use crate::Route;

/// `GET /api/client`: the servers a key's user may reach.
pub fn client_root() -> Route {
    Route {
        segments: Vec::new(),
    }
}

/// The user's own account and keys.
pub mod client_account_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn account() -> Route {
        route!["account"]
    }
    pub fn activity() -> Route {
        route!["account", "activity"]
    }
    pub fn api_keys() -> Route {
        route!["account", "api-keys"]
    }
    pub fn api_key(identifier: impl Display) -> Route {
        route!["account", "api-keys", identifier]
    }
}

/// One server: details, live state, power, console, and the permission names.
pub mod client_server_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    /// `GET /api/client/permissions`: every permission name a subuser may hold.
    pub fn permissions() -> Route {
        route!["permissions"]
    }
    pub fn one(server: impl Display) -> Route {
        route!["servers", server]
    }
    pub fn resources(server: impl Display) -> Route {
        route!["servers", server, "resources"]
    }
    pub fn websocket(server: impl Display) -> Route {
        route!["servers", server, "websocket"]
    }
    pub fn activity(server: impl Display) -> Route {
        route!["servers", server, "activity"]
    }
    pub fn command(server: impl Display) -> Route {
        route!["servers", server, "command"]
    }
    pub fn power(server: impl Display) -> Route {
        route!["servers", server, "power"]
    }
}

/// A server's settings: name, description (Pelican), docker image, reinstall.
pub mod client_settings_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn rename(server: impl Display) -> Route {
        route!["servers", server, "settings", "rename"]
    }
    pub fn description(server: impl Display) -> Route {
        route!["servers", server, "settings", "description"]
    }
    pub fn reinstall(server: impl Display) -> Route {
        route!["servers", server, "settings", "reinstall"]
    }
    pub fn docker_image(server: impl Display) -> Route {
        route!["servers", server, "settings", "docker-image"]
    }
}

/// A server's startup variables.
pub mod client_startup_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list(server: impl Display) -> Route {
        route!["servers", server, "startup"]
    }
    pub fn variable(server: impl Display) -> Route {
        route!["servers", server, "startup", "variable"]
    }
}

/// A server's databases (through the Client API: the panel picks the host).
pub mod client_database_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list(server: impl Display) -> Route {
        route!["servers", server, "databases"]
    }
    pub fn one(server: impl Display, database: impl Display) -> Route {
        route!["servers", server, "databases", database]
    }
    pub fn rotate_password(server: impl Display, database: impl Display) -> Route {
        route!["servers", server, "databases", database, "rotate-password"]
    }
}

/// The file manager: every route is `files/<action>`.
pub mod client_file_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    /// `files/<action>`: `list`, `contents`, `download`, `upload`, `write`, `rename`, `copy`,
    /// `delete`, `compress`, `decompress`, `chmod`, `create-folder`, `pull`.
    pub fn action(server: impl Display, action: &str) -> Route {
        route!["servers", server, "files", action]
    }
}

/// Schedules and their tasks.
pub mod client_schedule_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list(server: impl Display) -> Route {
        route!["servers", server, "schedules"]
    }
    pub fn one(server: impl Display, schedule: impl Display) -> Route {
        route!["servers", server, "schedules", schedule]
    }
    pub fn execute(server: impl Display, schedule: impl Display) -> Route {
        route!["servers", server, "schedules", schedule, "execute"]
    }
    pub fn tasks(server: impl Display, schedule: impl Display) -> Route {
        route!["servers", server, "schedules", schedule, "tasks"]
    }
    pub fn task(server: impl Display, schedule: impl Display, task: impl Display) -> Route {
        route!["servers", server, "schedules", schedule, "tasks", task]
    }
}

/// A server's allocations (`network/allocations`).
pub mod client_network_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list(server: impl Display) -> Route {
        route!["servers", server, "network", "allocations"]
    }
    pub fn one(server: impl Display, allocation: impl Display) -> Route {
        route!["servers", server, "network", "allocations", allocation]
    }
    pub fn primary(server: impl Display, allocation: impl Display) -> Route {
        route![
            "servers",
            server,
            "network",
            "allocations",
            allocation,
            "primary"
        ]
    }
}

/// A server's subusers, by user uuid.
pub mod client_subuser_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list(server: impl Display) -> Route {
        route!["servers", server, "users"]
    }
    pub fn one(server: impl Display, user_uuid: impl Display) -> Route {
        route!["servers", server, "users", user_uuid]
    }
}

/// A server's backups, by backup uuid.
pub mod client_backup_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list(server: impl Display) -> Route {
        route!["servers", server, "backups"]
    }
    pub fn one(server: impl Display, backup: impl Display) -> Route {
        route!["servers", server, "backups", backup]
    }
    pub fn download(server: impl Display, backup: impl Display) -> Route {
        route!["servers", server, "backups", backup, "download"]
    }
    pub fn lock(server: impl Display, backup: impl Display) -> Route {
        route!["servers", server, "backups", backup, "lock"]
    }
    pub fn restore(server: impl Display, backup: impl Display) -> Route {
        route!["servers", server, "backups", backup, "restore"]
    }
    pub fn rename(server: impl Display, backup: impl Display) -> Route {
        route!["servers", server, "backups", backup, "rename"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_routes_show_as_paths_below_the_client_api() {
        assert_eq!(client_root().to_string(), "");
        assert_eq!(
            client_file_routes::action("1a2b3c4d", "create-folder").to_string(),
            "/servers/1a2b3c4d/files/create-folder"
        );
        assert_eq!(
            client_schedule_routes::task("1a2b3c4d", 4, 9).to_string(),
            "/servers/1a2b3c4d/schedules/4/tasks/9"
        );
        assert_eq!(
            client_database_routes::rotate_password("1a2b3c4d", "bEY4yAD5").to_string(),
            "/servers/1a2b3c4d/databases/bEY4yAD5/rotate-password"
        );
    }
}
