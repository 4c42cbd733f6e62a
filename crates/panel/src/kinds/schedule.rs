//! Schedules, read through the Client API (`client_api/schedules.rs` holds the wire types and
//! endpoints): the live schedules of the servers a plan needs, one request per server, mapped
//! into the model's live types. A server the panel will not answer for (409: still installing,
//! suspended, …) is recorded as unreadable with the panel's reason; any other error fails the
//! read, so that a plan is never made from schedules it could not see.

use crate::client_api::{ClientApi, Schedule, Task};
use crate::error::PanelError;
use roost_model::{CronSpec, Kind, Live, LiveSchedule, LiveTask, ServerLevelRead};

/// What the Client API says of one schedule, in the model's live shape.
pub fn live_schedule(server_id: u64, s: &Schedule) -> LiveSchedule {
    LiveSchedule {
        id: s.id,
        server_id,
        name: s.name.clone(),
        cron: CronSpec {
            minute: s.cron.minute.clone(),
            hour: s.cron.hour.clone(),
            day_of_month: s.cron.day_of_month.clone(),
            month: s.cron.month.clone(),
            day_of_week: s.cron.day_of_week.clone(),
        },
        is_active: s.is_active,
        only_when_online: s.only_when_online,
        tasks: s.tasks.iter().map(live_task).collect(),
    }
}

pub fn live_task(t: &Task) -> LiveTask {
    LiveTask {
        id: t.id,
        sequence_id: t.sequence_id,
        action: t.action.clone(),
        payload: t.payload.clone(),
        time_offset: t.time_offset,
        continue_on_failure: t.continue_on_failure,
    }
}

/// The server-level state of `servers` (Application-API id, Client-API identifier, the kinds to
/// read) into `live`: one request per server and kind, counted in `live.refresh_requests`.
pub async fn read_server_level(
    api: &ClientApi,
    servers: &[(u64, String, Vec<Kind>)],
    live: &mut Live,
) -> Result<(), PanelError> {
    for (id, identifier, kinds) in servers {
        let mut state = ServerLevelRead::Read(kinds.clone());
        for kind in kinds {
            live.refresh_requests += 1;
            let read = match kind {
                Kind::Schedule => api.schedules(identifier).await.map(|list| {
                    live.schedules
                        .extend(list.iter().map(|s| live_schedule(*id, s)));
                }),
                Kind::Subuser => api.subusers(identifier).await.map(|list| {
                    live.subusers.extend(
                        list.iter()
                            .map(|s| crate::kinds::subuser::live_subuser(*id, s)),
                    );
                }),
                _ => Ok(()),
            };
            match read {
                Ok(()) => {}
                Err(PanelError::StateConflict { state: s, .. }) => {
                    state = ServerLevelRead::Unreadable(format!("the server is {s} (409)"));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        live.server_level.insert(*id, state);
    }
    Ok(())
}
