//! Schedules and tasks on the Client API: sequence ids, the task limit, backup tasks on servers
//! without backups, and "run now" with the daemon unreachable or accepting.

mod common;

use common::both;
use common::client::{World, accepting_wings, world};
use reqwest::Method;
use roost_sim::Dialect;
use serde_json::{Value, json};

async fn schedule(w: &World, body: Value) -> u64 {
    // Past Pelican's 2-per-minute limiter.
    w.advance(31);
    let r = w.post(&w.owner_key, &w.srv("/schedules"), body).await;
    assert_eq!(r.code(), 200, "{}", r.text);
    r.json()["attributes"]["id"].as_u64().unwrap()
}

fn body(online: bool) -> Value {
    json!({"name": "restart", "minute": "0", "hour": "4", "day_of_month": "*", "month": "*",
           "day_of_week": "*", "is_active": true, "only_when_online": online})
}

async fn task(w: &World, id: u64, t: Value) -> common::Resp {
    w.post(&w.owner_key, &w.srv(&format!("/schedules/{id}/tasks")), t)
        .await
}

/// (task id, sequence id) by sequence.
async fn order(w: &World, id: u64) -> Vec<(u64, i64)> {
    let s = w
        .get(&w.owner_key, &w.srv(&format!("/schedules/{id}")))
        .await
        .json();
    let mut v: Vec<(u64, i64)> = s["attributes"]["relationships"]["tasks"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["attributes"]["id"].as_u64().unwrap(),
                t["attributes"]["sequence_id"].as_i64().unwrap(),
            )
        })
        .collect();
    v.sort_by_key(|x| x.1);
    v
}

#[tokio::test]
async fn sequence_ids_shift_on_create_update_and_delete() {
    for d in both() {
        let w = world(d).await;
        let id = schedule(&w, body(false)).await;
        let mut ids = Vec::new();
        for cmd in ["a", "b", "c"] {
            let r = task(
                &w,
                id,
                json!({"action": "command", "payload": cmd, "time_offset": 0}),
            )
            .await;
            assert_eq!(r.code(), 200, "{}", r.text);
            ids.push(r.json()["attributes"]["id"].as_u64().unwrap());
        }
        // Inserted first: the others move up.
        let r = task(
            &w,
            id,
            json!({"action": "power", "payload": "restart", "time_offset": 5, "sequence_id": 1}),
        )
        .await;
        let first = r.json()["attributes"]["id"].as_u64().unwrap();
        assert_eq!(
            order(&w, id).await,
            vec![(first, 1), (ids[0], 2), (ids[1], 3), (ids[2], 4)]
        );
        // Moving the last task to 2 shifts the ones in between.
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/schedules/{id}/tasks/{}", ids[2])),
                json!({"action": "command", "payload": "c", "time_offset": 0, "sequence_id": 2}),
            )
            .await;
        assert_eq!(r.code(), 200, "{}", r.text);
        assert_eq!(
            order(&w, id).await,
            vec![(first, 1), (ids[2], 2), (ids[0], 3), (ids[1], 4)]
        );
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/schedules/{id}/tasks/{first}")),
                None,
            )
            .await;
        assert_eq!(r.code(), 204);
        assert_eq!(
            order(&w, id).await,
            vec![(ids[2], 1), (ids[0], 2), (ids[1], 3)]
        );
    }
}

#[tokio::test]
async fn task_rules_limit_and_backup_tasks() {
    for d in both() {
        let w = world(d).await;
        let id = schedule(&w, body(false)).await;
        let r = task(&w, id, json!({"action": "command", "time_offset": 1000})).await;
        assert_eq!(r.code(), 422);
        assert_eq!(
            r.rules(),
            vec![
                ("payload".into(), "required_unless".into()),
                ("time_offset".into(), "max".into())
            ]
        );
        let r = task(
            &w,
            id,
            json!({"action": "delete_files", "payload": "logs", "time_offset": 0}),
        )
        .await;
        assert_eq!(
            r.code(),
            if d == Dialect::Pelican { 200 } else { 422 },
            "{d} delete_files"
        );
        w.t.sim
            .mutate(|s| s.servers.get_mut(&w.server).unwrap().backup_limit = Some(0));
        let r = task(&w, id, json!({"action": "backup", "time_offset": 0})).await;
        assert_eq!(r.code(), 403);
        assert_eq!(r.errors()[0].0, "HttpForbiddenException");
        w.t.sim.mutate(|s| s.settings.task_limit = 2);
        let have = order(&w, id).await.len();
        for _ in have..2 {
            assert_eq!(
                task(
                    &w,
                    id,
                    json!({"action": "command", "payload": "x", "time_offset": 0})
                )
                .await
                .code(),
                200
            );
        }
        let r = task(
            &w,
            id,
            json!({"action": "command", "payload": "x", "time_offset": 0}),
        )
        .await;
        assert_eq!(r.code(), 400);
        assert_eq!(r.errors()[0].0, "ServiceLimitExceededException");
        assert_eq!(
            r.json()["errors"][0]["detail"],
            "Schedules may not have more than 2 tasks associated with them. Creating this task would put this schedule over the limit."
        );
    }
}

