//! Nodes: `/nodes`, `/nodes/{id}`, `/nodes/{id}/configuration`, `/nodes/deployable`.

use crate::listing::{
    check_filters, item, item_with_resource, paginate, partial, plain_list, sorts,
};
use crate::render::{Ctx, Inc, close, list, open, open_rels};
use crate::request::{Req, exists, parse_id};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Rule, Validator, as_number, get_path, is_integer, php_string};
use crate::state::{Node, SimState};
use crate::util::{W, now_unix, random_alnum, ts_iso};
use roost_model::Dialect;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    Deployable,
    Get(String),
    Patch(String),
    Delete(String),
    Configuration(String),
}

pub fn bind(st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::Get(i) | Route::Patch(i) | Route::Delete(i) | Route::Configuration(i) => {
            exists(st.nodes.contains_key(&parse_id(i)?))
        }
        Route::List | Route::Create | Route::Deployable => Ok(()),
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::List => list_nodes(st, r),
        Route::Get(i) => {
            let inc = r.includes();
            let n = &st.nodes[&parse_id(&i)?];
            Ok(item(st, 200, |w, c| render(w, c, n, &inc, &[], None)))
        }
        Route::Create => save(st, r, None),
        Route::Patch(i) => save(st, r, Some(parse_id(&i)?)),
        Route::Delete(i) => delete(st, r, parse_id(&i)?),
        Route::Configuration(i) => Ok(configuration(st, r, parse_id(&i)?)),
        Route::Deployable => deployable(st, r),
    }
}

fn list_nodes(st: &SimState, r: &Req) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["uuid", "name", "fqdn", "daemon_token_id"])?;
    let allowed: &[&str] = match r.d {
        Dialect::Pterodactyl => &["id", "uuid", "memory", "disk"],
        Dialect::Pelican => &["id", "uuid", "memory", "disk", "cpu"],
    };
    let sort = sorts(r, allowed)?;
    let inc = r.includes();
    let mut items: Vec<&Node> = st
        .nodes
        .values()
        .filter(|n| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "uuid" => partial(Some(&n.uuid), v),
                "name" => partial(Some(&n.name), v),
                "fqdn" => partial(Some(&n.fqdn), v),
                _ => partial(Some(&n.daemon_token_id), v),
            })
        })
        .collect();
    for (f, desc) in sort.iter().rev() {
        items.sort_by(|a, b| {
            let o = match f.as_str() {
                "uuid" => a.uuid.cmp(&b.uuid),
                "memory" => a.memory.cmp(&b.memory),
                "disk" => a.disk.cmp(&b.disk),
                "cpu" => a.cpu.cmp(&b.cpu),
                _ => a.id.cmp(&b.id),
            };
            if *desc { o.reverse() } else { o }
        });
    }
    paginate(r, st, &items, 50, |w, c, n| {
        render(w, c, n, &inc, &[], None)
    })
}

fn pterodactyl_rules(v: &mut Validator, st: &SimState) {
    v.check("name", r"required|regex:/^([\w .-]{1,100})$/");
    v.check_with(
        "location_id",
        None,
        "required",
        vec![Rule::Exists(Box::new(|val: &Value| {
            is_integer(val)
                && as_number(val).is_some_and(|f| st.locations.contains_key(&(f as u64)))
        }))],
    );
    v.check("public", "boolean");
    v.check("fqdn", "required|string");
    v.check("scheme", "required");
    v.check("behind_proxy", "boolean");
    v.check("memory", "required|numeric|min:1");
    v.check("memory_overallocate", "required|numeric|min:-1");
    v.check("disk", "required|numeric|min:1");
    v.check("disk_overallocate", "required|numeric|min:-1");
    v.check(
        "daemon_base",
        r"sometimes|required|regex:/^([\/][\d\w.\-\/]+)$/",
    );
    v.check("daemon_sftp", "required|numeric|between:1,65535");
    v.check("daemon_listen", "required|numeric|between:1,65535");
    v.check("maintenance_mode", "boolean");
    v.check("upload_size", "int|between:1,1024");
}

