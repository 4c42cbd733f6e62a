//! Rate limiting, fault injection, persistence and the admin interface.
mod common;
use common::*;
use reqwest::Method;
use roost_sim::{Dialect, FaultAction, FaultRule, Faults, LoggedRequest, SimState};
use serde_json::json;

fn rule(method: Option<&str>, path: &str, nth: u32, times: u32, action: FaultAction) -> FaultRule {
    FaultRule {
        method: method.map(String::from),
        path: path.into(),
        nth,
        times,
        action,
    }
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    for d in both() {
        let mut cfg = config(d);
        cfg.rate_limit = Some(3);
        let t = start_with(cfg).await;
        for left in [2, 1, 0] {
            let r = t.get("/users").await;
            assert_eq!(r.code(), 200);
            assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some("3"));
            assert_eq!(r.header("x-ratelimit-remaining"), Some(left.to_string()));
        }
        let r = t.get("/users").await;
        assert_eq!(r.code(), 429);
        assert_eq!(
            r.json(),
            json!({"errors":[{"code":"ThrottleRequestsException","status":"429","detail":"Too Many Attempts."}]})
        );
        assert!(r.header("retry-after").is_some());
        assert!(r.header("x-ratelimit-reset").is_some());
        assert_eq!(r.header("x-ratelimit-remaining").as_deref(), Some("0"));
        // 401 is decided before the limiter.
        assert_eq!(
            t.raw(Method::GET, "/users", None, None, true).await.code(),
            401
        );
        t.sim.set_rate_limit(None);
        let r = t.get("/users").await;
        assert_eq!(r.code(), 200);
        assert!(r.header("x-ratelimit-limit").is_none());
        // Default limits per dialect.
        assert_eq!(
            roost_sim::SimConfig::new(d).rate_limit,
            Some(d.default_rate_limit())
        );
    }
}

#[tokio::test]
async fn a_status_fault_after_commit_keeps_the_change_and_before_commit_does_not() {
    let t = start(Dialect::Pterodactyl).await;
    let body =
        json!({"email": "f@example.com", "username": "fault", "first_name": "F", "last_name": "T"});
    // Status after commit: the client sees 504 but the user exists.
    t.sim.set_faults(Faults {
        rules: vec![rule(
            Some("POST"),
            "/users",
            1,
            1,
            FaultAction::Status {
                status: 504,
                after_commit: true,
            },
        )],
        ..Default::default()
    });
    let r = t.post("/users", body.clone()).await;
    assert_eq!(r.code(), 504);
    assert_eq!(r.errors()[0].0, "DaemonConnectionException");
    assert!(t.sim.state().users.values().any(|u| u.username == "fault"));
    // Before commit: nothing changes.
    t.sim.set_faults(Faults {
        rules: vec![rule(
            None,
            "/users",
            1,
            1,
            FaultAction::Status {
                status: 500,
                after_commit: false,
            },
        )],
        ..Default::default()
    });
    let n = t.sim.state().users.len();
    let mut b2 = body.clone();
    b2["email"] = json!("g@example.com");
    b2["username"] = json!("gault");
    assert_eq!(t.post("/users", b2.clone()).await.code(), 500);
    assert_eq!(t.sim.state().users.len(), n);
    // Second request passes (times = 1).
    assert_eq!(t.post("/users", b2).await.code(), 201);
}

#[tokio::test]
async fn a_dropped_connection_after_commit_keeps_the_change() {
    let t = start(Dialect::Pterodactyl).await;
    let body =
        json!({"email": "f@example.com", "username": "fault", "first_name": "F", "last_name": "T"});
    // Drop after commit: connection closed, change applied.
    t.sim.set_faults(Faults {
        rules: vec![rule(
            Some("POST"),
            "/users",
            1,
            1,
            FaultAction::Drop { after_commit: true },
        )],
        ..Default::default()
    });
    let mut b3 = body.clone();
    b3["email"] = json!("h@example.com");
    b3["username"] = json!("hault");
    let err =
        t.c.post(format!("{}/api/application/users", t.sim.url()))
            .bearer_auth(t.sim.token())
            .json(&b3)
            .send()
            .await;
    assert!(err.is_err(), "connection dropped");
    assert!(t.sim.state().users.values().any(|u| u.username == "hault"));
}

