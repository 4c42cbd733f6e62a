//! roost's ownership rules, in one place: which panel objects this configuration owns (and may
//! prune), which it may take over, and which belong to someone else.
//!
//! * A marker is exactly `namespace + key` (or `namespace + key + "!"` when protected); the
//!   namespace ends in a separator and a key holds none (`roost_model::marker`). Anything else
//!   is foreign, and roost never deletes it.
//! * With `namespace "new:" previous="old:"`, `old: + key` of a *declared* key is this
//!   configuration's too: it is re-marked (adopted), never deleted and created again. Undeclared
//!   objects under the old namespace are left alone: they may belong to another configuration.
//! * An existing user without this user's own marker is taken over only with `adopt` (or
//!   `adopt id=N`); a user whose external id another system set is never overwritten.
//! * When two panel objects claim one key, roost refuses to choose, in every direction: while
//!   the key is declared, and when it would prune it.

use crate::error::PlanError;
use roost_model::{
    AdoptUser, Desired, LiveServer, LiveUser, Origin, PanelSettings, Server, User, marker,
    namespace_problem, parse_marker, stored_username,
};
use std::collections::{BTreeMap, HashMap};

/// What an external id says about who owns a panel object, as this configuration reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim<'a> {
    /// This configuration's marker.
    Ours { key: &'a str, protected: bool },
    /// The marker of the namespace this configuration used before (`previous=`).
    Previous { key: &'a str, protected: bool },
    /// No external id at all.
    Unmarked,
    /// Someone else's: another namespace, another configuration, a billing system.
    Foreign,
}

pub(crate) fn claim<'a>(panel: &PanelSettings, external_id: Option<&'a str>) -> Claim<'a> {
    let Some(e) = external_id else {
        return Claim::Unmarked;
    };
    if let Some((key, protected)) = parse_marker(&panel.namespace, e) {
        return Claim::Ours { key, protected };
    }
    match panel
        .previous_namespace
        .as_deref()
        .and_then(|prev| parse_marker(prev, e))
    {
        Some((key, protected)) => Claim::Previous { key, protected },
        None => Claim::Foreign,
    }
}

/// Whether a live object with `external_id` carries this configuration's marker (any key).
pub(crate) fn is_ours(panel: &PanelSettings, external_id: Option<&str>) -> bool {
    matches!(claim(panel, external_id), Claim::Ours { .. })
}

/// The external ids that identify declared server `s` on the panel: its explicit
/// `external-id`, or its marker (protected or not) and the previous namespace's.
pub(crate) fn server_ids(d: &Desired, s: &Server) -> Vec<String> {
    if let Some(e) = &s.external_id {
        return vec![e.clone()];
    }
    let panel = &d.panel;
    let mut ids = vec![
        marker(&panel.namespace, &s.key, false),
        marker(&panel.namespace, &s.key, true),
    ];
    if let Some(prev) = &panel.previous_namespace {
        ids.push(marker(prev, &s.key, false));
        ids.push(marker(prev, &s.key, true));
    }
    ids
}

/// Whether a live server carrying `external_id` is this declared server without re-marking:
/// the exact external id it should carry, or its marker with the other protection.
pub(crate) fn server_is_marked(d: &Desired, s: &Server, external_id: Option<&str>) -> bool {
    let Some(e) = external_id else { return false };
    match &s.external_id {
        Some(x) => x == e,
        None => matches!(claim(&d.panel, Some(e)), Claim::Ours { key, .. } if key == s.key),
    }
}

/// Usernames compare as the panel stores them (`Sam_B` is `sam_b`), markers included.
pub(crate) fn same_user(a: &str, b: &str) -> bool {
    stored_username(a) == stored_username(b)
}

/// Whether the manifests declare the user `username` (in any spelling the panel would store
/// as the same).
pub(crate) fn declares_user(d: &Desired, username: &str) -> bool {
    d.users.contains_key(username) || d.users.contains_key(&stored_username(username))
}

/// Whether a live user carrying `external_id` is declared user `name` without re-marking: its
/// explicit external id, or its marker (either protection).
pub(crate) fn user_is_marked(d: &Desired, name: &str, u: &User, external_id: Option<&str>) -> bool {
    let Some(e) = external_id else { return false };
    match &u.external_id {
        Some(x) => x == e,
        None => matches!(claim(&d.panel, Some(e)), Claim::Ours { key, .. } if same_user(key, name)),
    }
}

