//! Behaviour tests against the running sim, in both dialects where the rule applies.
mod common;
use common::*;
use reqwest::Method;
use roost_sim::Dialect;
use serde_json::{Value, json};

fn node_body(loc: u64) -> Value {
    json!({"name": "node-1", "location_id": loc, "fqdn": "n1.example.com", "scheme": "https",
        "memory": 8192, "memory_overallocate": 0, "disk": 100000, "disk_overallocate": 0,
        "cpu": 400, "cpu_overallocate": 0, "daemon_listen": 8080, "daemon_sftp": 2022,
        "daemon_connect": 8080, "daemon_base": "/srv/daemon", "upload_size": 100, "tags": ["eu"]})
}

/// Location (PT) + node + 3 allocations; returns (node id, allocation ids).
async fn setup_node(t: &T) -> (u64, Vec<u64>) {
    let loc = if t.pt() {
        let r = t
            .post(
                "/locations",
                json!({"short": "eu-fra", "long": "Frankfurt"}),
            )
            .await;
        assert_eq!(r.code(), 201, "{}", r.text);
        r.json()["attributes"]["id"].as_u64().unwrap()
    } else {
        0
    };
    let r = t.post("/nodes", node_body(loc)).await;
    assert_eq!(r.code(), 201, "{}", r.text);
    let node = r.json()["attributes"]["id"].as_u64().unwrap();
    let r = t
        .post(
            &format!("/nodes/{node}/allocations"),
            json!({"ip": "10.0.0.1", "ports": ["25565-25567"]}),
        )
        .await;
    assert_eq!(r.code(), 204, "{}", r.text);
    assert_eq!(r.text, "");
    let r = t.get(&format!("/nodes/{node}/allocations")).await;
    let ids = r.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["attributes"]["id"].as_u64().unwrap())
        .collect();
    (node, ids)
}

fn paper_egg(t: &T) -> (u64, String) {
    let st = t.sim.state();
    let e = st.eggs.values().find(|e| e.name == "Paper").unwrap();
    (
        e.id,
        format!("/nests/{}/eggs/{}", e.nest_id.unwrap_or(0), e.id),
    )
}

fn server_body(egg: u64, alloc: u64) -> Value {
    json!({"name": "srv", "user": 1, "egg": egg, "docker_image": "ghcr.io/pterodactyl/yolks:java_17",
        "startup": "java -jar {{SERVER_JARFILE}}",
        "environment": {"SERVER_JARFILE": "server.jar", "BUILD_NUMBER": "latest", "MINECRAFT_VERSION": "1.20"},
        "limits": {"memory": 1024, "swap": 0, "disk": 2048, "io": 500, "cpu": 100},
        "feature_limits": {"databases": null, "allocations": null, "backups": null},
        "allocation": {"default": alloc}, "oom_disabled": true, "oom_killer": false})
}

async fn create_server(t: &T, alloc: u64) -> Value {
    let (egg, _) = paper_egg(t);
    let r = t.post("/servers", server_body(egg, alloc)).await;
    assert_eq!(r.code(), 201, "{}", r.text);
    r.json()
}

