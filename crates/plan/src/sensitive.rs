//! Secrets in plans: egg variables read from `(env)`/`(file)` or named like a secret, and user
//! passwords. One rule for all of them: the plan never holds their value, in any form.
//!
//! * A sensitive variable is compared with the panel's value, but the plan records only that it
//!   changes (`(sensitive) changed`): no value, no hash (a hash of a short secret is guessable).
//! * The target names where a secret comes from ([`ServerTarget::secret_environment`]); the
//!   engine reads it again when it writes. Ignored variables keep the panel's value, which the
//!   engine reads at apply time ([`ServerTarget::panel_environment`]).
//! * The live server carried in the plan, and its fingerprint, leave sensitive values out.
//! * Every secret the plan needs must have been read before planning ([`Options::secrets`]):
//!   one that is missing, unreadable or empty fails the plan, pointing at its manifest line.
//! * A saved plan is applied only if, with the secrets read again and the panel read again,
//!   every sensitive variable still changes exactly where the plan said ([`recheck`]).

use crate::diff::{Attrs, PlanError, v};
use crate::types::{Change, Desired, Impact, LiveObject, Plan, ServerTarget};
use roost_model::{
    EnvValue, Live, LiveEgg, LiveServer, Origin, ResolvedSecrets, SecretRef, Server, looks_secret,
};
use std::collections::{BTreeMap, BTreeSet};

/// What the plan shows instead of a sensitive value (in the live server it carries).
pub const REDACTED: &str = "(sensitive)";

/// Names of the egg variables whose values no plan shows: those any server reads from a secret,
/// and those named like a secret ([`looks_secret`]), across the whole fleet.
pub(crate) fn sensitive_variables(d: &roost_model::Desired, live: &Live) -> BTreeSet<String> {
    let declared = d.servers.values().flat_map(|s| s.environment.iter());
    let from_secrets = declared
        .clone()
        .filter(|(_, v)| v.secret().is_some())
        .map(|(k, _)| k.as_str());
    let named = declared
        .map(|(k, _)| k.as_str())
        .chain(
            live.eggs
                .iter()
                .flat_map(|e| e.variables.iter().map(|x| x.env_variable.as_str())),
        )
        .chain(
            live.servers
                .iter()
                .flat_map(|s| s.environment.keys().map(String::as_str)),
        )
        .filter(|k| looks_secret(k));
    from_secrets.chain(named).map(str::to_string).collect()
}

/// The egg variables a server is given: every variable of the egg, the manifest's literal
/// values over the egg's defaults; variables read from a secret are named, not valued.
pub(crate) struct ServerEnvironment {
    pub plain: BTreeMap<String, String>,
    pub secret: BTreeMap<String, SecretRef>,
}

impl ServerEnvironment {
    pub fn of(egg: &LiveEgg, s: &Server) -> Self {
        let mut plain: BTreeMap<String, String> = egg
            .variables
            .iter()
            .map(|v| (v.env_variable.clone(), v.default_value.clone()))
            .collect();
        let mut secret = BTreeMap::new();
        for (k, val) in &s.environment {
            if !plain.contains_key(k) {
                continue;
            }
            match val {
                EnvValue::Literal(x) => {
                    plain.insert(k.clone(), x.clone());
                }
                EnvValue::Secret(r) => {
                    plain.remove(k);
                    secret.insert(k.clone(), r.clone());
                }
            }
        }
        ServerEnvironment { plain, secret }
    }
}

/// The value a variable is to have, as the panel will store it (trimmed), if it can be known.
fn wanted(
    var: &str,
    plain: &BTreeMap<String, String>,
    secret: &BTreeMap<String, SecretRef>,
    secrets: &ResolvedSecrets,
) -> Option<Result<String, String>> {
    if let Some(x) = plain.get(var) {
        return Some(Ok(x.clone()));
    }
    let source = secret.get(var)?;
    Some(match secrets.get(source) {
        Some(Ok(s)) => Ok(s.expose().trim().to_string()),
        Some(Err(why)) => Err(why.clone()),
        None => Err(format!("{source} was not read before planning")),
    })
}

