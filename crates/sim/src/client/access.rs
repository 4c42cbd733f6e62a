//! Who may do what on a server (client/README.md §3): owners, subusers with their permission
//! lists, and admins — Pterodactyl's `root_admin`, Pelican's Root Admin role and role-based
//! admins whose role grants `update server` (the sim's roles reach every node).

use crate::response::ApiErr;
use crate::state::{Server, SimState, Subuser, User};
use roost_model::Dialect;

/// The permissions only the panel hands out, to admins, on websocket tokens.
pub const ADMIN_WEBSOCKET: [&str; 3] = [
    "admin.websocket.errors",
    "admin.websocket.install",
    "admin.websocket.transfer",
];

/// Pelican role permissions that make a role-based admin of a server.
const ROLE_UPDATE: &str = "update server";
const ROLE_VIEW: &str = "view server";

/// How one user stands to one server.
pub struct Access<'a> {
    pub d: Dialect,
    pub user: &'a User,
    pub server: &'a Server,
    pub subuser: Option<&'a Subuser>,
    root: bool,
    role_update: bool,
    role_view: bool,
}

impl<'a> Access<'a> {
    pub fn of(st: &'a SimState, user_id: u64, server_id: u64) -> Option<Access<'a>> {
        let user = st.users.get(&user_id)?;
        let server = st.servers.get(&server_id)?;
        let held = |perm: &str| {
            st.dialect == Dialect::Pelican
                && user
                    .roles
                    .iter()
                    .filter_map(|r| st.roles.get(r))
                    .any(|r| r.permissions.iter().any(|p| p == perm))
        };
        Some(Access {
            d: st.dialect,
            user,
            server,
            subuser: st.subuser_of(server_id, user_id),
            root: st.is_root_admin(user),
            role_update: held(ROLE_UPDATE),
            role_view: held(ROLE_VIEW),
        })
    }

    pub fn is_owner(&self) -> bool {
        self.server.user_id == self.user.id
    }

    /// PT `root_admin`; PL Root Admin role.
    pub fn is_root(&self) -> bool {
        self.root
    }

    /// Passes every server check without being owner or subuser: PT root admins, PL users who
    /// `can('update server')` (Root Admin or a role granting it).
    pub fn is_server_admin(&self) -> bool {
        self.root || self.role_update
    }

    /// Whether `AuthenticateServerAccess` lets the user in at all (else the 404 that hides the
    /// server).
    pub fn may_enter(&self) -> bool {
        self.is_owner() || self.is_server_admin() || self.subuser.is_some()
    }

    /// A subuser permission check as the panel's policy runs it.
    pub fn can(&self, permission: &str) -> bool {
        if permission.is_empty() {
            return false;
        }
        if self.is_owner() || self.is_server_admin() {
            return true;
        }
        if self.d == Dialect::Pelican && permission == "websocket.connect" && self.role_view {
            return true;
        }
        self.subuser.is_some_and(|s| s.holds(permission))
    }

    /// Answers 403 unless [`Access::can`].
    pub fn require(&self, permission: &str) -> Result<(), ApiErr> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(unauthorized())
        }
    }

    /// `meta.user_permissions` and the websocket token's `permissions`
    /// (`GetUserPermissionsService`).
    pub fn user_permissions(&self) -> Vec<String> {
        let star_admin = || {
            let mut v = vec!["*".to_string()];
            v.extend(ADMIN_WEBSOCKET.iter().map(|p| p.to_string()));
            v
        };
        let stored = || {
            self.subuser
                .map(|s| {
                    s.permission_names()
                        .into_iter()
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        match self.d {
            Dialect::Pterodactyl => {
                if self.root {
                    star_admin()
                } else if self.is_owner() {
                    vec!["*".to_string()]
                } else {
                    stored()
                }
            }
            Dialect::Pelican => {
                let admin = self.root || self.role_update || self.role_view;
                if self.is_owner() && !admin {
                    return vec!["*".to_string()];
                }
                if admin && (self.is_owner() || self.is_server_admin()) {
                    return star_admin();
                }
                if admin {
                    let mut v = vec!["websocket.connect".to_string()];
                    for p in ADMIN_WEBSOCKET
                        .iter()
                        .map(|p| p.to_string())
                        .chain(stored())
                    {
                        if !v.contains(&p) {
                            v.push(p);
                        }
                    }
                    return v;
                }
                stored()
            }
        }
    }
}

/// The FormRequest / policy denial.
pub fn unauthorized() -> ApiErr {
    ApiErr::new(
        403,
        "AccessDeniedHttpException",
        "This action is unauthorized.",
    )
}

/// A controller's own denial (`HttpForbiddenException`) with its message.
pub fn forbidden(detail: &str) -> ApiErr {
    ApiErr::new(403, "HttpForbiddenException", detail)
}
