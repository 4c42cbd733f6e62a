//! Schedules running on the sim's clock against the emulated Wings: the panel's cron starts a
//! schedule when the clock reaches its `next_run_at`, the tasks follow in sequence with their
//! offsets, `only_when_online` skips a run, `continue_on_failure` as each dialect has it, and
//! `execute` runs the first task inside the request.

mod common;

use common::both;
use common::client::{World, world};
use roost_sim::Dialect;
use serde_json::{Value, json};

/// A schedule every five minutes with the given tasks; returns (id, next_run_at).
async fn schedule(w: &World, active: bool, online_only: bool, tasks: &[Value]) -> (u64, i64) {
    let body = json!({"name": "every five", "minute": "*/5", "hour": "*", "day_of_month": "*",
        "month": "*", "day_of_week": "*", "is_active": active, "only_when_online": online_only});
    let r = w.post(&w.owner_key, &w.srv("/schedules"), body).await;
    assert_eq!(r.code(), 200, "{}", r.text);
    let id = r.json()["attributes"]["id"].as_u64().unwrap();
    for t in tasks {
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/schedules/{id}/tasks")),
                t.clone(),
            )
            .await;
        assert_eq!(r.code(), 200, "{}", r.text);
    }
    let next = w.t.sim.state().schedules[&id].next_run_at.unwrap();
    (id, next)
}

fn task(action: &str, payload: &str, offset: i64, continue_on_failure: bool) -> Value {
    json!({"action": action, "payload": payload, "time_offset": offset,
           "continue_on_failure": continue_on_failure})
}

/// Moves the clock to `at` (sim seconds) plus `extra` seconds.
fn advance_to(w: &World, at: i64, extra: i64) {
    let now = w.t.sim.state().now();
    w.advance((at - now + extra).max(0) as u64);
}

async fn schedule_json(w: &World, id: u64) -> Value {
    let r = w
        .get(&w.owner_key, &w.srv(&format!("/schedules/{id}")))
        .await;
    assert_eq!(r.code(), 200, "{}", r.text);
    r.json()["attributes"].clone()
}

async fn daemon_state(w: &World) -> String {
    // Past the panel's 20-second resources cache.
    w.advance(21);
    let r = w.get(&w.owner_key, &w.srv("/resources")).await;
    r.json()["attributes"]["current_state"]
        .as_str()
        .unwrap()
        .to_string()
}

fn said(w: &World, line: &str) -> bool {
    w.t.sim.console(&w.uuid).iter().any(|l| l == line)
}

#[tokio::test]
async fn a_schedule_fires_at_its_cron_time_with_task_offsets() {
    for d in both() {
        let w = world(d).await;
        let tasks = [
            task("power", "start", 0, false),
            task("command", "say hi", 10, false),
        ];
        let (id, next) = schedule(&w, true, false, &tasks).await;
        advance_to(&w, next, -2);
        let s = schedule_json(&w, id).await;
        assert_eq!(
            (s["is_processing"].as_bool(), &s["last_run_at"]),
            (Some(false), &Value::Null),
            "{d}"
        );
        advance_to(&w, next, 1);
        let s = schedule_json(&w, id).await;
        assert_eq!(s["is_processing"], true, "{d}: the run is under way");
        let queued: Vec<bool> = s["relationships"]["tasks"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["attributes"]["is_queued"].as_bool().unwrap())
            .collect();
        assert_eq!(queued, [false, true], "{d}: the command waits its offset");
        assert!(!said(&w, "say hi"), "{d}");
        advance_to(&w, next, 10);
        let s = schedule_json(&w, id).await;
        assert!(said(&w, "say hi"), "{d}: {:?}", w.t.sim.console(&w.uuid));
        assert_eq!(s["is_processing"], false, "{d}");
        assert!(s["last_run_at"].is_string());
        let moved = w.t.sim.state().schedules[&id].next_run_at.unwrap();
        assert_eq!(moved, next + 300, "{d}: the next five minutes");
        assert_eq!(daemon_state(&w).await, "running", "{d}");
    }
}

#[tokio::test]
async fn an_inactive_schedule_does_not_fire() {
    for d in both() {
        let w = world(d).await;
        let (id, next) = schedule(&w, false, false, &[task("power", "start", 0, false)]).await;
        advance_to(&w, next, 1);
        assert_eq!(
            schedule_json(&w, id).await["last_run_at"],
            Value::Null,
            "{d}"
        );
        assert_eq!(daemon_state(&w).await, "offline", "{d}");
    }
}

