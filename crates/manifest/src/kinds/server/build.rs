//! A server's merged draft → `roost_model::Server`: required fields, references to users and
//! nodes, allocations resolved and claimed once, defaults filled in.

use super::{ServerDecl, ServerDraft, endpoints, notes};
use crate::diag::{Problem, Span};
use crate::kinds::{database, file, schedule, subuser};
use crate::parse::Rules;
use crate::resolve::undefined;
use crate::value::Sp;
use roost_model::{
    Address, AllocationKey, Desired, DialectChoice, Endpoint, FeatureLimits, Limits, Server,
};
use std::collections::HashMap;
use std::net::IpAddr;

/// What building servers needs from the rest of the set, and the allocations claimed so far.
pub(crate) struct ServerContext<'a> {
    pub rules: Rules,
    /// Locations, nodes, allocations and users, resolved.
    pub desired: &'a Desired,
    pub ips_by_node: &'a HashMap<&'a str, Vec<IpAddr>>,
    pub node_names: Vec<&'a str>,
    pub user_names: Vec<&'a str>,
    /// Which server claims each allocation, and where.
    pub claimed: HashMap<AllocationKey, (String, Span)>,
}

/// The server `key` from its merged draft `d`, or `None` after reporting why not.
pub(crate) fn build(
    key: &str,
    decl: &ServerDecl,
    d: ServerDraft,
    cx: &mut ServerContext,
    problems: &mut Vec<Problem>,
) -> Option<Server> {
    let before = problems.len();
    let owner = owner(key, decl, &d, cx, problems);
    let node = node(key, decl, &d, cx, problems);
    require_fields(key, decl, &d, cx.rules, problems);
    let mut allocation = None;
    let mut additional = Vec::new();
    if let Some(node) = &node {
        if let Some(a) = &d.allocation {
            allocation = endpoints::resolve(key, a, node, cx, problems);
        }
        for a in d.additional.iter().flatten() {
            if let Some(ep) = endpoints::resolve(key, a, node, cx, problems) {
                additional.push(ep);
            }
        }
    }
    if problems.len() != before {
        return None;
    }
    let allocation_notes = notes::resolve(key, &d, allocation, &additional, problems);
    if problems.len() != before {
        return None;
    }
    let mut s = assemble(key, decl, d, owner?, node?.v, allocation, additional)?;
    s.allocation_notes = allocation_notes;
    Some(s)
}

/// "server `KEY` has no `FIELD`", unless the field was written with a typo or a rejected value
/// (reported where it is written).
fn missing(key: &str, decl: &ServerDecl, d: &ServerDraft, field: &str, example: &str) -> Option<Problem> {
    (!d.written.contains(field)).then(|| {
        Problem::new(
            "roost::missing-field",
            format!("server `{key}` has no `{field}`"),
            decl.span,
            format!("`{field}` missing"),
        )
        .help(format!("add it to the server or its template: {example}"))
    })
}

fn owner(
    key: &str,
    decl: &ServerDecl,
    d: &ServerDraft,
    cx: &ServerContext,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match &d.owner {
        Some(o) if cx.desired.users.contains_key(&o.v) => Some(o.v.clone()),
        Some(o) => {
            problems.push(undefined(
                "user",
                &o.v,
                o.span,
                &cx.user_names,
                &format!("declare it: user \"{}\" {{ email \"...\" }}", o.v),
            ));
            None
        }
        None => {
            problems.extend(missing(key, decl, d, "owner", "owner \"alice\""));
            None
        }
    }
}

fn node(
    key: &str,
    decl: &ServerDecl,
    d: &ServerDraft,
    cx: &ServerContext,
    problems: &mut Vec<Problem>,
) -> Option<Sp<String>> {
    match &d.node {
        Some(n) if cx.desired.nodes.contains_key(&n.v) => Some(n.clone()),
        Some(n) => {
            problems.push(undefined(
                "node",
                &n.v,
                n.span,
                &cx.node_names,
                &format!("declare it: node \"{}\" {{ ... }}", n.v),
            ));
            None
        }
        None => {
            problems.extend(missing(key, decl, d, "node", "node \"fra-1\""));
            None
        }
    }
}