/// How a declared user corresponds to the panel.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserIdentity<'a> {
    /// No such user: create it.
    New,
    /// It carries this user's own marker or external id.
    Managed(&'a LiveUser),
    /// It carries this user's marker under the previous namespace: re-mark it.
    Remark(&'a LiveUser),
    /// `adopt` / `adopt id=N`: take it over.
    Adopt(&'a LiveUser),
    /// roost's own user of a key no longer declared, with this user's e-mail: the username
    /// changed, so it is renamed in place (creating first would fail: the e-mail is taken).
    Rename(&'a LiveUser),
}

impl<'a> UserIdentity<'a> {
    pub(crate) fn live(self) -> Option<&'a LiveUser> {
        match self {
            UserIdentity::New => None,
            UserIdentity::Managed(l)
            | UserIdentity::Remark(l)
            | UserIdentity::Adopt(l)
            | UserIdentity::Rename(l) => Some(l),
        }
    }
}

/// The panel's users, looked up the ways roost identifies them.
pub(crate) struct UserIndex<'a> {
    pub(crate) by_id: HashMap<u64, &'a LiveUser>,
    /// By username as the panel stores it.
    pub(crate) by_name: HashMap<String, Vec<&'a LiveUser>>,
    pub(crate) all: &'a [LiveUser],
}

impl<'a> UserIndex<'a> {
    pub(crate) fn new(users: &'a [LiveUser]) -> Self {
        let mut by_name: HashMap<String, Vec<&LiveUser>> = HashMap::new();
        for u in users {
            by_name
                .entry(stored_username(&u.username))
                .or_default()
                .push(u);
        }
        UserIndex {
            by_id: users.iter().map(|u| (u.id, u)).collect(),
            by_name,
            all: users,
        }
    }

    pub(crate) fn named(&self, username: &str) -> &[&'a LiveUser] {
        self.by_name
            .get(&stored_username(username))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

fn describe(u: &LiveUser) -> String {
    format!("id {} <{}>", u.id, u.email)
}

/// Which live user declared user `name` is, and whether roost may take it over.
pub(crate) fn identify_user<'a>(
    d: &Desired,
    users: &UserIndex<'a>,
    name: &str,
    u: &User,
) -> Result<UserIdentity<'a>, PlanError> {
    let origin = Some(u.origin);
    let live = match u.adopt {
        Some(AdoptUser::Id(id)) => match users.by_id.get(&id) {
            Some(l) => *l,
            None => {
                return Err(PlanError::new(
                    "roost::adopt-missing",
                    format!("user `{name}` adopts panel user id {id}, which does not exist"),
                    origin,
                )
                .help("check the id in the panel (Admin → Users), or remove `adopt` to create the user"));
            }
        },
        _ => match users.named(name) {
            [] => return new_or_renamed(d, users, name, u),
            [one] => *one,
            many => {
                let ids: Vec<String> = many.iter().map(|l| describe(l)).collect();
                return Err(PlanError::new(
                    "roost::ambiguous-identity",
                    format!(
                        "user `{name}` matches {} users: {}",
                        many.len(),
                        ids.join(", ")
                    ),
                    origin,
                )
                .help("pick one with `adopt id=N`"));
            }
        },
    };
    classify_user(d, name, u, live)
}

/// A declared user with no live user of its name: new, unless it is a rename.
fn new_or_renamed<'a>(
    d: &Desired,
    users: &UserIndex<'a>,
    name: &str,
    u: &User,
) -> Result<UserIdentity<'a>, PlanError> {
    if u.adopt == Some(AdoptUser::Username) {
        return Err(PlanError::new(
            "roost::adopt-missing",
            format!("user `{name}` adopts the panel user `{name}`, which does not exist"),
            Some(u.origin),
        )
        .help(
            "check the username in the panel (Admin → Users), or remove `adopt` to create the user",
        ));
    }
    let renamed = users.all.iter().find(|l| {
        matches!(claim(&d.panel, l.external_id.as_deref()),
            Claim::Ours { key, .. } if !declares_user(d, key))
            && l.email.trim().eq_ignore_ascii_case(u.email.trim())
    });
    Ok(match renamed {
        Some(l) => UserIdentity::Rename(l),
        None => UserIdentity::New,
    })
}

