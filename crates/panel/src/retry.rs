//! Retry policy: a pure decision function, no IO, so it can be tested exhaustively.

use std::time::Duration;

/// Whether re-sending a request can change the outcome beyond the first successful attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// GET, PATCH (full replacement), DELETE, and POSTs that are no-ops when repeated
    /// (suspend/unsuspend answer 204 when already in that state).
    Idempotent,
    /// Creating POSTs and reinstall: a second send may create a duplicate or act twice.
    NonIdempotent,
}

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No connection was established: the request certainly did not reach the panel.
    ConnectFailed,
    /// No answer in time; the panel may have acted.
    TimedOut,
    /// The connection broke after the request was (possibly) sent.
    ConnectionDropped,
    /// 429: the panel throttled before acting (both panels check the limit before the action).
    RateLimited,
    /// A 5xx whose body says the panel's database refused because of concurrent writes
    /// ([`ServerFault::is_contention`](crate::ServerFault::is_contention)): rolled back, so
    /// worth another try later; but a create may have committed part of its work before the
    /// failing statement, so its outcome is still treated as unknown.
    DatabaseBusy,
    /// The panel (or Wings, through it) answered that it did not act, whatever the status:
    /// Pterodactyl passing on a Wings 4xx, or its 502 for a console command to a stopped
    /// server. Sending again changes nothing.
    Refused,
    /// The panel answered that it could not reach Wings (Pterodactyl's 504
    /// `DaemonConnectionException`, Pelican's 500 `ConnectionException`), whatever the status:
    /// Wings restarting is usually back within seconds, so a read is worth another try; a write
    /// may have reached Wings before the connection failed (a timeout), so its outcome is not
    /// known.
    DaemonUnreachable,
    /// Any other HTTP error status.
    Status(u16),
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send the same request again.
    RetryAfter(Duration),
    /// Report the failure as it is.
    GiveUp,
    /// Report that the outcome is unknown: never re-send.
    Ambiguous,
}

/// Bounded exponential backoff with jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = never retry).
    pub max_retries: u32,
    /// First backoff delay; doubled per retry.
    pub base_delay: Duration,
    /// Cap for one backoff delay (a panel's `Retry-After` may exceed it).
    pub max_delay: Duration,
    /// No retry is started when its wait would end after this much time since the first
    /// attempt; the retry itself may then run up to one attempt's timeout past it.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            // A 429's Retry-After can be up to a minute; allow one such wait plus backoff.
            max_elapsed: Duration::from_secs(90),
        }
    }
}

impl RetryPolicy {
    /// Decides after a failed attempt.
    ///
    /// * `retries_done`: retries already made for this request (0 after the first attempt).
    /// * `elapsed`: time since the first attempt started.
    /// * `retry_after`: the panel's `Retry-After`, if it sent one.
    /// * `jitter`: a random number in `[0, 1)` (a parameter so tests are deterministic).
    pub fn decide(
        &self,
        kind: Idempotency,
        failure: Failure,
        retries_done: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Decision {
        let retryable = match failure {
            // Nothing was sent, or the panel refused before acting: safe for any request.
            Failure::ConnectFailed | Failure::RateLimited => true,
            Failure::TimedOut | Failure::ConnectionDropped => kind == Idempotency::Idempotent,
            Failure::DatabaseBusy => {
                if kind == Idempotency::NonIdempotent {
                    return Decision::Ambiguous;
                }
                true
            }
            Failure::DaemonUnreachable => {
                if kind == Idempotency::NonIdempotent {
                    return Decision::Ambiguous;
                }
                true
            }
            Failure::Status(s) if s >= 500 => {
                if kind == Idempotency::NonIdempotent {
                    // A 5xx after a create may come after the commit (PL keeps a server whose
                    // Wings call failed): the outcome is unknown.
                    return Decision::Ambiguous;
                }
                matches!(s, 502..=504)
            }
            Failure::Refused | Failure::Status(_) => false,
        };
        if !retryable {
            return match (kind, failure) {
                (Idempotency::NonIdempotent, Failure::TimedOut | Failure::ConnectionDropped) => {
                    Decision::Ambiguous
                }
                _ => Decision::GiveUp,
            };
        }
        if retries_done >= self.max_retries {
            return Decision::GiveUp;
        }
        let backoff = self.backoff(retries_done, jitter);
        let delay = match (failure, retry_after) {
            (_, Some(ra)) => ra.max(if failure == Failure::RateLimited {
                Duration::ZERO
            } else {
                backoff
            }),
            // A 429 without Retry-After: a short pause, the limiter spaces what follows.
            (Failure::RateLimited, None) => Duration::from_secs(1).max(backoff),
            _ => backoff,
        };
        if elapsed + delay > self.max_elapsed {
            return Decision::GiveUp;
        }
        Decision::RetryAfter(delay)
    }

    /// After a re-read proved that a request whose outcome was unknown did not act (nothing
    /// was created): it is as safe to send again as one that never left, after the usual
    /// backoff, within the same budget of retries.
    pub fn after_verified_absent(&self, retries_done: u32, jitter: f64) -> Decision {
        if retries_done >= self.max_retries {
            return Decision::GiveUp;
        }
        Decision::RetryAfter(self.backoff(retries_done, jitter))
    }

    /// `base * 2^n`, capped, scaled into `[50%, 100%]` by `jitter` ("equal jitter": spreads
    /// concurrent retries apart without ever retrying immediately).
    pub fn backoff(&self, retries_done: u32, jitter: f64) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retries_done.min(20))
            .min(self.max_delay);
        let j = jitter.clamp(0.0, 1.0);
        exp.mul_f64(0.5 + 0.5 * j)
    }
}

