//! The running session: reads the socket and passes every event on in order, renews the token
//! on the open socket when Wings says it is expiring or expired (output keeps flowing while the
//! new token is fetched), sends what the caller queued only while a token is confirmed, and
//! reconnects with a fresh token when the socket drops.

use crate::client_api::{ServerState, WebsocketCredentials};
use crate::console::catchup::{REPLAYED_LINES, Recent, unseen};
use crate::console::claims::Grants;
use crate::console::error::ConsoleError;
use crate::console::event::{ConsoleEvent, Inbound, Outbound, auth_frame, decode};
use crate::console::link::{CLOSE_SUSPENDED, Ctx, EventSender, Ws};
use futures_util::{SinkExt, StreamExt};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

/// Renewals in a row without an `auth success` before the session gives up on the token.
const MAX_RENEWALS_IN_A_ROW: u32 = 3;

type TokenFuture = Pin<Box<dyn Future<Output = Result<WebsocketCredentials, ConsoleError>> + Send>>;

pub(crate) struct Session {
    pub ctx: Arc<Ctx>,
    pub events: EventSender,
    pub outbound: mpsc::Receiver<Outbound>,
    pub grants: Arc<Mutex<Grants>>,
    pub rng: SmallRng,
    /// The console lines last passed on, to continue from after missed output.
    pub recent: Recent,
}

/// How one socket's life ended.
enum Ended {
    /// Dropped: reconnect (the cause is reported).
    Dropped(String),
    /// The caller closed the session, or the server was deleted.
    Finished,
    Failed(ConsoleError),
}

/// Where the token renewal on the open socket stands.
enum Renewal {
    Idle,
    Fetching(TokenFuture),
    /// `auth` with the new token sent; outbound events wait for `auth success`.
    Awaiting(Instant),
}

/// What one socket's loop keeps between frames.
struct Socket {
    renewal: Renewal,
    /// `token expired` (or an expired-token `jwt error`) seen and not yet cured.
    expired: bool,
    renewals_in_a_row: u32,
    deleted: bool,
    /// Output may have been missed (a new socket, or a renewal after expiry): ask Wings for
    /// its last lines.
    catch_up: bool,
    /// The replay being collected, and when it counts as finished.
    replay: Option<(Vec<String>, Instant)>,
}

impl Session {
    pub(crate) fn new(
        ctx: Arc<Ctx>,
        events: EventSender,
        outbound: mpsc::Receiver<Outbound>,
        grants: Arc<Mutex<Grants>>,
    ) -> Session {
        Session {
            ctx,
            events,
            outbound,
            grants,
            rng: SmallRng::from_os_rng(),
            recent: Recent::default(),
        }
    }

    pub(crate) async fn run(mut self, mut ws: Ws) {
        let mut resumed = false;
        loop {
            let ended = self.drive(&mut ws, resumed).await;
            resumed = true;
            let cause = match ended {
                Ended::Finished => return,
                Ended::Failed(e) => {
                    let _ = self.events.send(Err(e)).await;
                    return;
                }
                Ended::Dropped(cause) => cause,
            };
            match self.reconnect(cause).await {
                Ok(next) => ws = next,
                Err(e) => {
                    let _ = self.events.send(Err(e)).await;
                    return;
                }
            }
        }
    }

    /// One socket, until it drops or the session ends. `resumed`: it replaces one that
    /// dropped, so output may have been missed.
    async fn drive(&mut self, ws: &mut Ws, resumed: bool) -> Ended {
        let mut s = Socket {
            renewal: Renewal::Idle,
            expired: false,
            renewals_in_a_row: 0,
            deleted: false,
            catch_up: resumed,
            replay: None,
        };
        let ended = self.drive_socket(ws, &mut s).await;
        // What a cut-short replay brought is passed on; the next socket continues from it.
        if !matches!(ended, Ended::Finished) {
            self.finish_replay(&mut s).await;
        }
        ended
    }

