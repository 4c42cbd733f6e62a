//! Server states on the Client API: each 409 conflict with its detail and exceptions, and the
//! install lifecycle (a server created through the Application API installs for a while on
//! the sim's clock).

mod common;

use common::both;
use common::client::world;
use roost_sim::Dialect;
use serde_json::json;
use std::time::Duration;

const SUSPENDED: &str =
    "This server is currently suspended and the functionality requested is unavailable.";
const MAINTENANCE: &str = "The node of this server is currently under maintenance and the functionality requested is unavailable.";
const INSTALLING: &str =
    "This server has not yet completed its installation process, please try again later.";
const RESTORING: &str = "This server is currently restoring from a backup, please try again later.";
const TRANSFER: &str =
    "This server is currently being transferred to a new machine, please try again later.";

#[tokio::test]
async fn every_conflict_state_is_a_409_with_its_detail() {
    for d in both() {
        let cases: Vec<(&str, &str)> = vec![
            ("suspended", SUSPENDED),
            ("maintenance", MAINTENANCE),
            ("installing", INSTALLING),
            ("install_failed", INSTALLING),
            ("restoring_backup", RESTORING),
            ("transfer", TRANSFER),
        ];
        for (state, detail) in cases {
            let w = world(d).await;
            let (node, server) = (w.node, w.server);
            w.t.sim.mutate(move |s| match state {
                "maintenance" => s.nodes.get_mut(&node).unwrap().maintenance_mode = true,
                "transfer" => s.servers.get_mut(&server).unwrap().transferring = true,
                status => s.servers.get_mut(&server).unwrap().status = Some(status.into()),
            });
            let r = w.get(&w.owner_key, &w.srv("/startup")).await;
            assert_eq!(r.code(), 409, "{d} {state}: {}", r.text);
            assert_eq!(r.errors()[0].0, "ServerStateConflictException");
            assert_eq!(r.json()["errors"][0]["detail"], detail, "{d} {state}");
            // Viewing the server always works.
            let view = w.get(&w.owner_key, &w.srv("")).await;
            assert_eq!(view.code(), 200, "{d} {state} view");
            // Admins get a websocket token unless suspended or the node is in maintenance.
            let ws = w.get(&w.admin_key, &w.srv("/websocket")).await;
            let expected = if matches!(state, "suspended" | "maintenance") {
                409
            } else {
                200
            };
            assert_eq!(
                ws.code(),
                expected,
                "{d} {state} admin websocket: {}",
                ws.text
            );
            let ws = w.get(&w.owner_key, &w.srv("/websocket")).await;
            assert_eq!(ws.code(), 409, "{d} {state} owner websocket");
        }
    }
}

/// A failed reinstall is a conflict on Pelican, not on Pterodactyl; `is_installing` follows.
#[tokio::test]
async fn reinstall_failed_differs() {
    for d in both() {
        let w = world(d).await;
        w.set_status(Some("reinstall_failed"));
        let r = w.get(&w.owner_key, &w.srv("/startup")).await;
        let view = w.get(&w.owner_key, &w.srv("")).await.json();
        match d {
            Dialect::Pterodactyl => {
                assert_eq!(r.code(), 200, "{}", r.text);
                assert_eq!(view["attributes"]["is_installing"], false);
            }
            Dialect::Pelican => {
                assert_eq!(r.code(), 409, "{}", r.text);
                assert_eq!(view["attributes"]["is_installing"], true);
            }
        }
        // The restore route's own state check: Pterodactyl reaches it with this status.
        if d == Dialect::Pterodactyl {
            let now = w.t.sim.state().now();
            w.t.sim.mutate(|s| {
                s.insert_backup(common::fixtures::backup(
                    w.server,
                    70,
                    now,
                    common::fixtures::BackupKind::Successful,
                ))
            });
            let uuid = w.t.sim.state().backups[&70].uuid.clone();
            let r = w
                .post(
                    &w.owner_key,
                    &w.srv(&format!("/backups/{uuid}/restore")),
                    json!({"truncate": false}),
                )
                .await;
            assert_eq!(r.code(), 400, "{}", r.text);
            assert_eq!(
                r.json()["errors"][0]["detail"],
                "This server is not currently in a state that allows for a backup to be restored."
            );
        }
    }
}

