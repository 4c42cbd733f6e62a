//! Allocations: ip:port pairs on a node, identified by node, ip and port. The panel cannot edit
//! one: a new alias deletes it and creates it again.

use crate::attr::{Attr, Compare, Table, json_of};
use crate::context::{PlanCx, change};
use crate::error::PlanError;
use crate::kinds;
use crate::ops::{ApiCall, OpSpec, Ref, Retry};
use crate::types::{Action, AttrChange, Change, Impact};
use roost_model::{
    Address, Endpoint, Kind, LiveAllocation, SecretRef, allocation_routes as routes,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// What apply does to an allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// One request creates every port of a (node, ip, alias) group.
    Create {
        node: Ref,
        /// The node's name: the created allocations' addresses are `allocation.NODE/IP:PORT`.
        node_name: String,
        ip: IpAddr,
        alias: Option<String>,
        ports: Vec<u16>,
    },
    /// Created by the request of the change of `with` (same node, ip and alias).
    Batched { with: Address },
    Delete { node: u64, id: u64 },
}

impl OpSpec for Op {
    fn call(&self) -> Option<ApiCall> {
        match self {
            Op::Create { node, .. } => Some(ApiCall::new("POST", &routes::list(node))),
            Op::Batched { .. } => None,
            Op::Delete { node, id } => Some(ApiCall::new("DELETE", &routes::one(node, id))),
        }
    }

    fn retry(&self) -> Retry {
        match self {
            // The node's listing says which ports exist after an unknown outcome.
            Op::Create { .. } | Op::Batched { .. } => Retry::ReadBack,
            Op::Delete { .. } => Retry::Idempotent,
        }
    }

    fn secrets(&self) -> Vec<&SecretRef> {
        Vec::new()
    }
}

/// The panel has no update for allocations: any change recreates one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    Recreate,
}

pub(crate) struct AllocationTarget {
    pub endpoint: Endpoint,
    pub alias: Option<String>,
}

pub(crate) const TABLE: Table<AllocationTarget, LiveAllocation, Write> = Table {
    attrs: &[
        Attr {
            name: "ip",
            compare: Compare::CreateOnly,
            want: |t, _, _| Some(json_of(t.endpoint.ip.to_string())),
            have: |l, _, _| json_of(&l.ip),
            impact: Impact::None,
            sensitive: false,
            write: Write::Recreate,
            keep_live: |_, _| {},
        },
        Attr {
            name: "port",
            compare: Compare::CreateOnly,
            want: |t, _, _| Some(json_of(t.endpoint.port)),
            have: |l, _, _| json_of(l.port),
            impact: Impact::None,
            sensitive: false,
            write: Write::Recreate,
            keep_live: |_, _| {},
        },
        Attr {
            name: "alias",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.alias)),
            have: |l, _, _| json_of(&l.alias),
            impact: Impact::None,
            sensitive: false,
            write: Write::Recreate,
            keep_live: |t, l| t.alias = l.alias.clone(),
        },
    ],
    maps: &[],
};

pub(crate) fn plan(cx: &mut PlanCx) {
    let desired = cx.desired;
    let mut declared: HashSet<u64> = HashSet::new();
    for (key, a) in &desired.allocations {
        let address = key.address();
        let origin = Some(a.origin);
        let endpoint = Endpoint {
            ip: key.ip,
            port: key.port,
        };
        let live_node = cx.lookup.node_named(&key.node);
        let node_ref = cx.reference(live_node.map(|n| n.id), || {
            Address::new(Kind::Node, &key.node)
        });
        let live = cx.lookup.allocation_at(&key.node, endpoint);
        let mut target = AllocationTarget {
            endpoint,
            alias: a.alias.clone(),
        };
        let mut diff = TABLE.diff(&target, live, &cx.lookup);
        let Some(live) = live else {
            let mut c = change(address, Action::Create, None, diff, origin);
            c.ops.push(create(node_ref, &key.node, &target));
            cx.push(c);
            continue;
        };
        declared.insert(live.id);
        TABLE.settle(&mut diff, &mut target, live, cx.ignored(&address));
        let freed = live
            .server_id
            .is_some_and(|s| cx.identity.deleted.contains(&s));
        if !diff.changed.is_empty() && live.assigned && !freed {
            cx.error(
                PlanError::new("roost::cannot-change-in-place", format!("the alias of allocation {endpoint} cannot change: it is assigned to a server"), origin)
                    .help("the panel cannot edit an allocation; roost would have to delete and recreate it, which it cannot do while a server holds it. Move the server to another allocation first, or keep the alias"),
            );
            continue;
        }
        if diff.changed.is_empty() {
            cx.unchanged += 1;
            continue;
        }
        cx.recreated.insert(address.clone());
        let mut c = change(address, Action::Replace, Some(live.id), diff, origin);
        c.ops.push(
            Op::Delete {
                node: live.node_id,
                id: live.id,
            }
            .into(),
        );
        c.ops.push(create(node_ref, &key.node, &target));
        cx.push(c);
    }
    plan_deletes(cx, &declared);
}

