//! Client-side rate limiter.
//!
//! The panels count requests in fixed one-minute windows per admin user (Laravel's throttle).
//! A token bucket refilled at `limit/60` per second would allow up to twice the limit within one
//! of those windows, so this is a sliding-window log instead: a request may start only when
//! fewer than `limit` requests started in the last 60 s. That never exceeds the panel's limit in
//! any window. On top of that the limiter follows the panel's own accounting (other clients
//! share the same bucket): when `X-RateLimit-Remaining` gets low, requests are spaced out, and a
//! 429's `Retry-After` pauses everything until then.
//!
//! The Client API adds limiters of other windows (Pelican's per-server limiters, the backup
//! throttle: `client_api/limits.rs`); each is one of these with its own window and label, so
//! its waits are reported as what they are.

use crate::client_api::ClientLimiter;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The panels' throttle window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Longest spacing applied when the panel reports few remaining requests; the panel's 429 with
/// its exact `Retry-After` is the backstop beyond that.
const MAX_SPACING: Duration = Duration::from_secs(10);

/// Why the client is about to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitReason {
    /// The client's own per-minute budget is used up.
    ClientLimit { per_minute: u32 },
    /// The panel reported only this many requests left in its window.
    PanelLowRemaining { remaining: u32 },
    /// The panel answered 429 and asked to wait.
    RetryAfter,
    /// Backing off before retrying a failed request.
    Backoff { attempt: u32, cause: String },
    /// A Client-API limiter other than the per-user bucket (a Pelican per-server limiter, the
    /// backup throttle): its known budget of `limit` per `window` is used up, or it answered
    /// 429.
    RouteLimit {
        limiter: ClientLimiter,
        limit: u32,
        window: Duration,
    },
}

/// A wait the client is about to do, reported to the optional observer so an engine can show
/// "waiting for rate limit". The client itself never prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitWait {
    pub wait: Duration,
    pub reason: WaitReason,
    /// The request that is waiting (`GET /servers`), when known.
    pub request: Option<String>,
}

/// Receives [`RateLimitWait`] events. Cheap to clone.
#[derive(Clone)]
pub struct WaitObserver(pub Arc<dyn Fn(RateLimitWait) + Send + Sync>);

impl WaitObserver {
    pub fn new(f: impl Fn(RateLimitWait) + Send + Sync + 'static) -> Self {
        WaitObserver(Arc::new(f))
    }

    /// Forwards events into a tokio channel (dropped silently when the receiver is gone).
    pub fn channel(tx: tokio::sync::mpsc::UnboundedSender<RateLimitWait>) -> Self {
        WaitObserver::new(move |w| {
            let _ = tx.send(w);
        })
    }

    pub(crate) fn notify(&self, w: RateLimitWait) {
        (self.0)(w)
    }
}

impl fmt::Debug for WaitObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WaitObserver(..)")
    }
}

#[derive(Debug)]
struct State {
    /// The window `limit` counts in (one minute for the panels' API buckets).
    window: Duration,
    /// What this limiter is, when it is a Client-API route limiter (its waits say so).
    route: Option<ClientLimiter>,
    /// Requests per window; `None` = off (the panel's headers and 429s are still followed).
    limit: Option<u32>,
    /// Whether `limit` may be replaced by the panel's `X-RateLimit-Limit`.
    adopt_panel_limit: bool,
    /// The panel's `X-RateLimit-Limit` has been seen (it beats any default).
    panel_told: bool,
    /// Start times of the most recent requests (at most `limit` kept), ascending.
    starts: VecDeque<Instant>,
    /// Nothing starts before this (set by a 429's Retry-After).
    not_before: Option<Instant>,
    /// Minimum gap between starts while the panel reports few remaining requests.
    spacing: Duration,
    spacing_remaining: u32,
    last_start: Option<Instant>,
}

/// Shared by every request of one client.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
}

impl RateLimiter {
    /// `limit`: requests per minute, or `None` for no client-side budget. `adopt_panel_limit`:
    /// follow the panel's `X-RateLimit-Limit` when it differs (used for the `Default` setting).
    pub fn new(limit: Option<u32>, adopt_panel_limit: bool) -> Self {
        RateLimiter {
            state: Mutex::new(State {
                window: WINDOW,
                route: None,
                limit: limit.map(|l| l.max(1)),
                adopt_panel_limit,
                panel_told: false,
                starts: VecDeque::new(),
                not_before: None,
                spacing: Duration::ZERO,
                spacing_remaining: 0,
                last_start: None,
            }),
        }
    }

