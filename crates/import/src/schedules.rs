//! A server's schedules, from the schedules the Client API listed for it (the caller reads them
//! when a client key is at hand). A schedule a manifest cannot declare as the panel holds it
//! (a name used twice, a cron or task the manifest rules reject) is left out with a warning:
//! roost leaves it alone unless `prune` lists schedules.

use crate::Imported;
use roost_model::{
    CronSpec, Live, LiveSchedule, LiveServer, POWER_SIGNALS, SCHEDULE_TASK_LIMIT, Schedule,
    ScheduleTask, TASK_OFFSET_MAX, TaskAction,
};
use std::collections::BTreeMap;

pub(crate) fn of_server(
    live: &Live,
    s: &LiveServer,
    out: &mut Imported,
) -> BTreeMap<String, Schedule> {
    let mine: Vec<&LiveSchedule> = live
        .schedules
        .iter()
        .filter(|x| x.server_id == s.id)
        .collect();
    let mut schedules = BTreeMap::new();
    for l in &mine {
        let why = if mine.iter().filter(|x| x.name == l.name).count() > 1 {
            Err("shares its name with another schedule of the server".to_string())
        } else {
            declarable(l)
        };
        match why {
            Ok(schedule) => {
                schedules.insert(l.name.clone(), schedule);
                out.count("schedules", 1);
            }
            Err(why) => out.warnings.push(format!(
                "server \"{}\" (id {}): schedule \"{}\" {why}; not imported (roost leaves it alone unless `prune` lists schedules)",
                s.name, s.id, l.name
            )),
        }
    }
    schedules
}

/// The schedule as a manifest declares it, or why it cannot.
fn declarable(l: &LiveSchedule) -> Result<Schedule, String> {
    if l.name.trim().is_empty() {
        return Err("has an empty name".into());
    }
    let cron: CronSpec = l.cron.clone();
    cron.check()
        .map_err(|e| format!("has a cron the manifests do not accept ({e})"))?;
    if l.tasks.len() > SCHEDULE_TASK_LIMIT {
        return Err(format!("has more than {SCHEDULE_TASK_LIMIT} tasks"));
    }
    let tasks = l
        .tasks
        .iter()
        .map(|t| {
            let action = TaskAction::from_panel(&t.action)
                .ok_or_else(|| format!("has a task of unknown action `{}`", t.action))?;
            let payload_ok = match action {
                TaskAction::Backup => true,
                TaskAction::Power => POWER_SIGNALS.contains(&t.payload.as_str()),
                TaskAction::Command | TaskAction::DeleteFiles => !t.payload.trim().is_empty(),
            };
            if !payload_ok {
                return Err(format!(
                    "has a `{}` task with payload {:?}",
                    t.action, t.payload
                ));
            }
            let offset = u32::try_from(t.time_offset)
                .ok()
                .filter(|o| *o <= TASK_OFFSET_MAX)
                .ok_or_else(|| format!("has a task offset of {} s", t.time_offset))?;
            Ok(ScheduleTask {
                action,
                payload: t.payload.clone(),
                offset,
                continue_on_failure: t.continue_on_failure,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Schedule {
        name: l.name.clone(),
        cron,
        enabled: l.is_active,
        only_when_online: l.only_when_online,
        tasks,
        origin: Default::default(),
    })
}
