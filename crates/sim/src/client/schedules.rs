//! `/servers/{server}/schedules` (client/schedules.md): schedules with their tasks (a default
//! include), create and full-replacement update with cron validation (an invalid expression is
//! a 400, as on the running panels; Pterodactyl does not validate `month` and fails with a 500
//! without it), delete, and "run now", whose first task goes to Wings inside the request.

use super::cron;
use super::ctx::Cx;
use super::tasks;
use crate::render::{close, list, open, open_rels};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Validator, php_string, string_column_max};
use crate::state::{Cron, Schedule, SimState, Task};
use crate::util::{W, ts_iso};
use roost_model::Dialect;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    Get(String),
    Update(String),
    Execute(String),
    Delete(String),
    TaskCreate(String),
    TaskUpdate(String, String),
    TaskDelete(String, String),
}

pub fn routes(tail: &[&str]) -> Vec<(&'static str, Route)> {
    let s = |x: &str| x.to_string();
    match tail {
        [] => vec![("GET", Route::List), ("POST", Route::Create)],
        [id] => vec![
            ("GET", Route::Get(s(id))),
            ("POST", Route::Update(s(id))),
            ("DELETE", Route::Delete(s(id))),
        ],
        [id, "execute"] => vec![("POST", Route::Execute(s(id)))],
        [id, "tasks"] => vec![("POST", Route::TaskCreate(s(id)))],
        [id, "tasks", t] => vec![
            ("POST", Route::TaskUpdate(s(id), s(t))),
            ("DELETE", Route::TaskDelete(s(id), s(t))),
        ],
        _ => vec![],
    }
}

/// The bound `{schedule}` (scoped to the server) and `{task}` (scoped to the schedule).
#[derive(Debug, Clone, Copy, Default)]
pub struct Bound {
    pub schedule: Option<u64>,
    pub task: Option<u64>,
}

pub fn bind(st: &SimState, sid: u64, route: &Route) -> Result<Bound, ApiErr> {
    let (schedule, task) = match route {
        Route::List | Route::Create => return Ok(Bound::default()),
        Route::Get(s)
        | Route::Update(s)
        | Route::Execute(s)
        | Route::Delete(s)
        | Route::TaskCreate(s) => (s, None),
        Route::TaskUpdate(s, t) | Route::TaskDelete(s, t) => (s, Some(t)),
    };
    let sch = schedule
        .parse::<u64>()
        .ok()
        .and_then(|id| st.schedules.get(&id))
        .filter(|x| x.server_id == sid)
        .ok_or_else(ApiErr::not_found)?;
    let task = match task {
        None => None,
        Some(t) => Some(
            t.parse::<u64>()
                .ok()
                .filter(|id| sch.tasks.iter().any(|x| x.id == *id))
                .ok_or_else(ApiErr::not_found)?,
        ),
    };
    Ok(Bound {
        schedule: Some(sch.id),
        task,
    })
}

pub fn handle(st: &mut SimState, cx: &mut Cx, sid: u64, route: Route, b: Bound) -> Res {
    let sch = || b.schedule.ok_or_else(ApiErr::not_found);
    let task = || b.task.ok_or_else(ApiErr::not_found);
    match route {
        Route::List => {
            cx.access(st, sid)?.require("schedule.read")?;
            let mut w = W::new();
            list(&mut w, st.server_schedules(sid), render);
            Ok(Out::json(200, w.s))
        }
        Route::Get(_) => {
            cx.access(st, sid)?.require("schedule.read")?;
            one(st, sch()?)
        }
        Route::Create => save(st, cx, sid, None),
        Route::Update(_) => save(st, cx, sid, Some(sch()?)),
        Route::Execute(_) => execute(st, cx, sid, sch()?),
        Route::Delete(_) => {
            cx.access(st, sid)?.require("schedule.delete")?;
            let s = st.remove_schedule(sch()?).ok_or_else(ApiErr::not_found)?;
            cx.changed = true;
            cx.log("server:schedule.delete", Some(sid), json!({"name": s.name}));
            Ok(Out::empty())
        }
        Route::TaskCreate(_) => tasks::create(st, cx, sid, sch()?),
        Route::TaskUpdate(..) => tasks::update(st, cx, sid, sch()?, task()?),
        Route::TaskDelete(..) => tasks::delete(st, cx, sid, sch()?, task()?),
    }
}

fn one(st: &SimState, id: u64) -> Res {
    let s = st.schedules.get(&id).ok_or_else(ApiErr::not_found)?;
    let mut w = W::new();
    render(&mut w, s);
    Ok(Out::json(200, w.s))
}

/// The `schedule_task` object.
pub fn render_task(w: &mut W, t: &Task) {
    open(w, "schedule_task");
    w.k_i64("id", t.id as i64);
    w.k_i64("sequence_id", t.sequence_id);
    w.k_str("action", &t.action);
    w.k_str("payload", &t.payload);
    w.k_i64("time_offset", t.time_offset);
    w.k_bool("is_queued", t.is_queued);
    w.k_bool("continue_on_failure", t.continue_on_failure);
    w.k_str("created_at", &ts_iso(t.created_at));
    w.k_str("updated_at", &ts_iso(t.updated_at));
    close(w);
}

