//! The Client API's transformers for servers and what they include: the client-flavour
//! `server` (`meta`-less; the view adds `meta`), `allocation`, `egg_variable`, `egg`, the user
//! and subuser objects, and the startup line with values hidden from those who may not read
//! them.

use super::access::Access;
use crate::render::{Ctx, Inc, close, list, open, open_rels};
use crate::state::{Allocation, EggVariable, Server, SimState, Subuser, User};
use crate::util::{W, ts_iso};
use roost_model::Dialect;

use super::digest::md5_hex;

/// The `allocation` object (client flavour).
pub fn render_allocation(w: &mut W, a: &Allocation, primary: Option<u64>, hide_notes: bool) {
    open(w, "allocation");
    w.k_i64("id", a.id as i64);
    w.k_str("ip", &a.ip);
    w.k_ostr("ip_alias", a.alias.as_deref());
    w.k_i64("port", a.port as i64);
    w.k_ostr("notes", if hide_notes { None } else { a.notes.as_deref() });
    w.k_bool("is_default", primary == Some(a.id));
    close(w);
}

/// The variables a client may see (`user_viewable`), in the order the panel lists them:
/// Pterodactyl by id, Pelican by the egg's `sort`.
pub fn viewable_variables<'a>(st: &'a SimState, s: &Server) -> Vec<&'a EggVariable> {
    let mut vars: Vec<&EggVariable> = st
        .eggs
        .get(&s.egg_id)
        .map(|e| e.variables.iter().filter(|v| v.user_viewable).collect())
        .unwrap_or_default();
    if st.dialect == Dialect::Pelican {
        vars.sort_by_key(|v| (v.sort.is_some(), v.sort, v.id));
    }
    vars
}

/// A variable's value for the server: the stored row, or null when the server has none.
pub fn server_value<'a>(s: &'a Server, v: &EggVariable) -> Option<&'a str> {
    s.variables.get(&v.id).map(String::as_str)
}

/// The `egg_variable` object (client flavour) with a given `server_value`.
pub fn render_variable(w: &mut W, v: &EggVariable, value: Option<&str>) {
    open(w, "egg_variable");
    w.k_str("name", &v.name);
    w.k_str("description", &v.description);
    w.k_str("env_variable", &v.env_variable);
    w.k_str("default_value", &v.default_value);
    w.k_ostr("server_value", value);
    w.k_bool("is_editable", v.user_editable);
    w.k_str("rules", &v.rules.join("|"));
    close(w);
}

/// `StartupCommandService`: the startup line with memory, primary IP and port and every
/// variable filled in; values of hidden variables (or all, with `hide_all`) read `[hidden]`.
pub fn startup_command(st: &SimState, s: &Server, hide_all: bool) -> String {
    let primary = s.allocation_id.and_then(|a| st.allocations.get(&a));
    let mut out = s.startup.clone();
    let fixed = [
        ("{{SERVER_MEMORY}}", s.memory.to_string()),
        (
            "{{SERVER_IP}}",
            primary
                .map(|a| a.ip.clone())
                .unwrap_or_else(|| "127.0.0.1".into()),
        ),
        (
            "{{SERVER_PORT}}",
            primary
                .map(|a| a.port.to_string())
                .unwrap_or_else(|| "0".into()),
        ),
    ];
    for (find, replace) in fixed {
        out = out.replace(find, &replace);
    }
    if let Some(egg) = st.eggs.get(&s.egg_id) {
        for v in &egg.variables {
            let value = if v.user_viewable && !hide_all {
                server_value(s, v).unwrap_or(&v.default_value).to_string()
            } else {
                "[hidden]".to_string()
            };
            out = out.replace(&format!("{{{{{}}}}}", v.env_variable), &value);
        }
    }
    out
}

/// The client `user` object (also the body of a `server_subuser`, before `permissions`).
fn user_fields(w: &mut W, st: &SimState, u: &User) {
    let image = format!(
        "https://gravatar.com/avatar/{}",
        md5_hex(u.email.to_lowercase().as_bytes())
    );
    w.k_str("uuid", &u.uuid);
    w.k_str("username", &u.username);
    w.k_str("email", &u.email);
    match st.dialect {
        Dialect::Pterodactyl => {
            w.k_str("image", &image);
            w.k_bool("2fa_enabled", u.use_totp);
            w.k_str("created_at", &ts_iso(u.created_at));
        }
        Dialect::Pelican => {
            let root = st.is_root_admin(u);
            w.k_str("language", &u.language);
            w.k_str("image", &image);
            w.k_bool("admin", root);
            w.k_bool("root_admin", root);
            w.k_bool("2fa_enabled", u.use_totp);
            w.k_str("created_at", &ts_iso(u.created_at));
            w.k_str("updated_at", &ts_iso(u.updated_at));
        }
    }
}