/// How one Client-API operation may be retried: the operation table
/// (`client_api/ops.rs`) gives each route its rule. Client-API updates are POSTs as often as
/// not, so the rule follows what the operation does, never its verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationRule {
    /// A read (or a GET that mints a token or a signed URL): retried on transient failures.
    Read,
    /// Sets something to a given value (rename, notes, permissions, a file's content): sending
    /// it twice leaves the same state, so it is retried like a read.
    Repeatable,
    /// A delete: retried; a 404 after an attempt that may have acted means it is done.
    Delete,
    /// Acts once per send (power signal, console command, reinstall, restore, running a
    /// schedule, copy, compress, pull): never sent again once it may have reached the panel.
    Once,
    /// A create (or a toggle) whose effect a re-read can see: after an unknown outcome the
    /// client re-reads, and sends again only when the re-read proves it did not act.
    Verify,
    /// A create whose failure may leave work behind that the panel does not list (Pelican's
    /// client database create answers 500 and leaves the database on the host): re-read and
    /// report, never send again.
    VerifyNoResend,
}

/// What a re-read after an unknown outcome showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reread {
    /// The operation's effect is there: it acted.
    Found,
    /// The effect is not there.
    Absent,
    /// The re-read could not tell (it failed, or nothing identifies the effect).
    Unknown,
}

/// What to do after that re-read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterReread {
    /// It acted: take the re-read object as the answer.
    Done,
    /// It did not act: send again (after the usual backoff, within the retry budget).
    Resend,
    /// Report what the re-read showed; send nothing more.
    Report,
}

impl OperationRule {
    /// How the transport treats a failed attempt of this operation.
    pub fn idempotency(self) -> Idempotency {
        match self {
            OperationRule::Read | OperationRule::Repeatable | OperationRule::Delete => {
                Idempotency::Idempotent
            }
            OperationRule::Once | OperationRule::Verify | OperationRule::VerifyNoResend => {
                Idempotency::NonIdempotent
            }
        }
    }

    /// Whether an unknown outcome is followed by a re-read.
    pub fn rereads(self) -> bool {
        matches!(self, OperationRule::Verify | OperationRule::VerifyNoResend)
    }

    /// After an unknown outcome was re-read.
    pub fn after_reread(self, reread: Reread) -> AfterReread {
        match (self, reread) {
            (_, Reread::Found) if self.rereads() => AfterReread::Done,
            (OperationRule::Verify, Reread::Absent) => AfterReread::Resend,
            _ => AfterReread::Report,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use Failure::*;
    use Idempotency::*;

    const Z: Duration = Duration::ZERO;

    fn p() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_elapsed: Duration::from_secs(10),
        }
    }

    #[test]
    fn idempotent_requests_retry_transient_failures() {
        for f in [
            ConnectFailed,
            TimedOut,
            ConnectionDropped,
            RateLimited,
            Status(502),
            Status(503),
            Status(504),
            DatabaseBusy,
            DaemonUnreachable,
        ] {
            assert!(
                matches!(p().decide(Idempotent, f, 0, Z, None, 0.0), RetryAfter(_)),
                "{f:?}"
            );
        }
        for f in [
            Status(500),
            Status(400),
            Status(404),
            Status(422),
            Status(401),
        ] {
            assert_eq!(p().decide(Idempotent, f, 0, Z, None, 0.0), GiveUp, "{f:?}");
        }
    }

