//! `schedule "NAME" cron="0 4 * * *" { enabled #true; only-when-online #false; task … }` inside
//! a server or template block: a schedule the panel runs on its cron, with its tasks in order.
//! `task "command" "say hi"`, `task "power" "restart" offset=60`, `task "backup"` (optional
//! ignore patterns), Pelican's `task "delete-files" "logs/old.log"`; each task may carry
//! `offset=SECONDS` (0–900, after the previous task) and `continue-on-failure=#true`. The rules
//! are the panels' (client/schedules.md): the cron as their library reads it, at most 10 tasks.
//! Templates pass their schedules on name by name; the server's block of the same name wins.

use crate::diag::{Problem, suggest};
use crate::parse::{Rules, bool_field, check_len, fields, resource_name};
use crate::print::{Out, b, q};
use crate::value::{Entries, Reader, Sp};
use crate::read::KdlNode;
use roost_model::{
    CronSpec, POWER_SIGNALS, SCHEDULE_TASK_LIMIT, Schedule, ScheduleTask, TASK_OFFSET_MAX,
    TaskAction,
};
use std::collections::BTreeMap;

/// Every name a schedule block knows (its fields, the block's and its tasks' properties).
pub const FIELDS: &[&str] = &[
    "cron",
    "enabled",
    "only-when-online",
    "task",
    "offset",
    "continue-on-failure",
];
/// The fields inside the block.
const BLOCK_FIELDS: &[&str] = &["enabled", "only-when-online", "task"];
const TASK_PROPS: &[&str] = &["offset", "continue-on-failure"];
const EXAMPLE: &str = "schedule \"nightly\" cron=\"0 4 * * *\" { task \"backup\" }";

#[derive(Debug, Clone)]
pub struct ScheduleDecl {
    pub name: Sp<String>,
    /// `None` when the block has an error (reported).
    pub schedule: Option<Schedule>,
}

/// A `schedule` block of a server or template (`owner`: its kind and name, for messages).
pub(crate) fn parse(
    r: &mut Reader,
    rules: Rules,
    node: &KdlNode,
    owner: (&str, &str),
) -> Option<ScheduleDecl> {
    let name = resource_name(r, node, "schedule")?;
    let mut valid = check_len(r, &name, "a schedule's name", 1, rules.max_len()).is_some();
    let e = Entries::of(r, node, &["cron"]);
    if let Some(extra) = e.args.get(1) {
        let span = r.span(extra.span());
        r.push(
            Problem::new(
                "roost::extra-value",
                "a schedule has one name",
                span,
                "unexpected value",
            )
            .help(format!("write it like this: {EXAMPLE}")),
        );
        valid = false;
    }
    let cron = match e.prop("cron") {
        Some(c) => parse_cron(r, c),
        None => {
            if !e.misspelt.contains(&"cron") {
                let span = r.span(node.name().span());
                let (kind, owner) = owner;
                r.push(
                    Problem::new(
                        "roost::missing-field",
                        format!("schedule `{}` of {kind} `{owner}` has no `cron`", name.v),
                        span,
                        "`cron` missing",
                    )
                    .help(format!("say when it runs: {EXAMPLE}")),
                );
            }
            None
        }
    };
    valid &= cron.is_some();
    let found = fields(r, node, "schedule", BLOCK_FIELDS, &["task"]);
    let mut enabled = true;
    let mut only_when_online = false;
    let mut tasks = Vec::new();
    let mut count = 0usize;
    for (field, child) in &found.list {
        match *field {
            "enabled" => match bool_field(r, child) {
                Some(v) => enabled = v.v,
                None => valid = false,
            },
            "only-when-online" => match bool_field(r, child) {
                Some(v) => only_when_online = v.v,
                None => valid = false,
            },
            "task" => {
                count += 1;
                if count == SCHEDULE_TASK_LIMIT + 1 {
                    let span = r.span(child.name().span());
                    r.push(
                        Problem::new(
                            "roost::too-many",
                            format!("schedule `{}` has more than {SCHEDULE_TASK_LIMIT} tasks", name.v),
                            span,
                            format!("task {count}"),
                        )
                        .help(format!("the panels allow {SCHEDULE_TASK_LIMIT} tasks per schedule: split it into two schedules")),
                    );
                    valid = false;
                }
                match parse_task(r, rules, child) {
                    Some(t) => tasks.push(t),
                    None => valid = false,
                }
            }
            _ => {}
        }
    }
    let schedule = match (valid, cron) {
        (true, Some(cron)) => Some(Schedule {
            name: name.v.clone(),
            cron,
            enabled,
            only_when_online,
            tasks,
            origin: name.span.origin(),
        }),
        _ => None,
    };
    Some(ScheduleDecl { name, schedule })
}

