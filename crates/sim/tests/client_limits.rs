//! The Client API's limiters: the client limit per user (separate from the application
//! bucket), Pelican's per-server limiters and Pterodactyl's file-pull throttle, each answering
//! 429 with `Retry-After`; windows pass with the sim's clock.

mod common;

use common::both;
use common::client::{World, client_config, world, world_with};
use reqwest::Method;
use roost_sim::Dialect;
use serde_json::{Value, json};

fn schedule() -> Value {
    json!({"name": "n", "minute": "0", "hour": "0", "day_of_month": "*", "month": "*", "day_of_week": "*"})
}

#[tokio::test]
async fn the_client_limit_is_per_user_and_apart_from_the_application_bucket() {
    for d in both() {
        let mut cfg = client_config(d);
        cfg.client_rate_limit = Some(3);
        cfg.rate_limit = Some(1);
        let w = world_with(cfg).await;
        for i in 0..3 {
            let r = w.get(&w.owner_key, &w.srv("")).await;
            assert_eq!(r.code(), 200, "{d} {i}");
            assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some("3"));
            assert_eq!(r.header("x-ratelimit-remaining"), Some((2 - i).to_string()));
        }
        let r = w.get(&w.owner_key, &w.srv("")).await;
        assert_eq!(r.code(), 429, "{d}");
        assert_eq!(r.errors()[0].0, "ThrottleRequestsException");
        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(r.header("x-ratelimit-remaining").as_deref(), Some("0"));
        // Another user has their own bucket; the application key its own.
        assert_eq!(w.get(&w.sub_key, &w.srv("")).await.code(), 200);
        assert_eq!(
            w.t.get("/users").await.code(),
            200,
            "{d}: application bucket"
        );
        w.advance(61);
        assert_eq!(
            w.get(&w.owner_key, &w.srv("")).await.code(),
            200,
            "{d}: a new window"
        );
    }
}

/// A route limiter's 429: `Retry-After` within the window.
fn assert_limited(r: &common::Resp, window: u64, what: &str) {
    assert_eq!(r.code(), 429, "{what}: {}", r.text);
    assert_eq!(r.errors()[0].0, "ThrottleRequestsException", "{what}");
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= window, "{what}: {retry}");
}

async fn hit(w: &World, key: &str, m: Method, path: &str, body: Option<Value>) -> common::Resp {
    w.call(key, m, &w.srv(path), body).await
}

#[tokio::test]
async fn pelican_per_server_limiters() {
    // (method, path, body, allowed, window seconds)
    let cases: Vec<(Method, &str, Option<Value>, usize, u64)> = vec![
        (Method::GET, "/websocket", None, 5, 60),
        (
            Method::POST,
            "/databases",
            Some(json!({"database": "main", "remote": "%"})),
            2,
            60,
        ),
        (Method::POST, "/network/allocations", None, 2, 60),
        (Method::POST, "/schedules", Some(schedule()), 2, 60),
        (
            Method::POST,
            "/users",
            Some(json!({"email": "x@example.com", "permissions": []})),
            10,
            900,
        ),
        (
            Method::POST,
            "/files/pull",
            Some(json!({"url": "https://example.com/a.zip"})),
            5,
            600,
        ),
    ];
    for (m, path, body, allowed, window) in cases {
        let w = world(Dialect::Pelican).await;
        for i in 0..allowed {
            // Owner and admin share the server's bucket.
            let key = if i % 2 == 0 {
                &w.owner_key
            } else {
                &w.admin_key
            };
            let r = hit(&w, key, m.clone(), path, body.clone()).await;
            assert_ne!(r.code(), 429, "{path} #{i}: {}", r.text);
        }
        let r = hit(&w, &w.owner_key, m.clone(), path, body.clone()).await;
        assert_limited(&r, window, path);
        w.advance(window + 1);
        let r = hit(&w, &w.owner_key, m.clone(), path, body.clone()).await;
        assert_ne!(r.code(), 429, "{path} after the window");
    }
}

#[tokio::test]
async fn pelican_restore_limiter_counts_three_per_fifteen_minutes() {
    let w = world(Dialect::Pelican).await;
    let now = w.t.sim.state().now();
    w.t.sim.mutate(|s| {
        s.insert_backup(common::fixtures::backup(
            w.server,
            80,
            now,
            common::fixtures::BackupKind::Successful,
        ))
    });
    let uuid = w.t.sim.state().backups[&80].uuid.clone();
    let path = format!("/backups/{uuid}/restore");
    for i in 0..3 {
        let r = hit(
            &w,
            &w.owner_key,
            Method::POST,
            &path,
            Some(json!({"truncate": false})),
        )
        .await;
        assert_eq!(r.code(), 500, "#{i}: the unreachable daemon: {}", r.text);
    }
    let r = hit(
        &w,
        &w.owner_key,
        Method::POST,
        &path,
        Some(json!({"truncate": false})),
    )
    .await;
    assert_limited(&r, 900, "restore");
}

/// Pterodactyl has no per-server limiters; its file pulls are throttled per user (10 / 5 min).
#[tokio::test]
async fn pterodactyl_limits_only_file_pulls_per_user() {
    let w = world(Dialect::Pterodactyl).await;
    w.without_wings();
    for i in 0..3 {
        let r = hit(
            &w,
            &w.owner_key,
            Method::POST,
            "/schedules",
            Some(schedule()),
        )
        .await;
        assert_eq!(r.code(), 200, "schedule #{i}");
    }
    let pull = Some(json!({"url": "https://example.com/a.zip"}));
    for i in 0..10 {
        let r = hit(&w, &w.owner_key, Method::POST, "/files/pull", pull.clone()).await;
        assert_eq!(r.code(), 504, "pull #{i}: {}", r.text);
    }
    let r = hit(&w, &w.owner_key, Method::POST, "/files/pull", pull.clone()).await;
    assert_limited(&r, 300, "pull");
    let r = hit(&w, &w.admin_key, Method::POST, "/files/pull", pull).await;
    assert_eq!(r.code(), 504, "another user's bucket");
}

/// The limiter runs after the access and state checks: a 409 is not counted.
#[tokio::test]
async fn limiters_do_not_count_conflicts() {
    for d in both() {
        let w = world(d).await;
        w.set_status(Some("suspended"));
        for _ in 0..8 {
            let r = hit(&w, &w.owner_key, Method::GET, "/websocket", None).await;
            assert_eq!(r.code(), 409, "{d}");
        }
        w.set_status(None);
        assert_eq!(
            hit(&w, &w.owner_key, Method::GET, "/websocket", None)
                .await
                .code(),
            200
        );
    }
}
