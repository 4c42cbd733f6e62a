//! Schedules at run time (client/schedules.md "Run-time semantics"; PT/PL
//! `Svc/Schedules/ProcessScheduleService.php`, `Jobs/Schedule/RunTaskJob.php`): the panel's
//! cron starts each active schedule whose `next_run_at` the sim's clock has reached, and its
//! queue runs the tasks in `sequence_id` order, each `time_offset` seconds after the previous
//! one. `execute` starts a run by hand with the first task inside the request.
//!
//! Nothing runs in the background: each Client API request first catches up with the clock
//! ([`settle`]), running what fell due in time order. A task runs against the daemon as it is
//! at that moment (the daemon, too, only moves when looked at).

use super::backups::Failure;
use super::ctx::Cx;
use super::wings::{Wings, WingsAnswer, WingsCall, WingsError, daemon_error};
use crate::response::ApiErr;
use crate::state::{ScheduleRun, SimState, Task};
use roost_model::Dialect;
use serde_json::{Value, json};

/// Starts a run of schedule `id`: marks it processing, moves `next_run_at`, skips the whole run
/// when `only_when_online` and the server is not, then queues the first task — or, by hand
/// (`execute`), runs it now and lets its failure fail the request. A run by the cron starts at
/// the schedule's due time (the minute the panel's cron ticks), a run by hand now.
pub fn start(
    st: &mut SimState,
    cx: &mut Cx,
    sid: u64,
    id: u64,
    manual: bool,
) -> Result<(), ApiErr> {
    let now = st.now();
    let at_ms = match (manual, st.schedules.get(&id).and_then(|s| s.next_run_at)) {
        (false, Some(due)) => due.min(now) * 1000,
        _ => st.clock.now_ms(),
    };
    let Some(s) = st.schedules.get_mut(&id) else {
        return Ok(());
    };
    let next = super::cron::parse(
        &s.cron.minute,
        &s.cron.hour,
        &s.cron.day_of_month,
        &s.cron.month,
        &s.cron.day_of_week,
    )
    .and_then(|c| c.next_after(now));
    s.is_processing = true;
    s.next_run_at = next;
    let online_only = s.only_when_online;
    let Some(first) = first_task(st, id) else {
        complete(st, id);
        return Ok(());
    };
    if online_only && !server_online(st, cx, sid) {
        complete(st, id);
        return Ok(());
    }
    mark_queued(st, id, first.id);
    if !manual {
        queue(
            st,
            id,
            sid,
            first.id,
            at_ms + first.time_offset * 1000,
            false,
        );
        return Ok(());
    }
    match run_task(st, cx, sid, &first) {
        Ok(()) => {
            after(st, id, sid, &first, at_ms, true);
            Ok(())
        }
        Err(e) => {
            complete(st, id);
            Err(e)
        }
    }
}

fn first_task(st: &SimState, id: u64) -> Option<Task> {
    let s = st.schedules.get(&id)?;
    s.tasks
        .iter()
        .min_by_key(|t| (t.sequence_id, t.id))
        .cloned()
}

/// The task after `t` in `sequence_id` order.
fn next_task(st: &SimState, id: u64, t: &Task) -> Option<Task> {
    let s = st.schedules.get(&id)?;
    s.tasks
        .iter()
        .filter(|n| (n.sequence_id, n.id) > (t.sequence_id, t.id))
        .min_by_key(|n| (n.sequence_id, n.id))
        .cloned()
}

fn mark_queued(st: &mut SimState, id: u64, task: u64) {
    if let Some(s) = st.schedules.get_mut(&id) {
        for t in &mut s.tasks {
            t.is_queued = t.id == task;
        }
    }
}

fn queue(st: &mut SimState, schedule: u64, server: u64, task: u64, due_ms: i64, manual: bool) {
    st.schedule_runs.push(ScheduleRun {
        schedule_id: schedule,
        server_id: server,
        task_id: task,
        due_ms,
        manual,
    });
}

/// After a task: queue the next one `time_offset` after this one, or end the run.
fn after(st: &mut SimState, id: u64, sid: u64, done: &Task, at_ms: i64, manual: bool) {
    match next_task(st, id, done) {
        Some(n) => {
            mark_queued(st, id, n.id);
            queue(st, id, sid, n.id, at_ms + n.time_offset * 1000, manual);
        }
        None => complete(st, id),
    }
}

/// Ends a run: nothing queued, not processing, `last_run_at` now.
fn complete(st: &mut SimState, id: u64) {
    let now = st.now();
    if let Some(s) = st.schedules.get_mut(&id) {
        s.is_processing = false;
        s.last_run_at = Some(now);
        for t in &mut s.tasks {
            t.is_queued = false;
        }
    }
}

