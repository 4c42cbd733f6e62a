//! The engine: carries out a [`Plan`] and nothing else (it never re-diffs).
//!
//! * Deletes run first, each after the deletes that must precede it (a server before its
//!   allocations and its owner); then creates, updates, adoptions and replacements run in
//!   dependency order (location → node → allocations → server; user → server).
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
mod checked;
mod deps;
mod exec;
mod interrupt;

pub use interrupt::{DEFAULT_GRACE, Interrupt};
mod verify;

use roost_model::{Address, Secret, SecretRef};
use roost_panel::PanelClient;
use roost_plan::{Action, Change, Plan};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

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
    /// Waiting before the next request (rate limit, `Retry-After`, backoff).
    Waiting {
        seconds: f64,
        reason: String,
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

/// Reads write-only secrets (passwords) when a change needs them. The engine never stores or
/// prints the value.
pub type SecretResolver = Arc<dyn Fn(&SecretRef) -> Result<Secret, String> + Send + Sync>;

/// Reads secrets from the environment, and files relative to `base` (the trailing newline of a
/// file removed). A secret that is not set, not readable, or empty (or only whitespace, which
/// the panels store as empty) is an error: a password or variable is never sent blank.
pub fn env_and_file_secrets(base: std::path::PathBuf) -> SecretResolver {
    Arc::new(move |r: &SecretRef| {
        let (value, what) = match r {
            SecretRef::Env(var) => {
                let value = std::env::var(var).map_err(|e| match e {
                    std::env::VarError::NotPresent => {
                        format!("the environment variable {var} is not set")
                    }
                    std::env::VarError::NotUnicode(_) => {
                        format!("the environment variable {var} is not valid UTF-8")
                    }
                })?;
                (value, format!("the environment variable {var}"))
            }
            SecretRef::File(path) => {
                let p = base.join(path);
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| format!("cannot read the secret file {}: {e}", p.display()))?;
                let value = text.trim_end_matches(['\n', '\r']).to_string();
                (value, format!("the secret file {}", p.display()))
            }
        };
        if value.trim().is_empty() {
            return Err(format!("{what} is empty"));
        }
        Ok(Secret::new(value))
    })
}

/// Read every secret in `refs` with `resolver`: what `plan` does before planning, so that a
/// missing one fails the plan (and any apply) before a single write.
pub fn read_secrets<'a>(
    resolver: &SecretResolver,
    refs: impl IntoIterator<Item = &'a SecretRef>,
) -> roost_model::ResolvedSecrets {
    refs.into_iter().map(|r| (r.clone(), resolver(r))).collect()
}

pub struct ApplyOptions {
    /// Changes in flight at once.
    pub parallelism: usize,
    pub secrets: SecretResolver,
}

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

/// A unit of work: one change, or a group of allocation creates made by one request.
struct Task {
    changes: Vec<Change>,
}

impl Task {
    fn label(&self) -> &Address {
        &self.changes[0].address
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
    let ids = exec::Ids::from_plan(plan);
    let ctx = Arc::new(exec::Ctx {
        client,
        ids: Mutex::new(ids),
        secrets: opts.secrets,
        reporter: reporter.clone(),
        dialect: plan.dialect,
        not_kept: Mutex::new(checked::NotKept::default()),
        panel_release: panel_release(plan),
    });
    // Three phases, as the plan orders them: server deletes (they free allocations and owners),
    // then creates/updates/adoptions/replacements, then the other deletes (after the updates
    // that stop using what they delete).
    let is_delete = |c: &&Change| c.action == Action::Delete;
    let early: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| is_delete(c) && c.address.kind == roost_model::Kind::Server)
        .collect();
    let middle: Vec<&Change> = plan.changes.iter().filter(|c| !is_delete(c)).collect();
    let late: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| is_delete(c) && c.address.kind != roost_model::Kind::Server)
        .collect();
    let mut outcome = Outcome::default();
    let by_address: HashMap<&Address, &Change> =
        plan.changes.iter().map(|c| (&c.address, c)).collect();
    let mut concurrency = adapt::Concurrency::new(opts.parallelism);
    for (changes, group) in [(early, false), (middle, true), (late, false)] {
        run_phase(
            &ctx,
            build_tasks(&changes, group),
            &by_address,
            &mut concurrency,
            interrupt,
            &mut outcome,
        )
        .await;
    }
    outcome.elapsed = started.elapsed();
    outcome.final_parallelism = concurrency.limit();
    if let Ok(mut n) = ctx.not_kept.lock() {
        outcome.not_kept = std::mem::take(&mut n.all);
    }
    outcome
}

