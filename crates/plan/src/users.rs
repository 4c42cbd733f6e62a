//! Users: declared users against the panel's (create, update, adopt, rename), and the deletes of
//! roost's users that left the manifests. Who is whose is decided in `ownership`.

use crate::diff::{Attrs, Ctx, PlanError, change, v};
use crate::ownership::{self, Claim, UserIdentity, UserIndex};
use crate::types::*;
use roost_model::{Address, Dialect, Kind, LiveServer, LiveUser, User, stored_username};
use serde_json::json;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The role that makes a Pelican user a root administrator.
const ROOT_ADMIN_ROLE: &str = "Root Admin";

pub(crate) fn plan_users(cx: &mut Ctx, deletes: &mut Vec<Change>, unmanaged: &mut Unmanaged) {
    let d = cx.d;
    let index = UserIndex::new(&cx.live.users);
    let mut matched: HashSet<u64> = HashSet::new();
    for (name, u) in &d.users {
        dialect_checks(cx, name, u);
        let identity = match ownership::identify_user(d, &index, name, u) {
            Ok(i) => i,
            Err(e) => {
                cx.errors.push(e);
                continue;
            }
        };
        if cx.dialect == Dialect::Pelican {
            root_role_checks(cx, name, u, identity.live());
        }
        let role_ids = role_ids(cx, name, u);
        match identity.live() {
            None => {
                email_free(cx, name, u);
                create_user(cx, name, u, role_ids);
            }
            Some(live) => {
                matched.insert(live.id);
                cx.user_ids.insert(name.clone(), live.id);
                update_user(cx, name, u, live, identity, role_ids);
            }
        }
    }
    prune_users(cx, &matched, deletes, unmanaged);
}

