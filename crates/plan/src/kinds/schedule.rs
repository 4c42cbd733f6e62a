//! Schedules: a child kind (`server.lobby/schedule.nightly`) managed through the Client API.
//! Identity is the name under the server. The live schedules come from one Client-API read per
//! server (only for servers that declare schedules, or whose schedules are pruned). Tasks are
//! compared as an ordered list, position by position (`tasks.1`, `tasks.2`, …): a changed
//! position is updated in place, extra live tasks are deleted from the end, missing ones are
//! appended. Schedules carry no marker: one is deleted only when its server carries roost's
//! marker, `prune` lists `schedules` and the destructive change is approved.

use crate::attr::{Attr, Compare, Compared, MapAttr, Table, json_of};
use crate::context::{PlanCx, change};
use crate::error::PlanError;
use crate::ops::{ApiCall, OpSpec, Ref, Retry};
use crate::ownership;
use crate::types::{Action, AttrChange, Change, Impact};
use roost_model::{
    Address, CronSpec, Kind, TaskAction, LiveSchedule, LiveServer, LiveTask, Schedule, SecretRef, Server,
    ServerLevelRead, client_schedule_routes as routes, task_summary,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A task as the panel takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaskSpec {
    /// As the panel stores it: `command`, `power`, `backup`, `delete_files`.
    pub action: String,
    pub payload: String,
    pub offset: u32,
    pub continue_on_failure: bool,
}

impl TaskSpec {
    fn summary(&self) -> String {
        task_summary(
            &self.action,
            &self.payload,
            i64::from(self.offset),
            self.continue_on_failure,
        )
    }

    fn of_live(t: &LiveTask) -> TaskSpec {
        TaskSpec {
            action: t.action.clone(),
            payload: t.payload.clone(),
            offset: u32::try_from(t.time_offset).unwrap_or(0),
            continue_on_failure: t.continue_on_failure,
        }
    }
}

/// A schedule's own fields (its create and update body; the update replaces them all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScheduleSpec {
    pub name: String,
    pub cron: CronSpec,
    pub enabled: bool,
    pub only_when_online: bool,
}

/// What apply does to a schedule, through the Client API (servers by identifier; a server this
/// run creates is named by address and its identifier learnt at apply time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Create {
        server: Ref,
        identifier: Option<String>,
        schedule: ScheduleSpec,
    },
    Update {
        identifier: String,
        id: u64,
        schedule: ScheduleSpec,
    },
    Delete {
        identifier: String,
        id: u64,
    },
    /// Appended after the schedule's last task (`schedule` pending: created by this run).
    CreateTask {
        server: Ref,
        identifier: Option<String>,
        schedule: Ref,
        task: TaskSpec,
    },
    /// Rewrites a task in place (its `sequence_id` kept).
    UpdateTask {
        identifier: String,
        schedule: u64,
        id: u64,
        sequence_id: u32,
        task: TaskSpec,
    },
    DeleteTask {
        identifier: String,
        schedule: u64,
        id: u64,
    },
}

/// A Client-API call as a reviewer reads it: `/client/servers/1a2b3c4d/schedules`.
pub(crate) fn client_call(method: &str, route: roost_model::Route) -> ApiCall {
    ApiCall {
        method: method.to_string(),
        path: format!("/client{route}"),
    }
}

/// The server as the Client API names it: its identifier, or its address until created.
pub(crate) fn server_label(server: &Ref, identifier: &Option<String>) -> String {
    match identifier {
        Some(i) => i.clone(),
        None => server.to_string(),
    }
}

impl OpSpec for Op {
    fn call(&self) -> Option<ApiCall> {
        Some(match self {
            Op::Create {
                server, identifier, ..
            } => client_call("POST", routes::list(server_label(server, identifier))),
            Op::Update { identifier, id, .. } => {
                client_call("POST", routes::one(identifier, id))
            }
            Op::Delete { identifier, id } => client_call("DELETE", routes::one(identifier, id)),
            Op::CreateTask {
                server,
                identifier,
                schedule,
                ..
            } => client_call(
                "POST",
                routes::tasks(server_label(server, identifier), schedule),
            ),
            Op::UpdateTask {
                identifier,
                schedule,
                id,
                ..
            } => client_call("POST", routes::task(identifier, schedule, id)),
            Op::DeleteTask {
                identifier,
                schedule,
                id,
            } => client_call("DELETE", routes::task(identifier, schedule, id)),
        })
    }

    fn retry(&self) -> Retry {
        match self {
            // Re-read the server's schedules (the schedule's tasks) before any second attempt.
            Op::Create { .. } | Op::CreateTask { .. } => Retry::ReadBack,
            _ => Retry::Idempotent,
        }
    }

