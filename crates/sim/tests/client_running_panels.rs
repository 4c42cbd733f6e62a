//! One test per bullet of `client/README.md` "Checked against running panels" (Pterodactyl
//! 1.11.8, Pelican beta38), in the dialect each names: where the running panels disagreed with
//! the source reading, they win.

mod common;

use common::both;
use common::client::{accepting_wings, client_config, fake_wings, world, world_with};
use reqwest::Method;
use roost_sim::{Backup, Dialect, WingsAnswer, WingsCall};
use serde_json::{Value, json};

fn schedule_body(minute: &str) -> Value {
    json!({"name": "nightly", "minute": minute, "hour": "4", "day_of_month": "*", "month": "*",
           "day_of_week": "*", "is_active": true})
}

/// An invalid cron expression on schedule create or update is a 400 `DisplayException`, not a
/// 422, on both panels.
#[tokio::test]
async fn invalid_cron_is_a_400_on_both_panels() {
    for d in both() {
        let w = world(d).await;
        let r = w
            .post(&w.owner_key, &w.srv("/schedules"), schedule_body("61"))
            .await;
        assert_eq!(r.code(), 400, "{d}: {}", r.text);
        assert_eq!(
            r.json()["errors"][0]["detail"],
            "The cron data provided does not evaluate to a valid expression."
        );
        assert_eq!(r.errors()[0].0, "DisplayException");
        let ok = w
            .post(&w.owner_key, &w.srv("/schedules"), schedule_body("*/5"))
            .await;
        assert_eq!(ok.code(), 200, "{}", ok.text);
        let id = ok.json()["attributes"]["id"].as_u64().unwrap();
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/schedules/{id}")),
                schedule_body("5/10"),
            )
            .await;
        assert_eq!(r.code(), 400, "{d} update: {}", r.text);
    }
}

/// Unknown subuser permission names are dropped silently (200); `permissions` as a string is a
/// 500 `TypeError` on both panels, before validation.
#[tokio::test]
async fn subuser_permissions_unknown_dropped_and_string_is_500() {
    for d in both() {
        let w = world(d).await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/users"),
                json!({"email": "new.helper@example.com", "permissions": ["control.console", "not.a.permission"]}),
            )
            .await;
        assert_eq!(r.code(), 200, "{d}: {}", r.text);
        let perms = r.json()["attributes"]["permissions"].clone();
        let expected = match d {
            Dialect::Pterodactyl => json!(["control.console", "websocket.connect"]),
            Dialect::Pelican => json!(["control.console", "websocket.connect"]),
        };
        assert_eq!(perms, expected, "{d}");
        // Invalid in every other way too: the TypeError comes first.
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/users"),
                json!({"permissions": "control.console"}),
            )
            .await;
        assert_eq!(r.code(), 500, "{d}: {}", r.text);
        assert_eq!(r.errors()[0].0, "TypeError");
    }
}

/// Pelican beta38: client `POST /databases` answers 500 `QueryException`, rolls the panel row
/// back and leaves the database on the host (the Application API then cannot create that name
/// on that host); rotate and delete work; the Application API creates databases fine.
#[tokio::test]
async fn pelican_client_database_create_is_a_500_that_leaves_the_database() {
    let w = world(Dialect::Pelican).await;
    let r = w
        .post(
            &w.owner_key,
            &w.srv("/databases"),
            json!({"database": "stats", "remote": "%"}),
        )
        .await;
    assert_eq!(r.code(), 500, "{}", r.text);
    assert_eq!(r.errors()[0].0, "QueryException");
    let st = w.t.sim.state();
    assert_eq!(st.server_databases(w.server).count(), 0, "row rolled back");
    let host = *st.database_hosts.keys().next().unwrap();
    assert!(st.host_leftovers.iter().any(|(_, n)| n.ends_with("_stats")));
    let app =
        w.t.post(
            &format!("/servers/{}/databases", w.server),
            json!({"database": "stats", "remote": "%", "host": host}),
        )
        .await;
    assert_eq!(app.code(), 500, "the host still has it: {}", app.text);
    let app =
        w.t.post(
            &format!("/servers/{}/databases", w.server),
            json!({"database": "lobby", "remote": "%", "host": host}),
        )
        .await;
    assert_eq!(app.code(), 201, "{}", app.text);
    let id = app.json()["attributes"]["id"].as_u64().unwrap();
    let rot = w
        .post(
            &w.owner_key,
            &w.srv(&format!("/databases/{id}/rotate-password")),
            json!({}),
        )
        .await;
    assert_eq!(rot.code(), 200, "{}", rot.text);
    assert!(
        rot.json()["attributes"]["relationships"]["password"]["attributes"]["password"].is_string()
    );
    let del = w
        .call(
            &w.owner_key,
            Method::DELETE,
            &w.srv(&format!("/databases/{id}")),
            None,
        )
        .await;
    assert_eq!(del.code(), 204, "{}", del.text);
}

