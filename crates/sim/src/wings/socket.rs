//! The console websocket (`GET /api/servers/{uuid}/ws`, client/websocket.md; WPT/WPL
//! `router/router_server_ws.go`, `router/websocket/`): the Origin check, `auth` with the
//! panel's token, events both ways with the per-event permissions, the token checks on every
//! event and the expiry warnings on the sim's clock, and the socket faults.
//!
//! Each socket polls its server's event log (a cursor into `console::Console`), so nothing a
//! server prints is lost or sent twice while the socket lives.

use super::Emulated;
use super::jwt::{TokenError, has_permission, has_scope, str_claim, verify};
use super::power::{Refused, State};
use super::routes::{self, error};
use crate::config::WingsFaults;
use crate::util::{parse_query, uuid4};
use crate::{Dialect, Shared, lock};
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::http::{Response, StatusCode, header};
use axum::response::IntoResponse;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How often a socket looks for new events (wall time).
const POLL: Duration = Duration::from_millis(20);
const NO_SERVER: &str = "The requested resource does not exist on this instance.";
const GENERIC: &str = "an unexpected error was encountered while handling this request";

/// Every daemon route: the websocket, or a signed download/upload URL.
pub async fn serve(sh: Arc<Shared>, parts: Parts, body: &[u8]) -> Response<Body> {
    let path = parts.uri.path().to_string();
    if let Some(uuid) = path
        .strip_prefix("/api/servers/")
        .and_then(|r| r.strip_suffix("/ws"))
    {
        return upgrade(sh, parts, uuid.to_string()).await;
    }
    let q = parse_query(parts.uri.query().unwrap_or(""));
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    routes::transfer(&sh, parts.method.as_str(), &path, &q, content_type, body)
}

