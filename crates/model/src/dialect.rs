use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The two panel families roost speaks to. Their Application APIs differ in many details
/// (see `shared/panel-api/dialects.md`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Pterodactyl,
    Pelican,
}

impl Dialect {
    pub const ALL: [Dialect; 2] = [Dialect::Pterodactyl, Dialect::Pelican];

    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Pterodactyl => "pterodactyl",
            Dialect::Pelican => "pelican",
        }
    }

    /// The panel's default Application API rate limit, requests per minute.
    pub fn default_rate_limit(self) -> u32 {
        match self {
            Dialect::Pterodactyl => 240,
            Dialect::Pelican => 256,
        }
    }

    /// The panel's default Client API rate limit, requests per minute per user (client/README.md
    /// §8): Pterodactyl 1.11 720, current Pelican 256 (720 up to beta30, 120 in beta31–33). Only
    /// a starting point: the panel's `X-RateLimit-Limit` replaces it on the first answer.
    pub fn default_client_rate_limit(self) -> u32 {
        match self {
            Dialect::Pterodactyl => 720,
            Dialect::Pelican => 256,
        }
    }

    /// Where Wings keeps server data when the node does not say otherwise.
    pub fn default_daemon_base(self) -> &'static str {
        match self {
            Dialect::Pterodactyl => "/var/lib/pterodactyl/volumes",
            Dialect::Pelican => "/var/lib/pelican/volumes",
        }
    }

    pub fn parse(s: &str) -> Option<Dialect> {
        match s {
            "pterodactyl" => Some(Dialect::Pterodactyl),
            "pelican" => Some(Dialect::Pelican),
            _ => None,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the manifests expect: a specific dialect, or whatever the panel turns out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DialectChoice {
    #[default]
    Auto,
    Pterodactyl,
    Pelican,
}

impl DialectChoice {
    pub fn known(self) -> Option<Dialect> {
        match self {
            DialectChoice::Auto => None,
            DialectChoice::Pterodactyl => Some(Dialect::Pterodactyl),
            DialectChoice::Pelican => Some(Dialect::Pelican),
        }
    }

    /// True when a rule of `dialect` applies: always for `Auto` (the manifest must then be
    /// valid for both panels), otherwise only for the chosen one.
    pub fn includes(self, dialect: Dialect) -> bool {
        self.known().is_none_or(|d| d == dialect)
    }
}

impl From<Dialect> for DialectChoice {
    fn from(d: Dialect) -> Self {
        match d {
            Dialect::Pterodactyl => DialectChoice::Pterodactyl,
            Dialect::Pelican => DialectChoice::Pelican,
        }
    }
}
