//! The HTTP side: the accept loop, the transport-level pipeline of one request (request log,
//! faults, database lock, rate limit) and the Application API's order of checks.

use crate::client::{self, pipeline::CLIENT_PREFIX};
use crate::config::FaultAction;
use crate::db_lock::{self, DbLock};
use crate::faults::{FaultPlan, fault_status_body, plan_faults};
use crate::request::Req;
use crate::response::{ApiErr, Body as OutBody, Out, Res};
use crate::router::{self, RouteErr};
use crate::state::SimState;
use crate::{Shared, admin, lock, rules, util};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use roost_model::Dialect;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub async fn accept_loop(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            acc = listener.accept() => {
                let Ok((stream, peer)) = acc else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let peer = peer.ip().to_string();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let shared = shared.clone();
                        let peer = peer.clone();
                        async move { serve_one(shared, req, peer).await }
                    });
                    // A service error (fault "drop") makes hyper close the connection unanswered.
                    // Upgrades: the emulated Wings' console websocket.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .with_upgrades()
                        .await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.shutdown().await;
}

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

pub const API_PREFIX: &str = "/api/application";

pub fn json_response(status: u16, body: String) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn db_locked(sh: &Shared) -> Response<Body> {
    let hide = lock(&sh.rt).faults.db_lock.hide_detail;
    json_response(500, db_lock::locked_body(sh.dialect, hide))
}

/// Laravel's `ThrottleRequestsException` answer; `now` is the sim time in seconds.
pub fn too_many(limit: u32, retry_after: u64, now: i64) -> Response<Body> {
    let mut r = json_response(
        429,
        ApiErr::new(429, "ThrottleRequestsException", "Too Many Attempts.").body(),
    );
    let reset = now.max(0) as u64 + retry_after;
    let h = r.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(0u32));
    h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    r
}

/// The answer of a fault that fires before the request is processed (`None`: no answer, e.g.
/// a delay).
fn fault_answer(sh: &Shared, action: FaultAction) -> Option<Response<Body>> {
    match action {
        FaultAction::Status { status, .. } => {
            Some(json_response(status, fault_status_body(sh.dialect, status)))
        }
        FaultAction::RateLimit { retry_after } => {
            let limit = lock(&sh.rt)
                .rate_limit
                .unwrap_or(sh.dialect.default_rate_limit());
            Some(too_many(limit, retry_after, util::now_unix()))
        }
        FaultAction::DbLock => Some(db_locked(sh)),
        FaultAction::Drop { .. } | FaultAction::Delay { .. } => None,
    }
}

/// Whether a path is the Client API's.
fn is_client(path: &str) -> bool {
    path == CLIENT_PREFIX
        || path
            .strip_prefix(CLIENT_PREFIX)
            .is_some_and(|p| p.starts_with('/'))
}

/// The path fault rules match against: after `/api/application` for the Application API, the
/// whole path (`/api/client/...`) for the Client API.
fn fault_path(path: &str) -> Option<&str> {
    if is_client(path) {
        return Some(path);
    }
    path.strip_prefix(API_PREFIX)
        .filter(|p| p.is_empty() || p.starts_with('/'))
}