fn parse_cron(r: &mut Reader, entry: &crate::read::KdlEntry) -> Option<CronSpec> {
    let s = r.string(entry, "cron=\"0 4 * * *\"")?;
    match CronSpec::parse(&s.v) {
        Ok(c) => Some(c),
        Err(why) => {
            r.push(
                Problem::new(
                    "roost::bad-cron",
                    format!("`{}` is not a cron expression the panel accepts: {why}", s.v),
                    s.span,
                    "invalid cron",
                )
                .help("five fields, minute hour day-of-month month day-of-week: \"0 4 * * *\" (daily at 04:00), \"*/15 * * * *\" (every 15 minutes), \"0 6 * * mon-fri\""),
            );
            None
        }
    }
}

/// `task ACTION [PAYLOAD] [offset=N] [continue-on-failure=#true]`.
fn parse_task(r: &mut Reader, rules: Rules, child: &KdlNode) -> Option<ScheduleTask> {
    crate::parse::no_children(r, child);
    let e = Entries::of(r, child, TASK_PROPS);
    let example = "task \"power\" \"restart\" offset=60";
    let Some(first) = e.args.first() else {
        let span = r.span(child.name().span());
        r.push(
            Problem::new(
                "roost::missing-value",
                "`task` needs an action",
                span,
                "action missing",
            )
            .help(format!("write it like this: {example}")),
        );
        return None;
    };
    let action_text = r.string(first, example)?;
    let names: Vec<&str> = TaskAction::ALL.iter().map(|a| a.manifest_name()).collect();
    let Some(action) = TaskAction::from_manifest(&action_text.v) else {
        let help = match suggest(&action_text.v, names.iter().copied()) {
            Some(s) => format!("did you mean \"{s}\"?"),
            None => format!("task actions: {}", names.join(", ")),
        };
        r.push(
            Problem::new(
                "roost::unknown-value",
                format!("`{}` is not a task action", action_text.v),
                action_text.span,
                "unknown action",
            )
            .help(help),
        );
        return None;
    };
    if action == TaskAction::DeleteFiles && !rules.pl() {
        r.push(
            Problem::new(
                "roost::wrong-dialect",
                "a `delete-files` task exists only on Pelican",
                action_text.span,
                "Pelican only",
            )
            .help("Pterodactyl's tasks are command, power and backup; delete files with a `command` task if the game allows it, or set `dialect \"pelican\"` in the panel block"),
        );
        return None;
    }
    if let Some(extra) = e.args.get(2) {
        let span = r.span(extra.span());
        r.push(
            Problem::new(
                "roost::extra-value",
                "a task has an action and at most one payload",
                span,
                "unexpected value",
            )
            .help("write several lines as one string: task \"backup\" \"*.log\\ncache/\""),
        );
        return None;
    }
    let payload = match e.args.get(1) {
        Some(p) => Some(r.string(p, example)?),
        None => None,
    };
    let payload = check_payload(r, child, action, payload)?;
    let offset = match e.prop("offset") {
        Some(o) => r
            .int(o, 0, i64::from(TASK_OFFSET_MAX), "a task's offset (seconds)", "offset=60")?
            .v as u32,
        None => 0,
    };
    let continue_on_failure = match e.prop("continue-on-failure") {
        Some(c) => r.boolean(c, "continue-on-failure=#true")?.v,
        None => false,
    };
    Some(ScheduleTask {
        action,
        payload,
        offset,
        continue_on_failure,
    })
}

