//! Token renewal on the open socket, reconnects after a drop, and the token route's limiter.

use crate::fake::{Answer, error};
use crate::{connected, connecting, fast, lines, next, setup, until_line};
use roost_panel::{ConsoleError, ConsoleEvent, Dialect, ServerStatus};
use std::time::Duration;

#[tokio::test]
async fn token_expiring_renews_on_the_same_socket_without_losing_a_line() {
    let mut s = setup(Dialect::Pelican).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    let first = conn.accept_auth(&s.panel).await;
    let mut console = connected(task).await;
    // The panel takes a while to sign the new token; Wings keeps streaming meanwhile.
    s.panel.set_delay(Duration::from_millis(200));
    conn.output(1..=3).await;
    conn.send("token expiring", &[]).await;
    conn.output(4..=10).await;
    // Wings repeats the warning every 30 s: one while the token is on its way must not fetch
    // a second token.
    tokio::time::sleep(Duration::from_millis(100)).await;
    conn.send("token expiring", &[]).await;
    let second = conn.expect_auth(&s.panel).await;
    assert_ne!(first, second, "a fresh token");
    conn.send("auth success", &[]).await;
    conn.output(11..=13).await;
    let (got, others) = until_line(&mut console, "line 13").await;
    assert_eq!(got, lines(1..=13), "every line, once, in order");
    assert_eq!(
        others,
        vec![ConsoleEvent::Authenticated, ConsoleEvent::TokenRenewed]
    );
    assert_eq!(s.panel.token_requests(), 2);
}

#[tokio::test]
async fn token_expired_mid_stream_renews_and_holds_commands_until_the_new_auth() {
    let mut s = setup(Dialect::Pterodactyl).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.accept_auth(&s.panel).await;
    let mut console = connected(task).await;
    s.panel.set_delay(Duration::from_millis(100));
    conn.output(1..=2).await;
    conn.send("token expired", &[]).await;
    // An expired token makes Wings answer events with this; it asks for renewal, it is
    // not fatal.
    conn.send("jwt error", &["jwt: exp claim is invalid"]).await;
    conn.output(3..=3).await;
    let (got, _) = until_line(&mut console, "line 3").await;
    assert_eq!(got, lines(1..=3));
    // Queued while the token is expired: goes out only after the new auth success.
    console.send_command("say still here").await.unwrap();
    conn.expect_auth(&s.panel).await;
    conn.send("auth success", &[]).await;
    // Output written while the token was expired never came: the session asks for Wings'
    // tail first, and passes on only what it had not.
    assert_eq!(conn.recv().await.unwrap().0, "send logs");
    let (event, args) = conn.recv().await.unwrap();
    assert_eq!(event, "send command");
    assert_eq!(args[0], "say still here");
    conn.output(1..=5).await;
    let (got, others) = until_line(&mut console, "line 5").await;
    assert_eq!(got, lines(4..=5));
    assert_eq!(others, vec![ConsoleEvent::TokenRenewed]);
}

#[tokio::test]
async fn a_jwt_error_that_no_fresh_token_cures_ends_the_session() {
    let mut s = setup(Dialect::Pterodactyl).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.accept_auth(&s.panel).await;
    let mut console = connected(task).await;
    // The quirk of a token for another server: auth success, then this instead of a status.
    conn.send("jwt error", &["jwt: server uuid mismatch"]).await;
    assert_eq!(next(&mut console).await, ConsoleEvent::Authenticated);
    let end = tokio::time::timeout(crate::STEP, console.next_event())
        .await
        .unwrap();
    assert!(
        matches!(&end, Some(Err(ConsoleError::Jwt { reason, .. })) if reason == "jwt: server uuid mismatch"),
        "{end:?}"
    );
    assert_eq!(s.panel.token_requests(), 1, "no token can cure it");
}