/// Whether the panel's value of a variable differs from the one wanted. After an egg change,
/// a variable the old egg lacked is absent (not ""): it differs from any value.
fn differs(live: &LiveServer, var: &str, want: Option<&str>, egg_changed: bool) -> bool {
    let now = live.environment.get(var).map(String::as_str);
    if egg_changed {
        now != want
    } else {
        now.unwrap_or("") != want.unwrap_or("")
    }
}

/// Compare a server's egg variables with the panel's (`live` is `None` for a create), adding an
/// attribute per difference: with values for ordinary variables, `(sensitive)` for the others.
/// Returns the secrets that could not be read, with why.
pub(crate) fn compare_environment(
    attrs: &mut Attrs,
    env: &ServerEnvironment,
    live: Option<&LiveServer>,
    egg_changed: bool,
    sensitive: &BTreeSet<String>,
    secrets: &ResolvedSecrets,
) -> Vec<(String, String)> {
    let mut unreadable = Vec::new();
    let mut keys: BTreeSet<&String> = env.plain.keys().chain(env.secret.keys()).collect();
    if let (Some(l), true) = (live, egg_changed) {
        keys.extend(l.environment.keys());
    }
    for k in keys {
        let name = format!("environment.{k}");
        let want = match wanted(k, &env.plain, &env.secret, secrets) {
            Some(Ok(x)) => Some(x),
            Some(Err(why)) => {
                unreadable.push((k.clone(), why));
                continue;
            }
            None => None,
        };
        if sensitive.contains(k) || env.secret.contains_key(k) {
            let changed = match live {
                None => want.is_some(),
                Some(l) => differs(l, k, want.as_deref(), egg_changed),
            };
            if changed {
                // Like any attribute of a create, setting it needs no restart.
                let impact = if live.is_some() {
                    Impact::Restart
                } else {
                    Impact::None
                };
                attrs.sensitive_change(&name, impact);
            } else {
                attrs.unchanged += 1;
            }
            continue;
        }
        match (live, egg_changed) {
            (Some(l), true) => attrs.cmp(
                &name,
                v(l.environment.get(k)),
                v(want.as_deref()),
                Impact::Restart,
            ),
            _ => attrs.pair(
                &name,
                live.map(|l| v(l.environment.get(k).cloned().unwrap_or_default())),
                v(want.as_deref().unwrap_or_default()),
                Impact::Restart,
            ),
        }
    }
    unreadable
}

/// Why a secret could not be read, or `None` when it was.
fn read_error(source: &SecretRef, secrets: &ResolvedSecrets) -> Option<String> {
    match secrets.get(source) {
        Some(Ok(_)) => None,
        Some(Err(why)) => Some(why.clone()),
        None => Some(format!("{source} was not read before planning")),
    }
}

/// The plan error for a secret that could not be read, at the line that names it.
pub(crate) fn unreadable_secret(what: String, why: &str, origin: Origin) -> PlanError {
    PlanError::new(
        "roost::secret-unavailable",
        format!("{what} cannot be read: {why}"),
        Some(origin),
    )
    .help("roost reads every secret a plan needs before planning, so that no apply starts without one: set the variable (or create the file) for `plan` and `apply` alike, or change the source in the manifests")
}

/// Errors for the user passwords this plan sets (a new user, `rotate=#true`) that could not
/// be read.
pub(crate) fn unreadable_passwords(
    changes: &[Change],
    secrets: &ResolvedSecrets,
) -> Vec<PlanError> {
    let mut errors = Vec::new();
    for c in changes {
        let Some(Desired::User(u)) = &c.desired else {
            continue;
        };
        let Some(spec) = u.password.as_ref().filter(|_| u.set_password) else {
            continue;
        };
        let Some(why) = read_error(&spec.source, secrets) else {
            continue;
        };
        errors.push(unreadable_secret(
            format!("the password of user `{}`", u.username),
            &why,
            spec.origin,
        ));
    }
    errors
}

