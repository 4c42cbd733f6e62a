//! Resource usage as Wings reports it (WPT `environment/stats.go`, `server/resources.go`):
//! made up but steady — a running server uses a share of its memory limit and some CPU, its
//! network counters grow with uptime — and `disk_bytes` is the volume's real size.

use super::Box_;
use super::power::State;
use serde_json::{Value, json};

/// Memory a server without a limit reports while running.
const UNLIMITED_MEMORY_USE: i64 = 512 * 1024 * 1024;

fn usage(b: &Box_, now_ms: i64) -> Value {
    let limit = b.config.memory_mb.max(0) * 1024 * 1024;
    let uptime = b.power.uptime_ms(now_ms);
    let (memory, cpu) = match b.power.state {
        State::Offline => (0, 0.0),
        State::Starting => (limit.min(UNLIMITED_MEMORY_USE) / 4, 87.5),
        State::Running | State::Stopping => {
            let m = if limit > 0 {
                limit * 2 / 5
            } else {
                UNLIMITED_MEMORY_USE
            };
            (m, 12.5)
        }
    };
    let net = uptime / 1000 * 1024;
    json!({
        "memory_bytes": memory,
        "memory_limit_bytes": limit,
        "cpu_absolute": cpu,
        "network": {"rx_bytes": net, "tx_bytes": net / 2},
        "uptime": uptime,
        "state": b.power.state.name(),
        "disk_bytes": b.tree.used_bytes(),
    })
}

/// The answer of `GET /api/servers/{uuid}`.
pub fn details(b: &Box_, now_ms: i64) -> Value {
    json!({
        "state": b.power.state.name(),
        "is_suspended": b.config.suspended,
        "utilization": usage(b, now_ms),
    })
}

/// The `stats` websocket event's argument.
pub fn websocket(b: &Box_, now_ms: i64) -> Value {
    usage(b, now_ms)
}
