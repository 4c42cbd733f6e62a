//! The engine: carries out a [`Plan`] and nothing else (it never re-diffs).
//!
//! * Each change is a list of typed operations (`roost_plan::Op`), carried out in order by the
//!   module of its kind (`kinds/`); ids the plan could not know (`Ref::Pending`) come from the
//!   creates earlier in the run. Nothing is parsed back from a path.
//! * The plan's order is kept: the deletes it puts first (servers, which free allocations and
//!   owners), then creates, updates, adoptions and replacements in dependency order, then the
//!   other deletes.
//! * Independent changes run concurrently, bounded by `parallelism` and by the client's rate
//!   limiter; when the panel's database reports contention the parallelism is halved for the
//!   rest of the run (`adapt.rs`). A failed change skips what needs it (`deps.rs`: a failed
//!   create skips its dependents, a failed node or user update does not); other branches go on.
//! * A create whose outcome is unknown (timeout, dropped connection, 5xx) is followed by a
//!   re-read by the resource's identity before any retry: nothing is ever created twice.
//! * An [`Interrupt`] (Ctrl-C) stops it: nothing new starts, the changes in flight get a
//!   bounded grace period, and what is left is reported as not started or of unknown outcome.
//! * Progress goes to a [`Reporter`] as [`Event`]s; the engine never prints.

mod adapt;
mod allocation_notes;
mod checked;
mod context;
mod create;
mod deps;
mod interrupt;
mod kinds;
mod power;
mod run;
mod schedule;
mod secrets;
mod server_level;
mod verify;

pub use interrupt::{DEFAULT_GRACE, Interrupt};
pub use power::DEFAULT_POWER_TIMEOUT;
pub use secrets::{SecretResolver, env_and_file_secrets, read_secrets};

use roost_model::Address;
use roost_panel::PanelClient;
use roost_plan::{Action, Change, Plan};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whom a [`Event::Waiting`] waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitCause {
    /// The panel: its rate limit, a `Retry-After`, or the pause before a retry.
    Panel,
    /// A server: its install to finish, or Wings to report its power state.
    Server,
}

/// What happened, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started {
        address: Address,
        action: Action,
    },
    Finished {
        address: Address,
        action: Action,
        elapsed: Duration,
    },
    Failed {
        address: Address,
        action: Action,
        error: String,
    },
    /// Not attempted because something it depends on failed.
    Skipped {
        address: Address,
        action: Action,
        because: Address,
    },
    /// A create's outcome was unknown; a re-read found it had happened.
    Recovered {
        address: Address,
        note: String,
    },
    /// Waiting before the next request (rate limit, `Retry-After`, backoff), or for a server.
    Waiting {
        seconds: f64,
        reason: String,
        cause: WaitCause,
    },
    /// Not finished because the run was interrupted: never started, or (`started`) still
    /// running when the grace period ran out, so its outcome is unknown.
    Interrupted {
        address: Address,
        action: Action,
        started: bool,
    },
    /// An update was applied, but the panel did not keep `field`: it reports the old value
    /// afterwards (an older panel release that drops the field). Reported once per kind and
    /// field in a run; [`Outcome::not_kept`] lists every occurrence.
    NotKept {
        address: Address,
        field: String,
        /// The panel's release as far as it is known.
        panel: Option<String>,
    },
    /// Fewer changes run at once from now on, for the rest of the run.
    ConcurrencyLowered {
        from: usize,
        to: usize,
        reason: String,
    },
}

pub trait Reporter: Send + Sync {
    fn report(&self, event: Event);
}

pub struct ApplyOptions {
    /// Changes in flight at once.
    pub parallelism: usize,
    pub secrets: SecretResolver,
    /// The Client API (a client key of a root admin) for server-level children (schedules);
    /// `None`: a plan with such changes fails at them, saying so.
    pub client_api: Option<roost_panel::ClientApi>,
    /// How long writes of a server's children wait for the server to finish installing.
    pub install_wait: Duration,
    /// Where the checksums of written files are remembered (`None`: nowhere).
    pub file_cache: Option<roost_panel::ChecksumCache>,
    /// The manifest directory `file` sources are read from (default: the plan's).
    pub manifests: Option<std::path::PathBuf>,
    /// How long a server's power operation waits for it to reach its declared state (after
    /// its install, if it was installing).
    pub power_timeout: Duration,
}

