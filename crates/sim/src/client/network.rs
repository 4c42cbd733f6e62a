//! `/servers/{server}/network/allocations` (client/network.md): list, notes, primary, automatic
//! assignment of one more allocation (with each panel's picking rules and switches) and
//! release. A null `allocation_limit` blocks both adding and releasing.

use super::ctx::Cx;
use super::render::render_allocation;
use crate::render::list;
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::Validator;
use crate::state::{Allocation, SimState};
use crate::util::W;
use rand::Rng;
use roost_model::Dialect;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    Notes(String),
    Primary(String),
    Delete(String),
}

pub fn routes(tail: &[&str]) -> Vec<(&'static str, Route)> {
    let s = |x: &str| x.to_string();
    match tail {
        [] => vec![("GET", Route::List), ("POST", Route::Create)],
        [id] => vec![
            ("POST", Route::Notes(s(id))),
            ("DELETE", Route::Delete(s(id))),
        ],
        [id, "primary"] => vec![("POST", Route::Primary(s(id)))],
        _ => vec![],
    }
}

/// `{allocation}` is scoped to the server.
pub fn bind(st: &SimState, sid: u64, route: &Route) -> Result<Option<u64>, ApiErr> {
    let (Route::Notes(raw) | Route::Primary(raw) | Route::Delete(raw)) = route else {
        return Ok(None);
    };
    raw.parse::<u64>()
        .ok()
        .filter(|id| {
            st.allocations
                .get(id)
                .is_some_and(|a| a.server_id == Some(sid))
        })
        .map(Some)
        .ok_or_else(ApiErr::not_found)
}

pub fn handle(st: &mut SimState, cx: &mut Cx, sid: u64, route: Route, id: Option<u64>) -> Res {
    let id = || id.ok_or_else(ApiErr::not_found);
    match route {
        Route::List => {
            cx.access(st, sid)?.require("allocation.read")?;
            let primary = st.servers.get(&sid).and_then(|s| s.allocation_id);
            let mut w = W::new();
            list(&mut w, st.server_allocations(sid), |w, a| {
                render_allocation(w, a, primary, false)
            });
            Ok(Out::json(200, w.s))
        }
        Route::Create => create(st, cx, sid),
        Route::Notes(_) => notes(st, cx, sid, id()?),
        Route::Primary(_) => primary(st, cx, sid, id()?),
        Route::Delete(_) => delete(st, cx, sid, id()?),
    }
}

fn one(st: &SimState, sid: u64, id: u64) -> Res {
    let primary = st.servers.get(&sid).and_then(|s| s.allocation_id);
    let a = st.allocations.get(&id).ok_or_else(ApiErr::not_found)?;
    let mut w = W::new();
    render_allocation(&mut w, a, primary, false);
    Ok(Out::json(200, w.s))
}

/// `ip:port`, as the activity log names an allocation.
fn address(a: &Allocation) -> String {
    format!("{}:{}", a.ip, a.port)
}

fn notes(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    cx.access(st, sid)?.require("allocation.update")?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("notes", "nullable|string|max:256|present");
    validate(v)?;
    let notes = cx.str("notes");
    let a = st.allocations.get_mut(&id).ok_or_else(ApiErr::not_found)?;
    let old = std::mem::replace(&mut a.notes, notes.clone());
    let at = address(a);
    cx.changed = true;
    if old != notes {
        cx.log(
            "server:allocation.notes",
            Some(sid),
            json!({"allocation": at, "old": old, "new": notes}),
        );
    }
    one(st, sid, id)
}

fn primary(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    cx.access(st, sid)?.require("allocation.update")?;
    let now = st.now();
    if let Some(s) = st.servers.get_mut(&sid) {
        s.allocation_id = Some(id);
        s.updated_at = now;
    }
    cx.changed = true;
    let at = st.allocations.get(&id).map(address).unwrap_or_default();
    cx.log(
        "server:allocation.primary",
        Some(sid),
        json!({"allocation": at}),
    );
    one(st, sid, id)
}