async fn serve_one(
    sh: Arc<Shared>,
    req: Request<hyper::body::Incoming>,
    peer: String,
) -> Result<Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let bytes = axum::body::to_bytes(Body::new(body), 64 << 20)
        .await
        .unwrap_or_default();
    if path == "/__sim" || path.starts_with("/__sim/") {
        return Ok(admin::admin(&sh, &method, &path, &parts.headers, &bytes));
    }
    // The daemon's routes are not the panel's: no request log, no panel faults.
    if crate::wings::routes::is_daemon_path(&path) {
        let resp = crate::wings::socket::serve(sh.clone(), parts, &bytes).await;
        sh.count_bytes(&resp);
        return Ok(resp);
    }
    let full = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{query}")
    };
    let seq = sh.log_start(&method, &full);
    let api_path = fault_path(&path);
    let plan = match api_path {
        Some(p) => plan_faults(&sh, &method, p),
        None => FaultPlan::default(),
    };
    if plan.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(plan.delay_ms)).await;
    }
    let early = match plan.before {
        Some(FaultAction::Drop { .. }) => {
            sh.log_finish(seq, 0);
            return Err(Dropped);
        }
        Some(action) => fault_answer(&sh, action),
        None => None,
    };
    let (lock_rules, seed) = {
        let rt = lock(&sh.rt);
        (rt.faults.db_lock.clone(), rt.faults.seed)
    };
    let is_write = api_path.is_some() && !matches!(method.as_str(), "GET" | "HEAD");
    let mut held = None;
    let early = match early {
        None if is_write && lock_rules != DbLock::default() => {
            match sh.writes.enter(&lock_rules, seed) {
                Ok(h) => {
                    held = Some(h);
                    None
                }
                Err(()) => Some(db_locked(&sh)),
            }
        }
        e => e,
    };
    if held.is_some() && lock_rules.hold_ms > 0 {
        tokio::time::sleep(Duration::from_millis(lock_rules.hold_ms)).await;
    }
    let resp = match early {
        Some(r) => r,
        None => {
            let mut resp = if is_client(&path) {
                client::process(
                    &sh,
                    client::pipeline::Request {
                        method: &method,
                        path: &path,
                        query: &query,
                        headers: &parts.headers,
                        body: &bytes,
                        peer: &peer,
                    },
                )
            } else {
                process(&sh, &method, &path, &query, &parts.headers, &bytes)
            };
            drop(held);
            if let Some(wait) = resp.extensions().get::<crate::wings::faulty::DaemonWait>() {
                tokio::time::sleep(Duration::from_millis(wait.0)).await;
            }
            match plan.after {
                Some(FaultAction::Drop { .. }) => {
                    sh.log_finish(seq, 0);
                    return Err(Dropped);
                }
                Some(FaultAction::Status { status, .. }) => {
                    resp = json_response(status, fault_status_body(sh.dialect, status));
                }
                _ => {}
            }
            resp
        }
    };
    sh.log_finish(seq, resp.status().as_u16());
    sh.count_bytes(&resp);
    Ok(resp)
}

pub fn expects_json(h: &HeaderMap) -> bool {
    let accept = h
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accept.split(',').next().unwrap_or("").trim();
    let wants = first.contains("/json") || first.contains("+json");
    let ajax = h
        .get("x-requested-with")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "XMLHttpRequest");
    let any = first.is_empty() || first.starts_with("*/*") || first == "*";
    wants || (ajax && any)
}

fn is_json_content(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("/json") || v.contains("+json"))
}

pub fn authenticated(sh: &Shared, h: &HeaderMap) -> bool {
    bearer(sh.dialect, h).is_some_and(|t| t == sh.token)
}

/// The bearer token of a request, as the dialect's Laravel reads it.
pub fn bearer(dialect: Dialect, h: &HeaderMap) -> Option<&str> {
    let v = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())?;
    let token = match dialect {
        // LV10 matches "Bearer " case-sensitively, LV13 case-insensitively.
        Dialect::Pterodactyl => v.strip_prefix("Bearer "),
        Dialect::Pelican => {
            (v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer ")).then(|| &v[7..])
        }
    };
    token.map(str::trim)
}

/// Fixed one-minute window keyed by the (single) token. Ok(limit, remaining) or Err(limit, retry).
fn rate_check(sh: &Shared) -> Option<Result<(u32, u32), (u32, u64)>> {
    let mut rt = lock(&sh.rt);
    let limit = rt.rate_limit?;
    let now = Instant::now();
    if now.duration_since(rt.window_start) >= Duration::from_secs(60) {
        rt.window_start = now;
        rt.window_count = 0;
    }
    if rt.window_count >= limit {
        let left = Duration::from_secs(60).saturating_sub(now.duration_since(rt.window_start));
        return Some(Err((limit, left.as_secs().max(1))));
    }
    rt.window_count += 1;
    Some(Ok((limit, limit - rt.window_count)))
}

pub fn err_response(sh: &Shared, e: &ApiErr, json: bool) -> Response<Body> {
    if !json && e.redirects() {
        let target = if e.status == 401 {
            format!("{}/auth/login", sh.url)
        } else {
            sh.url.clone()
        };
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::FOUND;
        if let Ok(v) = HeaderValue::from_str(&target) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return r;
    }
    let mut r = json_response(e.status, e.body());
    if let Some(secs) = e.retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

pub fn out_response(o: Out) -> Response<Body> {
    match o.body {
        OutBody::Json(s) => json_response(o.status, s),
        OutBody::Bytes(content_type, b) => {
            let mut r = json_response(o.status, String::new());
            *r.body_mut() = Body::from(b);
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            r
        }
        OutBody::Empty => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::from_u16(o.status).unwrap_or(StatusCode::NO_CONTENT);
            r
        }
    }
}

