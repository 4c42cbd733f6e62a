//! `POST /servers`: validation, placement (explicit allocations or automatic deployment) and
//! the new row.

use super::checks::{
    exists_egg, exists_user, feature_rules, free_allocation, limit_rules, oom_rule,
    validate_variables,
};
use super::render;
use crate::kinds::allocation::parse_range;
use crate::kinds::node::has_room;
use crate::listing::item;
use crate::request::Req;
use crate::response::{ApiErr, Res, validate};
use crate::rules::{Rule, Validator, php_string, string_column_max};
use crate::state::{Allocation, Node, Server, SimState, server_identifier};
use crate::util::now_unix;
use roost_model::Dialect;
use serde_json::Value;
use std::collections::BTreeSet;

fn check_create(v: &mut Validator, st: &SimState, deploy: bool) {
    let d = v.dialect;
    let max = string_column_max(d);
    v.check_with(
        "external_id",
        None,
        &format!("sometimes|nullable|string|between:1,{max}"),
        vec![Rule::Unique(Box::new(|val: &Value| {
            !st.idx.server_by_external.contains_key(&php_string(val))
        }))],
    );
    v.check("name", &format!("required|string|min:1|max:{max}"));
    v.check("description", "nullable|string");
    v.check_with("user", None, "required|integer", vec![exists_user(st)]);
    v.check_with("egg", None, "required", vec![exists_egg(st)]);
    match d {
        Dialect::Pterodactyl => {
            v.check("docker_image", r"required|max:191|regex:/^[\w\.\/\-:@ ]*$/");
            v.check("startup", "required|string");
        }
        Dialect::Pelican => {
            v.check("docker_image", "string|nullable");
            v.check("startup", "string|nullable");
        }
    }
    v.check("environment", "present|array");
    v.check("skip_scripts", "sometimes|boolean");
    oom_rule(v);
    v.check("limits", "required|array");
    limit_rules(v, "limits.", "required");
    feature_rules(v);
    if !deploy {
        check_allocations(v, st);
    }
    v.check("deploy", "sometimes|required|array");
    match d {
        Dialect::Pterodactyl => v.check("deploy.locations", "array"),
        Dialect::Pelican => v.check("deploy.tags", "array"),
    }
    v.check("deploy.dedicated_ip", "required_with:deploy");
    if d == Dialect::Pelican {
        v.check("deploy.dedicated_ip", "nullable|boolean");
    }
    v.check("deploy.port_range", "array");
    v.check("start_on_completion", "sometimes|boolean");
}

/// `allocation.default` and `allocation.additional.*`: free allocations.
fn check_allocations(v: &mut Validator, st: &SimState) {
    v.check_with(
        "allocation.default",
        None,
        "required|integer",
        vec![Rule::Exists(Box::new(free_allocation(st)))],
    );
    if let Some(Value::Array(add)) = v.input.get("allocation").and_then(|a| a.get("additional")) {
        for (i, a) in add.iter().enumerate() {
            v.run(
                &format!("allocation.additional.{i}"),
                None,
                Some(a),
                &[Rule::Integer, Rule::Exists(Box::new(free_allocation(st)))],
            );
        }
    }
}

/// Where the server goes: (node, primary allocation, additional allocations).
type Placement = (u64, Option<u64>, Vec<u64>);

fn placement(st: &SimState, r: &Req) -> Result<Placement, ApiErr> {
    if r.get("deploy").is_some() {
        let memory = r.int("limits.memory").unwrap_or(0);
        let disk = r.int("limits.disk").unwrap_or(0);
        let cpu = r.int("limits.cpu").unwrap_or(0);
        let (n, a) = deploy_target(st, r, memory, disk, cpu)?;
        Ok((n, a, vec![]))
    } else {
        let a = r.int("allocation.default").unwrap_or(0) as u64;
        let n = st.allocations.get(&a).map(|x| x.node_id).unwrap_or(0);
        Ok((n, Some(a), r.ids("allocation.additional")))
    }
}