    /// A Client-API route limiter: `limit` starts per `window`, never adopting the panel's
    /// headers (they describe the per-user bucket).
    pub fn for_route(limiter: ClientLimiter, limit: u32, window: Duration) -> Self {
        let rl = RateLimiter::new(Some(limit), false);
        {
            let mut s = rl.lock();
            s.window = window;
            s.route = Some(limiter);
        }
        rl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state inconsistent in a way that
        // matters (it is only timing data), so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn limit(&self) -> Option<u32> {
        self.lock().limit
    }

    /// Replaces the per-minute budget (e.g. once the dialect, and so its default, is known),
    /// unless the panel already told its real limit.
    pub fn set_default_limit(&self, limit: u32) {
        let mut s = self.lock();
        if s.adopt_panel_limit && !s.panel_told && s.limit.is_some() {
            s.limit = Some(limit.max(1));
        }
    }

    /// Waits until a request may start, reserving its slot. Reports any wait to `observer`.
    pub async fn acquire(&self, observer: Option<&WaitObserver>, request: &str) {
        if let Ok(planned) = self.reserve(Instant::now(), None) {
            self.wait_for(planned, observer, request).await;
        }
    }

    /// Like [`acquire`](Self::acquire), unless the wait would be longer than `max_wait`: then
    /// nothing is reserved and the wait it would have been is returned.
    pub async fn acquire_within(
        &self,
        observer: Option<&WaitObserver>,
        request: &str,
        max_wait: Duration,
    ) -> Result<(), Duration> {
        let planned = self.reserve(Instant::now(), Some(max_wait))?;
        self.wait_for(planned, observer, request).await;
        Ok(())
    }

    async fn wait_for(
        &self,
        (slot, reason): (Instant, WaitReason),
        observer: Option<&WaitObserver>,
        request: &str,
    ) {
        let now = Instant::now();
        if slot > now {
            if let Some(o) = observer {
                o.notify(RateLimitWait {
                    wait: slot - now,
                    reason,
                    request: Some(request.to_string()),
                });
            }
            tokio::time::sleep_until(slot).await;
        }
        // A 429 seen by a concurrent request while this one waited pauses it too.
        loop {
            let nb = self.lock().not_before;
            match nb {
                Some(nb) if nb > Instant::now() => {
                    if let Some(o) = observer {
                        o.notify(RateLimitWait {
                            wait: nb - Instant::now(),
                            reason: self.pause_reason(),
                            request: Some(request.to_string()),
                        });
                    }
                    tokio::time::sleep_until(nb).await;
                }
                _ => break,
            }
        }
    }

    /// Why a request waits for a 429's pause.
    fn pause_reason(&self) -> WaitReason {
        let s = self.lock();
        route_reason(&s).unwrap_or(WaitReason::RetryAfter)
    }

    /// Computes and records the earliest start for a new request; with `max_wait`, records
    /// nothing and returns the wait when it would be longer.
    fn reserve(
        &self,
        now: Instant,
        max_wait: Option<Duration>,
    ) -> Result<(Instant, WaitReason), Duration> {
        let mut s = self.lock();
        let mut slot = now;
        let mut reason = route_reason(&s).unwrap_or(WaitReason::RetryAfter);
        if let Some(nb) = s.not_before {
            slot = slot.max(nb);
        }
        if let Some(last) = s.last_start {
            // Starts are handed out in order, so slots never go backwards.
            slot = slot.max(last);
            if !s.spacing.is_zero() && last + s.spacing > slot {
                slot = last + s.spacing;
                reason = WaitReason::PanelLowRemaining {
                    remaining: s.spacing_remaining,
                };
            }
        }
        let window = s.window;
        if let Some(limit) = s.limit {
            let limit = limit as usize;
            while s.starts.len() > limit {
                s.starts.pop_front();
            }
            if s.starts.len() == limit {
                let oldest = s.starts.front().copied().unwrap_or(slot);
                if oldest + window > slot {
                    slot = oldest + window;
                    reason = route_reason(&s).unwrap_or(WaitReason::ClientLimit {
                        per_minute: limit as u32,
                    });
                }
            }
        }
        if let Some(max) = max_wait
            && slot > now + max
        {
            return Err(slot - now);
        }
        if let Some(limit) = s.limit {
            if s.starts.len() == limit as usize {
                s.starts.pop_front();
            }
            s.starts.push_back(slot);
        }
        s.last_start = Some(slot);
        Ok((slot, reason))
    }

