//! Panel users: declared users against the panel's (create, update, adopt, rename), and the
//! deletes of roost's users that left the manifests (`prune.rs`). Who is whose is decided in
//! `ownership` and `identity`.

mod checks;
mod prune;

use crate::attr::{Attr, Compare, Table, json_of};
use crate::context::{PlanCx, change};
use crate::lookup::Lookup;
use crate::ops::{ApiCall, OpSpec, Ref, Retry};
use crate::ownership::UserIdentity;
use crate::types::{Action, Change, Impact};
use roost_model::{
    Address, Dialect, Kind, LiveUser, SecretRef, User, stored_username, user_routes as routes,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;

/// The role that makes a Pelican user a root administrator.
pub(crate) const ROOT_ADMIN_ROLE: &str = "Root Admin";

/// A user as the panel's write endpoints take it (the password travels apart, read by the
/// engine from its source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UserFields {
    pub username: String,
    pub email: String,
    /// Pterodactyl only (required there).
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_id: Option<String>,
    pub language: String,
    /// Pterodactyl only.
    pub root_admin: Option<bool>,
}

impl UserFields {
    pub fn from_live(u: &LiveUser) -> Self {
        UserFields {
            username: u.username.clone(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            external_id: u.external_id.clone(),
            language: u.language.clone(),
            root_admin: Some(u.root_admin),
        }
    }
}

/// What apply does to a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `password`: where the engine reads the password to set (never the value).
    Create {
        fields: Box<UserFields>,
        password: Option<SecretRef>,
    },
    /// A full replacement; `was` is the user as planned against (to check the update).
    Update {
        id: u64,
        set: Box<UserFields>,
        was: Box<UserFields>,
        password: Option<SecretRef>,
    },
    /// Pelican: give the user these roles.
    AssignRoles { user: Ref, roles: Vec<u64> },
    /// Pelican: take these roles away.
    RemoveRoles { id: u64, roles: Vec<u64> },
    /// `root_admin`: the user is a root administrator (its own approval, `rails.rs`).
    Delete { id: u64, root_admin: bool },
}

impl OpSpec for Op {
    fn call(&self) -> Option<ApiCall> {
        Some(match self {
            Op::Create { .. } => ApiCall::new("POST", &routes::list()),
            Op::Update { id, .. } => ApiCall::new("PATCH", &routes::one(id)),
            Op::AssignRoles { user, .. } => ApiCall::new("PATCH", &routes::assign_roles(user)),
            Op::RemoveRoles { id, .. } => ApiCall::new("PATCH", &routes::remove_roles(id)),
            Op::Delete { id, .. } => ApiCall::new("DELETE", &routes::one(id)),
        })
    }

    fn retry(&self) -> Retry {
        match self {
            Op::Create { .. } => Retry::ReadBack,
            // Assigning a held role or removing a missing one is a no-op.
            Op::Update { .. }
            | Op::AssignRoles { .. }
            | Op::RemoveRoles { .. }
            | Op::Delete { .. } => Retry::Idempotent,
        }
    }

    fn secrets(&self) -> Vec<&SecretRef> {
        match self {
            Op::Create { password, .. } | Op::Update { password, .. } => {
                password.iter().collect()
            }
            Op::AssignRoles { .. } | Op::RemoveRoles { .. } | Op::Delete { .. } => Vec::new(),
        }
    }
}

/// The writes of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    /// `PATCH /users/{id}`.
    Account,
    /// Pelican's role assignments.
    Roles,
}

/// What the planner compares for a user.
pub(crate) struct UserTarget {
    pub fields: UserFields,
    /// Pelican role names, sorted, and their ids.
    pub roles: Vec<String>,
    pub role_ids: Vec<u64>,
    pub language_declared: bool,
    /// Where to read the password, when this apply sets it.
    pub password: Option<SecretRef>,
}

fn pelican(lk: &Lookup) -> bool {
    lk.live.dialect == Dialect::Pelican
}

fn role_names(ids: &[u64], lk: &Lookup) -> Vec<String> {
    let mut names: Vec<String> = ids
        .iter()
        .map(|id| {
            lk.live
                .roles
                .iter()
                .find(|r| r.id == *id)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| "?".into())
        })
        .collect();
    names.sort_unstable();
    names
}

/// An attribute only Pterodactyl has.
fn pterodactyl(lk: &Lookup, value: Value) -> Option<Value> {
    (!pelican(lk)).then_some(value)
}

