//! Behaviour of real panels in the wild that the simulator reproduces on request: database
//! locks under concurrent writes, and older releases (Pelican beta17) that drop fields.
mod common;
use common::*;
use roost_sim::{DbLock, Dialect, FaultAction, FaultRule, Faults, NodeParams};
use serde_json::json;

fn node_patch(name: &str) -> serde_json::Value {
    json!({"name": name, "location_id": 1, "fqdn": "n1.example.com", "scheme": "https",
        "memory": 4096, "memory_overallocate": 0, "disk": 100000, "disk_overallocate": 0,
        "cpu": 0, "cpu_overallocate": 0, "daemon_listen": 8080, "daemon_sftp": 2022,
        "daemon_connect": 9090, "daemon_base": "/srv/daemon", "upload_size": 100, "tags": ["eu"]})
}

fn add_node(t: &T) -> u64 {
    t.sim.mutate(|s| {
        let location_id = (s.dialect == Dialect::Pterodactyl).then(|| s.add_location("fra", None));
        s.add_node(NodeParams {
            name: "n1".into(),
            location_id,
            ..NodeParams::default()
        })
    })
}

#[tokio::test]
async fn concurrent_writes_meet_the_database_lock() {
    for d in both() {
        let t = start(d).await;
        let node = add_node(&t);
        t.sim.set_faults(Faults {
            db_lock: DbLock {
                concurrent: true,
                hold_ms: 150,
                ..DbLock::default()
            },
            ..Faults::default()
        });
        let path = format!("/nodes/{node}");
        let (a, b) = tokio::join!(t.patch(&path, node_patch("n1")), async {
            tokio::time::sleep(std::time::Duration::from_millis(40)).await;
            t.patch(&path, node_patch("n1-renamed")).await
        });
        assert_eq!((a.code(), b.code()), (200, 500), "{}", b.text);
        let (code, status, ..) = b.errors()[0].clone();
        let detail = b.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .to_string();
        match d {
            Dialect::Pelican => {
                assert_eq!(code, "DeadlockException");
                assert!(detail.contains("database is locked"), "{detail}");
            }
            Dialect::Pterodactyl => {
                assert_eq!(code, "QueryException");
                assert!(detail.contains("1213 Deadlock found"), "{detail}");
            }
        }
        assert_eq!(status, "500");
        // Rolled back: the second write left nothing behind.
        assert_eq!(t.sim.state().nodes[&node].name, "n1");
        // One write at a time never meets the lock; reads never do.
        assert_eq!(t.patch(&path, node_patch("n1-renamed")).await.code(), 200);
        let (r1, r2) = tokio::join!(t.get(&path), t.get(&path));
        assert_eq!((r1.code(), r2.code()), (200, 200));
        t.sim.shutdown().await;
    }
}

#[tokio::test]
async fn db_lock_by_rule_and_rate_with_hidden_detail() {
    let t = start(Dialect::Pterodactyl).await;
    let node = add_node(&t);
    t.sim.set_faults(Faults {
        rules: vec![FaultRule {
            method: Some("PATCH".into()),
            path: "/nodes/".into(),
            nth: 1,
            times: 1,
            action: FaultAction::DbLock,
        }],
        db_lock: DbLock {
            hide_detail: true,
            ..DbLock::default()
        },
        ..Faults::default()
    });
    let path = format!("/nodes/{node}");
    let r = t.patch(&path, node_patch("n1-x")).await;
    assert_eq!(r.code(), 500);
    assert_eq!(r.errors()[0].0, "QueryException");
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("An unexpected error")
    );
    assert_eq!(t.sim.state().nodes[&node].name, "n1");
    assert_eq!(t.patch(&path, node_patch("n1-x")).await.code(), 200);
    // Every write fails at rate 1; reads still work.
    t.sim.set_faults(Faults {
        db_lock: DbLock {
            rate: 1.0,
            ..DbLock::default()
        },
        ..Faults::default()
    });
    assert_eq!(t.patch(&path, node_patch("n1-y")).await.code(), 500);
    assert_eq!(t.get(&path).await.code(), 200);
    // The same through the admin interface (`roost sim serve`), and the beta17 fields.
    let tok = t.sim.token();
    let faults = json!({"db_lock": {"concurrent": true, "hold_ms": 5},
        "legacy": {"missing_outputs": ["node.daemon_connect"]}});
    let r = t
        .raw(
            reqwest::Method::PUT,
            "/__sim/faults",
            Some(faults),
            Some(&tok),
            true,
        )
        .await;
    assert_eq!(r.code(), 204, "{}", r.text);
    assert_eq!(t.patch(&path, node_patch("n1-y")).await.code(), 200);
    t.sim.shutdown().await;
}

#[tokio::test]
async fn pelican_beta17_drops_tags_lacks_daemon_connect_and_fails_node_updates_after_saving() {
    let t = start(Dialect::Pelican).await;
    let node = add_node(&t);
    t.sim.set_faults(Faults::pelican_beta17());
    let path = format!("/nodes/{node}");
    let r = t.patch(&path, node_patch("n1-renamed")).await;
    assert_eq!(r.code(), 500, "{}", r.text);
    let n = &t.sim.state().nodes[&node];
    assert_eq!(n.name, "n1-renamed", "saved before the 500");
    assert_eq!(n.memory, 4096);
    assert!(n.tags.is_empty(), "tags dropped: {:?}", n.tags);
    let got = t.get(&path).await.json();
    assert!(got["attributes"].get("daemon_connect").is_none(), "{got}");
    assert_eq!(got["attributes"]["tags"], json!([]));
    let list = t.get("/nodes?include=allocations").await.json();
    assert!(
        list["data"][0]["attributes"]
            .get("daemon_connect")
            .is_none()
    );
    // Local fqdns are refused only since beta19.
    let mut body = node_patch("n1-renamed");
    body["fqdn"] = json!("127.0.0.1");
    assert_eq!(t.patch(&path, body.clone()).await.code(), 500);
    assert_eq!(t.sim.state().nodes[&node].fqdn, "127.0.0.1");
    t.sim.set_faults(Faults::default());
    let r = t.patch(&path, body).await;
    assert_eq!(r.code(), 422, "a current Pelican refuses it: {}", r.text);
    t.sim.set_faults(Faults::pelican_beta17());
    // A create keeps the rest and drops the tags too.
    let mut body = node_patch("n2");
    body["fqdn"] = json!("n2.example.com");
    let r = t.post("/nodes", body).await;
    assert_eq!(r.code(), 201, "{}", r.text);
    assert_eq!(r.json()["attributes"]["tags"], json!([]));
    t.sim.shutdown().await;
}

#[tokio::test]
async fn pelican_lists_database_hosts() {
    let t = start(Dialect::Pelican).await;
    let r = t.get("/database-hosts?per_page=1").await;
    assert_eq!(r.code(), 200, "{}", r.text);
    // The stock host of a fresh sim.
    assert_eq!(r.json()["data"][0]["attributes"]["name"], "mysql-1");
    assert_eq!(r.json()["meta"]["pagination"]["total"], 1);
    let pt = start(Dialect::Pterodactyl).await;
    let r = pt.get("/database-hosts?per_page=1").await;
    assert_eq!(r.code(), 404);
    assert!(r.text.contains("could not be found"));
}
