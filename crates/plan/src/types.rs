//! The plan: what `apply` will do, and everything a renderer or the engine needs to know.
//! Its serde form is the JSON plan format (`schemas/plan.schema.json`).

use crate::kinds::Op;
use crate::ops::{ApiCall, OpSpec};
use roost_model::{Address, Dialect, Kind, Origin};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON plan format. Bump on any incompatible change.
pub const PLAN_FORMAT_VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    pub format_version: u32,
    /// The panel the plan was made against (URL, or `sim:PATH` for the embedded simulator).
    pub panel: Option<String>,
    pub dialect: Dialect,
    /// Changes in apply order: server deletes first, then creates, updates, adoptions and
    /// replacements in dependency order, then the other deletes (allocations, users), which run
    /// after the updates that stop using them.
    pub changes: Vec<Change>,
    /// Resources on the panel that the manifests do not declare and roost will not touch.
    pub unmanaged: Unmanaged,
    pub summary: Summary,
    /// Whether changes were classified against a base (`--base`).
    pub has_base: bool,
    /// Requests per minute the estimate assumes.
    pub rate_limit: u32,
    /// Hash of every live object the plan was made from, keyed by `kind:id`, so that a saved
    /// plan can be refused when the panel changed since.
    pub fingerprints: BTreeMap<String, String>,
    /// Egg variables whose values the plan never shows (read from a secret, or named like one):
    /// left out of `fingerprints` and of the live servers, compared again by `apply`.
    pub sensitive_variables: Vec<String>,
    /// The manifest directory the plan was made from: `(file)` secrets are read relative to it.
    pub manifests: Option<String>,
    /// Non-fatal observations a reviewer should see (e.g. a likely adoption candidate).
    pub notes: Vec<String>,
    /// `--target`: the plan covers only these resources and what they depend on.
    pub targets: Vec<Address>,
    /// The manifests allow destructive changes under `--auto-approve` (`allow-destroy #true`).
    pub allow_destroy: bool,
    /// Set when the plan deletes or replaces more managed servers than the threshold allows:
    /// `apply` then refuses unless `--force`.
    pub threshold: Option<ThresholdBreach>,
    /// Set when the plan deletes more managed users than the same threshold allows (users are
    /// counted apart from servers): `apply` then refuses unless `--force`.
    #[serde(default)]
    pub user_threshold: Option<ThresholdBreach>,
    /// The panel's release as far as its live state tells (Pelican only), for messages.
    #[serde(default)]
    pub panel_release: Option<String>,
}

/// The plan would destroy more servers (or users) than `delete-threshold` allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThresholdBreach {
    /// What is counted: `server` (deletes and replacements) or `user` (deletes).
    #[serde(default = "server_kind")]
    pub kind: Kind,
    /// Resources of `kind` the plan deletes (or replaces).
    pub destroyed: usize,
    /// Resources of `kind` roost manages on the panel now.
    pub managed: usize,
    pub percent: u32,
    pub count: Option<u32>,
    /// Where the threshold is set (`panel.kdl:3:5`), or `None` for the default.
    pub set_at: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Option<Origin>,
}

fn server_kind() -> Kind {
    Kind::Server
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The threshold breaches of the plan: servers, then users.
    pub fn threshold_breaches(&self) -> impl Iterator<Item = &ThresholdBreach> {
        self.threshold.iter().chain(self.user_threshold.iter())
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    /// Delete and create again: a field that cannot change in place changed.
    Replace,
    Delete,
    /// Take over an existing panel object (set roost's ownership marker), plus any updates.
    Adopt,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Adopt => "<=",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Action::Create => "created",
            Action::Update => "updated in place",
            Action::Replace => "replaced",
            Action::Delete => "deleted",
            Action::Adopt => "adopted",
        }
    }
}

/// What a change does to a running game server.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    #[default]
    None,
    /// The server must restart (or is stopped) for the change to take effect.
    Restart,
    /// The server is reinstalled: its files are at risk.
    Reinstall,
    /// The server and its data are destroyed.
    Destroy,
}

/// Whether a change comes from the manifests or from the panel (needs `--base`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Cause {
    /// The manifests changed since the base.
    Intended,
    /// The manifests did not change, the panel did: someone changed it outside roost.
    Drift,
    /// Some attributes intended, some drift.
    Mixed,
}

/// One attribute's old and new value. Values are JSON so every renderer shows them alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AttrChange {
    pub name: String,
    pub old: Option<serde_json::Value>,
    pub new: Option<serde_json::Value>,
    /// Write-only secret: never shown, only said to change.
    pub sensitive: bool,
    pub impact: Impact,
    /// Set when planned against a base.
    pub cause: Option<Cause>,
}

/// One resource's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    pub address: Address,
    pub action: Action,
    /// The panel id of the live object, when there is one.
    pub id: Option<u64>,
    /// Changed attributes (for creates: every attribute, `old` empty).
    pub attributes: Vec<AttrChange>,
    /// Unchanged attributes not shown.
    pub unchanged: usize,
    pub impact: Impact,
    pub cause: Option<Cause>,
    /// What `apply` does, in order: the only thing the engine reads.
    pub ops: Vec<Op>,
    /// The requests of `ops`, as a reviewer reads them. Rendered from `ops` when the plan is
    /// made; nothing reads them back.
    #[serde(default)]
    pub calls: Vec<ApiCall>,
    /// Addresses this change must wait for (creates/updates) or that must wait for it (deletes).
    pub depends_on: Vec<Address>,
    /// Reasons a reviewer must confirm this change explicitly (admin rights, data loss).
    pub warnings: Vec<String>,
    /// Where the resource is declared in the manifests (not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Option<Origin>,
}

impl Change {
    /// The requests `ops` make, rendered for reviewers.
    pub fn rendered_calls(&self) -> Vec<ApiCall> {
        self.ops.iter().filter_map(OpSpec::call).collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Unmanaged {
    pub locations: Vec<String>,
    pub nodes: Vec<String>,
    pub allocations: usize,
    pub users: Vec<String>,
    pub servers: Vec<UnmanagedServer>,
    /// Databases of managed servers that the manifests do not declare (`server.NAME/database.NAME`),
    /// left alone because `prune` does not list `databases`.
    #[serde(default)]
    pub databases: Vec<String>,
    /// Schedules of managed servers that the manifests do not declare, left alone (`prune` does
    /// not list `schedules`, or the server is not roost's).
    #[serde(default)]
    pub schedules: Vec<String>,
    /// Subusers of managed servers that the manifests do not declare, left alone.
    #[serde(default)]
    pub subusers: Vec<String>,
}

impl Unmanaged {
    pub fn count(&self) -> usize {
        self.locations.len()
            + self.nodes.len()
            + self.allocations
            + self.users.len()
            + self.servers.len()
            + self.databases.len()
            + self.schedules.len()
            + self.subusers.len()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UnmanagedServer {
    pub id: u64,
    pub name: String,
    pub external_id: Option<String>,
    /// Carries roost's namespace, but pruning of servers is off.
    pub owned: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub adopt: usize,
    pub unchanged: usize,
    pub restart: usize,
    pub reinstall: usize,
    pub destroy: usize,
    pub unmanaged: usize,
    pub intended: usize,
    pub drift: usize,
    /// HTTP requests apply will make, and how long they take at the rate limit.
    pub requests: usize,
    pub seconds_at_rate_limit: u64,
    /// Client API requests made to read the server-level state this plan compares (one per
    /// server and kind, only for servers that declare such children or prune them).
    #[serde(default)]
    pub refresh_requests: usize,
}
