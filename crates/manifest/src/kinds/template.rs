//! Templates: `template "NAME" [from="OTHER"] { ... }` holds server settings that servers (and
//! other templates) extend with `from=`. They parse like servers (`kinds/server`); here each
//! chain is merged once, and printed back.

use crate::diag::Problem;
use crate::kinds::server::{self, FeaturesDraft, LimitsDraft, ServerDecl, ServerDraft};
use crate::print::{Out, Template, q};
use crate::resolve::undefined;
use std::collections::{BTreeMap, HashMap};

/// Each template merged with the chain it extends; `None` for a template that cannot be merged
/// (an unknown parent, or a cycle), already reported.
pub(crate) fn merge_all(
    templates: &BTreeMap<String, ServerDecl>,
    problems: &mut Vec<Problem>,
) -> HashMap<String, Option<ServerDraft>> {
    let names: Vec<&str> = templates.keys().map(String::as_str).collect();
    let mut merged = HashMap::new();
    for name in templates.keys() {
        merge_chain(
            name,
            templates,
            &names,
            &mut merged,
            &mut Vec::new(),
            problems,
        );
    }
    merged
}

fn merge_chain(
    name: &str,
    templates: &BTreeMap<String, ServerDecl>,
    names: &[&str],
    done: &mut HashMap<String, Option<ServerDraft>>,
    stack: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) -> Option<ServerDraft> {
    if let Some(d) = done.get(name) {
        return d.clone();
    }
    let decl = &templates[name];
    if let Some(pos) = stack.iter().position(|s| s == name) {
        problems.push(cycle(name, templates, &stack[pos..]));
        for t in &stack[pos..] {
            done.insert(t.clone(), None);
        }
        return None;
    }
    let merged = match &decl.from {
        None => Some(decl.draft.clone()),
        Some(from) => {
            if !templates.contains_key(&from.v) {
                problems.push(undefined(
                    "template",
                    &from.v,
                    from.span,
                    names,
                    &format!("declare it: template \"{}\" {{ ... }}", from.v),
                ));
                None
            } else {
                stack.push(name.to_string());
                let base = merge_chain(&from.v, templates, names, done, stack, problems);
                stack.pop();
                base.map(|b| overlay(b, decl.draft.clone()))
            }
        }
    };
    if !done.contains_key(name) {
        done.insert(name.to_string(), merged.clone());
    }
    done.get(name).cloned().flatten()
}

/// Templates that extend each other in a circle, `chain` running from `name` back to it.
fn cycle(name: &str, templates: &BTreeMap<String, ServerDecl>, chain: &[String]) -> Problem {
    let decl = &templates[name];
    let names: Vec<String> = chain.iter().cloned().chain([name.to_string()]).collect();
    let mut p = Problem::new(
        "roost::template-cycle",
        format!(
            "templates inherit from each other in a circle: {}",
            names.join(" -> ")
        ),
        decl.from.as_ref().map(|f| f.span).unwrap_or(decl.key.span),
        "the circle closes here",
    )
    .help("a template may extend another, but the chain must end; remove one `from=`");
    for t in chain {
        if t != name
            && let Some(f) = &templates[t].from
            && f.span.file == decl.key.span.file
        {
            p = p.label(f.span, format!("`{t}` extends `{}`", f.v));
        }
    }
    p
}

/// Fields set in `over` win; limits, features and env merge key by key, databases and schedules name by name.
pub(crate) fn overlay(base: ServerDraft, over: ServerDraft) -> ServerDraft {
    let mut env = base.env;
    env.extend(over.env);
    let mut databases = base.databases;
    databases.extend(over.databases);
    let mut schedules = base.schedules;
    schedules.extend(over.schedules);
    let mut subusers = base.subusers;
    subusers.extend(over.subusers);
    let mut files = base.files;
    files.extend(over.files);
    let mut written = base.written;
    written.extend(over.written);
    ServerDraft {
        name: over.name.or(base.name),
        description: over.description.or(base.description),
        owner: over.owner.or(base.owner),
        node: over.node.or(base.node),
        egg: over.egg.or(base.egg),
        image: over.image.or(base.image),
        startup: over.startup.or(base.startup),
        limits: LimitsDraft {
            memory: over.limits.memory.or(base.limits.memory),
            swap: over.limits.swap.or(base.limits.swap),
            disk: over.limits.disk.or(base.limits.disk),
            io: over.limits.io.or(base.limits.io),
            cpu: over.limits.cpu.or(base.limits.cpu),
            threads: over.limits.threads.or(base.limits.threads),
            oom_killer: over.limits.oom_killer.or(base.limits.oom_killer),
        },
        features: FeaturesDraft {
            databases: over.features.databases.or(base.features.databases),
            allocations: over.features.allocations.or(base.features.allocations),
            backups: over.features.backups.or(base.features.backups),
        },
        primary_note: match &over.allocation {
            Some(_) => over.primary_note,
            None => base.primary_note,
        },
        allocation: over.allocation.or(base.allocation),
        allocation_notes: server::overlay_notes(base.allocation_notes, over.allocation_notes),
        additional: over.additional.or(base.additional),
        env,
        suspended: over.suspended.or(base.suspended),
        external_id: over.external_id.or(base.external_id),
        skip_scripts: over.skip_scripts.or(base.skip_scripts),
        power: over.power.or(base.power),
        depends_on: over.depends_on.or(base.depends_on),
        protect: over.protect.or(base.protect),
        ignore: match (base.ignore, over.ignore) {
            (Some(mut b), Some(o)) => {
                b.extend(o);
                b.sort();
                b.dedup();
                Some(b)
            }
            (b, o) => o.or(b),
        },
        adopt: over.adopt.or(base.adopt),
        moved_from: over.moved_from.or(base.moved_from),
        databases,
        schedules,
        subusers,
        files,
        written,
    }
}

pub(crate) fn print(o: &mut Out, t: &Template) {
    o.open("template", &q(&t.name));
    if let Some(egg) = &t.egg {
        o.field("egg", server::print_egg(egg));
    }
    if let Some(l) = &t.limits {
        o.field("limits", server::joined(&server::limit_props(l)));
    }
    if let Some(f) = &t.features {
        o.field("features", server::joined(&server::feature_props(f)));
    }
    o.close();
}