/// An ignored egg variable keeps the panel's value: the engine reads it when it writes, so
/// that no value (sensitive or not) is copied into the plan.
pub(crate) fn keep_panel_variable(t: &mut ServerTarget, var: &str) {
    t.environment.remove(var);
    t.secret_environment.remove(var);
    if !t.panel_environment.iter().any(|x| x == var) {
        t.panel_environment.push(var.to_string());
    }
}

/// `env` with the values of sensitive variables replaced by [`REDACTED`].
pub fn redact_environment(env: &mut BTreeMap<String, String>, sensitive: &BTreeSet<String>) {
    for (k, val) in env.iter_mut() {
        if sensitive.contains(k) {
            *val = REDACTED.to_string();
        }
    }
}

/// Take every sensitive value out of the live servers the plan carries.
pub(crate) fn redact_changes(changes: &mut [Change], sensitive: &BTreeSet<String>) {
    for c in changes {
        if let Some(LiveObject::Server(l)) = c.live.as_mut() {
            redact_environment(&mut l.environment, sensitive);
        }
    }
}

/// Every secret a plan needs when it is applied: the passwords it sets, and the secret egg
/// variables of the servers it writes.
pub fn needed_secrets(plan: &Plan) -> BTreeSet<&SecretRef> {
    let mut out = BTreeSet::new();
    for c in &plan.changes {
        match &c.desired {
            Some(Desired::User(u)) if u.set_password => {
                out.extend(u.password.as_ref().map(|p| &p.source))
            }
            Some(Desired::Server(t)) => out.extend(t.secret_environment.values()),
            _ => {}
        }
    }
    out
}

/// Check a saved plan against the secrets and the panel as they are now, before it is applied:
/// every secret it needs must be readable, and every sensitive variable must change exactly
/// where the plan says. Returns (secrets that cannot be read, variables whose verdict changed).
pub fn recheck(plan: &Plan, live: &Live, secrets: &ResolvedSecrets) -> (Vec<String>, Vec<String>) {
    let mut unreadable = Vec::new();
    let mut moved = Vec::new();
    let sensitive: BTreeSet<String> = plan.sensitive_variables.iter().cloned().collect();
    for c in &plan.changes {
        match &c.desired {
            Some(Desired::User(u)) if u.set_password => {
                if let Some(why) = u
                    .password
                    .as_ref()
                    .and_then(|p| read_error(&p.source, secrets))
                {
                    unreadable.push(format!("the password of {}: {why}", c.address));
                }
            }
            Some(Desired::Server(t)) => {
                let now = c.id.and_then(|id| live.servers.iter().find(|s| s.id == id));
                for var in t
                    .secret_environment
                    .keys()
                    .chain(t.environment.keys().filter(|k| sensitive.contains(*k)))
                {
                    let want = match wanted(var, &t.environment, &t.secret_environment, secrets) {
                        Some(Ok(x)) => x,
                        Some(Err(why)) => {
                            unreadable.push(format!("{} variable {var}: {why}", c.address));
                            continue;
                        }
                        None => continue,
                    };
                    let (Some(l), true) = (now, c.live.is_some()) else {
                        continue;
                    };
                    let planned = c
                        .attributes
                        .iter()
                        .any(|a| a.name == format!("environment.{var}"));
                    if differs(l, var, Some(&want), t.reinstall) != planned {
                        moved.push(format!(
                            "{}: the sensitive variable {var} {} since the plan was made",
                            c.address,
                            if planned {
                                "no longer needs a change"
                            } else {
                                "now needs a change"
                            }
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    (unreadable, moved)
}
