//! The activity log: what client handlers record (`Activity::event(...)`) and the two listings,
//! `GET /account/activity` (entries of `/account` routes) and `GET /servers/{server}/activity`
//! (entries naming the server), 25 per page, `filter[event]`, `sort=timestamp|-timestamp`,
//! `include=actor`.

use super::ctx::Cx;
use super::digest::sha1_hex;
use super::listing::{Links, paginate, per_page};
use super::render::render_user;
use crate::listing::check_filters;
use crate::render::{Ctx, Inc, close, open, open_rels};
use crate::response::Res;
use crate::state::{ACTIVITY_KEPT, ActivityLog, SimState};
use crate::util::{W, ts_iso};
use roost_model::Dialect;
use serde_json::{Map, Value};

/// An entry a handler logged, written once the request succeeded.
#[derive(Debug, Clone)]
pub struct Event {
    pub event: String,
    pub server: Option<u64>,
    pub properties: Value,
}

/// Events the panels never list.
const HIDDEN: [&str; 1] = ["server:file.upload"];

/// The placeholders of each event's English description: properties named there are not
/// "additional metadata".
fn placeholders(event: &str) -> &'static [&'static str] {
    match event {
        "user:api-key.create" | "user:api-key.delete" => &["identifier"],
        "user:account.email-changed" => &["old", "new"],
        "server:console.command" => &["command"],
        "server:backup.download"
        | "server:backup.delete"
        | "server:backup.start"
        | "server:backup.lock"
        | "server:backup.unlock" => &["name"],
        "server:backup.restore" => &["name", "truncate"],
        "server:database.create" | "server:database.rotate-password" | "server:database.delete" => {
            &["name"]
        }
        "server:allocation.create" | "server:allocation.primary" | "server:allocation.delete" => {
            &["allocation"]
        }
        "server:allocation.notes" => &["allocation", "old", "new"],
        "server:schedule.create"
        | "server:schedule.update"
        | "server:schedule.execute"
        | "server:schedule.delete"
        | "server:task.delete" => &["name"],
        "server:task.create" | "server:task.update" => &["action", "name"],
        "server:settings.rename" | "server:settings.description" | "server:startup.image" => {
            &["old", "new"]
        }
        "server:startup.edit" => &["variable", "old", "new"],
        "server:subuser.create" | "server:subuser.update" | "server:subuser.delete" => &["email"],
        "server:file.download" | "server:file.read" | "server:file.write" => &["file"],
        _ => &[],
    }
}

/// Stores what a successful request logged (`account` marks `/account` routes, whose entries
/// name the user).
pub fn record(st: &mut SimState, cx: &mut Cx, account: bool) {
    let now = st.now();
    for e in std::mem::take(&mut cx.events) {
        let id = SimState::next_id(&mut st.counters.activity);
        st.activity.push(ActivityLog {
            id,
            event: e.event,
            ip: cx.ip.clone(),
            actor_id: Some(cx.user),
            api_key_id: cx.key,
            properties: e.properties,
            timestamp: now,
            server_id: e.server,
            user_id: account.then_some(cx.user),
        });
        cx.changed = true;
    }
    if st.activity.len() > ACTIVITY_KEPT {
        let drop = st.activity.len() - ACTIVITY_KEPT;
        st.activity.drain(..drop);
    }
}

/// `GET /account/activity`.
pub fn account(st: &SimState, cx: &Cx) -> Res {
    let user = cx.user;
    list(st, cx, |a| a.user_id == Some(user))
}

/// `GET /servers/{server}/activity` (permission `activity.read`).
pub fn server(st: &SimState, cx: &Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("activity.read")?;
    list(st, cx, |a| a.server_id == Some(sid))
}

fn list(st: &SimState, cx: &Cx, keep: impl Fn(&ActivityLog) -> bool) -> Res {
    let filters = cx.filters();
    check_filters(&filters, &["event"])?;
    let sort = crate::listing::sorts_in(cx.q("sort"), &["timestamp"])?;
    let mut items: Vec<&ActivityLog> = st
        .activity
        .iter()
        .filter(|a| keep(a) && !HIDDEN.contains(&a.event.as_str()))
        .filter(|a| {
            filters
                .iter()
                .all(|(_, v)| crate::listing::partial(Some(&a.event), v))
        })
        .collect();
    if let Some((_, desc)) = sort.first() {
        items.sort_by_key(|a| a.timestamp);
        if *desc {
            items.reverse();
        }
    }
    let inc = cx.includes();
    let pp = per_page(cx, 25, 100)?;
    Ok(paginate(
        cx,
        st,
        &items,
        pp,
        Links::KeepQuery,
        |_| {},
        |w, c, a| render(w, c, cx, a, &inc),
    ))
}

fn render(w: &mut W, c: &Ctx, cx: &Cx, a: &ActivityLog, inc: &Inc) {
    let viewer_is_actor = a.actor_id == Some(cx.user);
    let viewer_root =
        c.st.users
            .get(&cx.user)
            .is_some_and(|u| c.st.is_root_admin(u));
    open(w, "activity_log");
    w.k_str("id", &sha1_hex(a.id.to_string().as_bytes()));
    if c.d == Dialect::Pterodactyl {
        w.k_ostr("batch", None);
    }
    w.k_str("event", &a.event);
    w.k_bool("is_api", a.api_key_id.is_some());
    w.k_ostr(
        "ip",
        (viewer_is_actor || viewer_root).then_some(a.ip.as_str()),
    );
    w.k_ostr("description", None);
    w.key("properties");
    w.value(&shown_properties(c.d, a, viewer_is_actor));
    w.k_bool("has_additional_metadata", additional_metadata(a));
    w.k_str("timestamp", &ts_iso(a.timestamp));
    if inc.get("actor").is_some() {
        open_rels(w);
        w.key("actor");
        match a.actor_id.and_then(|u| c.st.users.get(&u)) {
            Some(u) => render_user(w, c, u),
            None => w.null_resource(),
        }
        w.end_obj();
    }
    close(w);
}

/// The transformer's view of the properties: hidden IPs, `<key>_count` beside lists (a single
/// list's count is called `count`); Pelican shows a list's first item and an empty set as `[]`.
fn shown_properties(d: Dialect, a: &ActivityLog, viewer_is_actor: bool) -> Value {
    let Some(props) = a.properties.as_object().filter(|p| !p.is_empty()) else {
        return match d {
            Dialect::Pterodactyl => Value::Object(Map::new()),
            Dialect::Pelican => Value::Array(Vec::new()),
        };
    };
    let mut out = Map::new();
    let mut counts = Vec::new();
    for (k, v) in props {
        match v {
            Value::Array(items) => {
                let shown = match d {
                    Dialect::Pterodactyl => v.clone(),
                    Dialect::Pelican => items.first().cloned().unwrap_or(Value::Null),
                };
                out.insert(k.clone(), shown);
                out.insert(format!("{k}_count"), Value::from(items.len()));
                counts.push(format!("{k}_count"));
            }
            _ if k == "ip" && d == Dialect::Pterodactyl && !viewer_is_actor => {
                out.insert(k.clone(), Value::from("[hidden]"));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if let [only] = counts.as_slice()
        && let Some(n) = out.remove(only)
    {
        out.insert("count".into(), n);
    }
    Value::Object(out)
}

fn additional_metadata(a: &ActivityLog) -> bool {
    let Some(props) = a.properties.as_object() else {
        return false;
    };
    let named = placeholders(&a.event);
    props.keys().any(|k| {
        !named.contains(&k.as_str()) && !["ip", "useragent", "using_sftp"].contains(&k.as_str())
    })
}
