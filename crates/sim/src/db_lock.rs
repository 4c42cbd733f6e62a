//! The panel's database under concurrent writes, as real panels show it: Pelican on SQLite (its
//! default) answers `500 DeadlockException` "database is locked" when two writes overlap;
//! Pterodactyl on MariaDB answers `500 QueryException` for error 1213 "Deadlock found when
//! trying to get lock". The transaction is rolled back: nothing of the request is saved.

use crate::response::{ApiErr, GENERIC_DETAIL};
use crate::{Dialect, util};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// When writes fail with the database-lock 500.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DbLock {
    /// A write that arrives while another write is being processed fails.
    pub concurrent: bool,
    /// How long each write holds the database before it is processed, so that writes sent at
    /// once overlap as they do on a real panel (a few milliseconds of transaction).
    pub hold_ms: u64,
    /// Share of writes that fail regardless, deterministic from [`crate::Faults::seed`].
    pub rate: f64,
    /// Answer with the production message ("An unexpected error...") instead of the driver's,
    /// as a panel without `APP_DEBUG` does: only the exception class tells what happened.
    pub hide_detail: bool,
}

/// Writes in flight and writes seen, shared by every request of one sim.
#[derive(Debug, Default)]
pub struct Writes {
    in_flight: AtomicUsize,
    seen: AtomicU64,
}

/// Holds the database for one write; released when dropped.
pub struct Held<'a>(&'a AtomicUsize);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Writes {
    /// Takes the database for a write, or says it is locked (`Err`) under `lock`'s rules.
    pub fn enter(&self, lock: &DbLock, seed: u64) -> Result<Held<'_>, ()> {
        let n = self.seen.fetch_add(1, Ordering::SeqCst) + 1;
        if lock.rate > 0.0 {
            let x = util::unit_f64(util::splitmix(
                seed ^ 0xD81B_u64 ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ));
            if x < lock.rate {
                return Err(());
            }
        }
        let before = self.in_flight.fetch_add(1, Ordering::SeqCst);
        let held = Held(&self.in_flight);
        if lock.concurrent && before > 0 {
            return Err(()); // `held` is dropped: the count goes back
        }
        Ok(held)
    }
}

/// The dialect's answer to a write that met the lock.
pub fn locked_body(d: Dialect, hide_detail: bool) -> String {
    let (code, detail) = match d {
        Dialect::Pelican => (
            "DeadlockException",
            "SQLSTATE[HY000]: General error: 5 database is locked (Connection: sqlite)",
        ),
        Dialect::Pterodactyl => (
            "QueryException",
            "SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock; try restarting transaction (Connection: mysql)",
        ),
    };
    ApiErr::new(500, code, if hide_detail { GENERIC_DETAIL } else { detail }).body()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_writes_meet_the_lock_and_release_it() {
        let w = Writes::default();
        let lock = DbLock {
            concurrent: true,
            ..DbLock::default()
        };
        let first = w.enter(&lock, 0).expect("free");
        assert!(
            w.enter(&lock, 0).is_err(),
            "a second write while the first runs"
        );
        drop(first);
        assert!(w.enter(&lock, 0).is_ok(), "free again");
        let off = DbLock::default();
        let _a = w.enter(&off, 0).unwrap();
        assert!(w.enter(&off, 0).is_ok(), "no lock configured");
    }

    #[test]
    fn rate_is_deterministic_per_seed() {
        let lock = DbLock {
            rate: 0.3,
            ..DbLock::default()
        };
        let run = |seed| {
            let w = Writes::default();
            (0..200)
                .map(|_| w.enter(&lock, seed).is_err())
                .collect::<Vec<bool>>()
        };
        assert_eq!(run(7), run(7));
        let failed = run(7).iter().filter(|f| **f).count();
        assert!((30..90).contains(&failed), "{failed} of 200");
    }

    #[test]
    fn bodies_are_the_real_ones() {
        let pelican_body: serde_json::Value =
            serde_json::from_str(&locked_body(Dialect::Pelican, false)).unwrap();
        assert_eq!(pelican_body["errors"][0]["code"], "DeadlockException");
        assert_eq!(pelican_body["errors"][0]["status"], "500");
        assert!(
            pelican_body["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("database is locked")
        );
        let pterodactyl_body: serde_json::Value =
            serde_json::from_str(&locked_body(Dialect::Pterodactyl, true)).unwrap();
        assert_eq!(pterodactyl_body["errors"][0]["code"], "QueryException");
        assert_eq!(pterodactyl_body["errors"][0]["detail"], GENERIC_DETAIL);
    }
}