/// `lenient_fqdn`: an older Pelican (before beta19) that accepts local fqdns.
fn pelican_rules(v: &mut Validator, lenient_fqdn: bool) {
    v.check("name", "required|string|min:1|max:100");
    v.check("description", "string|nullable");
    v.check("public", "boolean");
    v.check(
        "fqdn",
        if lenient_fqdn {
            "required|string"
        } else {
            "required|string|notIn:0.0.0.0,127.0.0.1,localhost"
        },
    );
    v.check("scheme", "required|string|in:http,https");
    v.check("behind_proxy", "boolean");
    v.check("memory", "required|numeric|min:0");
    v.check("memory_overallocate", "required|numeric|min:-1");
    v.check("disk", "required|numeric|min:0");
    v.check("disk_overallocate", "required|numeric|min:-1");
    v.check("cpu", "required|numeric|min:0");
    v.check("cpu_overallocate", "required|numeric|min:-1");
    v.check(
        "daemon_base",
        r"sometimes|required|regex:/^([\/][\d\w.\-\/]+)$/",
    );
    v.check("daemon_sftp", "required|numeric|between:1,65535");
    v.check("daemon_sftp_alias", "nullable|string");
    v.check("daemon_listen", "required|numeric|between:1,65535");
    v.check("daemon_connect", "required|numeric|between:1,65535");
    v.check("maintenance_mode", "boolean");
    v.check("upload_size", "int|min:1");
    v.check("tags", "array");
}

/// A node row before the request's values are applied.
fn blank_node(st: &mut SimState, now: i64) -> Node {
    let uuid = st.new_uuid();
    Node {
        id: 0,
        uuid,
        public: true,
        name: String::new(),
        description: None,
        location_id: None,
        fqdn: String::new(),
        scheme: String::new(),
        behind_proxy: false,
        maintenance_mode: false,
        memory: 0,
        memory_overallocate: 0,
        disk: 0,
        disk_overallocate: 0,
        cpu: 0,
        cpu_overallocate: 0,
        upload_size: 100,
        daemon_listen: 8080,
        daemon_sftp: 2022,
        daemon_sftp_alias: None,
        daemon_base: String::new(),
        daemon_connect: 8080,
        tags: vec![],
        daemon_token_id: random_alnum(&mut st.rng, 16),
        daemon_token: random_alnum(&mut st.rng, 64),
        created_at: now,
        updated_at: now,
    }
}

/// Writes the validated request into the row (a create and an update take the same body).
fn apply_input(node: &mut Node, r: &Req) {
    node.name = r.str("name").unwrap_or_default();
    node.fqdn = r.str("fqdn").unwrap_or_default();
    node.scheme = r.str("scheme").unwrap_or_default();
    node.memory = r.int("memory").unwrap_or(0);
    node.memory_overallocate = r.int("memory_overallocate").unwrap_or(0);
    node.disk = r.int("disk").unwrap_or(0);
    node.disk_overallocate = r.int("disk_overallocate").unwrap_or(0);
    node.daemon_listen = r.int("daemon_listen").unwrap_or(8080);
    node.daemon_sftp = r.int("daemon_sftp").unwrap_or(2022);
    // (quirk) both request classes fill daemon_base with the default when it is omitted.
    node.daemon_base = r
        .str("daemon_base")
        .unwrap_or_else(|| r.d.default_daemon_base().to_string());
    if let Some(b) = r.boolean("public") {
        node.public = b;
    }
    if let Some(b) = r.boolean("behind_proxy") {
        node.behind_proxy = b;
    }
    if let Some(b) = r.boolean("maintenance_mode") {
        node.maintenance_mode = b;
    }
    if let Some(u) = r.int("upload_size") {
        node.upload_size = u;
    }
    match r.d {
        Dialect::Pterodactyl => node.location_id = r.int("location_id").map(|l| l as u64),
        Dialect::Pelican => apply_pelican_input(node, r),
    }
}

fn apply_pelican_input(node: &mut Node, r: &Req) {
    node.cpu = r.int("cpu").unwrap_or(0);
    node.cpu_overallocate = r.int("cpu_overallocate").unwrap_or(0);
    node.daemon_connect = r.int("daemon_connect").unwrap_or(8080);
    if r.has("description") {
        node.description = r.str("description");
    }
    if r.has("daemon_sftp_alias") {
        node.daemon_sftp_alias = r.str("daemon_sftp_alias");
    }
    if let Some(Value::Array(tags)) = r.get("tags") {
        node.tags = tags.iter().map(php_string).collect();
    } else if let Some(Value::Object(tags)) = r.get("tags") {
        node.tags = tags.values().map(php_string).collect();
    }
}