    async fn drive_socket(&mut self, ws: &mut Ws, s: &mut Socket) -> Ended {
        loop {
            if std::mem::take(&mut s.catch_up)
                && let Some(ended) = self.ask_replay(ws, s).await
            {
                return ended;
            }
            let may_send = !s.expired && !matches!(s.renewal, Renewal::Awaiting(_));
            let deadline = match s.renewal {
                Renewal::Awaiting(at) => Some(at),
                _ => None,
            };
            let replay_done = s.replay.as_ref().map(|(_, at)| *at);
            tokio::select! {
                message = ws.next() => {
                    let ended = match message {
                        None => Some(Ended::Dropped("the socket closed".into())),
                        Some(Err(e)) => Some(Ended::Dropped(e.to_string())),
                        Some(Ok(m)) => self.on_message(s, m).await,
                    };
                    if let Some(ended) = ended {
                        return ended;
                    }
                }
                out = self.outbound.recv(), if may_send => {
                    let Some(out) = out else {
                        let _ = ws.close(None).await;
                        return Ended::Finished;
                    };
                    if let Err(e) = ws.send(Message::text(out.encode())).await {
                        return Ended::Dropped(e.to_string());
                    }
                }
                fetched = fetch(&mut s.renewal) => {
                    if let Some(ended) = self.on_token(ws, s, fetched).await {
                        return ended;
                    }
                }
                _ = sleep_until(replay_done) => {
                    if let Some(ended) = self.finish_replay(s).await {
                        return ended;
                    }
                }
                _ = sleep_until(deadline) => {
                    let after = self.ctx.config.auth_timeout.as_secs_f64();
                    return Ended::Dropped(format!(
                        "Wings did not confirm the renewed token within {after} s"
                    ));
                }
            }
        }
    }

    /// One frame from Wings; `Some` when it ends the socket's life.
    async fn on_message(&mut self, s: &mut Socket, m: Message) -> Option<Ended> {
        let text = match m {
            Message::Text(t) => t,
            Message::Close(frame) => return Some(self.on_close(frame.as_ref(), s)),
            _ => return None,
        };
        match decode(text.as_str()) {
            Inbound::AuthSuccess => {
                if matches!(s.renewal, Renewal::Awaiting(_)) {
                    s.renewal = Renewal::Idle;
                    // Wings sent `jwt error` instead of output while the token was expired.
                    s.catch_up |= s.expired;
                    s.expired = false;
                    s.renewals_in_a_row = 0;
                    return self.emit(ConsoleEvent::TokenRenewed).await;
                }
                None
            }
            Inbound::TokenExpiring => self.renew(s, None),
            Inbound::TokenExpired => {
                s.expired = true;
                self.renew(s, None)
            }
            Inbound::JwtError(reason) if is_expiry(&reason) => {
                s.expired = true;
                self.renew(s, Some(reason))
            }
            Inbound::JwtError(reason) => Some(Ended::Failed(ConsoleError::Jwt {
                server: self.ctx.server.clone(),
                reason,
            })),
            Inbound::DaemonError(message) => self.emit(ConsoleEvent::DaemonError(message)).await,
            Inbound::Event(ConsoleEvent::Output(line)) => match &mut s.replay {
                Some((lines, done)) => {
                    lines.push(line);
                    *done = Instant::now() + self.ctx.config.catchup_quiet;
                    if lines.len() >= 2 * REPLAYED_LINES {
                        return self.finish_replay(s).await;
                    }
                    None
                }
                None => self.emit_output(line).await,
            },
            Inbound::Event(event) => {
                s.deleted |= event == ConsoleEvent::Deleted;
                self.emit(event).await
            }
        }
    }

    /// Asks Wings for its last lines, unless nothing was passed on yet (then there is nothing
    /// to continue from, and the caller did not ask for old output).
    async fn ask_replay(&mut self, ws: &mut Ws, s: &mut Socket) -> Option<Ended> {
        if self.recent.is_empty() || s.replay.is_some() {
            return None;
        }
        if let Err(e) = ws.send(Message::text(Outbound::Logs.encode())).await {
            return Some(Ended::Dropped(e.to_string()));
        }
        s.replay = Some((Vec::new(), Instant::now() + self.ctx.config.catchup_quiet));
        None
    }

    /// The replay is over: passes on the lines not passed on before.
    async fn finish_replay(&mut self, s: &mut Socket) -> Option<Ended> {
        let (lines, _) = s.replay.take()?;
        let new = unseen(&self.recent, &lines);
        if new.gap
            && let Some(ended) = self.emit(ConsoleEvent::OutputLost).await
        {
            return Some(ended);
        }
        for line in new.lines {
            if let Some(ended) = self.emit_output(line).await {
                return Some(ended);
            }
        }
        None
    }

    fn on_close(&self, frame: Option<&CloseFrame>, s: &Socket) -> Ended {
        let code = frame.map(|f| u16::from(f.code));
        let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
        if code == Some(CLOSE_SUSPENDED) {
            return Ended::Failed(ConsoleError::ServerState {
                server: self.ctx.server.clone(),
                state: ServerState::Suspended,
            });
        }
        if s.deleted || reason.contains("deleted") {
            return Ended::Finished;
        }
        match code {
            Some(c) => Ended::Dropped(format!("Wings closed the socket ({c} {reason})")),
            None => Ended::Dropped("Wings closed the socket".into()),
        }
    }

