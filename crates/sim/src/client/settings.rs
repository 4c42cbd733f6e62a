//! `/servers/{server}/settings/...` (client/servers.md): rename (Pterodactyl also takes the
//! description), Pelican's separate description route, reinstall (through Wings) and the Docker
//! image, which must be one of the egg's images.

use super::ctx::Cx;
use super::wings::{WingsCall, daemon_error};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Rule, Validator, php_string, string_column_max};
use crate::state::SimState;
use roost_model::Dialect;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Rename,
    Description,
    Reinstall,
    DockerImage,
}

pub fn routes(d: Dialect, tail: &[&str]) -> Vec<(&'static str, Route)> {
    match (d, tail) {
        (_, ["rename"]) => vec![("POST", Route::Rename)],
        (Dialect::Pelican, ["description"]) => vec![("POST", Route::Description)],
        (_, ["reinstall"]) => vec![("POST", Route::Reinstall)],
        (_, ["docker-image"]) => vec![("PUT", Route::DockerImage)],
        _ => vec![],
    }
}

pub fn handle(st: &mut SimState, cx: &mut Cx, sid: u64, route: Route) -> Res {
    match route {
        Route::Rename => rename(st, cx, sid),
        Route::Description => description(st, cx, sid),
        Route::Reinstall => reinstall(st, cx, sid),
        Route::DockerImage => docker_image(st, cx, sid),
    }
}

fn rename(st: &mut SimState, cx: &mut Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("settings.rename")?;
    let mut v = Validator::new(cx.d, &cx.input);
    let max = string_column_max(cx.d);
    v.check("name", &format!("required|string|min:1|max:{max}"));
    if cx.d == Dialect::Pterodactyl {
        v.check("description", "string|nullable");
    }
    validate(v)?;
    let name = cx.str("name").unwrap_or_default();
    // Pterodactyl (since v1.11.3) replaces the description when the key is sent.
    let new_description = (cx.d == Dialect::Pterodactyl && cx.has("description"))
        .then(|| cx.str("description").unwrap_or_default());
    let now = st.now();
    let Some(s) = st.servers.get_mut(&sid) else {
        return Err(ApiErr::not_found());
    };
    let (old_name, old_description) = (s.name.clone(), s.description.clone());
    s.name = name.clone();
    if let Some(d) = &new_description {
        s.description = d.clone();
    }
    s.updated_at = now;
    cx.changed = true;
    if old_name != name {
        cx.log(
            "server:settings.rename",
            Some(sid),
            json!({"old": old_name, "new": name}),
        );
    }
    if let Some(d) = new_description
        && d != old_description
    {
        cx.log(
            "server:settings.description",
            Some(sid),
            json!({"old": old_description, "new": d}),
        );
    }
    Ok(Out::empty())
}

/// Pelican only; with descriptions not editable the answer is a bare `[]` 403.
fn description(st: &mut SimState, cx: &mut Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("settings.description")?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("description", "string|nullable");
    validate(v)?;
    if !st.settings.editable_descriptions {
        return Err(ApiErr {
            raw: Some("[]"),
            ..ApiErr::new(403, "", "")
        });
    }
    let given = cx.get("description").map(php_string);
    let now = st.now();
    let Some(s) = st.servers.get_mut(&sid) else {
        return Err(ApiErr::not_found());
    };
    let old = std::mem::replace(&mut s.description, given.clone().unwrap_or_default());
    if old != s.description {
        s.updated_at = now;
        cx.changed = true;
        cx.log(
            "server:settings.description",
            Some(sid),
            json!({"old": old, "new": given}),
        );
    }
    Ok(Out::empty())
}

/// Marks the server installing and asks Wings to reinstall; a daemon failure rolls the status
/// back. `202` with `[]`.
fn reinstall(st: &mut SimState, cx: &mut Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("settings.reinstall")?;
    let previous = st.servers.get(&sid).and_then(|s| s.status.clone());
    if let Some(s) = st.servers.get_mut(&sid) {
        s.status = Some("installing".into());
    }
    if let Err(e) = cx.wings(st, sid, WingsCall::Reinstall) {
        if let Some(s) = st.servers.get_mut(&sid) {
            s.status = previous;
        }
        return Err(daemon_error(cx.d, &e));
    }
    st.schedule_install(sid);
    cx.changed = true;
    cx.log("server:reinstall", Some(sid), json!({}));
    Ok(Out::json(202, "[]".into()))
}

fn docker_image(st: &mut SimState, cx: &mut Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("startup.docker-image")?;
    let images: Vec<String> = st
        .servers
        .get(&sid)
        .and_then(|s| st.eggs.get(&s.egg_id))
        .map(|e| e.docker_images.iter().map(|(_, i)| i.clone()).collect())
        .unwrap_or_default();
    let mut v = Validator::new(cx.d, &cx.input);
    let mut extra = Vec::new();
    let base = match cx.d {
        Dialect::Pterodactyl => {
            extra.push(Rule::Regex(
                r"/^[\w#\.\/\- ]*\|*[\w\.\/\-:@ ]*$/".to_string(),
            ));
            "required|string|max:191"
        }
        Dialect::Pelican => "required|string",
    };
    extra.push(Rule::In(images.clone()));
    v.check_with("docker_image", None, base, extra);
    validate(v)?;
    let current = st
        .servers
        .get(&sid)
        .map(|s| s.image.clone())
        .unwrap_or_default();
    if !images.contains(&current) {
        return Err(ApiErr::new(
            400,
            "BadRequestHttpException",
            "This server's Docker image has been manually set by an administrator and cannot be updated.",
        ));
    }
    let image = cx.str("docker_image").unwrap_or_default();
    let now = st.now();
    if let Some(s) = st.servers.get_mut(&sid) {
        s.image = image.clone();
        s.updated_at = now;
    }
    cx.changed = true;
    if current != image {
        cx.log(
            "server:startup.image",
            Some(sid),
            json!({"old": current, "new": image}),
        );
    }
    Ok(Out::empty())
}
