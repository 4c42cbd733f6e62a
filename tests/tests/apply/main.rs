//! `roost apply` against the simulator: it converges (every example, then edited), repairs
//! drift, keeps dependency order, refuses stale plans and unapproved or destructive runs, and
//! speaks JSON lines. Faults and interruptions are in `apply_faults.rs`.
//!
//! The tests: `converge` (examples and edits converge, drift is repaired), `order` (creates
//! after their dependencies, deletes before theirs) and `interface` (saved and stale plans,
//! approval, `--allow-destroy`, `--target`, `--format json`).

#[path = "../common/mod.rs"]
mod common;

use common::{cli::*, manifests::*, panel::*, sim_state::*, *};
use roost_sim::Dialect;
use std::collections::BTreeMap;

mod converge;
mod interface;
mod order;

/// Apply `dir` to an empty panel, then check the panel matches it.
fn fresh(dir: &std::path::Path, dialect: Dialect) -> Panel {
    let panel = Panel::start(dialect);
    // The examples declare server-level state: run as a user with the client key would.
    panel.use_client_key();
    panel.apply_ok(dir);
    panel.assert_converged(dir, "first apply");
    assert_no_duplicates(&panel.state(), "first apply");
    panel
}
