//! Servers: `/servers`, `/servers/{id}`, `/servers/external/{id}` and the server actions
//! (details, build, startup, suspend, unsuspend, reinstall, delete).

mod checks;
mod create;
mod render;
mod update;

pub use render::render;

use crate::listing::{check_filters, item, paginate, partial, sorts};
use crate::render::Inc;
use crate::request::{Req, exists, parse_id};
use crate::response::{ApiErr, Out, Res};
use crate::state::{Server, SimState};
use crate::util::now_unix;
use roost_model::Dialect;

/// `POST /servers/{id}/suspend` or `.../unsuspend`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Suspension {
    Suspend,
    Unsuspend,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    External(String),
    Get(String),
    /// `DELETE /servers/{id}/{force?}`: only the literal `force` forces.
    Delete {
        id: String,
        force: bool,
    },
    Details(String),
    Build(String),
    Startup(String),
    Suspension(String, Suspension),
    Reinstall(String),
}

pub fn bind(st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::Get(i)
        | Route::Delete { id: i, .. }
        | Route::Details(i)
        | Route::Build(i)
        | Route::Startup(i)
        | Route::Suspension(i, _)
        | Route::Reinstall(i) => exists(st.servers.contains_key(&parse_id(i)?)),
        Route::List | Route::Create | Route::External(_) => Ok(()),
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::List => list_servers(st, r),
        Route::Get(i) => get(st, r, parse_id(&i)?),
        Route::External(ext) => {
            let sid = st
                .idx
                .server_by_external
                .get(&ext)
                .copied()
                .ok_or_else(ApiErr::not_found)?;
            get(st, r, sid)
        }
        Route::Create => create::create(st, r),
        Route::Details(i) => update::details(st, r, parse_id(&i)?),
        Route::Build(i) => update::build(st, r, parse_id(&i)?),
        Route::Startup(i) => update::startup(st, r, parse_id(&i)?),
        Route::Suspension(i, change) => suspension(st, r, parse_id(&i)?, change),
        Route::Reinstall(i) => reinstall(st, r, parse_id(&i)?),
        // Force only matters when the daemon or a database host fails, which the sim's never
        // do (a fault rule stands in for them).
        Route::Delete { id, force: _ } => delete(st, r, parse_id(&id)?),
    }
}

fn check_includes(inc: &Inc) -> Result<(), ApiErr> {
    if inc.get("transfer").is_some()
        || inc
            .get("variables")
            .is_some_and(|v| v.get("parent").is_some())
    {
        // Declared-but-broken includes crash the transformer in both panels.
        return Err(ApiErr::server("BadMethodCallException"));
    }
    Ok(())
}

/// `GET /servers/{id}`, also the answer of the update actions.
pub(super) fn get(st: &SimState, r: &Req, sid: u64) -> Res {
    let inc = r.includes();
    check_includes(&inc)?;
    let s = st.servers.get(&sid).ok_or_else(ApiErr::not_found)?;
    Ok(item(st, 200, |w, c| render(w, c, s, &inc)))
}

fn list_servers(st: &SimState, r: &Req) -> Res {
    let filters = r.filters();
    let short = match r.d {
        Dialect::Pterodactyl => "uuidShort",
        Dialect::Pelican => "uuid_short",
    };
    check_filters(
        &filters,
        &["uuid", short, "name", "description", "image", "external_id"],
    )?;
    let sort = sorts(r, &["id", "uuid"])?;
    let inc = r.includes();
    check_includes(&inc)?;
    let mut items: Vec<&Server> = st
        .servers
        .values()
        .filter(|s| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "uuid" => partial(Some(&s.uuid), v),
                "name" => partial(Some(&s.name), v),
                "description" => partial(Some(&s.description), v),
                "image" => partial(Some(&s.image), v),
                "external_id" => partial(s.external_id.as_deref(), v),
                _ => partial(s.uuid.get(..8), v),
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
    paginate(r, st, &items, 50, |w, c, s| render(w, c, s, &inc))
}

/// Suspending a suspended server (or unsuspending an active one) changes nothing.
fn suspension(st: &mut SimState, r: &mut Req, sid: u64, change: Suspension) -> Res {
    let suspend = change == Suspension::Suspend;
    if let Some(s) = st.servers.get_mut(&sid) {
        let is = s.status.as_deref() == Some("suspended");
        if is != suspend {
            s.status = suspend.then(|| "suspended".into());
            s.updated_at = now_unix();
            r.changed = true;
        }
    }
    Ok(Out::empty())
}

fn reinstall(st: &mut SimState, r: &mut Req, sid: u64) -> Res {
    if let Some(s) = st.servers.get_mut(&sid) {
        s.status = Some("installing".into());
        s.updated_at = now_unix();
        r.changed = true;
        r.installed.push(sid);
    }
    Ok(Out::empty())
}

/// Drops the server's databases, subusers, schedules and backups, releases its allocations,
/// deletes the row.
fn delete(st: &mut SimState, r: &mut Req, sid: u64) -> Res {
    let databases: Vec<u64> = st.server_databases(sid).map(|d| d.id).collect();
    for d in databases {
        st.remove_database(d);
    }
    let allocs: Vec<u64> = st
        .idx
        .allocs_by_server
        .get(&sid)
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    // PT releases through the FK (notes kept); PL clears notes explicitly.
    let clear_notes = r.d == Dialect::Pelican;
    for a in allocs {
        st.release_allocation(a, clear_notes);
    }
    st.idx.allocs_by_server.remove(&sid);
    st.drop_server_children(sid);
    st.remove_server(sid);
    r.changed = true;
    Ok(Out::empty())
}
