//! The Client API's transport: route 404/405, authentication, the order of binding and
//! authentication per dialect, account keys (minted, created, allow-listed, deleted), faults,
//! the admin interface, persistence of the new records and old state files.

mod common;

use common::both;
use common::client::{client_config, world, world_with};
use reqwest::Method;
use roost_sim::{Dialect, FaultAction, FaultRule, Faults, Sim};
use serde_json::{Value, json};

#[tokio::test]
async fn routes_authentication_and_binding_order() {
    for d in both() {
        let w = world(d).await;
        let r = w.get(&w.owner_key, "/api/client/nope").await;
        assert_eq!(r.code(), 404);
        assert_eq!(
            r.json()["errors"][0]["detail"],
            "The route api/client/nope could not be found."
        );
        let r = w
            .call(&w.owner_key, Method::DELETE, &w.srv("/startup"), None)
            .await;
        assert_eq!(r.code(), 405);
        let r =
            w.t.raw(
                Method::GET,
                &w.srv(""),
                None,
                Some("ptlc_0000000000000000000000000000000000000000000"),
                true,
            )
            .await;
        assert_eq!(r.code(), 401);
        let r =
            w.t.raw(
                Method::GET,
                "/api/client/servers/zzzzzzzz",
                None,
                None,
                true,
            )
            .await;
        let expected = if d == Dialect::Pelican { 404 } else { 401 };
        assert_eq!(
            r.code(),
            expected,
            "{d}: Pelican binds before it authenticates"
        );
        let r =
            w.t.c
                .post(format!("{}{}", w.t.sim.url(), w.srv("/settings/rename")))
                .bearer_auth(&w.owner_key)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap();
        assert_eq!(r.status().as_u16(), 400);
        // The full uuid works as well as the identifier; Pelican takes the identifier even
        // where Pterodactyl reads a 36-character value as a uuid only.
        let by_uuid = w
            .get(&w.owner_key, &format!("/api/client/servers/{}", w.uuid))
            .await;
        assert_eq!(by_uuid.code(), 200);
    }
}

#[tokio::test]
async fn account_keys_created_listed_allow_listed_and_deleted() {
    for d in both() {
        let w = world(d).await;
        let r = w
            .post(
                &w.owner_key,
                "/api/client/account/api-keys",
                json!({"description": "bot", "allowed_ips": ["10.0.0.0/8", "nope"]}),
            )
            .await;
        assert_eq!(r.code(), 422);
        assert_eq!(
            r.json()["errors"][0]["meta"],
            json!({"source_field": "allowed_ips.1", "rule": null})
        );
        let r = w
            .post(
                &w.owner_key,
                "/api/client/account/api-keys",
                json!({"description": "bot", "allowed_ips": ["10.0.0.0/8"]}),
            )
            .await;
        assert_eq!(r.code(), 200, "{}", r.text);
        let j = r.json();
        let prefix = if d == Dialect::Pterodactyl {
            "ptlc_"
        } else {
            "pacc_"
        };
        let identifier = j["attributes"]["identifier"].as_str().unwrap().to_string();
        assert!(identifier.starts_with(prefix) && identifier.len() == 16);
        let token = format!(
            "{identifier}{}",
            j["meta"]["secret_token"].as_str().unwrap()
        );
        assert_eq!(token.len(), 48);
        let r = w.get(&token, "/api/client/account").await;
        assert_eq!(r.code(), 403, "{d}: 127.0.0.1 is not in 10.0.0.0/8");
        assert!(
            r.json()["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .starts_with("This IP address (127.0.0.1)")
        );
        let keys = w
            .get(&w.owner_key, "/api/client/account/api-keys")
            .await
            .json();
        assert_eq!(
            keys["data"].as_array().unwrap().len(),
            2,
            "the minted key and the new one"
        );
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &format!("/api/client/account/api-keys/{identifier}"),
                None,
            )
            .await;
        assert_eq!(r.code(), 204);
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &format!("/api/client/account/api-keys/{identifier}"),
                None,
            )
            .await;
        assert_eq!(r.code(), 404);
        let own = w.owner_key[..16].to_string();
        w.call(
            &w.owner_key,
            Method::DELETE,
            &format!("/api/client/account/api-keys/{own}"),
            None,
        )
        .await;
        assert_eq!(
            w.get(&w.owner_key, "/api/client/account").await.code(),
            401,
            "{d}: deleted key"
        );
        w.t.sim.mutate(|s| s.settings.api_key_limit = 0);
        let r = w
            .post(
                &w.sub_key,
                "/api/client/account/api-keys",
                json!({"description": "x"}),
            )
            .await;
        assert_eq!(
            r.json()["errors"][0]["detail"],
            "You have reached the account limit for number of API keys."
        );
    }
}

