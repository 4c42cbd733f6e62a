//! The engine: carries out a [`Plan`] and nothing else (it never re-diffs).
//!
//! * Deletes run first, each after the deletes that must precede it (a server before its
//!   allocations and its owner); then creates, updates, adoptions and replacements run in
//!   dependency order (location → node → allocations → server; user → server).
//! * Independent changes run concurrently, bounded by `parallelism` and by the client's rate
//!   limiter. A failed change skips everything that depends on it; other branches go on.
//! * A create whose outcome is unknown (timeout, dropped connection, 5xx) is followed by a
//!   re-read by the resource's identity before any retry: nothing is ever created twice.
//! * An [`Interrupt`] (Ctrl-C) stops it: nothing new starts, the changes in flight get a
//!   bounded grace period, and what is left is reported as not started or of unknown outcome.
//! * Progress goes to a [`Reporter`] as [`Event`]s; the engine never prints.

mod exec;
mod interrupt;

pub use interrupt::{DEFAULT_GRACE, Interrupt};

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
    for (changes, group) in [(early, false), (middle, true), (late, false)] {
        run_phase(
            &ctx,
            build_tasks(&changes, group),
            opts.parallelism,
            interrupt,
            &mut outcome,
        )
        .await;
    }
    outcome.elapsed = started.elapsed();
    outcome
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
    parallelism: usize,
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
    // What an earlier phase failed or skipped: whatever depends on it is skipped here too.
    let bad: std::collections::HashSet<Address> = outcome
        .failed
        .iter()
        .map(|(a, _)| a.clone())
        .chain(outcome.skipped.iter().cloned())
        .collect();
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut done = vec![false; n];
    for i in 0..n {
        let cause = tasks[i]
            .changes
            .iter()
            .flat_map(|c| &c.depends_on)
            .find(|d| bad.contains(*d))
            .cloned();
        if let (Some(because), false) = (cause, done[i]) {
            skip_down(
                ctx,
                &tasks,
                &dependents,
                &mut done,
                vec![i],
                &because,
                outcome,
            );
        }
    }
    let mut running: JoinSet<(usize, Result<(), String>)> = JoinSet::new();
    let (mut started, mut grace_ends) = (vec![false; n], None);
    loop {
        while running.len() < parallelism.max(1) && !interrupt.is_requested() {
            let Some(i) = ready.pop_front() else { break };
            if done[i] {
                continue;
            }
            started[i] = true;
            let task = tasks[i].clone();
            let ctx = ctx.clone();
            running.spawn(async move {
                let r = exec::run_task(&ctx, &task.changes).await;
                (i, r)
            });
        }
        let Some(joined) = interrupt::next_finished(&mut running, interrupt, &mut grace_ends).await
        else {
            break;
        };
        let (i, result) = match joined {
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
        done[i] = true;
        match result {
            Ok(()) => {
                outcome
                    .applied
                    .extend(tasks[i].changes.iter().map(|c| c.address.clone()));
                for &d in &dependents[i] {
                    waiting[d] -= 1;
                    if waiting[d] == 0 && !done[d] {
                        ready.push_back(d);
                    }
                }
            }
            Err(error) => {
                for c in &tasks[i].changes {
                    outcome.failed.push((c.address.clone(), error.clone()));
                }
                // Everything downstream is skipped, not failed.
                let because = tasks[i].label().clone();
                skip_down(
                    ctx,
                    &tasks,
                    &dependents,
                    &mut done,
                    dependents[i].clone(),
                    &because,
                    outcome,
                );
            }
        }
    }
    if interrupt.is_requested() {
        // Past the grace period: what still runs is stopped, its outcome unknown.
        running.abort_all();
        interrupt::settle(ctx, &tasks, &done, &started, outcome);
    }
}

/// Skip `start` and everything that depends on it, reporting each as skipped because of
/// `because`.
fn skip_down(
    ctx: &exec::Ctx,
    tasks: &[Arc<Task>],
    dependents: &[Vec<usize>],
    done: &mut [bool],
    start: Vec<usize>,
    because: &Address,
    outcome: &mut Outcome,
) {
    let mut stack = start;
    while let Some(d) = stack.pop() {
        if done[d] {
            continue;
        }
        done[d] = true;
        for c in &tasks[d].changes {
            ctx.reporter.report(Event::Skipped {
                address: c.address.clone(),
                action: c.action,
                because: because.clone(),
            });
            outcome.skipped.push(c.address.clone());
        }
        stack.extend(dependents[d].iter().copied());
    }
}
