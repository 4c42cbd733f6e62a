use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A secret value (API token, password) read at run time. Its `Debug` and `Display` never show
/// the value, so it cannot leak into logs, plans or error messages by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call this only where the value is sent to the panel.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

/// Where a secret comes from. Manifests never hold a secret literally.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SecretRef {
    /// The value of an environment variable.
    Env(String),
    /// The contents of a file (trailing newline removed), relative to the manifest directory.
    File(String),
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "env {name}"),
            SecretRef::File(path) => write!(f, "file {path}"),
        }
    }
}

/// Every secret the manifests refer to, as read before planning: the value, or why it could
/// not be read (not set, empty, unreadable). The planner is pure and reads nothing itself.
pub type ResolvedSecrets = std::collections::BTreeMap<SecretRef, Result<Secret, String>>;

/// Words of an egg variable's name that make it look like it holds a secret. Names are split
/// into words at anything but a letter or digit (`RCON_PASS` → `RCON`, `PASS`).
const SECRET_WORDS: &[&str] = &["PASS", "PWD", "KEY", "GSLT"];
/// Endings of a word that do the same, also glued to other words (`ADMINPASSWORD`, `APITOKEN`).
const SECRET_ENDINGS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "TOKEN",
    "SECRET",
    "APIKEY",
    "AUTHKEY",
    "RCONPASS",
    "ADMINPASS",
    "SERVERPASS",
];

/// Whether an egg variable's name looks like it holds a secret (RCON passwords, Steam game
/// server tokens, licence keys). One rule for the whole of roost: `roost import` writes such
/// variables as environment references, and plans never show their values.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    // `STEAM_ACC` is the Steam game server login token of the Source eggs.
    if upper.contains("STEAM_ACC") {
        return true;
    }
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| SECRET_WORDS.contains(&w) || SECRET_ENDINGS.iter().any(|e| w.ends_with(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_names() {
        for name in [
            "RCON_PASS",
            "RCON_PASSWORD",
            "SERVER_PASSWORD",
            "ADMINPASS",
            "STEAM_ACC",
            "STEAM_ACCOUNT",
            "SRCDS_TOKEN",
            "GSLT",
            "LICENSE_KEY",
            "API_SECRET",
            "rcon_pass",
            "DB_PWD",
            "ADMINPASSWORD",
        ] {
            assert!(looks_secret(name), "{name} looks secret");
        }
        for name in [
            "RCON_PORT",
            "SERVER_JARFILE",
            "MINECRAFT_VERSION",
            "MAX_PLAYERS",
            "HOSTNAME",
            "STEAM_USER",
            "KEYBOARD_LAYOUT",
            "COMPASS_MODE",
        ] {
            assert!(!looks_secret(name), "{name} does not look secret");
        }
    }

    #[test]
    fn secrets_never_print_their_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }
}
