//! A server's egg variables: every variable of the egg, compared one by one; sensitive ones
//! (read from a secret, or named like one) are compared but never shown.

use super::Environment;
use super::table::ServerTarget;
use crate::attr::{Compared, json_of};
use crate::lookup::Lookup;
use crate::sensitive::{differs, wanted};
use roost_model::LiveServer;
use std::collections::BTreeSet;

/// Every variable of the target compared with the panel's (`live` is `None` for a create).
/// After an egg change the old egg's variables are compared too (they go away). A secret that
/// cannot be read is left out here: `checks::unreadable_secrets` reports it.
pub(super) fn compare(
    t: &ServerTarget,
    live: Option<&LiveServer>,
    lk: &Lookup,
) -> Vec<(String, Compared)> {
    let env = &t.environment;
    let mut keys: BTreeSet<&String> = env.values.keys().chain(env.secrets.keys()).collect();
    if let (Some(l), true) = (live, t.egg_changed) {
        keys.extend(l.environment.keys());
    }
    let mut out = Vec::new();
    for k in keys {
        let want = match wanted(k, &env.values, &env.secrets, lk.secrets) {
            Some(Ok(x)) => Some(x),
            Some(Err(_)) => continue,
            None => None,
        };
        if lk.sensitive.contains(k) || env.secrets.contains_key(k) {
            let changed = match live {
                None => want.is_some(),
                Some(l) => differs(l, k, want.as_deref(), t.egg_changed),
            };
            out.push((k.clone(), Compared::Secret { changed }));
            continue;
        }
        let compared = match (live, t.egg_changed) {
            // A variable the old egg lacked is absent, not "".
            (Some(l), true) => Compared::Values {
                have: Some(json_of(l.environment.get(k))),
                want: json_of(want.as_deref()),
            },
            _ => Compared::Values {
                have: live.map(|l| json_of(l.environment.get(k).cloned().unwrap_or_default())),
                want: json_of(want.unwrap_or_default()),
            },
        };
        out.push((k.clone(), compared));
    }
    out
}

/// An ignored egg variable keeps the panel's value: the engine reads it when it writes, so
/// that no value (sensitive or not) is copied into the plan.
pub(super) fn keep_panel(env: &mut Environment, var: &str) {
    env.values.remove(var);
    env.secrets.remove(var);
    if !env.keep_panel.iter().any(|x| x == var) {
        env.keep_panel.push(var.to_string());
    }
}