#[tokio::test]
async fn account_changes_need_the_current_password() {
    for d in both() {
        let w = world(d).await;
        w.t.sim
            .mutate(|s| s.users.get_mut(&w.owner).unwrap().password = Some("hunter22".into()));
        let put = |path: &'static str, body| w.call(&w.owner_key, Method::PUT, path, Some(body));
        let r = put(
            "/api/client/account/email",
            json!({"email": "new@example.com", "password": "wrong"}),
        )
        .await;
        assert_eq!(
            (r.code(), r.errors()[0].0.as_str()),
            (400, "InvalidPasswordProvidedException")
        );
        let r = put(
            "/api/client/account/email",
            json!({"email": "helper@example.com", "password": "hunter22"}),
        )
        .await;
        assert_eq!(r.rules(), vec![("email".into(), "unique".into())]);
        let r = put(
            "/api/client/account/email",
            json!({"email": "new@example.com", "password": "hunter22"}),
        )
        .await;
        assert_eq!(r.code(), 204);
        assert_eq!(
            w.get(&w.owner_key, "/api/client/account").await.json()["attributes"]["email"],
            "new@example.com"
        );
        let r = put("/api/client/account/password", json!({"current_password": "hunter22", "password": "longenough", "password_confirmation": "different"})).await;
        assert_eq!(r.rules(), vec![("password".into(), "confirmed".into())]);
        let r = put("/api/client/account/password", json!({"current_password": "hunter22", "password": "longenough", "password_confirmation": "longenough"})).await;
        assert_eq!(r.code(), 204);
        let activity = w
            .get(&w.owner_key, "/api/client/account/activity")
            .await
            .json();
        let events: Vec<&str> = activity["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["attributes"]["event"].as_str().unwrap())
            .collect();
        assert_eq!(
            events,
            vec![
                "user:account.email-changed",
                "user:account.password-changed"
            ]
        );
    }
}

#[tokio::test]
async fn server_activity_is_listed_with_filters_and_actor() {
    for d in both() {
        let w = world(d).await;
        w.post(
            &w.owner_key,
            &w.srv("/settings/rename"),
            json!({"name": "A"}),
        )
        .await;
        w.post(
            &w.owner_key,
            &w.srv("/settings/rename"),
            json!({"name": "B"}),
        )
        .await;
        let list = w
            .get(
                &w.owner_key,
                &w.srv("/activity?sort=-timestamp&include=actor"),
            )
            .await;
        assert_eq!(list.code(), 200, "{}", list.text);
        let j = list.json();
        let data = j["data"].as_array().unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data[0]["attributes"]["event"], "server:settings.rename");
        assert_eq!(data[0]["attributes"]["is_api"], true);
        assert_eq!(
            data[0]["attributes"]["relationships"]["actor"]["object"],
            "user"
        );
        assert_eq!(
            data[0]["attributes"].get("batch").is_some(),
            d == Dialect::Pterodactyl
        );
        let none = w
            .get(&w.owner_key, &w.srv("/activity?filter[event]=backup"))
            .await
            .json();
        assert_eq!(none["data"].as_array().unwrap().len(), 0);
        assert_eq!(w.get(&w.sub_key, &w.srv("/activity")).await.code(), 403);
    }
}

#[tokio::test]
async fn faults_and_database_locks_hit_client_routes() {
    for d in both() {
        let w = world(d).await;
        w.t.sim.set_faults(Faults {
            rules: vec![FaultRule {
                method: Some("POST".into()),
                path: "/api/client/servers".into(),
                nth: 1,
                times: 1,
                action: FaultAction::Status {
                    status: 502,
                    after_commit: true,
                },
            }],
            ..Default::default()
        });
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/settings/rename"),
                json!({"name": "after commit"}),
            )
            .await;
        assert_eq!(r.code(), 502, "{d}");
        assert_eq!(
            w.t.sim.state().servers[&w.server].name,
            "after commit",
            "{d}: committed"
        );
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/settings/rename"),
                json!({"name": "again"}),
            )
            .await;
        assert_eq!(r.code(), 204);
        w.t.sim.set_faults(Faults {
            db_lock: roost_sim::DbLock {
                rate: 1.0,
                ..Default::default()
            },
            ..Default::default()
        });
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/settings/rename"),
                json!({"name": "locked"}),
            )
            .await;
        assert_eq!(r.code(), 500, "{d}: {}", r.text);
        assert_eq!(
            w.get(&w.owner_key, &w.srv("")).await.code(),
            200,
            "reads are not locked"
        );
        assert_eq!(w.t.sim.request_log().last().unwrap().path, w.srv(""));
    }
}

