//! Schedules, through the Client API: created (verified by a re-read of the server's schedules
//! before any re-send, in `ClientApi::create_schedule`), replaced in full on update, tasks added,
//! rewritten in place and deleted as the plan lists them. A server still installing is waited
//! for (`server_level::when_installed`).

use crate::context::ApplyCx;
use crate::run::gone_is_done;
use crate::server_level::{client_api, explain, identifier, when_installed};
use roost_panel::{Cron, ScheduleBody, TaskBody};
use roost_plan::Change;
use roost_plan::kinds::schedule::{Op, ScheduleSpec, TaskSpec};

fn schedule_body(s: &ScheduleSpec) -> ScheduleBody {
    ScheduleBody {
        name: s.name.clone(),
        cron: Cron {
            minute: s.cron.minute.clone(),
            hour: s.cron.hour.clone(),
            day_of_month: s.cron.day_of_month.clone(),
            month: s.cron.month.clone(),
            day_of_week: s.cron.day_of_week.clone(),
        },
        is_active: s.enabled,
        only_when_online: s.only_when_online,
    }
}

fn task_body(t: &TaskSpec, sequence_id: Option<u32>) -> TaskBody {
    TaskBody {
        action: t.action.clone(),
        payload: t.payload.clone(),
        time_offset: t.offset,
        sequence_id,
        continue_on_failure: t.continue_on_failure,
    }
}

pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
    let address = &change.address;
    let api = client_api(cx, address)?;
    match op {
        Op::Create {
            server,
            identifier: known,
            schedule,
        } => {
            let ident = identifier(cx, server, known).await?;
            let body = schedule_body(schedule);
            let made = when_installed(cx, address, api, &ident, || api.create_schedule(&ident, &body))
                .await
                .map_err(|e| explain(cx, e))?;
            cx.set_id(address, made.id);
            Ok(())
        }
        Op::Update {
            identifier,
            id,
            schedule,
        } => {
            let body = schedule_body(schedule);
            when_installed(cx, address, api, identifier, || api.update_schedule(identifier, *id, &body))
                .await
                .map(|_| ())
                .map_err(|e| explain(cx, e))
        }
        Op::Delete { identifier, id } => {
            gone_is_done(op, api.delete_schedule(identifier, *id).await)
        }
        Op::CreateTask {
            server,
            identifier: known,
            schedule,
            task,
        } => {
            let ident = identifier(cx, server, known).await?;
            let schedule = cx.resolve(schedule)?;
            let body = task_body(task, None);
            when_installed(cx, address, api, &ident, || api.create_task(&ident, schedule, &body))
                .await
                .map(|_| ())
                .map_err(|e| explain(cx, e))
        }
        Op::UpdateTask {
            identifier,
            schedule,
            id,
            sequence_id,
            task,
        } => {
            let body = task_body(task, Some(*sequence_id));
            when_installed(cx, address, api, identifier, || {
                api.update_task(identifier, *schedule, *id, &body)
            })
            .await
            .map(|_| ())
            .map_err(|e| explain(cx, e))
        }
        Op::DeleteTask {
            identifier,
            schedule,
            id,
        } => gone_is_done(op, api.delete_task(identifier, *schedule, *id).await),
    }
}