/// How long, by default, a server's schedules wait for the server's install to finish.
pub const DEFAULT_INSTALL_WAIT: Duration = Duration::from_secs(600);

/// How the run ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub applied: Vec<Address>,
    pub failed: Vec<(Address, String)>,
    pub skipped: Vec<Address>,
    /// The run was interrupted.
    pub interrupted: bool,
    /// Not started because the run was interrupted.
    pub not_started: Vec<Address>,
    /// Still running when the interrupt's grace period ran out: may or may not have happened.
    pub unknown: Vec<Address>,
    pub elapsed: Duration,
    /// Applied updates whose field the panel did not keep (see [`Event::NotKept`]).
    pub not_kept: Vec<(Address, String)>,
    /// Changes in flight at once when the run ended (lower than asked when the panel's
    /// database reported contention).
    pub final_parallelism: usize,
}

impl Outcome {
    pub fn success(&self) -> bool {
        self.failed.is_empty()
            && self.skipped.is_empty()
            && !self.interrupted
            && self.not_started.is_empty()
            && self.unknown.is_empty()
    }
}

/// Apply `plan` through `client`.
pub async fn apply(
    plan: &Plan,
    client: Arc<PanelClient>,
    opts: ApplyOptions,
    reporter: Arc<dyn Reporter>,
) -> Outcome {
    apply_interruptible(plan, client, opts, reporter, &Interrupt::default()).await
}

/// [`apply`], stopping when `interrupt` is requested.
pub async fn apply_interruptible(
    plan: &Plan,
    client: Arc<PanelClient>,
    opts: ApplyOptions,
    reporter: Arc<dyn Reporter>,
    interrupt: &Interrupt,
) -> Outcome {
    let started = Instant::now();
    let cx = Arc::new(context::ApplyCx {
        client,
        ids: Mutex::new(HashMap::new()),
        secrets: opts.secrets,
        reporter: reporter.clone(),
        not_kept: Mutex::new(checked::NotKept::default()),
        panel_release: plan.panel_release.clone(),
        client_api: opts.client_api,
        identifiers: Mutex::new(HashMap::new()),
        install_wait: opts.install_wait,
        manifests: opts
            .manifests
            .or_else(|| plan.manifests.as_ref().map(std::path::PathBuf::from)),
        file_cache: opts.file_cache,
        power_timeout: opts.power_timeout,
    });
    let mut outcome = Outcome::default();
    let by_address: HashMap<&Address, &Change> =
        plan.changes.iter().map(|c| (&c.address, c)).collect();
    let mut concurrency = adapt::Concurrency::new(opts.parallelism);
    for changes in phases(plan) {
        schedule::run_phase(
            &cx,
            schedule::build_tasks(&changes),
            &by_address,
            &mut concurrency,
            interrupt,
            &mut outcome,
        )
        .await;
    }
    outcome.elapsed = started.elapsed();
    outcome.final_parallelism = concurrency.limit();
    if let Ok(mut n) = cx.not_kept.lock() {
        outcome.not_kept = std::mem::take(&mut n.all);
    }
    outcome
}

/// The plan's three phases, as it orders them: the deletes it puts first (servers: they free
/// allocations and owners), then creates/updates/adoptions/replacements, then the other deletes
/// (after the updates that stop using what they delete).
fn phases(plan: &Plan) -> [Vec<&Change>; 3] {
    let is_delete = |c: &Change| c.action == Action::Delete;
    let first_other = plan
        .changes
        .iter()
        .position(|c| !is_delete(c))
        .unwrap_or(plan.changes.len());
    let (early, rest) = plan.changes.split_at(first_other);
    [
        early.iter().collect(),
        rest.iter().filter(|c| !is_delete(c)).collect(),
        rest.iter().filter(|c| is_delete(c)).collect(),
    ]
}
