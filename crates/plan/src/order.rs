//! The order of a plan's changes, from the dependency graph (built once per plan): server
//! deletes first (they free allocations and owners), then creates, updates, adoptions and
//! replacements in dependency order, then the other deletes, which run after the updates that
//! stop using what they delete.

use crate::error::PlanError;
use crate::types::Change;
use roost_graph::Graph;
use roost_model::{Address, Kind};
use std::collections::{HashMap, HashSet};

/// Where deletes of a kind run among the deletes (lower first).
fn delete_rank(k: Kind) -> u8 {
    match k {
        Kind::Server => 0,
        Kind::Database | Kind::Schedule | Kind::Subuser | Kind::File => 1,
        Kind::Allocation => 2,
        Kind::User => 3,
        Kind::Node => 4,
        Kind::Location => 5,
    }
}

/// Whether deletes of `k` run before everything else: a server's delete frees what the other
/// changes may need.
fn deletes_first(k: Kind) -> bool {
    delete_rank(k) == 0
}

/// The changes in apply order, each with the changes it waits for.
pub(crate) fn order(
    mut changes: Vec<Change>,
    mut deletes: Vec<Change>,
    graph: &Graph,
) -> Result<Vec<Change>, PlanError> {
    // Nothing to put in order (a no-change plan of a large fleet): the whole graph's order is
    // not needed, and a cycle has been refused when the manifests were loaded.
    let order: HashMap<Address, usize> = if changes.is_empty() {
        HashMap::new()
    } else {
        let sorted = graph
            .create_order()
            .map_err(|e| PlanError::new("roost::dependency-cycle", e.to_string(), None))?;
        sorted
            .into_iter()
            .enumerate()
            .map(|(i, a)| (a, i))
            .collect()
    };
    let changed: HashSet<Address> = changes.iter().map(|c| c.address.clone()).collect();
    for c in &mut changes {
        c.depends_on = graph
            .dependencies(&c.address)
            .into_iter()
            .filter(|a| changed.contains(*a))
            .cloned()
            .collect();
    }
    changes.sort_by_key(|c| order.get(&c.address).copied().unwrap_or(usize::MAX));
    deletes.sort_by(|a, b| {
        (delete_rank(a.address.kind), &a.address).cmp(&(delete_rank(b.address.kind), &b.address))
    });
    let late = deletes.split_off(
        deletes
            .iter()
            .position(|c| !deletes_first(c.address.kind))
            .unwrap_or(deletes.len()),
    );
    let mut out = deletes;
    out.append(&mut changes);
    out.extend(late);
    Ok(out)
}
