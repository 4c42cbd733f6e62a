//! Client API resources as the panels keep them: allocations (notes, primary, automatic
//! assignment), subusers, databases, startup and settings, backups.

mod common;

use common::both;
use common::client::{accepting_wings, world};
use common::fixtures::{BackupKind, backup};
use reqwest::Method;
use roost_sim::Dialect;
use serde_json::json;

#[tokio::test]
async fn allocations_notes_primary_and_automatic_assignment() {
    for d in both() {
        let w = world(d).await;
        let a2 = w.allocs[1];
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/network/allocations/{a2}")),
                json!({}),
            )
            .await;
        assert_eq!(
            (r.code(), r.rules()),
            (422, vec![("notes".into(), "present".into())])
        );
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/network/allocations/{a2}")),
                json!({"notes": "voice"}),
            )
            .await;
        assert_eq!(r.json()["attributes"]["notes"], "voice");
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/network/allocations/{a2}/primary")),
                json!({}),
            )
            .await;
        assert_eq!(r.json()["attributes"]["is_default"], true);
        let add = w
            .post(&w.owner_key, &w.srv("/network/allocations"), json!({}))
            .await;
        assert_eq!(add.code(), 400);
        assert_eq!(add.errors()[0].0, "AutoAllocationNotEnabledException");
        w.t.sim.mutate(|s| {
            s.settings.client_allocations = true;
            s.settings.allocation_range = Some((25565, 25600));
        });
        let add = w
            .post(&w.owner_key, &w.srv("/network/allocations"), json!({}))
            .await;
        assert_eq!(add.code(), 200, "{d}: {}", add.text);
        assert_eq!(add.json()["attributes"]["ip"], "203.0.113.10");
        w.advance(61);
        let limit = w
            .post(&w.owner_key, &w.srv("/network/allocations"), json!({}))
            .await;
        assert_eq!(limit.code(), 400, "{d}: limit of 3 reached");
        assert_eq!(
            limit.json()["errors"][0]["detail"],
            "Cannot assign additional allocations to this server: limit has been reached."
        );
        // A null limit blocks adding and releasing alike.
        w.t.sim
            .mutate(|s| s.servers.get_mut(&w.server).unwrap().allocation_limit = None);
        w.advance(61);
        let add = w
            .post(&w.owner_key, &w.srv("/network/allocations"), json!({}))
            .await;
        assert_eq!(add.code(), 400);
        let del = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/network/allocations/{}", w.allocs[0])),
                None,
            )
            .await;
        assert_eq!(del.code(), 400);
        assert_eq!(
            del.json()["errors"][0]["detail"],
            "You cannot delete allocations for this server: no allocation limit is set."
        );
    }
}

#[tokio::test]
async fn subusers_invite_update_and_remove() {
    for d in both() {
        let w = world(d).await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/users"),
                json!({"email": "owner@example.com", "permissions": ["file.read"]}),
            )
            .await;
        assert_eq!(
            (r.code(), r.errors()[0].0.as_str()),
            (400, "UserIsServerOwnerException")
        );
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/users"),
                json!({"email": "helper@example.com", "permissions": ["file.read"]}),
            )
            .await;
        assert_eq!(
            (r.code(), r.errors()[0].0.as_str()),
            (400, "ServerSubuserExistsException")
        );
        let r = w.post(&w.owner_key, &w.srv("/users"), json!({"email": "carol@example.org", "permissions": ["file.read", "control.start"]})).await;
        assert_eq!(r.code(), 200, "{}", r.text);
        let a = r.json()["attributes"].clone();
        assert!(a["username"].as_str().unwrap().starts_with("carol"));
        let expected = match d {
            Dialect::Pterodactyl => json!(["file.read", "control.start", "websocket.connect"]),
            Dialect::Pelican => json!(["control.start", "file.read", "websocket.connect"]),
        };
        assert_eq!(a["permissions"], expected, "{d}: order");
        let uuid = a["uuid"].as_str().unwrap().to_string();
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/users/{uuid}")),
                json!({"permissions": []}),
            )
            .await;
        assert_eq!(r.code(), 422, "{d}: required");
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/users/{uuid}")),
                json!({"permissions": ["backup.read", "backup.read", "user.read"]}),
            )
            .await;
        assert_eq!(r.code(), 200, "{}", r.text);
        let perms = r.json()["attributes"]["permissions"].clone();
        match d {
            // Duplicates leave holes in the PHP array: stored and shown as an object.
            Dialect::Pterodactyl => assert_eq!(
                perms,
                json!({"0": "backup.read", "2": "user.read", "3": "websocket.connect"})
            ),
            Dialect::Pelican => assert_eq!(
                perms,
                json!(["backup.read", "user.read", "websocket.connect"])
            ),
        }
        assert_eq!(
            w.get(&w.owner_key, &w.srv("/users")).await.json()["data"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/users/{uuid}")),
                None,
            )
            .await;
        assert_eq!(r.code(), 204);
        assert_eq!(
            w.get(&w.owner_key, &w.srv(&format!("/users/{uuid}")))
                .await
                .code(),
            404
        );
        assert!(
            w.t.sim.state().users.values().any(|u| u.uuid == uuid),
            "the account stays"
        );
    }
}