#[tokio::test]
async fn server_lifecycle() {
    for d in both() {
        let t = start(d).await;
        let (node, allocs) = setup_node(&t).await;
        let j = create_server(&t, allocs[0]).await;
        let a = &j["attributes"];
        assert_eq!(a["status"], "installing");
        assert_eq!(a["container"]["installed"], 0);
        assert_eq!(
            a["feature_limits"],
            json!({"databases": 0, "allocations": 0, "backups": 0})
        );
        assert!(j.get("meta").is_none());
        assert_eq!(
            a["identifier"].as_str().unwrap(),
            &a["uuid"].as_str().unwrap()[..8]
        );
        assert_eq!(
            a["container"]["environment"]["DL_PATH"], "",
            "omitted variable stored as empty"
        );
        if d == Dialect::Pterodactyl {
            assert_eq!(a["container"]["environment"]["P_SERVER_LOCATION"], "eu-fra");
            assert!(a.get("nest").is_some());
        } else {
            assert_eq!(a["limits"]["oom_killer"], false);
            assert!(a.get("nest").is_none());
        }
        let id = a["id"].as_u64().unwrap();
        // Installing for `settings.install_ms` after create, then installed.
        let g = t.get(&format!("/servers/{id}")).await.json();
        assert_eq!(g["attributes"]["status"], "installing");
        assert_eq!(g["attributes"]["container"]["installed"], 0);
        t.sim.advance_clock(std::time::Duration::from_secs(3));
        let g = t.get(&format!("/servers/{id}")).await.json();
        assert_eq!(g["attributes"]["status"], Value::Null);
        assert_eq!(g["attributes"]["container"]["installed"], 1);
        let n = t.get(&format!("/nodes/{node}")).await.json();
        assert_eq!(n["attributes"]["allocated_resources"]["memory"], 1024);
        // Suspend is idempotent.
        for _ in 0..2 {
            let r = t
                .req(Method::POST, &format!("/servers/{id}/suspend"), None)
                .await;
            assert_eq!((r.code(), r.text.as_str()), (204, ""));
        }
        assert_eq!(
            t.get(&format!("/servers/{id}")).await.json()["attributes"]["suspended"],
            true
        );
        let r = t
            .req(Method::POST, &format!("/servers/{id}/unsuspend"), None)
            .await;
        assert_eq!(r.code(), 204);
        t.sim.mutate(|s| s.auto_install = false);
        let r = t
            .req(Method::POST, &format!("/servers/{id}/reinstall"), None)
            .await;
        assert_eq!(r.code(), 204);
        assert_eq!(
            t.get(&format!("/servers/{id}")).await.json()["attributes"]["status"],
            "installing"
        );
        // Delete node with servers -> 400.
        let r = t.delete(&format!("/nodes/{node}")).await;
        assert_eq!(r.code(), 400);
        assert_eq!(r.json(), fixture(d, "errors.400-node-has-servers"));
        // Allocation in use -> 400.
        let r = t
            .delete(&format!("/nodes/{node}/allocations/{}", allocs[0]))
            .await;
        assert_eq!(r.json(), fixture(d, "errors.400-allocation-assigned"));
        // User owning servers -> 400 (PL: a non-admin user; admin is Root Admin).
        let u = t.post("/users", json!({"email": "o@example.com", "username": "owner", "first_name": "O", "last_name": "W"})).await.json();
        let uid = u["attributes"]["id"].as_u64().unwrap();
        let r = t
            .patch(
                &format!("/servers/{id}/details"),
                json!({"name": "renamed", "user": uid}),
            )
            .await;
        assert_eq!(r.code(), 200, "{}", r.text);
        assert_eq!(r.json()["attributes"]["description"], "");
        assert_eq!(r.json()["attributes"]["external_id"], Value::Null);
        let r = t.delete(&format!("/users/{uid}")).await;
        assert_eq!(r.json(), fixture(d, "errors.400-user-has-servers"));
        // Delete, then the allocation is free and the node deletable.
        let r = t.delete(&format!("/servers/{id}/force")).await;
        assert_eq!(r.code(), 204);
        assert_eq!(
            t.get(&format!("/servers/{id}")).await.json(),
            fixture(d, "errors.404")
        );
        let r = t
            .delete(&format!("/nodes/{node}/allocations/{}", allocs[0]))
            .await;
        assert_eq!(r.code(), 204);
        assert_eq!(t.delete(&format!("/users/{uid}")).await.code(), 204);
        assert_eq!(t.delete(&format!("/nodes/{node}")).await.code(), 204);
        assert!(
            t.sim.state().allocations.is_empty(),
            "allocations cascade with the node"
        );
    }
}

fn fixture(d: Dialect, name: &str) -> Value {
    common::panel_fixture(d, name)
}