#[tokio::test]
async fn rate_limit_faults_answer_429_within_their_window_with_retry_after() {
    let t = start(Dialect::Pterodactyl).await;
    // nth/times window and RateLimit action.
    t.sim.set_faults(Faults {
        rules: vec![rule(
            Some("GET"),
            "/nodes",
            2,
            2,
            FaultAction::RateLimit { retry_after: 7 },
        )],
        ..Default::default()
    });
    let codes: Vec<u16> = futures_seq(&t, "/nodes", 4).await;
    assert_eq!(codes, vec![200, 429, 429, 200]);
    t.sim.set_faults(Faults {
        rules: vec![rule(
            None,
            "/nodes",
            1,
            1,
            FaultAction::RateLimit { retry_after: 7 },
        )],
        ..Default::default()
    });
    let r = t.get("/nodes").await;
    assert_eq!(r.header("retry-after").as_deref(), Some("7"));
}

#[tokio::test]
async fn a_delay_fault_delays_the_answer() {
    let t = start(Dialect::Pterodactyl).await;
    // Delay.
    t.sim.set_faults(Faults {
        rules: vec![rule(None, "/users", 1, 1, FaultAction::Delay { ms: 150 })],
        ..Default::default()
    });
    let t0 = std::time::Instant::now();
    assert_eq!(t.get("/users").await.code(), 200);
    assert!(t0.elapsed().as_millis() >= 150);
}

#[tokio::test]
async fn fault_rates_repeat_for_a_seed_and_a_dropped_request_is_logged() {
    let t = start(Dialect::Pterodactyl).await;
    // Deterministic rates.
    t.sim.set_faults(Faults {
        error_rate: 0.5,
        seed: 42,
        ..Default::default()
    });
    let a = futures_seq(&t, "/users", 20).await;
    t.sim.set_faults(Faults {
        error_rate: 0.5,
        seed: 42,
        ..Default::default()
    });
    let b = futures_seq(&t, "/users", 20).await;
    assert_eq!(a, b);
    assert!(a.contains(&500) && a.contains(&200));
    t.sim.set_faults(Faults {
        drop_rate: 1.0,
        ..Default::default()
    });
    t.sim.clear_request_log();
    assert!(
        t.c.get(format!("{}/api/application/users", t.sim.url()))
            .bearer_auth(t.sim.token())
            .send()
            .await
            .is_err()
    );
    assert_eq!(
        t.sim.request_log(),
        vec![LoggedRequest {
            method: "GET".into(),
            path: "/api/application/users".into(),
            status: 0
        }]
    );
    t.sim.set_faults(Faults::default());
    t.sim.shutdown().await;
}

#[tokio::test]
async fn a_pelican_status_fault_answers_the_generic_500_body() {
    // PL generic 500 body.
    let p = start(Dialect::Pelican).await;
    p.sim.set_faults(Faults {
        rules: vec![rule(
            None,
            "/servers",
            1,
            1,
            FaultAction::Status {
                status: 500,
                after_commit: false,
            },
        )],
        ..Default::default()
    });
    let r = p.get("/servers/12/build").await;
    assert_eq!(r.code(), 500);
    assert_eq!(r.json()["errors"][0]["code"], "ConnectionException");
}

async fn futures_seq(t: &T, path: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(t.get(path).await.code());
    }
    out
}

