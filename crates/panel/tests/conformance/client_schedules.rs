//! Schedules and their tasks through `ClientApi`, both dialects: create, read, list, update,
//! run now, and delete, each read back; a bad cron and the task limit as typed refusals.

use crate::client_common::*;
use roost_panel::{ClientApi, Cron, Dialect, PanelError, Refusal, ScheduleBody, TaskBody};
use roost_sim::WingsCall;

pub fn nightly(name: &str) -> ScheduleBody {
    ScheduleBody {
        name: name.into(),
        cron: Cron {
            minute: "0".into(),
            hour: "4".into(),
            day_of_month: "*".into(),
            month: "*".into(),
            day_of_week: "*".into(),
        },
        is_active: true,
        only_when_online: false,
    }
}

fn task(action: &str, payload: &str, offset: u32) -> TaskBody {
    TaskBody {
        action: action.into(),
        payload: payload.into(),
        time_offset: offset,
        sequence_id: None,
        continue_on_failure: false,
    }
}

#[tokio::test]
async fn schedules_create_read_update_run_and_delete() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        let made = c.create_schedule(&id, &nightly("restart")).await.unwrap();
        assert_eq!(
            (made.name.as_str(), made.cron.hour.as_str()),
            ("restart", "4")
        );
        assert!(made.next_run_at.is_some(), "{d}");
        let listed = c.schedules(&id).await.unwrap();
        assert_eq!(listed.len(), 1, "{d}");
        assert_eq!(listed[0].id, made.id);
        let mut body = nightly("restart at six");
        body.cron.hour = "6".into();
        body.is_active = false;
        let updated = c.update_schedule(&id, made.id, &body).await.unwrap();
        assert_eq!(updated.name, "restart at six");
        let read = c.schedule(&id, made.id).await.unwrap();
        assert_eq!(
            (read.cron.hour.as_str(), read.is_active),
            ("6", false),
            "{d}"
        );
        let t = c
            .create_task(&id, made.id, &task("command", "say bye", 0))
            .await
            .unwrap();
        c.execute_schedule(&id, made.id).await.unwrap();
        let ran = p
            .disk
            .calls()
            .iter()
            .any(|w| matches!(w, WingsCall::Command { command } if command == "say bye"));
        assert!(ran, "{d}: the first task runs inline");
        c.delete_task(&id, made.id, t.id).await.unwrap();
        c.delete_schedule(&id, made.id).await.unwrap();
        assert!(c.schedules(&id).await.unwrap().is_empty(), "{d}");
        let e = c.schedule(&id, made.id).await.unwrap_err();
        assert!(matches!(e, PanelError::NotFound { .. }), "{d}: {e:?}");
        p.shutdown().await;
    }
}

#[tokio::test]
async fn tasks_create_update_order_and_delete() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        let s = c.create_schedule(&id, &nightly("backup")).await.unwrap();
        let first = c
            .create_task(&id, s.id, &task("command", "save-all", 0))
            .await
            .unwrap();
        let second = c
            .create_task(&id, s.id, &task("power", "restart", 30))
            .await
            .unwrap();
        assert_eq!((first.sequence_id, second.sequence_id), (1, 2), "{d}");
        let mut body = task("command", "save-all flush", 5);
        body.continue_on_failure = true;
        let t = c.update_task(&id, s.id, first.id, &body).await.unwrap();
        assert_eq!((t.payload.as_str(), t.time_offset), ("save-all flush", 5));
        let read = c.schedule(&id, s.id).await.unwrap();
        assert_eq!(read.tasks.len(), 2, "{d}");
        let t1 = read.tasks.iter().find(|t| t.id == first.id).unwrap();
        assert!(t1.continue_on_failure, "{d}");
        c.delete_task(&id, s.id, first.id).await.unwrap();
        let read = c.schedule(&id, s.id).await.unwrap();
        let ids: Vec<u64> = read.tasks.iter().map(|t| t.id).collect();
        assert_eq!(ids, [second.id], "{d}");
        p.shutdown().await;
    }
}

#[tokio::test]
async fn bad_cron_and_task_limit_are_typed_refusals() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c: ClientApi = p.owner();
        let id = p.ident();
        let mut bad = nightly("bad");
        bad.cron.minute = "61".into();
        let e = c.create_schedule(&id, &bad).await.unwrap_err();
        assert!(
            matches!(
                e,
                PanelError::Refused {
                    reason: Refusal::Display,
                    ..
                }
            ),
            "{d}: {e:?}"
        );
        assert!(
            c.schedules(&id).await.unwrap().is_empty(),
            "{d}: nothing made"
        );
        p.sim.mutate(|s| s.settings.task_limit = 1);
        let s = c.create_schedule(&id, &nightly("one task")).await.unwrap();
        c.create_task(&id, s.id, &task("command", "a", 0))
            .await
            .unwrap();
        let e = c
            .create_task(&id, s.id, &task("command", "b", 0))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                PanelError::Refused {
                    reason: Refusal::ServiceLimitExceeded,
                    ..
                }
            ),
            "{d}: {e:?}"
        );
        p.shutdown().await;
    }
}