    fn secrets(&self) -> Vec<&SecretRef> {
        Vec::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    Schedule,
    Tasks,
}

pub(crate) struct ScheduleTarget {
    pub spec: ScheduleSpec,
    pub tasks: Vec<TaskSpec>,
}

/// Each position's task, as one line, up to the longer of both lists (`null`: none there).
fn compare_tasks(t: &ScheduleTarget, l: Option<&LiveSchedule>, _: &crate::lookup::Lookup) -> Vec<(String, Compared)> {
    let have_len = l.map_or(0, |l| l.tasks.len());
    (0..t.tasks.len().max(have_len))
        .map(|i| {
            let want = t.tasks.get(i).map_or(Value::Null, |x| json_of(x.summary()));
            let have = l.map(|l| l.tasks.get(i).map_or(Value::Null, |x| json_of(x.summary())));
            ((i + 1).to_string(), Compared::Values { have, want })
        })
        .collect()
}

pub(crate) const TABLE: Table<ScheduleTarget, LiveSchedule, Write> = Table {
    attrs: &[
        Attr {
            name: "name",
            compare: Compare::CreateOnly,
            want: |t, _, _| Some(json_of(&t.spec.name)),
            have: |l, _, _| json_of(&l.name),
            impact: Impact::None,
            sensitive: false,
            write: Write::Schedule,
            keep_live: |_, _| {},
        },
        Attr {
            name: "cron",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(t.spec.cron.to_string())),
            have: |l, _, _| json_of(l.cron.to_string()),
            impact: Impact::None,
            sensitive: false,
            write: Write::Schedule,
            keep_live: |t, l| t.spec.cron = l.cron.clone(),
        },
        Attr {
            name: "enabled",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(t.spec.enabled)),
            have: |l, _, _| json_of(l.is_active),
            impact: Impact::None,
            sensitive: false,
            write: Write::Schedule,
            keep_live: |t, l| t.spec.enabled = l.is_active,
        },
        Attr {
            name: "only-when-online",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(t.spec.only_when_online)),
            have: |l, _, _| json_of(l.only_when_online),
            impact: Impact::None,
            sensitive: false,
            write: Write::Schedule,
            keep_live: |t, l| t.spec.only_when_online = l.only_when_online,
        },
    ],
    maps: &[MapAttr {
        prefix: "tasks",
        compare: compare_tasks,
        impact: Impact::None,
        write: Write::Tasks,
        // An ignored position keeps the panel's task there (or its absence).
        keep_live: |t, l, key| {
            let Some(i) = key.parse::<usize>().ok().and_then(|n| n.checked_sub(1)) else {
                return;
            };
            match (l.tasks.get(i), i < t.tasks.len()) {
                (Some(live), true) => t.tasks[i] = TaskSpec::of_live(live),
                (Some(live), false) if i == t.tasks.len() => t.tasks.push(TaskSpec::of_live(live)),
                (None, true) => {
                    t.tasks.truncate(i);
                }
                _ => {}
            }
        },
    }],
};

fn target_of(s: &Schedule) -> ScheduleTarget {
    ScheduleTarget {
        spec: ScheduleSpec {
            name: s.name.clone(),
            cron: s.cron.clone(),
            enabled: s.enabled,
            only_when_online: s.only_when_online,
        },
        tasks: s
            .tasks
            .iter()
            .map(|t| TaskSpec {
                action: t.action.as_str().to_string(),
                payload: t.payload.clone(),
                offset: t.offset,
                continue_on_failure: t.continue_on_failure,
            })
            .collect(),
    }
}

/// A removed or added position shows as absent rather than `null`.
fn tidy(changes: &mut [AttrChange]) {
    for c in changes {
        if c.old.as_ref().is_some_and(Value::is_null) {
            c.old = None;
        }
        if c.new.as_ref().is_some_and(Value::is_null) {
            c.new = None;
        }
    }
}

