//! A server's declared power state, reached through the Client API: read the state (waiting,
//! by reading, while the server still installs), send the start or stop signal only when the
//! server is not already heading there, then read `resources` with backoff until Wings reports
//! the state, or fail when the run's power timeout passes, naming the server and the last state
//! seen. Each read goes through the client's rate limiter. After an unknown outcome (a 5xx or
//! a dropped connection: the panel may have refused before it reached Wings, as a locked
//! database does, or failed after) a read tells whether the signal acted: a server that left
//! the state it was in got it; one still there is sent the signal again, at most
//! [`MAX_SIGNALS`] times in all. Sending it again is safe where a read cannot tell: Wings
//! answers every signal `202` and only logs a start of a server already starting or running
//! and a stop of one already stopping (panel-api `client/servers.md`). The panel caches
//! `resources` for 20 seconds, so the wait may see the state before the signal for that long.

use crate::Event;
use crate::context::ApplyCx;
use crate::server_level::{client_api, explain, identifier};
use roost_model::{Address, PowerState, power_heading};
use roost_panel::{ClientApi, PanelError, PowerSignal, ServerState};
use roost_plan::Ref;
use std::time::{Duration, Instant};

/// The first pause between reads; each pause doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(250);
const MAX_POLL: Duration = Duration::from_secs(5);

/// Sends of one signal in all, when each outcome is unknown and the server has not moved.
const MAX_SIGNALS: u32 = 3;

/// How long, by default, apply waits for a server to reach its declared power state.
pub const DEFAULT_POWER_TIMEOUT: Duration = Duration::from_secs(300);

/// Bring server `server` (at `address`) to `want`.
pub(crate) async fn execute(
    cx: &ApplyCx,
    address: &Address,
    server: &Ref,
    known: &Option<String>,
    want: PowerState,
) -> Result<(), String> {
    let api = client_api(cx, address)?;
    let id = identifier(cx, server, known).await?;
    let mut watch = Watch {
        cx,
        address,
        api,
        server: &id,
        target: want.wings_state(),
        pause: FIRST_POLL,
        since: Instant::now(),
    };
    let target = watch.target;
    let mut state = watch.installed().await?;
    if power_heading(&state) == target {
        return watch.until(|s| s == target, &state).await.map(|_| ());
    }
    // A start is refused while a stop is under way: let the stop finish first.
    if want == PowerState::Running && state == "stopping" {
        state = watch.until(|s| s == "offline", &state).await?;
    }
    let signal = match want {
        PowerState::Running => PowerSignal::Start,
        PowerState::Stopped => PowerSignal::Stop,
    };
    let mut sent = 0;
    loop {
        sent += 1;
        match api.power(&id, signal).await {
            Ok(()) => break,
            Err(PanelError::Ambiguous { .. }) if sent < MAX_SIGNALS => {
                let now = watch.after_unknown_outcome(signal, &state).await?;
                if now != state {
                    state = now;
                    break;
                }
            }
            // Whether the last one acted is unknown: the reads below tell.
            Err(PanelError::Ambiguous { .. }) => break,
            Err(e) => {
                return Err(format!(
                    "{address}: {} failed: {}",
                    signal.as_str(),
                    explain(cx, e)
                ));
            }
        }
    }
    watch.pause = FIRST_POLL;
    watch.until(|s| s == target, &state).await.map(|_| ())
}

/// Reads of one server's state, paced and bounded by the run's power timeout.
struct Watch<'a> {
    cx: &'a ApplyCx,
    address: &'a Address,
    api: &'a ClientApi,
    server: &'a str,
    target: &'static str,
    pause: Duration,
    since: Instant,
}

impl Watch<'_> {
    /// The state once the server can report it: while it is still installing (409), reads
    /// again for at most the run's install wait.
    async fn installed(&mut self) -> Result<String, String> {
        let started = Instant::now();
        loop {
            match self.api.resources(self.server).await {
                Ok(stats) => {
                    self.since = Instant::now();
                    return Ok(stats.current_state);
                }
                Err(PanelError::StateConflict {
                    state: ServerState::Installing,
                    ..
                }) if started.elapsed() + self.pause <= self.cx.install_wait => {
                    self.sleep(format!(
                        "{}: still installing; its power state is set once it has installed",
                        self.address
                    ))
                    .await;
                }
                Err(e) => {
                    return Err(format!(
                        "{}: cannot read its power state: {}",
                        self.address,
                        explain(self.cx, e)
                    ));
                }
            }
        }
    }

    /// The state a moment after a signal whose outcome is unknown (`before`: the state before it).
    async fn after_unknown_outcome(
        &mut self,
        signal: PowerSignal,
        before: &str,
    ) -> Result<String, String> {
        self.pause = FIRST_POLL;
        self.sleep(format!(
            "{}: the panel's answer to {} was lost; reading whether it arrived",
            self.address,
            signal.as_str()
        ))
        .await;
        self.read(before).await
    }

    /// Reads until `reached` holds for the state, or the power timeout passes (`last`: the
    /// state seen before).
    async fn until(
        &mut self,
        reached: impl Fn(&str) -> bool,
        last: &str,
    ) -> Result<String, String> {
        let timeout = self.cx.power_timeout;
        let mut last = last.to_string();
        loop {
            if reached(&last) {
                return Ok(last);
            }
            if self.since.elapsed() + self.pause > timeout {
                return Err(format!(
                    "{}: did not reach {} within {} s (power timeout); the last state seen was {last}",
                    self.address,
                    self.target,
                    timeout.as_secs()
                ));
            }
            self.sleep(format!(
                "{}: waiting for it to be {} (now {last})",
                self.address, self.target
            ))
            .await;
            last = self.read(&last).await?;
        }
    }

    /// The state Wings reports (`last`: the state seen before, for the error).
    async fn read(&self, last: &str) -> Result<String, String> {
        self.api
            .resources(self.server)
            .await
            .map(|stats| stats.current_state)
            .map_err(|e| {
                format!(
                    "{}: cannot read its power state (last seen {last}): {}",
                    self.address,
                    explain(self.cx, e)
                )
            })
    }

    /// Reports the wait, sleeps, and doubles the next pause (up to [`MAX_POLL`]).
    async fn sleep(&mut self, reason: String) {
        self.cx.reporter.report(Event::Waiting {
            seconds: self.pause.as_secs_f64(),
            reason,
            cause: crate::WaitCause::Server,
        });
        tokio::time::sleep(self.pause).await;
        self.pause = (self.pause * 2).min(MAX_POLL);
    }
}
