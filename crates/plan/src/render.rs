//! Renderers of a [`Plan`]: text for terminals, Markdown for pull requests. JSON is the plan's
//! serde form.

use crate::types::*;
use serde_json::Value;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub color: bool,
    /// Show the API calls of every change.
    pub verbose: bool,
}

struct Paint(bool);

impl Paint {
    fn c(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn action(&self, a: Action, s: &str) -> String {
        let code = match a {
            Action::Create => "32",
            Action::Update | Action::Adopt => "33",
            Action::Replace => "35",
            Action::Delete => "31",
        };
        self.c(code, s)
    }
    fn bold(&self, s: &str) -> String {
        self.c("1", s)
    }
    fn dim(&self, s: &str) -> String {
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

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The aliases of an allocation group: what they are for creates and deletes, old -> new for
/// replacements.
fn group_aliases(g: &AllocGroup) -> Vec<String> {
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
const UNMANAGED_NAMED: usize = 10;

/// What the panel holds that the manifests do not declare, one resource a line.
fn unmanaged_lines(un: &Unmanaged) -> Vec<String> {
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

fn is_multiline(a: &AttrChange) -> bool {
    [&a.old, &a.new]
        .iter()
        .any(|v| matches!(v, Some(Value::String(s)) if s.contains('\n')))
}

fn impact_note(i: Impact) -> &'static str {
    match i {
        Impact::None => "",
        Impact::Restart => " (restart needed)",
        Impact::Reinstall => " (REINSTALL: data at risk)",
        Impact::Destroy => " (DESTROYS the server and its data)",
    }
}

fn cause_note(c: Option<Cause>) -> &'static str {
    match c {
        Some(Cause::Drift) => " [drift]",
        Some(Cause::Mixed) => " [intended + drift]",
        _ => "",
    }
}

/// Consecutive allocation changes of one node and action, shown as one block.
struct AllocGroup<'a> {
    action: Action,
    node: String,
    items: Vec<&'a Change>,
}

enum Item<'a> {
    One(&'a Change),
    Allocations(AllocGroup<'a>),
}

fn items(plan: &Plan) -> Vec<Item<'_>> {
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
fn endpoint_runs(changes: &[&Change]) -> Vec<String> {
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

fn duration(secs: u64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

/// The plan as text, Terraform-like.
pub fn text(plan: &Plan, opts: TextOptions) -> String {
    let p = Paint(opts.color);
    let mut o = String::new();
    if plan.has_changes() {
        o.push_str("roost will perform the following actions:\n");
    }
    for item in items(plan) {
        o.push('\n');
        match item {
            Item::One(c) => change_text(&mut o, &p, c, opts),
            Item::Allocations(g) => {
                let verb = g.action.verb();
                let n = g.items.len();
                let _ = writeln!(
                    o,
                    "  {} {} allocation{} on node {} will be {verb}{}",
                    p.dim("#"),
                    n,
                    if n == 1 { "" } else { "s" },
                    g.node,
                    cause_note(g.items[0].cause)
                );
                let runs = endpoint_runs(&g.items);
                for chunk in runs.chunks(6) {
                    let _ = writeln!(
                        o,
                        "  {} {}",
                        p.action(g.action, g.action.symbol()),
                        chunk.join(", ")
                    );
                }
                for a in group_aliases(&g) {
                    let _ = writeln!(o, "      alias = {a}");
                }
                if opts.verbose {
                    for call in g.items.iter().flat_map(|c| &c.calls) {
                        let _ = writeln!(o, "      {} {call}", p.dim("->"));
                    }
                }
            }
        }
    }
    if !plan.notes.is_empty() {
        o.push_str("\nNotes:\n");
        for n in &plan.notes {
            let _ = writeln!(o, "  - {n}");
        }
    }
    let unmanaged = unmanaged_lines(&plan.unmanaged);
    if !unmanaged.is_empty() {
        o.push_str("\nUnmanaged (on the panel, not in the manifests; left alone):\n");
        for line in unmanaged {
            let _ = writeln!(o, "  {line}");
        }
    }
    o.push('\n');
    if let Some(t) = threshold_line(plan) {
        let _ = writeln!(o, "{} {t}\n", p.c("31", "!"));
    }
    if let Some(note) = partial_note(plan) {
        let _ = writeln!(o, "{}", p.c("33", &note));
    }
    o.push_str(&p.bold(&summary_line(plan)));
    o.push('\n');
    if plan.has_changes() {
        let _ = writeln!(
            o,
            "{} API request{}, about {} at {} requests/minute.",
            plan.summary.requests,
            if plan.summary.requests == 1 { "" } else { "s" },
            duration(plan.summary.seconds_at_rate_limit),
            plan.rate_limit
        );
    }
    o
}

fn change_text(o: &mut String, p: &Paint, c: &Change, opts: TextOptions) {
    let _ = writeln!(
        o,
        "  {} {} will be {}{}{}",
        p.dim("#"),
        c.address,
        c.action.verb(),
        impact_note(c.impact),
        cause_note(c.cause)
    );
    for w in &c.warnings {
        let _ = writeln!(o, "  {} {w}", p.c("31", "!"));
    }
    let sym = p.action(c.action, c.action.symbol());
    let id = c.id.map(|i| format!(" (id {i})")).unwrap_or_default();
    let _ = writeln!(o, "  {sym} {} {:?}{id} {{", c.address.kind, c.address.name);
    let width = c
        .attributes
        .iter()
        .filter(|a| !is_multiline(a))
        .map(|a| a.name.len())
        .max()
        .unwrap_or(0);
    for a in &c.attributes {
        let cause = match a.cause {
            Some(Cause::Drift) => p.dim("  # drift: changed in the panel"),
            _ => String::new(),
        };
        if a.sensitive {
            let mark = if c.action == Action::Create {
                p.action(Action::Create, "+")
            } else {
                p.action(Action::Update, "~")
            };
            let what = sensitive_value(c.action);
            let _ = writeln!(o, "      {mark} {:width$} = {what}{cause}", a.name);
            continue;
        }
        match (c.action, &a.old, &a.new) {
            (_, old, new) if is_multiline(a) => {
                let old_s = old.as_ref().and_then(|v| v.as_str()).unwrap_or("");
                let new_s = new.as_ref().and_then(|v| v.as_str()).unwrap_or("");
                let mark = if c.action == Action::Create {
                    p.action(Action::Create, "+")
                } else {
                    p.action(Action::Update, "~")
                };
                let _ = writeln!(o, "      {mark} {} = <<-EOT{cause}", a.name);
                let diff = similar::TextDiff::from_lines(old_s, new_s);
                for ch in diff.iter_all_changes() {
                    let line = ch.value().trim_end_matches('\n');
                    let s = match ch.tag() {
                        similar::ChangeTag::Delete => p.c("31", &format!("- {line}")),
                        similar::ChangeTag::Insert => p.c("32", &format!("+ {line}")),
                        similar::ChangeTag::Equal => format!("  {line}"),
                    };
                    let _ = writeln!(o, "          {s}");
                }
                let _ = writeln!(o, "        EOT");
            }
            (Action::Create, _, Some(new)) => {
                let _ = writeln!(
                    o,
                    "      {} {:width$} = {}",
                    p.action(Action::Create, "+"),
                    a.name,
                    show(new)
                );
            }
            (_, Some(old), None) => {
                let _ = writeln!(
                    o,
                    "      {} {:width$} = {}",
                    p.action(Action::Delete, "-"),
                    a.name,
                    show(old)
                );
            }
            (_, old, Some(new)) => {
                let old = old.as_ref().map(show).unwrap_or_else(|| "null".into());
                let forces = if a.impact == Impact::Destroy && c.action == Action::Replace {
                    p.c("31", " # forces replacement")
                } else {
                    String::new()
                };
                let _ = writeln!(
                    o,
                    "      {} {:width$} = {old} -> {}{forces}{cause}",
                    p.action(Action::Update, "~"),
                    a.name,
                    show(new)
                );
            }
            _ => {}
        }
    }
    if c.unchanged > 0 {
        let _ = writeln!(
            o,
            "        {}",
            p.dim(&format!(
                "# ({} unchanged attribute{} hidden)",
                c.unchanged,
                if c.unchanged == 1 { "" } else { "s" }
            ))
        );
    }
    let _ = writeln!(o, "    }}");
    if opts.verbose {
        for call in &c.calls {
            let _ = writeln!(o, "      {} {call}", p.dim("->"));
        }
    }
}

/// At most this many risky changes are called out at the top of the Markdown (the head is never
/// shortened, so it must stay small).
const RISKY_NAMED: usize = 25;

/// GitHub stops comments at 65,536 characters.
pub const MARKDOWN_BUDGET: usize = 65_536;

/// The plan as Markdown for a pull-request comment: summary table, risky changes first, one
/// collapsible section per resource, shortened in the middle to fit `budget` characters.
pub fn markdown(plan: &Plan, budget: usize) -> String {
    let mut head = String::from("## roost plan\n\n");
    let s = &plan.summary;
    let _ = writeln!(head, "**{}**\n", summary_line(plan));
    if let Some(note) = partial_note(plan) {
        let _ = writeln!(head, "_{note}_\n");
    }
    if plan.has_changes() {
        head.push_str("| create | update | replace | delete | adopt | restart | reinstall | destroy | unmanaged | requests |\n");
        head.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        let _ = writeln!(
            head,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.create,
            s.update,
            s.replace,
            s.delete,
            s.adopt,
            s.restart,
            s.reinstall,
            s.destroy,
            s.unmanaged,
            s.requests
        );
    }
    if let Some(t) = threshold_line(plan) {
        let _ = writeln!(head, "> [!CAUTION]\n> {t}\n");
    }
    let risky: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.impact >= Impact::Reinstall || !c.warnings.is_empty())
        .collect();
    if !risky.is_empty() {
        head.push_str("> [!WARNING]\n> Changes that need a careful look:\n");
        for c in risky.iter().take(RISKY_NAMED) {
            let reason = if c.warnings.is_empty() {
                impact_note(c.impact).trim().to_string()
            } else {
                c.warnings.join("; ")
            };
            let _ = writeln!(head, "> - `{}` ({}): {reason}", c.address, c.action.verb());
        }
        if risky.len() > RISKY_NAMED {
            let _ = writeln!(
                head,
                "> - and {}: see the sections below",
                plural(risky.len() - RISKY_NAMED, "more risky change")
            );
        }
        head.push('\n');
    }
    let mut sections: Vec<String> = Vec::new();
    for item in items(plan) {
        let mut sec = String::new();
        match item {
            Item::One(c) => {
                let _ = writeln!(
                    sec,
                    "<details><summary><code>{} {}</code> {}{}{}</summary>\n",
                    // Inside HTML: `<=` (adopt) must be escaped.
                    c.action.symbol().replace('<', "&lt;"),
                    c.address,
                    c.action.verb(),
                    impact_note(c.impact),
                    cause_note(c.cause)
                );
                sec.push_str("```diff\n");
                for a in &c.attributes {
                    let drift = if a.cause == Some(Cause::Drift) {
                        "  # drift: changed in the panel"
                    } else {
                        ""
                    };
                    if a.sensitive {
                        let what = sensitive_value(c.action);
                        let _ = writeln!(sec, "! {} = {what}{drift}", a.name);
                    } else if is_multiline(a) {
                        let old_s = a.old.as_ref().and_then(|v| v.as_str()).unwrap_or("");
                        let new_s = a.new.as_ref().and_then(|v| v.as_str()).unwrap_or("");
                        let _ = writeln!(sec, "! {}:{drift}", a.name);
                        for ch in similar::TextDiff::from_lines(old_s, new_s).iter_all_changes() {
                            let sign = match ch.tag() {
                                similar::ChangeTag::Delete => "-",
                                similar::ChangeTag::Insert => "+",
                                similar::ChangeTag::Equal => " ",
                            };
                            let _ = writeln!(sec, "{sign}   {}", ch.value().trim_end_matches('\n'));
                        }
                    } else {
                        match (&a.old, &a.new) {
                            (None, Some(n)) => {
                                let _ = writeln!(sec, "+ {} = {}{drift}", a.name, show(n));
                            }
                            (Some(o), None) => {
                                let _ = writeln!(sec, "- {} = {}{drift}", a.name, show(o));
                            }
                            // A value that appears or goes (null on one side) is one line.
                            (Some(o), Some(n)) if o.is_null() => {
                                let _ = writeln!(sec, "+ {} = {}{drift}", a.name, show(n));
                            }
                            (Some(o), Some(n)) if n.is_null() => {
                                let _ = writeln!(sec, "- {} = {}{drift}", a.name, show(o));
                            }
                            (Some(o), Some(n)) => {
                                let _ = writeln!(
                                    sec,
                                    "- {} = {}{drift}\n+ {} = {}",
                                    a.name,
                                    show(o),
                                    a.name,
                                    show(n)
                                );
                            }
                            (None, None) => {}
                        }
                    }
                }
                sec.push_str("```\n");
                if !c.calls.is_empty() {
                    let calls: Vec<String> = c.calls.iter().map(|x| format!("`{x}`")).collect();
                    let _ = writeln!(sec, "\nAPI calls: {}", calls.join(", "));
                }
                sec.push_str("\n</details>\n");
            }
            Item::Allocations(g) => {
                let _ = writeln!(
                    sec,
                    "<details><summary><code>{} allocations</code> on node <code>{}</code>: {} {}</summary>\n",
                    g.action.symbol(),
                    g.node,
                    g.items.len(),
                    g.action.verb()
                );
                let _ = writeln!(
                    sec,
                    "{}\n",
                    endpoint_runs(&g.items)
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                for a in group_aliases(&g) {
                    let _ = writeln!(sec, "alias: `{a}`\n");
                }
                let calls: Vec<String> = g
                    .items
                    .iter()
                    .flat_map(|c| &c.calls)
                    .map(|x| format!("`{x}`"))
                    .collect();
                if !calls.is_empty() {
                    let _ = writeln!(sec, "API calls: {}\n", calls.join(", "));
                }
                sec.push_str("</details>\n");
            }
        }
        sections.push(sec);
    }
    let mut tail = String::new();
    let unmanaged = unmanaged_lines(&plan.unmanaged);
    if !unmanaged.is_empty() {
        if !sections.is_empty() {
            tail.push('\n');
        }
        tail.push_str("**Unmanaged** (on the panel, not in the manifests; left alone):\n\n");
        for line in unmanaged {
            let _ = writeln!(tail, "- {line}");
        }
    }
    // Fit the budget: keep the head and tail, drop sections from the middle.
    let total: usize = head.len() + tail.len() + sections.iter().map(String::len).sum::<usize>();
    if total <= budget {
        return head + &sections.concat() + &tail;
    }
    let room = budget.saturating_sub(head.len() + tail.len() + 200);
    let mut front = Vec::new();
    let mut back = Vec::new();
    let (mut used, mut i, mut j) = (0usize, 0usize, sections.len());
    while i < j {
        let take_front = front.len() <= back.len();
        let sec = if take_front {
            &sections[i]
        } else {
            &sections[j - 1]
        };
        if used + sec.len() > room {
            break;
        }
        used += sec.len();
        if take_front {
            front.push(sec.clone());
            i += 1;
        } else {
            back.push(sec.clone());
            j -= 1;
        }
    }
    back.reverse();
    let omitted = j - i;
    let mut out = head + &front.concat();
    let _ = writeln!(
        out,
        "\n_… {omitted} more change(s) not shown: this comment would pass GitHub's size limit. Run `roost plan` for the full plan._\n"
    );
    out.push_str(&back.concat());
    out.push_str(&tail);
    out
}

/// What a plan shows for a value it never shows: a create sets it, anything else changes it.
fn sensitive_value(action: Action) -> &'static str {
    if action == Action::Create {
        "(sensitive)"
    } else {
        "(sensitive) changed"
    }
}