/// Whether the server-level state of `kind` (`what`: "schedules", "subusers") of server `s` can be
/// planned: `Some(true)` when it was read from the panel, `Some(false)` for a server this plan
/// creates (it has none yet), `None` when it cannot be (an error is recorded when the manifests
/// need it: `declares`).
pub(crate) fn server_level_state(
    cx: &mut PlanCx,
    s: &Server,
    live_server: Option<&LiveServer>,
    (kind, what): (Kind, &str),
    declares: bool,
) -> Option<bool> {
    if !cx.lookup.live.client_key {
        if declares {
            cx.error(no_client_key(cx.desired, s, what));
        }
        return None;
    }
    let Some(l) = live_server else {
        return Some(false);
    };
    match cx.lookup.live.server_level.get(&l.id) {
        Some(ServerLevelRead::Read(kinds)) if kinds.contains(&kind) => Some(true),
        Some(ServerLevelRead::Read(_)) | None => {
            // The reads are chosen by `server_level_reads`, from the same rules: a bug if hit.
            cx.error(PlanError::new(
                "roost::server-level-unread",
                format!("the {what} of server `{}` were not read from the panel, so they cannot be compared", s.key),
                Some(s.origin),
            ));
            None
        }
        Some(ServerLevelRead::Unreadable(reason)) => {
            let reason = reason.clone();
            cx.error(
                PlanError::new(
                    "roost::server-level-unreadable",
                    format!("the {what} of server `{}` cannot be read: {reason}", s.key),
                    Some(s.origin),
                )
                .help(format!("a server that is still installing has its {what} planned once it has installed: run `roost plan` again in a minute")),
            );
            None
        }
    }
}

pub(crate) fn plan(cx: &mut PlanCx) {
    let desired = cx.desired;
    let prune = desired.panel.prune.contains(&Kind::Schedule);
    for (key, s) in &desired.servers {
        if !cx.identity.servers.contains_key(key) {
            continue;
        }
        let parent = Address::new(Kind::Server, key);
        let live_server = cx
            .identity
            .server(key)
            .filter(|_| !cx.recreated.contains(&parent));
        let ours = live_server
            .is_some_and(|l| ownership::is_ours(&desired.panel, l.external_id.as_deref()));
        if s.schedules.is_empty() && !(prune && ours) {
            continue;
        }
        let Some(read) =
            server_level_state(
            cx,
            s,
            live_server,
            (Kind::Schedule, "schedules"),
            !s.schedules.is_empty(),
        )
        else {
            continue;
        };
        let live_list: Vec<&LiveSchedule> = match (read, live_server) {
            (true, Some(l)) => cx
                .lookup
                .live
                .schedules
                .iter()
                .filter(|x| x.server_id == l.id)
                .collect(),
            _ => Vec::new(),
        };
        let server_ref = cx.reference(live_server.map(|l| l.id), || parent.clone());
        let identifier = live_server.map(|l| l.identifier.clone());
        for (name, sched) in &s.schedules {
            let address = Address::child(&parent, Kind::Schedule, name);
            let same: Vec<&LiveSchedule> = live_list
                .iter()
                .copied()
                .filter(|x| &x.name == name)
                .collect();
            if same.len() > 1 {
                let ids: Vec<String> = same.iter().map(|x| x.id.to_string()).collect();
                cx.error(PlanError::new("roost::ambiguous", format!("{address}: server `{key}` has {} schedules named \"{name}\" on the panel (ids {})", same.len(), ids.join(", ")), Some(sched.origin)).help("rename or delete all but one of them in the panel, so roost knows which one the manifests mean"));
                continue;
            }
            if !cx.is_pelican()
                && sched.tasks.iter().any(|t| t.action == TaskAction::DeleteFiles)
            {
                cx.error(PlanError::new("roost::wrong-dialect", format!("{address} has a `delete-files` task, which only Pelican has, but the panel is Pterodactyl"), Some(sched.origin)).help("remove the task, or set `dialect \"pterodactyl\"` in the panel block so that `roost validate` checks for the panel you have"));
                continue;
            }
            if s.features.backups == Some(0)
                && sched.tasks.iter().any(|t| t.action == TaskAction::Backup)
            {
                cx.error(PlanError::new("roost::backup-task-without-backups", format!("{address} has a backup task, but server `{key}` allows no backups (`features backups=0`): the panel refuses the task"), Some(sched.origin)).help("raise `features backups=` on the server, or remove the backup task"));
                continue;
            }
            let server = ScheduleServer {
                server: server_ref.clone(),
                identifier: identifier.clone(),
            };
            plan_one(cx, address, &server, sched, same.first().copied());
        }
        if let Some(l) = live_server {
            plan_undeclared(cx, s, &parent, l, &live_list, prune && ours);
        }
    }
}

pub(crate) fn no_client_key(d: &roost_model::Desired, s: &Server, what: &str) -> PlanError {
    let var = &d.panel.client_token_env;
    PlanError::new(
        "roost::no-client-key",
        format!(
            "server `{}` declares {what}, which roost manages through the Client API, but no client key is set (${var} is empty)",
            s.key
        ),
        Some(s.origin),
    )
    .help(format!(
        "export {var}=<client API key of the application key's owner, a root admin> (Account → API Credentials), or set `client-token-env` in the panel block"
    ))
}

/// The server a schedule lives on, as its operations name it.
struct ScheduleServer {
    server: Ref,
    identifier: Option<String>,
}