    /// Follows the panel's `X-RateLimit-Limit` / `X-RateLimit-Remaining` headers.
    pub fn observe_headers(&self, limit: Option<u32>, remaining: Option<u32>) {
        let mut s = self.lock();
        let panel_limit = limit.filter(|l| *l > 0);
        if let (Some(l), true, true) = (panel_limit, s.adopt_panel_limit, s.limit.is_some()) {
            s.limit = Some(l);
            s.panel_told = true;
        }
        let Some(remaining) = remaining else { return };
        let window_limit = limit.or(s.limit).unwrap_or(240);
        let low_water = (window_limit / 10).max(4);
        if remaining <= low_water {
            // Spread what is left over the rest of a window (whose end the panel does not
            // tell), capped; a 429 then gives the exact time.
            s.spacing = (WINDOW / (remaining + 1)).min(MAX_SPACING);
            s.spacing_remaining = remaining;
        } else {
            s.spacing = Duration::ZERO;
        }
    }

    /// A 429: nothing starts before `retry_after` from now. That is when the panel's window
    /// resets, so any spacing from low `Remaining` counts is dropped.
    pub fn pause_for(&self, retry_after: Duration) {
        let until = Instant::now() + retry_after;
        let mut s = self.lock();
        s.not_before = Some(s.not_before.map_or(until, |nb| nb.max(until)));
        s.spacing = Duration::ZERO;
    }
}

