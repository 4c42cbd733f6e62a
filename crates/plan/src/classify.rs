//! Changes classified against a base (`--base`): intended (the manifests changed since the
//! base) or drift (the panel changed, the manifests did not).

use crate::types::*;
use roost_model::Address;
use std::collections::{HashMap, HashSet};

pub(crate) fn classify(plan: &mut Plan, base_plan: Option<&Plan>, base: &roost_model::Desired) {
    let base_addresses: HashSet<Address> = base.addresses().collect();
    let in_base = |a: &Address| base_addresses.contains(a);
    let base_changes: HashMap<&Address, &Change> = base_plan
        .map(|p| p.changes.iter().map(|c| (&c.address, c)).collect())
        .unwrap_or_default();
    for c in &mut plan.changes {
        match base_changes.get(&c.address) {
            // The base would have made the same change: the panel moved, not the manifests.
            Some(b) if b.action == c.action => {
                for a in &mut c.attributes {
                    let same = b
                        .attributes
                        .iter()
                        .any(|x| x.name == a.name && x.new == a.new && x.sensitive == a.sensitive);
                    a.cause = Some(if same { Cause::Drift } else { Cause::Intended });
                }
            }
            Some(_) => {
                for a in &mut c.attributes {
                    a.cause = Some(Cause::Intended);
                }
            }
            None => {
                // The base would change nothing here: every difference comes from the manifests,
                // unless the base never declared it and the panel holds it (a delete of drift).
                let cause = if c.action == Action::Delete && !in_base(&c.address) {
                    Cause::Drift
                } else {
                    Cause::Intended
                };
                for a in &mut c.attributes {
                    a.cause = Some(cause);
                }
            }
        }
        let drift = c
            .attributes
            .iter()
            .filter(|a| a.cause == Some(Cause::Drift))
            .count();
        let intended = c
            .attributes
            .iter()
            .filter(|a| a.cause == Some(Cause::Intended))
            .count();
        c.cause = Some(match (intended, drift) {
            (_, 0) => Cause::Intended,
            (0, _) => Cause::Drift,
            _ => Cause::Mixed,
        });
    }
}
