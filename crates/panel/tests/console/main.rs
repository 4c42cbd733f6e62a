//! The websocket console against a fake panel (the token route) and a fake Wings that checks
//! the Origin and the tokens, scripted frame by frame (client/websocket.md); and against the
//! simulator's emulated Wings (`sim.rs`).

mod fake;
mod renewal;
mod sim;

use fake::{Panel, SERVER, STEP, Wings, error};
use roost_panel::{
    ClientApi, Console, ConsoleConfig, ConsoleError, ConsoleEvent, Dialect, PowerSignal,
    ReconnectPolicy, ServerState, ServerStatus,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

pub struct Setup {
    pub panel: Panel,
    pub wings: Wings,
    pub api: ClientApi,
}

pub async fn setup(dialect: Dialect) -> Setup {
    let origin = Arc::new(Mutex::new(String::new()));
    let wings = Wings::start(origin.clone()).await;
    let panel = Panel::start(dialect, &wings.url).await;
    *origin.lock().unwrap() = panel.url.clone();
    Setup {
        api: panel.client(),
        panel,
        wings,
    }
}

/// Short bounds so no test waits long.
pub fn fast() -> ConsoleConfig {
    ConsoleConfig {
        connect_timeout: Duration::from_secs(1),
        auth_timeout: Duration::from_millis(500),
        reconnect: ReconnectPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(40),
            max_delay: Duration::from_millis(200),
        },
        token_wait: Duration::from_millis(100),
        ..ConsoleConfig::default()
    }
}

/// `Console::connect` running while the test plays Wings.
pub fn connecting(
    api: &ClientApi,
    config: ConsoleConfig,
) -> JoinHandle<Result<Console, ConsoleError>> {
    let api = api.clone();
    tokio::spawn(async move { Console::connect(&api, SERVER, config).await })
}

pub async fn connected(task: JoinHandle<Result<Console, ConsoleError>>) -> Console {
    tokio::time::timeout(STEP, task)
        .await
        .expect("connect did not finish in time")
        .unwrap()
        .expect("connect failed")
}

pub async fn failed(task: JoinHandle<Result<Console, ConsoleError>>) -> ConsoleError {
    match tokio::time::timeout(STEP, task)
        .await
        .expect("connect hung")
        .unwrap()
    {
        Ok(_) => panic!("connect succeeded"),
        Err(e) => e,
    }
}

