//! The panels' transformers: each resource written straight into the response buffer, with the
//! dialect's attribute set and key order, and `relationships` for requested includes.

use crate::state::*;
use crate::util::{W, ts_iso, ts_model};
use roost_model::Dialect;
use std::collections::BTreeMap;

/// Requested includes as a tree (`servers.user` -> servers -> user), at most 2 levels deep.
#[derive(Debug, Default, Clone)]
pub struct Inc {
    pub children: BTreeMap<String, Inc>,
}

impl Inc {
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Inc {
        let mut root = Inc::default();
        for raw in items {
            for item in raw.split(',') {
                let item = item.trim();
                if item.is_empty() {
                    continue;
                }
                let mut cur = &mut root;
                for seg in item.split('.').take(2) {
                    cur = cur.children.entry(seg.trim().to_string()).or_default();
                }
            }
        }
        root
    }
    pub fn get(&self, name: &str) -> Option<&Inc> {
        self.children.get(name)
    }
    pub fn any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.children.contains_key(*n))
    }
}

pub struct Ctx<'a> {
    pub st: &'a SimState,
    pub d: Dialect,
}

impl Ctx<'_> {
    fn pt(&self) -> bool {
        self.d == Dialect::Pterodactyl
    }
}

fn open(w: &mut W, object: &str) {
    w.obj();
    w.k_str("object", object);
    w.key("attributes");
    w.obj();
}

fn close(w: &mut W) {
    w.end_obj();
    w.end_obj();
}

fn open_rels(w: &mut W) {
    w.key("relationships");
    w.obj();
}

fn list<T>(w: &mut W, items: impl Iterator<Item = T>, mut f: impl FnMut(&mut W, T)) {
    w.obj();
    w.k_str("object", "list");
    w.key("data");
    w.arr();
    for it in items {
        f(w, it);
    }
    w.end_arr();
    w.end_obj();
}

pub fn empty_list(w: &mut W) {
    list(w, std::iter::empty::<()>(), |_, _| {});
}

pub fn location(w: &mut W, c: &Ctx, l: &Location, inc: &Inc) {
    open(w, "location");
    w.k_i64("id", l.id as i64);
    w.k_str("short", &l.short);
    w.k_ostr("long", l.long.as_deref());
    w.k_str("updated_at", &ts_iso(l.updated_at));
    w.k_str("created_at", &ts_iso(l.created_at));
    if inc.any(&["nodes", "servers"]) {
        open_rels(w);
        let node_ids: Vec<u64> =
            c.st.idx
                .nodes_by_location
                .get(&l.id)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default();
        if let Some(sub) = inc.get("nodes") {
            w.key("nodes");
            list(
                w,
                node_ids.iter().filter_map(|n| c.st.nodes.get(n)),
                |w, n| node(w, c, n, sub, &[], None),
            );
        }
        if let Some(sub) = inc.get("servers") {
            w.key("servers");
            list(
                w,
                node_ids.iter().flat_map(|n| c.st.node_servers(*n)),
                |w, s| server(w, c, s, sub),
            );
        }
        w.end_obj();
    }
    close(w);
}

/// Extra aggregate attributes of `GET /nodes/deployable`.
pub struct NodeSums {
    pub memory: i64,
    pub disk: i64,
    pub cpu: i64,
    pub has_servers: bool,
}