#[tokio::test]
async fn databases_limits_names_hosts_and_ids() {
    let w = world(Dialect::Pterodactyl).await;
    let create = |name: &str| json!({"database": name, "remote": "10.0.0.%"});
    let r = w
        .post(
            &w.owner_key,
            &w.srv("/databases"),
            json!({"database": "ab", "remote": "bad remote!"}),
        )
        .await;
    assert_eq!(
        r.rules(),
        vec![
            ("database".into(), "min".into()),
            ("remote".into(), "regex".into())
        ]
    );
    let r = w
        .post(&w.owner_key, &w.srv("/databases"), create("main"))
        .await;
    assert_eq!(r.code(), 200, "{}", r.text);
    let id = r.json()["attributes"]["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 8, "hashid");
    let r = w
        .post(&w.owner_key, &w.srv("/databases"), create("main"))
        .await;
    assert_eq!(
        (r.code(), r.errors()[0].0.as_str()),
        (400, "DuplicateDatabaseNameException")
    );
    w.post(&w.owner_key, &w.srv("/databases"), create("second"))
        .await;
    let r = w
        .post(&w.owner_key, &w.srv("/databases"), create("third"))
        .await;
    assert_eq!(
        (r.code(), r.errors()[0].0.as_str()),
        (400, "TooManyDatabasesException")
    );
    // The hashid and the numeric id both address the database.
    let r = w
        .post(
            &w.owner_key,
            &w.srv(&format!("/databases/{id}/rotate-password")),
            json!({}),
        )
        .await;
    assert_eq!(r.code(), 200, "{}", r.text);
    let numeric =
        w.t.sim
            .state()
            .server_databases(w.server)
            .next()
            .unwrap()
            .id;
    let r = w
        .post(
            &w.owner_key,
            &w.srv(&format!("/databases/{numeric}/rotate-password")),
            json!({}),
        )
        .await;
    assert_eq!(r.code(), 200, "{}", r.text);
    w.t.sim.mutate(|s| s.database_hosts.clear());
    w.t.sim
        .mutate(|s| s.servers.get_mut(&w.server).unwrap().database_limit = None);
    let r = w
        .post(&w.owner_key, &w.srv("/databases"), create("other"))
        .await;
    assert_eq!(
        (r.code(), r.errors()[0].0.as_str()),
        (400, "NoSuitableDatabaseHostException")
    );
}

/// Pterodactyl binds databases globally: one of another server passes binding and is refused
/// after the access checks (with the rate-limit headers).
#[tokio::test]
async fn pterodactyl_database_of_another_server_is_refused_late() {
    let mut cfg = common::client::client_config(Dialect::Pterodactyl);
    cfg.client_rate_limit = Some(50);
    let w = common::client::world_with(cfg).await;
    let other_db = w.t.sim.mutate(|s| {
        let egg = s.servers[&w.server].egg_id;
        let a = s.add_allocation(w.node, "203.0.113.12", 30001, None);
        let sid = s.add_server(roost_sim::ServerParams {
            user_id: w.stranger,
            egg_id: egg,
            allocation_id: Some(a),
            ..Default::default()
        });
        let host = *s.database_hosts.keys().next().unwrap();
        s.add_database(sid, host, "theirs", "%")
    });
    let r = w
        .call(
            &w.owner_key,
            Method::DELETE,
            &w.srv(&format!("/databases/{other_db}")),
            None,
        )
        .await;
    assert_eq!(r.code(), 404);
    assert_eq!(
        r.json()["errors"][0]["detail"],
        "The requested resource was not found for this server."
    );
    assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some("50"));
    assert!(w.t.sim.state().databases.contains_key(&other_db));
}

