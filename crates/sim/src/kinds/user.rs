//! Users: `/users`, `/users/{id}`, `/users/external/{id}`, Pelican's role assignment.

use crate::listing::{check_filters, item, item_with_resource, paginate, partial, sorts};
use crate::render::{Ctx, Inc, close, list, open, open_rels};
use crate::request::{Req, exists, parse_id};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Rule, Validator, as_number, php_string, string_column_max};
use crate::state::{SimState, User};
use crate::util::{W, now_unix, random_alnum, ts_iso};
use roost_model::Dialect;
use serde_json::Value;
use std::collections::HashMap;

/// `PATCH /users/{id}/roles/assign` or `.../remove` (Pelican).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RoleChange {
    Assign,
    Remove,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    External(String),
    Get(String),
    Patch(String),
    Delete(String),
    Roles(String, RoleChange),
}

pub fn bind(st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::Get(i) | Route::Patch(i) | Route::Delete(i) | Route::Roles(i, _) => {
            exists(st.users.contains_key(&parse_id(i)?))
        }
        Route::List | Route::Create | Route::External(_) => Ok(()),
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::List => list_users(st, r),
        Route::Get(i) => {
            let inc = r.includes();
            let u = &st.users[&parse_id(&i)?];
            Ok(item(st, 200, |w, c| render(w, c, u, &inc)))
        }
        Route::External(ext) => {
            let inc = r.includes();
            let uid = st
                .idx
                .user_by_external
                .get(&ext)
                .copied()
                .ok_or_else(ApiErr::not_found)?;
            let u = st.users.get(&uid).ok_or_else(ApiErr::not_found)?;
            Ok(item(st, 200, |w, c| render(w, c, u, &inc)))
        }
        Route::Create => save(st, r, None),
        Route::Patch(i) => save(st, r, Some(parse_id(&i)?)),
        Route::Delete(i) => delete(st, r, parse_id(&i)?),
        Route::Roles(i, change) => change_roles(st, r, parse_id(&i)?, change),
    }
}

fn list_users(st: &SimState, r: &Req) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["email", "uuid", "username", "external_id"])?;
    let sort = sorts(r, &["id", "uuid"])?;
    let inc = r.includes();
    let mut items: Vec<&User> = st
        .users
        .values()
        .filter(|u| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "email" => partial(Some(&u.email), v),
                "uuid" => partial(Some(&u.uuid), v),
                "username" => partial(Some(&u.username), v),
                _ => partial(u.external_id.as_deref(), v),
            })
        })
        .collect();
    for (f, desc) in sort.iter().rev() {
        items.sort_by(|a, b| {
            let o = if f == "uuid" {
                a.uuid.cmp(&b.uuid)
            } else {
                a.id.cmp(&b.id)
            };
            if *desc { o.reverse() } else { o }
        });
    }
    paginate(r, st, &items, 50, |w, c, u| render(w, c, u, &inc))
}

/// The rules of a user create or update (`existing`: the user being updated, whose own values
/// do not count as taken).
fn check_user(v: &mut Validator, st: &SimState, existing: Option<u64>) {
    let d = v.dialect;
    let max = string_column_max(d);
    let idx = &st.idx;
    let free = |map: &HashMap<String, u64>, val: &Value| {
        map.get(&php_string(val).to_lowercase())
            .is_none_or(|id| Some(*id) == existing)
    };
    v.check_with(
        "external_id",
        None,
        &format!("sometimes|nullable|string|max:{max}"),
        vec![Rule::Unique(Box::new(|val: &Value| {
            idx.user_by_external
                .get(&php_string(val))
                .is_none_or(|id| Some(*id) == existing)
        }))],
    );
    let mut username_rules = vec![Rule::Unique(Box::new(|val: &Value| {
        free(&idx.user_by_username, val)
    }))];
    if d == Dialect::Pterodactyl {
        username_rules.push(Rule::PUsername);
    }
    v.check_with(
        "username",
        None,
        &format!("required|between:1,{max}"),
        username_rules,
    );
    v.check_with(
        "email",
        None,
        &format!("required|email|between:1,{max}"),
        vec![Rule::Unique(Box::new(|val: &Value| {
            free(&idx.user_by_email, val)
        }))],
    );
    match d {
        Dialect::Pterodactyl => {
            v.check("first_name", "required|string|between:1,191");
            v.check("last_name", "required|string|between:1,191");
            v.check("password", "sometimes|nullable|string");
            v.check("root_admin", "boolean");
            v.check("language", "string|in:en");
        }
        Dialect::Pelican => {
            v.check("password", "sometimes|nullable|string");
            v.check("is_managed_externally", "boolean");
            v.check("language", "string");
            v.check("timezone", "string");
        }
    }
}

