//! roost-sim: an in-memory Pterodactyl v1.11 / Pelican panel serving the Application API over
//! real HTTP, faithful to `shared/panel-api/` (shapes, errors, order of checks, quirks), with
//! fault injection, rate limiting, a request log and an admin interface under `/__sim/`.

mod db_lock;
mod kinds;
mod legacy;
mod listing;
mod render;
mod request;
mod response;
mod router;
mod rules;
mod state;
mod stock;
mod util;

pub use db_lock::DbLock;
pub use legacy::LegacyFields;
pub use roost_model::Dialect;
pub use rules::Regex;
pub use state::{
    Allocation, Counters, Egg, EggVariable, Location, Nest, Node, NodeParams, Role, Server,
    ServerParams, SimState, User, UserParams,
};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use kinds::account as client;
pub use kinds::account::default_client_token;
use request::Req;
use response::{ApiErr, Body as OutBody, Out};
use router::RouteErr;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Deterministic 48-character application key (16-char identifier + 32-char secret).
pub fn default_token(dialect: Dialect) -> String {
    let prefix = match dialect {
        Dialect::Pterodactyl => "ptla_",
        Dialect::Pelican => "papp_",
    };
    format!("{prefix}simroost001roostsimdeterministicsecretkey01")
}

#[derive(Clone, Debug)]
pub struct SimConfig {
    pub dialect: Dialect,
    /// Requests per minute; None = off. [`SimConfig::new`] sets the dialect's real limit.
    pub rate_limit: Option<u32>,
    /// The one accepted application key.
    pub token: String,
    /// The one accepted client key (for `GET /api/client/account` only), owned by the same user.
    pub client_token: String,
    /// Loaded at start if it exists; saved atomically after every committed change.
    pub state_file: Option<PathBuf>,
    pub seed_stock: bool,
    pub faults: Faults,
}