#[tokio::test]
async fn startup_variables_and_settings() {
    for d in both() {
        let w = world(d).await;
        let path = w.srv("/startup/variable");
        let put = |body| w.call(&w.owner_key, Method::PUT, &path, Some(body));
        let r = put(json!({"key": "BUILD_NUMBER", "value": "42"})).await;
        assert_eq!(r.code(), 200, "{}", r.text);
        assert_eq!(r.json()["attributes"]["server_value"], "42");
        assert!(r.json()["meta"]["startup_command"].is_string());
        assert!(r.json()["meta"].get("docker_images").is_none());
        let var =
            w.t.sim
                .state()
                .eggs
                .values()
                .flat_map(|e| e.variables.clone())
                .find(|v| v.env_variable == "BUILD_NUMBER")
                .unwrap();
        w.t.sim.mutate(|s| {
            for e in s.eggs.values_mut() {
                for v in &mut e.variables {
                    if v.id == var.id {
                        v.user_editable = false;
                    }
                }
            }
        });
        let r = put(json!({"key": "BUILD_NUMBER", "value": "43"})).await;
        assert_eq!(
            r.json()["errors"][0]["detail"],
            "The environment variable you are trying to edit is read-only."
        );
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/settings/rename"),
                json!({"name": "Renamed", "description": "new"}),
            )
            .await;
        assert_eq!(r.code(), 204);
        let s = w.t.sim.state().servers[&w.server].clone();
        assert_eq!(s.name, "Renamed");
        let expected = if d == Dialect::Pterodactyl {
            "new"
        } else {
            "Main survival world"
        };
        assert_eq!(
            s.description, expected,
            "{d}: rename takes the description only on Pterodactyl"
        );
        // A manually set image cannot be changed by users.
        w.t.sim
            .mutate(|s| s.servers.get_mut(&w.server).unwrap().image = "custom:image".into());
        let egg_image = w.t.sim.state().eggs[&s.egg_id].docker_images[0].1.clone();
        let r = w
            .call(
                &w.owner_key,
                Method::PUT,
                &w.srv("/settings/docker-image"),
                Some(json!({"docker_image": egg_image})),
            )
            .await;
        assert_eq!(r.code(), 400, "{}", r.text);
        if d == Dialect::Pelican {
            let r = w
                .post(
                    &w.owner_key,
                    &w.srv("/settings/description"),
                    json!({"description": null}),
                )
                .await;
            assert_eq!(r.code(), 204);
            assert_eq!(w.t.sim.state().servers[&w.server].description, "");
            w.t.sim.mutate(|s| s.settings.editable_descriptions = false);
            let r = w
                .post(
                    &w.owner_key,
                    &w.srv("/settings/description"),
                    json!({"description": "x"}),
                )
                .await;
            assert_eq!((r.code(), r.text.as_str()), (403, "[]"));
            let view = w.get(&w.owner_key, &w.srv("")).await.json();
            assert!(view["attributes"].get("description").is_none());
        }
    }
}

#[tokio::test]
async fn backups_list_lock_delete_and_limits() {
    for d in both() {
        let w = world(d).await;
        w.without_wings();
        let now = w.t.sim.state().now();
        w.t.sim.mutate(|s| {
            s.insert_backup(backup(w.server, 1, now, BackupKind::Successful));
            s.insert_backup(backup(w.server, 2, now, BackupKind::Failed));
            s.insert_backup(backup(w.server, 3, now, BackupKind::Running));
        });
        let list = w
            .get(&w.owner_key, &w.srv("/backups?per_page=2"))
            .await
            .json();
        assert_eq!(list["meta"]["backup_count"], 2, "running + successful");
        assert_eq!(list["meta"]["pagination"]["total_pages"], 2);
        assert!(
            list["meta"]["pagination"]["links"]["next"]
                .as_str()
                .unwrap()
                .ends_with("/backups?page=2")
        );
        let uuid = w.t.sim.state().backups[&1].uuid.clone();
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/backups/{uuid}/lock")),
                json!({}),
            )
            .await;
        assert_eq!(r.json()["attributes"]["is_locked"], true);
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/backups/{uuid}")),
                None,
            )
            .await;
        assert_eq!(
            (r.code(), r.errors()[0].0.as_str()),
            (400, "BackupLockedException")
        );
        w.post(
            &w.owner_key,
            &w.srv(&format!("/backups/{uuid}/lock")),
            json!({}),
        )
        .await;
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/backups/{uuid}")),
                None,
            )
            .await;
        let expected = if d == Dialect::Pterodactyl { 504 } else { 500 };
        assert_eq!(
            r.code(),
            expected,
            "{d}: the daemon must delete a successful backup"
        );
        let failed = w.t.sim.state().backups[&2].uuid.clone();
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/backups/{failed}")),
                None,
            )
            .await;
        let expected = if d == Dialect::Pterodactyl { 504 } else { 204 };
        assert_eq!(
            r.code(),
            expected,
            "{d}: Pelican ignores the daemon for failed backups"
        );
        let dl = w
            .get(&w.owner_key, &w.srv(&format!("/backups/{uuid}/download")))
            .await;
        assert!(
            dl.json()["attributes"]["url"]
                .as_str()
                .unwrap()
                .contains("/download/backup?token=")
        );
        if d == Dialect::Pelican {
            let r = w
                .call(
                    &w.owner_key,
                    Method::PUT,
                    &w.srv(&format!("/backups/{uuid}/rename")),
                    Some(json!({"name": "kept"})),
                )
                .await;
            assert_eq!(r.json()["attributes"]["name"], "kept");
        }
        w.t.sim.set_wings(accepting_wings());
        // Past the creation throttle's window.
        w.advance(700);
        w.t.sim
            .mutate(|s| s.servers.get_mut(&w.server).unwrap().backup_limit = None);
        let r = w.post(&w.owner_key, &w.srv("/backups"), json!({})).await;
        assert_eq!(
            (r.code(), r.errors()[0].0.as_str()),
            (500, "TypeError"),
            "{d}: a null limit"
        );
        w.t.sim
            .mutate(|s| s.servers.get_mut(&w.server).unwrap().backup_limit = Some(2));
        let r = w.post(&w.owner_key, &w.srv("/backups"), json!({})).await;
        assert_eq!(
            (r.code(), r.errors()[0].0.as_str()),
            (400, "TooManyBackupsException")
        );
    }
}