/// Fields the panel's dialect does not have.
fn dialect_checks(cx: &mut Ctx, name: &str, u: &User) {
    let origin = Some(u.origin);
    if cx.dialect == Dialect::Pelican {
        for (field, set) in [
            ("first-name", u.first_name.is_some()),
            ("last-name", u.last_name.is_some()),
            ("admin", u.admin),
        ] {
            if set {
                cx.errors.push(
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
        cx.errors.push(
            PlanError::new(
                "roost::wrong-dialect",
                format!("user `{name}` sets `roles`, which Pterodactyl does not have"),
                origin,
            )
            .help("write `admin #true` for a root admin"),
        );
    }
    if u.first_name.is_none() || u.last_name.is_none() {
        cx.errors.push(
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
fn root_role_checks(cx: &mut Ctx, name: &str, u: &User, live: Option<&LiveUser>) {
    let origin = Some(u.origin);
    let wants_root = u.roles.iter().any(|r| r == ROOT_ADMIN_ROLE);
    match (wants_root, live.map(|l| l.root_admin)) {
        (true, None) | (true, Some(false)) => cx.errors.push(PlanError::new("roost::cannot-change", format!("user `{name}` asks for the Root Admin role, which Pelican's API cannot grant"), origin).help("grant it in the panel's web UI (Admin → Users), or remove \"Root Admin\" from `roles`")),
        (false, Some(true)) => cx.errors.push(PlanError::new("roost::cannot-change", format!("user `{name}` is a Root Admin on the panel, which Pelican's API cannot revoke"), origin).help("add `roles \"Root Admin\"` to keep it, or revoke it in the panel's web UI first")),
        _ => {}
    }
}

fn role_ids(cx: &mut Ctx, name: &str, u: &User) -> Vec<u64> {
    let mut ids = Vec::new();
    for r in &u.roles {
        match cx.live.roles.iter().find(|x| &x.name == r) {
            Some(role) => ids.push(role.id),
            None => {
                let known: Vec<&str> = cx.live.roles.iter().map(|r| r.name.as_str()).collect();
                cx.errors.push(
                    PlanError::new(
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
                    )),
                );
            }
        }
    }
    ids.sort_unstable();
    ids
}

/// A new user's e-mail must be free: the panel refuses a second user with it (422), and would
/// do so halfway through the apply.
fn email_free(cx: &mut Ctx, name: &str, u: &User) {
    let Some(holder) = cx
        .live
        .users
        .iter()
        .find(|l| l.email.trim().eq_ignore_ascii_case(u.email.trim()))
    else {
        return;
    };
    cx.errors.push(
        PlanError::new(
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
        )),
    );
}

fn target(cx: &Ctx, name: &str, u: &User, role_ids: Vec<u64>) -> UserTarget {
    UserTarget {
        username: name.to_string(),
        email: u.email.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        admin: u.admin,
        role_ids,
        language: language(u),
        external_id: Some(cx.d.user_external_id(u)),
        password: u.password.clone(),
        set_password: false,
    }
}

fn language(u: &User) -> String {
    u.language.clone().unwrap_or_else(|| "en".into())
}

fn create_user(cx: &mut Ctx, name: &str, u: &User, role_ids: Vec<u64>) {
    let pl = cx.dialect == Dialect::Pelican;
    let mut t = target(cx, name, u, role_ids);
    let mut attrs = Attrs::default();
    attrs.set("username", v(name));
    attrs.set("email", v(&u.email));
    if !pl {
        attrs.set("first_name", v(&u.first_name));
        attrs.set("last_name", v(&u.last_name));
        attrs.set("root_admin", json!(u.admin));
    } else if !u.roles.is_empty() {
        attrs.set("roles", v(&u.roles));
    }
    attrs.set("language", v(&t.language));
    attrs.set("external_id", v(&t.external_id));
    if u.password.is_some() {
        attrs.sensitive("password");
        t.set_password = true;
    }
    let mut calls = vec![ApiCall::new("POST", "/users")];
    if pl && !t.role_ids.is_empty() {
        calls.push(ApiCall::new(
            "PATCH",
            format!("/users/{{user.{name}}}/roles/assign"),
        ));
    }
    let address = Address::new(Kind::User, name);
    let mut c = change(address, Action::Create, None, attrs, calls, Some(u.origin));
    if u.admin || u.roles.iter().any(|r| r == ROOT_ADMIN_ROLE) {
        c.warnings.push("creates a root administrator".into());
    }
    c.desired = Some(Desired::User(t));
    cx.changes.push(c);
}

fn update_user(
    cx: &mut Ctx,
    name: &str,
    u: &User,
    live: &LiveUser,
    identity: UserIdentity,
    role_ids: Vec<u64>,
) {
    let role_name: HashMap<u64, &str> = cx
        .live
        .roles
        .iter()
        .map(|r| (r.id, r.name.as_str()))
        .collect();
    let mut t = target(cx, name, u, role_ids);
    let mut attrs = compare_user(cx.dialect, name, u, live, &t, &role_name);
    if u.password.as_ref().is_some_and(|p| p.rotate) {
        attrs.sensitive("password");
        t.set_password = true;
    }
    // Setting roost's marker for the first time (or re-marking after a namespace change) is an
    // adoption; toggling `protect` or renaming only rewrites it.
    let action = match identity {
        UserIdentity::Adopt(_) | UserIdentity::Remark(_) => Action::Adopt,
        _ => Action::Update,
    };
    let calls = user_calls(&attrs, live, &t);
    let address = Address::new(Kind::User, name);
    let mut c = change(address, action, Some(live.id), attrs, calls, Some(u.origin));
    if let UserIdentity::Rename(_) = identity {
        cx.notes.push(format!(
            "user `{name}` is panel user `{}` (id {}) renamed: same e-mail, so roost renames it in place; its servers, API keys and access stay with it",
            live.username, live.id
        ));
    }
    admin_warnings(cx, &mut c, u, live, &role_name);
    c.desired = Some(Desired::User(t));
    c.live = Some(LiveObject::User(live.clone()));
    cx.changes.push(c);
}

/// The attributes of an existing user, old -> new, compared as the panel stores them.
fn compare_user(
    dialect: Dialect,
    name: &str,
    u: &User,
    live: &LiveUser,
    t: &UserTarget,
    role_name: &HashMap<u64, &str>,
) -> Attrs {
    let pl = dialect == Dialect::Pelican;
    let mut attrs = Attrs::default();
    attrs.cmp(
        "username",
        v(stored_username(&live.username)),
        v(stored_username(name)),
        Impact::None,
    );
    let (le, de) = if pl {
        (live.email.to_lowercase(), u.email.trim().to_lowercase())
    } else {
        (live.email.clone(), u.email.clone())
    };
    attrs.cmp("email", v(le), v(de), Impact::None);
    if !pl {
        attrs.cmp(
            "first_name",
            v(&live.first_name),
            v(&u.first_name),
            Impact::None,
        );
        attrs.cmp(
            "last_name",
            v(&live.last_name),
            v(&u.last_name),
            Impact::None,
        );
        attrs.cmp(
            "root_admin",
            json!(live.root_admin),
            json!(u.admin),
            Impact::None,
        );
    } else {
        let mut live_roles: Vec<&str> = live
            .role_ids
            .iter()
            .map(|id| role_name.get(id).copied().unwrap_or("?"))
            .collect();
        live_roles.sort_unstable();
        let mut want: Vec<&str> = u.roles.iter().map(String::as_str).collect();
        want.sort_unstable();
        want.dedup();
        attrs.cmp("roles", v(live_roles), v(want), Impact::None);
    }
    if u.language.is_some() {
        attrs.cmp("language", v(&live.language), v(&t.language), Impact::None);
    }
    attrs.cmp(
        "external_id",
        v(&live.external_id),
        v(&t.external_id),
        Impact::None,
    );
    attrs
}

/// The requests an update of `live` makes for the changed attributes.
fn user_calls(attrs: &Attrs, live: &LiveUser, t: &UserTarget) -> Vec<ApiCall> {
    let mut calls = Vec::new();
    if attrs.any(&[
        "username",
        "email",
        "first_name",
        "last_name",
        "root_admin",
        "language",
        "external_id",
        "password",
    ]) {
        calls.push(ApiCall::new("PATCH", format!("/users/{}", live.id)));
    }
    if attrs.any(&["roles"]) {
        let held: BTreeSet<u64> = live.role_ids.iter().copied().collect();
        let want: BTreeSet<u64> = t.role_ids.iter().copied().collect();
        if want.difference(&held).next().is_some() {
            calls.push(ApiCall::new(
                "PATCH",
                format!("/users/{}/roles/assign", live.id),
            ));
        }
        if held.difference(&want).next().is_some() {
            calls.push(ApiCall::new(
                "PATCH",
                format!("/users/{}/roles/remove", live.id),
            ));
        }
    }
    calls
}

fn admin_warnings(
    cx: &Ctx,
    c: &mut Change,
    u: &User,
    live: &LiveUser,
    role_name: &HashMap<u64, &str>,
) {
    if cx.dialect == Dialect::Pterodactyl {
        if live.root_admin != u.admin {
            c.warnings.push(if u.admin {
                "grants root admin rights".into()
            } else {
                crate::rails::admin_removal_warning(
                    "revokes the root admin rights of",
                    &live.username,
                )
            });
        }
        return;
    }
    let was = live
        .role_ids
        .iter()
        .any(|id| role_name.get(id) == Some(&ROOT_ADMIN_ROLE));
    let will = u.roles.iter().any(|r| r == ROOT_ADMIN_ROLE);
    if was != will {
        c.warnings.push(if will {
            "grants the Root Admin role".into()
        } else {
            crate::rails::admin_removal_warning("removes the Root Admin role of", &live.username)
        });
    }
}

/// roost's users that left the manifests: deleted when `prune "users"` is on, unless that is
/// unsafe (protected, claimed twice, owner of servers, owner of roost's API key).
fn prune_users(
    cx: &mut Ctx,
    matched: &HashSet<u64>,
    deletes: &mut Vec<Change>,
    unmanaged: &mut Unmanaged,
) {
    let d = cx.d;
    let prune = d.panel.prune.contains(&Kind::User);
    let mut servers_of: HashMap<u64, Vec<&LiveServer>> = HashMap::new();
    for s in &cx.live.servers {
        servers_of.entry(s.user).or_default().push(s);
    }
    let candidates: Vec<&LiveUser> = cx
        .live
        .users
        .iter()
        .filter(|u| !matched.contains(&u.id) && !ownership::declares_user(d, &u.username))
        .collect();
    let twice = ownership::claimed_twice(
        &d.panel,
        candidates.iter().map(|u| {
            (
                u.external_id.as_deref(),
                format!("`{}` (id {})", u.username, u.id),
            )
        }),
    );
    if prune {
        for (key, list) in &twice {
            cx.errors
                .push(ownership::claimed_twice_error("user", key, list, None));
        }
    }
    for u in candidates {
        let (key, protected) = match ownership::claim(&d.panel, u.external_id.as_deref()) {
            Claim::Ours { key, protected } => (key, protected),
            _ => {
                unmanaged.users.push(u.username.clone());
                continue;
            }
        };
        if !prune {
            unmanaged.users.push(u.username.clone());
            continue;
        }
        if twice.contains_key(key) {
            continue;
        }
        if ownership::declares_user(d, key) {
            cx.errors.push(PlanError::new("roost::ambiguous-identity", format!("panel user `{}` (id {}) carries roost's marker for user `{key}`, which the manifests declare as another panel user", u.username, u.id), None).help(format!("roost will not delete it: clear the external id of user id {} in the panel, or adopt it under its own name", u.id)));
            continue;
        }
        if protected {
            cx.errors.push(PlanError::new("roost::protected", format!("user `{}` left the manifests, but the panel marks it protected (external id `{}`)", u.username, u.external_id.as_deref().unwrap_or_default()), None).help(format!("put the user back in the manifests, or unprotect it first: declare it with `protect #false`, apply, then remove it (or clear the external id of user id {} in the panel)", u.id)));
            continue;
        }
        if let Some(owner) = &cx.key_owner
            && owner.is(u)
        {
            cx.errors.push(PlanError::new("roost::key-owner", format!("user `{}` left the manifests, but it owns the API key roost uses (the panel says so for the client token); roost never deletes it", u.username), None).help("put the user back in the manifests; to retire it, give roost a key of another user first"));
            continue;
        }
        let owned_servers = servers_of.get(&u.id).map(Vec::as_slice).unwrap_or(&[]);
        let remaining: Vec<String> = owned_servers
            .iter()
            .filter(|s| {
                !cx.deleted_servers.contains(&s.id) && !cx.reassigned_servers.contains(&s.id)
            })
            .map(|s| format!("{} (id {})", s.name, s.id))
            .collect();
        if !remaining.is_empty() {
            cx.errors.push(PlanError::new("roost::cannot-delete", format!("user `{}` left the manifests and would be pruned, but still owns servers: {}", u.username, remaining.join(", ")), None).help("give those servers another owner in the panel or the manifests, or keep the user"));
            continue;
        }
        deletes.push(delete_user(cx, u, owned_servers));
    }
}

fn delete_user(cx: &Ctx, u: &LiveUser, owned_servers: &[&LiveServer]) -> Change {
    let mut attrs = Attrs::default();
    attrs.changed.push(AttrChange {
        name: "email".into(),
        old: Some(v(&u.email)),
        new: None,
        sensitive: false,
        impact: Impact::None,
        cause: None,
    });
    let mut c = change(
        Address::new(Kind::User, &u.username),
        Action::Delete,
        Some(u.id),
        attrs,
        vec![ApiCall::new("DELETE", format!("/users/{}", u.id))],
        None,
    );
    c.warnings.push(format!(
        "deletes panel user `{}` (id {}): the account, its API keys and its access to servers",
        u.username, u.id
    ));
    if u.root_admin {
        c.warnings.push(crate::rails::admin_removal_warning(
            "deletes the root administrator",
            &u.username,
        ));
    }
    c.depends_on = owned_servers
        .iter()
        .map(|s| crate::diff::server_address(cx.d, s))
        .collect();
    c.live = Some(LiveObject::User(u.clone()));
    c
}
