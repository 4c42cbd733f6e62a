//! The `server` object and its includes.

use crate::kinds::database::{self, Shown};
use crate::kinds::{allocation, egg, location, node, user};
use crate::render::{Ctx, Inc, close, empty_list, list, open, open_rels};
use crate::state::{Egg, Server};
use crate::util::{W, ts_iso};
use roost_model::Dialect;

/// `container.installed`: 0 while installing or after a failed install, 1 otherwise.
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

/// The `server` object; includes `allocations`, `user`, `subusers`, `egg`, `variables`,
/// `node`, `databases`, PT `nest`, `location`.
pub fn render(w: &mut W, c: &Ctx, s: &Server, inc: &Inc) {
    let egg = c.st.eggs.get(&s.egg_id);
    open(w, "server");
    w.k_i64("id", s.id as i64);
    w.k_ostr("external_id", s.external_id.as_deref());
    w.k_str("uuid", &s.uuid);
    w.k_str("identifier", s.uuid.get(..8).unwrap_or(&s.uuid));
    w.k_str("name", &s.name);
    w.k_str("description", &s.description);
    w.k_ostr("status", s.status.as_deref());
    w.k_bool("suspended", s.status.as_deref() == Some("suspended"));
    render_limits(w, c.d, s);
    w.k_i64("user", s.user_id as i64);
    w.k_i64("node", s.node_id as i64);
    w.k_oi64("allocation", s.allocation_id.map(|a| a as i64));
    if c.d == Dialect::Pterodactyl {
        w.k_oi64("nest", s.nest_id.map(|n| n as i64));
    }
    w.k_i64("egg", s.egg_id as i64);
    render_container(w, c, s, egg);
    w.k_str("updated_at", &ts_iso(s.updated_at));
    w.k_str("created_at", &ts_iso(s.created_at));
    render_relationships(w, c, s, egg, inc);
    close(w);
}

fn render_limits(w: &mut W, d: Dialect, s: &Server) {
    w.key("limits");
    w.obj();
    w.k_i64("memory", s.memory);
    w.k_i64("swap", s.swap);
    w.k_i64("disk", s.disk);
    w.k_i64("io", s.io);
    w.k_i64("cpu", s.cpu);
    w.k_ostr("threads", s.threads.as_deref());
    w.k_bool("oom_disabled", s.oom_disabled);
    if d == Dialect::Pelican {
        w.k_bool("oom_killer", !s.oom_disabled);
    }
    w.end_obj();
    w.key("feature_limits");
    w.obj();
    w.k_oi64("databases", s.database_limit);
    w.k_oi64("allocations", s.allocation_limit);
    w.k_oi64("backups", s.backup_limit);
    w.end_obj();
}

fn render_container(w: &mut W, c: &Ctx, s: &Server, egg: Option<&Egg>) {
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
    if c.d == Dialect::Pterodactyl {
        let location =
            c.st.nodes
                .get(&s.node_id)
                .and_then(|n| n.location_id)
                .and_then(|l| c.st.locations.get(&l))
                .map(|l| l.short.as_str());
        w.k_ostr("P_SERVER_LOCATION", location);
    }
    w.k_str("P_SERVER_UUID", &s.uuid);
    if c.d == Dialect::Pterodactyl {
        w.k_oi64("P_SERVER_ALLOCATION_LIMIT", s.allocation_limit);
    }
    w.end_obj();
    w.end_obj();
}

fn render_relationships(w: &mut W, c: &Ctx, s: &Server, egg: Option<&Egg>, inc: &Inc) {
    let st = c.st;
    let names: &[&str] = match c.d {
        Dialect::Pterodactyl => &[
            "allocations",
            "user",
            "subusers",
            "nest",
            "egg",
            "variables",
            "location",
            "node",
            "databases",
        ],
        Dialect::Pelican => &[
            "allocations",
            "user",
            "subusers",
            "egg",
            "variables",
            "node",
            "databases",
        ],
    };
    if !inc.any(names) {
        return;
    }
    open_rels(w);
    for name in names {
        let Some(sub) = inc.get(name) else { continue };
        w.key(name);
        match *name {
            "allocations" => list(w, st.server_allocations(s.id), |w, a| {
                allocation::render(w, c, a, sub)
            }),
            "user" => match st.users.get(&s.user_id) {
                Some(u) => user::render(w, c, u, sub),
                None => w.null_resource(),
            },
            "nest" => match s.nest_id.and_then(|n| st.nests.get(&n)) {
                Some(n) => egg::render_nest(w, c, n, sub),
                None => w.null_resource(),
            },
            "egg" => match egg {
                Some(e) => egg::render(w, c, e, sub),
                None => w.null_resource(),
            },
            "variables" => {
                let vars = egg.map(|e| e.variables.as_slice()).unwrap_or(&[]);
                list(w, vars.iter(), |w, v| {
                    egg::render_variable(w, c, v, Some(s.variables.get(&v.id).map(|x| x.as_str())))
                })
            }
            "location" => match st
                .nodes
                .get(&s.node_id)
                .and_then(|n| n.location_id)
                .and_then(|l| st.locations.get(&l))
            {
                Some(l) => location::render(w, c, l, sub),
                None => w.null_resource(),
            },
            "node" => match st.nodes.get(&s.node_id) {
                Some(n) => node::render(w, c, n, sub, &[], None),
                None => w.null_resource(),
            },
            // The transformer names each item `databases`, not `server_database`.
            "databases" => list(w, st.server_databases(s.id), |w, d| {
                database::render_as(w, c, d, sub, Shown::Stored, "databases")
            }),
            // Subusers are not modelled: always an empty list.
            _ => empty_list(w),
        }
    }
    w.end_obj();
}
