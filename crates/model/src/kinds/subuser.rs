//! Subusers: panel users given access to one server with a list of permissions. A child kind,
//! declared inside a server block (`subuser "EMAIL" { permissions … }`) and addressed
//! `server.lobby/subuser.EMAIL`; managed through the Client API (client/subusers.md), known by
//! the e-mail address under the server (the panel's handle is the user's uuid).

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The permission every subuser holds: the panels add it to every list.
pub const SUBUSER_BASE_PERMISSION: &str = "websocket.connect";

/// Pterodactyl v1.11's permission names (`app/Models/Permission.php`).
pub const PTERODACTYL_PERMISSIONS: &[&str] = &[
    "websocket.connect",
    "control.console",
    "control.start",
    "control.stop",
    "control.restart",
    "user.create",
    "user.read",
    "user.update",
    "user.delete",
    "file.create",
    "file.read",
    "file.read-content",
    "file.update",
    "file.delete",
    "file.archive",
    "file.sftp",
    "backup.create",
    "backup.read",
    "backup.delete",
    "backup.download",
    "backup.restore",
    "allocation.read",
    "allocation.create",
    "allocation.update",
    "allocation.delete",
    "startup.read",
    "startup.update",
    "startup.docker-image",
    "database.create",
    "database.read",
    "database.update",
    "database.delete",
    "database.view_password",
    "schedule.create",
    "schedule.read",
    "schedule.update",
    "schedule.delete",
    "settings.rename",
    "settings.reinstall",
    "activity.read",
];

/// Pelican's permission names (`app/Enums/SubuserPermission.php`).
pub const PELICAN_PERMISSIONS: &[&str] = &[
    "websocket.connect",
    "control.console",
    "control.start",
    "control.stop",
    "control.restart",
    "file.read",
    "file.read-content",
    "file.create",
    "file.update",
    "file.delete",
    "file.archive",
    "file.sftp",
    "backup.read",
    "backup.create",
    "backup.delete",
    "backup.download",
    "backup.restore",
    "schedule.read",
    "schedule.create",
    "schedule.update",
    "schedule.delete",
    "user.read",
    "user.create",
    "user.update",
    "user.delete",
    "database.read",
    "database.create",
    "database.update",
    "database.delete",
    "database.view-password",
    "allocation.read",
    "allocation.create",
    "allocation.update",
    "allocation.delete",
    "activity.read",
    "mount.read",
    "mount.update",
    "startup.read",
    "startup.update",
    "startup.docker-image",
    "settings.rename",
    "settings.description",
    "settings.reinstall",
    "settings.change-icon",
];

/// The permission names `dialect` knows.
pub fn subuser_permissions(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Pterodactyl => PTERODACTYL_PERMISSIONS,
        Dialect::Pelican => PELICAN_PERMISSIONS,
    }
}

/// A permission list as the panels store it, for comparing: without duplicates, with
/// `websocket.connect`, sorted.
pub fn normalized_permissions<'a>(list: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = list.into_iter().cloned().collect();
    out.push(SUBUSER_BASE_PERMISSION.to_string());
    out.sort();
    out.dedup();
    out
}

/// A subuser of a server, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subuser {
    /// The e-mail address, as written (compared without case).
    pub email: String,
    /// Permission names of the panel's dialect, as written.
    pub permissions: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// A subuser as the Client API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveSubuser {
    /// The Application API id of its server.
    pub server_id: u64,
    /// The user's uuid: the Client API's handle of a subuser.
    pub uuid: String,
    pub username: String,
    pub email: String,
    pub permissions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dialects_spell_one_permission_differently() {
        assert!(PTERODACTYL_PERMISSIONS.contains(&"database.view_password"));
        assert!(!PTERODACTYL_PERMISSIONS.contains(&"database.view-password"));
        assert!(PELICAN_PERMISSIONS.contains(&"database.view-password"));
        assert_eq!(PTERODACTYL_PERMISSIONS.len(), 40);
        assert_eq!(PELICAN_PERMISSIONS.len(), 44);
        let list = ["file.read".to_string(), "control.console".into(), "file.read".into()];
        assert_eq!(
            normalized_permissions(&list),
            ["control.console", "file.read", "websocket.connect"]
        );
    }
}
