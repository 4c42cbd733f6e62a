//! Every body in `client/fixtures/`: the simulator's answer to the same request has the same
//! keys and value types (recursively). A fixture no request can reproduce is listed with the
//! reason; a new fixture without a request fails the test.

mod common;

use common::client::{World, accepting_wings, fake_wings, world};
use common::fixtures::{BackupKind, backup, client_fixture, client_fixture_names};
use common::shape::{assert_shape_with, shape_differences};
use reqwest::Method;
use roost_sim::{Dialect, ServerParams, Subuser, WingsAnswer, WingsCall, WingsError};
use serde_json::{Value, json};

/// Fixtures that are not answers of the panel, or that the running panel never sends.
fn not_reproducible(d: Dialect, name: &str) -> Option<&'static str> {
    match (d, name) {
        (_, "websocket.session") => Some("frames on the Wings socket, not a panel answer"),
        (Dialect::Pelican, "databases.create") => Some(
            "Pelican beta38 answers client database creation with a 500 (running panel); \
             the fixture was read from the source",
        ),
        _ => None,
    }
}

fn stat(name: &str, file: bool) -> Value {
    json!({"name": name, "created": "2024-09-14T18:05:12+00:00", "modified": "2024-09-15T07:41:12+00:00",
           "mode": "-rw-r--r--", "mode_bits": "644", "size": 1374, "directory": !file, "file": file,
           "symlink": false, "mime": "text/plain; charset=utf-8"})
}

/// Files, stats and errors as a daemon answers them.
fn daemon(call: &WingsCall) -> Result<WingsAnswer, WingsError> {
    match call {
        WingsCall::Files {
            route: "list-directory",
            ..
        } => Ok(WingsAnswer::Json(json!([
            stat("server.properties", true),
            stat("server.jar", true),
            stat("world", false)
        ]))),
        WingsCall::Files {
            route: "compress", ..
        } => Ok(WingsAnswer::Json(stat("archive.tar.gz", true))),
        WingsCall::Files { route: "write", .. } => Err(WingsError::Status {
            status: 403,
            error: "This file cannot be modified: present in egg denylist.".into(),
            request_id: Some("0f3a1b2c".into()),
        }),
        WingsCall::Command { .. } => Err(WingsError::Status {
            status: 502,
            error: "Cannot send commands to a stopped server instance.".into(),
            request_id: None,
        }),
        WingsCall::Details => Ok(WingsAnswer::Json(json!({
            "state": "running", "is_suspended": false,
            "utilization": {"memory_bytes": 1288490188u64, "cpu_absolute": 37.512, "disk_bytes": 2147483648u64,
                            "network": {"rx_bytes": 73120, "tx_bytes": 40970}, "uptime": 5832000}
        }))),
        _ => Ok(WingsAnswer::Accepted),
    }
}