fn blank_user(st: &mut SimState, now: i64) -> User {
    let uuid = st.new_uuid();
    User {
        id: 0,
        external_id: None,
        uuid,
        username: String::new(),
        email: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        language: "en".into(),
        root_admin: false,
        use_totp: false,
        totp_secret: None,
        is_managed_externally: false,
        timezone: None,
        password: None,
        roles: vec![],
        created_at: now,
        updated_at: now,
    }
}

/// Writes the validated request into the row.
fn apply_input(u: &mut User, r: &Req) {
    u.username = r.str("username").unwrap_or_default().to_lowercase();
    let email = r.str("email").unwrap_or_default();
    u.email = match r.d {
        Dialect::Pterodactyl => email,
        Dialect::Pelican => email.trim().to_lowercase(),
    };
    if r.has("external_id") {
        u.external_id = r.str("external_id");
    }
    if let Some(l) = r.str("language") {
        u.language = l;
    }
    match r.d {
        Dialect::Pterodactyl => {
            u.first_name = r.str("first_name").unwrap_or_default();
            u.last_name = r.str("last_name").unwrap_or_default();
            if let Some(b) = r.boolean("root_admin") {
                u.root_admin = b;
            }
        }
        Dialect::Pelican => {
            if let Some(b) = r.boolean("is_managed_externally") {
                u.is_managed_externally = b;
            }
            if let Some(t) = r.str("timezone") {
                u.timezone = Some(t);
            }
        }
    }
}

fn save(st: &mut SimState, r: &mut Req, existing: Option<u64>) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    check_user(&mut v, st, existing);
    validate(v)?;
    let now = now_unix();
    let mut u = match existing {
        Some(i) => st.users[&i].clone(),
        None => blank_user(st, now),
    };
    let old = u.clone();
    apply_input(&mut u, r);
    if let Some(p) = r.str("password") {
        u.password = Some(p);
    } else if existing.is_none() {
        u.password = Some(random_alnum(&mut st.rng, 30));
    }
    u.updated_at = now;
    r.changed = true;
    let inc = r.includes();
    match existing {
        Some(i) => {
            st.remove_user_index(&old);
            st.insert_user(u);
            let u = &st.users[&i];
            Ok(item(st, 200, |w, c| render(w, c, u, &inc)))
        }
        None => {
            u.id = SimState::next_id(&mut st.counters.user);
            let uid = u.id;
            st.insert_user(u);
            let u = &st.users[&uid];
            Ok(item_with_resource(
                st,
                r.url(&format!("/users/{uid}")),
                |w, c| render(w, c, u, &inc),
            ))
        }
    }
}

fn delete(st: &mut SimState, r: &mut Req, uid: u64) -> Res {
    let u = st.users[&uid].clone();
    if r.d == Dialect::Pelican {
        if st.is_root_admin(&u) {
            return Err(ApiErr {
                raw: Some("[]"),
                ..ApiErr::new(403, "AccessDeniedHttpException", "")
            });
        }
        if uid == st.api_key_owner {
            return Err(ApiErr::display(
                "DisplayException",
                "Cannot delete your own user account.",
            ));
        }
    }
    if st
        .idx
        .servers_by_user
        .get(&uid)
        .is_some_and(|s| !s.is_empty())
    {
        return Err(ApiErr::display(
            "DisplayException",
            "Cannot delete a user with active servers attached to their account. Please delete their servers before continuing.",
        ));
    }
    st.remove_user_index(&u);
    st.users.remove(&uid);
    st.drop_user_children(uid);
    r.changed = true;
    Ok(Out::empty())
}