impl SimConfig {
    pub fn new(dialect: Dialect) -> Self {
        SimConfig {
            dialect,
            rate_limit: Some(dialect.default_rate_limit()),
            token: default_token(dialect),
            client_token: default_client_token(dialect),
            state_file: None,
            seed_stock: true,
            faults: Faults::default(),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added to every API request.
    pub latency_ms: u64,
    /// Share of requests answered 500 before commit, deterministic from `seed`.
    pub error_rate: f64,
    /// Share of requests whose connection is dropped without answer.
    pub drop_rate: f64,
    pub seed: u64,
    pub rules: Vec<FaultRule>,
    /// Writes that fail with the dialect's database-lock 500 (concurrent writes, or a share).
    pub db_lock: DbLock,
    /// Fields of an older panel release: dropped from writes, missing from responses.
    pub legacy: LegacyFields,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FaultRule {
    /// e.g. "POST"; None = any.
    #[serde(default)]
    pub method: Option<String>,
    /// Prefix of the path after /api/application.
    pub path: String,
    /// Fire on the nth matching request (1-based) ...
    pub nth: u32,
    /// ... and the following times-1 matching requests.
    pub times: u32,
    pub action: FaultAction,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultAction {
    Status {
        status: u16,
        after_commit: bool,
    },
    Drop {
        after_commit: bool,
    },
    Delay {
        ms: u64,
    },
    RateLimit {
        retry_after: u64,
    },
    /// The dialect's database-lock 500, before anything is saved.
    DbLock,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path + query.
    pub path: String,
    /// 0 when dropped.
    pub status: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("could not bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("could not read state file {path}: {source}")]
    ReadState {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("state file {path} is not valid sim state: {source}")]
    ParseState {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("state file {path} holds a {found} panel, but the sim runs {expected}")]
    DialectMismatch {
        path: PathBuf,
        found: Dialect,
        expected: Dialect,
    },
    #[error("could not write state file {path}: {source}")]
    WriteState {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("waiting for Ctrl-C failed: {0}")]
    Signal(std::io::Error),
}

struct Runtime {
    faults: Faults,
    rule_hits: Vec<u32>,
    requests: u64,
    rate_limit: Option<u32>,
    window_start: Instant,
    window_count: u32,
}

struct Shared {
    dialect: Dialect,
    token: String,
    client_token: String,
    url: String,
    state_file: Option<PathBuf>,
    state: Mutex<SimState>,
    rt: Mutex<Runtime>,
    writes: db_lock::Writes,
    log: Mutex<(u64, Vec<(u64, LoggedRequest)>)>,
}

/// Poisoning only means a handler panicked mid-request; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn save(&self, st: &SimState) {
        if let Some(path) = &self.state_file {
            // A failed save must not fail the request; report it on stderr.
            if let Err(e) = save_state(path, st) {
                eprintln!("roost-sim: {e}");
            }
        }
    }

    fn log_start(&self, method: &str, path: &str) -> u64 {
        let mut l = lock(&self.log);
        l.0 += 1;
        let seq = l.0;
        l.1.push((
            seq,
            LoggedRequest {
                method: method.to_string(),
                path: path.to_string(),
                status: 0,
            },
        ));
        seq
    }

    fn log_finish(&self, seq: u64, status: u16) {
        let mut l = lock(&self.log);
        if let Some((_, e)) = l.1.iter_mut().rev().find(|(s, _)| *s == seq) {
            e.status = status;
        }
    }
}

fn save_state(path: &Path, st: &SimState) -> Result<(), SimError> {
    let err = |source| SimError::WriteState {
        path: path.to_path_buf(),
        source,
    };
    let data = serde_json::to_vec(st).map_err(|e| err(std::io::Error::other(e)))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, data).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

fn load_state(path: &Path, dialect: Dialect) -> Result<Option<SimState>, SimError> {
    if !path.exists() {
        return Ok(None);
    }
    let data = std::fs::read(path).map_err(|source| SimError::ReadState {
        path: path.to_path_buf(),
        source,
    })?;
    let mut st: SimState =
        serde_json::from_slice(&data).map_err(|source| SimError::ParseState {
            path: path.to_path_buf(),
            source,
        })?;
    if st.dialect != dialect {
        return Err(SimError::DialectMismatch {
            path: path.to_path_buf(),
            found: st.dialect,
            expected: dialect,
        });
    }
    st.reindex();
    Ok(Some(st))
}

pub struct Sim;

impl Sim {
    /// Starts on 127.0.0.1 with an ephemeral port.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        Sim::bind(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn bind(config: SimConfig, addr: SocketAddr) -> Result<SimHandle, SimError> {
        let st = match &config.state_file {
            Some(p) => load_state(p, config.dialect)?,
            None => None,
        };
        let st = st.unwrap_or_else(|| {
            let mut s = SimState::new(config.dialect, config.seed_stock);
            s.reindex();
            s
        });
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SimError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| SimError::Bind { addr, source })?;
        let host = if local.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            local.ip().to_string()
        };
        let shared = Arc::new(Shared {
            dialect: config.dialect,
            token: config.token.clone(),
            client_token: config.client_token.clone(),
            url: format!("http://{host}:{}", local.port()),
            state_file: config.state_file.clone(),
            state: Mutex::new(st),
            rt: Mutex::new(Runtime {
                rule_hits: vec![0; config.faults.rules.len()],
                faults: config.faults.clone(),
                requests: 0,
                rate_limit: config.rate_limit,
                window_start: Instant::now(),
                window_count: 0,
            }),
            writes: db_lock::Writes::default(),
            log: Mutex::new((0, Vec::new())),
        });
        {
            let st = lock(&shared.state);
            shared.save(&st);
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, shared.clone(), stop_rx));
        Ok(SimHandle {
            shared,
            stop: Arc::new(stop_tx),
            task: Arc::new(Mutex::new(Some(task))),
        })
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            acc = listener.accept() => {
                let Ok((stream, _)) = acc else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let shared = shared.clone();
                        async move { serve_one(shared, req).await }
                    });
                    // A service error (fault "drop") makes hyper close the connection unanswered.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
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

const API_PREFIX: &str = "/api/application";

/// What fault injection decided for one request.
#[derive(Default)]
struct FaultPlan {
    delay_ms: u64,
    before: Option<FaultAction>,
    after: Option<FaultAction>,
}

