//! Nests and eggs: Pterodactyl's `/nests`, `/nests/{id}/eggs[/{egg}]`; Pelican's `/eggs`.

use crate::listing::{item, paginate, plain_list};
use crate::render::{Ctx, Inc, close, list, open, open_rels};
use crate::request::{Req, exists, parse_id};
use crate::response::{ApiErr, Out, Res};
use crate::state::{Egg, EggVariable, Nest, SimState};
use crate::util::{W, ts_iso, ts_model};
use roost_model::Dialect;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    NestList,
    NestGet(String),
    NestEggs(String),
    /// (nest, egg)
    NestEgg(String, String),
    EggList,
    EggGet(String),
    EggDelete(String),
}

/// Nests and eggs in the path must exist, and an egg must belong to its nest.
pub fn bind(st: &SimState, route: &Route) -> Result<(), ApiErr> {
    match route {
        Route::NestGet(i) | Route::NestEggs(i) => exists(st.nests.contains_key(&parse_id(i)?)),
        Route::NestEgg(n, e) => {
            let n = parse_id(n)?;
            exists(st.nests.contains_key(&n))?;
            exists(
                st.eggs
                    .get(&parse_id(e)?)
                    .is_some_and(|e| e.nest_id == Some(n)),
            )
        }
        Route::EggGet(i) | Route::EggDelete(i) => exists(st.eggs.contains_key(&parse_id(i)?)),
        Route::NestList | Route::EggList => Ok(()),
    }
}

pub fn handle(st: &mut SimState, r: &mut Req, route: Route) -> Res {
    match route {
        Route::NestList => {
            let inc = r.includes();
            let items: Vec<&Nest> = st.nests.values().collect();
            paginate(r, st, &items, 50, |w, c, n| render_nest(w, c, n, &inc))
        }
        Route::NestGet(i) => {
            let inc = r.includes();
            let n = &st.nests[&parse_id(&i)?];
            Ok(item(st, 200, |w, c| render_nest(w, c, n, &inc)))
        }
        Route::NestEggs(i) => {
            let i = parse_id(&i)?;
            let inc = r.includes();
            let items: Vec<&Egg> = st.eggs.values().filter(|e| e.nest_id == Some(i)).collect();
            Ok(plain_list(st, &items, |w, c, e| render(w, c, e, &inc)))
        }
        Route::NestEgg(_, e) | Route::EggGet(e) => {
            let inc = r.includes();
            if r.d == Dialect::Pelican && inc.any(&["config", "script"]) {
                // Declared but unimplemented includes crash the PL transformer.
                return Err(ApiErr::server("BadMethodCallException"));
            }
            let e = &st.eggs[&parse_id(&e)?];
            Ok(item(st, 200, |w, c| render(w, c, e, &inc)))
        }
        Route::EggList => {
            let inc = r.includes();
            if inc.any(&["config", "script"]) {
                return Err(ApiErr::server("BadMethodCallException"));
            }
            let items: Vec<&Egg> = st.eggs.values().collect();
            Ok(plain_list(st, &items, |w, c, e| render(w, c, e, &inc)))
        }
        Route::EggDelete(i) => delete(st, r, parse_id(&i)?),
    }
}

fn delete(st: &mut SimState, r: &mut Req, id: u64) -> Res {
    if st
        .idx
        .servers_by_egg
        .get(&id)
        .is_some_and(|s| !s.is_empty())
    {
        return Err(ApiErr::display(
            "HasActiveServersException",
            "An Egg with active servers attached to it cannot be deleted from the Panel.",
        ));
    }
    if st
        .eggs
        .values()
        .any(|e| e.config_extends == Some(id) || e.script_extends == Some(id))
    {
        return Err(ApiErr::display(
            "HasChildrenException",
            "This Egg is a parent to one or more other Eggs. Please delete those Eggs before deleting this Egg.",
        ));
    }
    st.eggs.remove(&id);
    r.changed = true;
    Ok(Out::empty())
}

/// The `nest` object; includes `eggs`, `servers`.
pub fn render_nest(w: &mut W, c: &Ctx, n: &Nest, inc: &Inc) {
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
                |w, e| render(w, c, e, sub),
            );
        }
        if let Some(sub) = inc.get("servers") {
            w.key("servers");
            list(
                w,
                c.st.servers.values().filter(|s| s.nest_id == Some(n.id)),
                |w, s| super::server::render(w, c, s, sub),
            );
        }
        w.end_obj();
    }
    close(w);
}

fn string_list<'a>(w: &mut W, items: impl IntoIterator<Item = &'a String>) {
    w.arr();
    for x in items {
        w.str(x);
    }
    w.end_arr();
}