#[tokio::test]
async fn server_validation_and_variables() {
    for d in both() {
        let t = start(d).await;
        let (_, allocs) = setup_node(&t).await;
        let (egg, _) = paper_egg(&t);
        // Missing limits.memory and bad io.
        let mut b = server_body(egg, allocs[0]);
        b["limits"] = json!({"swap": 0, "disk": 1, "io": 5000, "cpu": 0});
        let r = t.post("/servers", b).await;
        assert_eq!(r.code(), 422);
        assert_eq!(
            r.rules(),
            vec![
                ("limits.memory".into(), "required".into()),
                ("limits.io".into(), "between".into())
            ]
        );
        let e = &r.json()["errors"][1];
        let io = if d == Dialect::Pterodactyl {
            "The limits.io must be between 10 and 1000."
        } else {
            "The limits.io field must be between 0 and 1000."
        };
        assert_eq!(e["detail"], io);
        // Variables: bad jar regex; PT also requires BUILD_NUMBER when omitted, PL uses the default.
        let mut b = server_body(egg, allocs[0]);
        b["environment"] = json!({"SERVER_JARFILE": "server.zip"});
        let r = t.post("/servers", b).await;
        assert_eq!(r.code(), 422, "{}", r.text);
        let mut want = vec![(
            "environment.SERVER_JARFILE".to_string(),
            "regex".to_string(),
        )];
        if d == Dialect::Pterodactyl {
            want.push(("environment.BUILD_NUMBER".into(), "required".into()));
        }
        assert_eq!(r.rules(), want);
        if d == Dialect::Pterodactyl {
            assert_eq!(
                r.json()["errors"][1]["detail"],
                "The Build Number variable field is required."
            );
        }
        // Allocation already assigned -> exists rule.
        create_server(&t, allocs[0]).await;
        let r = t.post("/servers", server_body(egg, allocs[0])).await;
        assert_eq!(
            r.rules(),
            vec![("allocation.default".into(), "exists".into())]
        );
        // Feature limits keys must be present.
        let mut b = server_body(egg, allocs[1]);
        b["feature_limits"] = json!({"allocations": 1});
        let r = t.post("/servers", b).await;
        assert_eq!(
            r.rules(),
            vec![
                ("feature_limits.databases".into(), "present".into()),
                ("feature_limits.backups".into(), "present".into())
            ]
        );
        // PT requires docker_image/startup; PL defaults them from the egg.
        let mut b = server_body(egg, allocs[1]);
        b.as_object_mut().unwrap().remove("docker_image");
        b.as_object_mut().unwrap().remove("startup");
        let r = t.post("/servers", b).await;
        if d == Dialect::Pterodactyl {
            assert_eq!(
                r.rules(),
                vec![
                    ("docker_image".into(), "required".into()),
                    ("startup".into(), "required".into())
                ]
            );
        } else {
            assert_eq!(r.code(), 201);
            assert_eq!(
                r.json()["attributes"]["container"]["image"],
                "ghcr.io/pelican-eggs/yolks:java_21"
            );
        }
        // Malformed JSON.
        let r =
            t.c.post(format!("{}/api/application/servers", t.sim.url()))
                .bearer_auth(t.sim.token())
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .body("{nope")
                .send()
                .await
                .unwrap();
        assert_eq!(r.status().as_u16(), 400);
        let j: Value = r.json().await.unwrap();
        assert_eq!(j["errors"][0]["code"], "BadRequestHttpException");
    }
}