fn save(st: &mut SimState, r: &mut Req, existing: Option<u64>) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    match r.d {
        Dialect::Pterodactyl => pterodactyl_rules(&mut v, st),
        Dialect::Pelican => pelican_rules(&mut v, r.lenient_fqdn),
    }
    validate(v)?;
    let now = now_unix();
    let reset = r.input.get("reset_secret") == Some(&Value::Bool(true));
    let mut node = match existing {
        Some(i) => st.nodes[&i].clone(),
        None => blank_node(st, now),
    };
    let old_location = node.location_id;
    apply_input(&mut node, r);
    if reset {
        node.daemon_token_id = random_alnum(&mut st.rng, 16);
        node.daemon_token = random_alnum(&mut st.rng, 64);
    }
    node.updated_at = now;
    r.changed = true;
    let inc = r.includes();
    match existing {
        Some(i) => {
            if old_location != node.location_id
                && let Some(l) = old_location
                && let Some(s) = st.idx.nodes_by_location.get_mut(&l)
            {
                s.remove(&i);
            }
            st.insert_node(node);
            let n = &st.nodes[&i];
            Ok(item(st, 200, |w, c| render(w, c, n, &inc, &[], None)))
        }
        None => {
            node.id = SimState::next_id(&mut st.counters.node);
            let nid = node.id;
            st.insert_node(node);
            // PL does not re-read the row: attributes that were not sent are absent.
            let omit: Vec<&str> = match r.d {
                Dialect::Pterodactyl => Vec::new(),
                Dialect::Pelican => ["description", "daemon_sftp_alias", "upload_size"]
                    .into_iter()
                    .filter(|k| !r.has(k))
                    .collect(),
            };
            let n = &st.nodes[&nid];
            Ok(item_with_resource(
                st,
                r.url(&format!("/nodes/{nid}")),
                |w, c| render(w, c, n, &inc, &omit, None),
            ))
        }
    }
}

fn delete(st: &mut SimState, r: &mut Req, id: u64) -> Res {
    if st
        .idx
        .servers_by_node
        .get(&id)
        .is_some_and(|s| !s.is_empty())
    {
        return Err(ApiErr::display(
            "HasActiveServersException",
            "A node must have no servers linked to it in order to be deleted.",
        ));
    }
    if let Some(n) = st.nodes.remove(&id)
        && let Some(l) = n.location_id
        && let Some(s) = st.idx.nodes_by_location.get_mut(&l)
    {
        s.remove(&id);
    }
    let allocs: Vec<u64> = st
        .idx
        .allocs_by_node
        .remove(&id)
        .map(|s| s.into_iter().collect())
        .unwrap_or_default();
    for a in allocs {
        st.remove_allocation(a);
    }
    r.changed = true;
    Ok(Out::empty())
}

/// Wings' configuration file, a raw object without the envelope.
fn configuration(st: &SimState, r: &Req, nid: u64) -> Out {
    let n = &st.nodes[&nid];
    let fq = n.fqdn.to_lowercase();
    let v = json!({
        "debug": false,
        "uuid": n.uuid,
        "token_id": n.daemon_token_id,
        "token": n.daemon_token,
        "api": {
            "host": "0.0.0.0",
            "port": n.daemon_listen,
            "ssl": {
                "enabled": n.scheme == "https" && !n.behind_proxy,
                "cert": format!("/etc/letsencrypt/live/{fq}/fullchain.pem"),
                "key": format!("/etc/letsencrypt/live/{fq}/privkey.pem"),
            },
            "upload_limit": n.upload_size,
        },
        "system": {"data": n.daemon_base, "sftp": {"bind_port": n.daemon_sftp}},
        "allowed_mounts": [],
        "remote": r.base,
    });
    Out::json(200, v.to_string())
}

