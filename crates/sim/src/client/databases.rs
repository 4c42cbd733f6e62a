//! `/servers/{server}/databases` (client/databases.md): the client flavour of server databases
//! (Pterodactyl hashid ids, `connections_from`, no timestamps), create with the panel's host
//! choice and limits, rotate (answering with the new password) and delete. Pelican beta38's
//! create fails with a 500 after the database was made on the host: the panel row is rolled
//! back, the database stays on the host (`SimState::host_leftovers`).

use super::ctx::Cx;
use super::hashid;
use super::permissions::view_password;
use crate::render::{close, list, open, open_rels};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::Validator;
use crate::state::{
    Database, SimState, database_name, new_database_password, new_database_username,
};
use crate::util::W;
use rand::Rng;
use roost_model::Dialect;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    Rotate(String),
    Delete(String),
}

pub fn routes(tail: &[&str]) -> Vec<(&'static str, Route)> {
    let s = |x: &str| x.to_string();
    match tail {
        [] => vec![("GET", Route::List), ("POST", Route::Create)],
        [db, "rotate-password"] => vec![("POST", Route::Rotate(s(db)))],
        [db] => vec![("DELETE", Route::Delete(s(db)))],
        _ => vec![],
    }
}

/// What binding found for `{database}`.
pub enum Bound {
    Own(u64),
    /// Pterodactyl binds databases globally (hashid or id): one of another server is found and
    /// refused later, after the access checks.
    Foreign,
}

/// The database a path segment names: Pterodactyl takes digits or a hashid, Pelican digits.
fn database_id(d: Dialect, raw: &str) -> Option<u64> {
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse().ok();
    }
    match d {
        Dialect::Pterodactyl => hashid::decode(raw),
        Dialect::Pelican => None,
    }
}

pub fn bind(st: &SimState, sid: u64, route: &Route) -> Result<Option<Bound>, ApiErr> {
    let (Route::Rotate(raw) | Route::Delete(raw)) = route else {
        return Ok(None);
    };
    let db = database_id(st.dialect, raw)
        .and_then(|id| st.databases.get(&id))
        .ok_or_else(ApiErr::not_found)?;
    match (st.dialect, db.server_id == sid) {
        (_, true) => Ok(Some(Bound::Own(db.id))),
        (Dialect::Pterodactyl, false) => Ok(Some(Bound::Foreign)),
        (Dialect::Pelican, false) => Err(ApiErr::not_found()),
    }
}

pub fn handle(st: &mut SimState, cx: &mut Cx, sid: u64, route: Route, db: Option<u64>) -> Res {
    match route {
        Route::List => {
            cx.access(st, sid)?.require("database.read")?;
            let shown = cx.includes().get("password").is_some();
            let see = cx.access(st, sid)?.can(view_password(cx.d));
            let mut w = W::new();
            list(&mut w, st.server_databases(sid), |w, d| {
                render(w, st, d, Shown::Stored, shown, see)
            });
            Ok(Out::json(200, w.s))
        }
        Route::Create => create(st, cx, sid),
        Route::Rotate(_) => rotate(st, cx, sid, db.ok_or_else(ApiErr::not_found)?),
        Route::Delete(_) => {
            cx.access(st, sid)?.require("database.delete")?;
            let id = db.ok_or_else(ApiErr::not_found)?;
            let d = st.remove_database(id).ok_or_else(ApiErr::not_found)?;
            cx.changed = true;
            cx.log(
                "server:database.delete",
                Some(sid),
                json!({"name": d.database}),
            );
            Ok(Out::empty())
        }
    }
}

/// How a row is shown: read back, or as the model the create just inserted (which lacks the
/// column default, so `max_connections` is null).
#[derive(Clone, Copy, PartialEq)]
enum Shown {
    Stored,
    Created,
}

/// The `server_database` object (client flavour); `password` when asked for, as
/// `null_resource` for those who may not see it.
fn render(
    w: &mut W,
    st: &SimState,
    d: &Database,
    shown: Shown,
    with_password: bool,
    may_see: bool,
) {
    let host = st.database_hosts.get(&d.host_id);
    open(w, "server_database");
    match st.dialect {
        Dialect::Pterodactyl => w.k_str("id", &hashid::encode(d.id)),
        Dialect::Pelican => w.k_i64("id", d.id as i64),
    }
    w.key("host");
    w.obj();
    w.k_str("address", host.map(|h| h.host.as_str()).unwrap_or(""));
    w.k_i64("port", host.map(|h| h.port as i64).unwrap_or(3306));
    w.end_obj();
    w.k_str("name", &d.database);
    w.k_str("username", &d.username);
    w.k_str("connections_from", &d.remote);
    match shown {
        Shown::Stored => w.k_i64("max_connections", d.max_connections),
        Shown::Created => w.k_oi64("max_connections", None),
    }
    if with_password {
        open_rels(w);
        w.key("password");
        if may_see {
            open(w, "database_password");
            w.k_str("password", &d.password);
            close(w);
        } else {
            w.null_resource();
        }
        w.end_obj();
    }
    close(w);
}