#[tokio::test]
async fn only_when_online_skips_a_run_while_the_server_is_off() {
    for d in both() {
        let w = world(d).await;
        let (id, next) = schedule(&w, true, true, &[task("command", "say online", 0, false)]).await;
        advance_to(&w, next, 1);
        let s = schedule_json(&w, id).await;
        assert!(
            s["last_run_at"].is_string(),
            "{d}: the run happened and did nothing"
        );
        assert!(!said(&w, "say online"), "{d}");
        let r = w
            .post(&w.owner_key, &w.srv("/power"), json!({"signal": "start"}))
            .await;
        assert_eq!(r.code(), 204);
        advance_to(&w, next + 300, 1);
        schedule_json(&w, id).await;
        assert!(said(&w, "say online"), "{d}: runs once the server is on");
    }
}

/// A power task with a signal Wings refuses (422): Pterodactyl goes on with
/// `continue_on_failure`, Pelican only survives an unreachable daemon and stops.
#[tokio::test]
async fn continue_on_failure_as_each_dialect_has_it() {
    for d in both() {
        for keep_going in [false, true] {
            let w = world(d).await;
            let tasks = [
                task("power", "dance", 0, keep_going),
                task("power", "start", 5, false),
            ];
            let (_, next) = schedule(&w, true, false, &tasks).await;
            advance_to(&w, next, 6);
            w.get(&w.owner_key, &w.srv("/schedules")).await;
            let expected = if keep_going && d == Dialect::Pterodactyl {
                "running"
            } else {
                "offline"
            };
            assert_eq!(
                daemon_state(&w).await,
                expected,
                "{d} continue_on_failure={keep_going}"
            );
        }
    }
}

#[tokio::test]
async fn execute_runs_the_first_task_in_the_request_and_queues_the_rest() {
    for d in both() {
        let w = world(d).await;
        let tasks = [
            task("power", "start", 60, false),
            task("command", "say later", 30, false),
        ];
        let (id, _) = schedule(&w, false, false, &tasks).await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/schedules/{id}/execute")),
                json!({}),
            )
            .await;
        assert_eq!((r.code(), r.text.as_str()), (202, "[]"), "{d}");
        assert!(
            w.t.sim
                .console(&w.uuid)
                .iter()
                .any(|l| l.contains("Updating process configuration files")),
            "{d}: the first task ran inside the request, its offset ignored"
        );
        assert_eq!(schedule_json(&w, id).await["is_processing"], true, "{d}");
        w.advance(29);
        schedule_json(&w, id).await;
        assert!(!said(&w, "say later"), "{d}");
        w.advance(2);
        let s = schedule_json(&w, id).await;
        assert!(
            said(&w, "say later"),
            "{d}: an inactive schedule run by hand goes on"
        );
        assert_eq!(s["is_processing"], false, "{d}");
    }
}

/// The first task's daemon failure is the request's (Pterodactyl: a command to a stopped
/// server is a 502; Pelican never sees command errors).
#[tokio::test]
async fn execute_fails_with_the_first_tasks_daemon_error() {
    for d in both() {
        let w = world(d).await;
        let (id, _) = schedule(&w, true, false, &[task("command", "say hi", 0, false)]).await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/schedules/{id}/execute")),
                json!({}),
            )
            .await;
        let expected = if d == Dialect::Pterodactyl { 502 } else { 202 };
        assert_eq!(r.code(), expected, "{d}: {}", r.text);
        assert_eq!(schedule_json(&w, id).await["is_processing"], false, "{d}");
    }
}

/// A backup task makes a backup that completes on the clock like any other.
#[tokio::test]
async fn a_backup_task_creates_a_backup() {
    for d in both() {
        let w = world(d).await;
        let (_, next) = schedule(&w, true, false, &[task("backup", "", 0, false)]).await;
        advance_to(&w, next, 1);
        w.get(&w.owner_key, &w.srv("/backups")).await;
        advance_to(&w, next, 7);
        let r = w.get(&w.owner_key, &w.srv("/backups")).await;
        let data = r.json()["data"].clone();
        assert_eq!(data.as_array().unwrap().len(), 1, "{d}: {}", r.text);
        assert_eq!(data[0]["attributes"]["is_successful"], true, "{d}");
    }
}
