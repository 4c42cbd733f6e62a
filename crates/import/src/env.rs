//! A server's egg variables as an `env` line. Variables named like secrets
//! (`roost_model::looks_secret`) are never exported: they become references to environment
//! variables the admin sets to the value the panel holds.

use crate::prop_key;
use roost_manifest::kdl_text::string as q;
use roost_model::{LiveEgg, LiveServer};
use std::fmt::Write;

/// Write the `env` line of `s` (server key `key`) into `t`: the variables that differ from the
/// egg's defaults, secrets as references with a comment naming what to set. Returns the
/// environment variables the manifests now read.
pub(crate) fn write_env(t: &mut String, egg: &LiveEgg, s: &LiveServer, key: &str) -> Vec<String> {
    let mut secret_vars = Vec::new();
    let env: Vec<String> = egg
        .variables
        .iter()
        .filter_map(|v| {
            let value = s.environment.get(&v.env_variable)?;
            if value == &v.default_value {
                return None;
            }
            let name = prop_key(&v.env_variable);
            Some(match secret_variable_env(key, &v.env_variable, value) {
                Some(var) => {
                    let written = format!("{name}=(env){}", q(&var));
                    secret_vars.push(var);
                    written
                }
                None => format!("{name}={}", q(value)),
            })
        })
        .collect();
    if !secret_vars.is_empty() {
        let _ = writeln!(
            t,
            "    // Not exported: set {} to the value{} the panel holds.",
            secret_vars.join(", "),
            if secret_vars.len() == 1 { "" } else { "s" }
        );
    }
    if !env.is_empty() {
        let _ = writeln!(t, "    env {}", env.join(" "));
    }
    secret_vars
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
