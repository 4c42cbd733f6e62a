//! One Client API request through each panel's order of checks (client/README.md §9, with what
//! the running panels showed):
//!
//! 1. route (404/405); Pelican resolves route-model bindings first (404);
//! 2. authentication (401), JSON body (400), the key's IP allow-list (403);
//! 3. Pterodactyl resolves bindings (404); an application key is refused (403) — neither is
//!    counted by the client limiter nor carries its headers on either panel;
//! 4. the client limit per user (429); every later answer carries the rate-limit headers;
//! 5. server access (404 hiding the server), state conflict (409), Pterodactyl's
//!    "not this server's" check for databases bound globally (404);
//! 6. the route's per-server limiter (Pelican; Pterodactyl's file-pull throttle) (429);
//! 7. the handler: permission (403), validation (422), then the controller's own answers.

use super::access::Access;
use super::ctx::Cx;
use super::limits::{Exceeded, Passed, limiter_key, limiter_rule};
use super::routes::{self, Route};
use super::{Bound, activity, bind, conflict, dispatch};
use crate::http::{
    err_response, expects_json, out_response, read_input, route_error, too_many, with_rate_headers,
};
use crate::response::{ApiErr, Res};
use crate::rules::normalize;
use crate::state::SimState;
use crate::{Shared, lock};
use axum::body::Body;
use axum::http::{HeaderMap, Response};
use roost_model::Dialect;
use serde_json::Value;

/// The path prefix of the Client API.
pub const CLIENT_PREFIX: &str = "/api/client";

/// The request as the transport hands it over.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The client's IP address.
    pub peer: &'a str,
}

/// Who a bearer token authenticates.
enum Key {
    /// An account key of `user` (`key`: its row, when the sim stores it).
    Client {
        user: u64,
        key: Option<u64>,
        allowed_ips: Vec<String>,
    },
    Application,
}

fn authenticate(sh: &Shared, st: &SimState, headers: &HeaderMap) -> Option<Key> {
    let token = crate::http::bearer(sh.dialect, headers)?;
    if token == sh.token {
        return Some(Key::Application);
    }
    if let Some(k) = st.find_api_key(token) {
        return Some(Key::Client {
            user: k.user_id,
            key: Some(k.id),
            allowed_ips: k.allowed_ips.clone(),
        });
    }
    (token == sh.client_token).then(|| Key::Client {
        user: st.api_key_owner,
        key: None,
        allowed_ips: Vec::new(),
    })
}

/// Whether `ip` lies in `range` (an address or CIDR block).
fn in_range(ip: &str, range: &str) -> bool {
    let Ok(ip) = ip.parse::<std::net::IpAddr>() else {
        return false;
    };
    let (base, mask) = match range.split_once('/') {
        Some((b, m)) => (b, m.parse::<u32>().ok()),
        None => (range, None),
    };
    let Ok(base) = base.parse::<std::net::IpAddr>() else {
        return false;
    };
    let bits = |a: std::net::IpAddr| -> (u128, u32) {
        match a {
            std::net::IpAddr::V4(v) => (u32::from(v) as u128, 32),
            std::net::IpAddr::V6(v) => (u128::from(v), 128),
        }
    };
    let ((a, width), (b, width_b)) = (bits(ip), bits(base));
    if width != width_b {
        return false;
    }
    let mask = mask.unwrap_or(width).min(width);
    let shift = width - mask;
    shift >= 128 || (a >> shift) == (b >> shift)
}

/// The client's JSON input with the query string underneath (Laravel validates `all()`), and
/// the global trimming — skipped for file routes addressed by full uuid, as both panels do.
fn input_of(route: &Route, body: Value, query: &[(String, String)]) -> Value {
    let mut input = match body {
        Value::Object(o) => Value::Object(o),
        _ => Value::Object(Default::default()),
    };
    if let Value::Object(o) = &mut input {
        for (k, v) in query {
            if !k.contains('[') && !o.contains_key(k) {
                o.insert(k.clone(), Value::from(v.clone()));
            }
        }
    }
    let untrimmed =
        matches!(route, Route::Server(id, routes::ServerRoute::Files(_)) if id.len() == 36);
    if untrimmed {
        empty_to_null(&mut input);
    } else {
        normalize(&mut input);
    }
    input
}

/// `ConvertEmptyStringsToNull` alone.
fn empty_to_null(v: &mut Value) {
    match v {
        Value::String(s) if s.is_empty() => *v = Value::Null,
        Value::Array(a) => a.iter_mut().for_each(empty_to_null),
        Value::Object(o) => o.values_mut().for_each(empty_to_null),
        _ => {}
    }
}

/// The client limit per user: `Ok(None)` when off.
fn client_throttle(sh: &Shared, st: &SimState, user: u64) -> Result<Option<Passed>, Exceeded> {
    let Some(limit) = lock(&sh.rt).client_rate_limit else {
        return Ok(None);
    };
    let key = st
        .users
        .get(&user)
        .map(|u| format!("client:{}", u.uuid))
        .unwrap_or_default();
    lock(&sh.client_windows)
        .hit(&key, limit, 60, st.now())
        .map(Some)
}

