//! Schedule tasks (client/schedules.md "Tasks"): create and update with the panels' limit,
//! `sequence_id` shifting and the backup-limit check, and delete (Pterodactyl checks
//! `schedule.update` for it, Pelican `schedule.delete`).

use super::access::forbidden;
use super::ctx::Cx;
use super::schedules::render_task;
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Validator, php_string};
use crate::state::{SimState, Task};
use crate::util::W;
use roost_model::Dialect;
use serde_json::json;

fn check_rules(v: &mut Validator) {
    let actions = match v.dialect {
        Dialect::Pterodactyl => "command,power,backup",
        Dialect::Pelican => "command,power,backup,delete_files",
    };
    v.check("action", &format!("required|in:{actions}"));
    v.check("payload", "required_unless:action,backup|string|nullable");
    v.check("time_offset", "required|numeric|min:0|max:900");
    v.check("sequence_id", "sometimes|required|numeric|min:1");
    v.check("continue_on_failure", "sometimes|required|boolean");
}

/// A backup task on a server that may have no backups.
fn check_backup_allowed(st: &SimState, cx: &Cx, sid: u64) -> Result<(), ApiErr> {
    let zero = st
        .servers
        .get(&sid)
        .is_some_and(|s| s.backup_limit == Some(0));
    if zero && cx.str("action").as_deref() == Some("backup") {
        return Err(forbidden(
            "A backup task cannot be created when the server's backup limit is set to 0.",
        ));
    }
    Ok(())
}

fn one(t: &Task) -> Res {
    let mut w = W::new();
    render_task(&mut w, t);
    Ok(Out::json(200, w.s))
}

fn validated(st: &SimState, cx: &Cx, sid: u64) -> Result<(), ApiErr> {
    cx.access(st, sid)?.require("schedule.update")?;
    let mut v = Validator::new(cx.d, &cx.input);
    check_rules(&mut v);
    validate(v)
}

/// The task's fields from the request: (action, payload, time_offset, continue_on_failure).
fn fields(cx: &Cx) -> (String, String, i64, bool) {
    (
        cx.str("action").unwrap_or_default(),
        cx.get("payload").map(php_string).unwrap_or_default(),
        cx.integer("time_offset", 0),
        cx.boolean("continue_on_failure"),
    )
}

pub fn create(st: &mut SimState, cx: &mut Cx, sid: u64, sch: u64) -> Res {
    validated(st, cx, sid)?;
    let limit = st.settings.task_limit;
    let schedule = st.schedules.get(&sch).ok_or_else(ApiErr::not_found)?;
    if schedule.tasks.len() >= limit as usize {
        return Err(ApiErr::display(
            "ServiceLimitExceededException",
            format!(
                "Schedules may not have more than {limit} tasks associated with them. Creating this task would put this schedule over the limit."
            ),
        ));
    }
    check_backup_allowed(st, cx, sid)?;
    let next = schedule
        .tasks
        .iter()
        .map(|t| t.sequence_id)
        .max()
        .unwrap_or(0)
        + 1;
    let wanted = cx.integer("sequence_id", next).max(1);
    let (action, payload, time_offset, continue_on_failure) = fields(cx);
    let now = st.now();
    let id = SimState::next_id(&mut st.counters.task);
    let schedule = st.schedules.get_mut(&sch).ok_or_else(ApiErr::not_found)?;
    let sequence_id = if wanted < next {
        for t in schedule
            .tasks
            .iter_mut()
            .filter(|t| t.sequence_id >= wanted)
        {
            t.sequence_id += 1;
        }
        wanted
    } else {
        next
    };
    let task = Task {
        id,
        sequence_id,
        action,
        payload,
        time_offset,
        is_queued: false,
        continue_on_failure,
        created_at: now,
        updated_at: now,
    };
    schedule.tasks.push(task.clone());
    let name = schedule.name.clone();
    cx.changed = true;
    cx.log(
        "server:task.create",
        Some(sid),
        json!({"name": name, "action": task.action, "payload": task.payload}),
    );
    one(&task)
}

pub fn update(st: &mut SimState, cx: &mut Cx, sid: u64, sch: u64, id: u64) -> Res {
    validated(st, cx, sid)?;
    check_backup_allowed(st, cx, sid)?;
    let (action, payload, time_offset, continue_on_failure) = fields(cx);
    let now = st.now();
    let schedule = st.schedules.get_mut(&sch).ok_or_else(ApiErr::not_found)?;
    let current = schedule
        .tasks
        .iter()
        .find(|t| t.id == id)
        .map(|t| t.sequence_id)
        .ok_or_else(ApiErr::not_found)?;
    let wanted = cx.integer("sequence_id", current).max(1);
    for t in schedule.tasks.iter_mut().filter(|t| t.id != id) {
        if wanted < current && t.sequence_id >= wanted && t.sequence_id < current {
            t.sequence_id += 1;
        } else if wanted > current && t.sequence_id > current && t.sequence_id <= wanted {
            t.sequence_id -= 1;
        }
    }
    let name = schedule.name.clone();
    let t = schedule
        .tasks
        .iter_mut()
        .find(|t| t.id == id)
        .ok_or_else(ApiErr::not_found)?;
    let (old_action, old_payload) = (t.action.clone(), t.payload.clone());
    t.sequence_id = wanted;
    t.action = action;
    t.payload = payload;
    t.time_offset = time_offset;
    t.continue_on_failure = continue_on_failure;
    t.updated_at = now;
    let task = t.clone();
    cx.changed = true;
    // Pterodactyl logs the task model it did not refresh (the old values), Pelican the new.
    let (action, payload) = match cx.d {
        Dialect::Pterodactyl => (old_action, old_payload),
        Dialect::Pelican => (task.action.clone(), task.payload.clone()),
    };
    cx.log(
        "server:task.update",
        Some(sid),
        json!({"name": name, "action": action, "payload": payload}),
    );
    one(&task)
}

pub fn delete(st: &mut SimState, cx: &mut Cx, sid: u64, sch: u64, id: u64) -> Res {
    let perm = match cx.d {
        Dialect::Pterodactyl => "schedule.update",
        Dialect::Pelican => "schedule.delete",
    };
    if !cx.access(st, sid)?.can(perm) {
        return Err(forbidden(
            "You do not have permission to perform this action.",
        ));
    }
    let schedule = st.schedules.get_mut(&sch).ok_or_else(ApiErr::not_found)?;
    let seq = schedule
        .tasks
        .iter()
        .find(|t| t.id == id)
        .map(|t| t.sequence_id)
        .ok_or_else(ApiErr::not_found)?;
    schedule.tasks.retain(|t| t.id != id);
    for t in schedule.tasks.iter_mut().filter(|t| t.sequence_id > seq) {
        t.sequence_id -= 1;
    }
    let name = schedule.name.clone();
    cx.changed = true;
    cx.log("server:task.delete", Some(sid), json!({"name": name}));
    Ok(Out::empty())
}