#[tokio::test]
async fn run_now_hands_the_first_task_to_wings() {
    for d in both() {
        let w = world(d).await;
        w.without_wings();
        let id = schedule(&w, body(false)).await;
        let path = w.srv(&format!("/schedules/{id}/execute"));
        let r = w.post(&w.owner_key, &path, json!({})).await;
        assert_eq!(r.code(), 400);
        assert_eq!(
            r.json()["errors"][0]["detail"],
            "Cannot process schedule for task execution: no tasks are registered."
        );
        task(
            &w,
            id,
            json!({"action": "command", "payload": "say hi", "time_offset": 0}),
        )
        .await;
        let r = w.post(&w.owner_key, &path, json!({})).await;
        let expected = if d == Dialect::Pterodactyl { 504 } else { 500 };
        assert_eq!(
            r.code(),
            expected,
            "{d}: the daemon is unreachable: {}",
            r.text
        );
        let s = w
            .get(&w.owner_key, &w.srv(&format!("/schedules/{id}")))
            .await
            .json();
        assert_eq!(
            s["attributes"]["is_processing"], false,
            "{d}: the failed run ended"
        );
        assert!(s["attributes"]["last_run_at"].is_string());
        w.t.sim.set_wings(accepting_wings());
        let r = w.post(&w.owner_key, &path, json!({})).await;
        assert_eq!((r.code(), r.text.as_str()), (202, "[]"), "{d}");
        // Only when online, with a daemon that cannot say: skipped, still 202.
        w.t.sim
            .set_wings(std::sync::Arc::new(roost_sim::Unreachable));
        let online = schedule(&w, body(true)).await;
        task(
            &w,
            online,
            json!({"action": "command", "payload": "say hi", "time_offset": 0}),
        )
        .await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/schedules/{online}/execute")),
                json!({}),
            )
            .await;
        assert_eq!(r.code(), 202, "{d}: {}", r.text);
        // A task that may fail survives the unreachable daemon.
        let tolerant = schedule(&w, body(false)).await;
        task(&w, tolerant, json!({"action": "power", "payload": "start", "time_offset": 0, "continue_on_failure": true})).await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/schedules/{tolerant}/execute")),
                json!({}),
            )
            .await;
        assert_eq!(r.code(), 202, "{d}: {}", r.text);
    }
}

#[tokio::test]
async fn update_replaces_and_unsticks_processing() {
    for d in both() {
        let w = world(d).await;
        let id = schedule(&w, body(false)).await;
        w.t.sim
            .mutate(|s| s.schedules.get_mut(&id).unwrap().is_processing = true);
        let mut b = body(false);
        b["is_active"] = json!(false);
        b["name"] = json!("renamed");
        b["day_of_week"] = json!("mon-fri");
        let r = w
            .post(&w.owner_key, &w.srv(&format!("/schedules/{id}")), b)
            .await;
        assert_eq!(r.code(), 200, "{}", r.text);
        let a = &r.json()["attributes"];
        assert_eq!(a["name"], "renamed");
        assert_eq!(a["is_processing"], false);
        assert_eq!(a["cron"]["day_of_week"], "mon-fri");
        assert!(
            a["next_run_at"]
                .as_str()
                .unwrap()
                .ends_with("T04:00:00+00:00")
        );
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/schedules/{id}")),
                None,
            )
            .await;
        assert_eq!(r.code(), 204);
        assert_eq!(
            w.get(&w.owner_key, &w.srv(&format!("/schedules/{id}")))
                .await
                .code(),
            404
        );
    }
}
