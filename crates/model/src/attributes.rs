//! Attribute names as plans show them, per kind. `ignore` rules must name one of these
//! (`environment.*` entries are per egg variable: `environment.NAME`).

use crate::Kind;

pub const LOCATION: &[&str] = &["description"];
pub const NODE: &[&str] = &[
    "location",
    "description",
    "tags",
    "fqdn",
    "scheme",
    "behind_proxy",
    "public",
    "maintenance_mode",
    "memory",
    "memory_overallocate",
    "disk",
    "disk_overallocate",
    "cpu",
    "cpu_overallocate",
    "upload_size",
    "daemon_listen",
    "daemon_sftp",
    "daemon_connect",
    "daemon_sftp_alias",
    "daemon_base",
];
pub const ALLOCATION: &[&str] = &["alias"];
pub const USER: &[&str] = &[
    "username",
    "email",
    "first_name",
    "last_name",
    "root_admin",
    "roles",
    "language",
    "external_id",
];
pub const SERVER: &[&str] = &[
    "name",
    "description",
    "external_id",
    "owner",
    "egg",
    "image",
    "startup",
    "limits.memory",
    "limits.swap",
    "limits.disk",
    "limits.io",
    "limits.cpu",
    "limits.threads",
    "limits.oom_killer",
    "feature_limits.databases",
    "feature_limits.allocations",
    "feature_limits.backups",
    "allocation",
    "additional_allocations",
    "suspended",
];

pub const DATABASE: &[&str] = &["host", "remote"];

pub fn of(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Location => LOCATION,
        Kind::Node => NODE,
        Kind::Allocation => ALLOCATION,
        Kind::User => USER,
        Kind::Server => SERVER,
        Kind::Database => DATABASE,
    }
}

/// Whether `name` is an attribute of `kind` (`environment.NAME` for servers).
pub fn is_known(kind: Kind, name: &str) -> bool {
    of(kind).contains(&name)
        || (kind == Kind::Server
            && name
                .strip_prefix("environment.")
                .is_some_and(|v| !v.is_empty()))
}
