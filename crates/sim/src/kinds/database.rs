//! Server databases: `/servers/{id}/databases`, `/servers/{id}/databases/{database}` and
//! `.../reset-password` (server-databases.md).

use crate::listing::{item, item_with_resource, plain_list};
use crate::render::{Ctx, Inc, close, open, open_rels};
use crate::request::{Req, exists, parse_id};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Rule, Validator, as_number, is_integer, php_string};
use crate::state::{
    Database, SimState, database_name, new_database_password, new_database_username,
};
use crate::util::{W, now_unix, ts_iso};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List(String),
    Create(String),
    /// (server, database)
    Get(String, String),
    Delete(String, String),
    ResetPassword(String, String),
}

/// The server must exist, and the database must be one of its databases.
///
/// Pterodactyl binds `{database}` globally (a database of another server is found too, and a
/// hashid works in place of the id); Pelican scopes it to the server. The sim scopes in both
/// dialects: a client that sends the wrong server's id gets a 404 here instead of silently
/// acting on another server's database, so such a mistake shows in tests.
pub fn bind(st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::List(s) | Route::Create(s) => exists(st.servers.contains_key(&parse_id(s)?)),
        Route::Get(s, d) | Route::Delete(s, d) | Route::ResetPassword(s, d) => {
            let s = parse_id(s)?;
            exists(st.servers.contains_key(&s))?;
            exists(
                st.databases
                    .get(&parse_id(d)?)
                    .is_some_and(|d| d.server_id == s),
            )
        }
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::List(s) => {
            let inc = r.includes();
            let items: Vec<&Database> = st.server_databases(parse_id(&s)?).collect();
            Ok(plain_list(st, &items, |w, c, d| {
                render(w, c, d, &inc, Shown::Stored)
            }))
        }
        Route::Get(_, d) => {
            let inc = r.includes();
            let d = &st.databases[&parse_id(&d)?];
            Ok(item(st, 200, |w, c| render(w, c, d, &inc, Shown::Stored)))
        }
        Route::Create(s) => create(st, r, parse_id(&s)?),
        Route::ResetPassword(_, d) => reset_password(st, r, parse_id(&d)?),
        Route::Delete(_, d) => {
            st.remove_database(parse_id(&d)?);
            r.changed = true;
            Ok(Out::empty())
        }
    }
}

/// The rules of `POST /servers/{id}/databases`, with the request's attribute names.
fn check_create(v: &mut Validator, st: &SimState, sid: u64) {
    let name_free = |val: &Value| {
        let full = database_name(sid, &php_string(val));
        !st.server_databases(sid).any(|d| d.database == full)
    };
    v.check_with(
        "database",
        Some("Database Name"),
        "required|alpha_dash|min:1|max:48",
        vec![Rule::Unique(Box::new(name_free))],
    );
    v.check_with(
        "remote",
        Some("Remote Connection String"),
        r"required|string|regex:/^[0-9%.]{1,15}$/",
        vec![],
    );
    v.check_with(
        "host",
        Some("Database Host Server ID"),
        "required|integer",
        vec![Rule::Exists(Box::new(|val: &Value| {
            is_integer(val)
                && as_number(val).is_some_and(|f| st.database_hosts.contains_key(&(f as u64)))
        }))],
    );
}

/// The server's `feature_limits.databases`: null is unlimited, 0 blocks creation.
fn check_limit(st: &SimState, sid: u64) -> Result<(), ApiErr> {
    let limit = st.servers.get(&sid).and_then(|s| s.database_limit);
    let count = st.server_databases(sid).count() as i64;
    match limit {
        Some(limit) if count >= limit => Err(ApiErr::display(
            "TooManyDatabasesException",
            "Operation aborted: creating a new database would put this server over the defined limit.",
        )),
        _ => Ok(()),
    }
}

fn create(st: &mut SimState, r: &mut Req, sid: u64) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    check_create(&mut v, st, sid);
    validate(v)?;
    check_limit(st, sid)?;
    let host_id = r.int("host").unwrap_or(0) as u64;
    let name = database_name(sid, &r.str("database").unwrap_or_default());
    if st.host_leftovers.contains(&(host_id, name.clone())) {
        // A client create the panel rolled back left this database on the host.
        return Err(ApiErr::server("QueryException"));
    }
    let id = SimState::next_id(&mut st.counters.database);
    let now = now_unix();
    let database = Database {
        id,
        server_id: sid,
        host_id,
        database: name,
        username: new_database_username(&mut st.rng, sid),
        remote: r.str("remote").unwrap_or_default(),
        password: new_database_password(&mut st.rng),
        max_connections: 0,
        created_at: now,
        updated_at: now,
    };
    st.insert_database(database);
    r.changed = true;
    let inc = r.includes();
    let d = &st.databases[&id];
    Ok(item_with_resource(
        st,
        r.url(&format!("/servers/{sid}/databases/{id}")),
        |w, c| render(w, c, d, &inc, Shown::Created),
    ))
}

/// A new password, fetched afterwards with `include=password`.
fn reset_password(st: &mut SimState, r: &mut Req, id: u64) -> Res {
    let password = new_database_password(&mut st.rng);
    if let Some(d) = st.databases.get_mut(&id) {
        d.password = password;
        d.updated_at = now_unix();
    }
    r.changed = true;
    Ok(Out::empty())
}

/// Whether the row is shown as read back or as just created: a create answers with the model
/// it inserted, which lacks the column defaults (`max_connections` is null).
#[derive(Clone, Copy, PartialEq)]
pub enum Shown {
    Stored,
    Created,
}

/// The `server_database` object; includes `password`, `host`.
pub fn render(w: &mut W, c: &Ctx, d: &Database, inc: &Inc, shown: Shown) {
    render_as(w, c, d, inc, shown, "server_database");
}

/// The object under the name `object` (the servers' `databases` include names each item
/// `databases`).
pub fn render_as(w: &mut W, c: &Ctx, d: &Database, inc: &Inc, shown: Shown, object: &str) {
    open(w, object);
    w.k_i64("id", d.id as i64);
    w.k_i64("server", d.server_id as i64);
    w.k_i64("host", d.host_id as i64);
    w.k_str("database", &d.database);
    w.k_str("username", &d.username);
    w.k_str("remote", &d.remote);
    match shown {
        Shown::Stored => w.k_i64("max_connections", d.max_connections),
        Shown::Created => w.k_oi64("max_connections", None),
    }
    w.k_str("created_at", &ts_iso(d.created_at));
    w.k_str("updated_at", &ts_iso(d.updated_at));
    if inc.any(&["password", "host"]) {
        open_rels(w);
        if inc.get("password").is_some() {
            w.key("password");
            open(w, "database_password");
            w.k_str("password", &d.password);
            close(w);
        }
        if let Some(sub) = inc.get("host") {
            w.key("host");
            match c.st.database_hosts.get(&d.host_id) {
                Some(h) => super::database_host::render(w, c, h, sub),
                None => w.null_resource(),
            }
        }
        w.end_obj();
    }
    close(w);
}