/// The panel's cron and queue up to the sim's present; true when anything ran.
pub fn settle(st: &mut SimState, wings: &dyn Wings, base: &str) -> bool {
    let now = st.now();
    let due: Vec<(u64, u64)> = st
        .schedules
        .values()
        .filter(|s| s.is_active && !s.is_processing && s.next_run_at.is_some_and(|n| n <= now))
        .map(|s| (s.id, s.server_id))
        .collect();
    let mut changed = !due.is_empty();
    for (id, sid) in due {
        let mut cx = system_cx(st, wings, base, sid);
        // A failure of a queued run only ends it (the job fails in the queue).
        let _ = start(st, &mut cx, sid, id, false);
    }
    let now_ms = st.clock.now_ms();
    while let Some(i) = next_due(st, now_ms) {
        let run = st.schedule_runs.remove(i);
        changed = true;
        step(st, wings, base, run);
    }
    changed
}

fn next_due(st: &SimState, now_ms: i64) -> Option<usize> {
    st.schedule_runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.due_ms <= now_ms)
        .min_by_key(|(_, r)| r.due_ms)
        .map(|(i, _)| i)
}

/// `RunTaskJob`: the run stops when the schedule was deactivated (unless run by hand) or the
/// server is not in a normal state, or the task failed and may not.
fn step(st: &mut SimState, wings: &dyn Wings, base: &str, run: ScheduleRun) {
    let id = run.schedule_id;
    let Some(s) = st.schedules.get(&id) else {
        return;
    };
    let task = s.tasks.iter().find(|t| t.id == run.task_id).cloned();
    let stopped = !s.is_active && !run.manual;
    let busy = st
        .servers
        .get(&run.server_id)
        .is_none_or(|s| s.status.is_some());
    let Some(task) = task.filter(|_| !stopped && !busy) else {
        complete(st, id);
        return;
    };
    let mut cx = system_cx(st, wings, base, run.server_id);
    match run_task(st, &mut cx, run.server_id, &task) {
        Ok(()) => after(st, id, run.server_id, &task, run.due_ms, run.manual),
        Err(_) => complete(st, id),
    }
}

/// A request context for work the panel does on its own (the server's owner acts).
fn system_cx<'a>(st: &SimState, wings: &'a dyn Wings, base: &'a str, sid: u64) -> Cx<'a> {
    Cx {
        d: st.dialect,
        base,
        path: "",
        query: Vec::new(),
        input: Value::Object(Default::default()),
        user: st.servers.get(&sid).map_or(0, |s| s.user_id),
        key: None,
        ip: "127.0.0.1".into(),
        wings,
        body_text: String::new(),
        body_raw: Vec::new(),
        changed: false,
        events: Vec::new(),
    }
}

/// Whether Wings reports the server in a state `only_when_online` runs in (an unreachable
/// daemon counts as offline).
fn server_online(st: &SimState, cx: &Cx, sid: u64) -> bool {
    let state = match cx.wings(st, sid, WingsCall::Details) {
        Ok(WingsAnswer::Json(v)) => v
            .get("state")
            .and_then(Value::as_str)
            .unwrap_or("offline")
            .to_string(),
        _ => return false,
    };
    let offline: &[&str] = match cx.d {
        Dialect::Pterodactyl => &["offline", "stopping"],
        Dialect::Pelican => &["offline", "missing"],
    };
    !offline.contains(&state.as_str())
}

/// One task against the daemon: a daemon failure fails it unless the task may fail
/// (Pterodactyl: any daemon error; Pelican: only an unreachable one). A server not in a
/// normal state skips the task silently.
fn run_task(st: &mut SimState, cx: &mut Cx, sid: u64, t: &Task) -> Result<(), ApiErr> {
    if st.servers.get(&sid).is_some_and(|s| s.status.is_some()) {
        return Ok(());
    }
    let call = match t.action.as_str() {
        "power" => WingsCall::Power {
            signal: t.payload.clone(),
        },
        "command" => WingsCall::Command {
            command: t.payload.clone(),
        },
        "backup" => {
            return match super::backups::scheduled(st, cx, sid, &t.payload) {
                Ok(()) => Ok(()),
                Err(Failure::Panel(e)) => Err(e),
                Err(Failure::Daemon(e)) => tolerate(cx.d, t, e),
            };
        }
        "delete_files" => WingsCall::Files {
            method: "POST",
            route: "delete",
            body: json!({"root": "/", "files": t.payload.lines().collect::<Vec<_>>()}),
            raw: Vec::new(),
        },
        _ => return Err(ApiErr::server("InvalidArgumentException")),
    };
    match cx.wings(st, sid, call) {
        Ok(_) => Ok(()),
        // Pelican's command task uses a client that never sees the daemon's HTTP errors.
        Err(WingsError::Status { .. }) if cx.d == Dialect::Pelican && t.action == "command" => {
            Ok(())
        }
        Err(e) => tolerate(cx.d, t, e),
    }
}

/// A daemon failure of a task: survived with `continue_on_failure` (Pelican: only when the
/// daemon was unreachable), else the task fails with it.
fn tolerate(d: Dialect, t: &Task, e: WingsError) -> Result<(), ApiErr> {
    if t.continue_on_failure && (d == Dialect::Pterodactyl || e == WingsError::Unreachable) {
        Ok(())
    } else {
        Err(daemon_error(d, &e))
    }
}