/// The panel's release as far as the nodes in the plan tell (Pelican only), for messages.
fn panel_release(plan: &Plan) -> Option<&'static str> {
    if plan.dialect != roost_model::Dialect::Pelican {
        return None;
    }
    let nodes = plan.changes.iter().filter_map(|c| match &c.live {
        Some(roost_plan::LiveObject::Node(n)) => Some(n),
        _ => None,
    });
    roost_model::release::PelicanRelease::of_nodes(nodes).describe()
}

/// Tasks and their dependencies (indices into the task list).
fn build_tasks(changes: &[&Change], group_allocations: bool) -> (Vec<Task>, Vec<Vec<usize>>) {
    let mut tasks: Vec<Task> = Vec::new();
    let mut groups: BTreeMap<(String, String, Option<String>), usize> = BTreeMap::new();
    let mut task_of: HashMap<&Address, usize> = HashMap::new();
    for c in changes {
        let group_key = (group_allocations && c.action == Action::Create)
            .then(|| match &c.desired {
                Some(roost_plan::Desired::Allocation(a)) => {
                    Some((a.node.clone(), a.ip.to_string(), a.alias.clone()))
                }
                _ => None,
            })
            .flatten();
        let idx = match group_key {
            Some(k) => match groups.get(&k) {
                Some(&i) => {
                    tasks[i].changes.push((*c).clone());
                    i
                }
                None => {
                    tasks.push(Task {
                        changes: vec![(*c).clone()],
                    });
                    groups.insert(k, tasks.len() - 1);
                    tasks.len() - 1
                }
            },
            None => {
                tasks.push(Task {
                    changes: vec![(*c).clone()],
                });
                tasks.len() - 1
            }
        };
        task_of.insert(&c.address, idx);
    }
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); tasks.len()];
    for c in changes {
        let me = task_of[&c.address];
        for d in &c.depends_on {
            if let Some(&t) = task_of.get(d)
                && t != me
                && !deps[me].contains(&t)
            {
                deps[me].push(t);
            }
        }
    }
    (tasks, deps)
}