fn plan_faults(sh: &Shared, method: &str, api_path: &str) -> FaultPlan {
    let mut rt = lock(&sh.rt);
    rt.requests += 1;
    let n = rt.requests;
    let mut plan = FaultPlan {
        delay_ms: rt.faults.latency_ms,
        ..Default::default()
    };
    let f = rt.faults.clone();
    for (i, rule) in f.rules.iter().enumerate() {
        let m_ok = rule
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        if !m_ok || !api_path.starts_with(&rule.path) {
            continue;
        }
        let Some(hit) = rt.rule_hits.get_mut(i) else {
            continue;
        };
        *hit += 1;
        let k = *hit;
        let fires = k >= rule.nth && k < rule.nth.saturating_add(rule.times.max(1));
        if !fires {
            continue;
        }
        match &rule.action {
            FaultAction::Delay { ms } => plan.delay_ms += ms,
            a @ (FaultAction::Status {
                after_commit: true, ..
            }
            | FaultAction::Drop { after_commit: true }) => {
                if plan.before.is_none() && plan.after.is_none() {
                    plan.after = Some(a.clone());
                }
            }
            a => {
                if plan.before.is_none() && plan.after.is_none() {
                    plan.before = Some(a.clone());
                }
            }
        }
    }
    if plan.before.is_none() && plan.after.is_none() {
        let h = util::splitmix(f.seed ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let x = util::unit_f64(h);
        if x < f.drop_rate {
            plan.before = Some(FaultAction::Drop {
                after_commit: false,
            });
        } else if x < f.drop_rate + f.error_rate {
            plan.before = Some(FaultAction::Status {
                status: 500,
                after_commit: false,
            });
        }
    }
    plan
}

fn json_response(status: u16, body: String) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn fault_status_body(d: Dialect, status: u16) -> String {
    let (code, detail) = match (d, status) {
        (Dialect::Pterodactyl, 504) => (
            "DaemonConnectionException",
            "Could not establish a connection to the machine running this server. Please try again.",
        ),
        (Dialect::Pelican, s) if s >= 500 => ("ConnectionException", response::GENERIC_DETAIL),
        (_, 429) => ("ThrottleRequestsException", "Too Many Attempts."),
        _ => ("HttpException", response::GENERIC_DETAIL),
    };
    let mut e = ApiErr::new(status, "", detail);
    e.code = code;
    e.body()
}

fn db_locked(sh: &Shared) -> Response<Body> {
    let hide = lock(&sh.rt).faults.db_lock.hide_detail;
    json_response(500, db_lock::locked_body(sh.dialect, hide))
}

fn too_many(limit: u32, retry_after: u64) -> Response<Body> {
    let mut r = json_response(
        429,
        ApiErr::new(429, "ThrottleRequestsException", "Too Many Attempts.").body(),
    );
    let reset = util::now_unix() as u64 + retry_after;
    let h = r.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(0u32));
    h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    r
}

async fn serve_one(
    sh: Arc<Shared>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let bytes = axum::body::to_bytes(Body::new(body), 64 << 20)
        .await
        .unwrap_or_default();
    if path == "/__sim" || path.starts_with("/__sim/") {
        return Ok(admin(&sh, &method, &path, &parts.headers, &bytes));
    }
    let full = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{query}")
    };
    let seq = sh.log_start(&method, &full);
    if path == client::ACCOUNT_PATH {
        let key = match bearer(sh.dialect, &parts.headers) {
            Some(t) if t == sh.client_token => client::Key::Client,
            Some(t) if t == sh.token => client::Key::Application,
            _ => client::Key::None,
        };
        let (status, body) = client::account(&lock(&sh.state), &method, key);
        sh.log_finish(seq, status);
        return Ok(json_response(status, body));
    }
    let api_path = path
        .strip_prefix(API_PREFIX)
        .filter(|p| p.is_empty() || p.starts_with('/'));
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
        Some(FaultAction::Status { status, .. }) => {
            Some(json_response(status, fault_status_body(sh.dialect, status)))
        }
        Some(FaultAction::RateLimit { retry_after }) => {
            let limit = lock(&sh.rt)
                .rate_limit
                .unwrap_or(sh.dialect.default_rate_limit());
            Some(too_many(limit, retry_after))
        }
        Some(FaultAction::DbLock) => Some(db_locked(&sh)),
        _ => None,
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
            let mut resp = process(&sh, &method, &path, &query, &parts.headers, &bytes);
            drop(held);
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
    Ok(resp)
}

