//! The admin interface under `/__sim/` (state, request log, faults, rate limit), for tests and
//! tools driving a sim they did not start in-process.

use crate::config::{Faults, LoggedRequest};
use crate::http::{authenticated, err_response, json_response};
use crate::response::ApiErr;
use crate::state::{DatabaseHostParams, PanelSettings, SimState};
use crate::{Shared, lock};
use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};
use serde::Deserialize;
use std::time::Instant;

#[derive(Deserialize)]
struct RateLimitBody {
    per_minute: Option<u32>,
}

/// `POST /__sim/client-keys`: mint a client key for a user.
#[derive(Deserialize)]
struct ClientKeyBody {
    user: u64,
    #[serde(default)]
    allowed_ips: Vec<String>,
}

/// `POST /__sim/clock`: move the clock forward.
#[derive(Deserialize)]
struct ClockBody {
    advance_ms: i64,
}

fn mint_client_key(sh: &Shared, body: &[u8]) -> Result<Response<Body>, String> {
    let b: ClientKeyBody =
        serde_json::from_slice(body).map_err(|e| format!("invalid client key request: {e}"))?;
    let mut st = lock(&sh.state);
    if !st.users.contains_key(&b.user) {
        return Err(format!("no user {}", b.user));
    }
    let token = st.mint_api_key(b.user, "minted by the sim", b.allowed_ips);
    sh.save(&st);
    let identifier = token.get(..16).unwrap_or("").to_string();
    Ok(json_response(
        201,
        serde_json::json!({"user": b.user, "identifier": identifier, "token": token}).to_string(),
    ))
}

fn clock(sh: &Shared, body: Option<&[u8]>) -> Result<Response<Body>, String> {
    let st = lock(&sh.state);
    if let Some(body) = body {
        let b: ClockBody =
            serde_json::from_slice(body).map_err(|e| format!("invalid clock request: {e}"))?;
        st.clock.advance_ms(b.advance_ms);
    }
    Ok(json_response(
        200,
        serde_json::json!({"now_ms": st.clock.now_ms()}).to_string(),
    ))
}

fn set_settings(sh: &Shared, body: &[u8]) -> Result<Response<Body>, String> {
    let settings: PanelSettings =
        serde_json::from_slice(body).map_err(|e| format!("invalid settings: {e}"))?;
    let mut st = lock(&sh.state);
    st.settings = settings;
    sh.save(&st);
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    Ok(r)
}

/// `POST /__sim/database-hosts`: only `name` is required.
#[derive(Deserialize)]
struct DatabaseHostBody {
    name: String,
    host: Option<String>,
    port: Option<u16>,
    username: Option<String>,
    #[serde(default)]
    nodes: Vec<u64>,
}

impl DatabaseHostBody {
    fn params(self) -> DatabaseHostParams {
        let d = DatabaseHostParams::default();
        DatabaseHostParams {
            name: self.name,
            host: self.host.unwrap_or(d.host),
            port: self.port.unwrap_or(d.port),
            username: self.username.unwrap_or(d.username),
            nodes: self.nodes,
        }
    }
}

/// Adds a database host (a real panel's admin does it in the web UI; Pterodactyl's API cannot)
/// and answers `201` with the stored row.
fn add_database_host(sh: &Shared, body: &[u8]) -> Result<Response<Body>, String> {
    let b: DatabaseHostBody =
        serde_json::from_slice(body).map_err(|e| format!("invalid database host: {e}"))?;
    let mut st = lock(&sh.state);
    let id = st.add_database_host(b.params());
    sh.save(&st);
    let row = serde_json::to_string(&st.database_hosts[&id]).unwrap_or_default();
    Ok(json_response(201, row))
}

pub fn admin(
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
                new.clock = st.clock.clone();
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
        ("POST", "/__sim/database-hosts") => add_database_host(sh, body).unwrap_or_else(bad),
        ("POST", "/__sim/client-keys") => mint_client_key(sh, body).unwrap_or_else(bad),
        ("GET", "/__sim/clock") => clock(sh, None).unwrap_or_else(bad),
        ("POST", "/__sim/clock") => clock(sh, Some(body)).unwrap_or_else(bad),
        ("PUT", "/__sim/settings") => set_settings(sh, body).unwrap_or_else(bad),
        ("GET", "/__sim/settings") => {
            let st = lock(&sh.state);
            json_response(200, serde_json::to_string(&st.settings).unwrap_or_default())
        }
        ("PUT", "/__sim/client-rate-limit") => {
            match serde_json::from_slice::<RateLimitBody>(body) {
                Ok(b) => {
                    set_client_rate_limit(sh, b.per_minute);
                    no_content()
                }
                Err(e) => bad(format!("invalid rate limit: {e}")),
            }
        }
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

pub fn set_faults(sh: &Shared, f: Faults) {
    let mut rt = lock(&sh.rt);
    rt.rule_hits = vec![0; f.rules.len()];
    rt.requests = 0;
    rt.socket_drops_left = f.wings.socket_drops;
    rt.faults = f;
}

/// Changes the Client API's limit per user; every window starts afresh.
pub fn set_client_rate_limit(sh: &Shared, per_minute: Option<u32>) {
    lock(&sh.rt).client_rate_limit = per_minute;
    lock(&sh.client_windows).clear();
}

pub fn set_rate_limit(sh: &Shared, per_minute: Option<u32>) {
    let mut rt = lock(&sh.rt);
    rt.rate_limit = per_minute;
    rt.window_start = Instant::now();
    rt.window_count = 0;
}
