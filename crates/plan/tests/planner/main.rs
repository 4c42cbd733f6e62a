//! The planner, table-driven and without a panel: per kind, (desired, live, options) → the
//! plan's changes and their operations. See `case.rs` for how a case reads.

#[path = "../common/mod.rs"]
mod common;

mod case;

mod allocation;
mod allocation_notes;
mod database;
mod file;
mod location;
mod markdown;
mod node;
mod plan;
mod power;
mod schedule;
mod server;
mod subuser;
mod user;