fn change_roles(st: &mut SimState, r: &mut Req, uid: u64, change: RoleChange) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    v.check("roles", "required|array");
    if let Some(Value::Array(items)) = r.input.get("roles") {
        for (i, it) in items.iter().enumerate() {
            v.run(
                &format!("roles.{i}"),
                None,
                Some(it),
                &[
                    Rule::Integer,
                    Rule::Exists(Box::new(|val: &Value| {
                        as_number(val).is_some_and(|f| st.roles.contains_key(&(f as u64)))
                    })),
                ],
            );
        }
    }
    validate(v)?;
    let root = st.root_admin_role();
    let is_root = st.users.get(&uid).is_some_and(|u| st.is_root_admin(u));
    if !is_root {
        let items = match r.input.get("roles") {
            Some(Value::Array(a)) => a.clone(),
            _ => vec![],
        };
        if let Some(u) = st.users.get_mut(&uid) {
            for it in items {
                // Strict comparison in PL: only a JSON integer equal to the id is skipped.
                if it.as_u64().is_some() && it.as_u64() == root {
                    continue;
                }
                let Some(rid) = as_number(&it).map(|f| f as u64) else {
                    continue;
                };
                match change {
                    RoleChange::Assign if !u.roles.contains(&rid) => u.roles.push(rid),
                    RoleChange::Assign => {}
                    RoleChange::Remove => u.roles.retain(|x| *x != rid),
                }
            }
            u.updated_at = now_unix();
        }
        r.changed = true;
    }
    let inc = r.includes();
    let u = &st.users[&uid];
    Ok(item(st, 200, |w, c| render(w, c, u, &inc)))
}

/// The `user` object; includes `servers`, PL `roles`.
pub fn render(w: &mut W, c: &Ctx, u: &User, inc: &Inc) {
    open(w, "user");
    w.k_i64("id", u.id as i64);
    w.k_ostr("external_id", u.external_id.as_deref());
    if c.d == Dialect::Pelican {
        w.k_bool("is_managed_externally", u.is_managed_externally);
    }
    w.k_str("uuid", &u.uuid);
    w.k_str("username", &u.username);
    w.k_str("email", &u.email);
    if c.d == Dialect::Pterodactyl {
        w.k_str("first_name", &u.first_name);
        w.k_str("last_name", &u.last_name);
    }
    w.k_str("language", &u.language);
    w.k_bool("root_admin", c.st.is_root_admin(u));
    if c.d == Dialect::Pelican {
        w.k_bool("2fa_enabled", u.use_totp);
    }
    w.k_bool("2fa", u.use_totp);
    w.k_str("created_at", &ts_iso(u.created_at));
    w.k_str("updated_at", &ts_iso(u.updated_at));
    let names: &[&str] = match c.d {
        Dialect::Pterodactyl => &["servers"],
        Dialect::Pelican => &["servers", "roles"],
    };
    if inc.any(names) {
        open_rels(w);
        if let Some(sub) = inc.get("servers") {
            w.key("servers");
            list(w, c.st.user_servers(u.id), |w, s| {
                super::server::render(w, c, s, sub)
            });
        }
        if c.d == Dialect::Pelican
            && let Some(sub) = inc.get("roles")
        {
            w.key("roles");
            list(
                w,
                u.roles.iter().filter_map(|r| c.st.roles.get(r)),
                |w, r| super::role::render(w, r, sub),
            );
        }
        w.end_obj();
    }
    close(w);
}
