//! `roost sim serve` prints the application token and, beside it, the client token of the
//! seeded admin, and both work against the panel it serves.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The value after `label` on a status line, up to the first space.
fn token_after(lines: &[String], label: &str) -> Option<String> {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
}

#[test]
fn sim_serve_prints_both_tokens() {
    for dialect in ["pterodactyl", "pelican"] {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_roost-test"))
            .args([
                "sim",
                "serve",
                "--dialect",
                dialect,
                "--port",
                &port.to_string(),
            ])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("roost sim serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let done = line.starts_with("client token: ");
            lines.push(line);
            if done {
                break;
            }
        }
        let app = token_after(&lines, "token: ");
        let client = token_after(&lines, "client token: ");
        // The server may still be binding right after it printed.
        let started = Instant::now();
        let mut status = None;
        while status.is_none() && started.elapsed() < Duration::from_secs(10) {
            status = get_status(port, client.as_deref());
            if status.is_none() {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let app_status = get_status(port, app.as_deref());
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            app.is_some(),
            "{dialect}: no application token in {lines:?}"
        );
        let client = client.unwrap_or_else(|| panic!("{dialect}: no client token in {lines:?}"));
        let prefix = if dialect == "pterodactyl" {
            "ptlc_"
        } else {
            "pacc_"
        };
        assert!(client.starts_with(prefix) && client.len() == 48, "{client}");
        assert_eq!(status, Some(200), "{dialect}: the client token works");
        assert_eq!(
            app_status,
            Some(403),
            "{dialect}: the application key is refused there"
        );
    }
}

/// The status of `GET /api/client/account` with a bearer token (None when the connection
/// failed).
fn get_status(port: u16, token: Option<&str>) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "GET /api/client/account HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n{auth}Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split_whitespace().nth(1)?.parse().ok()
}
