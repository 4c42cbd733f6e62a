//! Subuser permission names per dialect (client/subusers.md) and `GET /api/client/permissions`:
//! Pterodactyl's groups with descriptions, Pelican's flat list.

use crate::response::{Out, Res};
use crate::util::W;
use roost_model::Dialect;

/// A permission group: (group, description, [(key, description)]).
type Group = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// Pterodactyl v1.11.8's groups, in `Permission::$permissions` order.
const PT_GROUPS: &[Group] = &[
    (
        "websocket",
        "Connecting to the server's websocket for console output and live statistics.",
        &[(
            "connect",
            "Connect to the server's websocket to stream the console.",
        )],
    ),
    (
        "control",
        "Controlling the server's power state and console.",
        &[
            ("console", "Send commands to the server's console."),
            ("start", "Start the server when it is stopped."),
            ("stop", "Stop or kill the server."),
            ("restart", "Restart the server."),
        ],
    ),
    (
        "user",
        "Managing the server's subusers.",
        &[
            ("create", "Add subusers to the server."),
            ("read", "List subusers and their permissions."),
            ("update", "Change other subusers' permissions."),
            ("delete", "Remove subusers from the server."),
        ],
    ),
    (
        "file",
        "Working with the server's files.",
        &[
            ("create", "Create files and folders, and upload files."),
            ("read", "List directories."),
            ("read-content", "Read and download file contents."),
            ("update", "Rename, move and change the mode of files."),
            ("delete", "Delete files and folders."),
            ("archive", "Create archives of files and folders."),
            ("sftp", "Connect over SFTP."),
        ],
    ),
    (
        "backup",
        "Managing the server's backups.",
        &[
            ("create", "Create backups."),
            ("read", "List and view backups."),
            ("delete", "Delete, lock and unlock backups."),
            ("download", "Download backups."),
            ("restore", "Restore backups."),
        ],
    ),
    (
        "allocation",
        "Managing the server's network allocations.",
        &[
            ("read", "List the server's allocations."),
            ("create", "Assign more allocations to the server."),
            (
                "update",
                "Change the primary allocation and allocation notes.",
            ),
            ("delete", "Remove allocations from the server."),
        ],
    ),
    (
        "startup",
        "Viewing and changing the server's startup settings.",
        &[
            ("read", "View the startup variables."),
            ("update", "Change the startup variables."),
            ("docker-image", "Change the Docker image."),
        ],
    ),
    (
        "database",
        "Managing the server's databases.",
        &[
            ("create", "Create databases."),
            ("read", "List databases."),
            ("update", "Rotate database passwords."),
            ("delete", "Delete databases."),
            ("view_password", "See database passwords."),
        ],
    ),
    (
        "schedule",
        "Managing the server's schedules.",
        &[
            ("create", "Create schedules."),
            ("read", "List and view schedules."),
            ("update", "Change schedules and their tasks."),
            ("delete", "Delete schedules."),
        ],
    ),
    (
        "settings",
        "Changing the server's settings.",
        &[
            ("rename", "Rename the server."),
            ("reinstall", "Reinstall the server."),
        ],
    ),
    (
        "activity",
        "Viewing the server's activity log.",
        &[("read", "View the activity log.")],
    ),
];

/// Pelican's names, in `SubuserPermission` order.
const PL_NAMES: &[&str] = &[
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

/// Every permission name a subuser can be given in a dialect.
pub fn names(d: Dialect) -> Vec<String> {
    match d {
        Dialect::Pterodactyl => PT_GROUPS
            .iter()
            .flat_map(|(g, _, keys)| keys.iter().map(move |(k, _)| format!("{g}.{k}")))
            .collect(),
        Dialect::Pelican => PL_NAMES.iter().map(|s| s.to_string()).collect(),
    }
}

/// The permission that lets a subuser see database passwords.
pub fn view_password(d: Dialect) -> &'static str {
    match d {
        Dialect::Pterodactyl => "database.view_password",
        Dialect::Pelican => "database.view-password",
    }
}

/// `GET /api/client/permissions`.
pub fn system_permissions(d: Dialect) -> Res {
    let mut w = W::new();
    w.obj();
    w.k_str("object", "system_permissions");
    w.key("attributes");
    w.obj();
    w.key("permissions");
    match d {
        Dialect::Pterodactyl => {
            w.obj();
            for (group, description, keys) in PT_GROUPS {
                w.key(group);
                w.obj();
                w.k_str("description", description);
                w.key("keys");
                w.obj();
                for (k, desc) in *keys {
                    w.k_str(k, desc);
                }
                w.end_obj();
                w.end_obj();
            }
            w.end_obj();
        }
        Dialect::Pelican => {
            w.arr();
            for n in PL_NAMES {
                w.str(n);
            }
            w.end_arr();
        }
    }
    w.end_obj();
    w.end_obj();
    Ok(Out::json(200, w.s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_names_on_pterodactyl_and_forty_four_on_pelican() {
        assert_eq!(names(Dialect::Pterodactyl).len(), 40);
        assert_eq!(names(Dialect::Pelican).len(), 44);
        assert!(names(Dialect::Pterodactyl).contains(&"database.view_password".to_string()));
        assert!(names(Dialect::Pelican).contains(&"database.view-password".to_string()));
    }
}