/// The 2-per-600-s backup throttle counts deleted backups on Pterodactyl (429 on the third)
/// but not on Pelican (no soft deletes since beta37); Pelican backups carry `is_scheduled`.
#[tokio::test]
async fn backup_throttle_counts_deleted_backups_only_on_pterodactyl() {
    for d in both() {
        let w = world(d).await;
        w.t.sim.set_wings(accepting_wings());
        let mut uuids = Vec::new();
        for name in ["one", "two"] {
            let r = w
                .post(&w.owner_key, &w.srv("/backups"), json!({"name": name}))
                .await;
            assert_eq!(r.code(), 200, "{d}: {}", r.text);
            assert_eq!(
                r.json()["attributes"].get("is_scheduled").is_some(),
                d == Dialect::Pelican,
                "{d}: is_scheduled"
            );
            uuids.push(r.json()["attributes"]["uuid"].as_str().unwrap().to_string());
        }
        let del = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/backups/{}", uuids[0])),
                None,
            )
            .await;
        assert_eq!(del.code(), 204, "{d}: {}", del.text);
        let third = w
            .post(&w.owner_key, &w.srv("/backups"), json!({"name": "three"}))
            .await;
        match d {
            Dialect::Pterodactyl => {
                assert_eq!(third.code(), 429, "{}", third.text);
                assert_eq!(third.errors()[0].0, "TooManyRequestsHttpException");
                let retry: u64 = third.header("retry-after").unwrap().parse().unwrap();
                assert!((590..=600).contains(&retry), "{retry}");
            }
            Dialect::Pelican => assert_eq!(third.code(), 200, "{}", third.text),
        }
    }
}

/// Binding 404s (unknown server, a schedule/backup/subuser/allocation of another server) and
/// the application key's 403 carry no rate-limit headers; the 404 for an existing server the
/// user cannot access does.
#[tokio::test]
async fn binding_404s_and_the_app_key_403_carry_no_rate_headers() {
    for d in both() {
        let mut cfg = client_config(d);
        cfg.client_rate_limit = Some(100);
        let w = world_with(cfg).await;
        // A second server of the same owner, with a schedule, backup, subuser and allocation.
        let other = w.t.sim.mutate(|s| {
            let egg = s.servers[&w.server].egg_id;
            let a = s.add_allocation(w.node, "203.0.113.11", 30000, None);
            let sid = s.add_server(roost_sim::ServerParams {
                user_id: w.owner,
                egg_id: egg,
                allocation_id: Some(a),
                ..Default::default()
            });
            (sid, a)
        });
        let other_ident = w.t.sim.state().servers[&other.0].uuid[..8].to_string();
        let sched = w
            .post(
                &w.owner_key,
                &format!("/api/client/servers/{other_ident}/schedules"),
                schedule_body("0"),
            )
            .await;
        let sched_id = sched.json()["attributes"]["id"].as_u64().unwrap();
        let no_headers = |r: &common::Resp, what: &str| {
            assert_eq!(r.code(), 404, "{d} {what}: {}", r.text);
            assert!(r.header("x-ratelimit-limit").is_none(), "{d} {what}");
        };
        let r = w.get(&w.owner_key, "/api/client/servers/zzzzzzzz").await;
        no_headers(&r, "unknown server");
        let r = w
            .get(&w.owner_key, &w.srv(&format!("/schedules/{sched_id}")))
            .await;
        no_headers(&r, "schedule of another server");
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/network/allocations/{}", other.1)),
                None,
            )
            .await;
        no_headers(&r, "allocation of another server");
        let sub_uuid = w.t.sim.state().users[&w.sub].uuid.clone();
        let r = w
            .get(
                &w.owner_key,
                &format!("/api/client/servers/{other_ident}/users/{sub_uuid}"),
            )
            .await;
        no_headers(&r, "subuser of another server");
        let app = w.get(&w.t.sim.token(), &w.srv("")).await;
        assert_eq!(app.code(), 403, "{}", app.text);
        assert!(app.header("x-ratelimit-limit").is_none(), "{d} app key");
        let hidden = w.get(&w.stranger_key, &w.srv("")).await;
        assert_eq!(hidden.code(), 404);
        assert_eq!(
            hidden.json()["errors"][0]["detail"],
            "The requested resource does not exist on this server."
        );
        assert_eq!(hidden.header("x-ratelimit-limit").as_deref(), Some("100"));
    }
}