#[tokio::test]
async fn a_dropped_socket_reconnects_with_a_fresh_token_and_output_continues() {
    let mut s = setup(Dialect::Pelican).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    let first = conn.accept_auth(&s.panel).await;
    conn.send("status", &["running"]).await;
    conn.output(1..=3).await;
    let mut console = connected(task).await;
    let (got, _) = until_line(&mut console, "line 3").await;
    assert_eq!(got, lines(1..=3));
    drop(conn); // no close frame: the connection just breaks
    let ConsoleEvent::Reconnecting {
        attempt,
        max_attempts,
        delay,
        ..
    } = next(&mut console).await
    else {
        panic!("reconnecting expected")
    };
    assert_eq!((attempt, max_attempts), (1, 3));
    assert!(delay >= Duration::from_millis(20) && delay <= Duration::from_millis(40));
    // Queued while reconnecting: sent after the new socket's auth success.
    console.send_command("list").await.unwrap();
    let mut conn = s.wings.conn().await;
    let second = conn.accept_auth(&s.panel).await;
    assert_ne!(first, second, "a fresh token for the new socket");
    // Lines written while the socket was down: asked for before anything else.
    assert_eq!(conn.recv().await.unwrap().0, "send logs");
    assert_eq!(conn.recv().await.unwrap().0, "send command");
    conn.send("status", &["running"]).await;
    // Wings' tail (lines 1–5, of which 4 and 5 were missed), then live output.
    conn.output(1..=5).await;
    conn.output(6..=6).await;
    assert_eq!(
        next(&mut console).await,
        ConsoleEvent::Reconnected { attempt: 1 }
    );
    assert_eq!(
        next(&mut console).await,
        ConsoleEvent::Status(ServerStatus::Running)
    );
    let (got, others) = until_line(&mut console, "line 6").await;
    assert_eq!(got, lines(4..=6));
    assert!(others.is_empty(), "{others:?}");
}

#[tokio::test]
async fn reconnecting_is_bounded_and_each_attempt_reported() {
    let mut s = setup(Dialect::Pterodactyl).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.accept_auth(&s.panel).await;
    let mut console = connected(task).await;
    assert_eq!(next(&mut console).await, ConsoleEvent::Authenticated);
    s.wings.go_down(502);
    conn.close(1011, "wings restarting").await;
    for n in 1..=3 {
        match next(&mut console).await {
            ConsoleEvent::Reconnecting { attempt, cause, .. } => {
                assert_eq!(attempt, n);
                if n == 1 {
                    assert!(cause.contains("1011"), "{cause}");
                } else {
                    assert!(cause.contains("502"), "{cause}");
                }
            }
            other => panic!("attempt {n}: {other:?}"),
        }
    }
    let end = tokio::time::timeout(crate::STEP, console.next_event())
        .await
        .unwrap();
    assert!(
        matches!(
            &end,
            Some(Err(ConsoleError::ReconnectFailed { attempts: 3, .. }))
        ),
        "{end:?}"
    );
    assert_eq!(s.wings.refused(), 3);
    assert_eq!(s.panel.token_requests(), 4, "a fresh token per attempt");
    assert!(
        tokio::time::timeout(crate::STEP, console.next_event())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_suspension_while_reconnecting_ends_the_session_with_its_reason() {
    let mut s = setup(Dialect::Pterodactyl).await;
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.accept_auth(&s.panel).await;
    let mut console = connected(task).await;
    assert_eq!(next(&mut console).await, ConsoleEvent::Authenticated);
    s.panel.script([error(
        409,
        "ServerStateConflictException",
        "This server is currently suspended and the functionality requested is unavailable.",
    )]);
    drop(conn);
    assert!(matches!(
        next(&mut console).await,
        ConsoleEvent::Reconnecting { attempt: 1, .. }
    ));
    let end = tokio::time::timeout(crate::STEP, console.next_event())
        .await
        .unwrap();
    assert!(
        matches!(&end, Some(Err(ConsoleError::ServerState { .. }))),
        "{end:?}"
    );
    assert_eq!(
        s.panel.token_requests(),
        2,
        "no attempt after a permanent refusal"
    );
}

#[tokio::test]
async fn a_rate_limited_token_route_is_waited_out_and_reported() {
    let mut s = setup(Dialect::Pelican).await;
    let throttled = Answer {
        retry_after: Some(1),
        ..error(429, "TooManyRequestsHttpException", "Too Many Attempts.")
    };
    s.panel.script([throttled]);
    let task = connecting(&s.api, fast());
    let mut conn = s.wings.conn().await;
    conn.accept_auth(&s.panel).await;
    let mut console = connected(task).await;
    let ConsoleEvent::TokenWait { wait, cause } = next(&mut console).await else {
        panic!("a reported wait expected")
    };
    assert_eq!(wait, Duration::from_secs(1));
    assert!(cause.contains("websocket-token limiter"), "{cause}");
    assert_eq!(next(&mut console).await, ConsoleEvent::Authenticated);
    assert_eq!(s.panel.token_requests(), 2);
}
