//! The Client API (`/api/client`): what a panel user (a server's owner, one of its subusers, or
//! an admin) can do on the servers they reach, with a **client** key (`ptlc_` on Pterodactyl,
//! `pacc_` on Pelican; the identifier followed by the secret is the bearer token). The
//! Application API ([`PanelClient`](crate::PanelClient)) is the admin's; the two take different
//! keys, count in different rate-limit buckets, and are separate clients.
//!
//! * [`ClientApi`]: its own token (a redacting [`Secret`]), its own per-user bucket shared by
//!   every client of the same user ([`ClientBuckets`]), the per-server limiters planned
//!   (`limits.rs`), waits reported through the [`WaitObserver`](crate::WaitObserver).
//! * The route table (`ops.rs`): per operation its verb, the permission it needs, its limiter
//!   and its retry rule ([`OperationRule`](crate::OperationRule)); URLs from the model's
//!   client routes.
//! * Typed errors (`errors.rs`): 409 with the server's state, 403 naming the missing
//!   permission, Wings failures per dialect, 400 refusals by class, 429 naming the limiter.
//! * One module per resource with its wire types, bodies and endpoints.
//!
//! The first request of a client reads `GET /api/client/account`: it names the key's user
//! (whose bucket the client then counts in) and tells the dialect.

mod account;
mod backups;
mod databases;
mod errors;
mod exec;
mod files;
mod limits;
mod network;
mod ops;
mod schedules;
mod servers;
mod settings;
mod signed;
mod subusers;
mod verify;
mod wire;

pub use account::{Account, ApiKey, ApiKeyBody, ApiKeyCreated};
pub use backups::{Backup, BackupBody, BackupList};
pub use databases::{ClientDatabase, ClientDatabaseBody, ClientDatabaseId, DatabaseHostAddress};
pub use errors::{Refusal, ServerState, WingsFailure};
pub use files::{
    ArchiveFormat, ChmodEntry, CompressBody, FileObject, PullBody, RenameEntry, SignedUrl,
};
pub use limits::{ClientBuckets, ClientLimiter, LimiterRule, LimiterScope};
pub use network::ClientAllocation;
pub use ops::{ClientOp, OpSpec, PowerSignal, Verb};
pub use schedules::{Cron, Schedule, ScheduleBody, Task, TaskBody};
pub use servers::{
    ActivityEntry, ClientLimits, ClientServer, ClientServerRelationships, EggRef, FeatureLimits,
    PermissionGroup, ServerDetails, ServerListType, ServerStats, SftpDetails, StatsResources,
    SystemPermissions, SystemPermissionsAttributes, WebsocketCredentials,
};
pub use settings::{StartupConfig, StartupVariable, VariableUpdated};
pub use subusers::{Subuser, SubuserBody};

use crate::client::{ClientConfig, RateLimit, dialect_hint_from_token};
use crate::error::PanelError;
use crate::limiter::{RateLimiter, WaitObserver};
use crate::retry::RetryPolicy;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use roost_model::{Dialect, Secret};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;

/// A client of one panel's Client API with one client key. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct ClientApi {
    pub(crate) inner: Arc<ClientInner>,
}

#[derive(Debug)]
pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// `<base>/api/client`.
    pub(crate) api: Url,
    /// Names the key's provisional bucket until its user is known (the identifier half only;
    /// kept redacted all the same).
    key_id: Secret,
    expected: Option<Dialect>,
    hint: Option<Dialect>,
    session: OnceCell<Session>,
    pub(crate) buckets: ClientBuckets,
    rate_limit: RateLimit,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    /// The longest wait a route limiter may plan before a request; beyond it the request is
    /// refused unsent ([`PanelError::Throttled`] with `sent: false`).
    pub(crate) max_wait: Duration,
    pub(crate) requests: AtomicU64,
    pub(crate) observer: Option<WaitObserver>,
    pub(crate) rng: Mutex<SmallRng>,
    pub(crate) read_only: bool,
    /// Server identifiers resolved to uuids (file routes want the uuid, README §2).
    pub(crate) uuids: Mutex<HashMap<String, String>>,
}

/// What the first request learned: the key's user, its bucket, the dialect.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) dialect: Dialect,
    pub(crate) account: Account,
    /// The user's id (Pterodactyl) or uuid (Pelican): the bucket's key.
    pub(crate) user: String,
    pub(crate) bucket: Arc<RateLimiter>,
}

impl ClientApi {
    /// A client with `config.token` as its client key, counting in the process-wide buckets
    /// ([`ClientBuckets::global`]). No request is made until first use.
    pub fn new(config: ClientConfig) -> Result<ClientApi, PanelError> {
        ClientApi::with_buckets(config, ClientBuckets::global())
    }