async fn upgrade(sh: Arc<Shared>, mut parts: Parts, uuid: String) -> Response<Body> {
    let Some((wings, _)) = routes::daemon(&sh) else {
        return error(404, NO_SERVER);
    };
    let Some(d) = wings.emulated() else {
        return error(404, NO_SERVER);
    };
    let Some(config) = routes::sync_server(&sh, d, &uuid) else {
        return error(404, NO_SERVER);
    };
    // gorilla's upgrader: the Origin must be the panel's URL exactly.
    let origin = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    if origin != Some(config.panel_url.as_str()) {
        let mut r = Response::new(Body::from("Forbidden\n"));
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    let ws = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    let suspended = config.suspended;
    ws.on_upgrade(move |socket| async move {
        let Some(d) = wings.emulated() else {
            return;
        };
        if suspended && d.dialect() == Dialect::Pelican {
            let mut socket = socket;
            let frame = CloseFrame {
                code: 4409,
                reason: "server is suspended".into(),
            };
            let _ = socket.send(Message::Close(Some(frame))).await;
            return;
        }
        let mut s = Session::new(sh, uuid, config.node_token, d);
        s.run(d, socket).await;
    })
}

/// The socket was cut by a fault: end without a close frame.
struct Cut;

struct Session {
    sh: Arc<Shared>,
    uuid: String,
    node_token: String,
    claims: Option<Value>,
    /// Fault: this token's expiry moved into the past.
    expired_by_fault: bool,
    token_fault_used: bool,
    listening: bool,
    cursor: u64,
    next_expiry_check_ms: i64,
    next_stats_ms: i64,
    frames: u32,
    /// Wings refuses tokens issued before it booted.
    boot_s: i64,
    /// The node's deauthorizations when the socket opened.
    generation: u64,
}

impl Session {
    fn new(sh: Arc<Shared>, uuid: String, node_token: String, d: &Emulated) -> Session {
        Session {
            generation: d.deauthorizations(&node_token),
            boot_s: d.boot_s,
            sh,
            uuid,
            node_token,
            claims: None,
            expired_by_fault: false,
            token_fault_used: false,
            listening: false,
            cursor: 0,
            next_expiry_check_ms: 0,
            next_stats_ms: 0,
            frames: 0,
        }
    }

    fn faults(&self) -> WingsFaults {
        lock(&self.sh.rt).faults.wings.clone()
    }

    async fn run(&mut self, d: &Emulated, mut socket: WebSocket) {
        loop {
            tokio::select! {
                msg = socket.recv() => {
                    let Some(Ok(msg)) = msg else { return };
                    let text = match msg {
                        Message::Text(t) => t.to_string(),
                        Message::Close(_) => return,
                        _ => continue,
                    };
                    if self.inbound(d, &mut socket, &text).await.is_err() {
                        return;
                    }
                }
                _ = tokio::time::sleep(POLL) => {
                    if self.poll(d, &mut socket).await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// `unsafeSendJson`: one frame, whatever the token; then the socket faults.
    async fn raw(
        &mut self,
        socket: &mut WebSocket,
        event: &str,
        args: Vec<String>,
    ) -> Result<(), Cut> {
        let frame = if args.is_empty() {
            json!({ "event": event })
        } else {
            json!({ "event": event, "args": args })
        };
        socket
            .send(Message::Text(frame.to_string().into()))
            .await
            .map_err(|_| Cut)?;
        self.frames += 1;
        let f = self.faults();
        if f.token_expiry_after_frames
            .is_some_and(|n| self.frames >= n)
            && !self.token_fault_used
        {
            self.token_fault_used = true;
            self.expired_by_fault = true;
        }
        if f.socket_drop_after_frames.is_some_and(|n| self.frames >= n) {
            let mut rt = lock(&self.sh.rt);
            let left = &mut rt.socket_drops_left;
            if f.socket_drops == 0 || *left > 0 {
                *left = left.saturating_sub(1);
                return Err(Cut);
            }
        }
        Ok(())
    }

    /// `TokenValid`.
    fn token_error(&self, d: &Emulated) -> Option<&'static str> {
        let Some(c) = &self.claims else {
            return Some("jwt: no jwt present");
        };
        let exp = c.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if self.expired_by_fault || exp * 1000 < d.now_ms() {
            return Some("jwt: exp claim is invalid");
        }
        if self.denylisted(d, c) {
            return Some("jwt: created too far in past (denylist)");
        }
        if !has_permission(c, "websocket.connect") {
            return Some("jwt: missing connect permission");
        }
        if str_claim(c, "server_uuid") != self.uuid {
            return Some("jwt: server uuid mismatch");
        }
        None
    }

    /// Issued before Wings booted, or before its JTI was denied (`Denylisted`).
    fn denylisted(&self, d: &Emulated, c: &Value) -> bool {
        let Some(iat) = c.get("iat").and_then(Value::as_i64) else {
            return true;
        };
        iat < self.boot_s || d.jti_denied(str_claim(c, "jti"), iat)
    }

    fn can(&self, permission: &str) -> bool {
        self.claims
            .as_ref()
            .is_some_and(|c| has_permission(c, permission))
    }

    /// `SendJson`: a `jwt error` instead when the token no longer holds; install output and
    /// backup events only with their permissions.
    async fn send(
        &mut self,
        d: &Emulated,
        socket: &mut WebSocket,
        event: &str,
        args: Vec<String>,
    ) -> Result<(), Cut> {
        if let Some(reason) = self.token_error(d) {
            return self.raw(socket, "jwt error", vec![reason.into()]).await;
        }
        let needs = match event {
            "install output" => Some("admin.websocket.install"),
            e if e.starts_with("backup completed") => Some("backup.read"),
            "transfer logs" => Some("admin.websocket.transfer"),
            _ => None,
        };
        if needs.is_some_and(|p| !self.can(p)) {
            return Ok(());
        }
        self.raw(socket, event, args).await
    }

    /// `SendErrorJson`: JWT errors as `jwt error`, others as the generic `daemon error` unless
    /// the token may see errors; both wrapped in `Error Event [<id>]`.
    async fn send_error(
        &mut self,
        socket: &mut WebSocket,
        jwt: Option<&str>,
        message: &str,
    ) -> Result<(), Cut> {
        let id = uuid4(&mut SmallRng::from_os_rng());
        let (event, text) = match jwt {
            Some(reason) => ("jwt error", reason),
            None if self.can("admin.websocket.errors") => ("daemon error", message),
            None => ("daemon error", GENERIC),
        };
        self.raw(socket, event, vec![format!("Error Event [{id}]: {text}")])
            .await
    }

    async fn poll(&mut self, d: &Emulated, socket: &mut WebSocket) -> Result<(), Cut> {
        if d.deauthorizations(&self.node_token) != self.generation {
            return Err(Cut);
        }
        if !self.listening {
            return Ok(());
        }
        for (seq, e) in d.events_since(&self.uuid, self.cursor) {
            self.cursor = seq;
            let (event, args) = e.frame();
            self.send(d, socket, event, args).await?;
        }
        let now = d.now_ms();
        if now >= self.next_stats_ms {
            self.next_stats_ms = now + 1_000;
            if d.state(&self.uuid) != State::Offline.name()
                && let Some(stats) = d.stats(&self.uuid)
            {
                self.send(d, socket, "stats", vec![stats]).await?;
            }
        }
        if now >= self.next_expiry_check_ms {
            // A ticker that drops missed ticks: one check, then 30 s from now.
            self.next_expiry_check_ms = now + 30_000;
            let exp = self
                .claims
                .as_ref()
                .and_then(|c| c.get("exp"))
                .and_then(Value::as_i64);
            if let Some(exp) = exp {
                let left = exp - now.div_euclid(1000);
                if left <= 0 || self.expired_by_fault {
                    self.send(d, socket, "token expired", vec![]).await?;
                } else if left <= 60 {
                    self.send(d, socket, "token expiring", vec![]).await?;
                }
            }
        }
        Ok(())
    }

    async fn inbound(
        &mut self,
        d: &Emulated,
        socket: &mut WebSocket,
        text: &str,
    ) -> Result<(), Cut> {
        let Ok(msg) = serde_json::from_str::<Value>(text) else {
            return Ok(());
        };
        let event = msg
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        // `[]string`: null becomes "", anything else that is not a string drops the message.
        let mut args = Vec::new();
        for a in msg
            .get("args")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match a {
                Value::String(s) => args.push(s.clone()),
                Value::Null => args.push(String::new()),
                _ => return Ok(()),
            }
        }
        let joined = args.concat();
        if event != "auth"
            && let Some(reason) = self.token_error(d)
        {
            return self.raw(socket, "jwt error", vec![reason.into()]).await;
        }
        match event.as_str() {
            "auth" => self.auth(d, socket, &joined).await,
            "set state" => self.set_state(d, socket, &joined).await,
            "send logs" => {
                if d.state(&self.uuid) == State::Running.name() {
                    for line in d.logs(&self.uuid) {
                        self.send(d, socket, "console output", vec![line]).await?;
                    }
                }
                Ok(())
            }
            "send stats" => match d.stats(&self.uuid) {
                Some(stats) => self.send(d, socket, "stats", vec![stats]).await,
                None => Ok(()),
            },
            "send command" => {
                if self.can("control.console") && d.state(&self.uuid) != State::Offline.name() {
                    d.command(&self.uuid, &joined);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn auth(&mut self, d: &Emulated, socket: &mut WebSocket, token: &str) -> Result<(), Cut> {
        let claims = match verify(token, &self.node_token, d.clock.now()) {
            Ok(c) => c,
            Err(TokenError::Expired) => {
                return self
                    .send_error(socket, Some("jwt: exp claim is invalid"), "")
                    .await;
            }
            // Not classified as a JWT error by Wings.
            Err(TokenError::Invalid) => {
                return self
                    .send_error(socket, None, "jwt: signature verification failed")
                    .await;
            }
        };
        if self.denylisted(d, &claims) {
            return self
                .send_error(socket, Some("jwt: created too far in past (denylist)"), "")
                .await;
        }
        let scoped = d.dialect() == Dialect::Pterodactyl || has_scope(&claims, "websocket");
        if !has_permission(&claims, "websocket.connect") || !scoped {
            return self
                .send_error(socket, Some("jwt: missing connect permission"), "")
                .await;
        }
        let first = self.claims.is_none();
        // Wings sends each event the moment it happens and drops it while the token is
        // invalid. This socket polls, so events from the invalid spell may still be queued:
        // they are dropped now, not delivered under the new token.
        let was_invalid = !first && self.token_error(d).is_some();
        self.claims = Some(claims);
        self.expired_by_fault = false;
        if was_invalid {
            self.cursor = d.head(&self.uuid);
        }
        self.raw(socket, "auth success", vec![]).await?;
        if !first {
            return Ok(());
        }
        self.listening = true;
        self.cursor = d.head(&self.uuid);
        self.next_expiry_check_ms = d.now_ms() + 30_000;
        self.next_stats_ms = d.now_ms() + 1_000;
        let state = d.state(&self.uuid);
        self.send(d, socket, "status", vec![state.into()]).await?;
        if state == State::Offline.name()
            && let Some(stats) = d.stats(&self.uuid)
        {
            self.send(d, socket, "stats", vec![stats]).await?;
        }
        Ok(())
    }

    async fn set_state(
        &mut self,
        d: &Emulated,
        socket: &mut WebSocket,
        action: &str,
    ) -> Result<(), Cut> {
        let permission = match action {
            "start" => Some("control.start"),
            "stop" | "kill" => Some("control.stop"),
            "restart" => Some("control.restart"),
            _ => None,
        };
        if permission.is_some_and(|p| !self.can(p)) {
            return Ok(());
        }
        match d.power(&self.uuid, action) {
            Ok(()) | Err(Refused::Ignored) => Ok(()),
            Err(Refused::Suspended) => {
                self.send_error(socket, None, "cannot start server: server is suspended")
                    .await
            }
            Err(Refused::AlreadyRunning) => {
                self.send_error(socket, None, "server is already running")
                    .await
            }
            Err(Refused::Unknown) => {
                self.send_error(socket, None, "invalid power action provided")
                    .await
            }
        }
    }
}
