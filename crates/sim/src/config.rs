//! How a sim is set up: dialect, keys, rate limit, state file and faults, plus the public
//! types of fault injection and the request log.

use crate::client::default_client_token;
use crate::db_lock::DbLock;
use crate::legacy::LegacyFields;
use roost_model::Dialect;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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
    /// A client key of the application key's owner (more are minted per user).
    pub client_token: String,
    /// Client API requests per minute and user; None = off. [`SimConfig::new`] sets the
    /// dialect's real limit (720 Pterodactyl, 256 Pelican).
    pub client_rate_limit: Option<u32>,
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
            client_rate_limit: Some(match dialect {
                Dialect::Pterodactyl => 720,
                Dialect::Pelican => 256,
            }),
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
    /// The node's daemon misbehaving.
    pub wings: WingsFaults,
}

/// Faults of the emulated Wings (`PUT /__sim/faults` `{"wings": {...}}`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct WingsFaults {
    /// The panel cannot reach the daemon (each dialect's connection error).
    pub unreachable: bool,
    /// Each panel→daemon call takes this long; from the panel's 15-second HTTP timeout on it
    /// fails as unreachable after waiting that long.
    pub slow_ms: u64,
    /// A console socket is cut (no close frame) after sending this many frames ...
    pub socket_drop_after_frames: Option<u32>,
    /// ... on this many sockets (0: every socket).
    pub socket_drops: u32,
    /// A console socket's token counts as expired after this many frames (once per socket,
    /// until the client authenticates again).
    pub token_expiry_after_frames: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FaultRule {
    /// e.g. "POST"; None = any.
    #[serde(default)]
    pub method: Option<String>,
    /// Prefix of the path after /api/application, or of the whole path for the Client API
    /// (`/api/client/...`).
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
        addr: std::net::SocketAddr,
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