pub(crate) const TABLE: Table<UserTarget, LiveUser, Write> = Table {
    attrs: &[
        Attr {
            name: "username",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(stored_username(&t.fields.username))),
            have: |l, _, _| json_of(stored_username(&l.username)),
            impact: Impact::None,
            sensitive: false,
            write: Write::Account,
            keep_live: |t, l| t.fields.username = l.username.clone(),
        },
        Attr {
            name: "email",
            compare: Compare::Always,
            // Pelican stores e-mails in lower case.
            want: |t, live, lk| {
                Some(json_of(if pelican(lk) && live.is_some() {
                    t.fields.email.trim().to_lowercase()
                } else {
                    t.fields.email.clone()
                }))
            },
            have: |l, _, lk| {
                json_of(if pelican(lk) {
                    l.email.to_lowercase()
                } else {
                    l.email.clone()
                })
            },
            impact: Impact::None,
            sensitive: false,
            write: Write::Account,
            keep_live: |t, l| t.fields.email = l.email.clone(),
        },
        Attr {
            name: "first_name",
            compare: Compare::Always,
            want: |t, _, lk| pterodactyl(lk, json_of(&t.fields.first_name)),
            have: |l, _, _| json_of(&l.first_name),
            impact: Impact::None,
            sensitive: false,
            write: Write::Account,
            keep_live: |t, l| {
                if t.fields.first_name.is_some() {
                    t.fields.first_name = l.first_name.clone();
                }
            },
        },
        Attr {
            name: "last_name",
            compare: Compare::Always,
            want: |t, _, lk| pterodactyl(lk, json_of(&t.fields.last_name)),
            have: |l, _, _| json_of(&l.last_name),
            impact: Impact::None,
            sensitive: false,
            write: Write::Account,
            keep_live: |t, l| {
                if t.fields.last_name.is_some() {
                    t.fields.last_name = l.last_name.clone();
                }
            },
        },
        Attr {
            name: "root_admin",
            compare: Compare::Always,
            want: |t, _, lk| pterodactyl(lk, json_of(t.fields.root_admin.unwrap_or(false))),
            have: |l, _, _| json_of(l.root_admin),
            impact: Impact::None,
            sensitive: false,
            write: Write::Account,
            keep_live: |t, l| {
                if let Some(admin) = &mut t.fields.root_admin {
                    *admin = l.root_admin;
                }
            },
        },
        Attr {
            name: "roles",
            compare: Compare::Always,
            want: |t, live, lk| {
                (pelican(lk) && (live.is_some() || !t.roles.is_empty())).then(|| json_of(&t.roles))
            },
            have: |l, _, lk| json_of(role_names(&l.role_ids, lk)),
            impact: Impact::None,
            sensitive: false,
            write: Write::Roles,
            keep_live: |t, l| t.role_ids = l.role_ids.clone(),
        },
        Attr {
            name: "language",
            compare: Compare::Always,
            // A create sets the default; an update leaves an undeclared language alone.
            want: |t, live, _| {
                (live.is_none() || t.language_declared).then(|| json_of(&t.fields.language))
            },
            have: |l, _, _| json_of(&l.language),
            impact: Impact::None,
            sensitive: false,
            write: Write::Account,
            keep_live: |t, l| t.fields.language = l.language.clone(),
        },
        Attr {
            name: "external_id",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.fields.external_id)),
            have: |l, _, _| json_of(&l.external_id),
            impact: Impact::None,
            sensitive: false,
            write: Write::Account,
            keep_live: |t, l| t.fields.external_id = l.external_id.clone(),
        },
        Attr {
            name: "password",
            compare: Compare::Fixed,
            // Write-only: never compared, only said to be set (a new user, `rotate=#true`).
            want: |t, _, _| t.password.as_ref().map(|_| Value::Bool(true)),
            have: |_, _, _| Value::Null,
            impact: Impact::None,
            sensitive: true,
            write: Write::Account,
            keep_live: |_, _| {},
        },
    ],
    maps: &[],
};

pub(crate) fn plan(cx: &mut PlanCx) {
    let desired = cx.desired;
    for (name, u) in &desired.users {
        checks::dialect(cx, name, u);
        let Some(identity) = cx.identity.users.get(name).copied() else {
            continue;
        };
        if cx.is_pelican() {
            checks::root_role(cx, name, u, identity.live());
        }
        let role_ids = checks::role_ids(cx, name, u);
        match identity.live() {
            None => {
                checks::email_free(cx, name, u);
                create(cx, name, u, role_ids);
            }
            Some(live) => update(cx, name, u, live, identity, role_ids),
        }
    }
    prune::plan(cx);
}

