//! Laravel's rate limiter as the Client API uses it: fixed windows that open with the first hit
//! (`RateLimiter::hit`), one bucket per key — the client limit per user, Pelican's per-server
//! limiters (`ResourceLimit`) and Pterodactyl's `throttle:10,5` on file pulls.

use super::routes::Limiter;
use roost_model::Dialect;
use std::collections::HashMap;

/// Open windows: key -> (window end in sim seconds, hits).
#[derive(Debug, Default)]
pub struct Windows {
    open: HashMap<String, (i64, u32)>,
}

/// A request the limiter let through: the limit and what is left of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Passed {
    pub limit: u32,
    pub remaining: u32,
}

/// A request over the limit: the limit and the seconds until the window closes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exceeded {
    pub limit: u32,
    pub retry_after: u64,
}

impl Windows {
    /// Counts one attempt against `key` (`max` per `decay` seconds) at sim time `now`.
    pub fn hit(&mut self, key: &str, max: u32, decay: i64, now: i64) -> Result<Passed, Exceeded> {
        let entry = self.open.entry(key.to_string()).or_insert((0, 0));
        if now >= entry.0 {
            *entry = (now + decay, 0);
        }
        if entry.1 >= max {
            return Err(Exceeded {
                limit: max,
                retry_after: (entry.0 - now).max(0) as u64,
            });
        }
        entry.1 += 1;
        Ok(Passed {
            limit: max,
            remaining: max - entry.1,
        })
    }

    /// Forgets every window (a changed limit starts afresh).
    pub fn clear(&mut self) {
        self.open.clear();
    }
}

/// `(attempts, decay seconds)` of a route limiter in a dialect, or None where the dialect has
/// none (Pterodactyl only throttles file pulls).
pub fn limiter_rule(d: Dialect, l: Limiter) -> Option<(u32, i64)> {
    match (d, l) {
        (Dialect::Pterodactyl, Limiter::FilePull) => Some((10, 300)),
        (Dialect::Pterodactyl, _) => None,
        (Dialect::Pelican, Limiter::Websocket) => Some((5, 60)),
        (Dialect::Pelican, Limiter::BackupRestore) => Some((3, 900)),
        (Dialect::Pelican, Limiter::DatabaseCreate) => Some((2, 60)),
        (Dialect::Pelican, Limiter::SubuserCreate) => Some((10, 900)),
        (Dialect::Pelican, Limiter::FilePull) => Some((5, 600)),
        (Dialect::Pelican, Limiter::AllocationCreate | Limiter::ScheduleCreate) => Some((2, 60)),
    }
}

/// The bucket a route limiter counts in: Pelican's are per server (all users together),
/// Pterodactyl's pull throttle is per user.
pub fn limiter_key(d: Dialect, l: Limiter, server_uuid: &str, user_uuid: &str) -> String {
    match d {
        Dialect::Pelican => format!("server-resource:{l:?}:{server_uuid}"),
        Dialect::Pterodactyl => format!("throttle:{l:?}:{user_uuid}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_opens_with_the_first_hit_and_closes_after_decay() {
        let mut w = Windows::default();
        assert_eq!(
            w.hit("k", 2, 60, 100),
            Ok(Passed {
                limit: 2,
                remaining: 1
            })
        );
        assert_eq!(w.hit("k", 2, 60, 130).map(|p| p.remaining), Ok(0));
        assert_eq!(
            w.hit("k", 2, 60, 150),
            Err(Exceeded {
                limit: 2,
                retry_after: 10
            })
        );
        assert!(w.hit("other", 2, 60, 150).is_ok(), "buckets are per key");
        assert_eq!(w.hit("k", 2, 60, 160).map(|p| p.remaining), Ok(1));
    }
}
