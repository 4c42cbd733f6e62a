//! The kind-agnostic scheduler: tasks (a change, or allocation creates made by one request)
//! run as soon as what they depend on is done, within the concurrency limit; a task that did
//! not happen skips what it holds back (`deps.rs`). Operations that run last in their resource
//! (`OpSpec::runs_last`: a server's power signal) become a task of their own when changes of
//! the resource's children are in the phase: it waits for them, and what depends on the
//! resource waits only for the rest of its change.

use crate::context::ApplyCx;
use crate::interrupt::{self, Interrupt};
use crate::{Event, Outcome, adapt, deps, run};
use roost_model::Address;
use roost_plan::{Change, Op, OpSpec, kinds::allocation};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use tokio::task::JoinSet;

/// A unit of work: one change, or a group of allocation creates made by one request, or the
/// operations that run last of a change (`tail_of`: the task with the rest of that change).
/// A change split in two reports `Started` from its first part and `Finished` from its last.
pub(crate) struct Task {
    pub(crate) changes: Vec<Change>,
    pub(crate) tail_of: Option<usize>,
    /// The first part of a change whose last operations are a task of their own.
    pub(crate) has_tail: bool,
}

impl Task {
    fn label(&self) -> &Address {
        &self.changes[0].address
    }
}

/// The change whose request creates `c` too (a batched allocation), if any.
fn batched_with(c: &Change) -> Option<&Address> {
    let Some(Op::Allocation(allocation::Op::Batched { with })) = c.ops.first() else {
        return None;
    };
    Some(with)
}

/// Tasks and their dependencies (indices into the task list). A batched allocation joins the
/// task of the change whose request creates it.
pub(crate) fn build_tasks(changes: &[&Change]) -> (Vec<Task>, Vec<Vec<usize>>) {
    let mut tasks: Vec<Task> = Vec::new();
    let mut task_of: HashMap<&Address, usize> = HashMap::new();
    let mut tails: Vec<(usize, Change)> = Vec::new();
    let parents = with_changed_children(changes);
    for c in changes {
        let idx = match batched_with(c).and_then(|with| task_of.get(with)) {
            Some(&i) => {
                tasks[i].changes.push((*c).clone());
                i
            }
            None => {
                let (head, tail) = split_tail(c, parents.contains(&c.address));
                let has_tail = tail.is_some();
                tasks.push(Task {
                    changes: vec![head],
                    tail_of: None,
                    has_tail,
                });
                if let Some(t) = tail {
                    tails.push((tasks.len() - 1, t));
                }
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
    // The tasks of each split resource's descendants, found by walking up from every change
    // (one pass, not one scan of the plan per split resource).
    let mut below: HashMap<Address, Vec<usize>> = tails
        .iter()
        .map(|(_, tail)| (tail.address.clone(), Vec::new()))
        .collect();
    for c in changes {
        let Some(&t) = task_of.get(&c.address) else {
            continue;
        };
        let mut up = c.address.parent.as_deref();
        while let Some(a) = up {
            if let Some(list) = below.get_mut(a)
                && !list.contains(&t)
            {
                list.push(t);
            }
            up = a.parent.as_deref();
        }
    }
    for (head, tail) in tails {
        // After the rest of its change and every change of the resource's children.
        let mut after = vec![head];
        for &t in below.get(&tail.address).into_iter().flatten() {
            if !after.contains(&t) {
                after.push(t);
            }
        }
        tasks.push(Task {
            changes: vec![tail],
            tail_of: Some(head),
            has_tail: false,
        });
        deps.push(after);
    }
    (tasks, deps)
}

/// The addresses that are an ancestor of some change's address.
fn with_changed_children<'a>(changes: &[&'a Change]) -> HashSet<&'a Address> {
    let mut out = HashSet::new();
    for c in changes {
        let mut up = c.address.parent.as_deref();
        while let Some(a) = up {
            if !out.insert(a) {
                break; // its ancestors are in already
            }
            up = a.parent.as_deref();
        }
    }
    out
}

/// `c`, and its trailing operations that run last (`OpSpec::runs_last`) as a change of their
/// own, when changes of its children are in the plan (else `c` runs whole).
fn split_tail(c: &Change, has_changed_children: bool) -> (Change, Option<Change>) {
    let keep = c.ops.len() - c.ops.iter().rev().take_while(|op| op.runs_last()).count();
    if keep == c.ops.len() || !has_changed_children {
        return (c.clone(), None);
    }
    let mut head = c.clone();
    let tail_ops = head.ops.split_off(keep);
    let mut tail = c.clone();
    tail.ops = tail_ops;
    (head, Some(tail))
}

pub(crate) async fn run_phase(
    ctx: &Arc<ApplyCx>,
    (tasks, deps): (Vec<Task>, Vec<Vec<usize>>),
    plan: &HashMap<&Address, &Change>,
    concurrency: &mut adapt::Concurrency,
    interrupt: &Interrupt,
    outcome: &mut Outcome,
) {
    let n = tasks.len();
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let dependents = dependents_of(&deps);
    let tasks: Vec<Arc<Task>> = tasks.into_iter().map(Arc::new).collect();
    let bad = held_back_by_earlier_phases(outcome, plan);
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut done = vec![false; n];
    let mut sched = Sched {
        tasks: &tasks,
        dependents: &dependents,
        done: &mut done,
        succeeded: vec![false; n],
        waiting: &mut waiting,
        ready: &mut ready,
    };
    for (i, task) in tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.tail_of.is_none())
    {
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
                let part = run::Part {
                    first: task.tail_of.is_none(),
                    last: !task.has_tail,
                };
                let (r, contention) =
                    roost_panel::observe_contention(run::run_task(&ctx, &task.changes, part)).await;
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
        sched.finished(ctx, i, result, outcome);
    }
    if interrupt.is_requested() {
        // Past the grace period: what still runs is stopped, its outcome unknown.
        running.abort_all();
        interrupt::settle(ctx, &tasks, &done, &started, outcome);
    }
}

