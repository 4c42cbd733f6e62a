//! The tables behind the Client API: account API keys, subusers, schedules (with their tasks) and
//! backups, plus the panel settings (`.env` switches) the client routes read. All of them are
//! absent from state files written before the Client API was served; they load empty.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An account (client) API key: `identifier` (16 characters, type prefix included) followed by
/// `secret` (32 characters) is the bearer token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiKey {
    pub id: u64,
    pub user_id: u64,
    pub identifier: String,
    /// Kept in clear: the sim compares it, a real panel stores it encrypted.
    pub secret: String,
    /// The key's description.
    pub memo: String,
    /// IPs and CIDR ranges the key may be used from; empty = any.
    pub allowed_ips: Vec<String>,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
}

impl ApiKey {
    pub fn token(&self) -> String {
        format!("{}{}", self.identifier, self.secret)
    }
}

/// An SSH key of a user's account (for SFTP).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SshKey {
    pub id: u64,
    pub user_id: u64,
    pub name: String,
    /// `SHA256:...`
    pub fingerprint: String,
    /// PKCS#8 PEM.
    pub public_key: String,
    pub created_at: i64,
}

/// A user's access to another user's server.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Subuser {
    pub id: u64,
    pub user_id: u64,
    pub server_id: u64,
    /// The stored JSON: a list of permission names, or (Pterodactyl, after a request with
    /// duplicates) an object keyed by the surviving indexes, which the panel hands back as is.
    pub permissions: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Subuser {
    /// The permission names, whatever JSON shape they are stored in.
    pub fn permission_names(&self) -> Vec<&str> {
        match &self.permissions {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            Value::Object(o) => o.values().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub fn holds(&self, permission: &str) -> bool {
        self.permission_names().contains(&permission)
    }
}

/// The five cron fields of a schedule, as the client sent them.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Cron {
    pub minute: String,
    pub hour: String,
    pub day_of_month: String,
    pub month: String,
    pub day_of_week: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Schedule {
    pub id: u64,
    pub server_id: u64,
    pub name: String,
    pub cron: Cron,
    pub is_active: bool,
    pub is_processing: bool,
    pub only_when_online: bool,
    pub last_run_at: Option<i64>,
    pub next_run_at: Option<i64>,
    /// In no particular order; listings sort by `sequence_id` where the panels do.
    pub tasks: Vec<Task>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Task {
    pub id: u64,
    pub sequence_id: i64,
    pub action: String,
    pub payload: String,
    pub time_offset: i64,
    pub is_queued: bool,
    pub continue_on_failure: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A task waiting in the panel's queue for its time (a schedule's run in progress).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScheduleRun {
    pub schedule_id: u64,
    pub server_id: u64,
    pub task_id: u64,
    /// When it runs (sim ms).
    pub due_ms: i64,
    /// Started with `execute` (runs even when the schedule is inactive).
    pub manual: bool,
}

/// A backup as the panel records it (the archive itself lives with Wings).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Backup {
    pub id: u64,
    pub server_id: u64,
    pub uuid: String,
    pub name: String,
    pub ignored_files: Vec<String>,
    /// The storage adapter: `wings` or `s3`.
    pub disk: String,
    pub checksum: Option<String>,
    pub bytes: i64,
    pub is_successful: bool,
    pub is_locked: bool,
    /// Created by a schedule task (shown by Pelican).
    pub is_scheduled: bool,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    /// Pterodactyl soft-deletes backups: a deleted one is hidden but still counts against the
    /// creation throttle.
    pub deleted_at: Option<i64>,
}

impl Backup {
    /// Running or successful (what counts against `backup_limit`).
    pub fn non_failed(&self) -> bool {
        self.completed_at.is_none() || self.is_successful
    }
}

/// An activity log entry (`activity_logs` with its subjects).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ActivityLog {
    pub id: u64,
    pub event: String,
    pub ip: String,
    /// The acting user.
    pub actor_id: Option<u64>,
    /// The account key used, when the request came through the API.
    pub api_key_id: Option<u64>,
    /// A JSON object.
    pub properties: Value,
    pub timestamp: i64,
    /// The server subject (`server:*` events).
    pub server_id: Option<u64>,
    /// The user subject (`user:*` events on `/account` routes).
    pub user_id: Option<u64>,
}

fn default_true() -> bool {
    true
}

/// The panel's `.env` switches the Client API reads, with each panel's defaults.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PanelSettings {
    /// How long a new or reinstalled server stays `installing` (0: done right after the answer).
    pub install_ms: u64,
    /// `*_CLIENT_ALLOCATIONS_ENABLED` (off by default in both panels).
    pub client_allocations: bool,
    /// `*_CLIENT_ALLOCATIONS_RANGE_START` / `_END`.
    pub allocation_range: Option<(u16, u16)>,
    /// Pelican's `PANEL_CLIENT_ALLOCATIONS_CREATE_NEW`.
    #[serde(default = "default_true")]
    pub allocation_create_new: bool,
    /// `*_CLIENT_DATABASES_ENABLED`.
    #[serde(default = "default_true")]
    pub client_databases: bool,
    /// `*_CLIENT_DATABASES_ALLOW_RANDOM`: use a host of another node when the server's has none.
    #[serde(default = "default_true")]
    pub databases_allow_random: bool,
    /// Tasks per schedule.
    pub task_limit: u32,
    /// `BACKUP_THROTTLE_LIMIT` backups per `BACKUP_THROTTLE_PERIOD` seconds (0: no throttle).
    pub backup_throttle_limit: u32,
    pub backup_throttle_period: i64,
    /// Pelican's `PANEL_EDITABLE_SERVER_DESCRIPTIONS`.
    #[serde(default = "default_true")]
    pub editable_descriptions: bool,
    /// Account API keys per user.
    pub api_key_limit: u32,
    /// `*_FILES_MAX_EDIT_SIZE`: the largest file `files/contents` shows (bytes).
    pub files_max_edit_size: u64,
    /// How long the panel serves a server's `resources` from its cache (seconds; Pterodactyl
    /// and Pelican: 20). Tests that are not about the cache may shorten it.
    pub resources_cache_s: i64,
    /// How long the emulated Wings takes for its background work.
    pub wings: WingsTimings,
}

/// The emulated daemon's timings (sim milliseconds).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct WingsTimings {
    /// offline → starting → running.
    pub start_ms: u64,
    /// stopping → offline.
    pub stop_ms: u64,
    /// A backup from pending to completed.
    pub backup_ms: u64,
    /// A restore, during which the panel answers 409.
    pub restore_ms: u64,
}

impl Default for WingsTimings {
    fn default() -> Self {
        WingsTimings {
            start_ms: 3_000,
            stop_ms: 2_000,
            backup_ms: 5_000,
            restore_ms: 5_000,
        }
    }
}

impl Default for PanelSettings {
    fn default() -> Self {
        PanelSettings {
            install_ms: 2_000,
            client_allocations: false,
            allocation_range: None,
            allocation_create_new: true,
            client_databases: true,
            databases_allow_random: true,
            task_limit: 10,
            backup_throttle_limit: 2,
            backup_throttle_period: 600,
            editable_descriptions: true,
            api_key_limit: 25,
            files_max_edit_size: 4 * 1024 * 1024,
            resources_cache_s: 20,
            wings: WingsTimings::default(),
        }
    }
}