/// The reason a route limiter's waits are reported with (`None` for an API bucket).
fn route_reason(s: &State) -> Option<WaitReason> {
    s.route.map(|limiter| WaitReason::RouteLimit {
        limiter,
        limit: s.limit.unwrap_or(0),
        window: s.window,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    fn recorder() -> (WaitObserver, Arc<StdMutex<Vec<RateLimitWait>>>) {
        let seen = Arc::new(StdMutex::new(Vec::new()));
        let s2 = seen.clone();
        (WaitObserver::new(move |w| s2.lock().unwrap().push(w)), seen)
    }

    #[tokio::test(start_paused = true)]
    async fn sliding_window_never_exceeds_the_limit() {
        let rl = RateLimiter::new(Some(5), false);
        let (obs, seen) = recorder();
        let t0 = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..12 {
            rl.acquire(Some(&obs), "GET /x").await;
            starts.push(Instant::now() - t0);
        }
        // 5 at once, then the 6th..10th one window later, then 11th..12th two windows later.
        assert!(starts[..5].iter().all(|d| d.is_zero()));
        assert!(starts[5..10].iter().all(|d| *d == WINDOW));
        assert!(starts[10..].iter().all(|d| *d == WINDOW * 2));
        // Any 60 s interval holds at most 5 starts.
        for (i, a) in starts.iter().enumerate() {
            let n = starts[i..].iter().filter(|b| **b < *a + WINDOW).count();
            assert!(n <= 5);
        }
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "one report per blocked request: {seen:?}");
        assert_eq!(seen[0].reason, WaitReason::ClientLimit { per_minute: 5 });
        assert_eq!(seen[0].wait, WINDOW);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_acquirers_share_the_budget() {
        let rl = Arc::new(RateLimiter::new(Some(3), false));
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..7 {
            let rl = rl.clone();
            tasks.push(tokio::spawn(async move {
                rl.acquire(None, "GET /x").await;
                Instant::now() - t0
            }));
        }
        let mut starts = Vec::new();
        for t in tasks {
            starts.push(t.await.unwrap());
        }
        starts.sort();
        assert_eq!(starts.iter().filter(|d| d.is_zero()).count(), 3);
        assert_eq!(starts.iter().filter(|d| **d == WINDOW).count(), 3);
        assert_eq!(starts[6], WINDOW * 2);
    }

    #[tokio::test(start_paused = true)]
    async fn off_means_no_waiting_but_retry_after_still_pauses() {
        let rl = RateLimiter::new(None, false);
        let t0 = Instant::now();
        for _ in 0..1000 {
            rl.acquire(None, "GET /x").await;
        }
        assert_eq!(Instant::now(), t0);
        // A 429 answer carries `Remaining: 0`, then Retry-After decides alone.
        rl.observe_headers(Some(240), Some(0));
        rl.pause_for(Duration::from_secs(7));
        let (obs, seen) = recorder();
        rl.acquire(Some(&obs), "GET /x").await;
        assert_eq!(Instant::now() - t0, Duration::from_secs(7));
        assert_eq!(seen.lock().unwrap()[0].reason, WaitReason::RetryAfter);
        rl.acquire(Some(&obs), "GET /x").await;
        assert_eq!(
            Instant::now() - t0,
            Duration::from_secs(7),
            "no spacing after the pause"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn low_remaining_slows_down_and_recovers() {
        let rl = RateLimiter::new(Some(240), true);
        let (obs, seen) = recorder();
        let t0 = Instant::now();
        rl.acquire(Some(&obs), "GET /x").await;
        rl.observe_headers(Some(240), Some(200));
        rl.acquire(Some(&obs), "GET /x").await;
        assert_eq!(Instant::now(), t0, "plenty left: no wait");
        rl.observe_headers(Some(240), Some(11));
        rl.acquire(Some(&obs), "GET /x").await;
        assert_eq!(Instant::now() - t0, WINDOW / 12);
        rl.observe_headers(Some(240), Some(0));
        let before = Instant::now();
        rl.acquire(Some(&obs), "GET /x").await;
        assert_eq!(Instant::now() - before, MAX_SPACING);
        assert_eq!(
            seen.lock().unwrap().last().unwrap().reason,
            WaitReason::PanelLowRemaining { remaining: 0 }
        );
        rl.observe_headers(Some(240), Some(239));
        let before = Instant::now();
        rl.acquire(Some(&obs), "GET /x").await;
        assert_eq!(Instant::now(), before);
    }

    #[tokio::test(start_paused = true)]
    async fn adopts_the_panels_limit_in_default_mode() {
        let rl = RateLimiter::new(Some(240), true);
        rl.observe_headers(Some(60), Some(59));
        assert_eq!(rl.limit(), Some(60));
        rl.set_default_limit(256);
        assert_eq!(rl.limit(), Some(60), "the panel's word beats the default");
        let fresh = RateLimiter::new(Some(240), true);
        fresh.set_default_limit(256);
        assert_eq!(fresh.limit(), Some(256));
        let fixed = RateLimiter::new(Some(100), false);
        fixed.observe_headers(Some(60), Some(59));
        assert_eq!(fixed.limit(), Some(100));
    }

    #[tokio::test(start_paused = true)]
    async fn a_route_limiter_spaces_its_requests_and_says_which_it_is() {
        let rl = RateLimiter::for_route(ClientLimiter::DatabaseCreate, 2, WINDOW);
        let (obs, seen) = recorder();
        let t0 = Instant::now();
        for _ in 0..3 {
            rl.acquire(Some(&obs), "POST /api/client/servers/x/databases")
                .await;
        }
        assert_eq!(
            Instant::now() - t0,
            WINDOW,
            "the third waits for the window"
        );
        let reasons: Vec<WaitReason> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|w| w.reason.clone())
            .collect();
        assert_eq!(
            reasons,
            vec![WaitReason::RouteLimit {
                limiter: ClientLimiter::DatabaseCreate,
                limit: 2,
                window: WINDOW,
            }]
        );
        // A 429 of this limiter pauses it, reported as the limiter too.
        rl.pause_for(Duration::from_secs(5));
        let (obs, seen) = recorder();
        rl.acquire(Some(&obs), "x").await;
        assert!(matches!(
            seen.lock().unwrap()[0].reason,
            WaitReason::RouteLimit { .. }
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_longer_than_allowed_is_refused_without_taking_a_slot() {
        let throttle = Duration::from_secs(600);
        let rl = RateLimiter::for_route(ClientLimiter::BackupCreate, 2, throttle);
        let max = Duration::from_secs(90);
        assert!(rl.acquire_within(None, "x", max).await.is_ok());
        assert!(rl.acquire_within(None, "x", max).await.is_ok());
        let t0 = Instant::now();
        assert_eq!(rl.acquire_within(None, "x", max).await, Err(throttle));
        assert_eq!(Instant::now(), t0, "refused at once");
        tokio::time::sleep(throttle).await;
        let t1 = Instant::now();
        assert!(rl.acquire_within(None, "x", max).await.is_ok());
        assert_eq!(Instant::now(), t1, "the refused request took no slot");
    }
}
