//! The daemon faults seen through the panel: "Wings unreachable" gives each dialect's error
//! (the same as with no daemon at all), "Wings slow" holds the answer back, and the faults are
//! set like the others (`PUT /__sim/faults`).

mod common;

use common::both;
use common::client::world;
use roost_sim::Dialect;
use serde_json::json;
use std::time::Instant;

#[tokio::test]
async fn wings_unreachable_gives_each_panels_error() {
    for d in both() {
        let w = world(d).await;
        let r =
            w.t.c
                .put(format!("{}/__sim/faults", w.t.sim.url()))
                .bearer_auth(w.t.sim.token())
                .json(&json!({"wings": {"unreachable": true}}))
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 204);
        let power = w
            .post(&w.owner_key, &w.srv("/power"), json!({"signal": "start"}))
            .await;
        let files = w.get(&w.owner_key, &w.srv("/files/list")).await;
        let resources = w.get(&w.owner_key, &w.srv("/resources")).await;
        match d {
            Dialect::Pterodactyl => {
                for r in [&power, &files, &resources] {
                    assert_eq!(
                        (r.code(), r.errors()[0].0.as_str()),
                        (504, "DaemonConnectionException"),
                        "{}",
                        r.text
                    );
                }
            }
            Dialect::Pelican => {
                for r in [&power, &files] {
                    assert_eq!(
                        (r.code(), r.errors()[0].0.as_str()),
                        (500, "ConnectionException"),
                        "{}",
                        r.text
                    );
                }
                assert_eq!(resources.json()["attributes"]["current_state"], "missing");
            }
        }
        // The same answers as a sim without a daemon.
        w.t.sim.set_faults(Default::default());
        w.without_wings();
        let again = w
            .post(&w.owner_key, &w.srv("/power"), json!({"signal": "start"}))
            .await;
        assert_eq!(
            (again.code(), again.text.clone()),
            (power.code(), power.text.clone()),
            "{d}"
        );
    }
}

#[tokio::test]
async fn wings_slow_holds_the_answer_back() {
    for d in both() {
        let w = world(d).await;
        w.t.sim.set_faults(roost_sim::Faults {
            wings: roost_sim::WingsFaults {
                slow_ms: 300,
                ..Default::default()
            },
            ..Default::default()
        });
        let started = Instant::now();
        let r = w
            .post(&w.owner_key, &w.srv("/power"), json!({"signal": "start"}))
            .await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        assert!(
            started.elapsed().as_millis() >= 300,
            "{d}: {:?}",
            started.elapsed()
        );
        let started = Instant::now();
        let r = w.get(&w.owner_key, &w.srv("/schedules")).await;
        assert_eq!(r.code(), 200);
        assert!(
            started.elapsed().as_millis() < 300,
            "{d}: no daemon call, no wait"
        );
    }
}