/// `files/contents` answers `text/plain; charset=utf-8` on both panels.
#[tokio::test]
async fn file_contents_is_utf8_text_on_both_panels() {
    for d in both() {
        let w = world(d).await;
        w.t.sim.set_wings(fake_wings(|call| match call {
            WingsCall::Files {
                route: "contents", ..
            } => Ok(WingsAnswer::Text("motd=hello\n".into())),
            _ => Ok(WingsAnswer::Accepted),
        }));
        let r = w
            .get(
                &w.owner_key,
                &w.srv("/files/contents?file=server.properties"),
            )
            .await;
        assert_eq!(r.code(), 200, "{d}: {}", r.text);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("text/plain; charset=utf-8"),
            "{d}"
        );
        assert_eq!(r.text, "motd=hello\n");
    }
}

/// Pelican beta38 answers 409 to a root admin for the websocket and the file list of a
/// suspended server.
#[tokio::test]
async fn pelican_beta38_suspended_server_is_409_for_a_root_admin() {
    let w = world(Dialect::Pelican).await;
    w.set_status(Some("suspended"));
    for path in ["/websocket", "/files/list"] {
        let r = w.get(&w.admin_key, &w.srv(path)).await;
        assert_eq!(r.code(), 409, "{path}: {}", r.text);
        assert_eq!(r.errors()[0].0, "ServerStateConflictException");
    }
}

/// Deleting the primary allocation: Pterodactyl 400, Pelican 204.
#[tokio::test]
async fn deleting_the_primary_allocation_differs() {
    for d in both() {
        let w = world(d).await;
        let r = w
            .call(
                &w.owner_key,
                Method::DELETE,
                &w.srv(&format!("/network/allocations/{}", w.allocs[0])),
                None,
            )
            .await;
        match d {
            Dialect::Pterodactyl => {
                assert_eq!(r.code(), 400, "{}", r.text);
                assert_eq!(
                    r.json()["errors"][0]["detail"],
                    "You cannot delete the primary allocation for this server."
                );
            }
            Dialect::Pelican => assert_eq!(r.code(), 204, "{}", r.text),
        }
    }
}

/// An unknown startup variable: Pterodactyl 500 `ErrorException`, Pelican 400.
#[tokio::test]
async fn unknown_startup_variable_differs() {
    for d in both() {
        let w = world(d).await;
        let r = w
            .call(
                &w.owner_key,
                Method::PUT,
                &w.srv("/startup/variable"),
                Some(json!({"key": "NOT_A_VARIABLE", "value": "x"})),
            )
            .await;
        match d {
            Dialect::Pterodactyl => {
                assert_eq!(r.code(), 500, "{}", r.text);
                assert_eq!(r.errors()[0].0, "ErrorException");
            }
            Dialect::Pelican => {
                assert_eq!(r.code(), 400, "{}", r.text);
                assert_eq!(r.errors()[0].0, "BadRequestHttpException");
            }
        }
    }
}

/// Schedule create without `month`: Pterodactyl 500 `TypeError`, Pelican 422.
#[tokio::test]
async fn schedule_without_month_differs() {
    for d in both() {
        let w = world(d).await;
        let mut body = schedule_body("0");
        body.as_object_mut().unwrap().remove("month");
        let r = w.post(&w.owner_key, &w.srv("/schedules"), body).await;
        match d {
            Dialect::Pterodactyl => {
                assert_eq!(r.code(), 500, "{}", r.text);
                assert_eq!(r.errors()[0].0, "TypeError");
            }
            Dialect::Pelican => {
                assert_eq!(r.code(), 422, "{}", r.text);
                assert_eq!(r.rules(), vec![("month".into(), "required".into())]);
            }
        }
    }
}

/// A subuser sending an invalid power signal: Pterodactyl 403, Pelican 422.
#[tokio::test]
async fn subuser_invalid_power_signal_differs() {
    for d in both() {
        let w = world(d).await;
        w.grant(&["websocket.connect", "control.start"]);
        let r = w
            .post(&w.sub_key, &w.srv("/power"), json!({"signal": "hibernate"}))
            .await;
        match d {
            Dialect::Pterodactyl => assert_eq!(r.code(), 403, "{}", r.text),
            Dialect::Pelican => {
                assert_eq!(r.code(), 422, "{}", r.text);
                assert_eq!(r.rules(), vec![("signal".into(), "in".into())]);
            }
        }
    }
}

