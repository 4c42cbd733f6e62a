//! A fake panel (the account and the websocket-token route, scriptable) and a fake Wings (a
//! websocket endpoint that checks the Origin and the tokens the panel handed out, driven by
//! the test frame by frame), as client/websocket.md describes them.

use futures_util::{SinkExt, StreamExt};
use roost_panel::{ClientApi, ClientBuckets, ClientConfig, Dialect, Secret};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

pub const SERVER: &str = "1a2b3c4d";
pub const UUID: &str = "1a2b3c4d-0000-4000-8000-000000000001";
/// How long a test waits for any one frame or event.
pub const STEP: Duration = Duration::from_secs(2);

/// One scripted answer of the token route.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u32>,
}

#[derive(Default)]
struct PanelState {
    issued: Vec<String>,
    script: VecDeque<Answer>,
    socket: String,
    permissions: Vec<String>,
    delay: Duration,
}

/// The panel: `GET /api/client/account` and `GET /api/client/servers/{id}/websocket`.
#[derive(Clone)]
pub struct Panel {
    pub url: String,
    pub dialect: Dialect,
    state: Arc<Mutex<PanelState>>,
    token_requests: Arc<AtomicUsize>,
}

impl Panel {
    pub async fn start(dialect: Dialect, socket: &str) -> Panel {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let panel = Panel {
            url,
            dialect,
            state: Arc::new(Mutex::new(PanelState {
                socket: socket.to_string(),
                permissions: vec!["*".into()],
                ..PanelState::default()
            })),
            token_requests: Arc::new(AtomicUsize::new(0)),
        };
        let p = panel.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(p.clone().serve(conn));
            }
        });
        panel
    }

    /// The next answers of the token route, before it hands out tokens again.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.state.lock().unwrap().script.extend(answers);
    }

    pub fn set_permissions(&self, permissions: &[&str]) {
        self.state.lock().unwrap().permissions =
            permissions.iter().map(|p| p.to_string()).collect();
    }

    /// Hands out another socket URL from now on.
    pub fn set_socket(&self, socket: &str) {
        self.state.lock().unwrap().socket = socket.to_string();
    }

    /// Slows every token answer down (output keeps flowing meanwhile).
    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    pub fn issued(&self) -> Vec<String> {
        self.state.lock().unwrap().issued.clone()
    }

    pub fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }

    /// A client of this panel (one HTTP attempt per request, so a 429 reaches the console).
    pub fn client(&self) -> ClientApi {
        let key = match self.dialect {
            Dialect::Pterodactyl => "ptlc_0123456789abcdefkeysecret",
            Dialect::Pelican => "pacc_0123456789abcdefkeysecret",
        };
        let mut config = ClientConfig::new(&self.url, Secret::new(key));
        config.dialect = Some(self.dialect);
        config.max_retries = 0;
        config.timeout = Duration::from_secs(2);
        ClientApi::with_buckets(config, ClientBuckets::new()).unwrap()
    }

    async fn serve(self, mut conn: TcpStream) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let head = String::from_utf8_lossy(&buf).to_string();
        let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
        let answer = if path == "/api/client/account" {
            self.account()
        } else if path == format!("/api/client/servers/{SERVER}/websocket") {
            self.token_requests.fetch_add(1, Ordering::SeqCst);
            let delay = self.state.lock().unwrap().delay;
            tokio::time::sleep(delay).await;
            self.token()
        } else {
            error(404, "NotFoundHttpException", "not found")
        };
        let retry = answer
            .retry_after
            .map(|s| format!("Retry-After: {s}\r\n"))
            .unwrap_or_default();
        let out = format!(
            "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{retry}Connection: close\r\n\r\n{}",
            answer.status,
            answer.body.len(),
            answer.body
        );
        let _ = conn.write_all(out.as_bytes()).await;
        let _ = conn.shutdown().await;
    }

    fn account(&self) -> Answer {
        let attributes = match self.dialect {
            Dialect::Pterodactyl => json!({"id": 7, "admin": false, "username": "alice",
                "email": "alice@example.com", "first_name": "A", "last_name": "N", "language": "en"}),
            Dialect::Pelican => json!({"uuid": "c0ffee00-1234-4abc-9def-0123456789ab",
                "username": "alice", "email": "alice@example.com", "language": "en",
                "admin": false, "root_admin": false, "2fa_enabled": false}),
        };
        ok(json!({"object": "user", "attributes": attributes}))
    }

    fn token(&self) -> Answer {
        let mut st = self.state.lock().unwrap();
        if let Some(a) = st.script.pop_front() {
            return a;
        }
        let n = st.issued.len() + 1;
        let claims = json!({"server_uuid": UUID, "permissions": st.permissions, "n": n});
        let token = format!(
            "{}.{}.signature-{n}",
            b64url(br#"{"typ":"JWT","alg":"HS256"}"#),
            b64url(claims.to_string().as_bytes())
        );
        st.issued.push(token.clone());
        ok(json!({"data": {"token": token, "socket": st.socket}}))
    }
}