    /// A client counting in `buckets` (give every client of one user the same registry so
    /// they wait in one queue; the global one does that for a whole process).
    pub fn with_buckets(
        config: ClientConfig,
        buckets: ClientBuckets,
    ) -> Result<ClientApi, PanelError> {
        let (base_url, _) = crate::detect::api_urls(&config.base_url)?;
        let api = Url::parse(&format!("{base_url}/api/client"))
            .map_err(|e| PanelError::Config(format!("invalid panel URL: {e}")))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.token.expose()))
            .map_err(|_| {
                PanelError::Config("the client token contains invalid characters".into())
            })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let connect_timeout = config.connect_timeout.min(config.timeout);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(connect_timeout)
            .user_agent(concat!("roost-panel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PanelError::Config(format!("HTTP client: {e}")))?;
        let key_id = Secret::new(config.token.expose().chars().take(16).collect::<String>());
        let hint = dialect_hint_from_token(config.token.expose());
        Ok(ClientApi {
            inner: Arc::new(ClientInner {
                http,
                base_url,
                api,
                key_id,
                expected: config.dialect,
                hint,
                session: OnceCell::new(),
                buckets,
                rate_limit: config.rate_limit,
                retry: RetryPolicy {
                    max_retries: config.max_retries,
                    max_elapsed: config.retry_budget,
                    ..RetryPolicy::default()
                },
                timeout: config.timeout,
                connect_timeout,
                max_wait: config.retry_budget,
                requests: AtomicU64::new(0),
                observer: config.on_wait,
                rng: Mutex::new(SmallRng::from_os_rng()),
                read_only: config.read_only,
                uuids: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Panel root URL as configured.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// HTTP requests sent so far (every attempt, retries included).
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The dialect, once the first request told it.
    pub fn dialect(&self) -> Option<Dialect> {
        self.inner.session.get().map(|s| s.dialect)
    }

    /// The dialect, reading the key's account on first use.
    pub async fn ensure_dialect(&self) -> Result<Dialect, PanelError> {
        Ok(self.session().await?.dialect)
    }

    /// The per-minute budget of the key's user bucket in force (`None` when off or not yet
    /// known).
    pub fn rate_limit(&self) -> Option<u32> {
        self.inner.session.get().and_then(|s| s.bucket.limit())
    }

    pub(crate) async fn session(&self) -> Result<&Session, PanelError> {
        self.inner
            .session
            .get_or_try_init(|| self.open_session())
            .await
    }

    /// The bucket under `key` on this panel, made with the configured budget.
    pub(crate) fn bucket(&self, key: &str, dialect: Dialect) -> Arc<RateLimiter> {
        let (limit, adopt) = match self.inner.rate_limit {
            RateLimit::Default => (Some(dialect.default_client_rate_limit()), true),
            RateLimit::PerMinute(n) => (Some(n.max(1)), false),
            RateLimit::Off => (None, false),
        };
        let full = format!("{}|Client|{key}", self.inner.base_url);
        self.inner
            .buckets
            .get_or_insert(full, || RateLimiter::new(limit, adopt))
    }

    /// Reads the key's account, through a bucket of the key alone (its user is not known yet).
    async fn open_session(&self) -> Result<Session, PanelError> {
        let guess = self
            .inner
            .expected
            .or(self.inner.hint)
            .unwrap_or(Dialect::Pelican);
        let provisional = self.bucket(&format!("key:{}", self.inner.key_id.expose()), guess);
        let account = self.read_account(guess, &provisional).await?;
        let dialect = account.dialect(self.inner.hint);
        if let Some(expected) = self.inner.expected
            && expected != dialect
        {
            return Err(PanelError::DialectMismatch {
                base_url: self.inner.base_url.clone(),
                expected,
                actual: dialect,
            });
        }
        let user = account.user_key();
        let bucket = self.bucket(&format!("user:{user}"), dialect);
        Ok(Session {
            dialect,
            account,
            user,
            bucket,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_key_never_shows() {
        let c = ClientApi::with_buckets(
            ClientConfig::new(
                "http://panel.example.com",
                Secret::new("ptlc_abcdefghijklmnopsecretsecretsecret"),
            ),
            ClientBuckets::new(),
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("secretsecret"), "{shown}");
        assert_eq!(c.inner.api.as_str(), "http://panel.example.com/api/client");
        let e = ClientApi::new(ClientConfig::new(
            "http://x",
            Secret::new("bad\nsecret-value"),
        ))
        .unwrap_err();
        assert!(!e.to_string().contains("secret-value"));
    }
}