/// The payload rules of each action.
fn check_payload(
    r: &mut Reader,
    child: &KdlNode,
    action: TaskAction,
    payload: Option<Sp<String>>,
) -> Option<String> {
    let missing = |r: &mut Reader, example: &str| {
        let span = r.span(child.name().span());
        r.push(
            Problem::new(
                "roost::missing-value",
                format!("a `{}` task needs a payload", action.manifest_name()),
                span,
                "payload missing",
            )
            .help(format!("write it like this: {example}")),
        );
    };
    match action {
        TaskAction::Backup => Some(payload.map(|p| p.v).unwrap_or_default()),
        TaskAction::Command | TaskAction::DeleteFiles => match payload {
            Some(p) if !p.v.trim().is_empty() => Some(p.v),
            _ => {
                let example = if action == TaskAction::Command {
                    "task \"command\" \"say Restarting in 60s\""
                } else {
                    "task \"delete-files\" \"logs/latest.log\""
                };
                missing(r, example);
                None
            }
        },
        TaskAction::Power => match payload {
            Some(p) if POWER_SIGNALS.contains(&p.v.as_str()) => Some(p.v),
            Some(p) => {
                let help = match suggest(&p.v, POWER_SIGNALS.iter().copied()) {
                    Some(s) => format!("did you mean \"{s}\"? (the panel stores any text here, and the task then fails when the schedule runs)"),
                    None => format!("power signals: {}", POWER_SIGNALS.join(", ")),
                };
                r.push(
                    Problem::new(
                        "roost::bad-value",
                        format!("`{}` is not a power signal", p.v),
                        p.span,
                        "unknown signal",
                    )
                    .help(help),
                );
                None
            }
            None => {
                missing(r, "task \"power\" \"restart\"");
                None
            }
        },
    }
}

/// Adds `s` to a block's schedules, reporting a name declared twice in the block.
pub(crate) fn insert_once(
    r: &mut Reader,
    schedules: &mut BTreeMap<String, ScheduleDecl>,
    s: ScheduleDecl,
    owner: (&str, &str),
) {
    if let Some(first) = schedules.get(&s.name.v) {
        let (kind, owner) = owner;
        r.push(
            Problem::new(
                "roost::duplicate",
                format!("schedule `{}` is declared twice in {kind} `{owner}`", s.name.v),
                s.name.span,
                "declared again here",
            )
            .label(first.name.span, "first declared here")
            .help("the schedules of a server have distinct names (roost knows them by name); rename or remove one"),
        );
        return;
    }
    schedules.insert(s.name.v.clone(), s);
}

/// The valid schedules of a merged server.
pub(crate) fn resolved(schedules: BTreeMap<String, ScheduleDecl>) -> BTreeMap<String, Schedule> {
    schedules
        .into_iter()
        .filter_map(|(name, d)| d.schedule.map(|s| (name, s)))
        .collect()
}

pub(crate) fn print(o: &mut Out, s: &Schedule) {
    o.open(
        "schedule",
        &format!("{} cron={}", q(&s.name), q(&s.cron.to_string())),
    );
    if !s.enabled {
        o.field("enabled", b(false));
    }
    if s.only_when_online {
        o.field("only-when-online", b(true));
    }
    for t in &s.tasks {
        let mut line = q(t.action.manifest_name());
        if !t.payload.is_empty() {
            line.push(' ');
            line.push_str(&q(&t.payload));
        }
        if t.offset != 0 {
            line.push_str(&format!(" offset={}", t.offset));
        }
        if t.continue_on_failure {
            line.push_str(" continue-on-failure=#true");
        }
        o.field("task", line);
    }
    o.close();
}
