//! `/servers/{server}/users` (client/subusers.md): subusers addressed by their user's uuid.
//! Invites create the account when the e-mail is unknown; unknown permission names are dropped
//! silently; a subuser may only grant what it holds; `permissions` sent as anything but a list
//! (or object) fails with PHP's TypeError before validation, as on the running panels.

use super::access::{Access, forbidden, unauthorized};
use super::ctx::Cx;
use super::permissions::names;
use super::render::render_subuser;
use super::wings::WingsCall;
use crate::render::list;
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Validator, php_string, string_column_max};
use crate::state::{SimState, Subuser, UserParams};
use crate::util::{W, random_alnum};
use roost_model::Dialect;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    View(String),
    Update(String),
    Delete(String),
}

pub fn routes(tail: &[&str]) -> Vec<(&'static str, Route)> {
    let s = |x: &str| x.to_string();
    match tail {
        [] => vec![("GET", Route::List), ("POST", Route::Create)],
        [u] => vec![
            ("GET", Route::View(s(u))),
            ("POST", Route::Update(s(u))),
            ("DELETE", Route::Delete(s(u))),
        ],
        _ => vec![],
    }
}

/// `{user}` must be a subuser of the server; binds to the subuser row.
pub fn bind(st: &SimState, sid: u64, route: &Route) -> Result<Option<u64>, ApiErr> {
    let (Route::View(uuid) | Route::Update(uuid) | Route::Delete(uuid)) = route else {
        return Ok(None);
    };
    st.server_subusers(sid)
        .find(|s| st.users.get(&s.user_id).is_some_and(|u| &u.uuid == uuid))
        .map(|s| Some(s.id))
        .ok_or_else(ApiErr::not_found)
}

pub fn handle(st: &mut SimState, cx: &mut Cx, sid: u64, route: Route, row: Option<u64>) -> Res {
    let row = || row.ok_or_else(ApiErr::not_found);
    match route {
        Route::List => {
            authorize(st, cx, sid, "user.read", None)?;
            let mut w = W::new();
            list(&mut w, st.server_subusers(sid), |w, s| {
                render_subuser(w, st, s)
            });
            Ok(Out::json(200, w.s))
        }
        Route::View(_) => {
            let id = row()?;
            authorize(st, cx, sid, "user.read", Some(id))?;
            one(st, id)
        }
        Route::Create => create(st, cx, sid),
        Route::Update(_) => update(st, cx, sid, row()?),
        Route::Delete(_) => delete(st, cx, sid, row()?),
    }
}

fn one(st: &SimState, id: u64) -> Res {
    let s = st.subusers.get(&id).ok_or_else(ApiErr::not_found)?;
    let mut w = W::new();
    render_subuser(&mut w, st, s);
    Ok(Out::json(200, w.s))
}

/// The request's `permissions` items (a list, or an object's values).
fn requested(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(o)) => o.values().cloned().collect(),
        _ => Vec::new(),
    }
}

/// `SubuserRequest::authorize`: the permission, no acting on yourself, and on POST a subuser
/// may only grant what it holds (checked on the raw list, so unknown names count).
fn authorize(
    st: &SimState,
    cx: &Cx,
    sid: u64,
    perm: &str,
    target: Option<u64>,
) -> Result<(), ApiErr> {
    let access = cx.access(st, sid)?;
    access.require(perm)?;
    if target
        .and_then(|t| st.subusers.get(&t))
        .is_some_and(|s| s.user_id == cx.user)
    {
        return Err(unauthorized());
    }
    if !matches!(perm, "user.create" | "user.update") || !cx.has("permissions") {
        return Ok(());
    }
    match cx.raw("permissions") {
        None | Some(Value::Null | Value::Array(_) | Value::Object(_)) => {}
        // `validatePermissionsCanBeAssigned(array $permissions)` gets a scalar.
        Some(_) => return Err(ApiErr::server("TypeError")),
    }
    if access.is_owner() || granter_is_admin(&access) {
        return Ok(());
    }
    let held = access.user_permissions();
    let over = requested(cx.raw("permissions"))
        .iter()
        .any(|p| !held.contains(&php_string(p)));
    if over {
        return Err(forbidden(
            "Cannot assign permissions to a subuser that your account does not actively possess.",
        ));
    }
    Ok(())
}

/// Who skips the grant check: PT root admins, PL users who `can('update', $server)`.
fn granter_is_admin(access: &Access) -> bool {
    match access.d {
        Dialect::Pterodactyl => access.is_root(),
        Dialect::Pelican => access.is_server_admin(),
    }
}