#[tokio::test]
async fn build_and_startup_patches() {
    for d in both() {
        let t = start(d).await;
        let (_, allocs) = setup_node(&t).await;
        let s = create_server(&t, allocs[0]).await;
        let id = s["attributes"]["id"].as_u64().unwrap();
        let full = json!({"allocation": allocs[0], "limits": {"memory": 2048, "swap": 0, "disk": 1, "io": 500, "cpu": 0},
            "feature_limits": {"databases": null, "allocations": null, "backups": null}, "add_allocations": [allocs[1]]});
        let r = t.patch(&format!("/servers/{id}/build"), full.clone()).await;
        assert_eq!(r.code(), 200, "{}", r.text);
        let a = &r.json()["attributes"];
        assert_eq!(a["limits"]["memory"], 2048);
        assert_eq!(
            a["feature_limits"],
            json!({"databases": null, "allocations": null, "backups": 0})
        );
        // Omitting `allocation`: PT 422 required, PL 500.
        let mut b = full.clone();
        b.as_object_mut().unwrap().remove("allocation");
        let r = t.patch(&format!("/servers/{id}/build"), b).await;
        if d == Dialect::Pterodactyl {
            assert_eq!(r.rules(), vec![("allocation".into(), "required".into())]);
        } else {
            assert_eq!(r.code(), 500);
        }
        // Removing the primary without fallback: PT 400, PL picks another.
        let mut b = full.clone();
        b["add_allocations"] = json!([]);
        b["remove_allocations"] = json!([allocs[0]]);
        let r = t.patch(&format!("/servers/{id}/build"), b).await;
        if d == Dialect::Pterodactyl {
            assert_eq!(r.code(), 400);
            assert_eq!(r.errors()[0].0, "DisplayException");
        } else {
            assert_eq!(r.code(), 200);
            assert_eq!(r.json()["attributes"]["allocation"], allocs[1]);
        }
        // Default allocation not owned: PT 400, PL 404.
        let mut b = full.clone();
        b["allocation"] = json!(allocs[2]);
        b["add_allocations"] = json!([]);
        let r = t.patch(&format!("/servers/{id}/build"), b).await;
        assert_eq!(r.code(), if d == Dialect::Pterodactyl { 400 } else { 404 });
        // Startup: environment rewritten, omitted variables become "".
        let (egg, _) = paper_egg(&t);
        let r = t
            .patch(
                &format!("/servers/{id}/startup"),
                json!({"startup": "x", "image": "img:1", "egg": egg, "skip_scripts": false,
            "environment": {"SERVER_JARFILE": "a.jar", "BUILD_NUMBER": "12"}}),
            )
            .await;
        assert_eq!(r.code(), 200, "{}", r.text);
        let env = &r.json()["attributes"]["container"]["environment"];
        assert_eq!(env["SERVER_JARFILE"], "a.jar");
        assert_eq!(env["MINECRAFT_VERSION"], "");
        let r = t
            .patch(&format!("/servers/{id}/startup"), json!({"egg": egg}))
            .await;
        let mut want = vec![
            ("environment".to_string(), "present".to_string()),
            ("skip_scripts".into(), "present".into()),
        ];
        if d == Dialect::Pterodactyl {
            want.insert(0, ("startup".into(), "required".into()));
            want.push(("image".into(), "required".into()));
        }
        let mut got = r.rules();
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }
}

