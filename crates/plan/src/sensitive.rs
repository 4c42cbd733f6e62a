//! Secrets in plans: egg variables read from `(env)`/`(file)` or named like a secret, and user
//! passwords. One rule for all of them: the plan never holds their value, in any form.
//!
//! * A sensitive variable is compared with the panel's value, but the plan records only that it
//!   changes (`(sensitive) changed`): no value, no hash (a hash of a short secret is guessable).
//! * Operations name where a secret comes from (`Environment::secrets`, a user's `password`);
//!   the engine reads it again when it writes. Ignored variables keep the panel's value, which
//!   the engine reads at apply time (`Environment::keep_panel`).
//! * What an update replaces (`was`), and the fingerprints, leave sensitive values out.
//! * Every secret the plan needs must have been read before planning ([`Options::secrets`]):
//!   one that is missing, unreadable or empty fails the plan, pointing at its manifest line.
//! * A saved plan is applied only if, with the secrets read again and the panel read again,
//!   every sensitive variable still changes exactly where the plan said ([`recheck`]).

use crate::error::PlanError;
use crate::kinds::{Op, server};
use crate::ops::OpSpec;
use crate::types::Plan;
use roost_model::{
    EnvValue, Live, LiveEgg, LiveServer, Origin, ResolvedSecrets, SecretRef, Server, looks_secret,
};
use std::collections::{BTreeMap, BTreeSet};

/// What the plan shows instead of a sensitive value (in what an update replaces).
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
pub(crate) fn wanted(
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
pub(crate) fn differs(live: &LiveServer, var: &str, want: Option<&str>, egg_changed: bool) -> bool {
    let now = live.environment.get(var).map(String::as_str);
    if egg_changed {
        now != want
    } else {
        now.unwrap_or("") != want.unwrap_or("")
    }
}

/// Why a secret could not be read, or `None` when it was.
pub(crate) fn read_error(source: &SecretRef, secrets: &ResolvedSecrets) -> Option<String> {
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

/// `env` (a map's entries, mutably) with the values of sensitive variables replaced by
/// [`REDACTED`].
pub fn redact_environment<'a>(
    env: impl IntoIterator<Item = (&'a String, &'a mut String)>,
    sensitive: &BTreeSet<String>,
) {
    for (k, val) in env {
        if sensitive.contains(k) {
            *val = REDACTED.to_string();
        }
    }
}

/// Every secret a plan needs when it is applied: those its operations read.
pub fn needed_secrets(plan: &Plan) -> BTreeSet<&SecretRef> {
    plan.changes
        .iter()
        .flat_map(|c| &c.ops)
        .flat_map(|op| op.secrets())
        .collect()
}

/// Check a saved plan against the secrets and the panel as they are now, before it is applied:
/// every secret it needs must be readable, and every sensitive variable an update writes must
/// change exactly where the plan says. Returns (secrets that cannot be read, variables whose
/// verdict changed).
pub fn recheck(plan: &Plan, live: &Live, secrets: &ResolvedSecrets) -> (Vec<String>, Vec<String>) {
    let mut unreadable = Vec::new();
    let mut moved = Vec::new();
    let sensitive: BTreeSet<String> = plan.sensitive_variables.iter().cloned().collect();
    for c in &plan.changes {
        for op in &c.ops {
            for source in op.secrets() {
                if let Some(why) = read_error(source, secrets) {
                    unreadable.push(format!("{} ({source}): {why}", c.address));
                }
            }
            let Op::Server(server::Op::Startup { id, set, was }) = op else {
                continue;
            };
            let Some(now) = live.servers.iter().find(|s| s.id == *id) else {
                continue;
            };
            let env = &set.environment;
            let vars = env
                .secrets
                .keys()
                .chain(env.values.keys().filter(|k| sensitive.contains(*k)));
            for var in vars {
                let Some(Ok(want)) = wanted(var, &env.values, &env.secrets, secrets) else {
                    continue;
                };
                let planned = c
                    .attributes
                    .iter()
                    .any(|a| a.name == format!("environment.{var}"));
                if differs(now, var, Some(&want), set.egg != was.egg) != planned {
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
    }
    (unreadable, moved)
}
