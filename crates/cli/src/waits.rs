//! Waits for the panel (rate limit, `Retry-After`, backoff before a retry): the one place that
//! puts them into words, so `plan`, `drift`, `import` and `apply` say the same thing.
//!
//! A refresh waits before `apply`'s progress display exists, and `plan`, `drift` and `import`
//! have none: their waits go to a [`WaitLine`] on stderr (a status line at a terminal, plain
//! lines otherwise). During `apply` the engine's reporter shows them in its own display.

use crate::output;
use roost_engine::WaitCause;
use roost_panel::{RateLimitWait, WaitObserver, WaitReason};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Waits shorter than this are the normal pace between requests at the limit, not news.
const NEWS: Duration = Duration::from_secs(1);

/// Decides which waits are news. Concurrent requests share one pause (every request in flight
/// waits out the same 429, a burst queues behind the same full window): a wait is announced
/// only when it ends at least [`NEWS`] after the end of the last one announced.
#[derive(Default)]
pub struct Announcer {
    announced_until: Mutex<Option<Instant>>,
}

impl Announcer {
    /// `(seconds, reason)` of a wait to announce.
    pub fn news(&self, w: &RateLimitWait) -> Option<(f64, String)> {
        if w.wait < NEWS {
            return None;
        }
        let ends = Instant::now() + w.wait;
        let mut until = self
            .announced_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if until.is_some_and(|u| ends < u + NEWS) {
            return None;
        }
        *until = Some(ends);
        Some(describe(w))
    }
}

/// A wait in words: `(seconds, reason)`.
pub fn describe(w: &RateLimitWait) -> (f64, String) {
    let seconds = w.wait.as_secs_f64();
    let reason = match &w.reason {
        WaitReason::ClientLimit { per_minute } => format!("{per_minute} requests/minute"),
        WaitReason::PanelLowRemaining { remaining } => {
            format!("the panel has {remaining} requests left this minute")
        }
        WaitReason::RetryAfter => "the panel answered 429".into(),
        WaitReason::Backoff { attempt, cause } => format!("retry {attempt} after: {cause}"),
        WaitReason::RouteLimit {
            limiter,
            limit,
            window,
        } => format!("{limiter}: {limit} per {} s", window.as_secs()),
    };
    (seconds, reason)
}

/// The words of a wait, as every command prints it.
pub fn text(seconds: f64, reason: &str, cause: WaitCause) -> String {
    match cause {
        WaitCause::Panel => format!("waiting {seconds:.1}s for the rate limit ({reason})"),
        // A server's install or power state is not a rate limit.
        WaitCause::Server => format!("waiting {seconds:.1}s ({reason})"),
    }
}

/// Waits shown on stderr while no progress display runs.
pub struct WaitLine {
    /// At a terminal: one status line, replaced by the next wait and cleared at the end.
    live: bool,
    /// A status line is on screen.
    drawn: AtomicBool,
    announcer: Announcer,
}

impl WaitLine {
    pub fn new() -> Arc<WaitLine> {
        Arc::new(WaitLine {
            live: output::stderr_is_live(),
            drawn: AtomicBool::new(false),
            announcer: Announcer::default(),
        })
    }

    /// An observer for the panel client that shows each wait worth announcing.
    pub fn observer(self: &Arc<Self>) -> WaitObserver {
        let me = self.clone();
        WaitObserver::new(move |w| {
            if let Some((seconds, reason)) = me.announcer.news(&w) {
                me.show(seconds, &reason, WaitCause::Panel);
            }
        })
    }

    pub fn show(&self, seconds: f64, reason: &str, cause: WaitCause) {
        let line = text(seconds, reason, cause);
        if self.live {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
            self.drawn.store(true, Ordering::Relaxed);
        } else {
            output::status(&line);
        }
    }

    /// Removes the status line (before anything else is printed).
    pub fn clear(&self) {
        if self.drawn.swap(false, Ordering::Relaxed) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for WaitLine {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(ms: u64, reason: WaitReason) -> RateLimitWait {
        RateLimitWait {
            wait: Duration::from_millis(ms),
            reason,
            request: Some("GET /nodes".into()),
        }
    }

    #[test]
    fn waits_are_put_in_the_same_words_everywhere() {
        let (s, r) = describe(&wait(2000, WaitReason::RetryAfter));
        assert_eq!(
            text(s, &r, WaitCause::Panel),
            "waiting 2.0s for the rate limit (the panel answered 429)"
        );
        let (s, r) = describe(&wait(64_000, WaitReason::ClientLimit { per_minute: 240 }));
        assert_eq!(
            text(s, &r, WaitCause::Panel),
            "waiting 64.0s for the rate limit (240 requests/minute)"
        );
        let (_, r) = describe(&wait(1500, WaitReason::PanelLowRemaining { remaining: 3 }));
        assert_eq!(r, "the panel has 3 requests left this minute");
        let (_, r) = describe(&wait(
            30_000,
            WaitReason::RouteLimit {
                limiter: roost_panel::ClientLimiter::DatabaseCreate,
                limit: 2,
                window: Duration::from_secs(60),
            },
        ));
        assert_eq!(r, "the per-server database-create limiter: 2 per 60 s");
        // A wait for a server is not a rate limit.
        assert_eq!(
            text(
                1.0,
                "server.lobby: waiting for it to be running (now starting)",
                WaitCause::Server
            ),
            "waiting 1.0s (server.lobby: waiting for it to be running (now starting))"
        );
    }

    #[test]
    fn short_waits_and_waits_already_announced_are_not_news() {
        let a = Announcer::default();
        assert_eq!(a.news(&wait(999, WaitReason::RetryAfter)), None);
        assert!(a.news(&wait(2000, WaitReason::RetryAfter)).is_some());
        // The other requests in flight wait out the same pause.
        assert_eq!(a.news(&wait(1990, WaitReason::RetryAfter)), None);
        assert_eq!(a.news(&wait(2500, WaitReason::RetryAfter)), None);
        // A wait that goes on well past it is news again.
        let (s, _) = a
            .news(&wait(64_000, WaitReason::ClientLimit { per_minute: 240 }))
            .unwrap();
        assert_eq!(s, 64.0);
    }
}
