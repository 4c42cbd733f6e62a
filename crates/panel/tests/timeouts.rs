//! Timeouts against panels that never answer: the error states the bound that fired (per
//! attempt, connecting, or the retry budget) and how many attempts over how long it took, so
//! the message agrees with the time the user waited.

use roost_panel::{ClientConfig, Dialect, PanelClient, PanelError, Secret};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A panel that accepts every connection and never answers. Returns its URL and the number of
/// connections it accepted.
async fn silent_panel() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(conn);
        }
    });
    (url, accepted)
}

fn config(url: &str) -> ClientConfig {
    let mut c = ClientConfig::new(url, Secret::new("ptla_x"));
    c.dialect = Some(Dialect::Pterodactyl);
    c
}

/// The seconds after "over " in a message, e.g. `... (3 attempts over 1.2 s)`.
fn seconds_over(message: &str) -> f64 {
    let rest = message
        .split(" over ")
        .nth(1)
        .unwrap_or_else(|| panic!("no total time in {message:?}"));
    rest.split(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_panel_that_never_answers_fails_with_the_per_attempt_bound_and_the_time_spent() {
    let (url, accepted) = silent_panel().await;
    let mut c = config(&url);
    c.timeout = Duration::from_millis(200);
    c.max_retries = 2;
    let client = PanelClient::new(c).unwrap();
    let started = Instant::now();
    let e = client.detect_dialect().await.unwrap_err();
    let waited = started.elapsed().as_secs_f64();
    assert!(matches!(e, PanelError::Timeout { .. }), "{e:?}");
    assert_eq!(client.requests_sent(), 3, "the first attempt and 2 retries");
    assert_eq!(accepted.load(Ordering::SeqCst), 3, "each attempt connected");
    let message = e.to_string();
    assert!(
        message.starts_with("GET /nests?per_page=1: no answer within 0.2 s (3 attempts over "),
        "{message}"
    );
    let said = seconds_over(&message);
    assert!(
        (said - waited).abs() <= 0.15,
        "the message says {said} s, the caller waited {waited:.2} s: {message}"
    );
}

#[tokio::test]
async fn one_attempt_names_only_its_timeout() {
    let (url, _) = silent_panel().await;
    let mut c = config(&url);
    c.timeout = Duration::from_millis(150);
    c.max_retries = 0;
    let client = PanelClient::new(c).unwrap();
    let e = client.detect_dialect().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /nests?per_page=1: no answer within 0.15 s"
    );
}

#[tokio::test]
async fn the_retry_budget_bounds_the_whole_request() {
    let (url, _) = silent_panel().await;
    let mut c = config(&url);
    c.timeout = Duration::from_millis(300);
    c.max_retries = 50;
    c.retry_budget = Duration::from_millis(800);
    let client = PanelClient::new(c).unwrap();
    let started = Instant::now();
    let e = client.detect_dialect().await.unwrap_err();
    let waited = started.elapsed().as_secs_f64();
    // No retry starts after the budget; the last one may run one timeout past it.
    assert!(waited < 0.8 + 0.3 + 0.2, "{waited:.2} s: {e}");
    let attempts = client.requests_sent();
    assert!((2..=4).contains(&attempts), "{attempts} attempts: {e}");
    let message = e.to_string();
    assert!(
        message.contains(&format!(
            "no answer within 0.3 s ({attempts} attempts over "
        )),
        "{message}"
    );
    assert!((seconds_over(&message) - waited).abs() <= 0.15, "{message}");
}

/// A listener whose accept queue is full and never drained: Linux drops further SYNs, so a
/// connection attempt hangs until the client's connect timeout.
async fn unreachable_panel() -> (String, Vec<tokio::net::TcpStream>, tokio::net::TcpListener) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    while fillers.len() < 8 {
        match tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => fillers.push(s),
            // The queue is full: this one hangs, as the client's will.
            _ => break,
        }
    }
    (format!("http://{addr}"), fillers, listener)
}

#[tokio::test]
async fn a_panel_that_never_accepts_fails_with_the_connect_bound() {
    let (url, _fillers, _listener) = unreachable_panel().await;
    let mut c = config(&url);
    c.timeout = Duration::from_secs(5);
    c.connect_timeout = Duration::from_millis(200);
    c.max_retries = 1;
    let client = PanelClient::new(c).unwrap();
    let started = Instant::now();
    let e = client.detect_dialect().await.unwrap_err();
    let waited = started.elapsed().as_secs_f64();
    let message = e.to_string();
    assert!(
        matches!(
            e,
            PanelError::Timeout {
                connecting: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        message
            .starts_with("GET /nests?per_page=1: could not connect within 0.2 s (2 attempts over "),
        "{message}"
    );
    assert!((seconds_over(&message) - waited).abs() <= 0.15, "{message}");
    assert!(
        waited < 1.0,
        "the connect bound fired, not the 5 s one: {waited:.2} s"
    );
}
