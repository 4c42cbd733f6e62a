//! How many changes run at once, lowered when the panel's database cannot keep up.
//!
//! Pelican on SQLite serialises every write ("database is locked" when two overlap), and
//! Pterodactyl on MariaDB deadlocks on concurrent user creates. The client retries such
//! answers; the engine also sends fewer writes at once: when a change met database contention,
//! the limit is halved (down to 1) for the rest of the run. Only a change that started at the
//! current limit can lower it again, so the changes already in flight when it was lowered (all
//! started under the old, higher limit) do not halve it a second time for the same burst.

/// The number of changes in flight at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concurrency {
    limit: usize,
}

impl Concurrency {
    pub fn new(parallelism: usize) -> Self {
        Concurrency {
            limit: parallelism.max(1),
        }
    }

    pub fn limit(self) -> usize {
        self.limit
    }

    /// A change that started while the limit was `started_at` met database contention.
    /// Returns `(from, to)` when that lowers the limit.
    pub fn contention(&mut self, started_at: usize) -> Option<(usize, usize)> {
        if self.limit <= 1 || started_at > self.limit {
            return None;
        }
        let from = self.limit;
        self.limit = (from / 2).max(1);
        Some((from, self.limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_down_to_one_once_per_level() {
        let mut c = Concurrency::new(4);
        assert_eq!(c.contention(4), Some((4, 2)));
        // Another change from the burst at 4 finishes: already lowered for it.
        assert_eq!(c.contention(4), None);
        assert_eq!(c.limit(), 2);
        // A change started at 2 meets contention too: lower again.
        assert_eq!(c.contention(2), Some((2, 1)));
        assert_eq!(c.contention(1), None);
        assert_eq!(c.limit(), 1);
        let mut odd = Concurrency::new(7);
        assert_eq!(odd.contention(7), Some((7, 3)));
        assert_eq!(Concurrency::new(0).limit(), 1);
    }
}
