//! Database hosts (Pelican's endpoints, the `/__sim/` way to add one), and the infrastructure on
//! the database routes: faults, the database lock, persistence of databases.
mod common;
use common::*;
use reqwest::Method;
use roost_sim::{
    DbLock, Dialect, FaultAction, FaultRule, Faults, NodeParams, ServerParams, SimConfig,
};
use serde_json::{Value, json};

fn add_server(t: &T) -> u64 {
    t.sim.mutate(|s| {
        let node = s.add_node(NodeParams::default());
        let alloc = s.add_allocation(node, "10.0.0.1", 25565, None);
        s.add_server(ServerParams {
            allocation_id: Some(alloc),
            databases: None,
            ..Default::default()
        })
    })
}

fn body(name: &str) -> Value {
    json!({"database": name, "remote": "%", "host": 1})
}

#[tokio::test]
async fn pelican_serves_hosts_pterodactyl_does_not() {
    let t = start(Dialect::Pelican).await;
    let r = t.get("/database-hosts").await;
    assert_eq!(r.code(), 200, "{}", r.text);
    let list = r.json();
    assert_same_shape(
        &list,
        &panel_fixture(Dialect::Pelican, "database-hosts.list"),
        "list",
    );
    assert_eq!(list["meta"]["pagination"]["per_page"], 10);
    let stock = &list["data"][0]["attributes"];
    assert_eq!(
        (
            stock["id"].as_u64(),
            stock["name"].as_str(),
            stock["port"].as_u64()
        ),
        (Some(1), Some("mysql-1"), Some(3306))
    );
    let node = t.sim.mutate(|s| {
        s.add_node(NodeParams {
            description: Some("Amsterdam bare metal".into()),
            ..Default::default()
        })
    });
    let r = t
        .post(
            "/__sim/database-hosts",
            json!({"name": "ams-mariadb", "host": "10.10.0.5", "port": 3307, "username": "pl", "nodes": [node]}),
        )
        .await;
    assert_eq!(r.code(), 201, "{}", r.text);
    assert_eq!(r.json()["port"], 3307);
    let r = t
        .get("/database-hosts?filter[name]=AMS&sort=-id")
        .await
        .json();
    assert_eq!(r["meta"]["pagination"]["total"], 1);
    assert_eq!(r["data"][0]["attributes"]["host"], "10.10.0.5");
    let r = t.get("/database-hosts?sort=-name").await.json();
    assert_eq!(r["data"][0]["attributes"]["name"], "mysql-1");
    assert_eq!(
        t.get("/database-hosts?filter[port]=1").await.errors()[0].0,
        "InvalidFilterQuery"
    );
    let r = t.get("/database-hosts/2?include=nodes").await;
    assert_eq!(r.code(), 200, "{}", r.text);
    assert_same_shape(
        &r.json(),
        &panel_fixture(Dialect::Pelican, "database-hosts.get"),
        "get",
    );
    assert_eq!(
        r.json()["attributes"]["relationships"]["nodes"]["data"][0]["attributes"]["id"],
        node
    );
    assert_eq!(t.get("/database-hosts/9").await.code(), 404);

    let pt = start(Dialect::Pterodactyl).await;
    for path in ["/database-hosts", "/database-hosts/1"] {
        let r = pt.get(path).await;
        assert_eq!(r.code(), 404, "{path}");
        assert!(r.text.contains("could not be found"));
    }
    assert_eq!(pt.sim.state().database_hosts.len(), 1, "stock host on both");
}

#[tokio::test]
async fn admin_adds_hosts() {
    for d in both() {
        let t = start(d).await;
        let r = t
            .post("/__sim/database-hosts", json!({"name": "db-2"}))
            .await;
        assert_eq!(r.code(), 201, "{}", r.text);
        assert_eq!(
            (r.json()["id"].as_u64(), r.json()["port"].as_u64()),
            (Some(2), Some(3306)),
            "defaults fill what is not given"
        );
        let r = t.post("/__sim/database-hosts", json!({"host": "x"})).await;
        assert_eq!(r.code(), 400, "a name is required");
        assert!(r.text.contains("invalid database host"), "{}", r.text);
        let r = t
            .raw(
                Method::POST,
                "/__sim/database-hosts",
                Some(json!({"name": "x"})),
                None,
                true,
            )
            .await;
        assert_eq!(r.code(), 401);
        // A server database can use the added host; a host that does not exist is refused.
        let sid = add_server(&t);
        let path = format!("/servers/{sid}/databases");
        let r = t
            .post(&path, json!({"database": "a", "remote": "%", "host": 2}))
            .await;
        assert_eq!(r.code(), 201, "{}", r.text);
        let r = t
            .post(&path, json!({"database": "b", "remote": "%", "host": 3}))
            .await;
        assert_eq!(r.errors()[0].3, "exists");
    }
}