pub async fn next(console: &mut Console) -> ConsoleEvent {
    match tokio::time::timeout(STEP, console.next_event()).await {
        Ok(Some(Ok(e))) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

/// Events until the console line `last`; returns the lines and the other events in order.
pub async fn until_line(console: &mut Console, last: &str) -> (Vec<String>, Vec<ConsoleEvent>) {
    let (mut lines, mut others) = (Vec::new(), Vec::new());
    loop {
        match next(console).await {
            ConsoleEvent::Output(l) => {
                let done = l == last;
                lines.push(l);
                if done {
                    return (lines, others);
                }
            }
            e => others.push(e),
        }
    }
}

pub fn lines(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|n| format!("line {n}")).collect()
}

#[tokio::test]
async fn auth_success_then_status_output_and_stats_in_both_dialects() {
    for dialect in Dialect::ALL {
        let mut s = setup(dialect).await;
        let task = connecting(&s.api, fast());
        let mut conn = s.wings.conn().await;
        let token = conn.accept_auth(&s.panel).await;
        conn.send("status", &["running"]).await;
        conn.output(1..=3).await;
        conn.send("stats", &[r#"{"memory_bytes":1024,"memory_limit_bytes":4096,"cpu_absolute":37.5,"network":{"rx_bytes":5,"tx_bytes":6},"uptime":5832000,"state":"running","disk_bytes":2147483648}"#]).await;
        let mut console = connected(task).await;
        assert_eq!(next(&mut console).await, ConsoleEvent::Authenticated);
        assert_eq!(
            next(&mut console).await,
            ConsoleEvent::Status(ServerStatus::Running)
        );
        let (got, others) = until_line(&mut console, "line 3").await;
        assert_eq!(got, lines(1..=3));
        assert!(others.is_empty(), "{others:?}");
        let ConsoleEvent::Stats(stats) = next(&mut console).await else {
            panic!("stats expected")
        };
        assert_eq!((stats.memory_bytes, stats.uptime), (1024, 5_832_000));
        assert_eq!(stats.network.rx_bytes, 5);
        assert_eq!(stats.disk_bytes, 2_147_483_648);
        // The token reached Wings and nothing else.
        let shown = format!("{console:?} {:?}", s.api);
        assert!(!shown.contains(&token), "{shown}");
        assert!(!shown.contains("signature"), "{shown}");
        assert_eq!(s.panel.token_requests(), 1, "{dialect}");
        console.close().await;
        assert_eq!(conn.recv().await, None, "close reaches Wings");
    }
}

#[tokio::test]
async fn a_wrong_origin_is_refused_with_a_clear_error() {
    let s = setup(Dialect::Pterodactyl).await;
    let config = ConsoleConfig {
        origin: Some(format!("{}/", s.panel.url)),
        ..fast()
    };
    let e = failed(connecting(&s.api, config)).await;
    assert!(matches!(e, ConsoleError::OriginRefused { .. }), "{e:?}");
    assert!(e.to_string().contains("trailing slash"), "{e}");
    assert_eq!(s.wings.refused(), 1);
}

#[tokio::test]
async fn auth_refused_with_a_jwt_error_is_a_typed_error_without_the_token() {
    let mut s = setup(Dialect::Pelican).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    let token = conn.expect_auth(&s.panel).await;
    conn.send(
        "jwt error",
        &["Error Event [6f1c]: jwt: missing connect permission"],
    )
    .await;
    let e = failed(task).await;
    let ConsoleError::Jwt { reason, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(
        reason.ends_with("jwt: missing connect permission"),
        "{reason}"
    );
    assert!(!e.to_string().contains(&token) && !format!("{e:?}").contains(&token));
}

#[tokio::test]
async fn daemon_error_before_auth_fails_and_after_auth_is_an_event() {
    let mut s = setup(Dialect::Pterodactyl).await;
    // A token with a bad signature: Wings answers a daemon error, not a JWT error.
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.expect_auth(&s.panel).await;
    let generic =
        "Error Event [1]: an unexpected error was encountered while handling this request";
    conn.send("daemon error", &[generic]).await;
    let e = failed(task).await;
    assert!(
        matches!(&e, ConsoleError::Daemon { message, .. } if message == generic),
        "{e:?}"
    );

    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.accept_auth(&s.panel).await;
    let mut console = connected(task).await;
    console.set_state(PowerSignal::Start).await.unwrap();
    assert_eq!(conn.recv().await.unwrap().0, "set state");
    let busy = "Error Event [2]: another power action is currently being processed for this server, please try again later";
    conn.send("daemon error", &[busy]).await;
    conn.output(1..=1).await;
    assert_eq!(next(&mut console).await, ConsoleEvent::Authenticated);
    assert_eq!(
        next(&mut console).await,
        ConsoleEvent::DaemonError(busy.into())
    );
    assert_eq!(
        next(&mut console).await,
        ConsoleEvent::Output("line 1".into())
    );
}

#[tokio::test]
async fn no_auth_success_in_time_is_an_auth_timeout() {
    let mut s = setup(Dialect::Pterodactyl).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.expect_auth(&s.panel).await;
    let e = failed(task).await;
    assert!(matches!(e, ConsoleError::AuthTimeout { .. }), "{e:?}");
    assert!(e.to_string().contains("0.5 s"), "{e}");
}

#[tokio::test]
async fn commands_go_out_only_after_auth_success() {
    let mut s = setup(Dialect::Pterodactyl).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.expect_auth(&s.panel).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(!task.is_finished(), "connect returned before auth success");
    conn.send("auth success", &[]).await;
    let console = connected(task).await;
    console.send_command("say hello").await.unwrap();
    console.send_logs().await.unwrap();
    let (event, args) = conn.recv().await.unwrap();
    assert_eq!(
        (event.as_str(), args[0].as_str()),
        ("send command", Some("say hello"))
    );
    assert_eq!(conn.recv().await.unwrap().0, "send logs");
}

#[tokio::test]
async fn a_suspended_server_is_a_typed_error_in_both_dialects() {
    // The token route's 409 (both panels).
    for dialect in Dialect::ALL {
        let s = setup(dialect).await;
        s.panel.script([error(
            409,
            "ServerStateConflictException",
            "This server is currently suspended and the functionality requested is unavailable.",
        )]);
        let e = failed(connecting(&s.api, fast())).await;
        assert!(
            matches!(
                e,
                ConsoleError::ServerState {
                    state: ServerState::Suspended,
                    ..
                }
            ),
            "{dialect}: {e:?}"
        );
        assert!(e.to_string().contains("suspended"), "{e}");
    }
    // Pelican's Wings: upgrade accepted, then close 4409.
    let mut s = setup(Dialect::Pelican).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.expect_auth(&s.panel).await;
    conn.close(4409, "server is suspended").await;
    let e = failed(task).await;
    assert!(
        matches!(
            e,
            ConsoleError::ServerState {
                state: ServerState::Suspended,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn missing_permissions_are_named() {
    let mut s = setup(Dialect::Pterodactyl).await;
    s.panel.script([error(
        403,
        "HttpForbiddenException",
        "You do not have permission to connect to this server's websocket.",
    )]);
    let e = failed(connecting(&s.api, fast())).await;
    assert!(
        matches!(&e, ConsoleError::MissingPermission { permission, .. } if permission == "websocket.connect"),
        "{e:?}"
    );

    // A subuser with only websocket.connect: commands and power are refused before sending
    // (Wings would drop them silently); stats need no permission.
    s.panel.set_permissions(&["websocket.connect"]);
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.accept_auth(&s.panel).await;
    let console = connected(task).await;
    let e = console.send_command("stop").await.unwrap_err();
    assert!(
        matches!(
            &e,
            ConsoleError::NotAllowed {
                permission: "control.console",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("nothing was sent"), "{e}");
    let e = console.set_state(PowerSignal::Kill).await.unwrap_err();
    assert!(
        matches!(
            &e,
            ConsoleError::NotAllowed {
                permission: "control.stop",
                ..
            }
        ),
        "{e:?}"
    );
    console.send_stats().await.unwrap();
    assert_eq!(
        conn.recv().await.unwrap().0,
        "send stats",
        "nothing went before"
    );
}

#[tokio::test]
async fn unknown_and_malformed_frames_are_kept_and_the_session_goes_on() {
    let mut s = setup(Dialect::Pelican).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.accept_auth(&s.panel).await;
    conn.send("brand new event", &["x"]).await;
    conn.send_raw("{not json").await;
    conn.send("throttled", &["send command"]).await;
    conn.output(1..=1).await;
    let mut console = connected(task).await;
    assert_eq!(next(&mut console).await, ConsoleEvent::Authenticated);
    assert_eq!(
        next(&mut console).await,
        ConsoleEvent::Other {
            event: "brand new event".into(),
            args: vec!["x".into()]
        }
    );
    assert_eq!(
        next(&mut console).await,
        ConsoleEvent::Malformed("{not json".into())
    );
    assert_eq!(
        next(&mut console).await,
        ConsoleEvent::Throttled("send command".into())
    );
    assert_eq!(
        next(&mut console).await,
        ConsoleEvent::Output("line 1".into())
    );
}

#[tokio::test]
async fn a_deleted_server_ends_the_session_without_reconnecting() {
    let mut s = setup(Dialect::Pterodactyl).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.accept_auth(&s.panel).await;
    conn.send("deleted", &["null"]).await;
    conn.close(1001, "server deleted").await;
    let mut console = connected(task).await;
    assert_eq!(next(&mut console).await, ConsoleEvent::Authenticated);
    assert_eq!(next(&mut console).await, ConsoleEvent::Deleted);
    let end = tokio::time::timeout(STEP, console.next_event())
        .await
        .unwrap();
    assert!(end.is_none(), "{end:?}");
    assert_eq!(s.panel.token_requests(), 1, "no reconnect");
}

#[tokio::test]
async fn wss_goes_through_rustls_and_a_failed_handshake_is_a_connect_error() {
    // A node that accepts TCP and hangs up: the TLS handshake fails (no panic over a missing
    // crypto provider: the tree has rustls with ring only, as reqwest uses it).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let socket = format!(
        "wss://{}/api/servers/{}/ws",
        listener.local_addr().unwrap(),
        fake::UUID
    );
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            drop(conn);
        }
    });
    let s = setup(Dialect::Pterodactyl).await;
    s.panel.set_socket(&socket);
    let e = failed(connecting(&s.api, fast())).await;
    assert!(
        matches!(&e, ConsoleError::Connect { url, .. } if *url == socket),
        "{e:?}"
    );
    assert!(!e.is_permanent(), "a node that hangs up may come back");
}