#[tokio::test]
async fn state_file_round_trip() {
    for d in both() {
        let dir = std::env::temp_dir().join(format!(
            "roost-sim-test-{}-{}",
            d.as_str(),
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("state.json");
        let _ = std::fs::remove_file(&file);
        let mut cfg = config(d);
        cfg.state_file = Some(file.clone());
        let t = start_with(cfg.clone()).await;
        let r = t.post("/users", json!({"email": "p@example.com", "username": "persist", "first_name": "P", "last_name": "S"})).await;
        assert_eq!(r.code(), 201);
        let before = t.sim.state();
        t.sim.shutdown().await;
        assert!(file.exists());
        let t2 = start_with(cfg).await;
        let after = t2.sim.state();
        assert_eq!(before, after);
        let r = t2.get("/users?filter[username]=persist").await.json();
        assert_eq!(r["meta"]["pagination"]["total"], 1);
        // Out-of-band changes are persisted too.
        t2.sim.mutate(|s| {
            s.add_location("zz", None);
        });
        let saved: SimState = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(saved.locations.len(), 1);
        t2.sim.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test]
async fn admin_interface() {
    let t = start(Dialect::Pelican).await;
    t.get("/users").await;
    let r = t.raw(Method::GET, "/__sim/log", None, None, true).await;
    assert_eq!(r.code(), 401);
    let log = t.get("/__sim/log").await.json();
    assert_eq!(
        log,
        json!([{"method": "GET", "path": "/api/application/users", "status": 200}])
    );
    assert_eq!(t.delete("/__sim/log").await.code(), 204);
    assert!(t.sim.request_log().is_empty());
    let st = t.get("/__sim/state").await.json();
    assert_eq!(st["dialect"], "pelican");
    let mut st2 = st.clone();
    st2["users"] = json!({});
    let r = t.req(Method::PUT, "/__sim/state", Some(st2)).await;
    assert_eq!(r.code(), 204, "{}", r.text);
    assert!(t.sim.state().users.is_empty());
    let r = t.req(Method::PUT, "/__sim/faults", Some(json!({"rules": [{"path": "/users", "nth": 1, "times": 1, "action": {"kind": "status", "status": 503, "after_commit": false}}]}))).await;
    assert_eq!(r.code(), 204);
    assert_eq!(t.get("/users").await.code(), 503);
    let r = t
        .req(
            Method::PUT,
            "/__sim/rate-limit",
            Some(json!({"per_minute": 1})),
        )
        .await;
    assert_eq!(r.code(), 204);
    assert_eq!(t.get("/users").await.code(), 200);
    assert_eq!(t.get("/users").await.code(), 429);
    let r = t
        .req(
            Method::PUT,
            "/__sim/rate-limit",
            Some(json!({"per_minute": null})),
        )
        .await;
    assert_eq!(r.code(), 204);
    assert_eq!(t.get("/users").await.code(), 200);
}

/// `GET /api/client/account` tells a client key's owner in each dialect's shape (client/account.md:
/// Pterodactyl `id` and no uuid, Pelican `uuid` and no id); an application key is refused.
#[tokio::test]
async fn client_account_names_the_key_owner() {
    for d in [Dialect::Pterodactyl, Dialect::Pelican] {
        let t = start(d).await;
        let client = t.sim.client_token();
        let r = t
            .raw(
                Method::GET,
                "/api/client/account",
                None,
                Some(&client),
                true,
            )
            .await;
        assert_eq!(r.code(), 200, "{d}: {}", r.text);
        let j = r.json();
        assert_eq!(j["object"], "user");
        let a = &j["attributes"];
        assert_eq!(a["username"], "admin", "{d}");
        let admin = t.sim.state().api_key_owner;
        match d {
            Dialect::Pterodactyl => {
                assert_eq!(a["id"], admin, "{j}");
                assert!(a.get("uuid").is_none(), "{j}");
                assert_eq!(a["admin"], true);
            }
            Dialect::Pelican => {
                assert!(a.get("id").is_none(), "{j}");
                let uuid = t.sim.state().users[&admin].uuid.clone();
                assert_eq!(a["uuid"], uuid.as_str(), "{j}");
                assert_eq!(a["root_admin"], true);
            }
        }
        let app = t.sim.token();
        let r = t
            .raw(Method::GET, "/api/client/account", None, Some(&app), true)
            .await;
        assert_eq!(r.code(), 403, "{d}: an application key: {}", r.text);
        assert_eq!(r.errors()[0].0, "AccessDeniedHttpException");
        let r = t
            .raw(Method::GET, "/api/client/account", None, None, true)
            .await;
        assert_eq!(r.code(), 401, "{d}: no key: {}", r.text);
    }
}