fn plan_one(
    cx: &mut PlanCx,
    address: Address,
    server: &ScheduleServer,
    sched: &Schedule,
    live: Option<&LiveSchedule>,
) {
    let origin = Some(sched.origin);
    let mut target = target_of(sched);
    let mut diff = TABLE.diff(&target, live, &cx.lookup);
    let Some(live) = live else {
        tidy(&mut diff.changed);
        let mut c = change(address.clone(), Action::Create, None, diff, origin);
        c.ops.push(
            Op::Create {
                server: server.server.clone(),
                identifier: server.identifier.clone(),
                schedule: target.spec.clone(),
            }
            .into(),
        );
        for task in &target.tasks {
            c.ops.push(
                Op::CreateTask {
                    server: server.server.clone(),
                    identifier: server.identifier.clone(),
                    schedule: Ref::Pending(address.clone()),
                    task: task.clone(),
                }
                .into(),
            );
        }
        cx.push(c);
        return;
    };
    TABLE.settle(&mut diff, &mut target, live, cx.ignored(&address));
    tidy(&mut diff.changed);
    let writes = diff.writes.clone();
    let mut c = change(address, Action::Update, Some(live.id), diff, origin);
    // Live servers only (a schedule to update exists on the panel).
    let identifier = server.identifier.clone().unwrap_or_default();
    if writes.contains(&Write::Schedule) {
        c.ops.push(
            Op::Update {
                identifier: identifier.clone(),
                id: live.id,
                schedule: target.spec.clone(),
            }
            .into(),
        );
    }
    if writes.contains(&Write::Tasks) {
        task_ops(&mut c, server, &identifier, live, &target.tasks);
    }
    cx.push(c);
}

/// Extra live tasks deleted from the last (earlier ones keep their `sequence_id`), changed
/// positions rewritten in place, missing ones appended.
fn task_ops(
    c: &mut Change,
    server: &ScheduleServer,
    identifier: &str,
    live: &LiveSchedule,
    want: &[TaskSpec],
) {
    for t in live.tasks.iter().skip(want.len()).rev() {
        c.ops.push(
            Op::DeleteTask {
                identifier: identifier.to_string(),
                schedule: live.id,
                id: t.id,
            }
            .into(),
        );
    }
    for (t, w) in live.tasks.iter().zip(want) {
        if TaskSpec::of_live(t) != *w || t.time_offset < 0 {
            c.ops.push(
                Op::UpdateTask {
                    identifier: identifier.to_string(),
                    schedule: live.id,
                    id: t.id,
                    sequence_id: u32::try_from(t.sequence_id.max(1)).unwrap_or(1),
                    task: w.clone(),
                }
                .into(),
            );
        }
    }
    for w in want.iter().skip(live.tasks.len()) {
        c.ops.push(
            Op::CreateTask {
                server: server.server.clone(),
                identifier: Some(identifier.to_string()),
                schedule: Ref::Id(live.id),
                task: w.clone(),
            }
            .into(),
        );
    }
}

/// Schedules of a declared server that the manifests do not declare: deleted only under the
/// child-ownership rule (`prune_here`: the server is roost's and `prune` lists `schedules`).
fn plan_undeclared(
    cx: &mut PlanCx,
    s: &Server,
    parent: &Address,
    server: &LiveServer,
    live_list: &[&LiveSchedule],
    prune_here: bool,
) {
    for l in live_list {
        if s.schedules.contains_key(&l.name) {
            continue;
        }
        let address = Address::child(parent, Kind::Schedule, &l.name);
        if !prune_here {
            cx.unmanaged.schedules.push(address.to_string());
            continue;
        }
        if s.protect {
            cx.error(PlanError::new("roost::protected", format!("{address} left the manifests and would be pruned, but server `{}` is protected", s.key), Some(s.origin)).help("declare the schedule again, or remove `protect #true` from the server if the deletion is intended"));
            continue;
        }
        cx.push(Change {
            address,
            action: Action::Delete,
            id: Some(l.id),
            attributes: vec![AttrChange {
                name: "cron".into(),
                old: Some(json_of(l.cron.to_string())),
                new: None,
                sensitive: false,
                impact: Impact::Destroy,
                cause: None,
            }],
            unchanged: 0,
            impact: Impact::Destroy,
            cause: None,
            ops: vec![
                Op::Delete {
                    identifier: server.identifier.clone(),
                    id: l.id,
                }
                .into(),
            ],
            calls: Vec::new(),
            depends_on: Vec::new(),
            warnings: vec![format!(
                "deletes schedule \"{}\" of server `{}` and its {} task(s)",
                l.name,
                s.key,
                l.tasks.len()
            )],
            origin: None,
        });
    }
}