fn create(node: Ref, node_name: &str, t: &AllocationTarget) -> kinds::Op {
    Op::Create {
        node,
        node_name: node_name.to_string(),
        ip: t.endpoint.ip,
        alias: t.alias.clone(),
        ports: vec![t.endpoint.port],
    }
    .into()
}

/// Allocations on managed nodes that the manifests do not declare: deleted when pruning is
/// on and nothing holds them once the plan is applied.
fn plan_deletes(cx: &mut PlanCx, declared: &HashSet<u64>) {
    let desired = cx.desired;
    let prune = desired.panel.prune.contains(&Kind::Allocation);
    let managed_nodes: HashSet<u64> = desired
        .nodes
        .keys()
        .filter_map(|n| cx.lookup.node_named(n).map(|n| n.id))
        .collect();
    for a in &cx.lookup.live.allocations {
        if !managed_nodes.contains(&a.node_id) || declared.contains(&a.id) {
            continue;
        }
        // Free once its server is deleted, or once the server's update lets go of it: deletes
        // of allocations and users run after the updates.
        let deleted_with = a.server_id.filter(|s| cx.identity.deleted.contains(s));
        let freed = deleted_with.is_some() || cx.identity.released_allocations.contains(&a.id);
        if !prune || (a.assigned && !freed) {
            cx.unmanaged.allocations += 1;
            continue;
        }
        let node = cx.lookup.node_name(a.node_id);
        let address = match a.ip_addr() {
            Some(ip) => Address::allocation(&node, ip, a.port),
            None => Address::new(Kind::Allocation, format!("{node}/{}:{}", a.ip, a.port)),
        };
        let mut c = Change {
            address,
            action: Action::Delete,
            id: Some(a.id),
            attributes: vec![AttrChange {
                name: "alias".into(),
                old: Some(json_of(&a.alias)),
                new: None,
                sensitive: false,
                impact: Impact::None,
                cause: None,
            }],
            unchanged: 0,
            impact: Impact::None,
            cause: None,
            ops: vec![
                Op::Delete {
                    node: a.node_id,
                    id: a.id,
                }
                .into(),
            ],
            calls: Vec::new(),
            depends_on: Vec::new(),
            warnings: Vec::new(),
            origin: None,
        };
        if let Some(s) = deleted_with.and_then(|s| cx.lookup.server_by_id.get(&s)) {
            c.depends_on
                .push(crate::kinds::server::address_of(cx.desired, s));
        }
        cx.push(c);
    }
}

/// One request creates every allocation of a (node, ip, alias) group: the first create of a
/// group carries every port, the others name it. Run on the final list of changes (after
/// `--target`), so that no group loses its request.
pub(crate) fn batch(changes: &mut [Change]) {
    let mut first: HashMap<(Ref, IpAddr, Option<String>), usize> = HashMap::new();
    for i in 0..changes.len() {
        if changes[i].action != Action::Create {
            continue;
        }
        let Some(kinds::Op::Allocation(Op::Create {
            node,
            ip,
            alias,
            ports,
            ..
        })) = changes[i].ops.first()
        else {
            continue;
        };
        let key = (node.clone(), *ip, alias.clone());
        let Some(&lead) = first.get(&key) else {
            first.insert(key, i);
            continue;
        };
        let ports = ports.clone();
        let with = changes[lead].address.clone();
        if let Some(kinds::Op::Allocation(Op::Create { ports: all, .. })) =
            changes[lead].ops.first_mut()
        {
            all.extend(ports);
        }
        changes[i].ops = vec![Op::Batched { with }.into()];
    }
}