/// Steps 5 to 7: the handler's result, or the answer of a route limiter.
fn run(
    sh: &Shared,
    st: &mut SimState,
    cx: &mut Cx,
    route: Route,
    bound: &Bound,
) -> Result<Res, Box<Response<Body>>> {
    if let Route::Server(_, sr) = &route {
        let sid = bound.server.unwrap_or(0);
        let Some(access) = Access::of(st, cx.user, sid) else {
            return Ok(Err(ApiErr::not_found()));
        };
        if !access.may_enter() {
            return Ok(Err(ApiErr::new(
                404,
                "NotFoundHttpException",
                "The requested resource does not exist on this server.",
            )));
        }
        if let Err(e) = conflict::check(st, &access, sr.conflict_class()) {
            return Ok(Err(e));
        }
        if bound.foreign {
            return Ok(Err(ApiErr::new(
                404,
                "NotFoundHttpException",
                "The requested resource was not found for this server.",
            )));
        }
        if let Some((l, rule)) = sr.limiter().and_then(|l| Some((l, limiter_rule(cx.d, l)?))) {
            let key = limiter_key(cx.d, l, &access.server.uuid, &access.user.uuid);
            if let Err(x) = lock(&sh.client_windows).hit(&key, rule.0, rule.1, st.now()) {
                return Err(Box::new(too_many(x.limit, x.retry_after, st.now())));
            }
        }
    }
    let account = matches!(route, Route::Account(_));
    let result = dispatch(st, cx, route, bound);
    if result.is_ok() {
        activity::record(st, cx, account);
    }
    Ok(result)
}

pub fn process(sh: &Shared, req: Request) -> Response<Body> {
    let json = expects_json(req.headers);
    let client_path = req.path.strip_prefix(CLIENT_PREFIX).unwrap_or("");
    let route = match routes::route(sh.dialect, req.method, client_path) {
        Ok(r) => r,
        Err(e) => return err_response(sh, &route_error(req.method, req.path, e), json),
    };
    let wings = lock(&sh.wings).clone();
    // The daemon as the faults make it look to the panel, for this request and for the
    // schedule tasks that fall due before it.
    let daemon_faults = lock(&sh.rt).faults.wings.clone();
    let faulty = crate::wings::faulty::Faulty::new(wings.clone(), daemon_faults);
    let mut st = lock(&sh.state);
    let settled = super::remote::settle(&mut st, wings.as_ref())
        | super::runner::settle(&mut st, &faulty, &sh.url);
    if st.settle_installs() || settled {
        sh.save(&st);
    }
    let early = (sh.dialect == Dialect::Pelican).then(|| bind(&st, &route));
    if let Some(Err(e)) = &early {
        return err_response(sh, e, json);
    }
    let Some(key) = authenticate(sh, &st, req.headers) else {
        let e = ApiErr::new(401, "AuthenticationException", "Unauthenticated.");
        return err_response(sh, &e, json);
    };
    let body = match read_input(req.headers, req.body) {
        Ok(v) => v,
        Err(e) => return err_response(sh, &e, json),
    };
    if let Key::Client { allowed_ips, .. } = &key
        && !allowed_ips.is_empty()
        && !allowed_ips.iter().any(|r| in_range(req.peer, r))
    {
        let e = ApiErr::new(
            403,
            "AccessDeniedHttpException",
            format!(
                "This IP address ({}) does not have permission to access the API using these credentials.",
                req.peer
            ),
        );
        return err_response(sh, &e, json);
    }
    let bound = match early {
        Some(Ok(b)) => b,
        _ => match bind(&st, &route) {
            Ok(b) => b,
            Err(e) => return err_response(sh, &e, json),
        },
    };
    let Key::Client { user, key, .. } = key else {
        let e = ApiErr::new(
            403,
            "AccessDeniedHttpException",
            "You are attempting to use an application API key on an endpoint that requires a client API key.",
        );
        return err_response(sh, &e, json);
    };
    let rate = match client_throttle(sh, &st, user) {
        Ok(r) => r.map(|p| (p.limit, p.remaining)),
        Err(x) => return too_many(x.limit, x.retry_after, st.now()),
    };
    let now = st.now();
    if let Some(k) = key.and_then(|k| st.api_keys.get_mut(&k)) {
        k.last_used_at = Some(now);
    }
    let query = crate::util::parse_query(req.query);
    let mut cx = Cx {
        d: sh.dialect,
        base: &sh.url,
        path: client_path,
        input: input_of(&route, body, &query),
        query,
        user,
        key,
        ip: req.peer.to_string(),
        wings: &faulty,
        body_text: String::from_utf8_lossy(req.body).into_owned(),
        body_raw: req.body.to_vec(),
        changed: false,
        events: Vec::new(),
    };
    let resp = match run(sh, &mut st, &mut cx, route, &bound) {
        Ok(result) => {
            if cx.changed {
                sh.save(&st);
            }
            match result {
                Ok(out) => out_response(out),
                Err(e) => err_response(sh, &e, json),
            }
        }
        Err(limited) => *limited,
    };
    let mut resp = with_rate_headers(resp, rate);
    if faulty.waited_ms() > 0 {
        resp.extensions_mut()
            .insert(crate::wings::faulty::DaemonWait(faulty.waited_ms()));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::in_range;

    #[test]
    fn allow_lists_take_addresses_and_blocks() {
        assert!(in_range("127.0.0.1", "127.0.0.1"));
        assert!(in_range("10.1.2.3", "10.0.0.0/8"));
        assert!(!in_range("11.1.2.3", "10.0.0.0/8"));
        assert!(in_range("::1", "::1/128"));
        assert!(!in_range("127.0.0.1", "::1"));
        assert!(in_range("1.2.3.4", "0.0.0.0/0"));
    }
}
