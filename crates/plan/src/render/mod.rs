//! Renderers of a [`Plan`]: text for terminals (`text.rs`), Markdown for pull requests
//! (`markdown.rs`). JSON is the plan's serde form. API calls are rendered from the changes'
//! operations.

mod markdown;
mod text;

pub use markdown::{MARKDOWN_BUDGET, MARKDOWN_MARKER, markdown};
pub use text::text;

use crate::types::*;
use serde_json::Value;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub color: bool,
    /// Show the API calls of every change.
    pub verbose: bool,
}

pub(super) struct Paint(pub(super) bool);

impl Paint {
    pub(super) fn c(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub(super) fn action(&self, a: Action, s: &str) -> String {
        let code = match a {
            Action::Create => "32",
            Action::Update | Action::Adopt => "33",
            Action::Replace => "35",
            Action::Delete => "31",
        };
        self.c(code, s)
    }
    pub(super) fn bold(&self, s: &str) -> String {
        self.c("1", s)
    }
    pub(super) fn dim(&self, s: &str) -> String {
        self.c("2", s)
    }
}

/// A JSON value as it reads in a plan: strings quoted, lists spaced, the rest as JSON.
pub fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "null".into(),
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(show).collect::<Vec<_>>().join(", ")
            )
        }
        other => other.to_string(),
    }
}

pub(super) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The aliases of an allocation group: what they are for creates and deletes, old -> new for
/// replacements.
pub(super) fn group_aliases(g: &AllocGroup) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = g
        .items
        .iter()
        .flat_map(|c| c.attributes.iter())
        .filter(|a| a.name == "alias")
        .filter_map(|a| {
            let value = |v: &Option<Value>| v.as_ref().filter(|v| !v.is_null()).map(show);
            match g.action {
                Action::Create => value(&a.new),
                Action::Delete => value(&a.old),
                _ => Some(format!(
                    "{} -> {}",
                    value(&a.old).unwrap_or_else(|| "null".into()),
                    value(&a.new).unwrap_or_else(|| "null".into())
                )),
            }
        })
        .collect();
    set.into_iter().collect()
}

/// At most this many unmanaged resources of each kind are named.
pub(super) const UNMANAGED_NAMED: usize = 10;

/// What the panel holds that the manifests do not declare, one resource a line.
pub(super) fn unmanaged_lines(un: &Unmanaged) -> Vec<String> {
    let mut out = Vec::new();
    let mut list = |kind: &str, items: Vec<String>| {
        for i in items.iter().take(UNMANAGED_NAMED) {
            out.push(format!("{kind} {i}"));
        }
        if items.len() > UNMANAGED_NAMED {
            out.push(format!(
                "and {}",
                plural(items.len() - UNMANAGED_NAMED, &format!("more {kind}"))
            ));
        }
    };
    list(
        "server",
        un.servers
            .iter()
            .map(|s| match (&s.external_id, s.owned) {
                (None, _) => format!("{:?} (id {}, no external id)", s.name, s.id),
                (Some(e), false) => format!("{:?} (id {}, external id {e:?})", s.name, s.id),
                (Some(e), true) => format!(
                    "{:?} (id {}, external id {e:?}, carries roost's namespace: enable `prune \"servers\"` to delete it)",
                    s.name, s.id
                ),
            })
            .collect(),
    );
    list("database", un.databases.clone());
    list("schedule", un.schedules.clone());
    list("subuser", un.subusers.clone());
    list("user", un.users.clone());
    list("node", un.nodes.clone());
    list("location", un.locations.clone());
    if un.allocations > 0 {
        out.push(format!(
            "{} on managed nodes",
            plural(un.allocations, "allocation")
        ));
    }
    out
}

/// A declared file's text change (`content` of a file), shown as a unified diff.
pub(super) fn is_file_text(c: &crate::Change, a: &AttrChange) -> bool {
    c.address.kind == roost_model::Kind::File && a.name == "content" && !a.sensitive
}

/// Old and new text as a unified line diff with 3 lines of context: each line with its sign
/// (`-`, `+`, ` `, or `@` for a hunk header `@@ -1,3 +1,4 @@`).
pub(super) fn unified_lines(a: &AttrChange) -> Vec<(char, String)> {
    let text = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).unwrap_or("").to_string();
    let (old, new) = (text(&a.old), text(&a.new));
    let diff = similar::TextDiff::from_lines(&old, &new);
    let mut out = Vec::new();
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push(('@', hunk.header().to_string()));
        for ch in hunk.iter_changes() {
            let sign = match ch.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            };
            out.push((sign, ch.value().trim_end_matches(['\n', '\r']).to_string()));
            if ch.missing_newline() {
                out.push(('\\', "No newline at end of file".to_string()));
            }
        }
    }
    out
}

pub(super) fn is_multiline(a: &AttrChange) -> bool {
    [&a.old, &a.new]
        .iter()
        .any(|v| matches!(v, Some(Value::String(s)) if s.contains('\n')))
}

pub(super) fn impact_note(i: Impact) -> &'static str {
    match i {
        Impact::None => "",
        Impact::Restart => " (restart needed)",
        Impact::Reinstall => " (REINSTALL: data at risk)",
        Impact::Destroy => " (DESTROYS the server and its data)",
    }
}