/// The `egg` object; includes `servers`, `variables`, PT `nest`, `config`, `script`.
pub fn render(w: &mut W, c: &Ctx, e: &Egg, inc: &Inc) {
    open(w, "egg");
    w.k_i64("id", e.id as i64);
    w.k_str("uuid", &e.uuid);
    w.k_str("name", &e.name);
    if c.d == Dialect::Pterodactyl {
        w.k_oi64("nest", e.nest_id.map(|n| n as i64));
    }
    w.k_str("author", &e.author);
    w.k_ostr("description", e.description.as_deref());
    if c.d == Dialect::Pelican {
        w.k_ostr("icon", None);
        w.key("features");
        match &e.features {
            Some(f) => string_list(w, f),
            None => w.null(),
        }
        w.key("tags");
        string_list(w, &e.tags);
    }
    w.k_str("docker_image", e.first_image());
    w.key("docker_images");
    w.obj();
    for (l, i) in &e.docker_images {
        w.k_str(l, i);
    }
    w.end_obj();
    render_config(w, c, e);
    w.k_str("startup", e.startup());
    if c.d == Dialect::Pelican {
        w.key("startup_commands");
        w.obj();
        for (l, cmd) in &e.startup_commands {
            w.k_str(l, cmd);
        }
        w.end_obj();
    }
    render_script(w, c, e);
    w.k_str("created_at", &ts_iso(e.created_at));
    w.k_str("updated_at", &ts_iso(e.updated_at));
    render_relationships(w, c, e, inc);
    close(w);
}

/// The egg a Pelican egg resolves its config (or script) from: PL shows inherited values
/// inline, PT the egg's own.
fn resolved<'a>(c: &Ctx<'a>, e: &'a Egg, parent: Option<u64>) -> &'a Egg {
    match c.d {
        Dialect::Pterodactyl => e,
        Dialect::Pelican => parent.and_then(|p| c.st.eggs.get(&p)).unwrap_or(e),
    }
}

fn render_config(w: &mut W, c: &Ctx, e: &Egg) {
    let cfg = resolved(c, e, e.config_extends);
    w.key("config");
    w.obj();
    w.k_value("files", &cfg.config_files);
    w.k_value("startup", &cfg.config_startup);
    w.k_ostr("stop", cfg.config_stop.as_deref());
    w.k_value("logs", &cfg.config_logs);
    w.k_value("file_denylist", &cfg.file_denylist);
    w.k_oi64("extends", e.config_extends.map(|x| x as i64));
    w.end_obj();
}

fn render_script(w: &mut W, c: &Ctx, e: &Egg) {
    let scr = resolved(c, e, e.script_extends);
    w.key("script");
    w.obj();
    w.k_bool("privileged", scr.script_privileged);
    w.k_ostr("install", scr.script_install.as_deref());
    w.k_str("entry", &scr.script_entry);
    w.k_str("container", &scr.script_container);
    w.k_oi64("extends", e.script_extends.map(|x| x as i64));
    w.end_obj();
}

fn render_relationships(w: &mut W, c: &Ctx, e: &Egg, inc: &Inc) {
    let names: &[&str] = match c.d {
        Dialect::Pterodactyl => &["nest", "servers", "config", "script", "variables"],
        Dialect::Pelican => &["servers", "variables"],
    };
    if !inc.any(names) {
        return;
    }
    open_rels(w);
    for name in names {
        let Some(sub) = inc.get(name) else { continue };
        w.key(name);
        match *name {
            "nest" => match e.nest_id.and_then(|n| c.st.nests.get(&n)) {
                Some(n) => render_nest(w, c, n, sub),
                None => w.null_resource(),
            },
            "servers" => {
                let ids = c.st.idx.servers_by_egg.get(&e.id);
                list(
                    w,
                    ids.into_iter()
                        .flatten()
                        .filter_map(|s| c.st.servers.get(s)),
                    |w, s| super::server::render(w, c, s, sub),
                )
            }
            "config" => match e.config_extends.and_then(|p| c.st.eggs.get(&p)) {
                Some(p) => render_parent_config(w, p),
                None => w.null_resource(),
            },
            "script" => match e.script_extends.and_then(|p| c.st.eggs.get(&p)) {
                Some(p) => render_parent_script(w, p),
                None => w.null_resource(),
            },
            _ => list(w, e.variables.iter(), |w, v| render_variable(w, c, v, None)),
        }
    }
    w.end_obj();
}

/// PT's `config` include: the parent egg's config under `object: null`.
fn render_parent_config(w: &mut W, p: &Egg) {
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

/// PT's `script` include: the parent egg's script under `object: null`.
fn render_parent_script(w: &mut W, p: &Egg) {
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

/// `egg_variable`, or `server_variable` when `server_value` is given.
pub fn render_variable(w: &mut W, c: &Ctx, v: &EggVariable, server_value: Option<Option<&str>>) {
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
    match c.d {
        Dialect::Pterodactyl => w.k_str("rules", &v.rules.join("|")),
        Dialect::Pelican => {
            w.key("rules");
            string_list(w, &v.rules);
        }
    }
    w.k_str("created_at", &ts_model(v.created_at));
    w.k_str("updated_at", &ts_model(v.updated_at));
    if c.d == Dialect::Pelican {
        w.k_oi64("sort", v.sort);
    }
    if let Some(sv) = server_value {
        w.k_ostr("server_value", sv);
    }
    close(w);
}
