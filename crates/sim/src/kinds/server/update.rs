//! `PATCH /servers/{id}/details`, `/build` and `/startup`: each a full replacement of its part.

use super::checks::{
    exists_egg, exists_user, feature_rules, limit_rules, oom_rule, validate_variables,
};
use super::get;
use crate::request::Req;
use crate::response::{ApiErr, Res, validate};
use crate::rules::{Rule, Validator, as_number, is_integer, php_string, string_column_max};
use crate::state::{Server, SimState};
use crate::util::now_unix;
use roost_model::Dialect;
use serde_json::Value;
use std::collections::BTreeSet;

pub fn details(st: &mut SimState, r: &mut Req, sid: u64) -> Res {
    let max = string_column_max(r.d);
    let mut v = Validator::new(r.d, &r.input);
    v.check_with(
        "external_id",
        None,
        &format!("sometimes|nullable|string|between:1,{max}"),
        vec![Rule::Unique(Box::new(|val: &Value| {
            st.idx
                .server_by_external
                .get(&php_string(val))
                .is_none_or(|id| *id == sid)
        }))],
    );
    v.check("name", &format!("required|string|min:1|max:{max}"));
    v.check_with("user", None, "required|integer", vec![exists_user(st)]);
    v.check("description", "nullable|string");
    validate(v)?;
    let old = st.servers[&sid].clone();
    if let Some(s) = st.servers.get_mut(&sid) {
        s.name = r.str("name").unwrap_or_default();
        s.user_id = r.int("user").unwrap_or(0) as u64;
        // Full replacement: omitted keys become null / "".
        s.external_id = r.str("external_id");
        s.description = r.str("description").unwrap_or_default();
        s.updated_at = now_unix();
    }
    st.reindex_server(&old);
    r.changed = true;
    get(st, r, sid)
}

fn check_build(v: &mut Validator, st: &SimState, sid: u64) {
    let d = v.dialect;
    let alloc_ok = |val: &Value| {
        is_integer(val) && as_number(val).is_some_and(|f| st.allocations.contains_key(&(f as u64)))
    };
    let not_other_primary = |val: &Value| {
        let a = as_number(val).map(|f| f as u64);
        !st.servers
            .values()
            .any(|s| s.id != sid && s.allocation_id.is_some() && s.allocation_id == a)
    };
    v.check_with(
        "allocation",
        None,
        match d {
            Dialect::Pterodactyl => "required",
            Dialect::Pelican => "nullable",
        },
        vec![
            Rule::Unique(Box::new(not_other_primary)),
            Rule::Exists(Box::new(alloc_ok)),
        ],
    );
    oom_rule(v);
    v.check("limits", "sometimes|array");
    limit_rules(v, "limits.", "required_with:limits");
    if d == Dialect::Pterodactyl {
        // PT also takes the limits at the top level (the older body).
        limit_rules(v, "", "required_without:limits");
    }
    v.check("add_allocations", "array");
    v.check("remove_allocations", "array");
    for key in ["add_allocations", "remove_allocations"] {
        if let Some(Value::Array(items)) = v.input.get(key) {
            for (i, it) in items.iter().enumerate() {
                v.run(&format!("{key}.{i}"), None, Some(it), &[Rule::Integer]);
            }
        }
    }
    feature_rules(v);
}

/// The allocations a build request adds and removes (those that apply), and what the server
/// holds afterwards.
struct AllocationChanges {
    add: Vec<u64>,
    remove: Vec<u64>,
    owned_after: BTreeSet<u64>,
}

fn allocation_changes(st: &SimState, r: &Req, server: &Server) -> AllocationChanges {
    let sid = server.id;
    let add: Vec<u64> = r
        .ids("add_allocations")
        .into_iter()
        .filter(|a| {
            st.allocations
                .get(a)
                .is_some_and(|x| x.node_id == server.node_id && x.server_id.is_none())
        })
        .collect();
    let remove: Vec<u64> = r
        .ids("remove_allocations")
        .into_iter()
        .filter(|a| {
            st.allocations
                .get(a)
                .is_some_and(|x| x.server_id == Some(sid))
        })
        .filter(|a| !add.contains(a))
        .collect();
    let owned_after: BTreeSet<u64> = st
        .idx
        .allocs_by_server
        .get(&sid)
        .into_iter()
        .flatten()
        .copied()
        .chain(add.iter().copied())
        .filter(|a| !remove.contains(a))
        .collect();
    AllocationChanges {
        add,
        remove,
        owned_after,
    }
}

/// The primary allocation after the build, with each panel's rules for a requested primary that
/// is being removed or not held.
fn primary_after(r: &Req, server: &Server, ch: &AllocationChanges) -> Result<Option<u64>, ApiErr> {
    let requested = r.int("allocation").map(|a| a as u64);
    match r.d {
        Dialect::Pterodactyl => {
            let mut target = requested.or(server.allocation_id);
            if target.is_some_and(|t| r.ids("remove_allocations").contains(&t)) {
                match ch.add.first() {
                    Some(f) => target = Some(*f),
                    None => {
                        return Err(ApiErr::display(
                            "DisplayException",
                            "You are attempting to delete the default allocation for this server but there is no fallback allocation to use.",
                        ));
                    }
                }
            }
            if target != server.allocation_id
                && !target.is_some_and(|t| ch.owned_after.contains(&t))
            {
                return Err(ApiErr::display(
                    "DisplayException",
                    "The requested default allocation is not currently assigned to this server.",
                ));
            }
            Ok(target)
        }
        Dialect::Pelican => match requested {
            None => Ok(None),
            Some(t) if ch.remove.contains(&t) => Ok(ch
                .owned_after
                .iter()
                .copied()
                .next()
                .or_else(|| ch.add.first().copied())),
            Some(t) if ch.owned_after.contains(&t) => Ok(Some(t)),
            Some(_) => Err(ApiErr::not_found()),
        },
    }
}