pub fn create(st: &mut SimState, r: &mut Req) -> Res {
    let deploy = r.get("deploy").is_some();
    let mut v = Validator::new(r.d, &r.input);
    check_create(&mut v, st, deploy);
    validate(v)?;
    let egg_id = r.int("egg").unwrap_or(0) as u64;
    let (node_id, primary, additional) = placement(st, r)?;
    let env = r.input.get("environment").cloned().unwrap_or(Value::Null);
    let vars = validate_variables(st, r.d, egg_id, &env)?;
    let egg = st.eggs.get(&egg_id);
    let image = r
        .str("docker_image")
        .unwrap_or_else(|| egg.map(|e| e.first_image().to_string()).unwrap_or_default());
    let startup = r
        .str("startup")
        .unwrap_or_else(|| egg.map(|e| e.startup().to_string()).unwrap_or_default());
    let nest_id = egg.and_then(|e| e.nest_id);
    let now = now_unix();
    let uuid = loop {
        let u = st.new_uuid();
        // identifier (first 8 chars) must be unique too.
        if !st
            .idx
            .server_identifiers
            .contains_key(server_identifier(&u))
        {
            break u;
        }
    };
    let oom_disabled = match r.d {
        Dialect::Pterodactyl => r.boolean("oom_disabled").unwrap_or(true),
        Dialect::Pelican => !r.boolean("oom_killer").unwrap_or(false),
    };
    let server = Server {
        id: SimState::next_id(&mut st.counters.server),
        external_id: r.str("external_id"),
        uuid,
        name: r.str("name").unwrap_or_default(),
        description: r.str("description").unwrap_or_default(),
        status: Some("installing".into()),
        memory: r.int("limits.memory").unwrap_or(0),
        swap: r.int("limits.swap").unwrap_or(0),
        disk: r.int("limits.disk").unwrap_or(0),
        io: r.int("limits.io").unwrap_or(500),
        cpu: r.int("limits.cpu").unwrap_or(0),
        threads: r.str("limits.threads"),
        oom_disabled,
        // `?? 0` in ServerCreationService: null feature limits are stored as 0.
        database_limit: Some(r.int("feature_limits.databases").unwrap_or(0)),
        allocation_limit: Some(r.int("feature_limits.allocations").unwrap_or(0)),
        backup_limit: Some(r.int("feature_limits.backups").unwrap_or(0)),
        user_id: r.int("user").unwrap_or(0) as u64,
        node_id,
        allocation_id: primary,
        nest_id,
        egg_id,
        startup,
        image,
        skip_scripts: r.boolean("skip_scripts").unwrap_or(false),
        variables: vars.into_iter().collect(),
        transferring: false,
        created_at: now,
        updated_at: now,
    };
    let sid = server.id;
    st.insert_server(server);
    for a in primary.into_iter().chain(additional) {
        st.assign_allocation(a, sid);
    }
    r.changed = true;
    r.installed.push(sid);
    let inc = r.includes();
    let s = &st.servers[&sid];
    Ok(item(st, 201, |w, c| render(w, c, s, &inc)))
}

/// The `deploy.port_range` entries as inclusive spans (entries that are neither are ignored).
fn deploy_ports(r: &Req) -> Result<Vec<(u64, u64)>, ApiErr> {
    let mut ports = Vec::new();
    if let Some(Value::Array(items)) = r.get("deploy.port_range") {
        for it in items {
            let s = php_string(it);
            if let Some((a, b)) = parse_range(&s) {
                if b.saturating_sub(a) > 1000 {
                    return Err(ApiErr::display(
                        "DisplayException",
                        "You cannot assign more than 1000 ports in a single range.",
                    ));
                }
                ports.push((a, b));
            } else if let Ok(p) = s.parse::<u64>() {
                ports.push((p, p));
            }
        }
    }
    Ok(ports)
}

/// Automatic deployment: the first viable public node and, on it, a free allocation in the port
/// range (on a dedicated IP when asked).
fn deploy_target(
    st: &SimState,
    r: &Req,
    memory: i64,
    disk: i64,
    cpu: i64,
) -> Result<(u64, Option<u64>), ApiErr> {
    let locations = r.ids("deploy.locations");
    let tags: Vec<String> = match r.get("deploy.tags") {
        Some(Value::Array(a)) => a.iter().map(php_string).collect(),
        _ => vec![],
    };
    let wanted = |n: &Node| match r.d {
        Dialect::Pterodactyl => {
            locations.is_empty() || n.location_id.is_some_and(|l| locations.contains(&l))
        }
        Dialect::Pelican => tags.is_empty() || n.tags.iter().any(|t| tags.contains(t)),
    };
    let nodes: Vec<&Node> = st
        .nodes
        .values()
        .filter(|n| n.public && wanted(n))
        .filter(|n| has_room(st, n, memory, disk, cpu))
        .collect();
    let Some(first) = nodes.first() else {
        return Err(ApiErr::display(
            "NoViableNodeException",
            "No nodes satisfying the requirements specified for automatic deployment could be found.",
        ));
    };
    let ports = deploy_ports(r)?;
    let range_given = matches!(r.get("deploy.port_range"), Some(Value::Array(a)) if !a.is_empty());
    if r.d == Dialect::Pelican && !range_given {
        // PL: no port range -> placed without any allocation.
        return Ok((first.id, None));
    }
    let dedicated = r.boolean("deploy.dedicated_ip").unwrap_or(false);
    for n in &nodes {
        if let Some(a) = free_allocation_on(st, n.id, &ports, dedicated) {
            return Ok((n.id, Some(a)));
        }
    }
    Err(ApiErr::display(
        "NoViableAllocationException",
        "No allocations satisfying the requirements for automatic deployment were found.",
    ))
}

/// A free allocation of the node within `ports` (any port when empty), on an IP no server uses
/// when `dedicated`.
fn free_allocation_on(
    st: &SimState,
    node_id: u64,
    ports: &[(u64, u64)],
    dedicated: bool,
) -> Option<u64> {
    let allocs: Vec<&Allocation> = st
        .idx
        .allocs_by_node
        .get(&node_id)
        .into_iter()
        .flatten()
        .filter_map(|a| st.allocations.get(a))
        .collect();
    let used_ips: BTreeSet<&str> = allocs
        .iter()
        .filter(|a| a.server_id.is_some())
        .map(|a| a.ip.as_str())
        .collect();
    allocs
        .iter()
        .find(|a| {
            a.server_id.is_none()
                && (ports.is_empty()
                    || ports
                        .iter()
                        .any(|(lo, hi)| (*lo..=*hi).contains(&(a.port as u64))))
                && (!dedicated || !used_ips.contains(a.ip.as_str()))
        })
        .map(|a| a.id)
}
