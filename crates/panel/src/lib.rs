//! roost-panel: HTTP clients for the Application API (`/api/application`, the admin's) and the
//! Client API (`/api/client`, a user's: [`ClientApi`], see `client_api/`) of Pterodactyl (v1.11)
//! and Pelican panels, both dialects first-class.
//!
//! * [`PanelClient`] built from a [`ClientConfig`]: detects or verifies the dialect
//!   ([`PanelClient::detect_dialect`]), reads the whole live state in one listing per kind
//!   ([`PanelClient::read_live`]), and offers targeted reads and every write roost needs.
//! * One module per resource kind (`kinds/<kind>.rs`): its wire types, request bodies
//!   ([`NodeBody`], [`ServerBuildBody`], [`DatabaseBody`], ...) and endpoints, URLs from the
//!   model's routes. Bodies carry every field of their full-replacement endpoints; `from_live`
//!   copies them from live state.
//! * A client-side rate limiter (sliding window, follows `X-RateLimit-Remaining`, honours
//!   `Retry-After`) reports waits through [`WaitObserver`]; the client never prints.
//! * Retries follow a pure [`RetryPolicy`]: idempotent calls are retried on transient failures;
//!   a POST whose outcome is unknown is never re-sent ([`PanelError::Ambiguous`]).
//!
//! ```no_run
//! use roost_panel::{ClientConfig, PanelClient, PanelError, Secret, ServerBuildBody};
//!
//! # async fn demo() -> Result<(), PanelError> {
//! let client = PanelClient::new(ClientConfig::new(
//!     "https://panel.example.com",
//!     Secret::new("ptla_..."),
//! ))?;
//! let live = client.read_live().await?; // detects the dialect on first use
//! if let Some(server) = live.servers.first() {
//!     let mut build = ServerBuildBody::from_live(server); // every field, as it is now
//!     build.limits.memory = 4096; // change only what is meant to change
//!     client.update_server_build(server.id, &build).await?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The reference for every behaviour is `shared/panel-api/` (README.md, dialects.md and the
//! per-resource files).

mod account;
mod client;
mod client_api;
mod console;
mod contention;
mod detect;
mod endpoint;
mod error;
mod file_cache;
mod kinds;
mod lenient;
mod limiter;
mod live;
mod pagination;
mod retry;
mod server_fault;
pub mod wire;

pub use client::{
    ClientConfig, DEFAULT_PAGE_SIZE, PanelClient, RateLimit, dialect_hint_from_token,
};
pub use client_api::*;
pub use console::{
    BackupCompleted, Console, ConsoleConfig, ConsoleError, ConsoleEvent, FeatureMatch,
    NetworkStats, ReconnectPolicy, ServerStatus, Stats,
};
pub use contention::observe_contention;
pub use error::{FieldError, PanelError, PanelSaid};
pub use file_cache::{ChecksumCache, FileKey};
pub use kinds::allocation::AllocationBody;
pub use kinds::database::DatabaseBody;
pub use kinds::file::{FileReadError, FilesToRead, read_files};
pub use kinds::location::LocationBody;
pub use kinds::node::NodeBody;
pub use kinds::schedule::{live_schedule, live_task, read_server_level};
pub use kinds::server::{
    AllocationSpec, DeploySpec, FeatureLimitsBody, LimitsBody, ServerBuildBody, ServerCreateBody,
    ServerDetailsBody, ServerStartupBody, read_power,
};
pub use kinds::subuser::live_subuser;
pub use kinds::user::{RolesBody, UserBody};
pub use limiter::{RateLimitWait, WaitObserver, WaitReason};
pub use live::ExpectedCounts;
pub use retry::{AfterReread, Decision, Failure, Idempotency, OperationRule, Reread, RetryPolicy};
pub use roost_model::{Dialect, Secret};
pub use server_fault::ServerFault;
