//! roost-sim: an in-memory Pterodactyl v1.11 / Pelican panel serving the Application API over
//! real HTTP, faithful to `shared/panel-api/` (shapes, errors, order of checks, quirks), with
//! fault injection, rate limiting, a request log and an admin interface under `/__sim/`.

mod admin;
mod client;
mod clock;
mod config;
mod db_lock;
mod faults;
mod http;
mod kinds;
mod legacy;
mod listing;
mod persist;
mod render;
mod request;
mod response;
mod router;
mod rules;
mod state;
mod stock;
mod util;
mod wings;

pub use clock::Clock;
pub use db_lock::DbLock;
pub use legacy::LegacyFields;
pub use roost_model::Dialect;
pub use rules::Regex;
pub use state::{
    ActivityLog, Allocation, ApiKey, Backup, Counters, Cron, DATABASE_NAME_MAX, Database,
    DatabaseHost, DatabaseHostParams, Egg, EggVariable, Location, Nest, Node, NodeParams,
    PanelSettings, Role, Schedule, Server, ServerParams, SimState, SshKey, Subuser, Task, User,
    UserParams, database_name,
};

pub use client::wings::{
    Report, ServerConfig, Unreachable, Wings, WingsAnswer, WingsCall, WingsError,
};
pub use client::{default_client_token, totp};
pub use config::{
    FaultAction, FaultRule, Faults, LoggedRequest, SimConfig, SimError, WingsFaults, default_token,
};
pub use state::WingsTimings;
pub use wings::Emulated as EmulatedWings;

use persist::{load_state, save_state};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::watch;

/// What can change while the sim runs, besides the panel state: faults and the rate window.
struct Runtime {
    faults: Faults,
    rule_hits: Vec<u32>,
    requests: u64,
    rate_limit: Option<u32>,
    window_start: Instant,
    window_count: u32,
    /// Client API requests per minute and user; None = off.
    client_rate_limit: Option<u32>,
    /// How many more console sockets the `socket_drop_after_frames` fault cuts.
    socket_drops_left: u32,
}

/// Everything the request handlers share.
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
    /// Response body bytes served (panel and daemon routes), for benchmarks.
    bytes_served: std::sync::atomic::AtomicU64,
    /// The Client API's rate-limit windows (per user, per server and route).
    client_windows: Mutex<client::Windows>,
    /// The daemon the Client API hands work to.
    wings: Mutex<Arc<dyn Wings>>,
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

    fn count_bytes(&self, resp: &axum::http::Response<axum::body::Body>) {
        use axum::body::HttpBody;
        let n = resp.body().size_hint().exact().unwrap_or(0);
        self.bytes_served
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    fn log_finish(&self, seq: u64, status: u16) {
        let mut l = lock(&self.log);
        if let Some((_, e)) = l.1.iter_mut().rev().find(|(s, _)| *s == seq) {
            e.status = status;
        }
    }
}

/// Stores the configured client key as an account key of the application key's owner, so it
/// is listed and looked up like any other (a state file that already has it is left alone).
fn register_client_token(st: &mut SimState, token: &str) {
    if token.len() != 48 || !token.is_char_boundary(16) || st.find_api_key(token).is_some() {
        return;
    }
    let (identifier, secret) = token.split_at(16);
    let owner = st.api_key_owner;
    st.add_api_key(owner, identifier, secret, "roost sim", Vec::new());
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
        let mut st = st.unwrap_or_else(|| {
            let mut s = SimState::new(config.dialect, config.seed_stock);
            s.reindex();
            s
        });
        register_client_token(&mut st, &config.client_token);
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
                client_rate_limit: config.client_rate_limit,
                socket_drops_left: config.faults.wings.socket_drops,
            }),
            writes: db_lock::Writes::default(),
            log: Mutex::new((0, Vec::new())),
            bytes_served: 0.into(),
            client_windows: Mutex::new(client::Windows::default()),
            wings: Mutex::new(Arc::new(Unreachable)),
        });
        {
            let st = lock(&shared.state);
            let daemon = wings::Emulated::new(
                config.dialect,
                st.clock.clone(),
                shared.url.clone(),
                st.settings.wings,
            );
            *lock(&shared.wings) = Arc::new(daemon);
        }
        {
            let st = lock(&shared.state);
            shared.save(&st);
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(http::accept_loop(listener, shared.clone(), stop_rx));
        Ok(SimHandle {
            shared,
            stop: Arc::new(stop_tx),
            task: Arc::new(Mutex::new(Some(task))),
        })
    }
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
    /// The client key of the application key's owner (the seeded admin).
    pub fn client_token(&self) -> String {
        self.shared.client_token.clone()
    }
    /// Mints a client (account) key for any user and returns its bearer token; None when the
    /// user does not exist.
    pub fn mint_client_key(&self, user_id: u64) -> Option<String> {
        let mut st = lock(&self.shared.state);
        st.users.contains_key(&user_id).then_some(())?;
        let token = st.mint_api_key(user_id, "minted by the sim", Vec::new());
        self.shared.save(&st);
        Some(token)
    }
    /// Plugs in the daemon the Client API hands work to (by default: unreachable).
    pub fn set_wings(&self, wings: Arc<dyn Wings>) {
        *lock(&self.shared.wings) = wings;
    }
    /// The emulated daemon's last console lines of a server (empty when another daemon is
    /// plugged in or the daemon has not met the server yet).
    pub fn console(&self, server_uuid: &str) -> Vec<String> {
        let wings = lock(&self.shared.wings).clone();
        wings
            .emulated()
            .map(|w| w.logs(server_uuid))
            .unwrap_or_default()
    }
    /// Moves the sim's clock forward (installs, throttles, rate-limit windows, timestamps).
    pub fn advance_clock(&self, by: std::time::Duration) {
        lock(&self.shared.state)
            .clock
            .advance_ms(by.as_millis() as i64);
    }
    /// Changes the Client API's limit per user and minute (None: off) and starts afresh.
    pub fn set_client_rate_limit(&self, per_minute: Option<u32>) {
        admin::set_client_rate_limit(&self.shared, per_minute);
    }
    pub fn dialect(&self) -> Dialect {
        self.shared.dialect
    }
    /// Replaces the faults and resets the rule counters.
    pub fn set_faults(&self, faults: Faults) {
        admin::set_faults(&self.shared, faults);
    }
    /// Changes the limit and starts a fresh window.
    pub fn set_rate_limit(&self, per_minute: Option<u32>) {
        admin::set_rate_limit(&self.shared, per_minute);
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
    /// Response body bytes served since the start (panel and daemon routes, the signed
    /// downloads included).
    pub fn bytes_served(&self) -> u64 {
        self.shared
            .bytes_served
            .load(std::sync::atomic::Ordering::Relaxed)
    }
    pub fn state(&self) -> SimState {
        let wings = lock(&self.shared.wings).clone();
        let mut st = lock(&self.shared.state);
        let settled = client::remote::settle(&mut st, wings.as_ref())
            | client::runner::settle(&mut st, wings.as_ref(), &self.shared.url);
        if st.settle_installs() || settled {
            self.shared.save(&st);
        }
        st.clone()
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