fn route_not_found(path: &str) -> ApiErr {
    ApiErr::new(
        404,
        "NotFoundHttpException",
        format!(
            "The route {} could not be found.",
            path.trim_start_matches('/')
        ),
    )
}

pub fn route_error(method: &str, path: &str, e: RouteErr) -> ApiErr {
    match e {
        RouteErr::NotFound => route_not_found(path),
        RouteErr::Method(allowed) => ApiErr::new(
            405,
            "MethodNotAllowedHttpException",
            format!(
                "The {method} method is not supported for route {}. Supported methods: {}.",
                path.trim_start_matches('/'),
                allowed.join(", ")
            ),
        ),
    }
}

/// The JSON body (an empty object when there is none or it is not sent as JSON).
pub fn read_input(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiErr> {
    if !is_json_content(headers) || body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice::<Value>(body).map_err(|_| {
        ApiErr::new(
            400,
            "BadRequestHttpException",
            "The JSON data passed in the request appears to be malformed: Syntax error",
        )
    })
}

pub fn with_rate_headers(mut r: Response<Body>, rate: Option<(u32, u32)>) -> Response<Body> {
    if let Some((limit, remaining)) = rate {
        r.headers_mut()
            .insert("x-ratelimit-limit", HeaderValue::from(limit));
        r.headers_mut()
            .insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    }
    r
}

/// The request pipeline with each dialect's order of checks (README §6.4): route (404/405),
/// then Pelican resolves route-model bindings, authentication, the JSON body, the rate limit,
/// then Pterodactyl resolves bindings, then the handler.
fn process(
    sh: &Shared,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Body> {
    let json = expects_json(headers);
    let Some(api_path) = path
        .strip_prefix(API_PREFIX)
        .filter(|p| p.is_empty() || p.starts_with('/'))
    else {
        return err_response(sh, &route_not_found(path), json);
    };
    let route = match router::route(sh.dialect, method, api_path) {
        Ok(r) => r,
        Err(e) => return err_response(sh, &route_error(method, path, e), json),
    };
    let mut st = lock(&sh.state);
    if st.settle_installs() {
        sh.save(&st);
    }
    if sh.dialect == Dialect::Pelican
        && let Err(e) = router::bind(&st, &route)
    {
        return err_response(sh, &e, json);
    }
    if !authenticated(sh, headers) {
        return err_response(
            sh,
            &ApiErr::new(401, "AuthenticationException", "Unauthenticated."),
            json,
        );
    }
    let input = match read_input(headers, body) {
        Ok(v) => v,
        Err(e) => return err_response(sh, &e, json),
    };
    let rate = match rate_check(sh) {
        Some(Err((limit, retry))) => return too_many(limit, retry, util::now_unix()),
        Some(Ok(x)) => Some(x),
        None => None,
    };
    if sh.dialect == Dialect::Pterodactyl
        && let Err(e) = router::bind(&st, &route)
    {
        return with_rate_headers(err_response(sh, &e, json), rate);
    }
    let call = ApiCall {
        method,
        api_path,
        query,
        input,
    };
    let result = run_handler(sh, &mut st, call, route);
    drop(st);
    let resp = match result {
        Ok(o) => out_response(o),
        Err(e) => err_response(sh, &e, json),
    };
    with_rate_headers(resp, rate)
}

/// What the handler gets of the request.
struct ApiCall<'a> {
    method: &'a str,
    api_path: &'a str,
    query: &'a str,
    input: Value,
}

/// Runs the route's handler with the older-release field rules applied, then completes installs
/// and saves the state when it changed.
fn run_handler(sh: &Shared, st: &mut SimState, call: ApiCall, route: router::R) -> Res {
    let mut input = call.input;
    rules::normalize(&mut input);
    let legacy = lock(&sh.rt).faults.legacy.clone();
    legacy.drop_inputs(call.method, call.api_path, &mut input);
    let mut req = Req {
        d: sh.dialect,
        base: &sh.url,
        path: call.api_path,
        query: util::parse_query(call.query),
        input,
        changed: false,
        installed: Vec::new(),
        lenient_fqdn: legacy.lenient("node.fqdn"),
    };
    let result = router::handle(st, &mut req, route);
    for sid in std::mem::take(&mut req.installed) {
        st.schedule_install(sid);
    }
    if req.changed {
        sh.save(st);
    }
    let mut out = result?;
    if let OutBody::Json(text) = &out.body
        && let Some(stripped) = legacy.strip_outputs(text)
    {
        out.body = OutBody::Json(stripped);
    }
    Ok(out)
}
