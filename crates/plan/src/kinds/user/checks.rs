//! What a declared user must satisfy before roost plans it: fields of the panel's dialect,
//! roles the panel has, a free e-mail, and the Root Admin role Pelican's API cannot change.

use super::ROOT_ADMIN_ROLE;
use crate::context::PlanCx;
use crate::error::PlanError;
use roost_model::{LiveUser, User};

/// Fields the panel's dialect does not have.
pub(super) fn dialect(cx: &mut PlanCx, name: &str, u: &User) {
    let origin = Some(u.origin);
    if cx.is_pelican() {
        for (field, set) in [
            ("first-name", u.first_name.is_some()),
            ("last-name", u.last_name.is_some()),
            ("admin", u.admin),
        ] {
            if set {
                cx.error(
                    PlanError::new(
                        "roost::wrong-dialect",
                        format!("user `{name}` sets `{field}`, which Pelican does not have"),
                        origin,
                    )
                    .help(if field == "admin" {
                        "Pelican grants admin rights with roles: write `roles \"Root Admin\"`"
                    } else {
                        "Pelican removed names: remove the field"
                    }),
                );
            }
        }
        return;
    }
    if !u.roles.is_empty() {
        cx.error(
            PlanError::new(
                "roost::wrong-dialect",
                format!("user `{name}` sets `roles`, which Pterodactyl does not have"),
                origin,
            )
            .help("write `admin #true` for a root admin"),
        );
    }
    if u.first_name.is_none() || u.last_name.is_none() {
        cx.error(
            PlanError::new(
                "roost::missing-field",
                format!("user `{name}` needs `first-name` and `last-name` on Pterodactyl"),
                origin,
            )
            .help("add first-name \"...\" and last-name \"...\""),
        );
    }
}

/// Pelican's roles/assign and roles/remove skip the Root Admin role (users.md): only the
/// panel's web UI can grant or revoke it, so a difference could never converge.
pub(super) fn root_role(cx: &mut PlanCx, name: &str, u: &User, live: Option<&LiveUser>) {
    let origin = Some(u.origin);
    let wants_root = u.roles.iter().any(|r| r == ROOT_ADMIN_ROLE);
    match (wants_root, live.map(|l| l.root_admin)) {
        (true, None) | (true, Some(false)) => cx.error(PlanError::new("roost::cannot-change", format!("user `{name}` asks for the Root Admin role, which Pelican's API cannot grant"), origin).help("grant it in the panel's web UI (Admin → Users), or remove \"Root Admin\" from `roles`")),
        (false, Some(true)) => cx.error(PlanError::new("roost::cannot-change", format!("user `{name}` is a Root Admin on the panel, which Pelican's API cannot revoke"), origin).help("add `roles \"Root Admin\"` to keep it, or revoke it in the panel's web UI first")),
        (false, None) | (false, Some(false)) | (true, Some(true)) => {}
    }
}

/// The panel ids of the roles `u` asks for, sorted; an error for each the panel lacks.
pub(super) fn role_ids(cx: &mut PlanCx, name: &str, u: &User) -> Vec<u64> {
    let mut ids = Vec::new();
    for r in &u.roles {
        match cx.lookup.live.roles.iter().find(|x| &x.name == r) {
            Some(role) => ids.push(role.id),
            None => {
                let known: Vec<&str> = cx
                    .lookup
                    .live
                    .roles
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect();
                let e = PlanError::new(
                    "roost::undefined-reference",
                    format!("user `{name}` asks for role `{r}`, which the panel does not have"),
                    Some(u.origin),
                )
                .help(format!(
                    "roles on the panel: {}; roles are created in the panel, not by roost",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ));
                cx.error(e);
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A new user's e-mail must be free: the panel refuses a second user with it (422), and would
/// do so halfway through the apply.
pub(super) fn email_free(cx: &mut PlanCx, name: &str, u: &User) {
    let Some(holder) = cx
        .lookup
        .live
        .users
        .iter()
        .find(|l| l.email.trim().eq_ignore_ascii_case(u.email.trim()))
    else {
        return;
    };
    let e = PlanError::new(
        "roost::email-taken",
        format!(
            "user `{name}` would be created with the e-mail `{}`, which panel user `{}` (id {}) already has",
            u.email, holder.username, holder.id
        ),
        Some(u.origin),
    )
    .help(format!(
        "e-mails are unique on the panel: to manage that user as `{name}`, add `adopt id={}`; or give `{name}` another e-mail",
        holder.id
    ));
    cx.error(e);
}