/// For each task, the tasks that depend on it.
fn dependents_of(deps: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); deps.len()];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(i);
        }
    }
    dependents
}

/// What an earlier phase failed or skipped, when it holds back what depends on it: whatever
/// depends on it is skipped in this phase too.
fn held_back_by_earlier_phases(
    outcome: &Outcome,
    plan: &HashMap<&Address, &Change>,
) -> HashSet<Address> {
    outcome
        .failed
        .iter()
        .map(|(a, _)| a.clone())
        .chain(outcome.skipped.iter().cloned())
        .filter(|a| plan.get(a).is_none_or(|c| deps::holds_back(c)))
        .collect()
}

/// The scheduling state of one phase.
struct Sched<'a> {
    tasks: &'a [Arc<Task>],
    dependents: &'a [Vec<usize>],
    done: &'a mut [bool],
    /// Tasks that ran and succeeded.
    succeeded: Vec<bool>,
    /// Dependencies each task still waits for.
    waiting: &'a mut [usize],
    ready: &'a mut VecDeque<usize>,
}

impl Sched<'_> {
    /// Task `i` is over: applied (its dependents may run), or failed (what it holds back is
    /// skipped, not failed).
    fn finished(
        &mut self,
        ctx: &ApplyCx,
        i: usize,
        result: Result<(), String>,
        outcome: &mut Outcome,
    ) {
        self.done[i] = true;
        self.succeeded[i] = result.is_ok();
        let task = &self.tasks[i];
        match result {
            Ok(()) => {
                // A change split in two is applied when its last part is.
                if !task.has_tail {
                    outcome
                        .applied
                        .extend(task.changes.iter().map(|c| c.address.clone()));
                }
                self.release_dependents(i);
            }
            Err(error) => {
                for c in &task.changes {
                    outcome.failed.push((c.address.clone(), error.clone()));
                }
                if deps::task_holds_back(&task.changes) {
                    let because = task.label().clone();
                    let start = self.dependents[i].clone();
                    self.skip_down(ctx, start, &because, outcome);
                } else {
                    self.release_dependents(i);
                }
            }
        }
    }

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
        ctx: &ApplyCx,
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
            // The last part of a change whose first part did not happen: already reported.
            let silent = self.tasks[d].tail_of.is_some_and(|h| !self.succeeded[h]);
            for c in self.tasks[d].changes.iter().filter(|_| !silent) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use roost_model::{Kind, PowerState};
    use roost_plan::{Action, Ref, kinds::server};

    fn change(address: &str, ops: Vec<Op>, depends_on: &[&str]) -> Change {
        Change {
            address: address.parse().unwrap(),
            action: Action::Update,
            id: Some(7),
            attributes: Vec::new(),
            unchanged: 0,
            impact: Default::default(),
            cause: None,
            calls: Vec::new(),
            depends_on: depends_on.iter().map(|a| a.parse().unwrap()).collect(),
            warnings: Vec::new(),
            ops,
            origin: None,
        }
    }

    fn lobby() -> Change {
        let power = server::Op::Power {
            server: Ref::Id(7),
            identifier: Some("srv00007".into()),
            want: PowerState::Running,
            was: Some("offline".into()),
        };
        change(
            "server.lobby",
            vec![server::Op::Unsuspend { id: 7 }.into(), power.into()],
            &[],
        )
    }

    #[test]
    fn the_power_signal_waits_for_the_servers_children() {
        let lobby = lobby();
        let sched = change(
            "server.lobby/schedule.nightly",
            Vec::new(),
            &["server.lobby"],
        );
        let other = change("server.hub", Vec::new(), &["server.lobby"]);
        let (tasks, deps) = build_tasks(&[&lobby, &sched, &other]);
        assert_eq!(tasks.len(), 4);
        // The first part: everything but the signal; what depends on the server waits for it.
        assert_eq!(tasks[0].changes[0].ops.len(), 1);
        assert!(tasks[0].has_tail && tasks[0].tail_of.is_none());
        assert_eq!(deps[1], [0]);
        assert_eq!(deps[2], [0]);
        // The last part: the signal, after the first part and the server's children only.
        assert_eq!(tasks[3].tail_of, Some(0));
        assert!(tasks[3].changes[0].ops[0].runs_last());
        assert_eq!(tasks[3].changes[0].address.kind, Kind::Server);
        assert_eq!(deps[3], [0, 1]);
    }

    #[test]
    fn without_children_in_the_phase_a_change_runs_whole() {
        let lobby = lobby();
        let other = change("server.hub", Vec::new(), &["server.lobby"]);
        let (tasks, deps) = build_tasks(&[&lobby, &other]);
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0].changes[0].ops.len(), 2);
        assert!(!tasks[0].has_tail);
        assert_eq!(deps[1], [0]);
    }
}
