//! Server databases through the Application API, in both dialects (server-databases.md).
mod common;
use common::*;
use reqwest::Method;
use roost_sim::{Dialect, NodeParams, ServerParams};
use serde_json::{Value, json};

/// A node and two servers on it with unlimited databases; returns (node, server a, server b).
fn setup(t: &T) -> (u64, u64, u64) {
    t.sim.mutate(|s| {
        let loc = s.add_location("eu", None);
        let node = s.add_node(NodeParams {
            location_id: Some(loc),
            ..Default::default()
        });
        let mut server = |name: &str, port| {
            let alloc = s.add_allocation(node, "10.0.0.1", port, None);
            s.add_server(ServerParams {
                name: name.into(),
                allocation_id: Some(alloc),
                databases: None,
                ..Default::default()
            })
        };
        let a = server("a", 25565);
        let b = server("b", 25566);
        (node, a, b)
    })
}

fn dbs(sid: u64) -> String {
    format!("/servers/{sid}/databases")
}

async fn create(t: &T, sid: u64, name: &str) -> Resp {
    t.post(
        &dbs(sid),
        json!({"database": name, "remote": "%", "host": 1}),
    )
    .await
}

fn id_of(r: &Resp) -> u64 {
    r.json()["attributes"]["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("no id: {}", r.text))
}

#[tokio::test]
async fn create_read_reset_delete() {
    for d in both() {
        let t = start(d).await;
        let (_, sid, _) = setup(&t);
        // Pelican's fixture was recorded with `?include=password`, Pterodactyl's without.
        let path = match d {
            Dialect::Pterodactyl => dbs(sid),
            Dialect::Pelican => format!("{}?include=password", dbs(sid)),
        };
        let r = t
            .post(&path, json!({"database": "main", "remote": "%", "host": 1}))
            .await;
        assert_eq!(r.code(), 201, "{}", r.text);
        let created = r.json();
        assert_same_shape(
            &created,
            &panel_fixture(d, "server-databases.create"),
            "create",
        );
        let a = &created["attributes"];
        let id = a["id"].as_u64().unwrap();
        assert_eq!(a["database"], format!("s{sid}_main"));
        assert_eq!(
            (a["server"].as_u64(), a["host"].as_u64()),
            (Some(sid), Some(1))
        );
        assert_eq!(
            a["max_connections"],
            Value::Null,
            "the create is not re-read"
        );
        let user = a["username"].as_str().unwrap();
        let random = user.strip_prefix(&format!("u{sid}_")).unwrap();
        assert!(
            random.len() == 10 && random.chars().all(|c| c.is_ascii_alphanumeric()),
            "{user}"
        );
        assert_eq!(
            created["meta"]["resource"],
            format!(
                "{}/api/application/servers/{sid}/databases/{id}",
                t.sim.url()
            )
        );

        let list = t.get(&dbs(sid)).await;
        assert_eq!(list.code(), 200);
        assert_same_shape(
            &list.json(),
            &panel_fixture(d, "server-databases.list"),
            "list",
        );
        assert!(list.json().get("meta").is_none(), "not paginated");
        assert_eq!(list.json()["data"][0]["attributes"]["max_connections"], 0);

        let one = format!("{}/{id}", dbs(sid));
        let password = |r: &Resp| {
            r.json()["attributes"]["relationships"]["password"]["attributes"]["password"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let got = t.get(&format!("{one}?include=password")).await;
        assert_eq!(got.code(), 200, "{}", got.text);
        assert_eq!(
            got.json()["attributes"]["relationships"]["password"]["object"],
            "database_password"
        );
        let before = password(&got);
        assert_eq!(before.chars().count(), 24, "{before}");

        let r = t
            .req(Method::POST, &format!("{one}/reset-password"), None)
            .await;
        assert_eq!((r.code(), r.text.as_str()), (204, ""));
        let after = password(&t.get(&format!("{one}?include=password")).await);
        assert_eq!(after.chars().count(), 24);
        assert_ne!(before, after, "a new password");

        let r = t.delete(&one).await;
        assert_eq!((r.code(), r.text.as_str()), (204, ""));
        assert_eq!(t.get(&one).await.code(), 404);
        assert_eq!(t.get(&dbs(sid)).await.json()["data"], json!([]));
        assert!(t.sim.state().databases.is_empty());
    }
}

#[tokio::test]
async fn host_include_matches_the_fixture() {
    for d in both() {
        let t = start(d).await;
        let (node, sid, _) = setup(&t);
        // Pterodactyl's embedded host names its node: link the added host to one.
        let r = t
            .post(
                "/__sim/database-hosts",
                json!({"name": "fra-mysql-01", "host": "10.0.0.21", "nodes": [node]}),
            )
            .await;
        assert_eq!(r.code(), 201, "{}", r.text);
        let host = r.json()["id"].as_u64().unwrap();
        assert_eq!(host, 2, "after the stock host");
        let r = t
            .post(
                &dbs(sid),
                json!({"database": "luckperms", "remote": "10.0.0.%", "host": host}),
            )
            .await;
        assert_eq!(r.code(), 201, "{}", r.text);
        let one = format!("{}/{}?include=password,host", dbs(sid), id_of(&r));
        let got = t.get(&one).await.json();
        assert_same_shape(
            &got,
            &panel_fixture(d, "server-databases.get.include"),
            "get",
        );
        let h = &got["attributes"]["relationships"]["host"]["attributes"];
        assert_eq!(
            (h["name"].as_str(), h["port"].as_u64()),
            (Some("fra-mysql-01"), Some(3306))
        );
        if d == Dialect::Pterodactyl {
            assert_eq!(h["node"], node);
        }
    }
}

/// `(source_field, rule)` pairs and the detail of each error.
fn failures(r: &Resp) -> Vec<(String, String, String)> {
    assert_eq!(r.code(), 422, "{}", r.text);
    r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["meta"]["source_field"].as_str().unwrap().to_string(),
                e["meta"]["rule"].as_str().unwrap().to_string(),
                e["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn rules_of(r: &Resp) -> Vec<(String, String)> {
    failures(r)
        .into_iter()
        .map(|(f, rule, _)| (f, rule))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test]
async fn validation_rules() {
    for d in both() {
        let t = start(d).await;
        let (_, sid, _) = setup(&t);
        let r = t.post(&dbs(sid), json!({})).await;
        assert_eq!(
            failures(&r),
            [
                (
                    "database",
                    "required",
                    "The Database Name field is required."
                ),
                (
                    "remote",
                    "required",
                    "The Remote Connection String field is required."
                ),
                (
                    "host",
                    "required",
                    "The Database Host Server ID field is required."
                ),
            ]
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        );
        let r = t
            .post(
                &dbs(sid),
                json!({"database": "my db!", "remote": "10.0.0.0/24", "host": 99}),
            )
            .await;
        let errors = failures(&r);
        assert_eq!(
            rules_of(&r),
            pairs(&[
                ("database", "alpha_dash"),
                ("remote", "regex"),
                ("host", "exists")
            ])
        );
        let alpha_dash = match d {
            Dialect::Pterodactyl => {
                "The Database Name may only contain letters, numbers, dashes and underscores."
            }
            Dialect::Pelican => {
                "The Database Name field must only contain letters, numbers, dashes, and underscores."
            }
        };
        assert_eq!(errors[0].2, alpha_dash);
        assert_eq!(
            errors[2].2,
            "The selected Database Host Server ID is invalid."
        );
        let too_long = "x".repeat(49);
        let r = t
            .post(
                &dbs(sid),
                json!({"database": too_long, "remote": "1234567890123456", "host": "one"}),
            )
            .await;
        assert_eq!(
            rules_of(&r),
            pairs(&[
                ("database", "max"),
                ("remote", "regex"),
                ("host", "integer"),
                // No bail: `exists` runs after `integer` failed, as in Laravel.
                ("host", "exists"),
            ])
        );
        // What the rules accept.
        for (name, remote) in [("a", "%"), ("x-y_z9", "10.0.0.%"), ("b", "192.168.100.255")] {
            let r = t
                .post(
                    &dbs(sid),
                    json!({"database": name, "remote": remote, "host": 1}),
                )
                .await;
            assert_eq!(r.code(), 201, "{name} {remote}: {}", r.text);
            assert_eq!(r.json()["attributes"]["remote"], remote);
        }
        assert!(
            t.sim.state().databases.len() == 3,
            "refused ones kept nothing"
        );
    }
}

#[tokio::test]
async fn names_are_prefixed_cut_and_unique_per_server() {
    for d in both() {
        let t = start(d).await;
        let (_, a, b) = setup(&t);
        assert_eq!(create(&t, a, "main").await.code(), 201);
        let r = create(&t, a, "main").await;
        assert_eq!(
            failures(&r),
            [(
                "database".to_string(),
                "unique".to_string(),
                "The Database Name has already been taken.".to_string()
            )]
        );
        let r = create(&t, b, "main").await;
        assert_eq!(r.code(), 201, "another server may use the name: {}", r.text);
        assert_eq!(r.json()["attributes"]["database"], format!("s{b}_main"));
        // 48 characters pass the rule; the prefixed name is cut to 48.
        let long = format!("{}{}", "n".repeat(44), "tail");
        let r = create(&t, a, &long).await;
        assert_eq!(r.code(), 201, "{}", r.text);
        let full = r.json()["attributes"]["database"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(full.len(), 48);
        assert_eq!(
            full,
            format!("s{a}_{}", &long[..48 - format!("s{a}_").len()])
        );
        // Another name that cuts to the same prefixed name is taken.
        let twin = format!("{}{}", "n".repeat(44), "tWIN");
        assert_eq!(
            rules_of(&create(&t, a, &twin).await),
            pairs(&[("database", "unique")])
        );
    }
}

#[tokio::test]
async fn feature_limit_on_databases() {
    for d in both() {
        let t = start(d).await;
        let (_, a, b) = setup(&t);
        let too_many = json!({"errors": [{"code": "TooManyDatabasesException", "status": "400",
            "detail": "Operation aborted: creating a new database would put this server over the defined limit."}]});
        t.sim.mutate(|s| {
            s.servers.get_mut(&a).unwrap().database_limit = Some(0);
            s.servers.get_mut(&b).unwrap().database_limit = Some(1);
        });
        let r = create(&t, a, "one").await;
        assert_eq!(
            (r.code(), r.json()),
            (400, too_many.clone()),
            "0 blocks creation"
        );
        assert_eq!(create(&t, b, "one").await.code(), 201);
        let r = create(&t, b, "two").await;
        assert_eq!(
            (r.code(), r.json()),
            (400, too_many.clone()),
            "limit reached"
        );
        // Validation answers first.
        let r = t.post(&dbs(b), json!({"database": "two"})).await;
        assert_eq!(r.code(), 422);
        // A server created with `databases: null` stores 0; a build PATCH to null lifts it.
        t.sim
            .mutate(|s| s.servers.get_mut(&a).unwrap().database_limit = None);
        for name in ["x", "y", "z"] {
            assert_eq!(create(&t, a, name).await.code(), 201, "null is unlimited");
        }
        assert_eq!(t.sim.state().databases.len(), 4);
    }
}

#[tokio::test]
async fn binding_is_scoped_to_the_server() {
    for d in both() {
        let t = start(d).await;
        let (_, a, b) = setup(&t);
        let db_of_b = id_of(&create(&t, b, "main").await);
        let not_found = panel_fixture(d, "errors.404");
        for path in [
            format!("{}/{db_of_b}", dbs(a)),
            format!("{}/999", dbs(a)),
            format!("{}/abc", dbs(a)),
            format!("{}/{db_of_b}", dbs(999)),
            dbs(999),
        ] {
            assert_eq!(t.get(&path).await.json(), not_found, "GET {path}");
        }
        for m in [Method::DELETE] {
            let r = t.req(m, &format!("{}/{db_of_b}", dbs(a)), None).await;
            assert_eq!(r.code(), 404);
        }
        let r = t
            .req(
                Method::POST,
                &format!("{}/{db_of_b}/reset-password", dbs(a)),
                None,
            )
            .await;
        assert_eq!(r.code(), 404);
        assert_eq!(t.sim.state().databases.len(), 1, "b's database untouched");
        assert_eq!(create(&t, 999, "x").await.code(), 404);
        // Pelican binds before authentication, Pterodactyl after.
        let r = t
            .raw(Method::GET, &format!("{}/999", dbs(a)), None, None, true)
            .await;
        let expected = match d {
            Dialect::Pterodactyl => 401,
            Dialect::Pelican => 404,
        };
        assert_eq!(r.code(), expected);
    }
}

#[tokio::test]
async fn routes_and_methods() {
    for d in both() {
        let t = start(d).await;
        let (_, a, _) = setup(&t);
        let id = id_of(&create(&t, a, "main").await);
        let r = t.req(Method::PUT, &dbs(a), None).await;
        assert_eq!(r.code(), 405);
        assert!(
            r.errors()[0].0 == "MethodNotAllowedHttpException"
                && r.text.contains("GET, HEAD, POST, DELETE"),
            "{}",
            r.text
        );
        let r = t
            .req(Method::PATCH, &format!("{}/{id}", dbs(a)), None)
            .await;
        assert_eq!(r.code(), 405);
        let r = t
            .req(
                Method::GET,
                &format!("{}/{id}/reset-password", dbs(a)),
                None,
            )
            .await;
        assert_eq!(r.code(), 405);
        // (quirk) `DELETE /servers/{server}/{force?}` takes `/servers/{id}/databases`: the server
        // goes, and its databases with it.
        let r = t.delete(&dbs(a)).await;
        assert_eq!(r.code(), 204);
        let st = t.sim.state();
        assert!(!st.servers.contains_key(&a));
        assert!(st.databases.is_empty());
    }
}

#[tokio::test]
async fn deleting_a_server_drops_its_databases() {
    for d in both() {
        let t = start(d).await;
        let (_, a, b) = setup(&t);
        create(&t, a, "one").await;
        create(&t, a, "two").await;
        let kept = id_of(&create(&t, b, "one").await);
        assert_eq!(t.delete(&format!("/servers/{a}")).await.code(), 204);
        let st = t.sim.state();
        assert_eq!(st.databases.keys().copied().collect::<Vec<_>>(), [kept]);
        assert_eq!(t.get(&dbs(a)).await.code(), 404);
        // Ids are not reused.
        let next = id_of(&create(&t, b, "two").await);
        assert_eq!(next, 4);
    }
}

#[tokio::test]
async fn servers_include_databases() {
    for d in both() {
        let t = start(d).await;
        let (_, a, b) = setup(&t);
        create(&t, a, "luckperms").await;
        let one = t
            .get(&format!("/servers/{a}?include=databases"))
            .await
            .json();
        let rel = &one["attributes"]["relationships"]["databases"];
        assert_eq!(rel["object"], "list");
        let item = &rel["data"][0];
        assert_eq!(item["object"], "databases", "the include's object name");
        assert_eq!(item["attributes"]["database"], format!("s{a}_luckperms"));
        if d == Dialect::Pterodactyl {
            let fixture = panel_fixture(d, "servers.get.include");
            assert_same_shape(
                rel,
                &fixture["attributes"]["relationships"]["databases"],
                "databases include",
            );
        }
        // Nested includes reach the database transformer.
        let nested = t
            .get(&format!("/servers/{a}?include=databases.password"))
            .await
            .json();
        let pw = &nested["attributes"]["relationships"]["databases"]["data"][0]["attributes"]["relationships"]
            ["password"]["attributes"]["password"];
        assert_eq!(pw.as_str().map(|p| p.chars().count()), Some(24));
        let list = t.get("/servers?include=databases").await.json();
        let counts: Vec<usize> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                s["attributes"]["relationships"]["databases"]["data"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .collect();
        assert_eq!(counts, [1, 0], "server {b} has none");
    }
}