    #[test]
    fn ambiguous_posts_are_never_resent() {
        for f in [
            DaemonUnreachable,
            TimedOut,
            ConnectionDropped,
            Status(500),
            Status(502),
            Status(503),
            Status(504),
            DatabaseBusy,
        ] {
            assert_eq!(
                p().decide(NonIdempotent, f, 0, Z, None, 0.5),
                Ambiguous,
                "{f:?}"
            );
        }
        // Refused before acting: safe to send again.
        assert!(matches!(
            p().decide(NonIdempotent, ConnectFailed, 0, Z, None, 0.5),
            RetryAfter(_)
        ));
        assert!(matches!(
            p().decide(NonIdempotent, RateLimited, 0, Z, None, 0.5),
            RetryAfter(_)
        ));
        assert_eq!(
            p().decide(NonIdempotent, Status(422), 0, Z, None, 0.5),
            GiveUp
        );
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = p();
        assert_eq!(p.backoff(0, 1.0), Duration::from_millis(100));
        assert_eq!(p.backoff(0, 0.0), Duration::from_millis(50));
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(200));
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(400));
        assert_eq!(p.backoff(10, 1.0), Duration::from_secs(1));
        assert_eq!(p.backoff(40, 0.0), Duration::from_millis(500));
    }

    #[test]
    fn budget_is_bounded_by_attempts_and_time() {
        assert_eq!(p().decide(Idempotent, Status(503), 3, Z, None, 0.0), GiveUp);
        assert!(matches!(
            p().decide(Idempotent, Status(503), 2, Z, None, 0.0),
            RetryAfter(_)
        ));
        assert_eq!(
            p().decide(
                Idempotent,
                Status(503),
                0,
                Duration::from_secs(10),
                None,
                0.0
            ),
            GiveUp
        );
        let none = RetryPolicy {
            max_retries: 0,
            ..p()
        };
        assert_eq!(
            none.decide(Idempotent, ConnectFailed, 0, Z, None, 0.0),
            GiveUp
        );
    }

    #[test]
    fn database_contention_backs_off_with_jitter_within_the_budget() {
        // Concurrent retries spread apart: the same attempt waits between 50% and 100%.
        assert_eq!(
            p().decide(Idempotent, DatabaseBusy, 0, Z, None, 0.0),
            RetryAfter(Duration::from_millis(50))
        );
        assert_eq!(
            p().decide(Idempotent, DatabaseBusy, 2, Z, None, 1.0),
            RetryAfter(Duration::from_millis(400))
        );
        assert_eq!(
            p().decide(Idempotent, DatabaseBusy, 3, Z, None, 0.0),
            GiveUp
        );
        // A create is never re-sent blindly, even when the panel says it rolled back.
        assert_eq!(
            p().decide(NonIdempotent, DatabaseBusy, 0, Z, None, 0.0),
            Ambiguous
        );
    }

    #[test]
    fn a_create_proven_absent_is_resent_with_backoff() {
        assert_eq!(
            p().after_verified_absent(0, 1.0),
            RetryAfter(Duration::from_millis(100))
        );
        assert_eq!(
            p().after_verified_absent(1, 0.0),
            RetryAfter(Duration::from_millis(100))
        );
        assert_eq!(p().after_verified_absent(3, 0.0), GiveUp);
    }

    #[test]
    fn refusals_are_never_retried() {
        for kind in [Idempotent, NonIdempotent] {
            assert_eq!(
                p().decide(kind, Refused, 0, Z, None, 0.0),
                GiveUp,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn operation_rules_follow_what_the_operation_does_not_its_verb() {
        use OperationRule::*;
        for rule in [Read, Repeatable, Delete] {
            assert_eq!(rule.idempotency(), Idempotent, "{rule:?}");
            assert!(!rule.rereads());
        }
        for rule in [Once, Verify, VerifyNoResend] {
            assert_eq!(rule.idempotency(), NonIdempotent, "{rule:?}");
        }
        // A power signal or a console command: never re-read, never re-sent.
        for r in [Reread::Found, Reread::Absent, Reread::Unknown] {
            assert_eq!(Once.after_reread(r), AfterReread::Report);
            assert_eq!(Read.after_reread(r), AfterReread::Report);
        }
        assert_eq!(Verify.after_reread(Reread::Found), AfterReread::Done);
        assert_eq!(Verify.after_reread(Reread::Absent), AfterReread::Resend);
        assert_eq!(Verify.after_reread(Reread::Unknown), AfterReread::Report);
        // Pelican's database create: absent from the panel may still be on the host.
        assert_eq!(
            VerifyNoResend.after_reread(Reread::Found),
            AfterReread::Done
        );
        assert_eq!(
            VerifyNoResend.after_reread(Reread::Absent),
            AfterReread::Report
        );
        assert_eq!(
            VerifyNoResend.after_reread(Reread::Unknown),
            AfterReread::Report
        );
    }

    #[test]
    fn retry_after_is_honoured() {
        let ra = Some(Duration::from_secs(3));
        assert_eq!(
            p().decide(Idempotent, RateLimited, 0, Z, ra, 0.0),
            RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            p().decide(NonIdempotent, RateLimited, 0, Z, ra, 0.9),
            RetryAfter(Duration::from_secs(3))
        );
        // A 503 with a Retry-After shorter than the backoff still backs off.
        let short = Some(Duration::from_millis(1));
        assert_eq!(
            p().decide(Idempotent, Status(503), 0, Z, short, 1.0),
            RetryAfter(Duration::from_millis(100))
        );
        // A wait that would exceed the time budget is not started.
        let long = Some(Duration::from_secs(60));
        assert_eq!(p().decide(Idempotent, RateLimited, 0, Z, long, 0.0), GiveUp);
    }
}