fn ok(body: Value) -> Answer {
    Answer {
        status: 200,
        body: body.to_string(),
        retry_after: None,
    }
}

/// An error answer in the panels' shape.
pub fn error(status: u16, code: &str, detail: &str) -> Answer {
    Answer {
        status,
        body: json!({"errors": [{"code": code, "status": status.to_string(), "detail": detail}]})
            .to_string(),
        retry_after: None,
    }
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Wings: accepts upgrades whose Origin is the panel URL (403 otherwise, as gorilla's
/// upgrader) and hands each socket to the test.
pub struct Wings {
    pub url: String,
    conns: mpsc::Receiver<Conn>,
    refused: Arc<AtomicUsize>,
    /// Answer every upgrade with this status instead (a node that went away).
    down: Arc<Mutex<Option<u16>>>,
}

impl Wings {
    pub async fn start(expected_origin: Arc<Mutex<String>>) -> Wings {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "ws://{}/api/servers/{UUID}/ws",
            listener.local_addr().unwrap()
        );
        let (tx, conns) = mpsc::channel(8);
        let refused = Arc::new(AtomicUsize::new(0));
        let down: Arc<Mutex<Option<u16>>> = Arc::new(Mutex::new(None));
        let (r, d) = (refused.clone(), down.clone());
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let origin = expected_origin.lock().unwrap().clone();
                let down = *d.lock().unwrap();
                // The callback's shape is tungstenite's.
                #[allow(clippy::result_large_err)]
                let check =
                    move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
                        let seen = req.headers().get("origin").and_then(|v| v.to_str().ok());
                        let status = match down {
                            Some(s) => s,
                            None if seen == Some(origin.as_str()) => return Ok(resp),
                            None => 403,
                        };
                        let mut refusal = ErrorResponse::new(Some("Forbidden".into()));
                        *refusal.status_mut() = StatusCode::from_u16(status).unwrap();
                        Err(refusal)
                    };
                match tokio_tungstenite::accept_hdr_async(tcp, check).await {
                    Ok(ws) => {
                        let _ = tx.send(Conn { ws }).await;
                    }
                    Err(_) => {
                        r.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        });
        Wings {
            url,
            conns,
            refused,
            down,
        }
    }

    /// The next socket a client opened.
    pub async fn conn(&mut self) -> Conn {
        tokio::time::timeout(STEP, self.conns.recv())
            .await
            .expect("no websocket connection in time")
            .expect("wings stopped")
    }

    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    pub fn go_down(&self, status: u16) {
        *self.down.lock().unwrap() = Some(status);
    }
}

/// One socket, seen from Wings.
pub struct Conn {
    ws: WebSocketStream<TcpStream>,
}

impl Conn {
    /// The next frame as (event, args); `None` when the client closed the socket.
    pub async fn recv(&mut self) -> Option<(String, Vec<Value>)> {
        loop {
            let m = tokio::time::timeout(STEP, self.ws.next())
                .await
                .expect("no frame from the client in time")?;
            match m.ok()? {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    let event = v["event"].as_str().unwrap().to_string();
                    let args = v["args"].as_array().cloned().unwrap_or_default();
                    return Some((event, args));
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// The next frame must be `auth` with the newest token the panel handed out.
    pub async fn expect_auth(&mut self, panel: &Panel) -> String {
        let (event, args) = self.recv().await.expect("the client closed before auth");
        assert_eq!(
            event, "auth",
            "the first frame must be auth, got {event} {args:?}"
        );
        let token = args[0].as_str().unwrap().to_string();
        let issued = panel.issued();
        assert_eq!(
            Some(&token),
            issued.last(),
            "auth must carry the newest token the panel issued"
        );
        token
    }

    /// `auth` checked, `auth success` answered.
    pub async fn accept_auth(&mut self, panel: &Panel) -> String {
        let token = self.expect_auth(panel).await;
        self.send("auth success", &[]).await;
        token
    }

    pub async fn send(&mut self, event: &str, args: &[&str]) {
        let frame = if args.is_empty() {
            json!({"event": event})
        } else {
            json!({"event": event, "args": args})
        };
        self.send_raw(&frame.to_string()).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_string())).await.unwrap();
    }

    pub async fn output(&mut self, lines: std::ops::RangeInclusive<u32>) {
        for n in lines {
            self.send("console output", &[&format!("line {n}")]).await;
        }
    }

    pub async fn close(mut self, code: u16, reason: &str) {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.to_string().into(),
        };
        let _ = self.ws.close(Some(frame)).await;
        // Let the close reach the client before the stream is dropped.
        let _ = tokio::time::timeout(Duration::from_millis(500), self.ws.next()).await;
    }
}
