//! The emulated Wings' console websocket with a real websocket client: the Origin check, the
//! `auth` flow, events both ways with their permissions, the token checks (signature, expiry,
//! another server's token), expiry warnings on the sim's clock, and the socket faults.

mod common;

use common::both;
use common::client::{World, world};
use futures_util::{SinkExt, StreamExt};
use roost_sim::{Dialect, Faults, WingsFaults};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// (token, socket URL) from the panel.
async fn token(w: &World, key: &str) -> (String, String) {
    let r = w.get(key, &w.srv("/websocket")).await;
    assert_eq!(r.code(), 200, "{}", r.text);
    let j = r.json();
    (
        j["data"]["token"].as_str().unwrap().to_string(),
        j["data"]["socket"].as_str().unwrap().to_string(),
    )
}

async fn open(url: &str, origin: Option<&str>) -> Result<Ws, u16> {
    let mut req = url.into_client_request().unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("connect: {e}"),
    }
}

async fn send(ws: &mut Ws, event: &str, args: &[&str]) {
    let frame = json!({"event": event, "args": args}).to_string();
    ws.send(Message::text(frame)).await.unwrap();
}

/// The next event that is not `stats` (None: nothing within the wait, or the socket closed).
async fn next(ws: &mut Ws, wait_ms: u64) -> Option<(String, Vec<String>)> {
    loop {
        let msg = tokio::time::timeout(Duration::from_millis(wait_ms), ws.next())
            .await
            .ok()??
            .ok()?;
        let Message::Text(t) = msg else {
            continue;
        };
        let v: Value = serde_json::from_str(&t).unwrap();
        let event = v["event"].as_str().unwrap().to_string();
        if event == "stats" {
            continue;
        }
        let args = v["args"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        return Some((event, args));
    }
}

/// Reads until `event` arrives; its arguments.
async fn until(ws: &mut Ws, event: &str) -> Vec<String> {
    loop {
        match next(ws, 3_000).await {
            Some((e, args)) if e == event => return args,
            Some(_) => {}
            None => panic!("no {event}"),
        }
    }
}

/// A socket authenticated as the owner.
async fn session(w: &World) -> Ws {
    let (token, url) = token(w, &w.owner_key).await;
    let mut ws = open(&url, Some(&w.t.sim.url())).await.unwrap();
    send(&mut ws, "auth", &[&token]).await;
    assert_eq!(next(&mut ws, 2_000).await.unwrap().0, "auth success");
    until(&mut ws, "status").await;
    ws
}

#[tokio::test]
async fn the_socket_url_and_the_origin_check() {
    for d in both() {
        let w = world(d).await;
        let (_, url) = token(&w, &w.owner_key).await;
        let expected = format!(
            "{}/api/servers/{}/ws",
            w.t.sim.url().replacen("http://", "ws://", 1),
            w.uuid
        );
        assert_eq!(url, expected, "{d}");
        assert_eq!(open(&url, None).await.err(), Some(403), "{d}: no Origin");
        assert_eq!(
            open(&url, Some("https://evil.example")).await.err(),
            Some(403),
            "{d}"
        );
        let unknown = url.replace(&w.uuid, "00000000-0000-4000-8000-000000000000");
        assert_eq!(
            open(&unknown, Some(&w.t.sim.url())).await.err(),
            Some(404),
            "{d}"
        );
    }
}

#[tokio::test]
async fn auth_then_status_and_stats_and_nothing_before_auth() {
    for d in both() {
        let w = world(d).await;
        let (token, url) = token(&w, &w.owner_key).await;
        let mut ws = open(&url, Some(&w.t.sim.url())).await.unwrap();
        send(&mut ws, "send stats", &[]).await;
        assert_eq!(
            next(&mut ws, 2_000).await,
            Some(("jwt error".into(), vec!["jwt: no jwt present".into()])),
            "{d}"
        );
        send(&mut ws, "auth", &[&token]).await;
        let mut raw = Vec::new();
        for _ in 0..3 {
            let m = tokio::time::timeout(Duration::from_secs(2), ws.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            raw.push(serde_json::from_str::<Value>(m.to_text().unwrap()).unwrap());
        }
        assert_eq!(
            raw[0],
            json!({"event": "auth success"}),
            "{d}: no args when empty"
        );
        assert_eq!(
            raw[1],
            json!({"event": "status", "args": ["offline"]}),
            "{d}"
        );
        assert_eq!(
            raw[2]["event"], "stats",
            "{d}: an offline server sends its stats once"
        );
        let stats: Value = serde_json::from_str(raw[2]["args"][0].as_str().unwrap()).unwrap();
        assert_eq!(
            (&stats["state"], &stats["memory_bytes"]),
            (&json!("offline"), &json!(0))
        );
        assert_eq!(stats["memory_limit_bytes"], 1024 * 1024 * 1024);
        // Re-authenticating only answers `auth success`.
        send(&mut ws, "auth", &[&token]).await;
        assert_eq!(next(&mut ws, 2_000).await.unwrap().0, "auth success");
        assert_eq!(next(&mut ws, 300).await, None, "{d}: no second status");
    }
}

#[tokio::test]
async fn power_console_and_logs_over_the_socket() {
    for d in both() {
        let w = world(d).await;
        let mut ws = session(&w).await;
        send(&mut ws, "send command", &["say too early"]).await;
        send(&mut ws, "send logs", &[]).await;
        assert_eq!(
            next(&mut ws, 300).await,
            None,
            "{d}: an offline server says nothing"
        );
        send(&mut ws, "set state", &["start"]).await;
        assert_eq!(until(&mut ws, "status").await, ["starting"], "{d}");
        let line = until(&mut ws, "console output").await;
        assert!(line[0].contains("Daemon]:"), "{d}: {line:?}");
        w.advance(3);
        assert_eq!(until(&mut ws, "status").await, ["running"], "{d}");
        send(&mut ws, "send command", &["say hello"]).await;
        assert_eq!(until(&mut ws, "console output").await, ["say hello"], "{d}");
        send(&mut ws, "send logs", &[]).await;
        let mut replay = Vec::new();
        while let Some((e, args)) = next(&mut ws, 300).await {
            assert_eq!(e, "console output");
            replay.push(args[0].clone());
        }
        assert_eq!(replay.last().map(String::as_str), Some("say hello"), "{d}");
        assert!(!replay.contains(&"say too early".to_string()), "{d}");
        send(&mut ws, "set state", &["start"]).await;
        let err = until(&mut ws, "daemon error").await;
        assert!(
            err[0].starts_with("Error Event [")
                && err[0].ends_with(
                    "]: an unexpected error was encountered while handling this request"
                ),
            "{d}: {err:?}"
        );
        send(&mut ws, "set state", &["kill"]).await;
        assert_eq!(until(&mut ws, "status").await, ["offline"], "{d}");
    }
}

#[tokio::test]
async fn per_event_permissions_of_a_subuser() {
    for d in both() {
        let w = world(d).await;
        w.grant(&["websocket.connect", "control.start"]);
        let (token, url) = token(&w, &w.sub_key).await;
        let mut ws = open(&url, Some(&w.t.sim.url())).await.unwrap();
        send(&mut ws, "auth", &[&token]).await;
        until(&mut ws, "status").await;
        send(&mut ws, "set state", &["stop"]).await;
        send(&mut ws, "set state", &["start"]).await;
        assert_eq!(until(&mut ws, "status").await, ["starting"], "{d}");
        w.advance(3);
        assert_eq!(until(&mut ws, "status").await, ["running"], "{d}");
        send(&mut ws, "send command", &["op me"]).await;
        send(&mut ws, "set state", &["stop"]).await;
        assert_eq!(
            next(&mut ws, 400).await,
            None,
            "{d}: no control.console, no control.stop"
        );
        assert!(!w.t.sim.console(&w.uuid).contains(&"op me".to_string()));
        // A backup completing is announced only to holders of backup.read.
        w.t.sim.mutate(|s| s.settings.backup_throttle_period = 0);
        let r = w.post(&w.owner_key, &w.srv("/backups"), json!({})).await;
        assert_eq!(r.code(), 200);
        w.advance(6);
        w.get(&w.owner_key, &w.srv("/backups")).await;
        assert_eq!(next(&mut ws, 400).await, None, "{d}: no backup.read");
        let mut owner = session(&w).await;
        w.post(&w.owner_key, &w.srv("/backups"), json!({})).await;
        w.advance(6);
        let done: Value =
            serde_json::from_str(&until(&mut owner, "backup completed").await[0]).unwrap();
        assert_eq!(
            (&done["is_successful"], &done["checksum_type"]),
            (&json!(true), &json!("sha1"))
        );
    }
}

#[tokio::test]
async fn bad_tokens() {
    for d in both() {
        let w = world(d).await;
        let (token, url) = token(&w, &w.owner_key).await;
        let mut ws = open(&url, Some(&w.t.sim.url())).await.unwrap();
        // Change a character inside the signature: the last one also holds base64 padding
        // bits, and changing only those leaves the signature's bytes as they were.
        let at = token.len() - 10;
        let mut tampered = token.clone();
        let swap = if &token[at..=at] == "A" { "B" } else { "A" };
        tampered.replace_range(at..=at, swap);
        send(&mut ws, "auth", &[&tampered]).await;
        let (e, args) = next(&mut ws, 2_000).await.unwrap();
        assert_eq!(e, "daemon error", "{d}: a bad signature is not a JWT error");
        assert!(
            args[0].ends_with("an unexpected error was encountered while handling this request")
        );
        w.advance(601);
        send(&mut ws, "auth", &[&token]).await;
        let (e, args) = next(&mut ws, 2_000).await.unwrap();
        assert_eq!(e, "jwt error", "{d}");
        assert!(
            args[0].starts_with("Error Event [")
                && args[0].ends_with("]: jwt: exp claim is invalid"),
            "{args:?}"
        );
    }
}

/// Another server's valid token: `auth success`, then every event is a `jwt error`.
#[tokio::test]
async fn a_token_for_another_server() {
    for d in both() {
        let w = world(d).await;
        let (_, url) = token(&w, &w.owner_key).await;
        let other = w.t.sim.mutate(|s| {
            let base = s.servers[&w.server].clone();
            let id = s.counters.server + 1;
            s.counters.server = id;
            let mut copy = base;
            copy.id = id;
            copy.uuid = "11111111-2222-4333-8444-555555555555".into();
            copy.allocation_id = None;
            s.servers.insert(id, copy);
            id
        });
        let path = "/api/client/servers/11111111-2222-4333-8444-555555555555/websocket";
        let r = w.get(&w.owner_key, path).await;
        assert_eq!(r.code(), 200, "{d} {other}: {}", r.text);
        let foreign = r.json()["data"]["token"].as_str().unwrap().to_string();
        let mut ws = open(&url, Some(&w.t.sim.url())).await.unwrap();
        send(&mut ws, "auth", &[&foreign]).await;
        assert_eq!(next(&mut ws, 2_000).await.unwrap().0, "auth success", "{d}");
        assert_eq!(
            next(&mut ws, 2_000).await,
            Some(("jwt error".into(), vec!["jwt: server uuid mismatch".into()])),
            "{d}: instead of the status"
        );
    }
}

#[tokio::test]
async fn token_expiring_renewal_and_expiry() {
    for d in both() {
        let w = world(d).await;
        let mut ws = session(&w).await;
        w.advance(570);
        assert_eq!(
            next(&mut ws, 2_000).await.unwrap().0,
            "token expiring",
            "{d}"
        );
        let (fresh, _) = token(&w, &w.owner_key).await;
        send(&mut ws, "auth", &[&fresh]).await;
        assert_eq!(next(&mut ws, 2_000).await.unwrap().0, "auth success", "{d}");
        assert_eq!(next(&mut ws, 300).await, None, "{d}: renewed quietly");
        w.advance(601);
        // Wings' `token expired` goes through the same check and comes out as this.
        assert_eq!(
            next(&mut ws, 2_000).await,
            Some(("jwt error".into(), vec!["jwt: exp claim is invalid".into()])),
            "{d}"
        );
        send(&mut ws, "send stats", &[]).await;
        assert_eq!(
            next(&mut ws, 2_000).await.unwrap().1,
            ["jwt: exp claim is invalid"],
            "{d}"
        );
    }
}

fn faults(wings: WingsFaults) -> Faults {
    Faults {
        wings,
        ..Faults::default()
    }
}

#[tokio::test]
async fn fault_socket_dropped_mid_stream() {
    for d in both() {
        let w = world(d).await;
        w.t.sim.set_faults(faults(WingsFaults {
            socket_drop_after_frames: Some(4),
            socket_drops: 1,
            ..WingsFaults::default()
        }));
        let mut ws = session(&w).await;
        send(&mut ws, "set state", &["start"]).await;
        let mut got = Vec::new();
        let closed = loop {
            match tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => got.push(t.to_string()),
                Ok(Some(Ok(Message::Close(_)))) => break "close frame",
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) => break "cut",
                Err(_) => break "still open",
            }
        };
        assert_eq!(closed, "cut", "{d}: no close frame, after {got:?}");
        // Frames: auth success, status, stats (unread until now), status starting: cut.
        assert_eq!(got.len(), 2, "{d}: {got:?}");
        assert!(got[1].contains("starting"), "{d}: {got:?}");
        let mut again = session(&w).await;
        send(&mut again, "send stats", &[]).await;
        let m = tokio::time::timeout(Duration::from_secs(2), again.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert!(
            m.to_text().unwrap().contains("stats"),
            "{d}: one socket dropped, not the next"
        );
    }
}

#[tokio::test]
async fn fault_token_expiry_mid_stream() {
    for d in both() {
        let w = world(d).await;
        w.t.sim.set_faults(faults(WingsFaults {
            token_expiry_after_frames: Some(3),
            ..WingsFaults::default()
        }));
        let mut ws = session(&w).await;
        send(&mut ws, "send stats", &[]).await;
        assert_eq!(
            next(&mut ws, 2_000).await,
            Some(("jwt error".into(), vec!["jwt: exp claim is invalid".into()])),
            "{d}"
        );
        let (fresh, _) = token(&w, &w.owner_key).await;
        send(&mut ws, "auth", &[&fresh]).await;
        assert_eq!(next(&mut ws, 2_000).await.unwrap().0, "auth success");
        send(&mut ws, "set state", &["start"]).await;
        assert_eq!(until(&mut ws, "status").await, ["starting"], "{d}: renewed");
    }
}

/// Pelican's Wings closes a suspended server's socket with 4409; Pterodactyl's keeps it and
/// refuses to start it.
#[tokio::test]
async fn a_suspended_server() {
    for d in both() {
        let w = world(d).await;
        let (token, url) = token(&w, &w.owner_key).await;
        w.set_status(Some("suspended"));
        let mut ws = open(&url, Some(&w.t.sim.url())).await.unwrap();
        match d {
            Dialect::Pelican => {
                let m = tokio::time::timeout(Duration::from_secs(2), ws.next())
                    .await
                    .unwrap()
                    .unwrap()
                    .unwrap();
                let Message::Close(Some(frame)) = m else {
                    panic!("{m:?}")
                };
                assert_eq!(
                    (u16::from(frame.code), frame.reason.as_str()),
                    (4409, "server is suspended")
                );
            }
            Dialect::Pterodactyl => {
                send(&mut ws, "auth", &[&token]).await;
                until(&mut ws, "status").await;
                send(&mut ws, "set state", &["start"]).await;
                until(&mut ws, "daemon error").await;
            }
        }
    }
}

/// Changing a subuser revokes their sockets: Pterodactyl denies the token's JTI on Wings,
/// Pelican's malformed deauthorization drops every socket of the node (the owner's too).
#[tokio::test]
async fn changing_a_subuser_revokes_their_socket() {
    for d in both() {
        let w = world(d).await;
        w.grant(&["websocket.connect", "control.console"]);
        let (token, url) = token(&w, &w.sub_key).await;
        let mut sub = open(&url, Some(&w.t.sim.url())).await.unwrap();
        send(&mut sub, "auth", &[&token]).await;
        until(&mut sub, "status").await;
        let mut owner = session(&w).await;
        let sub_uuid = w.t.sim.state().users[&w.sub].uuid.clone();
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/users/{sub_uuid}")),
                json!({"permissions": ["websocket.connect"]}),
            )
            .await;
        assert_eq!(r.code(), 200, "{d}: {}", r.text);
        match d {
            Dialect::Pterodactyl => {
                send(&mut sub, "send stats", &[]).await;
                assert_eq!(
                    next(&mut sub, 2_000).await,
                    Some((
                        "jwt error".into(),
                        vec!["jwt: created too far in past (denylist)".into()]
                    ))
                );
                send(&mut owner, "send stats", &[]).await;
                let m = tokio::time::timeout(Duration::from_secs(2), owner.next())
                    .await
                    .unwrap()
                    .unwrap()
                    .unwrap();
                assert!(
                    m.to_text().unwrap().contains("\"stats\""),
                    "the owner keeps the socket"
                );
                w.advance(1);
                let (fresh, _) = self::token(&w, &w.sub_key).await;
                send(&mut sub, "auth", &[&fresh]).await;
                assert_eq!(next(&mut sub, 2_000).await.unwrap().0, "auth success");
            }
            Dialect::Pelican => {
                for ws in [&mut sub, &mut owner] {
                    // Frames sent before the drop may still be buffered; then the end.
                    while let Some(Ok(Message::Text(t))) =
                        tokio::time::timeout(Duration::from_secs(2), ws.next())
                            .await
                            .unwrap()
                    {
                        assert!(t.contains("stats"), "{t}");
                    }
                }
            }
        }
    }
}

/// A reinstall's output reaches only tokens with `admin.websocket.install` (root admins); the
/// start and end of the install reach everyone.
#[tokio::test]
async fn install_output_only_for_admins() {
    for d in both() {
        let w = world(d).await;
        let mut owner = session(&w).await;
        let (token, url) = token(&w, &w.admin_key).await;
        let mut admin = open(&url, Some(&w.t.sim.url())).await.unwrap();
        send(&mut admin, "auth", &[&token]).await;
        until(&mut admin, "status").await;
        let r = w
            .post(&w.owner_key, &w.srv("/settings/reinstall"), json!({}))
            .await;
        assert_eq!(r.code(), 202, "{d}: {}", r.text);
        let mut admin_events = Vec::new();
        while let Some((e, _)) = next(&mut admin, 400).await {
            admin_events.push(e);
        }
        assert_eq!(
            admin_events,
            ["install started", "install output", "install completed"],
            "{d}"
        );
        let mut read = Vec::new();
        while let Some((e, _)) = next(&mut owner, 400).await {
            read.push(e);
        }
        assert_eq!(read, ["install started", "install completed"], "{d}");
    }
}