/// The host a new database goes to: one linked to the server's node, else (when allowed) any.
fn pick_host(st: &mut SimState, sid: u64) -> Result<u64, ApiErr> {
    let none = || {
        ApiErr::display(
            "NoSuitableDatabaseHostException",
            "No database host was found that meets the requirements for this server.",
        )
    };
    if st.database_hosts.is_empty() {
        return Err(none());
    }
    let node = st.servers.get(&sid).map(|s| s.node_id).unwrap_or(0);
    let linked: Vec<u64> = st
        .database_hosts
        .values()
        .filter(|h| h.nodes.contains(&node))
        .map(|h| h.id)
        .collect();
    let pool: Vec<u64> = if !linked.is_empty() {
        linked
    } else if st.settings.databases_allow_random {
        st.database_hosts.keys().copied().collect()
    } else {
        return Err(none());
    };
    let i = st.rng.random_range(0..pool.len());
    Ok(pool[i])
}

fn create(st: &mut SimState, cx: &mut Cx, sid: u64) -> Res {
    let see = {
        let access = cx.access(st, sid)?;
        access.require("database.create")?;
        access.can(view_password(cx.d))
    };
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("database", "required|alpha_dash|min:3|max:48");
    v.check("remote", r"required|string|regex:/^[\w\-\/.%:]+$/");
    validate(v)?;
    let host_id = pick_host(st, sid)?;
    if !st.settings.client_databases {
        return Err(ApiErr::server("DatabaseClientFeatureNotEnabledException"));
    }
    let limit = st.servers.get(&sid).and_then(|s| s.database_limit);
    if limit.is_some_and(|l| st.server_databases(sid).count() as i64 >= l) {
        return Err(ApiErr::display(
            "TooManyDatabasesException",
            "Operation aborted: creating a new database would put this server over the defined limit.",
        ));
    }
    let name = database_name(sid, &cx.str("database").unwrap_or_default());
    if st.server_databases(sid).any(|d| d.database == name) {
        return Err(ApiErr::display(
            "DuplicateDatabaseNameException",
            "A database with that name already exists for this server.",
        ));
    }
    if cx.d == Dialect::Pelican || st.host_leftovers.contains(&(host_id, name.clone())) {
        // Pelican: the activity log inside the create transaction fails after the SQL ran.
        // Either panel: the name is still taken on the host.
        st.host_leftovers.insert((host_id, name));
        cx.changed = true;
        return Err(ApiErr::server("QueryException"));
    }
    let id = SimState::next_id(&mut st.counters.database);
    let now = st.now();
    let database = Database {
        id,
        server_id: sid,
        host_id,
        database: name.clone(),
        username: new_database_username(&mut st.rng, sid),
        remote: cx.str("remote").unwrap_or_default(),
        password: new_database_password(&mut st.rng),
        max_connections: 0,
        created_at: now,
        updated_at: now,
    };
    st.insert_database(database);
    cx.changed = true;
    cx.log("server:database.create", Some(sid), json!({"name": name}));
    let mut w = W::new();
    render(&mut w, st, &st.databases[&id], Shown::Created, true, see);
    Ok(Out::json(200, w.s))
}

fn rotate(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    let see = {
        let access = cx.access(st, sid)?;
        access.require("database.update")?;
        access.can(view_password(cx.d))
    };
    let password = new_database_password(&mut st.rng);
    let now = st.now();
    let d = st.databases.get_mut(&id).ok_or_else(ApiErr::not_found)?;
    d.password = password;
    d.updated_at = now;
    let name = d.database.clone();
    cx.changed = true;
    cx.log(
        "server:database.rotate-password",
        Some(sid),
        json!({"name": name}),
    );
    let mut w = W::new();
    render(&mut w, st, &st.databases[&id], Shown::Stored, true, see);
    Ok(Out::json(200, w.s))
}
