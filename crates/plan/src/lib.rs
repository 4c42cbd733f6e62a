//! The planner: a pure function of (desired state, live state, options) → [`Plan`].
//!
//! No IO, no clock, no async runtime: this crate does not depend on one (see Cargo.toml). The
//! same `Plan` feeds every renderer (text, JSON, Markdown) and the engine that applies it.

mod diff;
pub mod drift;
mod fingerprint;
mod ownership;
pub mod rails;
mod releases;
pub mod render;
mod sensitive;
mod types;
mod users;

pub use diff::{Ignore, Options, PlanError, parse_ignore, plan};
pub use fingerprint::fingerprints;
pub use sensitive::{REDACTED, needed_secrets, recheck as recheck_secrets};
pub use types::*;

/// JSON Schema of the drift report (`schemas/drift.schema.json`).
pub fn drift_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(drift::DriftReport)).unwrap_or_default()
}

/// JSON Schema of the plan format (`schemas/plan.schema.json`).
pub fn plan_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Plan)).unwrap_or_default()
}