/// A server created through the Application API reports `installing` (client:
/// `is_installing`, 409 on other routes) until `settings.install_ms` has passed on the clock.
#[tokio::test]
async fn servers_install_for_a_while_then_serve() {
    for d in both() {
        let w = world(d).await;
        let (egg, alloc) = {
            let st = w.t.sim.state();
            (st.servers[&w.server].egg_id, w.allocs[2])
        };
        w.t.sim.mutate(|s| s.settings.install_ms = 30_000);
        let body = json!({"name": "fresh", "user": w.owner, "egg": egg, "docker_image": "ghcr.io/pterodactyl/yolks:java_17",
            "startup": "java -jar {{SERVER_JARFILE}}", "environment": {"SERVER_JARFILE": "server.jar", "BUILD_NUMBER": "latest"},
            "limits": {"memory": 1024, "swap": 0, "disk": 2048, "io": 500, "cpu": 100},
            "feature_limits": {"databases": 1, "allocations": 1, "backups": 1}, "allocation": {"default": alloc}});
        let created = w.t.post("/servers", body).await;
        assert_eq!(created.code(), 201, "{}", created.text);
        let ident = created.json()["attributes"]["identifier"]
            .as_str()
            .unwrap()
            .to_string();
        let path = |rest: &str| format!("/api/client/servers/{ident}{rest}");
        let view = w.get(&w.owner_key, &path("")).await.json();
        assert_eq!(view["attributes"]["status"], "installing");
        assert_eq!(view["attributes"]["is_installing"], true);
        let r = w.get(&w.owner_key, &path("/startup")).await;
        assert_eq!(r.code(), 409, "{}", r.text);
        w.t.sim.advance_clock(Duration::from_secs(20));
        assert_eq!(
            w.get(&w.owner_key, &path("/startup")).await.code(),
            409,
            "{d}: not yet"
        );
        w.t.sim.advance_clock(Duration::from_secs(11));
        let r = w.get(&w.owner_key, &path("/startup")).await;
        assert_eq!(r.code(), 200, "{d}: installed: {}", r.text);
        let view = w.get(&w.owner_key, &path("")).await.json();
        assert_eq!(view["attributes"]["status"], serde_json::Value::Null);
        assert_eq!(view["attributes"]["is_installing"], false);
        // Keeping servers installing for good.
        w.t.sim.mutate(|s| s.auto_install = false);
        let sid = created.json()["attributes"]["id"].as_u64().unwrap();
        let r =
            w.t.req(
                reqwest::Method::POST,
                &format!("/servers/{sid}/reinstall"),
                None,
            )
            .await;
        assert_eq!(r.code(), 204);
        w.t.sim.advance_clock(Duration::from_secs(3600));
        assert_eq!(
            w.t.sim.state().servers[&sid].status.as_deref(),
            Some("installing")
        );
    }
}

/// Client reinstall goes through Wings: with the sim's unreachable daemon the status is rolled
/// back and each panel reports the daemon its own way.
#[tokio::test]
async fn client_reinstall_rolls_back_when_wings_is_unreachable() {
    for d in both() {
        let w = world(d).await;
        w.without_wings();
        let r = w
            .post(&w.owner_key, &w.srv("/settings/reinstall"), json!({}))
            .await;
        let (status, code) = match d {
            Dialect::Pterodactyl => (504, "DaemonConnectionException"),
            Dialect::Pelican => (500, "ConnectionException"),
        };
        assert_eq!(
            (r.code(), r.errors()[0].0.as_str()),
            (status, code),
            "{d}: {}",
            r.text
        );
        assert_eq!(w.t.sim.state().servers[&w.server].status, None);
        w.t.sim.set_wings(common::client::accepting_wings());
        let r = w
            .post(&w.owner_key, &w.srv("/settings/reinstall"), json!({}))
            .await;
        assert_eq!((r.code(), r.text.as_str()), (202, "[]"), "{d}");
        assert_eq!(w.get(&w.owner_key, &w.srv("/startup")).await.code(), 409);
    }
}