/// The panel caches what Wings says about a server's resources for 20 seconds (all users);
/// Pterodactyl answers 504 when the daemon fails, Pelican 200 with state `missing`.
#[tokio::test]
async fn resources_are_cached_twenty_seconds() {
    for d in both() {
        let w = world(d).await;
        w.without_wings();
        let r = w.get(&w.owner_key, &w.srv("/resources")).await;
        match d {
            Dialect::Pterodactyl => assert_eq!(r.code(), 504, "{}", r.text),
            Dialect::Pelican => assert_eq!(r.json()["attributes"]["current_state"], "missing"),
        }
        let wings = common::client::fake_wings(|_| {
            Ok(roost_sim::WingsAnswer::Json(json!({"state": "running"})))
        });
        w.t.sim.set_wings(wings.clone());
        w.advance(21);
        for key in [&w.owner_key, &w.admin_key] {
            let r = w.get(key, &w.srv("/resources")).await;
            assert_eq!(r.json()["attributes"]["current_state"], "running", "{d}");
        }
        assert_eq!(
            wings.calls.lock().unwrap().len(),
            1,
            "{d}: one daemon call for both"
        );
        w.advance(21);
        w.get(&w.owner_key, &w.srv("/resources")).await;
        assert_eq!(
            wings.calls.lock().unwrap().len(),
            2,
            "{d}: the cache expired"
        );
    }
}

/// A note written through the Client API is the allocation's `notes` in the Application API
/// (the node's listing and the server's `include=allocations`), as on the real panels; `""`
/// clears it (the panels turn empty strings into null); more than 256 characters are refused.
#[tokio::test]
async fn allocation_notes_show_in_the_application_api() {
    for d in both() {
        let w = world(d).await;
        let a2 = w.allocs[1];
        let path = w.srv(&format!("/network/allocations/{a2}"));
        let long = w
            .post(&w.owner_key, &path, json!({"notes": "n".repeat(257)}))
            .await;
        assert_eq!(
            (long.code(), long.rules()),
            (422, vec![("notes".into(), "max".into())]),
            "{d}"
        );
        let r = w
            .post(&w.owner_key, &path, json!({"notes": "  query port "}))
            .await;
        assert_eq!(
            r.json()["attributes"]["notes"],
            "query port",
            "{d}: trimmed"
        );
        let listed = w.t.get(&format!("/nodes/{}/allocations", w.node)).await;
        let of = |v: &serde_json::Value| {
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["attributes"]["id"] == a2)
                .map(|a| a["attributes"]["notes"].clone())
        };
        assert_eq!(of(&listed.json()), Some(json!("query port")), "{d}");
        let server =
            w.t.get(&format!("/servers/{}?include=allocations", w.server))
                .await
                .json();
        assert_eq!(
            of(&server["attributes"]["relationships"]["allocations"]),
            Some(json!("query port")),
            "{d}: {server}"
        );
        let r = w.post(&w.owner_key, &path, json!({"notes": ""})).await;
        assert!(r.json()["attributes"]["notes"].is_null(), "{d}");
        let listed = w.t.get(&format!("/nodes/{}/allocations", w.node)).await;
        assert_eq!(of(&listed.json()), Some(json!(null)), "{d}");
    }
}