/// Whether `node` has room for a server of this size. Pelican skips a resource whose capacity is
/// 0 (unlimited) or whose overallocation is negative, and counts CPU; Pterodactyl does neither.
pub fn has_room(st: &SimState, node: &Node, memory: i64, disk: i64, cpu: i64) -> bool {
    let (used_memory, used_disk, used_cpu) = st.node_usage(node.id);
    let unchecked = |cap: i64, over: i64| match st.dialect {
        Dialect::Pterodactyl => false,
        Dialect::Pelican => cap <= 0 || over < 0,
    };
    let fits = |used: i64, wanted: i64, cap: i64, over: i64| {
        unchecked(cap, over) || (used + wanted) as f64 <= cap as f64 * (1.0 + over as f64 / 100.0)
    };
    let cpu_fits = match st.dialect {
        Dialect::Pterodactyl => true,
        Dialect::Pelican => fits(used_cpu, cpu, node.cpu, node.cpu_overallocate),
    };
    fits(used_memory, memory, node.memory, node.memory_overallocate)
        && fits(used_disk, disk, node.disk, node.disk_overallocate)
        && cpu_fits
}

/// Query-string values of `GET /nodes/deployable`, as the body the panels validate them as.
fn query_as_input(r: &Req) -> Value {
    let mut input = Map::new();
    for (k, v) in &r.query {
        if let Some(base) = k.strip_suffix("[]") {
            let e = input
                .entry(base.to_string())
                .or_insert_with(|| Value::Array(vec![]));
            if let Value::Array(a) = e {
                a.push(Value::String(v.clone()));
            }
        } else {
            input.insert(k.clone(), Value::String(v.clone()));
        }
    }
    let mut input = Value::Object(input);
    crate::rules::normalize(&mut input);
    input
}

fn deployable(st: &SimState, r: &Req) -> Res {
    let input = query_as_input(r);
    let mut v = Validator::new(r.d, &input);
    v.check("memory", "required|integer|min:0");
    v.check("disk", "required|integer|min:0");
    match r.d {
        Dialect::Pterodactyl => v.check("location_ids", "array"),
        Dialect::Pelican => {
            v.check("cpu", "sometimes|integer|min:0");
            v.check("tags", "array");
        }
    }
    v.check("page", "integer");
    validate(v)?;
    let num = |k: &str| get_path(&input, k).and_then(as_number).unwrap_or(0.0) as i64;
    let list_of = |k: &str| -> Vec<String> {
        match get_path(&input, k) {
            Some(Value::Array(a)) => a.iter().map(php_string).collect(),
            _ => vec![],
        }
    };
    let locations: Vec<u64> = list_of("location_ids")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let tags = list_of("tags");
    let wanted = |n: &Node| match r.d {
        Dialect::Pterodactyl => {
            locations.is_empty() || n.location_id.is_some_and(|l| locations.contains(&l))
        }
        Dialect::Pelican => tags.is_empty() || n.tags.iter().any(|t| tags.contains(t)),
    };
    let found: Vec<(&Node, NodeSums)> = st
        .nodes
        .values()
        .filter(|n| n.public && wanted(n))
        .filter(|n| has_room(st, n, num("memory"), num("disk"), num("cpu")))
        .map(|n| (n, NodeSums::of(st, n.id)))
        .collect();
    let inc = r.includes();
    match r.d {
        Dialect::Pterodactyl if found.is_empty() => Err(ApiErr::display(
            "NoViableNodeException",
            "No nodes satisfying the requirements specified for automatic deployment could be found.",
        )),
        Dialect::Pterodactyl if r.q("page").is_some() => {
            paginate(r, st, &found, 50, |w, c, (n, s)| {
                render(w, c, n, &inc, &[], Some(s))
            })
        }
        _ => Ok(plain_list(st, &found, |w, c, (n, s)| {
            render(w, c, n, &inc, &[], Some(s))
        })),
    }
}

/// Extra aggregate attributes of `GET /nodes/deployable`.
pub struct NodeSums {
    pub memory: i64,
    pub disk: i64,
    pub cpu: i64,
    pub has_servers: bool,
}

impl NodeSums {
    fn of(st: &SimState, node_id: u64) -> NodeSums {
        let (memory, disk, cpu) = st.node_usage(node_id);
        let has_servers = st
            .idx
            .servers_by_node
            .get(&node_id)
            .is_some_and(|s| !s.is_empty());
        NodeSums {
            memory,
            disk,
            cpu,
            has_servers,
        }
    }
}

