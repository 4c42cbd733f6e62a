//! `/servers/{server}/startup` (client/startup.md): the viewable variables with the startup line
//! and the egg's images, and `PUT /startup/variable` for one editable variable, validated with
//! the variable's own rules.

use super::ctx::Cx;
use super::render::{render_variable, server_value, startup_command, viewable_variables};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Rule, Validator, parse_rule, php_string};
use crate::state::SimState;
use crate::util::W;
use roost_model::Dialect;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Get,
    Variable,
}

pub fn routes(tail: &[&str]) -> Vec<(&'static str, Route)> {
    match tail {
        [] => vec![("GET", Route::Get)],
        ["variable"] => vec![("PUT", Route::Variable)],
        _ => vec![],
    }
}

pub fn handle(st: &mut SimState, cx: &mut Cx, sid: u64, route: Route) -> Res {
    match route {
        Route::Get => get(st, cx, sid),
        Route::Variable => update(st, cx, sid),
    }
}

fn get(st: &SimState, cx: &Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("startup.read")?;
    let s = st.servers.get(&sid).ok_or_else(ApiErr::not_found)?;
    let vars = viewable_variables(st, s);
    let mut w = W::new();
    w.obj();
    w.k_str("object", "list");
    w.key("data");
    w.arr();
    for v in &vars {
        render_variable(&mut w, v, server_value(s, v));
    }
    w.end_arr();
    w.key("meta");
    w.obj();
    w.k_str("startup_command", &startup_command(st, s, false));
    w.key("docker_images");
    let images = st.eggs.get(&s.egg_id).map(|e| e.docker_images.as_slice());
    match images {
        // An empty PHP array is a JSON list.
        None | Some([]) => {
            w.arr();
            w.end_arr();
        }
        Some(list) => {
            w.obj();
            for (label, image) in list {
                w.k_str(label, image);
            }
            w.end_obj();
        }
    }
    w.k_str("raw_startup_command", &s.startup);
    w.end_obj();
    w.end_obj();
    Ok(Out::json(200, w.s))
}

fn update(st: &mut SimState, cx: &mut Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("startup.update")?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("key", "required|string");
    v.check("value", "present");
    validate(v)?;
    let key = cx.str("key").unwrap_or_default();
    let s = st.servers.get(&sid).ok_or_else(ApiErr::not_found)?;
    let var = st
        .eggs
        .get(&s.egg_id)
        .and_then(|e| e.variables.iter().find(|v| v.env_variable == key));
    let missing = || {
        ApiErr::new(
            400,
            "BadRequestHttpException",
            "The environment variable you are trying to edit does not exist.",
        )
    };
    let var = match var {
        // Pterodactyl reads the missing variable's value before its own check.
        None if cx.d == Dialect::Pterodactyl => return Err(ApiErr::server("ErrorException")),
        None => return Err(missing()),
        Some(v) if !v.user_viewable => return Err(missing()),
        Some(v) if !v.user_editable => {
            return Err(ApiErr::new(
                400,
                "BadRequestHttpException",
                "The environment variable you are trying to edit is read-only.",
            ));
        }
        Some(v) => v.clone(),
    };
    let value = cx.get("value").cloned();
    let rules: Vec<Rule> = var.rules.iter().map(|r| parse_rule(r)).collect();
    let mut v = Validator::new(cx.d, &cx.input);
    v.run("value", None, cx.raw("value"), &rules);
    validate(v)?;
    let original = server_value(s, &var).map(str::to_string);
    let stored = value.as_ref().map(php_string).unwrap_or_default();
    if let Some(s) = st.servers.get_mut(&sid) {
        s.variables.insert(var.id, stored.clone());
    }
    cx.changed = true;
    let shown = value.as_ref().map(php_string);
    let changed = match cx.d {
        Dialect::Pterodactyl => Some(var.env_variable.as_str()) != shown.as_deref(),
        Dialect::Pelican => original.as_deref() != shown.as_deref(),
    };
    if changed {
        let new = match cx.d {
            Dialect::Pterodactyl => json!(shown),
            Dialect::Pelican => json!(stored),
        };
        cx.log(
            "server:startup.edit",
            Some(sid),
            json!({"variable": var.env_variable, "old": original, "new": new}),
        );
    }
    let s = st.servers.get(&sid).ok_or_else(ApiErr::not_found)?;
    let mut w = W::new();
    render_variable(&mut w, &var, shown.as_deref());
    let mut body = w.s;
    body.pop();
    let meta = json!({
        "startup_command": startup_command(st, s, false),
        "raw_startup_command": s.startup,
    });
    body.push_str(",\"meta\":");
    body.push_str(&meta.to_string());
    body.push('}');
    Ok(Out::json(200, body))
}
