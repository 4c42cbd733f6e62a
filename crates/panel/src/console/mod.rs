//! The server console: the websocket straight to Wings (client/websocket.md). The panel only
//! signs a token; [`Console::connect`] fetches it and the socket URL through the
//! [`ClientApi`], opens the socket with the `Origin` Wings checks (the panel URL), sends `auth`
//! and waits for `auth success` before anything else. The session then runs in a task:
//!
//! * events come out, typed and in order, through [`Console::next_event`] (the panel crate
//!   never prints);
//! * on `token expiring`/`token expired` a new token is fetched and sent on the same socket
//!   while output keeps flowing; what the caller queued waits for the new `auth success`;
//! * a dropped socket is reopened with a fresh token, with exponential backoff and jitter and a
//!   bounded number of attempts, each reported ([`ConsoleEvent::Reconnecting`]); a rate-limited
//!   token route is waited out and reported ([`ConsoleEvent::TokenWait`]);
//! * output missed while the socket was down or its token expired is caught up from Wings'
//!   replay of its last lines, without passing on a line twice (`catchup.rs`);
//! * events the token does not allow (`control.console` for commands, `control.*` for power)
//!   are refused before sending: Wings would drop them without a word.
//!
//! Tokens live in [`Secret`](roost_model::Secret)s and only ever reach the `auth` frame.

mod catchup;
mod claims;
mod error;
mod event;
mod link;
mod session;

pub use error::ConsoleError;
pub use event::{BackupCompleted, ConsoleEvent, FeatureMatch, NetworkStats, ServerStatus, Stats};

use crate::client_api::{ClientApi, PowerSignal};
use crate::retry::RetryPolicy;
use claims::Grants;
use event::Outbound;
use link::Ctx;
use session::Session;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long [`Console::close`] lets the session say goodbye to Wings.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How reconnects are paced: attempt `n` waits `base_delay · 2^(n-1)`, capped at `max_delay`,
/// scaled into 50–100 % by jitter (the same pure backoff as HTTP retries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Attempts after a drop before the session ends with
    /// [`ConsoleError::ReconnectFailed`] (0: never reconnect).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl ReconnectPolicy {
    /// The wait before attempt `attempt` (1-based), `jitter` in `[0, 1)`.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let policy = RetryPolicy {
            base_delay: self.base_delay,
            max_delay: self.max_delay,
            ..RetryPolicy::default()
        };
        policy.backoff(attempt.saturating_sub(1), jitter)
    }
}

/// Settings of a console session.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// The `Origin` sent with the upgrade. `None`: the panel URL of the [`ClientApi`], which is
    /// what Wings is configured with unless its `allowed_origins` says otherwise.
    pub origin: Option<String>,
    /// Bound on the TCP/TLS connect and the websocket upgrade.
    pub connect_timeout: Duration,
    /// Bound on waiting for `auth success` after `auth`.
    pub auth_timeout: Duration,
    pub reconnect: ReconnectPolicy,
    /// How often a rate-limited token route is waited out before giving up.
    pub max_token_waits: u32,
    /// The wait after a 429 without `Retry-After`.
    pub token_wait: Duration,
    /// Events held for a slow reader before the session stops reading the socket.
    pub buffer: usize,
    /// After asking Wings for its last lines (to catch up on missed output), how long without
    /// another line ends the replay.
    pub catchup_quiet: Duration,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            origin: None,
            connect_timeout: Duration::from_secs(10),
            auth_timeout: Duration::from_secs(10),
            reconnect: ReconnectPolicy::default(),
            max_token_waits: 3,
            token_wait: Duration::from_secs(15),
            buffer: 1024,
            catchup_quiet: Duration::from_millis(300),
        }
    }
}

/// A console session on one server. Dropping it ends the session.
#[derive(Debug)]
pub struct Console {
    server: String,
    events: mpsc::Receiver<Result<ConsoleEvent, ConsoleError>>,
    outbound: mpsc::Sender<Outbound>,
    grants: Arc<Mutex<Grants>>,
    task: Option<JoinHandle<()>>,
}

