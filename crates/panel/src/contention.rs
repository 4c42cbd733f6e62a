//! Telling a caller that its requests met database contention, even when a retry then
//! succeeded: the engine lowers its concurrency after such a change (fewer writes at once is
//! what ends SQLite's "database is locked" and MariaDB's deadlocks), and only a change that saw
//! contention itself should count, not whichever change happened to finish next.
//!
//! Every contention answer is counted twice: in the client's total
//! ([`PanelClient::contention_answers`](crate::PanelClient::contention_answers)), and in the
//! counter of the task observing it with [`observe_contention`], if any. Requests a client
//! makes from tasks of its own (the concurrent pages of a listing) count in the total only.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static SEEN: Cell<u32>;
}

/// Runs `fut` and returns its output with the number of database-contention answers the panel
/// gave to the requests it made (retried ones included).
pub async fn observe_contention<F: Future>(fut: F) -> (F::Output, u32) {
    SEEN.scope(Cell::new(0), async move {
        let out = fut.await;
        (out, SEEN.with(Cell::get))
    })
    .await
}

/// Counts one contention answer for the observing task, if there is one.
pub(crate) fn record() {
    let _ = SEEN.try_with(|c| c.set(c.get().saturating_add(1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_per_observed_task_only() {
        record(); // no observer: nothing happens
        let ((), n) = observe_contention(async {
            record();
            record();
        })
        .await;
        assert_eq!(n, 2);
        let (inner, outer) = observe_contention(async {
            record();
            observe_contention(async { record() }).await.1
        })
        .await;
        assert_eq!((inner, outer), (1, 1));
    }
}