fn require_fields(
    key: &str,
    decl: &ServerDecl,
    d: &ServerDraft,
    rules: Rules,
    problems: &mut Vec<Problem>,
) {
    let missing = |field: &str, example: &str| missing(key, decl, d, field, example);
    if d.egg.is_none() {
        problems.extend(missing("egg", "egg \"Paper\" nest=\"Minecraft\""));
    }
    if d.limits.memory.is_none() {
        problems.extend(missing(
            "limits memory",
            "limits memory=\"4GiB\" disk=\"20GiB\"",
        ));
    }
    if d.limits.disk.is_none() {
        problems.extend(missing(
            "limits disk",
            "limits memory=\"4GiB\" disk=\"20GiB\"",
        ));
    }
    if d.allocation.is_none() && rules.choice == DialectChoice::Pterodactyl {
        problems.extend(
            missing("allocation", "allocation \"10.0.0.5:25565\"").map(|p| {
                p.help(
                "Pterodactyl servers need a primary allocation: add allocation \"10.0.0.5:25565\"",
            )
            }),
        );
    }
    if d.allocation.is_none() && d.additional.as_ref().is_some_and(|a| !a.is_empty()) {
        problems.extend(
            missing("allocation", "allocation \"10.0.0.5:25565\"")
                .map(|p| p.help("a server with additional allocations needs a primary one")),
        );
    }
}

/// The server with every default filled in.
fn assemble(
    key: &str,
    decl: &ServerDecl,
    d: ServerDraft,
    owner: String,
    node: String,
    allocation: Option<Endpoint>,
    additional_allocations: Vec<Endpoint>,
) -> Option<Server> {
    Some(Server {
        key: key.to_string(),
        name: d.name.map(|n| n.v).unwrap_or_else(|| key.to_string()),
        description: d
            .description
            .map(|x| x.v.trim_end().to_string())
            .unwrap_or_default(),
        owner,
        node,
        egg: d.egg?.v,
        image: d.image.map(|x| x.v),
        startup: d.startup.map(|x| x.v),
        limits: Limits {
            memory: d.limits.memory?.v as u64,
            swap: d.limits.swap.map(|x| x.v).unwrap_or(0),
            disk: d.limits.disk?.v as u64,
            io: d.limits.io.map(|x| x.v as u64).unwrap_or(500),
            cpu: d.limits.cpu.map(|x| x.v as u64).unwrap_or(0),
            threads: d.limits.threads.and_then(|x| x.v),
            oom_killer: d.limits.oom_killer.map(|x| x.v).unwrap_or(false),
        },
        features: FeatureLimits {
            databases: d.features.databases.map(|x| x.v).unwrap_or(Some(0)),
            allocations: d.features.allocations.map(|x| x.v).unwrap_or(Some(0)),
            backups: d.features.backups.map(|x| x.v).unwrap_or(Some(0)),
        },
        allocation,
        additional_allocations,
        allocation_notes: Vec::new(),
        environment_origins: d
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.span.origin()))
            .collect(),
        environment: d.env.into_iter().map(|(k, v)| (k, v.v)).collect(),
        suspended: d.suspended.map(|x| x.v).unwrap_or(false),
        external_id: d.external_id.map(|x| x.v),
        skip_scripts: d.skip_scripts.map(|x| x.v).unwrap_or(false),
        power: d.power.map(|x| x.v),
        depends_on_origins: d
            .depends_on
            .iter()
            .flatten()
            .map(|a| a.span.origin())
            .collect(),
        depends_on: d
            .depends_on
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.v)
            .collect::<Vec<Address>>(),
        databases: database::resolved(d.databases),
        schedules: schedule::resolved(d.schedules),
        subusers: subuser::resolved(d.subusers),
        files: file::resolved(d.files),
        template: decl.from.as_ref().map(|f| f.v.clone()),
        protect: d.protect.map(|x| x.v).unwrap_or(false),
        adopt: d.adopt.map(|x| x.v),
        moved_from: d.moved_from.map(|x| x.v),
        ignore: d.ignore.unwrap_or_default(),
        origin: decl.key.span.origin(),
    })
}