impl Console {
    /// Opens the console of `server` (identifier or uuid): token, socket, `auth`, `auth
    /// success`. Errors here are the first connection's; later ones come out of
    /// [`next_event`](Console::next_event).
    pub async fn connect(
        api: &ClientApi,
        server: &str,
        config: ConsoleConfig,
    ) -> Result<Console, ConsoleError> {
        let origin = config
            .origin
            .clone()
            .unwrap_or_else(|| api.base_url().trim_end_matches('/').to_string());
        let (events_tx, events) = mpsc::channel(config.buffer.max(1));
        let ctx = Arc::new(Ctx {
            api: api.clone(),
            server: server.to_string(),
            origin,
            config,
        });
        let est = ctx.establish(&events_tx).await?;
        let mut first = vec![Ok(ConsoleEvent::Authenticated)];
        first.extend(est.early.into_iter().map(Ok));
        for e in first {
            events_tx.send(e).await.map_err(|_| ctx.closed())?;
        }
        let grants = Arc::new(Mutex::new(est.grants));
        let (outbound, outbound_rx) = mpsc::channel(64);
        let session = Session::new(ctx, events_tx, outbound_rx, grants.clone());
        let task = tokio::spawn(session.run(est.ws));
        Ok(Console {
            server: server.to_string(),
            events,
            outbound,
            grants,
            task: Some(task),
        })
    }

    /// The next event in the order Wings sent it. `Some(Err(_))` is the session's end;
    /// `None` once it has ended (closed, or the server deleted).
    pub async fn next_event(&mut self) -> Option<Result<ConsoleEvent, ConsoleError>> {
        self.events.recv().await
    }

    /// `send command`: writes `line` to the server's stdin (no reply; Wings ignores it while
    /// the server is offline). Needs `control.console`.
    pub async fn send_command(&self, line: impl Into<String>) -> Result<(), ConsoleError> {
        self.send(Outbound::Command(line.into()), "send command")
            .await
    }

    /// `set state`: a power action (no reply on success: watch [`ConsoleEvent::Status`]).
    /// Needs `control.start`, `control.stop` (stop and kill) or `control.restart`.
    pub async fn set_state(&self, signal: PowerSignal) -> Result<(), ConsoleError> {
        self.send(Outbound::Power(signal), "set state").await
    }

    /// `send logs`: the server's recent console lines as [`ConsoleEvent::Output`] (nothing
    /// while it is not running).
    pub async fn send_logs(&self) -> Result<(), ConsoleError> {
        self.send(Outbound::Logs, "send logs").await
    }

    /// `send stats`: one [`ConsoleEvent::Stats`].
    pub async fn send_stats(&self) -> Result<(), ConsoleError> {
        self.send(Outbound::Stats, "send stats").await
    }

    /// Closes the socket and waits (briefly) for the session to end; a session between
    /// reconnect attempts is stopped where it is.
    pub async fn close(mut self) {
        let (closed_tx, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.outbound, closed_tx));
        if let Some(mut task) = self.task.take() {
            // Reading on lets a session blocked on a full channel see the close.
            let drain = async { while self.events.recv().await.is_some() {} };
            let ended = async { tokio::join!(&mut task, drain) };
            if tokio::time::timeout(CLOSE_GRACE, ended).await.is_err() {
                task.abort();
            }
        }
    }

    async fn send(&self, out: Outbound, event: &'static str) -> Result<(), ConsoleError> {
        if let Some(permission) = out.permission() {
            let allowed = self
                .grants
                .lock()
                .map(|g| g.allows(permission))
                .unwrap_or(true);
            if !allowed {
                return Err(ConsoleError::NotAllowed {
                    server: self.server.clone(),
                    event,
                    permission,
                });
            }
        }
        self.outbound
            .send(out)
            .await
            .map_err(|_| ConsoleError::Closed {
                server: self.server.clone(),
            })
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_delays_double_are_capped_and_jittered() {
        let p = ReconnectPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        assert_eq!(p.delay(1, 1.0), Duration::from_millis(100));
        assert_eq!(p.delay(1, 0.0), Duration::from_millis(50));
        assert_eq!(p.delay(2, 1.0), Duration::from_millis(200));
        assert_eq!(p.delay(3, 1.0), Duration::from_millis(350));
        assert_eq!(p.delay(40, 0.0), Duration::from_millis(175));
        // Attempt 0 does not exist; it reads as the first.
        assert_eq!(p.delay(0, 1.0), p.delay(1, 1.0));
    }
}
