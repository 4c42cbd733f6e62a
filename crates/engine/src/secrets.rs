//! Secrets at apply time: read from the environment or from files, only into the request that
//! needs them.

use roost_model::{Secret, SecretRef};
use std::sync::Arc;

/// Reads write-only secrets (passwords) when a change needs them. The engine never stores or
/// prints the value.
pub type SecretResolver = Arc<dyn Fn(&SecretRef) -> Result<Secret, String> + Send + Sync>;

/// Reads secrets from the environment, and files relative to `base` (the trailing newline of a
/// file removed). A secret that is not set, not readable, or empty (or only whitespace, which
/// the panels store as empty) is an error: a password or variable is never sent blank.
pub fn env_and_file_secrets(base: std::path::PathBuf) -> SecretResolver {
    Arc::new(move |r: &SecretRef| {
        let (value, what) = match r {
            SecretRef::Env(var) => {
                let value = std::env::var(var).map_err(|e| match e {
                    std::env::VarError::NotPresent => {
                        format!("the environment variable {var} is not set")
                    }
                    std::env::VarError::NotUnicode(_) => {
                        format!("the environment variable {var} is not valid UTF-8")
                    }
                })?;
                (value, format!("the environment variable {var}"))
            }
            SecretRef::File(path) => {
                let p = base.join(path);
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| format!("cannot read the secret file {}: {e}", p.display()))?;
                let value = text.trim_end_matches(['\n', '\r']).to_string();
                (value, format!("the secret file {}", p.display()))
            }
        };
        if value.trim().is_empty() {
            return Err(format!("{what} is empty"));
        }
        Ok(Secret::new(value))
    })
}

/// Read every secret in `refs` with `resolver`: what `plan` does before planning, so that a
/// missing one fails the plan (and any apply) before a single write.
pub fn read_secrets<'a>(
    resolver: &SecretResolver,
    refs: impl IntoIterator<Item = &'a SecretRef>,
) -> roost_model::ResolvedSecrets {
    refs.into_iter().map(|r| (r.clone(), resolver(r))).collect()
}