#[tokio::test]
async fn faults_hit_the_database_routes() {
    for d in both() {
        let t = start(d).await;
        let sid = add_server(&t);
        let path = format!("/servers/{sid}/databases");
        let fault = |action: FaultAction| Faults {
            rules: vec![FaultRule {
                method: Some("POST".into()),
                path: path.clone(),
                nth: 1,
                times: 1,
                action,
            }],
            ..Faults::default()
        };
        t.sim.set_faults(fault(FaultAction::Status {
            status: 500,
            after_commit: false,
        }));
        assert_eq!(t.post(&path, body("a")).await.code(), 500);
        assert!(t.sim.state().databases.is_empty(), "nothing kept");
        assert_eq!(t.post(&path, body("a")).await.code(), 201, "only once");

        t.sim.set_faults(fault(FaultAction::Status {
            status: 500,
            after_commit: true,
        }));
        assert_eq!(t.post(&path, body("b")).await.code(), 500);
        assert_eq!(t.sim.state().databases.len(), 2, "created before the 500");
        // A re-send of the create is refused as a duplicate.
        assert_eq!(t.post(&path, body("b")).await.errors()[0].3, "unique");

        t.sim.set_faults(fault(FaultAction::Drop {
            after_commit: false,
        }));
        let url = format!("{}/api/application{path}", t.sim.url());
        let sent =
            t.c.post(url)
                .bearer_auth(t.sim.token())
                .json(&body("c"))
                .send()
                .await;
        assert!(sent.is_err(), "connection dropped");
        assert_eq!(t.sim.state().databases.len(), 2);

        t.sim.set_faults(fault(FaultAction::DbLock));
        let r = t.post(&path, body("c")).await;
        assert_eq!(r.code(), 500);
        let lock_code = match d {
            Dialect::Pterodactyl => "QueryException",
            Dialect::Pelican => "DeadlockException",
        };
        assert_eq!(r.errors()[0].0, lock_code);

        // The reads and the other writes match by prefix too.
        let one = format!("{path}/1");
        t.sim.set_faults(Faults {
            rules: vec![FaultRule {
                method: None,
                path: one.clone(),
                nth: 1,
                times: 3,
                action: FaultAction::RateLimit { retry_after: 7 },
            }],
            ..Faults::default()
        });
        assert_eq!(t.get(&one).await.code(), 429);
        assert_eq!(t.delete(&one).await.code(), 429);
        let r = t
            .req(Method::POST, &format!("{one}/reset-password"), None)
            .await;
        assert_eq!((r.code(), r.header("retry-after")), (429, Some("7".into())));
        assert_eq!(t.delete(&one).await.code(), 204);
        t.sim.set_faults(Faults::default());
        let log = t.sim.request_log();
        let logged = format!("/api/application{one}");
        assert!(log.iter().any(|l| l.path == logged && l.status == 429));
    }
}

#[tokio::test]
async fn concurrent_database_writes_meet_the_lock() {
    let mut cfg = config(Dialect::Pelican);
    cfg.faults.db_lock = DbLock {
        concurrent: true,
        hold_ms: 100,
        ..DbLock::default()
    };
    let t = start_with(cfg).await;
    let sid = add_server(&t);
    let path = format!("/servers/{sid}/databases");
    let (a, b) = tokio::join!(t.post(&path, body("a")), t.post(&path, body("b")));
    let mut codes = [a.code(), b.code()];
    codes.sort();
    assert_eq!(codes, [201, 500]);
    assert_eq!(t.sim.state().databases.len(), 1);
}

/// The state file of a sim from before databases: no hosts, no databases, no counters of them.
fn strip_database_tables(state: &mut Value) {
    let obj = state.as_object_mut().unwrap();
    obj.remove("databases");
    obj.remove("database_hosts");
    let counters = obj["counters"].as_object_mut().unwrap();
    counters.remove("database");
    counters.remove("database_host");
}

#[tokio::test]
async fn state_files_keep_databases_and_old_ones_load() {
    for d in both() {
        let dir = std::env::temp_dir().join(format!(
            "roost-sim-db-state-{}-{}",
            std::process::id(),
            d.as_str()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("state.json");
        let _ = std::fs::remove_file(&file);
        let cfg = |file: &std::path::Path| {
            let mut c: SimConfig = config(d);
            c.state_file = Some(file.to_path_buf());
            c
        };
        // An old state file: written by a sim, then stripped of what it did not know.
        let t = start_with(cfg(&file)).await;
        let sid = add_server(&t);
        t.sim.clone().shutdown().await;
        let mut old: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        strip_database_tables(&mut old);
        std::fs::write(&file, serde_json::to_vec(&old).unwrap()).unwrap();

        let t = start_with(cfg(&file)).await;
        let st = t.sim.state();
        assert!(st.database_hosts.is_empty() && st.databases.is_empty());
        assert!(st.servers.contains_key(&sid), "the rest loaded");
        let path = format!("/servers/{sid}/databases");
        assert_eq!(
            t.post(&path, body("a")).await.errors()[0].3,
            "exists",
            "no host yet"
        );
        let r = t.post("/__sim/database-hosts", json!({"name": "db"})).await;
        assert_eq!(r.json()["id"], 1);
        let r = t.post(&path, body("a")).await;
        assert_eq!(r.code(), 201, "{}", r.text);
        t.sim.clone().shutdown().await;

        // Saved and loaded back.
        let t = start_with(cfg(&file)).await;
        let st = t.sim.state();
        assert_eq!(st.databases.len(), 1);
        assert_eq!(st.databases[&1].database, format!("s{sid}_a"));
        assert_eq!((st.counters.database, st.counters.database_host), (1, 1));
        let r = t.post(&path, body("b")).await;
        assert_eq!(r.json()["attributes"]["id"], 2, "the counter was kept");
        t.sim.clone().shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