/// The list to store: known names plus `websocket.connect`, de-duplicated. Pterodactyl keeps
/// request order, and its de-duplication leaves holes (stored, and shown, as an object);
/// Pelican keeps only what the acting user holds, sorted.
fn cleaned(st: &SimState, cx: &Cx, sid: u64) -> Value {
    let known = names(cx.d);
    let mut picked: Vec<String> = requested(cx.raw("permissions"))
        .iter()
        .map(php_string)
        .filter(|p| known.contains(p))
        .collect();
    picked.push("websocket.connect".into());
    match cx.d {
        Dialect::Pterodactyl => {
            let mut out = Map::new();
            let mut seen: Vec<&str> = Vec::new();
            for (i, p) in picked.iter().enumerate() {
                if !seen.contains(&p.as_str()) {
                    seen.push(p);
                    out.insert(i.to_string(), Value::from(p.clone()));
                }
            }
            if out.len() == picked.len() {
                Value::Array(out.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(out)
            }
        }
        Dialect::Pelican => {
            let access = Access::of(st, cx.user, sid);
            let mut out: Vec<String> = Vec::new();
            for p in picked {
                let allowed =
                    p == "websocket.connect" || access.as_ref().is_some_and(|a| a.can(&p));
                if allowed && !out.contains(&p) {
                    out.push(p);
                }
            }
            out.sort();
            json!(out)
        }
    }
}

fn check_permissions_rule(v: &mut Validator) {
    v.check("permissions", "required|array");
    if let Some(Value::Array(items)) = v.input.get("permissions") {
        for i in 0..items.len() {
            v.check(&format!("permissions.{i}"), "string");
        }
    }
}

fn create(st: &mut SimState, cx: &mut Cx, sid: u64) -> Res {
    authorize(st, cx, sid, "user.create", None)?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check(
        "email",
        &format!("required|email|between:1,{}", string_column_max(cx.d)),
    );
    check_permissions_rule(&mut v);
    validate(v)?;
    let email = cx.str("email").unwrap_or_default();
    let permissions = cleaned(st, cx, sid);
    let user_id = match st.idx.user_by_email.get(&email.to_lowercase()).copied() {
        Some(uid) => {
            if st.servers.get(&sid).is_some_and(|s| s.user_id == uid) {
                return Err(ApiErr::display(
                    "UserIsServerOwnerException",
                    "You cannot add the server owner as a subuser for this server.",
                ));
            }
            if st.subuser_of(sid, uid).is_some() {
                return Err(ApiErr::display(
                    "ServerSubuserExistsException",
                    "A user with that email address is already assigned as a subuser for this server.",
                ));
            }
            uid
        }
        None => invite(st, &email),
    };
    let now = st.now();
    let id = SimState::next_id(&mut st.counters.subuser);
    st.insert_subuser(Subuser {
        id,
        user_id,
        server_id: sid,
        permissions: permissions.clone(),
        created_at: now,
        updated_at: now,
    });
    cx.changed = true;
    cx.log(
        "server:subuser.create",
        Some(sid),
        json!({"email": email, "permissions": names_of(&permissions)}),
    );
    one(st, id)
}

fn names_of(permissions: &Value) -> Vec<String> {
    requested(Some(permissions))
        .iter()
        .map(php_string)
        .collect()
}

/// A new account for an unknown e-mail: the local part (PT: stripped to `[\w.-]`, at most 64
/// characters) plus three random characters as username.
fn invite(st: &mut SimState, email: &str) -> u64 {
    let local = email.split('@').next().unwrap_or("");
    let base: String = match st.dialect {
        Dialect::Pterodactyl => local
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .take(64)
            .collect(),
        Dialect::Pelican => local.to_string(),
    };
    let username = format!("{base}{}", random_alnum(&mut st.rng, 3));
    let (first, last) = match st.dialect {
        Dialect::Pterodactyl => ("Server", "Subuser"),
        Dialect::Pelican => ("", ""),
    };
    let id = st.add_user(UserParams {
        username,
        email: email.to_string(),
        first_name: first.into(),
        last_name: last.into(),
        ..Default::default()
    });
    let now = st.now();
    if let Some(u) = st.users.get_mut(&id) {
        u.created_at = now;
        u.updated_at = now;
    }
    id
}

fn update(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    authorize(st, cx, sid, "user.update", Some(id))?;
    let mut v = Validator::new(cx.d, &cx.input);
    check_permissions_rule(&mut v);
    validate(v)?;
    let new = cleaned(st, cx, sid);
    let row = st.subusers.get(&id).ok_or_else(ApiErr::not_found)?;
    let user = row.user_id;
    let mut old_sorted = names_of(&row.permissions);
    old_sorted.sort();
    let mut new_sorted = names_of(&new);
    new_sorted.sort();
    if old_sorted != new_sorted {
        let email = st
            .users
            .get(&row.user_id)
            .map(|u| u.email.clone())
            .unwrap_or_default();
        let now = st.now();
        if let Some(s) = st.subusers.get_mut(&id) {
            s.permissions = new;
            s.updated_at = now;
        }
        cx.changed = true;
        revoke(st, cx, sid, user);
        cx.log(
            "server:subuser.update",
            Some(sid),
            json!({"email": email, "old": old_sorted, "new": new_sorted, "revoked": true}),
        );
    }
    one(st, id)
}

fn delete(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    authorize(st, cx, sid, "user.delete", Some(id))?;
    let row = st.remove_subuser(id).ok_or_else(ApiErr::not_found)?;
    let email = st
        .users
        .get(&row.user_id)
        .map(|u| u.email.clone())
        .unwrap_or_default();
    cx.changed = true;
    revoke(st, cx, sid, row.user_id);
    cx.log(
        "server:subuser.delete",
        Some(sid),
        json!({"email": email, "revoked": true}),
    );
    Ok(Out::empty())
}

/// The user's websocket tokens for this server, revoked on Wings (best effort: a daemon
/// failure does not fail the request). PT denies the JTI `md5(user_id . server_uuid)`; PL's
/// job drops every socket on the node (its body is malformed).
fn revoke(st: &SimState, cx: &Cx, sid: u64, user: u64) {
    let Some(server) = st.servers.get(&sid) else {
        return;
    };
    let call = match cx.d {
        Dialect::Pterodactyl => WingsCall::DenyTokens {
            jtis: vec![super::digest::md5_hex(
                format!("{user}{}", server.uuid).as_bytes(),
            )],
        },
        Dialect::Pelican => WingsCall::DeauthorizeUser,
    };
    let _ = cx.wings(st, sid, call);
}