#[tokio::test]
async fn node_rules_and_quirks() {
    for d in both() {
        let t = start(d).await;
        let (node, _) = setup_node(&t).await;
        let mut b = node_body(1);
        b.as_object_mut().unwrap().remove("daemon_base");
        let r = t.patch(&format!("/nodes/{node}"), b).await;
        assert_eq!(r.code(), 200, "{}", r.text);
        assert_eq!(
            r.json()["attributes"]["daemon_base"],
            d.default_daemon_base(),
            "daemon_base reset when omitted"
        );
        let r = t.post("/nodes", json!({"name": "x", "location_id": 1, "scheme": "ftp", "memory": 1, "memory_overallocate": 0,
            "disk": 1, "disk_overallocate": 0, "cpu": 0, "cpu_overallocate": 0, "daemon_listen": 8080, "daemon_sftp": 2022})).await;
        assert_eq!(r.code(), 422);
        if d == Dialect::Pelican {
            // Same three failures as fixtures/pelican/errors.422.json.
            assert_eq!(r.json(), fixture(d, "errors.422"));
        } else {
            assert_eq!(r.rules(), vec![("fqdn".into(), "required".into())]);
            let r = t
                .post("/nodes", json!({"name": "bad#name", "location_id": 99}))
                .await;
            let rules = r.rules();
            assert_eq!(rules[0], ("name".into(), "regex".into()));
            assert_eq!(rules[1], ("location_id".into(), "exists".into()));
        }
        // PL create omits unsent attributes.
        if d == Dialect::Pelican {
            let mut b = node_body(0);
            b.as_object_mut().unwrap().remove("upload_size");
            let j = t.post("/nodes", b).await.json();
            assert!(j["attributes"].get("upload_size").is_none());
            assert!(j["attributes"].get("description").is_none());
            assert!(
                j["meta"]["resource"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("/api/application/nodes/{}", j["attributes"]["id"]))
            );
        }
        let cfg = t.get(&format!("/nodes/{node}/configuration")).await.json();
        assert_eq!(cfg["api"]["port"], 8080);
        assert_eq!(cfg["token_id"].as_str().unwrap().len(), 16);
        // Deployable: PT 400 when none, PL empty list.
        let r = t.get("/nodes/deployable?memory=999999999&disk=1").await;
        if d == Dialect::Pterodactyl {
            assert_eq!(r.code(), 400);
            assert_eq!(r.errors()[0].0, "NoViableNodeException");
        } else {
            assert_eq!(r.json()["data"], json!([]));
        }
        let r = t.get("/nodes/deployable?memory=1&disk=1").await;
        assert_eq!(r.code(), 200, "{}", r.text);
        assert!(r.json().get("meta").is_none());
    }
}