/// The `server_schedule` object with its tasks (by id, as the relation loads them).
fn render(w: &mut W, s: &Schedule) {
    open(w, "server_schedule");
    w.k_i64("id", s.id as i64);
    w.k_str("name", &s.name);
    w.key("cron");
    w.obj();
    w.k_str("day_of_week", &s.cron.day_of_week);
    w.k_str("day_of_month", &s.cron.day_of_month);
    w.k_str("month", &s.cron.month);
    w.k_str("hour", &s.cron.hour);
    w.k_str("minute", &s.cron.minute);
    w.end_obj();
    w.k_bool("is_active", s.is_active);
    w.k_bool("is_processing", s.is_processing);
    w.k_bool("only_when_online", s.only_when_online);
    w.k_ostr("last_run_at", s.last_run_at.map(ts_iso).as_deref());
    w.k_ostr("next_run_at", s.next_run_at.map(ts_iso).as_deref());
    w.k_str("created_at", &ts_iso(s.created_at));
    w.k_str("updated_at", &ts_iso(s.updated_at));
    open_rels(w);
    w.key("tasks");
    let mut tasks: Vec<&Task> = s.tasks.iter().collect();
    tasks.sort_by_key(|t| t.id);
    list(w, tasks.into_iter(), render_task);
    w.end_obj();
    close(w);
}

fn check_rules(v: &mut Validator) {
    let d = v.dialect;
    v.check(
        "name",
        &format!("required|string|max:{}", string_column_max(d)),
    );
    v.check("is_active", "filled|boolean");
    if d == Dialect::Pelican {
        v.check("only_when_online", "boolean");
    }
    v.check("minute", "required|string");
    v.check("hour", "required|string");
    v.check("day_of_month", "required|string");
    if d == Dialect::Pelican {
        v.check("month", "required|string");
    }
    v.check("day_of_week", "required|string");
}

/// The cron fields of the request and the next run they give, or the panels' errors: a
/// non-string `month` reaching Pterodactyl's typed helper is a TypeError (500), an invalid or
/// impossible expression a 400.
fn cron_of(cx: &Cx, now: i64) -> Result<(Cron, i64), ApiErr> {
    let field = |k: &str| -> Result<String, ApiErr> {
        match cx.get(k) {
            Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => Ok(php_string(v)),
            _ => Err(ApiErr::server("TypeError")),
        }
    };
    let c = Cron {
        minute: field("minute")?,
        hour: field("hour")?,
        day_of_month: field("day_of_month")?,
        month: field("month")?,
        day_of_week: field("day_of_week")?,
    };
    let next = cron::parse(
        &c.minute,
        &c.hour,
        &c.day_of_month,
        &c.month,
        &c.day_of_week,
    )
    .and_then(|p| p.next_after(now))
    .ok_or_else(|| {
        ApiErr::display(
            "DisplayException",
            "The cron data provided does not evaluate to a valid expression.",
        )
    })?;
    Ok((c, next))
}

/// Create (`existing` None) or full-replacement update.
fn save(st: &mut SimState, cx: &mut Cx, sid: u64, existing: Option<u64>) -> Res {
    let perm = if existing.is_some() {
        "schedule.update"
    } else {
        "schedule.create"
    };
    cx.access(st, sid)?.require(perm)?;
    let mut v = Validator::new(cx.d, &cx.input);
    check_rules(&mut v);
    validate(v)?;
    let now = st.now();
    let (c, next) = cron_of(cx, now)?;
    let name = cx.str("name").unwrap_or_default();
    let active = cx.get("is_active").is_some_and(crate::rules::truthy);
    let online = cx.get("only_when_online").is_some_and(crate::rules::truthy);
    let id = match existing {
        Some(id) => {
            let s = st.schedules.get_mut(&id).ok_or_else(ApiErr::not_found)?;
            if s.is_active != active {
                s.is_processing = false;
            }
            s.name = name.clone();
            s.cron = c;
            s.is_active = active;
            s.only_when_online = online;
            s.next_run_at = Some(next);
            s.updated_at = now;
            cx.log(
                "server:schedule.update",
                Some(sid),
                json!({"name": name, "active": active}),
            );
            id
        }
        None => {
            let id = SimState::next_id(&mut st.counters.schedule);
            st.insert_schedule(Schedule {
                id,
                server_id: sid,
                name: name.clone(),
                cron: c,
                is_active: active,
                is_processing: false,
                only_when_online: online,
                last_run_at: None,
                next_run_at: Some(next),
                tasks: Vec::new(),
                created_at: now,
                updated_at: now,
            });
            cx.log("server:schedule.create", Some(sid), json!({"name": name}));
            id
        }
    };
    cx.changed = true;
    one(st, id)
}

/// `POST .../execute`: runs the schedule now, even when inactive (`runner::start`): the first
/// task inside the request, the rest from the panel's queue on the sim's clock.
fn execute(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    cx.access(st, sid)?.require("schedule.update")?;
    let s = st.schedules.get(&id).ok_or_else(ApiErr::not_found)?;
    if s.tasks.is_empty() {
        return Err(ApiErr::display(
            "DisplayException",
            "Cannot process schedule for task execution: no tasks are registered.",
        ));
    }
    let name = s.name.clone();
    cx.changed = true;
    super::runner::start(st, cx, sid, id, true)?;
    cx.log("server:schedule.execute", Some(sid), json!({"name": name}));
    Ok(Out::json(202, "[]".into()))
}