pub(super) fn cause_note(c: Option<Cause>) -> &'static str {
    match c {
        Some(Cause::Drift) => " [drift]",
        Some(Cause::Mixed) => " [intended + drift]",
        _ => "",
    }
}

/// Consecutive allocation changes of one node and action, shown as one block.
pub(super) struct AllocGroup<'a> {
    pub(super) action: Action,
    pub(super) node: String,
    pub(super) items: Vec<&'a Change>,
}

pub(super) enum Item<'a> {
    One(&'a Change),
    Allocations(AllocGroup<'a>),
}

pub(super) fn items(plan: &Plan) -> Vec<Item<'_>> {
    let mut out: Vec<Item> = Vec::new();
    for c in &plan.changes {
        if c.address.kind == roost_model::Kind::Allocation {
            let node = c.address.name.split('/').next().unwrap_or("").to_string();
            if let Some(Item::Allocations(g)) = out.last_mut()
                && g.action == c.action
                && g.node == node
            {
                g.items.push(c);
                continue;
            }
            out.push(Item::Allocations(AllocGroup {
                action: c.action,
                node,
                items: vec![c],
            }));
        } else {
            out.push(Item::One(c));
        }
    }
    out
}

/// Collapse endpoints `ip:port` of one node into `ip:a-b` runs.
pub(super) fn endpoint_runs(changes: &[&Change]) -> Vec<String> {
    let mut by_ip: std::collections::BTreeMap<String, Vec<u16>> = Default::default();
    for c in changes {
        if let Some((_, ep)) = c.address.name.split_once('/')
            && let Some((ip, port)) = ep.rsplit_once(':')
            && let Ok(p) = port.parse()
        {
            by_ip.entry(ip.to_string()).or_default().push(p);
        }
    }
    let mut out = Vec::new();
    for (ip, mut ports) in by_ip {
        ports.sort_unstable();
        let mut i = 0;
        while i < ports.len() {
            let start = ports[i];
            let mut end = start;
            while i + 1 < ports.len() && ports[i + 1] == end + 1 {
                i += 1;
                end = ports[i];
            }
            out.push(if start == end {
                format!("{ip}:{start}")
            } else {
                format!("{ip}:{start}-{end}")
            });
            i += 1;
        }
    }
    out
}

/// The threshold warning, when the plan breaks it (servers and users are counted apart).
pub fn threshold_line(plan: &Plan) -> Option<String> {
    let lines: Vec<String> = plan.threshold_breaches().map(breach_line).collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

fn breach_line(t: &crate::ThresholdBreach) -> String {
    let what = t.kind.plural();
    let limit = match t.count {
        Some(c) => format!(
            "{}% or {c} {}",
            t.percent,
            if c == 1 { t.kind.as_str() } else { what }
        ),
        None => format!("{}%", t.percent),
    };
    let place = match &t.set_at {
        Some(at) => format!("`delete-threshold` at {at}"),
        None => {
            "the default; set `delete-threshold percent=N count=N` in the panel block".to_string()
        }
    };
    let verb = if t.kind == roost_model::Kind::Server {
        "deletes or replaces"
    } else {
        "deletes"
    };
    format!(
        "This plan {verb} {} of {} managed {what}, over the threshold of {limit} ({place}). `roost apply` will refuse it unless you pass --force.",
        t.destroyed, t.managed
    )
}

/// Said when `--target` limited the plan.
pub fn partial_note(plan: &Plan) -> Option<String> {
    (!plan.targets.is_empty()).then(|| {
        let list: Vec<String> = plan.targets.iter().map(|t| t.to_string()).collect();
        format!(
            "Partial plan: only {} and what it depends on (--target); other changes are not shown.",
            list.join(", ")
        )
    })
}

pub fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    if !plan.has_changes() {
        let mut line = "No changes. The panel matches the manifests.".to_string();
        if s.unmanaged > 0 {
            let _ = write!(line, " {} unmanaged.", s.unmanaged);
        }
        return line;
    }
    let mut line = format!(
        "Plan: {} to create, {} to update, {} to delete",
        s.create, s.update, s.delete
    );
    if s.replace > 0 {
        let _ = write!(line, ", {} to replace", s.replace);
    }
    if s.adopt > 0 {
        let _ = write!(line, ", {} to adopt", s.adopt);
    }
    let mut risk = Vec::new();
    if s.restart > 0 {
        risk.push(format!(
            "{} {} a restart",
            s.restart,
            if s.restart == 1 { "needs" } else { "need" }
        ));
    }
    if s.reinstall > 0 {
        risk.push(format!(
            "{} reinstall{}",
            s.reinstall,
            if s.reinstall == 1 { "s" } else { "" }
        ));
    }
    if s.destroy > 0 {
        risk.push(format!(
            "{} destroy{} data",
            s.destroy,
            if s.destroy == 1 { "s" } else { "" }
        ));
    }
    if !risk.is_empty() {
        let _ = write!(line, "; {}", risk.join(", "));
    }
    if plan.has_base {
        let _ = write!(line, "; {} intended, {} drift", s.intended, s.drift);
    }
    let _ = write!(line, "; {} unmanaged.", s.unmanaged);
    line
}

pub(super) fn duration(secs: u64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

/// What a plan shows for a value it never shows: a create sets it, anything else changes it.
pub(super) fn sensitive_value(action: Action) -> &'static str {
    if action == Action::Create {
        "(sensitive)"
    } else {
        "(sensitive) changed"
    }
}
