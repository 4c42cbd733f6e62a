//! `--target`: the plan covers only the targeted resources, what they depend on, and what
//! lives inside them (a server's databases).

use crate::types::Plan;
use roost_graph::Graph;
use roost_model::Address;
use std::collections::HashSet;

pub(crate) fn restrict(plan: &mut Plan, graph: &Graph, targets: &[Address]) {
    let keep: HashSet<Address> = graph
        .closure_of(targets)
        .into_iter()
        .chain(targets.iter().cloned())
        .collect();
    plan.changes
        .retain(|c| keep.contains(&c.address) || targets.iter().any(|t| c.address.is_within(t)));
    plan.targets = targets.to_vec();
}