fn expects_json(h: &HeaderMap) -> bool {
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

fn authenticated(sh: &Shared, h: &HeaderMap) -> bool {
    bearer(sh.dialect, h).is_some_and(|t| t == sh.token)
}

/// The bearer token of a request, as the dialect's Laravel reads it.
fn bearer(dialect: Dialect, h: &HeaderMap) -> Option<&str> {
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

fn err_response(sh: &Shared, e: &ApiErr, json: bool) -> Response<Body> {
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
    json_response(e.status, e.body())
}

fn out_response(o: Out) -> Response<Body> {
    match o.body {
        OutBody::Json(s) => json_response(o.status, s),
        OutBody::Empty => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::from_u16(o.status).unwrap_or(StatusCode::NO_CONTENT);
            r
        }
    }
}

/// The request pipeline with each dialect's order of checks (README §6.4).
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
        let e = ApiErr::new(
            404,
            "NotFoundHttpException",
            format!(
                "The route {} could not be found.",
                path.trim_start_matches('/')
            ),
        );
        return err_response(sh, &e, json);
    };
    let route = match router::route(sh.dialect, method, api_path) {
        Ok(r) => r,
        Err(RouteErr::NotFound) => {
            let e = ApiErr::new(
                404,
                "NotFoundHttpException",
                format!(
                    "The route {} could not be found.",
                    path.trim_start_matches('/')
                ),
            );
            return err_response(sh, &e, json);
        }
        Err(RouteErr::Method(allowed)) => {
            let e = ApiErr::new(
                405,
                "MethodNotAllowedHttpException",
                format!(
                    "The {method} method is not supported for route {}. Supported methods: {}.",
                    path.trim_start_matches('/'),
                    allowed.join(", ")
                ),
            );
            return err_response(sh, &e, json);
        }
    };
    let pt = sh.dialect == Dialect::Pterodactyl;
    let mut st = lock(&sh.state);
    if !pt {
        // PL resolves route-model bindings before anything else.
        if let Err(e) = router::bind(&st, &route) {
            return err_response(sh, &e, json);
        }
    }
    if !authenticated(sh, headers) {
        return err_response(
            sh,
            &ApiErr::new(401, "AuthenticationException", "Unauthenticated."),
            json,
        );
    }
    let mut input = serde_json::Value::Object(Default::default());
    if is_json_content(headers) && !body.iter().all(u8::is_ascii_whitespace) {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => input = v,
            Err(_) => {
                let e = ApiErr::new(
                    400,
                    "BadRequestHttpException",
                    "The JSON data passed in the request appears to be malformed: Syntax error",
                );
                return err_response(sh, &e, json);
            }
        }
    }
    let rate = match rate_check(sh) {
        Some(Err((limit, retry))) => return too_many(limit, retry),
        Some(Ok(x)) => Some(x),
        None => None,
    };
    let with_rate = |mut r: Response<Body>| {
        if let Some((limit, remaining)) = rate {
            r.headers_mut()
                .insert("x-ratelimit-limit", HeaderValue::from(limit));
            r.headers_mut()
                .insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        }
        r
    };
    if pt && let Err(e) = router::bind(&st, &route) {
        return with_rate(err_response(sh, &e, json));
    }
    rules::normalize(&mut input);
    let legacy = lock(&sh.rt).faults.legacy.clone();
    legacy.drop_inputs(method, api_path, &mut input);
    let mut req = Req {
        d: sh.dialect,
        base: &sh.url,
        path: api_path,
        query: util::parse_query(query),
        input,
        changed: false,
        installed: Vec::new(),
        lenient_fqdn: legacy.lenient("node.fqdn"),
    };
    let result = router::handle(&mut st, &mut req, route);
    for sid in std::mem::take(&mut req.installed) {
        st.finish_install(sid);
    }
    if req.changed {
        sh.save(&st);
    }
    drop(st);
    let resp = match result {
        Ok(mut o) => {
            if let OutBody::Json(text) = &o.body
                && let Some(stripped) = legacy.strip_outputs(text)
            {
                o.body = OutBody::Json(stripped);
            }
            out_response(o)
        }
        Err(e) => err_response(sh, &e, json),
    };
    with_rate(resp)
}

#[derive(Deserialize)]
struct RateLimitBody {
    per_minute: Option<u32>,
}