fn decode_token(token: &str) -> Value {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let part = |raw: &str| -> Value {
        let vals: Vec<u32> = raw
            .bytes()
            .map(|c| A.iter().position(|x| *x == c).unwrap() as u32)
            .collect();
        let mut out = Vec::new();
        for chunk in vals.chunks(4) {
            let mut n = 0u32;
            for (i, v) in chunk.iter().enumerate() {
                n |= v << (18 - 6 * i);
            }
            for i in 0..chunk.len().saturating_sub(1) {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        serde_json::from_slice(&out).unwrap()
    };
    let mut it = token.split('.');
    json!({"header": part(it.next().unwrap()), "payload": part(it.next().unwrap())})
}

/// A second server (owned by `owner`, with `viewer` as a subuser without startup or
/// allocation rights); returns its identifier.
fn second_server(w: &World, owner: u64, viewer: Option<u64>) -> String {
    let sid = w.t.sim.mutate(|s| {
        let egg = s.servers[&w.server].egg_id;
        let alias = (s.dialect == Dialect::Pelican).then_some("play.example.org");
        let a = s.add_allocation(w.node, "203.0.113.10", 26000, alias);
        let sid = s.add_server(ServerParams {
            name: "Friends Survival".into(),
            user_id: owner,
            egg_id: egg,
            allocation_id: Some(a),
            databases: Some(0),
            ..Default::default()
        });
        if let Some(v) = viewer {
            let now = s.now();
            s.counters.subuser += 1;
            s.insert_subuser(Subuser {
                id: s.counters.subuser,
                user_id: v,
                server_id: sid,
                permissions: json!(["websocket.connect", "control.console"]),
                created_at: now,
                updated_at: now,
            });
        }
        sid
    });
    w.t.sim.state().servers[&sid].uuid[..8].to_string()
}

async fn json_of(r: common::Resp, status: u16, what: &str) -> Value {
    assert_eq!(r.code(), status, "{what}: {}", r.text);
    r.json()
}

/// The simulator's answer to the request a fixture records.
async fn answer(w: &World, name: &str) -> Value {
    let (o, a) = (&w.owner_key, &w.admin_key);
    match name {
        "account.get" => json_of(w.get(a, "/api/client/account").await, 200, name).await,
        "allocations.list" => {
            json_of(w.get(o, &w.srv("/network/allocations")).await, 200, name).await
        }
        "api-keys.create" => {
            let ips = if w.pt() {
                json!(["203.0.113.0/24"])
            } else {
                json!([])
            };
            let r = w
                .post(
                    o,
                    "/api/client/account/api-keys",
                    json!({"description": "deploy bot", "allowed_ips": ips}),
                )
                .await;
            json_of(r, 200, name).await
        }
        "backups.create" => {
            w.t.sim.set_wings(accepting_wings());
            let body = if w.pt() {
                json!({"name": "pre-restart", "ignored": "cache/"})
            } else {
                json!({})
            };
            json_of(w.post(o, &w.srv("/backups"), body).await, 200, name).await
        }
        "backups.list" | "databases.create" | "databases.list" => seeded_answer(w, name).await,
        "client.list" => client_list(w).await,
        "files.compress" => {
            w.t.sim.set_wings(fake_wings(daemon));
            json_of(
                w.post(
                    o,
                    &w.srv("/files/compress"),
                    json!({"root": "/", "files": ["world"]}),
                )
                .await,
                200,
                name,
            )
            .await
        }
        "files.list" => {
            w.t.sim.set_wings(fake_wings(daemon));
            json_of(w.get(o, &w.srv("/files/list?directory=/")).await, 200, name).await
        }
        "files.signed-url" => {
            let path = if w.pt() {
                "/files/download?file=world.zip"
            } else {
                "/files/upload"
            };
            json_of(w.get(o, &w.srv(path)).await, 200, name).await
        }
        "permissions" => json_of(w.get(o, "/api/client/permissions").await, 200, name).await,
        "schedules.get" => schedule(w).await,
        "servers.get" => {
            let key = if w.pt() { o } else { a };
            json_of(w.get(key, &w.srv("")).await, 200, name).await
        }
        "servers.resources" => {
            if w.pt() {
                w.t.sim.set_wings(fake_wings(daemon));
            }
            json_of(w.get(o, &w.srv("/resources")).await, 200, name).await
        }
        "startup.get" => json_of(w.get(o, &w.srv("/startup")).await, 200, name).await,
        "subusers.create" => {
            let r = w.post(o, &w.srv("/users"), json!({"email": "bob.helper@example.com", "permissions": ["control.console", "control.start", "file.read"]})).await;
            json_of(r, 200, name).await
        }
        "websocket.token" => json_of(w.get(o, &w.srv("/websocket")).await, 200, name).await,
        "websocket.jwt-claims" => {
            let key = if w.pt() {
                w.grant(&["websocket.connect", "control.console", "control.start"]);
                &w.sub_key
            } else {
                a
            };
            let r = json_of(w.get(key, &w.srv("/websocket")).await, 200, name).await;
            decode_token(r["data"]["token"].as_str().unwrap())
        }
        _ => error_answer(w, name).await,
    }
}

/// Answers over seeded backups and databases.
async fn seeded_answer(w: &World, name: &str) -> Value {
    let o = &w.owner_key;
    match name {
        "backups.list" => {
            let now = w.t.sim.state().now();
            let kinds: &[BackupKind] = if w.pt() {
                &[
                    BackupKind::Successful,
                    BackupKind::Failed,
                    BackupKind::Running,
                ]
            } else {
                &[BackupKind::Successful, BackupKind::Successful]
            };
            w.t.sim.mutate(|s| {
                for (i, k) in kinds.iter().enumerate() {
                    s.insert_backup(backup(w.server, 900 + i as u64, now, *k));
                }
            });
            json_of(w.get(o, &w.srv("/backups")).await, 200, name).await
        }
        "databases.create" => {
            w.grant(&["websocket.connect", "database.create"]);
            let r = w
                .post(
                    &w.sub_key,
                    &w.srv("/databases"),
                    json!({"database": "coreprotect", "remote": "10.0.0.%"}),
                )
                .await;
            json_of(r, 200, name).await
        }
        "databases.list" => {
            let host = *w.t.sim.state().database_hosts.keys().next().unwrap();
            w.t.sim.mutate(|s| {
                s.add_database(w.server, host, "luckperms", "%");
            });
            let path = if w.pt() {
                "/databases?include=password"
            } else {
                "/databases"
            };
            json_of(w.get(o, &w.srv(path)).await, 200, name).await
        }
        other => panic!("not a seeded fixture: {other}"),
    }
}

async fn client_list(w: &World) -> Value {
    if w.pt() {
        second_server(w, w.owner, None);
        let r = w
            .get(&w.owner_key, "/api/client?type=owner&per_page=1")
            .await;
        let j = json_of(r, 200, "client.list").await;
        assert!(
            j["meta"]["pagination"]["links"]["next"]
                .as_str()
                .unwrap()
                .ends_with("/api/client?type=owner&per_page=1&page=2")
        );
        j
    } else {
        let other_owner = w.stranger;
        second_server(w, other_owner, Some(w.owner));
        json_of(
            w.get(&w.owner_key, "/api/client?include=egg").await,
            200,
            "client.list",
        )
        .await
    }
}

async fn schedule(w: &World) -> Value {
    let o = &w.owner_key;
    let body = json!({"name": "Nightly restart", "minute": "0", "hour": "4", "day_of_month": "*", "month": "*",
                      "day_of_week": "*", "is_active": true, "only_when_online": w.pt()});
    let s = json_of(w.post(o, &w.srv("/schedules"), body).await, 200, "schedule").await;
    let id = s["attributes"]["id"].as_u64().unwrap();
    let tasks: Vec<Value> = if w.pt() {
        vec![
            json!({"action": "command", "payload": "say Restarting in 60 seconds", "time_offset": 0, "continue_on_failure": true}),
            json!({"action": "backup", "payload": "", "time_offset": 60}),
            json!({"action": "power", "payload": "restart", "time_offset": 30}),
        ]
    } else {
        vec![
            json!({"action": "delete_files", "payload": "logs/latest.log\ncrash-reports", "time_offset": 0}),
        ]
    };
    for t in tasks {
        json_of(
            w.post(o, &w.srv(&format!("/schedules/{id}/tasks")), t)
                .await,
            200,
            "task",
        )
        .await;
    }
    if w.pt() {
        // The recorded schedule has run before (`last_run_at` set).
        w.t.sim.set_wings(fake_wings(daemon));
        w.t.sim
            .mutate(|s| s.servers.get_mut(&w.server).unwrap().status = None);
        let run = w
            .post(o, &w.srv(&format!("/schedules/{id}/execute")), json!({}))
            .await;
        assert_eq!(run.code(), 202, "{}", run.text);
        // The later tasks run from the queue after their offsets; the run ends with them.
        w.advance(91);
    }
    json_of(
        w.get(o, &w.srv(&format!("/schedules/{id}"))).await,
        200,
        "schedules.get",
    )
    .await
}

async fn error_answer(w: &World, name: &str) -> Value {
    let o = &w.owner_key;
    let r = match name {
        "errors.400-too-many-backups" => {
            w.t.sim
                .mutate(|s| s.servers.get_mut(&w.server).unwrap().backup_limit = Some(0));
            w.post(o, &w.srv("/backups"), json!({})).await
        }
        "errors.403-application-key" => w.get(&w.t.sim.token(), &w.srv("")).await,
        "errors.403-daemon-denylist" => {
            w.t.sim.set_wings(fake_wings(daemon));
            w.post(o, &w.srv("/files/write?file=eula.txt"), json!({}))
                .await
        }
        "errors.404-no-access" => w.get(&w.stranger_key, &w.srv("")).await,
        "errors.409-suspended" => {
            w.set_status(Some("suspended"));
            w.get(o, &w.srv("/startup")).await
        }
        "errors.422-startup-variable" => {
            let body = json!({"key": "SERVER_JARFILE", "value": "not a jar"});
            w.call(o, Method::PUT, &w.srv("/startup/variable"), Some(body))
                .await
        }
        "errors.422-docker-image" => {
            let body = json!({"docker_image": "ghcr.io/example/not-in-egg:1"});
            w.call(o, Method::PUT, &w.srv("/settings/docker-image"), Some(body))
                .await
        }
        "errors.429-backup-throttle" => {
            let now = w.t.sim.state().now();
            w.t.sim.mutate(|s| {
                for i in 0..2 {
                    let mut b = backup(w.server, 950 + i, now, BackupKind::Running);
                    b.created_at = now;
                    s.insert_backup(b);
                }
            });
            w.post(o, &w.srv("/backups"), json!({})).await
        }
        "errors.429-resource-limit" => {
            for _ in 0..5 {
                w.get(o, &w.srv("/websocket")).await;
            }
            w.get(o, &w.srv("/websocket")).await
        }
        "errors.500-daemon" => {
            w.t.sim.set_wings(fake_wings(daemon));
            w.post(o, &w.srv("/files/write?file=eula.txt"), json!({}))
                .await
        }
        "errors.502-command-offline" => {
            w.t.sim.set_wings(fake_wings(daemon));
            w.post(o, &w.srv("/command"), json!({"command": "say hi"}))
                .await
        }
        other => panic!("no request for the fixture {other}: add one to this test"),
    };
    let status: u16 = name["errors.".len()..][..3].parse().unwrap();
    json_of(r, status, name).await
}

/// Data tuned to each fixture's value types (notes, aliases, limits).
async fn prepared_world(d: Dialect, name: &str) -> World {
    let w = world(d).await;
    match d {
        Dialect::Pterodactyl => w.allocation_labels(Some("Dynmap"), None),
        Dialect::Pelican => {
            let notes = (name == "allocations.list").then_some("voice chat");
            w.allocation_labels(notes, Some("play.example.org"));
            w.t.sim
                .mutate(|s| s.servers.get_mut(&w.server).unwrap().database_limit = None);
        }
    }
    w
}

#[tokio::test]
async fn every_client_fixture_has_the_shape_of_the_simulators_answer() {
    for d in [Dialect::Pterodactyl, Dialect::Pelican] {
        let names = client_fixture_names(d);
        assert!(names.len() >= 25, "{d}: {} fixtures", names.len());
        for name in names {
            if not_reproducible(d, &name).is_some() {
                continue;
            }
            let w = prepared_world(d, &name).await;
            let ours = answer(&w, &name).await;
            let maps = ["$.meta.docker_images"];
            assert_shape_with(
                &ours,
                &client_fixture(d, &name),
                &maps,
                &format!("{d} {name}"),
            );
        }
    }
}

/// The exceptions are real: Pelican's client database creation is the 500 the running panel
/// sends, so its source-read fixture cannot be reproduced.
#[tokio::test]
async fn pelican_database_create_fixture_is_unreachable_by_design() {
    let w = prepared_world(Dialect::Pelican, "databases.create").await;
    let r = w
        .post(
            &w.owner_key,
            &w.srv("/databases"),
            json!({"database": "stats", "remote": "%"}),
        )
        .await;
    assert_eq!(r.code(), 500, "{}", r.text);
}

#[test]
fn the_shape_checker_reports_missing_keys_extra_keys_and_type_changes() {
    let reference = json!({"a": 1, "b": [{"c": "x"}], "d": null});
    let same = json!({"a": 2, "b": [{"c": "y"}, {"c": "z"}], "d": null});
    assert!(shape_differences(&same, &reference).is_empty());
    let wrong = json!({"a": "2", "b": [{"c": "y", "e": 1}], "f": 1});
    let diffs = shape_differences(&wrong, &reference);
    assert_eq!(diffs.len(), 4, "{diffs:?}");
}
