//! Problems the panel would not catch, or would catch halfway through an apply: node capacity
//! after the change, new servers on a node in maintenance, and more databases than a server's
//! `features databases=` allows.

use crate::context::PlanCx;
use crate::error::PlanError;
use crate::ownership;
use crate::types::Action;
use roost_model::{Address, Dialect, Kind, Node};
use std::collections::{HashMap, HashSet};

/// Server resources on one node.
#[derive(Default, Clone, Copy)]
struct Use {
    memory: u64,
    disk: u64,
    cpu: u64,
}

impl Use {
    fn add(&mut self, memory: u64, disk: u64, cpu: u64) {
        self.memory += memory;
        self.disk += disk;
        self.cpu += cpu;
    }
}

pub(crate) fn check(cx: &mut PlanCx) {
    capacity(cx);
    maintenance(cx);
    database_limits(cx);
}

/// Each node must hold its servers after the plan, unless it held more before.
fn capacity(cx: &mut PlanCx) {
    let d = cx.desired;
    // Which live servers stay unmanaged on each node (they count against its capacity).
    let managed_ids: HashSet<u64> = cx
        .changes
        .iter()
        .filter(|c| c.address.kind == Kind::Server)
        .filter_map(|c| c.id)
        .collect();
    let desired_ext: HashSet<String> = d
        .servers
        .values()
        .flat_map(|x| ownership::server_ids(d, x))
        .collect();
    let mut before: HashMap<&str, Use> = HashMap::new();
    let mut after: HashMap<&str, Use> = HashMap::new();
    for s in &cx.lookup.live.servers {
        let Some(node) = cx.lookup.node_by_id.get(&s.node) else {
            continue;
        };
        let (memory, disk, cpu) = (
            s.limits.memory.max(0) as u64,
            s.limits.disk.max(0) as u64,
            s.limits.cpu.max(0) as u64,
        );
        before.entry(&node.name).or_default().add(memory, disk, cpu);
        let declared = managed_ids.contains(&s.id)
            || s.external_id
                .as_deref()
                .is_some_and(|e| desired_ext.contains(e));
        if !declared && !cx.identity.deleted.contains(&s.id) {
            after.entry(&node.name).or_default().add(memory, disk, cpu);
        }
    }
    for s in d.servers.values() {
        let l = &s.limits;
        after
            .entry(&s.node)
            .or_default()
            .add(l.memory, l.disk, l.cpu);
    }
    let pelican = cx.dialect == Dialect::Pelican;
    for (name, n) in &d.nodes {
        let b = before.get(name.as_str()).copied().unwrap_or_default();
        let a = after.get(name.as_str()).copied().unwrap_or_default();
        let mut check = |what, used_before, used_after, cap, over, unit| {
            if let Some(e) = over_capacity(
                name,
                n,
                what,
                (used_before, used_after),
                (cap, over),
                unit,
                pelican,
            ) {
                cx.error(e);
            }
        };
        check(
            "memory",
            b.memory,
            a.memory,
            n.memory,
            n.memory_overallocate,
            "MiB",
        );
        check("disk", b.disk, a.disk, n.disk, n.disk_overallocate, "MiB");
        if pelican {
            check("cpu", b.cpu, a.cpu, n.cpu, n.cpu_overallocate, "%");
        }
    }
}

fn over_capacity(
    name: &str,
    n: &Node,
    what: &str,
    (used_before, used_after): (u64, u64),
    (cap, over): (u64, i64),
    unit: &str,
    pelican: bool,
) -> Option<PlanError> {
    // -1 disables the check; Pelican also treats a capacity of 0 as unlimited.
    if over < 0 || (pelican && cap == 0) || used_after <= used_before {
        return None;
    }
    let limit = cap.saturating_mul((100 + over) as u64) / 100;
    (used_after > limit).then(|| {
        PlanError::new("roost::over-capacity", format!("node `{name}` would hold {used_after} {unit} of server {what}, over its capacity of {limit} {unit} ({cap} {unit} + {over}% overallocation)"), Some(n.origin))
            .help(format!("raise the node's `{what}` or its overallocate=, lower the servers' limits, or move servers to another node (now {used_before} {unit} in use)"))
    })
}

/// New servers on a node in maintenance: the panel refuses them.
fn maintenance(cx: &mut PlanCx) {
    let d = cx.desired;
    let mut errors = Vec::new();
    for c in &cx.changes {
        if c.address.kind != Kind::Server || !matches!(c.action, Action::Create | Action::Replace) {
            continue;
        }
        let Some(s) = d.servers.get(&c.address.name) else {
            continue;
        };
        let node = &s.node;
        if d.nodes.get(node).is_some_and(|n| n.maintenance) {
            errors.push(
                PlanError::new("roost::node-in-maintenance", format!("{} would be {} on node `{node}`, which is in maintenance mode", c.address, c.action.verb()), c.origin)
                    .help("take the node out of maintenance (`maintenance #false`) first, or put the server on another node"),
            );
        }
    }
    cx.errors.extend(errors);
}

/// A server's databases after the plan (declared ones, and live ones it keeps because they are
/// not pruned) must fit its `features databases=N`: the panel refuses a create over the limit.
fn database_limits(cx: &mut PlanCx) {
    let d = cx.desired;
    let pruned: HashSet<&Address> = cx
        .deletes
        .iter()
        .filter(|c| c.address.kind == Kind::Database)
        .map(|c| &c.address)
        .collect();
    let mut errors = Vec::new();
    for (key, s) in &d.servers {
        let declared = s.databases.len();
        let Some(limit) = s.features.databases.filter(|_| declared > 0) else {
            continue;
        };
        let parent = Address::new(Kind::Server, key);
        // A server created (again) by this plan has no databases of its own yet.
        let live_server = cx
            .identity
            .server(key)
            .filter(|_| !cx.recreated.contains(&parent));
        let kept = live_server
            .and_then(|l| cx.lookup.databases_by_server.get(&l.id))
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter(|db| {
                let name = db.declared_name();
                !s.databases.contains_key(name)
                    && !pruned.contains(&Address::child(&parent, Kind::Database, name))
            })
            .count();
        if (declared + kept) as u64 <= limit {
            continue;
        }
        let also = if kept > 0 {
            format!(" and keeps {kept} more the panel has (not pruned)")
        } else {
            String::new()
        };
        errors.push(
            PlanError::new(
                "roost::over-limit",
                format!("server `{key}` declares {declared} database(s){also}, over its limit `features databases={limit}`: the panel would refuse the database creates"),
                Some(s.origin),
            )
            .help(format!("raise `features databases=` to at least {}, or declare fewer databases", declared + kept)),
        );
    }
    cx.errors.extend(errors);
}