/// A live user found for declared user `name`: managed already, re-marked, adopted, or refused.
fn classify_user<'a>(
    d: &Desired,
    name: &str,
    u: &User,
    live: &'a LiveUser,
) -> Result<UserIdentity<'a>, PlanError> {
    let origin = Some(u.origin);
    let ext = live.external_id.as_deref();
    if user_is_marked(d, name, u, ext) {
        return Ok(UserIdentity::Managed(live));
    }
    let c = claim(&d.panel, ext);
    match c {
        Claim::Previous { key, .. } if same_user(key, name) && u.external_id.is_none() => {
            return Ok(UserIdentity::Remark(live));
        }
        Claim::Ours { key, .. } if !same_user(key, name) && declares_user(d, key) => {
            return Err(PlanError::new(
                "roost::ambiguous-identity",
                format!(
                    "user `{name}` matches panel user {}, which roost manages as user `{key}`",
                    describe(live)
                ),
                origin,
            )
            .help("a panel user is managed by one manifest entry; remove the other entry or this `adopt`"));
        }
        _ => {}
    }
    // Another system's id is kept, never overwritten; the manifests must say so.
    if matches!(c, Claim::Foreign) && u.external_id.is_none() {
        let foreign = ext.unwrap_or_default();
        let help = match other_namespace(&d.panel, foreign, name) {
            Some(prev) => format!(
                "it carries roost's marker under the namespace `{prev}`: if you changed `namespace` from \"{prev}\", write `namespace \"{}\" previous=\"{prev}\"` to re-mark it; if another configuration manages it, leave it to that one",
                d.panel.namespace
            ),
            None => format!(
                "another system (billing?) may own this user. To manage it and keep that id, add `external-id \"{foreign}\"` to the user"
            ),
        };
        return Err(PlanError::new(
            "roost::foreign-owner",
            format!("user `{name}` carries the external id `{foreign}`, which roost did not set"),
            origin,
        )
        .help(help));
    }
    if u.adopt.is_some() {
        return Ok(UserIdentity::Adopt(live));
    }
    let why = match c {
        Claim::Unmarked => "without roost's marker".to_string(),
        _ => format!(
            "with the external id `{}`, not roost's marker for `{name}`",
            ext.unwrap_or_default()
        ),
    };
    Err(PlanError::new(
        "roost::adopt-required",
        format!(
            "user `{name}` already exists on the panel (panel user {}), {why}; roost takes over an existing user only when told",
            describe(live)
        ),
        origin,
    )
    .help(format!(
        "to manage that user from now on, add the line `adopt` to `user \"{name}\" {{ ... }}` (or `adopt id={}`): the plan then shows it as adopted (`<=`) and sets roost's marker `{}`; or choose another username",
        live.id,
        marker(&d.panel.namespace, name, u.protect)
    )))
}

/// The namespace of an external id that is roost's marker of `key` under another namespace
/// (`roost:lobby` while this configuration's namespace is `fleet:`): a namespace changed
/// without `previous=`, or another configuration.
pub(crate) fn other_namespace<'e>(
    panel: &PanelSettings,
    external_id: &'e str,
    key: &str,
) -> Option<&'e str> {
    let unprotected = external_id.strip_suffix('!').unwrap_or(external_id);
    let prefix = unprotected.strip_suffix(key)?;
    (namespace_problem(prefix).is_none()
        && prefix != panel.namespace
        && panel.previous_namespace.as_deref() != Some(prefix))
    .then_some(prefix)
}

/// Notes for a server about to be created while the panel holds roost's marker of its key
/// under another namespace: a namespace changed without `previous=` would create it twice.
pub(crate) fn namesake_notes(d: &Desired, s: &Server, live: &[LiveServer]) -> Vec<String> {
    if s.external_id.is_some() {
        return Vec::new();
    }
    live.iter()
        .filter_map(|l| {
            let e = l.external_id.as_deref()?;
            let prev = other_namespace(&d.panel, e, &s.key)?;
            Some(format!(
                "server `{}` will be created, but server id {} (\"{}\") carries `{e}`, roost's marker under the namespace `{prev}`; if you changed `namespace` from \"{prev}\", write `namespace \"{}\" previous=\"{prev}\"` to re-mark it instead",
                s.key, l.id, l.name, d.panel.namespace
            ))
        })
        .collect()
}

/// Undeclared live objects that claim the same key of this configuration: roost cannot tell
/// which one it created, so it deletes none of them. Keyed by the claimed key.
pub(crate) fn claimed_twice<'a, T>(
    panel: &PanelSettings,
    items: impl Iterator<Item = (Option<&'a str>, T)>,
) -> BTreeMap<&'a str, Vec<T>> {
    let mut by_key: BTreeMap<&str, Vec<T>> = BTreeMap::new();
    for (ext, item) in items {
        if let Claim::Ours { key, .. } = claim(panel, ext) {
            by_key.entry(key).or_default().push(item);
        }
    }
    by_key.retain(|_, v| v.len() > 1);
    by_key
}

/// The error for a key that two or more panel objects claim.
pub(crate) fn claimed_twice_error(
    kind: &str,
    key: &str,
    list: &[String],
    origin: Option<Origin>,
) -> PlanError {
    PlanError::new(
        "roost::ambiguous-identity",
        format!(
            "{} panel {kind}s carry roost's marker for {kind} `{key}`: {}; roost will not guess which one it created",
            list.len(),
            list.join(", ")
        ),
        origin,
    )
    .help(format!(
        "clear the external id of the {kind}s roost did not create, in the panel; to keep managing one, declare `{kind} \"{key}\"` with `adopt id=N`"
    ))
}
