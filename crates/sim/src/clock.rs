//! The sim's clock: wall time plus an offset tests can move forward, so installs, throttles and
//! rate-limit windows can be stepped through without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Shared by the state and the transport (clones see the same time).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Milliseconds since the Unix epoch, as the sim sees them.
    pub fn now_ms(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        wall.saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Seconds since the Unix epoch, as the sim sees them.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves the clock forward (never backward: a negative amount is ignored).
    pub fn advance_ms(&self, ms: i64) {
        if ms > 0 {
            self.offset_ms.fetch_add(ms, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone_and_never_goes_back() {
        let c = Clock::default();
        let other = c.clone();
        let before = c.now_ms();
        c.advance_ms(3_600_000);
        assert!(other.now_ms() >= before + 3_600_000);
        let at = other.now_ms();
        c.advance_ms(-10_000_000);
        assert!(c.now_ms() >= at);
    }
}
