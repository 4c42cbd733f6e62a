//! Servers as the client sees them (client/servers.md): the list (`GET /api/client`, with
//! `type=owner|admin|admin-all`, filters and pagination), one server with `meta`, and the
//! routes that talk to Wings right away: resources, power, command and the websocket token.

use super::access::{Access, forbidden};
use super::ctx::Cx;
use super::jwt::{Scope, TokenRequest, sign};
use super::listing::{Links, paginate, per_page};
use super::render::render_server;
use super::wings::{WingsAnswer, WingsCall, WingsError, daemon_error};
use crate::listing::{check_filters, partial};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Regex, Validator};
use crate::state::{Server, SimState};
use crate::util::W;
use roost_model::Dialect;
use serde_json::{Value, json};

/// `MultiFieldServerFilter` (`filter[*]`): an IP, `IP:port` or `:port` matches allocations
/// (IP exact, port prefix); anything else the uuid (exact or prefix), identifier, external id
/// or name (substring).
fn multi_field(st: &SimState, s: &Server, value: &str) -> bool {
    let ipv4 = Regex::parse_php(r"/^(?:[0-9]{1,3}\.){3}[0-9]{1,3}(\:\d{1,5})?$/")
        .is_some_and(|r| r.is_match(value));
    let port_only = Regex::parse_php(r"/^:\d{1,5}$/").is_some_and(|r| r.is_match(value));
    if ipv4 || port_only {
        let (ip, port) = match value.split_once(':') {
            Some((ip, port)) => (ip, Some(port)),
            None => (value, None),
        };
        return st.server_allocations(s.id).any(|a| {
            let port_ok = port.is_none_or(|p| a.port.to_string().starts_with(p));
            if value.starts_with(':') {
                port_ok
            } else {
                a.ip == ip && port_ok
            }
        });
    }
    s.uuid == value
        || s.uuid.starts_with(value)
        || s.uuid.get(..8) == Some(value)
        || s.external_id.as_deref() == Some(value)
        || s.name.to_lowercase().contains(&value.to_lowercase())
}

/// `GET /api/client`.
pub fn list(st: &SimState, cx: &Cx) -> Res {
    let filters = cx.filters();
    check_filters(
        &filters,
        &["uuid", "name", "description", "external_id", "*"],
    )?;
    let user = st.users.get(&cx.user).ok_or_else(ApiErr::not_found)?;
    let root = st.is_root_admin(user);
    let mine: Vec<u64> = st
        .user_servers(cx.user)
        .map(|s| s.id)
        .chain(st.subuser_servers(cx.user))
        .collect();
    let kind = cx.q("type").map(str::to_string).or_else(|| cx.str("type"));
    let wanted = |s: &Server| match kind.as_deref() {
        Some("admin") => root && !mine.contains(&s.id),
        Some("admin-all") => root,
        Some("owner") => s.user_id == cx.user,
        _ => mine.contains(&s.id),
    };
    let items: Vec<&Server> = st
        .servers
        .values()
        .filter(|s| wanted(s))
        .filter(|s| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "uuid" => partial(Some(&s.uuid), v),
                "name" => partial(Some(&s.name), v),
                "description" => partial(Some(&s.description), v),
                "external_id" => partial(s.external_id.as_deref(), v),
                _ => multi_field(st, s, v),
            })
        })
        .collect();
    let inc = cx.includes();
    let pp = per_page(cx, 50, 100)?;
    Ok(paginate(
        cx,
        st,
        &items,
        pp,
        Links::KeepQuery,
        |_| {},
        |w, c, s| {
            if let Some(a) = Access::of(c.st, cx.user, s.id) {
                render_server(w, c.st, &a, &inc);
            }
        },
    ))
}

/// `GET /servers/{server}`: the server plus `meta.is_server_owner` and `meta.user_permissions`.
pub fn view(st: &SimState, cx: &Cx, sid: u64) -> Res {
    let access = cx.access(st, sid)?;
    let inc = cx.includes();
    let mut w = W::new();
    render_server(&mut w, st, &access, &inc);
    let mut s = w.s;
    s.pop();
    let meta = json!({
        "is_server_owner": access.is_owner(),
        "user_permissions": access.user_permissions(),
    });
    s.push_str(",\"meta\":");
    s.push_str(&meta.to_string());
    s.push('}');
    Ok(Out::json(200, s))
}

