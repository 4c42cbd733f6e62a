//! The plan as text, Terraform-like.

use super::*;
use std::fmt::Write;

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
                    for call in g.items.iter().flat_map(|c| c.rendered_calls()) {
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
    if plan.summary.refresh_requests > 0 {
        let n = plan.summary.refresh_requests;
        let _ = writeln!(
            o,
            "Reading server-level state (schedules, subusers, files) took {n} Client API request{}.",
            if n == 1 { "" } else { "s" }
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
            _ if is_file_text(c, a) => file_diff(o, p, c, a, &cause),
            _ if is_multiline(a) => multiline_diff(o, p, c, a, &cause),
            // A value the update adds where there was none (a schedule's task appended).
            (Action::Create, _, Some(new)) | (Action::Update, None, Some(new)) => {
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
        for call in c.rendered_calls() {
            let _ = writeln!(o, "      {} {call}", p.dim("->"));
        }
    }
}

/// A file's text change as a unified diff with context.
fn file_diff(o: &mut String, p: &Paint, c: &Change, a: &AttrChange, cause: &str) {
    let mark = p.action(c.action, c.action.symbol());
    let _ = writeln!(o, "      {mark} {}:{cause}", a.name);
    for (sign, line) in unified_lines(a) {
        let s = match sign {
            '-' => p.c("31", &format!("-{line}")),
            '+' => p.c("32", &format!("+{line}")),
            '@' => p.c("36", &line),
            '\\' => p.dim(&format!("\\ {line}")),
            _ => format!(" {line}"),
        };
        let _ = writeln!(o, "          {s}");
    }
}

/// A multi-line value (a startup command, a description) as a heredoc with lines marked.
fn multiline_diff(o: &mut String, p: &Paint, c: &Change, a: &AttrChange, cause: &str) {
    let old_s = a.old.as_ref().and_then(|v| v.as_str()).unwrap_or("");
    let new_s = a.new.as_ref().and_then(|v| v.as_str()).unwrap_or("");
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
