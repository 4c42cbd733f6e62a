//! The planner: a pure function of (desired state, live state, options) → [`Plan`].
//!
//! No IO, no clock, no async runtime: this crate does not depend on one (see Cargo.toml). The
//! same `Plan` feeds every renderer (text, JSON, Markdown) and the engine that applies it.
//!
//! Each resource kind lives in one module of `kinds/` (its operations, its attribute table, its
//! `plan`), listed by the registry (`roost_model::for_each_kind!`); the modules beside it are
//! what every kind shares.

mod attr;
mod classify;
mod context;
pub mod drift;
mod error;
mod fingerprint;
mod identity;
mod ignore;
pub mod kinds;
mod lookup;
mod normalize;
mod ops;
mod options;
mod order;
mod ownership;
mod plan;
mod preflight;
pub mod rails;
mod releases;
pub mod render;
mod sensitive;
mod server_level;
mod summary;
mod target;
mod threshold;
mod types;

pub use error::PlanError;
pub use fingerprint::fingerprints;
pub use ignore::{Ignore, parse_ignore};
pub use kinds::{Op, attribute_known, attribute_names};
pub use ops::{ApiCall, OpSpec, Ref, Retry};
pub use options::Options;
pub use plan::plan;
pub use sensitive::{REDACTED, needed_secrets, recheck as recheck_secrets};
pub use server_level::{ServerLevelNeed, power_reads, server_level_reads};
pub use types::*;

/// JSON Schema of the drift report (`schemas/drift.schema.json`).
pub fn drift_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(drift::DriftReport)).unwrap_or_default()
}

/// JSON Schema of the plan format (`schemas/plan.schema.json`).
pub fn plan_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Plan)).unwrap_or_default()
}