/// `GET /servers/{server}/resources`: Wings' view of the server, cached 20 seconds per server
/// (`settings.resources_cache_s`).
/// Pterodactyl answers 504 for any daemon failure (and caches nothing); Pelican answers 200
/// with state `missing` (and caches that).
pub fn resources(st: &mut SimState, cx: &Cx, sid: u64) -> Res {
    let now = st.now();
    let cached = st
        .resources_cache
        .get(&sid)
        .filter(|(until, _)| now < *until)
        .map(|(_, v)| v.clone());
    let data = match cached {
        Some(v) => v,
        None => {
            let v = match cx.wings(st, sid, WingsCall::Details) {
                Ok(WingsAnswer::Json(v)) => v,
                Ok(_) => Value::Object(Default::default()),
                Err(_) if cx.d == Dialect::Pelican => json!({"state": "missing"}),
                Err(_) => return Err(daemon_error(cx.d, &WingsError::Unreachable)),
            };
            let until = now + st.settings.resources_cache_s;
            st.resources_cache.insert(sid, (until, v.clone()));
            v
        }
    };
    let get = |path: &str, default: Value| {
        crate::rules::get_path(&data, path)
            .cloned()
            .unwrap_or(default)
    };
    let body = json!({
        "object": "stats",
        "attributes": {
            "current_state": get("state", "stopped".into()),
            "is_suspended": get("is_suspended", false.into()),
            "resources": {
                "memory_bytes": get("utilization.memory_bytes", 0.into()),
                "cpu_absolute": get("utilization.cpu_absolute", 0.into()),
                "disk_bytes": get("utilization.disk_bytes", 0.into()),
                "network_rx_bytes": get("utilization.network.rx_bytes", 0.into()),
                "network_tx_bytes": get("utilization.network.tx_bytes", 0.into()),
                "uptime": get("utilization.uptime", 0.into()),
            }
        }
    });
    Ok(Out::json(200, body.to_string()))
}

/// The permission a power signal needs; an unknown signal needs one nobody holds on
/// Pterodactyl (subusers get 403 before validation) and `websocket.connect` on Pelican.
fn power_permission(d: Dialect, signal: Option<&Value>) -> &'static str {
    match signal.and_then(Value::as_str) {
        Some("start") => "control.start",
        Some("stop" | "kill") => "control.stop",
        Some("restart") => "control.restart",
        _ => match d {
            Dialect::Pterodactyl => "__invalid",
            Dialect::Pelican => "websocket.connect",
        },
    }
}

/// `POST /servers/{server}/power`.
pub fn power(st: &SimState, cx: &mut Cx, sid: u64) -> Res {
    cx.access(st, sid)?
        .require(power_permission(cx.d, cx.raw("signal")))?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("signal", "required|string|in:start,stop,restart,kill");
    validate(v)?;
    let signal = cx.str("signal").unwrap_or_default();
    cx.wings(
        st,
        sid,
        WingsCall::Power {
            signal: signal.clone(),
        },
    )
    .map_err(|e| daemon_error(cx.d, &e))?;
    cx.log(
        &format!("server:power.{}", signal.to_lowercase()),
        Some(sid),
        json!({}),
    );
    Ok(Out::empty())
}

/// `POST /servers/{server}/command`. A stopped server (Wings 502): Pterodactyl says so with a
/// 502; Pelican's plain HTTP client does not notice any daemon answer and says 204.
pub fn command(st: &SimState, cx: &mut Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("control.console")?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("command", "required|string|min:1");
    validate(v)?;
    let command = cx.str("command").unwrap_or_default();
    let result = cx.wings(
        st,
        sid,
        WingsCall::Command {
            command: command.clone(),
        },
    );
    match (cx.d, result) {
        (_, Ok(_)) | (Dialect::Pelican, Err(WingsError::Status { .. })) => {}
        (Dialect::Pterodactyl, Err(WingsError::Status { status: 502, .. })) => {
            return Err(ApiErr::new(
                502,
                "HttpException",
                "Server must be online in order to send commands.",
            ));
        }
        (_, Err(e)) => return Err(daemon_error(cx.d, &e)),
    }
    cx.log(
        "server:console.command",
        Some(sid),
        json!({ "command": command }),
    );
    Ok(Out::empty())
}

/// `GET /servers/{server}/websocket`: a token for the node's websocket (10 minutes).
pub fn websocket(st: &mut SimState, cx: &Cx, sid: u64) -> Res {
    let (permissions, transferring) = {
        let access = cx.access(st, sid)?;
        if !access.can("websocket.connect") {
            return Err(forbidden(
                "You do not have permission to connect to this server's websocket.",
            ));
        }
        (access.user_permissions(), access.server.transferring)
    };
    if transferring && !permissions.iter().any(|p| p == "admin.websocket.transfer") {
        return Err(forbidden(
            "You do not have permission to view server transfer logs.",
        ));
    }
    let (server, node, user) = owned(st, sid, cx.user)?;
    let now = st.now();
    let token = sign(
        cx.d,
        &mut st.rng,
        TokenRequest {
            node: &node,
            panel_url: cx.base,
            user: &user,
            identified_by: format!("{}{}", user.id, server.uuid),
            now,
            ttl_secs: 600,
            scope: Scope::Websocket,
            claims: vec![
                ("server_uuid", server.uuid.clone().into()),
                ("permissions", json!(permissions)),
            ],
        },
    );
    let socket = cx
        .daemon_address(&node)
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    let body = json!({"data": {"token": token, "socket": format!("{socket}/api/servers/{}/ws", server.uuid)}});
    Ok(Out::json(200, body.to_string()))
}

/// Copies of a server, its node and a user, for signing while the rng is borrowed.
pub fn owned(
    st: &SimState,
    sid: u64,
    uid: u64,
) -> Result<(Server, crate::state::Node, crate::state::User), ApiErr> {
    let server = st
        .servers
        .get(&sid)
        .cloned()
        .ok_or_else(ApiErr::not_found)?;
    let node = st
        .nodes
        .get(&server.node_id)
        .cloned()
        .ok_or_else(ApiErr::not_found)?;
    let user = st.users.get(&uid).cloned().ok_or_else(ApiErr::not_found)?;
    Ok((server, node, user))
}