    /// Starts fetching a new token unless one is on its way. `reason`: the `jwt error` that
    /// asked for it, reported if renewing keeps failing.
    fn renew(&mut self, s: &mut Socket, reason: Option<String>) -> Option<Ended> {
        if !matches!(s.renewal, Renewal::Idle) {
            return None;
        }
        if s.renewals_in_a_row >= MAX_RENEWALS_IN_A_ROW {
            let reason = reason.unwrap_or_else(|| "the token expired".into());
            return Some(Ended::Failed(ConsoleError::Jwt {
                server: self.ctx.server.clone(),
                reason: format!("{reason} (after {MAX_RENEWALS_IN_A_ROW} fresh tokens)"),
            }));
        }
        s.renewals_in_a_row += 1;
        let ctx = self.ctx.clone();
        let events = self.events.clone();
        s.renewal = Renewal::Fetching(Box::pin(async move { ctx.token(&events).await }));
        None
    }

    /// A renewal's token arrived: `auth` with it on the open socket.
    async fn on_token(
        &mut self,
        ws: &mut Ws,
        s: &mut Socket,
        fetched: Result<WebsocketCredentials, ConsoleError>,
    ) -> Option<Ended> {
        let creds = match fetched {
            Ok(c) => c,
            Err(e) if e.is_permanent() => return Some(Ended::Failed(e)),
            // The panel did not answer: the socket still works, so try again (bounded).
            Err(e) => {
                s.renewal = Renewal::Idle;
                return self.renew(s, Some(e.to_string()));
            }
        };
        self.set_grants(Grants::from_jwt(creds.token.expose()));
        if let Err(e) = ws.send(Message::text(auth_frame(&creds.token))).await {
            return Some(Ended::Dropped(e.to_string()));
        }
        s.renewal = Renewal::Awaiting(Instant::now() + self.ctx.config.auth_timeout);
        None
    }

    /// Opens a new socket with a fresh token, with backoff and jitter between attempts.
    async fn reconnect(&mut self, cause: String) -> Result<Ws, ConsoleError> {
        let policy = self.ctx.config.reconnect.clone();
        let mut last = cause;
        for attempt in 1..=policy.max_attempts {
            let delay = policy.delay(attempt, self.rng.random::<f64>());
            let event = ConsoleEvent::Reconnecting {
                attempt,
                max_attempts: policy.max_attempts,
                delay,
                cause: last.clone(),
            };
            if self.events.send(Ok(event)).await.is_err() {
                return Err(self.ctx.closed());
            }
            tokio::time::sleep(delay).await;
            match self.ctx.establish(&self.events).await {
                Ok(est) => {
                    self.set_grants(est.grants);
                    self.send_all(ConsoleEvent::Reconnected { attempt }, est.early)
                        .await?;
                    return Ok(est.ws);
                }
                Err(e) if e.is_permanent() => return Err(e),
                Err(e) => last = e.to_string(),
            }
        }
        Err(ConsoleError::ReconnectFailed {
            server: self.ctx.server.clone(),
            attempts: policy.max_attempts,
            last,
        })
    }

    async fn send_all(
        &self,
        first: ConsoleEvent,
        rest: Vec<ConsoleEvent>,
    ) -> Result<(), ConsoleError> {
        for e in std::iter::once(first).chain(rest) {
            if self.events.send(Ok(e)).await.is_err() {
                return Err(self.ctx.closed());
            }
        }
        Ok(())
    }

    fn set_grants(&self, grants: Grants) {
        if let Ok(mut g) = self.grants.lock() {
            *g = grants;
        }
    }

    async fn emit_output(&mut self, line: String) -> Option<Ended> {
        self.recent.push(&line);
        self.emit(ConsoleEvent::Output(line)).await
    }

    /// Passes an event on; the caller having gone ends the session.
    async fn emit(&self, event: ConsoleEvent) -> Option<Ended> {
        match self.events.send(Ok(event)).await {
            Ok(()) => None,
            Err(_) => Some(Ended::Finished),
        }
    }
}

/// A `jwt error` that a fresh token cures (the PT UI refreshes on the same two).
fn is_expiry(reason: &str) -> bool {
    reason.contains("exp claim is invalid") || reason.contains("created too far in past")
}

/// The renewal's token, when one is being fetched (pending otherwise).
async fn fetch(renewal: &mut Renewal) -> Result<WebsocketCredentials, ConsoleError> {
    match renewal {
        Renewal::Fetching(f) => {
            let out = f.as_mut().await;
            *renewal = Renewal::Idle;
            out
        }
        _ => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