fn admin(
    sh: &Shared,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Body> {
    let json = true;
    if !authenticated(sh, headers) {
        return err_response(
            sh,
            &ApiErr::new(401, "AuthenticationException", "Unauthenticated."),
            json,
        );
    }
    let bad =
        |msg: String| json_response(400, ApiErr::new(400, "BadRequestHttpException", msg).body());
    let no_content = || {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        r
    };
    match (method, path.trim_end_matches('/')) {
        ("GET", "/__sim/state") => {
            let st = lock(&sh.state);
            json_response(200, serde_json::to_string(&*st).unwrap_or_default())
        }
        ("PUT", "/__sim/state") => match serde_json::from_slice::<SimState>(body) {
            Ok(mut new) if new.dialect == sh.dialect => {
                new.reindex();
                let mut st = lock(&sh.state);
                *st = new;
                sh.save(&st);
                no_content()
            }
            Ok(_) => bad("state is for the other dialect".into()),
            Err(e) => bad(format!("invalid state: {e}")),
        },
        ("GET", "/__sim/log") => {
            let l = lock(&sh.log);
            let v: Vec<&LoggedRequest> = l.1.iter().map(|(_, e)| e).collect();
            json_response(200, serde_json::to_string(&v).unwrap_or_default())
        }
        ("DELETE", "/__sim/log") => {
            lock(&sh.log).1.clear();
            no_content()
        }
        ("PUT", "/__sim/faults") => match serde_json::from_slice::<Faults>(body) {
            Ok(f) => {
                set_faults(sh, f);
                no_content()
            }
            Err(e) => bad(format!("invalid faults: {e}")),
        },
        ("PUT", "/__sim/rate-limit") => match serde_json::from_slice::<RateLimitBody>(body) {
            Ok(b) => {
                set_rate_limit(sh, b.per_minute);
                no_content()
            }
            Err(e) => bad(format!("invalid rate limit: {e}")),
        },
        _ => json_response(
            404,
            ApiErr::new(
                404,
                "NotFoundHttpException",
                format!(
                    "The route {} could not be found.",
                    path.trim_start_matches('/')
                ),
            )
            .body(),
        ),
    }
}

fn set_faults(sh: &Shared, f: Faults) {
    let mut rt = lock(&sh.rt);
    rt.rule_hits = vec![0; f.rules.len()];
    rt.requests = 0;
    rt.faults = f;
}

fn set_rate_limit(sh: &Shared, per_minute: Option<u32>) {
    let mut rt = lock(&sh.rt);
    rt.rate_limit = per_minute;
    rt.window_start = Instant::now();
    rt.window_count = 0;
}

/// Handle to a running sim. Cloning shares the same sim.
#[derive(Clone)]
pub struct SimHandle {
    shared: Arc<Shared>,
    stop: Arc<watch::Sender<bool>>,
    task: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl SimHandle {
    /// The panel root, e.g. `http://127.0.0.1:PORT`; the API is at `{url}/api/application`.
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }
    pub fn token(&self) -> String {
        self.shared.token.clone()
    }
    /// The client key of the application key's owner (`GET /api/client/account` only).
    pub fn client_token(&self) -> String {
        self.shared.client_token.clone()
    }
    pub fn dialect(&self) -> Dialect {
        self.shared.dialect
    }
    /// Replaces the faults and resets the rule counters.
    pub fn set_faults(&self, faults: Faults) {
        set_faults(&self.shared, faults);
    }
    /// Changes the limit and starts a fresh window.
    pub fn set_rate_limit(&self, per_minute: Option<u32>) {
        set_rate_limit(&self.shared, per_minute);
    }
    /// Every API request, in arrival order (admin `/__sim/` requests are not logged).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log)
            .1
            .iter()
            .map(|(_, e)| e.clone())
            .collect()
    }
    pub fn clear_request_log(&self) {
        lock(&self.shared.log).1.clear();
    }
    pub fn state(&self) -> SimState {
        lock(&self.shared.state).clone()
    }
    /// Out-of-band change (like an admin in the web UI). Indexes are rebuilt afterwards and the
    /// state is persisted like any change.
    pub fn mutate<R>(&self, f: impl FnOnce(&mut SimState) -> R) -> R {
        let mut st = lock(&self.shared.state);
        let r = f(&mut st);
        st.reindex();
        self.shared.save(&st);
        r
    }
    /// Stops serving (open connections are closed) and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let task = lock(&self.task).take();
        if let Some(t) = task {
            let _ = t.await;
        }
    }
}

/// Runs a sim on 127.0.0.1:`port` until Ctrl-C (`roost sim serve`). It prints nothing: the
/// caller announces the URL and token.
pub async fn serve(config: SimConfig, port: u16) -> Result<(), SimError> {
    let h = Sim::bind(config, SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let r = tokio::signal::ctrl_c().await.map_err(SimError::Signal);
    h.shutdown().await;
    r
}
