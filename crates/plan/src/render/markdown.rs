//! The plan as Markdown for a pull-request comment.

use super::*;
use std::fmt::Write;

/// At most this many risky changes are called out at the top of the Markdown (the head is never
/// shortened, so it must stay small).
const RISKY_NAMED: usize = 25;

/// The first line of every Markdown plan: invisible in the rendered comment, it lets a CI job
/// find the comment it posted before and update it in place instead of adding another.
pub const MARKDOWN_MARKER: &str = "<!-- roost-plan -->";

/// GitHub stops comments at 65,536 characters.
pub const MARKDOWN_BUDGET: usize = 65_536;

/// The plan as Markdown for a pull-request comment: summary table, risky changes first, one
/// collapsible section per resource, shortened in the middle to fit `budget` characters.
pub fn markdown(plan: &Plan, budget: usize) -> String {
    let head = head(plan);
    let sections: Vec<String> = items(plan)
        .into_iter()
        .map(|item| match item {
            Item::One(c) => change_section(c),
            Item::Allocations(g) => allocations_section(&g),
        })
        .collect();
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
    fit(head, sections, tail, budget)
}

/// The summary, the counts table, the threshold and the risky changes: never shortened.
fn head(plan: &Plan) -> String {
    let mut head = format!("{MARKDOWN_MARKER}\n## roost plan\n\n");
    let s = &plan.summary;
    let _ = writeln!(head, "**{}**\n", summary_line(plan));
    if let Some(p) = &plan.panel {
        // A backtick in the label would end the code span early.
        let _ = writeln!(
            head,
            "Panel: `{}` ({})\n",
            p.replace('`', "'"),
            plan.dialect
        );
    }
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
    head
}

/// One change as a collapsible section with a diff of its attributes.
fn change_section(c: &Change) -> String {
    if c.attributes.iter().any(|a| is_file_text(c, a)) {
        return file_section(c);
    }
    let mut sec = String::new();
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
        attribute_lines(&mut sec, c.action, a);
    }
    sec.push_str("```\n");
    let calls: Vec<String> = c
        .rendered_calls()
        .iter()
        .map(|x| format!("`{x}`"))
        .collect();
    if !calls.is_empty() {
        let _ = writeln!(sec, "\nAPI calls: {}", calls.join(", "));
    }
    sec.push_str("\n</details>\n");
    sec
}

/// A file's text change as a unified diff.
fn file_section(c: &Change) -> String {
    let mut sec = String::new();
    let _ = writeln!(
        sec,
        "<details><summary><code>{} {}</code> {}{}</summary>\n",
        c.action.symbol(),
        c.address,
        c.action.verb(),
        cause_note(c.cause)
    );
    sec.push_str("```diff\n");
    let _ = writeln!(sec, "--- a/{}\n+++ b/{}", c.address.name, c.address.name);
    for a in c.attributes.iter().filter(|a| is_file_text(c, a)) {
        for (sign, line) in unified_lines(a) {
            match sign {
                '@' => {
                    let _ = writeln!(sec, "{line}");
                }
                '\\' => {
                    let _ = writeln!(sec, "\\ {line}");
                }
                s => {
                    let _ = writeln!(sec, "{s}{line}");
                }
            }
        }
    }
    sec.push_str("```\n\n</details>\n");
    sec
}

/// One attribute as lines of a `diff` block.
fn attribute_lines(sec: &mut String, action: Action, a: &AttrChange) {
    let drift = if a.cause == Some(Cause::Drift) {
        "  # drift: changed in the panel"
    } else {
        ""
    };
    if a.sensitive {
        let what = sensitive_value(action);
        let _ = writeln!(sec, "! {} = {what}{drift}", a.name);
        return;
    }
    if is_multiline(a) {
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
        return;
    }
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

/// A group of allocation changes on one node as one section.
fn allocations_section(g: &AllocGroup) -> String {
    let mut sec = String::new();
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
    for a in group_aliases(g) {
        let _ = writeln!(sec, "alias: `{a}`\n");
    }
    let calls: Vec<String> = g
        .items
        .iter()
        .flat_map(|c| c.rendered_calls())
        .map(|x| format!("`{x}`"))
        .collect();
    if !calls.is_empty() {
        let _ = writeln!(sec, "API calls: {}\n", calls.join(", "));
    }
    sec.push_str("</details>\n");
    sec
}

/// Fit the budget: keep the head and tail, drop sections from the middle.
fn fit(head: String, sections: Vec<String>, tail: String, budget: usize) -> String {
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