#[tokio::test]
async fn allocation_rules() {
    for d in both() {
        let t = start(d).await;
        let (node, _) = setup_node(&t).await;
        let p = format!("/nodes/{node}/allocations");
        let pt = d == Dialect::Pterodactyl;
        let r = t
            .post(&p, json!({"ip": "10.0.0.2", "ports": [25565]}))
            .await;
        assert_eq!(r.rules(), vec![("ports.0".into(), "string".into())]);
        let r = t
            .post(&p, json!({"ip": "10.0.0.2", "ports": ["1024"]}))
            .await;
        if pt {
            assert_eq!(r.errors()[0].0, "PortOutOfRangeException");
        } else {
            assert_eq!(r.code(), 204);
        }
        let r = t
            .post(&p, json!({"ip": "10.0.0.2", "ports": ["1023"]}))
            .await;
        assert_eq!(r.errors()[0].0, "PortOutOfRangeException");
        let r = t
            .post(&p, json!({"ip": "10.0.0.2", "ports": ["2000-3500"]}))
            .await;
        assert_eq!(r.errors()[0].0, "TooManyPortsInRangeException");
        let r = t
            .post(&p, json!({"ip": "10.0.0.2", "ports": ["abc"]}))
            .await;
        assert_eq!(r.errors()[0].0, "InvalidPortMappingException");
        let r = t
            .post(&p, json!({"ip": "10.0.1.0/26", "ports": ["3000"]}))
            .await;
        if pt {
            assert_eq!(r.errors()[0].0, "CidrOutOfRangeException");
        } else {
            assert_eq!(r.code(), 204);
        }
        let r = t
            .post(&p, json!({"ip": "10.0.2.0/24", "ports": ["3000"]}))
            .await;
        assert_eq!(r.errors()[0].0, "CidrOutOfRangeException");
        let r = t
            .post(&p, json!({"ip": "10.0.3.0/30", "ports": ["3000"]}))
            .await;
        assert_eq!(r.code(), 204);
        // Duplicate pair: PT skipped, PL 500.
        let before = t.sim.state().allocations.len();
        let r = t
            .post(&p, json!({"ip": "10.0.3.1", "ports": ["3000", "3001"]}))
            .await;
        if pt {
            assert_eq!(r.code(), 204);
            assert_eq!(t.sim.state().allocations.len(), before + 1);
        } else {
            assert_eq!(r.code(), 500);
            assert_eq!(t.sim.state().allocations.len(), before, "rolled back");
        }
        // Filters.
        let r = t
            .get(&format!("{p}?filter[ip]=10.0.3.1&filter[port]=3000"))
            .await
            .json();
        assert_eq!(r["meta"]["pagination"]["total"], 1);
        let r = t.get(&format!("{p}?filter[server_id]=none")).await.json();
        assert!(
            r["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["attributes"]["assigned"] == false)
        );
        let r = t
            .get(&format!("{p}?include=node,server&per_page=1"))
            .await
            .json();
        assert_eq!(
            r["data"][0]["attributes"]["relationships"]["server"]["object"],
            "null_resource"
        );
        assert_eq!(
            r["data"][0]["attributes"]["relationships"]["node"]["object"],
            "node"
        );
    }
}

#[tokio::test]
async fn users_and_roles() {
    for d in both() {
        let t = start(d).await;
        let pt = d == Dialect::Pterodactyl;
        let r = t.post("/users", json!({"email": "a@example.com", "username": "alice", "first_name": "A", "last_name": "L", "external_id": "ext-1"})).await;
        assert_eq!(r.code(), 201);
        let j = r.json();
        let id = j["attributes"]["id"].as_u64().unwrap();
        assert!(
            j["meta"]["resource"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/users/{id}"))
        );
        assert_eq!(j["attributes"].get("first_name").is_some(), pt);
        assert_eq!(j["attributes"].get("2fa_enabled").is_some(), !pt);
        let r = t.get("/users/external/ext-1").await;
        assert_eq!(r.json()["attributes"]["id"], id);
        assert_eq!(
            t.get("/users/external/nope").await.json(),
            fixture(d, "errors.404")
        );
        // Uniqueness + PT username rule.
        let r = t.post("/users", json!({"email": "a@example.com", "username": "-x", "first_name": "A", "last_name": "L"})).await;
        let mut want = vec![("email".to_string(), "unique".to_string())];
        if pt {
            want.insert(0, ("username".into(), "p_username".into()));
        }
        assert_eq!(r.rules(), want);
        // PATCH requires email/username again.
        let r = t
            .patch(&format!("/users/{id}"), json!({"language": "en"}))
            .await;
        assert_eq!(r.code(), 422);
        let admin = t.sim.state().api_key_owner;
        let r = t.delete(&format!("/users/{admin}")).await;
        if pt {
            assert_eq!(r.code(), 204);
        } else {
            assert_eq!((r.code(), r.text.as_str()), (403, "[]"));
            // Roles.
            let r = t.post("/roles", json!({"name": "Node Operator"})).await;
            assert_eq!(r.code(), 201);
            let rid = r.json()["attributes"]["id"].as_u64().unwrap();
            let r = t
                .patch(
                    &format!("/users/{id}/roles/assign?include=roles"),
                    json!({"roles": [rid, 1]}),
                )
                .await;
            assert_eq!(r.code(), 200, "{}", r.text);
            let roles = &r.json()["attributes"]["relationships"]["roles"]["data"];
            assert_eq!(roles.as_array().unwrap().len(), 1, "Root Admin is skipped");
            assert_eq!(r.json()["attributes"]["root_admin"], false);
            let r = t
                .patch(
                    &format!("/users/{id}/roles/assign"),
                    json!({"roles": [999]}),
                )
                .await;
            assert_eq!(r.rules(), vec![("roles.0".into(), "exists".into())]);
            let r = t
                .patch(
                    &format!("/users/{id}/roles/remove?include=roles"),
                    json!({"roles": [rid]}),
                )
                .await;
            assert_eq!(
                r.json()["attributes"]["relationships"]["roles"]["data"],
                json!([])
            );
            let r = t.get("/roles").await.json();
            assert_eq!(r["meta"]["pagination"]["per_page"], 10);
            assert_eq!(t.delete("/roles/1").await.code(), 500);
            assert_eq!(
                t.get(&format!("/users/{admin}")).await.json()["attributes"]["root_admin"],
                true
            );
        }
    }
}

#[tokio::test]
async fn pagination_filters_includes() {
    for d in both() {
        let t = start(d).await;
        t.sim.mutate(|s| {
            for i in 0..7 {
                s.add_user(roost_sim::UserParams {
                    username: format!("user{i}"),
                    email: format!("u{i}@x.io"),
                    ..Default::default()
                });
            }
        });
        let base = format!("{}/api/application/users", t.sim.url());
        let p1 = t.get("/users?per_page=3").await.json();
        let pg = &p1["meta"]["pagination"];
        assert_eq!(
            (
                pg["total"].as_u64(),
                pg["count"].as_u64(),
                pg["total_pages"].as_u64()
            ),
            (Some(8), Some(3), Some(3))
        );
        assert_eq!(pg["links"], json!({"next": format!("{base}?page=2")}));
        let p2 = t.get("/users?per_page=3&page=2").await.json();
        assert_eq!(
            p2["meta"]["pagination"]["links"],
            json!({"previous": format!("{base}?page=1"), "next": format!("{base}?page=3")})
        );
        let p3 = t.get("/users?per_page=3&page=3").await.json();
        assert_eq!(p3["meta"]["pagination"]["count"], 2);
        let p9 = t.get("/users?per_page=3&page=9").await.json();
        assert_eq!(p9["data"], json!([]));
        assert_eq!(p9["meta"]["pagination"]["current_page"], 9);
        let all = t.get("/users").await.json();
        assert_eq!(all["meta"]["pagination"]["links"], json!({}));
        assert_eq!(all["meta"]["pagination"]["per_page"], 50);
        assert_eq!(
            t.get("/users?per_page=0").await.json()["meta"]["pagination"]["per_page"],
            15
        );
        let f = t.get("/users?filter[username]=USER1,user2").await.json();
        assert_eq!(f["meta"]["pagination"]["total"], 2);
        let s = t.get("/users?sort=-id&per_page=1").await.json();
        assert_eq!(s["data"][0]["attributes"]["username"], "user6");
        let r = t.get("/servers?filter[owner]=x").await;
        assert_eq!(r.code(), 400);
        if d == Dialect::Pterodactyl {
            assert_eq!(r.json(), fixture(d, "errors.400-invalid-filter"));
        } else {
            assert!(
                r.json()["errors"][0]["detail"]
                    .as_str()
                    .unwrap()
                    .contains("uuid_short")
            );
        }
        assert_eq!(
            t.get("/users?sort=email").await.errors()[0].0,
            "InvalidSortQuery"
        );
        // Includes.
        let (node, allocs) = setup_node(&t).await;
        create_server(&t, allocs[0]).await;
        let inc = if d == Dialect::Pterodactyl {
            "allocations,user,egg,variables,node,nest,location"
        } else {
            "allocations,user,egg,variables,node"
        };
        let r = t.get(&format!("/servers?include={inc}")).await.json();
        let rel = &r["data"][0]["attributes"]["relationships"];
        assert_eq!(
            rel["allocations"]["data"][0]["attributes"]["assigned"],
            true
        );
        assert_eq!(rel["user"]["object"], "user");
        assert_eq!(rel["variables"]["data"][0]["object"], "server_variable");
        assert!(
            rel["variables"]["data"][0]["attributes"]["created_at"]
                .as_str()
                .unwrap()
                .ends_with(".000000Z")
        );
        assert_eq!(rel["node"]["attributes"]["id"], node);
        if d == Dialect::Pterodactyl {
            assert_eq!(rel["location"]["attributes"]["short"], "eu-fra");
            assert!(rel["variables"]["data"][0]["attributes"]["rules"].is_string());
        } else {
            assert!(rel["variables"]["data"][0]["attributes"]["rules"].is_array());
        }
        assert_eq!(t.get("/servers?include=transfer").await.code(), 500);
        let n = t
            .get(&format!("/nodes/{node}?include=allocations,servers"))
            .await
            .json();
        assert_eq!(
            n["attributes"]["relationships"]["servers"]["data"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let u = t.get("/users/1?include=servers").await.json();
        assert_eq!(
            u["attributes"]["relationships"]["servers"]["object"],
            "list"
        );
    }
}

#[tokio::test]
async fn routes_auth_and_dialect_paths() {
    for d in both() {
        let t = start(d).await;
        let pt = d == Dialect::Pterodactyl;
        let missing = if pt { "/eggs" } else { "/locations" };
        let r = t.raw(Method::GET, missing, None, None, true).await;
        assert_eq!(
            r.json(),
            fixture(d, "errors.404-route"),
            "route 404 even without token"
        );
        let r = t.get(if pt { "/nests?per_page=1" } else { "/eggs" }).await;
        assert_eq!(r.code(), 200);
        let r = t.get(if pt { "/roles" } else { "/nests" }).await;
        assert_eq!(r.code(), 404);
        let r = t
            .raw(Method::GET, "/servers/1/suspend", None, None, true)
            .await;
        assert_eq!(r.code(), 405);
        assert_eq!(r.errors()[0].0, "MethodNotAllowedHttpException");
        let r = t.raw(Method::GET, "/users", None, None, true).await;
        assert_eq!(r.json(), fixture(d, "errors.401"));
        let r = t
            .raw(Method::GET, "/users", None, Some("ptla_wrong"), true)
            .await;
        assert_eq!(r.code(), 401);
        let r = t.raw(Method::GET, "/users", None, None, false).await;
        assert_eq!(r.code(), 302, "no Accept json -> redirect to login");
        // Order of checks: unknown id without token.
        let r = t.raw(Method::GET, "/users/999", None, None, true).await;
        assert_eq!(r.code(), if pt { 401 } else { 404 });
        assert_eq!(t.get("/users/999").await.json(), fixture(d, "errors.404"));
        assert_eq!(t.get("/users/abc").await.code(), 404);
        // Stock content.
        let st = t.sim.state();
        assert_eq!(st.eggs.len(), 11);
        assert_eq!(st.nests.len(), if pt { 4 } else { 0 });
        assert_eq!(t.sim.token().len(), 48);
        assert!(
            t.sim
                .token()
                .starts_with(if pt { "ptla_" } else { "papp_" })
        );
        let eggs = if pt {
            t.get("/nests/1/eggs?include=variables").await
        } else {
            t.get("/eggs?include=variables").await
        };
        assert!(
            eggs.json().get("meta").is_none(),
            "egg lists are not paginated"
        );
        let paper = &eggs.json()["data"][0]["attributes"];
        assert_eq!(paper["name"], "Paper");
        let v = &paper["relationships"]["variables"]["data"];
        let jar = v
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["attributes"]["env_variable"] == "SERVER_JARFILE")
            .unwrap();
        if pt {
            assert_eq!(
                jar["attributes"]["rules"],
                r"required|regex:/^([\w\d._-]+)(\.jar)$/"
            );
            let r = t.get("/nests/2/eggs/1").await;
            assert_eq!(r.code(), 404, "egg must belong to the nest");
        } else {
            assert_eq!(
                jar["attributes"]["rules"],
                json!(["required", r"regex:/^([\w\d._-]+)(\.jar)$/"])
            );
        }
        if pt {
            let r = t.post("/locations", json!({"short": "a"})).await;
            let id = r.json()["attributes"]["id"].as_u64().unwrap();
            t.post("/nodes", node_body(id)).await;
            let r = t.delete(&format!("/locations/{id}")).await;
            assert_eq!(r.json(), fixture(d, "errors.400-location-has-nodes"));
            let r = t.post("/locations", json!({"short": "a"})).await;
            assert_eq!(
                r.json()["errors"][0]["detail"],
                "The Location Identifier has already been taken."
            );
        }
    }
}
