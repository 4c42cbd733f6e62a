//! Stopping a running apply (Ctrl-C): nothing new starts, the changes in flight get a bounded
//! grace period to finish, and what is left is reported as not started or, for what was still
//! running when the grace ran out, as of unknown outcome.

use crate::context::ApplyCx;
use crate::schedule::Task;
use crate::{Event, Outcome};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

/// How long the changes in flight get to finish by default: a write that has reached the panel
/// is better finished than abandoned, and a panel answers well within this.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(30);

/// Asks a running apply to stop. Cheap to clone; every clone sees the same request.
#[derive(Debug, Clone)]
pub struct Interrupt {
    requested: Arc<watch::Sender<bool>>,
    grace: Duration,
}

impl Interrupt {
    /// An interrupt whose changes in flight get `grace` to finish once it is requested.
    pub fn new(grace: Duration) -> Interrupt {
        Interrupt {
            requested: Arc::new(watch::Sender::new(false)),
            grace,
        }
    }

    /// Stop: nothing new starts from now on.
    pub fn request(&self) {
        self.requested.send_replace(true);
    }

    pub fn is_requested(&self) -> bool {
        *self.requested.borrow()
    }

    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// Resolves once the interrupt is requested (at once if it already was).
    async fn requested(&self) {
        let mut rx = self.requested.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = rx.wait_for(|r| *r).await;
    }
}

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt::new(DEFAULT_GRACE)
    }
}

/// The next task to finish. Once the interrupt is requested, the running tasks get its grace
/// period (counted in `grace_ends`); `None` when none is running or the grace ran out.
pub(crate) async fn next_finished<T: 'static>(
    running: &mut JoinSet<T>,
    interrupt: &Interrupt,
    grace_ends: &mut Option<Instant>,
) -> Option<Result<T, JoinError>> {
    loop {
        if running.is_empty() {
            return None;
        }
        let ends = *grace_ends;
        tokio::select! {
            joined = running.join_next() => return joined,
            () = interrupt.requested(), if ends.is_none() => {
                *grace_ends = Some(Instant::now() + interrupt.grace());
            }
            () = tokio::time::sleep_until(ends.unwrap_or_else(Instant::now)), if ends.is_some() => {
                return None;
            }
        }
    }
}

/// After an interrupted phase: every task not done is reported, as still running when the
/// grace ran out (outcome unknown) or as never started.
pub(crate) fn settle(
    ctx: &ApplyCx,
    tasks: &[Arc<Task>],
    done: &[bool],
    started: &[bool],
    outcome: &mut Outcome,
) {
    outcome.interrupted = true;
    for (i, task) in tasks.iter().enumerate() {
        // The last part of a change whose first part has not finished: that part says it.
        if done[i] || task.tail_of.is_some_and(|h| !done[h]) {
            continue;
        }
        for c in &task.changes {
            ctx.reporter.report(Event::Interrupted {
                address: c.address.clone(),
                action: c.action,
                started: started[i],
            });
            if started[i] {
                outcome.unknown.push(c.address.clone());
            } else {
                outcome.not_started.push(c.address.clone());
            }
        }
    }
}