#[tokio::test]
async fn the_admin_interface_mints_keys_moves_the_clock_and_sets_settings() {
    let w = world(Dialect::Pterodactyl).await;
    let admin = w.t.sim.token();
    let r =
        w.t.raw(
            Method::POST,
            "/__sim/client-keys",
            Some(json!({"user": w.stranger})),
            Some(&admin),
            true,
        )
        .await;
    assert_eq!(r.code(), 201, "{}", r.text);
    let token = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(
        w.get(&token, "/api/client/account").await.json()["attributes"]["username"],
        "stranger"
    );
    let r =
        w.t.raw(
            Method::POST,
            "/__sim/client-keys",
            Some(json!({"user": 999})),
            Some(&admin),
            true,
        )
        .await;
    assert_eq!(r.code(), 400);
    let before =
        w.t.raw(Method::GET, "/__sim/clock", None, Some(&admin), true)
            .await
            .json()["now_ms"]
            .as_i64()
            .unwrap();
    let after =
        w.t.raw(
            Method::POST,
            "/__sim/clock",
            Some(json!({"advance_ms": 3_600_000})),
            Some(&admin),
            true,
        )
        .await
        .json()["now_ms"]
            .as_i64()
            .unwrap();
    assert!(after - before >= 3_600_000);
    let mut settings: Value =
        w.t.raw(Method::GET, "/__sim/settings", None, Some(&admin), true)
            .await
            .json();
    assert_eq!(settings["task_limit"], 10);
    settings["client_allocations"] = json!(true);
    let r =
        w.t.raw(
            Method::PUT,
            "/__sim/settings",
            Some(settings),
            Some(&admin),
            true,
        )
        .await;
    assert_eq!(r.code(), 204);
    assert!(w.t.sim.state().settings.client_allocations);
    let r =
        w.t.raw(
            Method::PUT,
            "/__sim/client-rate-limit",
            Some(json!({"per_minute": 1})),
            Some(&admin),
            true,
        )
        .await;
    assert_eq!(r.code(), 204);
    assert_eq!(w.get(&w.owner_key, &w.srv("")).await.code(), 200);
    assert_eq!(w.get(&w.owner_key, &w.srv("")).await.code(), 429);
}

#[tokio::test]
async fn client_records_persist_and_old_state_files_load() {
    for d in both() {
        let dir = tempdir();
        let path = dir.join(format!("{d}.json"));
        let mut cfg = client_config(d);
        cfg.state_file = Some(path.clone());
        let w = world_with(cfg.clone()).await;
        let s = w.post(&w.owner_key, &w.srv("/schedules"), json!({"name": "n", "minute": "0", "hour": "0", "day_of_month": "*", "month": "*", "day_of_week": "*"})).await;
        assert_eq!(s.code(), 200);
        let key = w.owner_key.clone();
        let before = w.t.sim.state();
        w.t.sim.clone().shutdown().await;
        let again = Sim::start(cfg.clone()).await.unwrap();
        let after = again.state();
        assert_eq!(after.schedules, before.schedules);
        assert_eq!(after.subusers, before.subusers);
        assert_eq!(after.api_keys.len(), before.api_keys.len());
        let resp = reqwest::Client::new()
            .get(format!("{}/api/client/account", again.url()))
            .bearer_auth(&key)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status().as_u16(),
            200,
            "{d}: a minted key survives a restart"
        );
        again.shutdown().await;
        // A state file written before the Client API: no client tables, no settings.
        let mut old: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for k in [
            "api_keys",
            "subusers",
            "schedules",
            "backups",
            "activity",
            "settings",
            "installs",
            "host_leftovers",
        ] {
            old.as_object_mut().unwrap().remove(k);
        }
        for s in old["servers"].as_object_mut().unwrap().values_mut() {
            s.as_object_mut().unwrap().remove("transferring");
        }
        for k in [
            "api_key", "subuser", "schedule", "task", "backup", "activity",
        ] {
            old["counters"].as_object_mut().unwrap().remove(k);
        }
        std::fs::write(&path, old.to_string()).unwrap();
        let loaded = Sim::start(cfg).await.expect("an old state file loads");
        let st = loaded.state();
        assert!(st.schedules.is_empty());
        assert_eq!(st.settings, roost_sim::PanelSettings::default());
        assert_eq!(
            st.api_keys.len(),
            1,
            "{d}: the configured client key is registered"
        );
        loaded.shutdown().await;
    }
}

fn tempdir() -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!(
        "roost-sim-client-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