/// Writes the limits, OOM setting and feature limits of a build request into the row.
fn apply_limits(s: &mut Server, r: &Req) {
    let limits_given = r.get("limits").is_some();
    let top_level_limits = r.d == Dialect::Pterodactyl;
    let lim = |k: &str| -> Option<i64> {
        if limits_given {
            r.int(&format!("limits.{k}"))
        } else if top_level_limits {
            r.int(k)
        } else {
            None
        }
    };
    if let Some(x) = lim("memory") {
        s.memory = x;
    }
    if let Some(x) = lim("swap") {
        s.swap = x;
    }
    if let Some(x) = lim("disk") {
        s.disk = x;
    }
    if let Some(x) = lim("io") {
        s.io = x;
    }
    if let Some(x) = lim("cpu") {
        s.cpu = x;
    }
    if limits_given {
        s.threads = r.str("limits.threads");
    } else if top_level_limits {
        s.threads = r.str("threads");
    }
    match r.d {
        Dialect::Pterodactyl => {
            if let Some(b) = r.boolean("oom_disabled") {
                s.oom_disabled = b;
            }
        }
        Dialect::Pelican => {
            if let Some(b) = r.boolean("oom_killer") {
                s.oom_disabled = !b;
            }
        }
    }
    s.database_limit = r.int("feature_limits.databases");
    s.allocation_limit = r.int("feature_limits.allocations");
    s.backup_limit = Some(r.int("feature_limits.backups").unwrap_or(0));
    s.updated_at = now_unix();
}

pub fn build(st: &mut SimState, r: &mut Req, sid: u64) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    check_build(&mut v, st, sid);
    validate(v)?;
    if r.d == Dialect::Pelican && !r.has("allocation") {
        // PL reads a missing array key in validated(): PHP error -> 500.
        return Err(ApiErr::server("ErrorException"));
    }
    let server = st.servers[&sid].clone();
    let changes = allocation_changes(st, r, &server);
    let primary = primary_after(r, &server, &changes)?;
    for a in &changes.add {
        st.assign_allocation(*a, sid);
        if let Some(x) = st.allocations.get_mut(a) {
            x.notes = None;
        }
    }
    for a in &changes.remove {
        st.release_allocation(*a, true);
    }
    if let Some(s) = st.servers.get_mut(&sid) {
        s.allocation_id = primary;
        apply_limits(s, r);
    }
    r.changed = true;
    get(st, r, sid)
}

pub fn startup(st: &mut SimState, r: &mut Req, sid: u64) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    match r.d {
        Dialect::Pterodactyl => v.check("startup", "required|string"),
        Dialect::Pelican => v.check("startup", "sometimes|string"),
    }
    v.check("environment", "present|array");
    v.check_with("egg", None, "required", vec![exists_egg(st)]);
    match r.d {
        Dialect::Pterodactyl => {
            v.check("image", r"required|string|max:191|regex:/^[\w\.\/\-:@ ]*$/")
        }
        Dialect::Pelican => v.check("image", "sometimes|string"),
    }
    v.check("skip_scripts", "present|boolean");
    validate(v)?;
    let egg_id = r.int("egg").unwrap_or(0) as u64;
    let env = r.input.get("environment").cloned().unwrap_or(Value::Null);
    let non_empty = env.as_object().is_some_and(|o| !o.is_empty())
        || env.as_array().is_some_and(|a| !a.is_empty());
    let vars = if non_empty {
        Some(validate_variables(st, r.d, egg_id, &env)?)
    } else {
        None
    };
    let old = st.servers[&sid].clone();
    // PL takes a new egg's startup command and image when none is sent; PT keeps the old ones.
    let takes_egg_defaults = old.egg_id != egg_id && r.d == Dialect::Pelican;
    let (egg_startup, egg_image, nest) = st
        .eggs
        .get(&egg_id)
        .map(|e| {
            (
                e.startup().to_string(),
                e.first_image().to_string(),
                e.nest_id,
            )
        })
        .unwrap_or_default();
    if let Some(s) = st.servers.get_mut(&sid) {
        if let Some(vars) = vars {
            s.variables = vars.into_iter().collect();
        }
        if let Some(x) = r.str("startup") {
            s.startup = x;
        } else if takes_egg_defaults {
            s.startup = egg_startup;
        }
        if let Some(x) = r.str("image") {
            s.image = x;
        } else if takes_egg_defaults {
            s.image = egg_image;
        }
        s.egg_id = egg_id;
        s.nest_id = nest;
        s.skip_scripts = r.boolean("skip_scripts").unwrap_or(false);
        s.updated_at = now_unix();
    }
    st.reindex_server(&old);
    r.changed = true;
    get(st, r, sid)
}
