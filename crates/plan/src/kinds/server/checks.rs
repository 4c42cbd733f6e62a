//! What a declared server must satisfy before roost plans it: an egg the panel has, variables
//! the egg has (required ones set), allocations no other server holds, secrets that could be
//! read; and notes about servers it might have meant to adopt.

use crate::context::PlanCx;
use crate::error::PlanError;
use crate::ops::Ref;
use crate::ownership;
use crate::sensitive::{read_error, unreadable_secret};
use roost_model::{Dialect, Endpoint, EnvValue, LiveEgg, LiveServer, Server};

/// The panel's egg `s` names; an error when there is none or more than one.
pub(super) fn find_egg<'a>(cx: &mut PlanCx<'a>, s: &Server) -> Option<&'a LiveEgg> {
    let live = cx.lookup.live;
    let nest_id = match &s.egg.nest {
        Some(nest) if cx.is_pelican() => {
            cx.error(PlanError::new("roost::wrong-dialect", format!("server `{}` names the nest `{nest}`, but the panel is Pelican, which has no nests", s.key), Some(s.origin)).help(format!("write egg \"{}\" without nest=", s.egg.name)));
            return None;
        }
        Some(nest) => match live.nests.iter().find(|n| &n.name == nest) {
            Some(n) => Some(n.id),
            None => {
                let names: Vec<&str> = live.nests.iter().map(|n| n.name.as_str()).collect();
                cx.error(
                    PlanError::new(
                        "roost::undefined-reference",
                        format!(
                            "server `{}` uses the nest `{nest}`, which the panel does not have",
                            s.key
                        ),
                        Some(s.origin),
                    )
                    .help(format!("nests on the panel: {}", names.join(", "))),
                );
                return None;
            }
        },
        None => None,
    };
    let candidates: Vec<&LiveEgg> = live
        .eggs
        .iter()
        .filter(|e| e.name == s.egg.name && nest_id.is_none_or(|n| e.nest == Some(n)))
        .collect();
    match candidates.as_slice() {
        [one] => Some(*one),
        [] => {
            let names: Vec<&str> = live
                .eggs
                .iter()
                .filter(|e| nest_id.is_none_or(|n| e.nest == Some(n)))
                .map(|e| e.name.as_str())
                .collect();
            let close = names
                .iter()
                .copied()
                .min_by_key(|n| levenshtein(n, &s.egg.name))
                .filter(|n| levenshtein(n, &s.egg.name) <= 3);
            let help = match close {
                Some(c) => format!("did you mean \"{c}\"?"),
                None => format!(
                    "eggs on the panel: {}; eggs are imported in the panel, not by roost",
                    names.join(", ")
                ),
            };
            cx.error(
                PlanError::new(
                    "roost::undefined-reference",
                    format!(
                        "server `{}` uses the egg `{}`, which the panel does not have",
                        s.key, s.egg.name
                    ),
                    Some(s.origin),
                )
                .help(help),
            );
            None
        }
        many => {
            let ids: Vec<String> = many
                .iter()
                .map(|e| format!("id {} ({})", e.id, e.uuid))
                .collect();
            let help = match cx.dialect {
                Dialect::Pterodactyl => "add nest=\"...\" to pick one",
                Dialect::Pelican => "rename the duplicate egg in the panel",
            };
            cx.error(
                PlanError::new(
                    "roost::ambiguous-identity",
                    format!(
                        "server `{}` names the egg `{}`, which matches {} eggs: {}",
                        s.key,
                        s.egg.name,
                        many.len(),
                        ids.join(", ")
                    ),
                    Some(s.origin),
                )
                .help(help),
            );
            None
        }
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Variables the egg does not have: the panel would ignore them.
pub(super) fn unknown_variables(cx: &mut PlanCx, s: &Server, egg: &LiveEgg) {
    for var in s.environment.keys() {
        if egg.variables.iter().any(|v| &v.env_variable == var) {
            continue;
        }
        let known: Vec<&str> = egg
            .variables
            .iter()
            .map(|v| v.env_variable.as_str())
            .collect();
        cx.error(
            PlanError::new(
                "roost::unknown-variable",
                format!(
                    "server `{}` sets `{var}`, which the egg `{}` does not have",
                    s.key, egg.name
                ),
                Some(s.origin),
            )
            .help(format!(
                "the panel would ignore it; variables of `{}`: {}",
                egg.name,
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            )),
        );
    }
}

/// A server about to be created: likely candidates for adoption are worth a note (same name
/// and no external id, or roost's marker under another namespace).
pub(super) fn adoption_notes(cx: &mut PlanCx, s: &Server) {
    let live = cx.lookup.live;
    for l in live
        .servers
        .iter()
        .filter(|l| l.external_id.is_none() && l.name == s.name)
    {
        cx.notes.push(format!("server `{}` will be created, but the panel already has a server named \"{}\" without an external id (id {}); to take it over instead, add `adopt id={}`", s.key, l.name, l.id, l.id));
    }
    let namesakes = ownership::namesake_notes(cx.desired, s, &live.servers);
    cx.notes.extend(namesakes);
}

/// Pre-flight: the panel rejects a required egg variable left empty (422). Whether every
/// required variable has a value.
pub(super) fn required_variables(cx: &mut PlanCx, s: &Server, egg: &LiveEgg) -> bool {
    let mut ok = true;
    for var in &egg.variables {
        // A secret is never empty: an empty one fails the plan on its own.
        let empty = match s.environment.get(&var.env_variable) {
            Some(EnvValue::Literal(x)) => x.is_empty(),
            Some(EnvValue::Secret(_)) => false,
            None => var.default_value.is_empty(),
        };
        if empty && var.rules.iter().any(|r| r == "required") {
            ok = false;
            cx.error(
                PlanError::new(
                    "roost::missing-variable",
                    format!(
                        "server `{}`: the egg `{}` requires `{}` ({}), which has no default",
                        s.key, egg.name, var.env_variable, var.name
                    ),
                    Some(s.origin),
                )
                .help(format!("set it: env {}=\"...\"", var.env_variable)),
            );
        }
    }
    ok
}

/// Allocations held by another server the plan does not delete: the panel would refuse.
pub(super) fn allocations_free(
    cx: &mut PlanCx,
    s: &Server,
    wanted: &[(&Endpoint, &Ref)],
    live: Option<&LiveServer>,
) {
    for (shown, r) in wanted {
        let Some(a) = r.known().and_then(|id| cx.lookup.allocation_by_id.get(&id)) else {
            continue;
        };
        let Some(holder) = a.server_id else { continue };
        if Some(holder) == live.map(|l| l.id) || cx.identity.deleted.contains(&holder) {
            continue;
        }
        let name = cx.lookup.server_name(holder);
        cx.error(PlanError::new("roost::allocation-taken", format!("server `{}` wants {}/{shown}, but the panel has given it to server id {holder} (\"{name}\")", s.key, s.node), Some(s.origin)).help("free it in the panel, adopt that server, or choose another port"));
    }
}

/// The secret egg variables of `s` that could not be read, each at the line that names it.
pub(super) fn unreadable_secrets(cx: &mut PlanCx, s: &Server, egg: &LiveEgg) {
    for (var, value) in &s.environment {
        let Some(source) = value.secret() else { continue };
        if !egg.variables.iter().any(|v| &v.env_variable == var) {
            continue;
        }
        let Some(why) = read_error(source, cx.lookup.secrets) else {
            continue;
        };
        let at = s.environment_origins.get(var).copied().unwrap_or(s.origin);
        cx.error(unreadable_secret(
            format!("server `{}`: the egg variable `{var}`", s.key),
            &why,
            at,
        ));
    }
}