/// The `node` object. `omit`: attributes left out (a Pelican create shows only what was sent);
/// `sums`: the deployable listing's aggregates. Includes `allocations`, `servers`, PT `location`.
pub fn render(w: &mut W, c: &Ctx, n: &Node, inc: &Inc, omit: &[&str], sums: Option<&NodeSums>) {
    open(w, "node");
    let show = |k: &str| !omit.contains(&k);
    w.k_i64("id", n.id as i64);
    w.k_str("uuid", &n.uuid);
    w.k_bool("public", n.public);
    w.k_str("name", &n.name);
    if show("description") {
        w.k_ostr("description", n.description.as_deref());
    }
    if c.d == Dialect::Pterodactyl {
        w.k_oi64("location_id", n.location_id.map(|l| l as i64));
    }
    w.k_str("fqdn", &n.fqdn);
    w.k_str("scheme", &n.scheme);
    w.k_bool("behind_proxy", n.behind_proxy);
    w.k_bool("maintenance_mode", n.maintenance_mode);
    w.k_i64("memory", n.memory);
    w.k_i64("memory_overallocate", n.memory_overallocate);
    w.k_i64("disk", n.disk);
    w.k_i64("disk_overallocate", n.disk_overallocate);
    if c.d == Dialect::Pelican {
        w.k_i64("cpu", n.cpu);
        w.k_i64("cpu_overallocate", n.cpu_overallocate);
    }
    if show("upload_size") {
        w.k_i64("upload_size", n.upload_size);
    }
    w.k_i64("daemon_listen", n.daemon_listen);
    w.k_i64("daemon_sftp", n.daemon_sftp);
    if c.d == Dialect::Pelican && show("daemon_sftp_alias") {
        w.k_ostr("daemon_sftp_alias", n.daemon_sftp_alias.as_deref());
    }
    w.k_str("daemon_base", &n.daemon_base);
    if c.d == Dialect::Pelican {
        w.k_i64("daemon_connect", n.daemon_connect);
        w.key("tags");
        w.arr();
        for t in &n.tags {
            w.str(t);
        }
        w.end_arr();
    }
    w.k_str("created_at", &ts_iso(n.created_at));
    w.k_str("updated_at", &ts_iso(n.updated_at));
    if let Some(s) = sums {
        render_sums(w, c.d, s);
    }
    let (memory, disk, cpu) = c.st.node_usage(n.id);
    w.key("allocated_resources");
    w.obj();
    w.k_i64("memory", memory);
    w.k_i64("disk", disk);
    if c.d == Dialect::Pelican {
        w.k_i64("cpu", cpu);
    }
    w.end_obj();
    render_relationships(w, c, n, inc);
    close(w);
}

fn render_sums(w: &mut W, d: Dialect, s: &NodeSums) {
    match d {
        Dialect::Pterodactyl => {
            w.k_i64("sum_memory", s.memory);
            w.k_i64("sum_disk", s.disk);
        }
        Dialect::Pelican if s.has_servers => {
            w.k_i64("servers_sum_memory", s.memory);
            w.k_i64("servers_sum_disk", s.disk);
            w.k_i64("servers_sum_cpu", s.cpu);
        }
        Dialect::Pelican => {
            w.k_ostr("servers_sum_memory", None);
            w.k_ostr("servers_sum_disk", None);
            w.k_ostr("servers_sum_cpu", None);
        }
    }
}

fn render_relationships(w: &mut W, c: &Ctx, n: &Node, inc: &Inc) {
    let names: &[&str] = match c.d {
        Dialect::Pterodactyl => &["allocations", "location", "servers"],
        Dialect::Pelican => &["allocations", "servers"],
    };
    if !inc.any(names) {
        return;
    }
    open_rels(w);
    if let Some(sub) = inc.get("allocations") {
        w.key("allocations");
        let ids = c.st.idx.allocs_by_node.get(&n.id);
        list(
            w,
            ids.into_iter()
                .flatten()
                .filter_map(|a| c.st.allocations.get(a)),
            |w, a| super::allocation::render(w, c, a, sub),
        );
    }
    if c.d == Dialect::Pterodactyl
        && let Some(sub) = inc.get("location")
    {
        w.key("location");
        match n.location_id.and_then(|l| c.st.locations.get(&l)) {
            Some(l) => super::location::render(w, c, l, sub),
            None => w.null_resource(),
        }
    }
    if let Some(sub) = inc.get("servers") {
        w.key("servers");
        list(w, c.st.node_servers(n.id), |w, s| {
            super::server::render(w, c, s, sub)
        });
    }
    w.end_obj();
}
