//! A server's egg variables. Variables named like secrets (`roost_model::looks_secret`) are
//! never exported: they become references to environment variables the admin sets to the
//! value the panel holds.

use roost_model::{EnvValue, LiveEgg, LiveServer, SecretRef};
use std::collections::BTreeMap;

/// The variables of a server that differ from its egg's defaults.
pub(crate) struct Environment {
    pub values: BTreeMap<String, EnvValue>,
    /// The environment variables the secret ones are read from.
    pub secrets: Vec<String>,
}

/// The variables of `s` (server key `key`) that differ from the egg's defaults, secrets as
/// references.
pub(crate) fn environment(egg: &LiveEgg, s: &LiveServer, key: &str) -> Environment {
    let mut env = Environment {
        values: BTreeMap::new(),
        secrets: Vec::new(),
    };
    for v in &egg.variables {
        let Some(value) = s.environment.get(&v.env_variable) else {
            continue;
        };
        if value == &v.default_value {
            continue;
        }
        let written = match secret_variable_env(key, &v.env_variable, value) {
            Some(var) => {
                env.secrets.push(var.clone());
                EnvValue::Secret(SecretRef::Env(var))
            }
            None => EnvValue::Literal(value.clone()),
        };
        env.values.insert(v.env_variable.clone(), written);
    }
    env
}

/// The comment above the `env` line naming what to set.
pub(crate) fn secrets_note(vars: &[String]) -> String {
    format!(
        "Not exported: set {} to the value{} the panel holds.",
        vars.join(", "),
        if vars.len() == 1 { "" } else { "s" }
    )
}

/// The environment variable an imported secret egg variable is read from, when `var` looks
/// like a secret: `ROOST_SECRET_<SERVER>_<VAR>`, upper-case, anything but letters and digits as
/// `_`. An empty value holds no secret and stays literal.
fn secret_variable_env(server_key: &str, var: &str, value: &str) -> Option<String> {
    if value.is_empty() || !roost_model::looks_secret(var) {
        return None;
    }
    let upper = |x: &str| -> String {
        x.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    Some(format!("ROOST_SECRET_{}_{}", upper(server_key), upper(var)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_variables_become_environment_references() {
        assert_eq!(
            secret_variable_env("rust-eu.2", "RCON_PASS", "hunter2").as_deref(),
            Some("ROOST_SECRET_RUST_EU_2_RCON_PASS")
        );
        assert_eq!(
            secret_variable_env("csgo", "STEAM_ACC", "ABC").as_deref(),
            Some("ROOST_SECRET_CSGO_STEAM_ACC")
        );
        // Nothing secret in an empty value, nor in a variable not named like a secret.
        assert_eq!(secret_variable_env("rust", "RCON_PASS", ""), None);
        assert_eq!(secret_variable_env("rust", "RCON_PORT", "28016"), None);
    }
}
