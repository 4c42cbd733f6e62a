//! The emulated Wings' power state machine behind the panel's routes, on the sim's clock:
//! each transition, polled through `/resources` as a `--wait` loop would (with the panel's
//! 20-second cache), console commands, and the daemon's refusals.

mod common;

use common::both;
use common::client::{World, world};
use roost_sim::Dialect;
use serde_json::{Value, json};

/// Transitions slow enough to see each state through the panel's 20-second cache.
fn slow_transitions(w: &World) {
    w.t.sim.mutate(|s| {
        s.settings.wings.start_ms = 30_000;
        s.settings.wings.stop_ms = 30_000;
    });
}

async fn resources(w: &World) -> Value {
    let r = w.get(&w.owner_key, &w.srv("/resources")).await;
    assert_eq!(r.code(), 200, "{}", r.text);
    r.json()["attributes"].clone()
}

async fn power(w: &World, signal: &str) {
    let r = w
        .post(&w.owner_key, &w.srv("/power"), json!({ "signal": signal }))
        .await;
    assert_eq!(r.code(), 204, "{signal}: {}", r.text);
}

#[tokio::test]
async fn start_and_stop_pass_through_each_state_on_the_clock() {
    for d in both() {
        let w = world(d).await;
        slow_transitions(&w);
        let first = resources(&w).await;
        assert_eq!(first["current_state"], "offline", "{d}");
        assert_eq!(first["resources"]["memory_bytes"], 0);
        w.advance(21);
        power(&w, "start").await;
        assert_eq!(resources(&w).await["current_state"], "starting", "{d}");
        w.advance(25);
        assert_eq!(resources(&w).await["current_state"], "starting", "{d}");
        w.advance(25);
        let running = resources(&w).await;
        assert_eq!(running["current_state"], "running", "{d}");
        let uptime = running["resources"]["uptime"].as_i64().unwrap();
        assert!((20_000..21_000).contains(&uptime), "{d}: uptime {uptime}");
        assert_eq!(
            running["resources"]["memory_bytes"],
            1024_i64 * 1024 * 1024 * 2 / 5
        );
        assert!(running["resources"]["cpu_absolute"].as_f64().unwrap() > 0.0);
        power(&w, "stop").await;
        // The panel still serves what Wings said 0 s ago.
        assert_eq!(
            resources(&w).await["current_state"],
            "running",
            "{d}: cached"
        );
        w.advance(21);
        assert_eq!(resources(&w).await["current_state"], "stopping", "{d}");
        w.advance(21);
        let off = resources(&w).await;
        assert_eq!(off["current_state"], "offline", "{d}");
        assert_eq!(off["resources"]["uptime"], 0);
    }
}

#[tokio::test]
async fn kill_is_immediate_and_restart_comes_back_running() {
    for d in both() {
        let w = world(d).await;
        slow_transitions(&w);
        power(&w, "start").await;
        w.advance(21);
        assert_eq!(resources(&w).await["current_state"], "starting", "{d}");
        power(&w, "kill").await;
        w.advance(21);
        assert_eq!(resources(&w).await["current_state"], "offline", "{d}");
        power(&w, "restart").await;
        w.advance(31);
        assert_eq!(resources(&w).await["current_state"], "running", "{d}");
        power(&w, "restart").await;
        w.advance(21);
        assert_eq!(resources(&w).await["current_state"], "stopping", "{d}");
        w.advance(21);
        assert_eq!(resources(&w).await["current_state"], "starting", "{d}");
        w.advance(21);
        assert_eq!(resources(&w).await["current_state"], "running", "{d}");
    }
}

/// Starting a running server is accepted (Wings only logs it): still 204, still running.
#[tokio::test]
async fn a_power_action_that_does_not_apply_is_accepted_and_changes_nothing() {
    for d in both() {
        let w = world(d).await;
        power(&w, "stop").await;
        power(&w, "start").await;
        w.advance(5);
        power(&w, "start").await;
        w.advance(21);
        assert_eq!(resources(&w).await["current_state"], "running", "{d}");
    }
}

#[tokio::test]
async fn commands_reach_a_running_server_and_are_refused_by_a_stopped_one() {
    for d in both() {
        let w = world(d).await;
        let say = json!({"command": "say hello"});
        let r = w.post(&w.owner_key, &w.srv("/command"), say.clone()).await;
        match d {
            Dialect::Pterodactyl => {
                assert_eq!(r.code(), 502, "{}", r.text);
                assert_eq!(
                    r.json()["errors"][0]["detail"],
                    "Server must be online in order to send commands."
                );
            }
            // Pelican's client does not look at the daemon's 502.
            Dialect::Pelican => assert_eq!(r.code(), 204, "{}", r.text),
        }
        assert!(!w.t.sim.console(&w.uuid).contains(&"say hello".to_string()));
        power(&w, "start").await;
        w.advance(5);
        let r = w.post(&w.owner_key, &w.srv("/command"), say).await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        let lines = w.t.sim.console(&w.uuid);
        assert_eq!(lines.last().map(String::as_str), Some("say hello"), "{d}");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("Daemon]:")
                    && l.contains("Updating process configuration files")),
            "{d}: the daemon's own lines: {lines:?}"
        );
    }
}

/// A suspended server cannot start; the panel 409s before Wings sees it.
#[tokio::test]
async fn a_suspended_server_is_refused_before_the_daemon() {
    for d in both() {
        let w = world(d).await;
        w.set_status(Some("suspended"));
        let r = w
            .post(&w.owner_key, &w.srv("/power"), json!({"signal": "start"}))
            .await;
        assert_eq!(r.code(), 409, "{d}: {}", r.text);
        w.set_status(None);
        w.advance(21);
        assert_eq!(resources(&w).await["current_state"], "offline", "{d}");
    }
}

/// The timings come from the sim's settings (`PUT /__sim/settings` changes them).
#[tokio::test]
async fn timings_are_sim_settings() {
    let w = world(Dialect::Pelican).await;
    let r =
        w.t.c
            .put(format!("{}/__sim/settings", w.t.sim.url()))
            .bearer_auth(w.t.sim.token())
            .json(&json!({"wings": {"start_ms": 100_000}}))
            .send()
            .await
            .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert_eq!(w.t.sim.state().settings.wings.start_ms, 100_000);
    power(&w, "start").await;
    w.advance(99);
    assert_eq!(resources(&w).await["current_state"], "starting");
    w.advance(21);
    assert_eq!(resources(&w).await["current_state"], "running");
}