fn create(st: &mut SimState, cx: &mut Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("allocation.create")?;
    let limit = st.servers.get(&sid).and_then(|s| s.allocation_limit);
    let count = st.server_allocations(sid).count() as i64;
    // PHP compares `count >= null` as booleans: a null limit blocks too.
    if limit.is_none_or(|l| count >= l) {
        return Err(ApiErr::display(
            "DisplayException",
            "Cannot assign additional allocations to this server: limit has been reached.",
        ));
    }
    if !st.settings.client_allocations {
        return Err(ApiErr::display(
            "AutoAllocationNotEnabledException",
            "Server auto-allocation is not enabled for this instance.",
        ));
    }
    let id = pick_allocation(st, sid)?;
    st.assign_allocation(id, sid);
    cx.changed = true;
    let at = st.allocations.get(&id).map(address).unwrap_or_default();
    cx.log(
        "server:allocation.create",
        Some(sid),
        json!({"allocation": at}),
    );
    one(st, sid, id)
}

fn no_space() -> ApiErr {
    ApiErr::display(
        "NoAutoAllocationSpaceAvailableException",
        "Cannot assign additional allocation: no more space available on node.",
    )
}

/// `FindAssignableAllocationService`: a random free allocation on the server's node and primary
/// IP (Pelican: only inside the configured range), else a new one on a free port of the range.
fn pick_allocation(st: &mut SimState, sid: u64) -> Result<u64, ApiErr> {
    let s = st.servers.get(&sid).ok_or_else(ApiErr::not_found)?;
    let node = s.node_id;
    let primary_ip = s
        .allocation_id
        .and_then(|a| st.allocations.get(&a))
        .map(|a| a.ip.clone());
    let range = st.settings.allocation_range;
    if is_pelican(st) && range.is_none() {
        // Pelican asserts the range is set before looking.
        return Err(ApiErr::server("InvalidArgumentException"));
    }
    let in_range = |p: u16| range.is_none_or(|(lo, hi)| (lo..=hi).contains(&p));
    let free: Vec<u64> = st
        .idx
        .allocs_by_node
        .get(&node)
        .into_iter()
        .flatten()
        .filter_map(|a| st.allocations.get(a))
        .filter(|a| a.server_id.is_none())
        .filter(|a| primary_ip.as_ref().is_none_or(|ip| &a.ip == ip))
        .filter(|a| !is_pelican(st) || in_range(a.port))
        .map(|a| a.id)
        .collect();
    if !free.is_empty() {
        let i = st.rng.random_range(0..free.len());
        return Ok(free[i]);
    }
    if is_pelican(st) && !st.settings.allocation_create_new {
        return Err(no_space());
    }
    let Some((lo, hi)) = range.filter(|(lo, hi)| *lo > 0 && hi >= lo) else {
        return Err(no_space());
    };
    // Creating needs the primary's IP; a Pelican server without one fails.
    let ip = primary_ip.ok_or_else(|| ApiErr::server("ErrorException"))?;
    let taken: Vec<u16> = st
        .idx
        .allocs_by_node
        .get(&node)
        .into_iter()
        .flatten()
        .filter_map(|a| st.allocations.get(a))
        .filter(|a| a.ip == ip)
        .map(|a| a.port)
        .collect();
    let open: Vec<u16> = (lo..=hi).filter(|p| !taken.contains(p)).collect();
    if open.is_empty() {
        return Err(no_space());
    }
    let port = open[st.rng.random_range(0..open.len())];
    Ok(st.add_allocation(node, &ip, port, None))
}

fn is_pelican(st: &SimState) -> bool {
    st.dialect == Dialect::Pelican
}

fn delete(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    cx.access(st, sid)?.require("allocation.delete")?;
    let s = st.servers.get(&sid).ok_or_else(ApiErr::not_found)?;
    if s.allocation_limit.is_none_or(|l| l == 0) {
        return Err(ApiErr::display(
            "DisplayException",
            "You cannot delete allocations for this server: no allocation limit is set.",
        ));
    }
    // Pelican (since beta22) releases the primary too, leaving the server pointing at it.
    if cx.d == Dialect::Pterodactyl && s.allocation_id == Some(id) {
        return Err(ApiErr::display(
            "DisplayException",
            "You cannot delete the primary allocation for this server.",
        ));
    }
    let at = st.allocations.get(&id).map(address).unwrap_or_default();
    st.release_allocation(id, true);
    cx.changed = true;
    cx.log(
        "server:allocation.delete",
        Some(sid),
        json!({"allocation": at}),
    );
    Ok(Out::empty())
}