async fn run_phase(
    ctx: &Arc<exec::Ctx>,
    (tasks, deps): (Vec<Task>, Vec<Vec<usize>>),
    plan: &HashMap<&Address, &Change>,
    concurrency: &mut adapt::Concurrency,
    interrupt: &Interrupt,
    outcome: &mut Outcome,
) {
    let n = tasks.len();
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(i);
        }
    }
    let tasks: Vec<Arc<Task>> = tasks.into_iter().map(Arc::new).collect();
    // What an earlier phase failed or skipped, when it holds back what depends on it: whatever
    // depends on it is skipped here too.
    let bad: std::collections::HashSet<Address> = outcome
        .failed
        .iter()
        .map(|(a, _)| a.clone())
        .chain(outcome.skipped.iter().cloned())
        .filter(|a| plan.get(a).is_none_or(|c| deps::holds_back(c)))
        .collect();
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut done = vec![false; n];
    let mut sched = Sched {
        tasks: &tasks,
        dependents: &dependents,
        done: &mut done,
        waiting: &mut waiting,
        ready: &mut ready,
    };
    for (i, task) in tasks.iter().enumerate() {
        let cause = task
            .changes
            .iter()
            .flat_map(|c| &c.depends_on)
            .find(|d| bad.contains(*d))
            .cloned();
        if let (Some(because), false) = (cause, sched.done[i]) {
            sched.skip_down(ctx, vec![i], &because, outcome);
        }
    }
    // Each task carries the limit it started under and how much contention it met.
    let mut running: JoinSet<(usize, usize, u32, Result<(), String>)> = JoinSet::new();
    let (mut started, mut grace_ends) = (vec![false; n], None);
    loop {
        while running.len() < concurrency.limit() && !interrupt.is_requested() {
            let Some(i) = sched.ready.pop_front() else {
                break;
            };
            if sched.done[i] {
                continue;
            }
            started[i] = true;
            let task = tasks[i].clone();
            let ctx = ctx.clone();
            let level = concurrency.limit();
            running.spawn(async move {
                let (r, contention) =
                    roost_panel::observe_contention(exec::run_task(&ctx, &task.changes)).await;
                (i, level, contention, r)
            });
        }
        let Some(joined) = interrupt::next_finished(&mut running, interrupt, &mut grace_ends).await
        else {
            break;
        };
        let (i, level, contention, result) = match joined {
            Ok(x) => x,
            // A panicking task is a bug; the others go on, and the run is marked failed below.
            Err(e) => {
                outcome.failed.push((
                    Address::new(roost_model::Kind::Server, "<engine>"),
                    format!("internal error: {e}"),
                ));
                continue;
            }
        };
        if contention > 0
            && let Some((from, to)) = concurrency.contention(level)
        {
            ctx.reporter.report(Event::ConcurrencyLowered {
                from,
                to,
                reason: "the panel's database reported lock contention (deadlock or \"database is locked\")".into(),
            });
        }
        sched.done[i] = true;
        match result {
            Ok(()) => {
                outcome
                    .applied
                    .extend(tasks[i].changes.iter().map(|c| c.address.clone()));
                sched.release_dependents(i);
            }
            Err(error) => {
                for c in &tasks[i].changes {
                    outcome.failed.push((c.address.clone(), error.clone()));
                }
                if deps::task_holds_back(&tasks[i].changes) {
                    // Everything downstream is skipped, not failed.
                    let because = tasks[i].label().clone();
                    let start = dependents[i].clone();
                    sched.skip_down(ctx, start, &because, outcome);
                } else {
                    sched.release_dependents(i);
                }
            }
        }
    }
    if interrupt.is_requested() {
        // Past the grace period: what still runs is stopped, its outcome unknown.
        running.abort_all();
        interrupt::settle(ctx, &tasks, &done, &started, outcome);
    }
}

/// The scheduling state of one phase.
struct Sched<'a> {
    tasks: &'a [Arc<Task>],
    dependents: &'a [Vec<usize>],
    done: &'a mut [bool],
    /// Dependencies each task still waits for.
    waiting: &'a mut [usize],
    ready: &'a mut VecDeque<usize>,
}

impl Sched<'_> {
    /// Task `i` is over as far as its dependents are concerned: each waits for one less.
    fn release_dependents(&mut self, i: usize) {
        for &d in &self.dependents[i] {
            self.waiting[d] -= 1;
            if self.waiting[d] == 0 && !self.done[d] {
                self.ready.push_back(d);
            }
        }
    }

    /// Skip `start` and what depends on it, reporting each as skipped because of `because`.
    /// A skipped change that does not hold its dependents back (`deps.rs`) releases them.
    fn skip_down(
        &mut self,
        ctx: &exec::Ctx,
        start: Vec<usize>,
        because: &Address,
        outcome: &mut Outcome,
    ) {
        let mut stack = start;
        while let Some(d) = stack.pop() {
            if self.done[d] {
                continue;
            }
            self.done[d] = true;
            for c in &self.tasks[d].changes {
                ctx.reporter.report(Event::Skipped {
                    address: c.address.clone(),
                    action: c.action,
                    because: because.clone(),
                });
                outcome.skipped.push(c.address.clone());
            }
            if deps::task_holds_back(&self.tasks[d].changes) {
                stack.extend(self.dependents[d].iter().copied());
            } else {
                self.release_dependents(d);
            }
        }
    }
}