/// The client limit: 720/min on Pterodactyl, 256/min on Pelican (the headers say so); Pelican's
/// per-server limiters answer 429 with `Retry-After` about 60.
#[tokio::test]
async fn client_rate_limits_and_pelican_per_server_limiters() {
    for d in both() {
        let w = world_with(common::config(d)).await;
        let r = w.get(&w.owner_key, &w.srv("")).await;
        let limit = match d {
            Dialect::Pterodactyl => "720",
            Dialect::Pelican => "256",
        };
        assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some(limit), "{d}");
        assert!(r.header("x-ratelimit-remaining").is_some());
    }
    let w = world(Dialect::Pelican).await;
    for i in 0..2 {
        let r = w
            .post(&w.owner_key, &w.srv("/schedules"), schedule_body("0"))
            .await;
        assert_eq!(r.code(), 200, "schedule {i}: {}", r.text);
    }
    let r = w
        .post(&w.owner_key, &w.srv("/schedules"), schedule_body("0"))
        .await;
    assert_eq!(r.code(), 429, "{}", r.text);
    assert_eq!(r.errors()[0].0, "ThrottleRequestsException");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((55..=60).contains(&retry), "{retry}");
}

fn claims(token: &str) -> (Value, Value) {
    let part = |i: usize| {
        let raw = token.split('.').nth(i).unwrap();
        let bytes = base64_url_decode(raw);
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    (part(0), part(1))
}

fn base64_url_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let vals: Vec<u32> = s
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
    out
}

/// JWTs: `exp − iat` is 600 s for the websocket and 900 s for signed URLs, `nbf = iat − 300`;
/// Pterodactyl's `jti` is 32 hex and the token carries `user_id`, Pelican's 64 hex with `scope`.
#[tokio::test]
async fn jwt_lifetimes_and_ids_per_panel() {
    for d in both() {
        let w = world(d).await;
        let ws = w.get(&w.owner_key, &w.srv("/websocket")).await;
        assert_eq!(ws.code(), 200, "{}", ws.text);
        let (header, payload) = claims(ws.json()["data"]["token"].as_str().unwrap());
        let iat = payload["iat"].as_i64().unwrap();
        assert_eq!(payload["exp"].as_i64().unwrap() - iat, 600);
        assert_eq!(payload["nbf"].as_i64().unwrap(), iat - 300);
        assert_eq!(header["jti"], payload["jti"]);
        let jti = payload["jti"].as_str().unwrap();
        match d {
            Dialect::Pterodactyl => {
                assert_eq!(jti.len(), 32);
                assert!(payload["user_id"].is_u64());
                assert!(payload.get("scope").is_none());
            }
            Dialect::Pelican => {
                assert_eq!(jti.len(), 64);
                assert_eq!(payload["scope"], "websocket");
                assert!(payload.get("user_id").is_none());
            }
        }
        assert!(jti.bytes().all(|b| b.is_ascii_hexdigit()));
        let dl = w
            .get(&w.owner_key, &w.srv("/files/download?file=world.zip"))
            .await;
        assert_eq!(dl.code(), 200, "{}", dl.text);
        let url = dl.json()["attributes"]["url"].as_str().unwrap().to_string();
        let token = url.split("token=").nth(1).unwrap();
        let (_, p) = claims(token);
        assert_eq!(p["exp"].as_i64().unwrap() - p["iat"].as_i64().unwrap(), 900);
        assert_eq!(p["file_path"], "world.zip");
    }
}

/// The throttle's window really moves with the sim clock: after 600 s the same server may back
/// up again (Pterodactyl, deleted backups included).
#[tokio::test]
async fn backup_throttle_window_passes_with_the_clock() {
    let w = world(Dialect::Pterodactyl).await;
    w.t.sim.set_wings(accepting_wings());
    let now = w.t.sim.state().now();
    w.t.sim.mutate(|s| {
        for i in 0..2 {
            let uuid = s.new_uuid();
            s.insert_backup(Backup {
                id: 100 + i,
                server_id: w.server,
                uuid,
                name: format!("b{i}"),
                ignored_files: vec![],
                disk: "wings".into(),
                checksum: None,
                bytes: 0,
                is_successful: false,
                is_locked: false,
                is_scheduled: false,
                created_at: now,
                completed_at: None,
                deleted_at: Some(now),
            });
        }
    });
    let r = w.post(&w.owner_key, &w.srv("/backups"), json!({})).await;
    assert_eq!(r.code(), 429, "{}", r.text);
    w.advance(601);
    let r = w.post(&w.owner_key, &w.srv("/backups"), json!({})).await;
    assert_eq!(r.code(), 200, "{}", r.text);
    assert!(
        r.json()["attributes"]["name"]
            .as_str()
            .unwrap()
            .starts_with("Backup at ")
    );
}