fn target(cx: &mut PlanCx, name: &str, u: &User, role_ids: Vec<u64>, set_password: bool) -> UserTarget {
    let mut roles = u.roles.clone();
    roles.sort();
    roles.dedup();
    let password = u.password.as_ref().filter(|_| set_password);
    if let Some(spec) = password
        && let Some(why) = crate::sensitive::read_error(&spec.source, cx.lookup.secrets)
    {
        cx.error(crate::sensitive::unreadable_secret(
            format!("the password of user `{name}`"),
            &why,
            spec.origin,
        ));
    }
    let pterodactyl = !cx.is_pelican();
    UserTarget {
        fields: UserFields {
            username: name.to_string(),
            email: u.email.clone(),
            first_name: u.first_name.clone().filter(|_| pterodactyl),
            last_name: u.last_name.clone().filter(|_| pterodactyl),
            external_id: Some(cx.desired.user_external_id(u)),
            language: u.language.clone().unwrap_or_else(|| "en".into()),
            root_admin: pterodactyl.then_some(u.admin),
        },
        roles,
        role_ids,
        language_declared: u.language.is_some(),
        password: password.map(|p| p.source.clone()),
    }
}

fn create(cx: &mut PlanCx, name: &str, u: &User, role_ids: Vec<u64>) {
    let address = Address::new(Kind::User, name);
    let t = target(cx, name, u, role_ids, true);
    let diff = TABLE.diff(&t, None, &cx.lookup);
    let mut c = change(address.clone(), Action::Create, None, diff, Some(u.origin));
    if u.admin || u.roles.iter().any(|r| r == ROOT_ADMIN_ROLE) {
        c.warnings.push("creates a root administrator".into());
    }
    c.ops.push(
        Op::Create {
            fields: Box::new(t.fields),
            password: t.password,
        }
        .into(),
    );
    if cx.is_pelican() && !t.role_ids.is_empty() {
        c.ops.push(
            Op::AssignRoles {
                user: Ref::Pending(address),
                roles: t.role_ids,
            }
            .into(),
        );
    }
    cx.push(c);
}

fn update(
    cx: &mut PlanCx,
    name: &str,
    u: &User,
    live: &LiveUser,
    identity: UserIdentity,
    role_ids: Vec<u64>,
) {
    let address = Address::new(Kind::User, name);
    let rotate = u.password.as_ref().is_some_and(|p| p.rotate);
    let mut t = target(cx, name, u, role_ids, rotate);
    let mut diff = TABLE.diff(&t, Some(live), &cx.lookup);
    TABLE.settle(&mut diff, &mut t, live, cx.ignored(&address));
    // Setting roost's marker for the first time (or re-marking after a namespace change) is an
    // adoption; toggling `protect` or renaming only rewrites it.
    let action = match identity {
        UserIdentity::Adopt(_) | UserIdentity::Remark(_) => Action::Adopt,
        UserIdentity::New | UserIdentity::Managed(_) | UserIdentity::Rename(_) => Action::Update,
    };
    let account = diff.needs(Write::Account);
    let roles = diff.needs(Write::Roles);
    let mut c = change(address, action, Some(live.id), diff, Some(u.origin));
    if let UserIdentity::Rename(_) = identity {
        cx.notes.push(format!(
            "user `{name}` is panel user `{}` (id {}) renamed: same e-mail, so roost renames it in place; its servers, API keys and access stay with it",
            live.username, live.id
        ));
    }
    admin_warnings(cx, &mut c, &t, live);
    if account {
        c.ops.push(
            Op::Update {
                id: live.id,
                set: Box::new(t.fields),
                was: Box::new(UserFields::from_live(live)),
                password: t.password,
            }
            .into(),
        );
    }
    if roles {
        let held: BTreeSet<u64> = live.role_ids.iter().copied().collect();
        let want: BTreeSet<u64> = t.role_ids.iter().copied().collect();
        let add: Vec<u64> = want.difference(&held).copied().collect();
        let remove: Vec<u64> = held.difference(&want).copied().collect();
        if !add.is_empty() {
            let user = Ref::Id(live.id);
            c.ops.push(Op::AssignRoles { user, roles: add }.into());
        }
        if !remove.is_empty() {
            c.ops.push(
                Op::RemoveRoles {
                    id: live.id,
                    roles: remove,
                }
                .into(),
            );
        }
    }
    cx.push(c);
}

fn admin_warnings(cx: &PlanCx, c: &mut Change, t: &UserTarget, live: &LiveUser) {
    if !cx.is_pelican() {
        let admin = t.fields.root_admin.unwrap_or(false);
        if live.root_admin != admin {
            c.warnings.push(if admin {
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
    let root = cx
        .lookup
        .live
        .roles
        .iter()
        .find(|r| r.name == ROOT_ADMIN_ROLE)
        .map(|r| r.id);
    let was = root.is_some_and(|r| live.role_ids.contains(&r));
    let will = root.is_some_and(|r| t.role_ids.contains(&r));
    if was != will {
        c.warnings.push(if will {
            "grants the Root Admin role".into()
        } else {
            crate::rails::admin_removal_warning("removes the Root Admin role of", &live.username)
        });
    }
}