/// The client `user` object.
pub fn render_user(w: &mut W, c: &Ctx, u: &User) {
    open(w, "user");
    user_fields(w, c.st, u);
    close(w);
}

/// The `server_subuser` object: the user's fields and the stored permissions.
pub fn render_subuser(w: &mut W, st: &SimState, s: &Subuser) {
    open(w, "server_subuser");
    if let Some(u) = st.users.get(&s.user_id) {
        user_fields(w, st, u);
    }
    w.k_value("permissions", &s.permissions);
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

/// The `server` object (client flavour) as `access.user` sees it.
pub fn render_server(w: &mut W, st: &SimState, access: &Access, inc: &Inc) {
    let s = access.server;
    let d = st.dialect;
    let node = st.nodes.get(&s.node_id);
    let egg = st.eggs.get(&s.egg_id);
    open(w, "server");
    w.k_bool("server_owner", access.is_owner());
    w.k_str("identifier", s.uuid.get(..8).unwrap_or(&s.uuid));
    w.k_i64("internal_id", s.id as i64);
    w.k_str("uuid", &s.uuid);
    w.k_str("name", &s.name);
    w.k_str("node", node.map(|n| n.name.as_str()).unwrap_or(""));
    w.k_bool(
        "is_node_under_maintenance",
        node.is_some_and(|n| n.maintenance_mode),
    );
    w.key("sftp_details");
    w.obj();
    w.k_str("ip", node.map(|n| n.fqdn.as_str()).unwrap_or(""));
    if d == Dialect::Pelican {
        w.k_ostr("alias", node.and_then(|n| n.daemon_sftp_alias.as_deref()));
    }
    w.k_i64("port", node.map(|n| n.daemon_sftp).unwrap_or(2022));
    w.end_obj();
    if d == Dialect::Pterodactyl || st.settings.editable_descriptions {
        w.k_str("description", &s.description);
    }
    render_limits(w, d, s);
    w.k_str(
        "invocation",
        &startup_command(st, s, !access.can("startup.read")),
    );
    w.k_str("docker_image", &s.image);
    w.key("egg_features");
    match egg.and_then(|e| e.features.as_ref()) {
        Some(f) => {
            w.arr();
            for x in f {
                w.str(x);
            }
            w.end_arr();
        }
        None => w.null(),
    }
    let status = s.status.as_deref();
    w.k_ostr("status", status);
    w.k_bool("is_suspended", status == Some("suspended"));
    w.k_bool("is_installing", super::conflict::not_installed(d, status));
    w.k_bool("is_transferring", s.transferring);
    render_relationships(w, st, access, inc);
    close(w);
}

fn render_relationships(w: &mut W, st: &SimState, access: &Access, inc: &Inc) {
    let s = access.server;
    open_rels(w);
    w.key("allocations");
    if access.can("allocation.read") {
        list(w, st.server_allocations(s.id), |w, a| {
            render_allocation(w, a, s.allocation_id, false)
        });
    } else {
        let primary = s.allocation_id.and_then(|a| st.allocations.get(&a));
        list(w, primary.into_iter(), |w, a| {
            render_allocation(w, a, s.allocation_id, true)
        });
    }
    w.key("variables");
    if access.can("startup.read") {
        list(w, viewable_variables(st, s).into_iter(), |w, v| {
            render_variable(w, v, server_value(s, v))
        });
    } else {
        w.null_resource();
    }
    if inc.get("egg").is_some() {
        w.key("egg");
        match st.eggs.get(&s.egg_id) {
            Some(e) => {
                open(w, "egg");
                w.k_str("uuid", &e.uuid);
                w.k_str("name", &e.name);
                close(w);
            }
            None => w.null_resource(),
        }
    }
    if inc.get("subusers").is_some() {
        w.key("subusers");
        if access.can("user.read") {
            list(w, st.server_subusers(s.id), |w, x| render_subuser(w, st, x));
        } else {
            w.null_resource();
        }
    }
    w.end_obj();
}