pub fn node(w: &mut W, c: &Ctx, n: &Node, inc: &Inc, omit: &[&str], sums: Option<&NodeSums>) {
    let pt = c.pt();
    open(w, "node");
    let show = |k: &str| !omit.contains(&k);
    w.k_i64("id", n.id as i64);
    w.k_str("uuid", &n.uuid);
    w.k_bool("public", n.public);
    w.k_str("name", &n.name);
    if show("description") {
        w.k_ostr("description", n.description.as_deref());
    }
    if pt {
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
    if !pt {
        w.k_i64("cpu", n.cpu);
        w.k_i64("cpu_overallocate", n.cpu_overallocate);
    }
    if show("upload_size") {
        w.k_i64("upload_size", n.upload_size);
    }
    w.k_i64("daemon_listen", n.daemon_listen);
    w.k_i64("daemon_sftp", n.daemon_sftp);
    if !pt && show("daemon_sftp_alias") {
        w.k_ostr("daemon_sftp_alias", n.daemon_sftp_alias.as_deref());
    }
    w.k_str("daemon_base", &n.daemon_base);
    if !pt {
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
        if pt {
            w.k_i64("sum_memory", s.memory);
            w.k_i64("sum_disk", s.disk);
        } else if s.has_servers {
            w.k_i64("servers_sum_memory", s.memory);
            w.k_i64("servers_sum_disk", s.disk);
            w.k_i64("servers_sum_cpu", s.cpu);
        } else {
            w.k_ostr("servers_sum_memory", None);
            w.k_ostr("servers_sum_disk", None);
            w.k_ostr("servers_sum_cpu", None);
        }
    }
    let (m, d, cpu) = c.st.node_usage(n.id);
    w.key("allocated_resources");
    w.obj();
    w.k_i64("memory", m);
    w.k_i64("disk", d);
    if !pt {
        w.k_i64("cpu", cpu);
    }
    w.end_obj();
    let names: &[&str] = if pt {
        &["allocations", "location", "servers"]
    } else {
        &["allocations", "servers"]
    };
    if inc.any(names) {
        open_rels(w);
        if let Some(sub) = inc.get("allocations") {
            w.key("allocations");
            let ids = c.st.idx.allocs_by_node.get(&n.id);
            list(
                w,
                ids.into_iter()
                    .flatten()
                    .filter_map(|a| c.st.allocations.get(a)),
                |w, a| allocation(w, c, a, sub),
            );
        }
        if pt && let Some(sub) = inc.get("location") {
            w.key("location");
            match n.location_id.and_then(|l| c.st.locations.get(&l)) {
                Some(l) => location(w, c, l, sub),
                None => w.null_resource(),
            }
        }
        if let Some(sub) = inc.get("servers") {
            w.key("servers");
            list(w, c.st.node_servers(n.id), |w, s| server(w, c, s, sub));
        }
        w.end_obj();
    }
    close(w);
}

pub fn allocation(w: &mut W, c: &Ctx, a: &Allocation, inc: &Inc) {
    open(w, "allocation");
    w.k_i64("id", a.id as i64);
    w.k_str("ip", &a.ip);
    w.k_ostr("alias", a.alias.as_deref());
    w.k_i64("port", a.port as i64);
    w.k_ostr("notes", a.notes.as_deref());
    w.k_bool("assigned", a.server_id.is_some());
    if inc.any(&["node", "server"]) {
        open_rels(w);
        if let Some(sub) = inc.get("node") {
            w.key("node");
            match c.st.nodes.get(&a.node_id) {
                Some(n) => node(w, c, n, sub, &[], None),
                None => w.null_resource(),
            }
        }
        if let Some(sub) = inc.get("server") {
            w.key("server");
            match a.server_id.and_then(|s| c.st.servers.get(&s)) {
                Some(s) => server(w, c, s, sub),
                None => w.null_resource(),
            }
        }
        w.end_obj();
    }
    close(w);
}

pub fn user(w: &mut W, c: &Ctx, u: &User, inc: &Inc) {
    let pt = c.pt();
    open(w, "user");
    w.k_i64("id", u.id as i64);
    w.k_ostr("external_id", u.external_id.as_deref());
    if !pt {
        w.k_bool("is_managed_externally", u.is_managed_externally);
    }
    w.k_str("uuid", &u.uuid);
    w.k_str("username", &u.username);
    w.k_str("email", &u.email);
    if pt {
        w.k_str("first_name", &u.first_name);
        w.k_str("last_name", &u.last_name);
    }
    w.k_str("language", &u.language);
    w.k_bool("root_admin", c.st.is_root_admin(u));
    if !pt {
        w.k_bool("2fa_enabled", u.use_totp);
    }
    w.k_bool("2fa", u.use_totp);
    w.k_str("created_at", &ts_iso(u.created_at));
    w.k_str("updated_at", &ts_iso(u.updated_at));
    let names: &[&str] = if pt {
        &["servers"]
    } else {
        &["servers", "roles"]
    };
    if inc.any(names) {
        open_rels(w);
        if let Some(sub) = inc.get("servers") {
            w.key("servers");
            list(w, c.st.user_servers(u.id), |w, s| server(w, c, s, sub));
        }
        if !pt && let Some(sub) = inc.get("roles") {
            w.key("roles");
            list(
                w,
                u.roles.iter().filter_map(|r| c.st.roles.get(r)),
                |w, r| role(w, r, sub),
            );
        }
        w.end_obj();
    }
    close(w);
}

pub fn server_installed(d: Dialect, status: Option<&str>) -> i64 {
    let not = match d {
        Dialect::Pterodactyl => matches!(status, Some("installing" | "install_failed")),
        Dialect::Pelican => matches!(
            status,
            Some("installing" | "install_failed" | "reinstall_failed")
        ),
    };
    if not { 0 } else { 1 }
}

pub fn server(w: &mut W, c: &Ctx, s: &Server, inc: &Inc) {
    let pt = c.pt();
    let st = c.st;
    let egg = st.eggs.get(&s.egg_id);
    open(w, "server");
    w.k_i64("id", s.id as i64);
    w.k_ostr("external_id", s.external_id.as_deref());
    w.k_str("uuid", &s.uuid);
    w.k_str("identifier", s.uuid.get(..8).unwrap_or(&s.uuid));
    w.k_str("name", &s.name);
    w.k_str("description", &s.description);
    w.k_ostr("status", s.status.as_deref());
    w.k_bool("suspended", s.status.as_deref() == Some("suspended"));
    w.key("limits");
    w.obj();
    w.k_i64("memory", s.memory);
    w.k_i64("swap", s.swap);
    w.k_i64("disk", s.disk);
    w.k_i64("io", s.io);
    w.k_i64("cpu", s.cpu);
    w.k_ostr("threads", s.threads.as_deref());
    w.k_bool("oom_disabled", s.oom_disabled);
    if !pt {
        w.k_bool("oom_killer", !s.oom_disabled);
    }
    w.end_obj();
    w.key("feature_limits");
    w.obj();
    w.k_oi64("databases", s.database_limit);
    w.k_oi64("allocations", s.allocation_limit);
    w.k_oi64("backups", s.backup_limit);
    w.end_obj();
    w.k_i64("user", s.user_id as i64);
    w.k_i64("node", s.node_id as i64);
    w.k_oi64("allocation", s.allocation_id.map(|a| a as i64));
    if pt {
        w.k_oi64("nest", s.nest_id.map(|n| n as i64));
    }
    w.k_i64("egg", s.egg_id as i64);
    w.key("container");
    w.obj();
    w.k_str("startup_command", &s.startup);
    w.k_str("image", &s.image);
    w.k_i64("installed", server_installed(c.d, s.status.as_deref()));
    w.key("environment");
    w.obj();
    if let Some(egg) = egg {
        for v in &egg.variables {
            let val = s.variables.get(&v.id).unwrap_or(&v.default_value);
            w.k_str(&v.env_variable, val);
        }
    }
    w.k_str("STARTUP", &s.startup);
    if pt {
        let loc = st
            .nodes
            .get(&s.node_id)
            .and_then(|n| n.location_id)
            .and_then(|l| st.locations.get(&l))
            .map(|l| l.short.as_str());
        w.k_ostr("P_SERVER_LOCATION", loc);
    }
    w.k_str("P_SERVER_UUID", &s.uuid);
    if pt {
        w.k_oi64("P_SERVER_ALLOCATION_LIMIT", s.allocation_limit);
    }
    w.end_obj();
    w.end_obj();
    w.k_str("updated_at", &ts_iso(s.updated_at));
    w.k_str("created_at", &ts_iso(s.created_at));
    let names: &[&str] = if pt {
        &[
            "allocations",
            "user",
            "subusers",
            "nest",
            "egg",
            "variables",
            "location",
            "node",
            "databases",
        ]
    } else {
        &[
            "allocations",
            "user",
            "subusers",
            "egg",
            "variables",
            "node",
            "databases",
        ]
    };
    if inc.any(names) {
        open_rels(w);
        for name in names {
            let Some(sub) = inc.get(name) else { continue };
            w.key(name);
            match *name {
                "allocations" => list(w, st.server_allocations(s.id), |w, a| {
                    allocation(w, c, a, sub)
                }),
                "user" => match st.users.get(&s.user_id) {
                    Some(u) => user(w, c, u, sub),
                    None => w.null_resource(),
                },
                "nest" => match s.nest_id.and_then(|n| st.nests.get(&n)) {
                    Some(n) => nest(w, c, n, sub),
                    None => w.null_resource(),
                },
                "egg" => match egg {
                    Some(e) => self::egg(w, c, e, sub),
                    None => w.null_resource(),
                },
                "variables" => {
                    let vars = egg.map(|e| e.variables.as_slice()).unwrap_or(&[]);
                    list(w, vars.iter(), |w, v| {
                        egg_variable(w, c, v, Some(s.variables.get(&v.id).map(|x| x.as_str())))
                    })
                }
                "location" => match st
                    .nodes
                    .get(&s.node_id)
                    .and_then(|n| n.location_id)
                    .and_then(|l| st.locations.get(&l))
                {
                    Some(l) => location(w, c, l, sub),
                    None => w.null_resource(),
                },
                "node" => match st.nodes.get(&s.node_id) {
                    Some(n) => node(w, c, n, sub, &[], None),
                    None => w.null_resource(),
                },
                // Subusers and databases are not modelled: always empty lists.
                _ => empty_list(w),
            }
        }
        w.end_obj();
    }
    close(w);
}

pub fn nest(w: &mut W, c: &Ctx, n: &Nest, inc: &Inc) {
    open(w, "nest");
    w.k_i64("id", n.id as i64);
    w.k_str("uuid", &n.uuid);
    w.k_str("author", &n.author);
    w.k_str("name", &n.name);
    w.k_ostr("description", n.description.as_deref());
    w.k_str("created_at", &ts_iso(n.created_at));
    w.k_str("updated_at", &ts_iso(n.updated_at));
    if inc.any(&["eggs", "servers"]) {
        open_rels(w);
        if let Some(sub) = inc.get("eggs") {
            w.key("eggs");
            list(
                w,
                c.st.eggs.values().filter(|e| e.nest_id == Some(n.id)),
                |w, e| egg(w, c, e, sub),
            );
        }
        if let Some(sub) = inc.get("servers") {
            w.key("servers");
            list(
                w,
                c.st.servers.values().filter(|s| s.nest_id == Some(n.id)),
                |w, s| server(w, c, s, sub),
            );
        }
        w.end_obj();
    }
    close(w);
}

pub fn egg(w: &mut W, c: &Ctx, e: &Egg, inc: &Inc) {
    let pt = c.pt();
    open(w, "egg");
    w.k_i64("id", e.id as i64);
    w.k_str("uuid", &e.uuid);
    w.k_str("name", &e.name);
    if pt {
        w.k_oi64("nest", e.nest_id.map(|n| n as i64));
    }
    w.k_str("author", &e.author);
    w.k_ostr("description", e.description.as_deref());
    if !pt {
        w.k_ostr("icon", None);
        w.key("features");
        match &e.features {
            Some(f) => {
                w.arr();
                for x in f {
                    w.str(x);
                }
                w.end_arr();
            }
            None => w.null(),
        }
        w.key("tags");
        w.arr();
        for t in &e.tags {
            w.str(t);
        }
        w.end_arr();
    }
    w.k_str("docker_image", e.first_image());
    w.key("docker_images");
    w.obj();
    for (l, i) in &e.docker_images {
        w.k_str(l, i);
    }
    w.end_obj();
    // PL resolves inherited config/script inline; PT shows the egg's own values.
    let parent = e.config_extends.and_then(|p| c.st.eggs.get(&p));
    let cfg = if pt { e } else { parent.unwrap_or(e) };
    w.key("config");
    w.obj();
    w.k_value("files", &cfg.config_files);
    w.k_value("startup", &cfg.config_startup);
    w.k_ostr("stop", cfg.config_stop.as_deref());
    w.k_value("logs", &cfg.config_logs);
    w.k_value("file_denylist", &cfg.file_denylist);
    w.k_oi64("extends", e.config_extends.map(|x| x as i64));
    w.end_obj();
    w.k_str("startup", e.startup());
    if !pt {
        w.key("startup_commands");
        w.obj();
        for (l, cmd) in &e.startup_commands {
            w.k_str(l, cmd);
        }
        w.end_obj();
    }
    let sparent = e.script_extends.and_then(|p| c.st.eggs.get(&p));
    let scr = if pt { e } else { sparent.unwrap_or(e) };
    w.key("script");
    w.obj();
    w.k_bool("privileged", scr.script_privileged);
    w.k_ostr("install", scr.script_install.as_deref());
    w.k_str("entry", &scr.script_entry);
    w.k_str("container", &scr.script_container);
    w.k_oi64("extends", e.script_extends.map(|x| x as i64));
    w.end_obj();
    w.k_str("created_at", &ts_iso(e.created_at));
    w.k_str("updated_at", &ts_iso(e.updated_at));
    let names: &[&str] = if pt {
        &["nest", "servers", "config", "script", "variables"]
    } else {
        &["servers", "variables"]
    };
    if inc.any(names) {
        open_rels(w);
        for name in names {
            let Some(sub) = inc.get(name) else { continue };
            w.key(name);
            match *name {
                "nest" => match e.nest_id.and_then(|n| c.st.nests.get(&n)) {
                    Some(n) => nest(w, c, n, sub),
                    None => w.null_resource(),
                },
                "servers" => {
                    let ids = c.st.idx.servers_by_egg.get(&e.id);
                    list(
                        w,
                        ids.into_iter()
                            .flatten()
                            .filter_map(|s| c.st.servers.get(s)),
                        |w, s| server(w, c, s, sub),
                    )
                }
                "config" => match parent {
                    Some(p) => {
                        w.obj();
                        w.key("object");
                        w.null();
                        w.key("attributes");
                        w.obj();
                        w.k_value("files", &p.config_files);
                        w.k_value("startup", &p.config_startup);
                        w.k_ostr("stop", p.config_stop.as_deref());
                        w.k_value("logs", &p.config_logs);
                        w.end_obj();
                        w.end_obj();
                    }
                    None => w.null_resource(),
                },
                "script" => match sparent {
                    Some(p) => {
                        w.obj();
                        w.key("object");
                        w.null();
                        w.key("attributes");
                        w.obj();
                        w.k_bool("privileged", p.script_privileged);
                        w.k_ostr("install", p.script_install.as_deref());
                        w.k_str("entry", &p.script_entry);
                        w.k_str("container", &p.script_container);
                        w.end_obj();
                        w.end_obj();
                    }
                    None => w.null_resource(),
                },
                _ => list(w, e.variables.iter(), |w, v| egg_variable(w, c, v, None)),
            }
        }
        w.end_obj();
    }
    close(w);
}

/// `egg_variable`, or `server_variable` when `server_value` is given.
pub fn egg_variable(w: &mut W, c: &Ctx, v: &EggVariable, server_value: Option<Option<&str>>) {
    open(
        w,
        if server_value.is_some() {
            "server_variable"
        } else {
            "egg_variable"
        },
    );
    w.k_i64("id", v.id as i64);
    w.k_i64("egg_id", v.egg_id as i64);
    w.k_str("name", &v.name);
    w.k_str("description", &v.description);
    w.k_str("env_variable", &v.env_variable);
    w.k_str("default_value", &v.default_value);
    w.k_bool("user_viewable", v.user_viewable);
    w.k_bool("user_editable", v.user_editable);
    if c.pt() {
        w.k_str("rules", &v.rules.join("|"));
    } else {
        w.key("rules");
        w.arr();
        for r in &v.rules {
            w.str(r);
        }
        w.end_arr();
    }
    w.k_str("created_at", &ts_model(v.created_at));
    w.k_str("updated_at", &ts_model(v.updated_at));
    if !c.pt() {
        w.k_oi64("sort", v.sort);
    }
    if let Some(sv) = server_value {
        w.k_ostr("server_value", sv);
    }
    close(w);
}

pub fn role(w: &mut W, r: &Role, inc: &Inc) {
    open(w, "role");
    w.k_i64("id", r.id as i64);
    w.k_str("name", &r.name);
    w.k_str("created_at", &ts_iso(r.created_at));
    w.k_str("updated_at", &ts_iso(r.updated_at));
    if inc.get("permissions").is_some() {
        open_rels(w);
        w.key("permissions");
        list(w, r.permissions.iter(), |w, p| {
            open(w, "permissions");
            w.k_str("name", p);
            w.k_str("created_at", &ts_iso(r.created_at));
            w.k_str("updated_at", &ts_iso(r.updated_at));
            close(w);
        });
        w.end_obj();
    }
    close(w);
}
