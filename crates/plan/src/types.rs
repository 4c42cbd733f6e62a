//! The plan: what `apply` will do, and everything a renderer or the engine needs to know.
//! Its serde form is the JSON plan format (`schemas/plan.schema.json`).

use roost_model::{
    Address, Allocation, Dialect, Kind, Limits, LiveAllocation, LiveLocation, LiveNode, LiveServer,
    LiveUser, Location, Node, Origin, PasswordSpec, SecretRef,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON plan format. Bump on any incompatible change.
pub const PLAN_FORMAT_VERSION: u32 = 2;

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

/// An HTTP call the change will make, e.g. `PATCH /servers/12/build`. Ids not known until an
/// earlier change runs are written as the address in braces: `/servers/{server.lobby}/build`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiCall {
    pub method: String,
    pub path: String,
}

impl ApiCall {
    pub fn new(method: &str, path: impl Into<String>) -> Self {
        ApiCall {
            method: method.to_string(),
            path: path.into(),
        }
    }
}

impl std::fmt::Display for ApiCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
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
    pub calls: Vec<ApiCall>,
    /// Addresses this change must wait for (creates/updates) or that must wait for it (deletes).
    pub depends_on: Vec<Address>,
    /// Reasons a reviewer must confirm this change explicitly (admin rights, data loss).
    pub warnings: Vec<String>,
    /// The state to reach (absent for deletes).
    pub desired: Option<Desired>,
    /// The live object as read (absent for creates).
    pub live: Option<LiveObject>,
    /// Where the resource is declared in the manifests (not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Option<Origin>,
}

/// The desired side of a change, with panel references resolved where the object exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Desired {
    Location(Location),
    Node(NodeTarget),
    Allocation(Allocation),
    User(UserTarget),
    Server(Box<ServerTarget>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NodeTarget {
    pub node: Node,
    /// The location's panel id, when it exists already; otherwise the engine resolves
    /// `location.SHORT` after creating it.
    pub location_id: Option<u64>,
    /// `daemon_base` with the dialect default filled in.
    pub daemon_base: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserTarget {
    pub username: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub admin: bool,
    /// Pelican role ids to hold.
    pub role_ids: Vec<u64>,
    pub language: String,
    pub external_id: Option<String>,
    /// Where to read the password when it must be set (create, or rotation).
    pub password: Option<PasswordSpec>,
    /// Whether this apply sets the password.
    pub set_password: bool,
}

/// An allocation a server holds: its panel id when it exists, else its address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AllocationRef {
    pub address: Address,
    pub id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServerTarget {
    pub name: String,
    pub description: String,
    pub external_id: String,
    pub owner: Address,
    pub owner_id: Option<u64>,
    pub node: Address,
    pub node_id: Option<u64>,
    pub egg_id: u64,
    pub nest_id: Option<u64>,
    pub image: String,
    pub startup: String,
    /// Every variable of the egg, with the manifest's values over the egg's defaults, except
    /// those below.
    pub environment: BTreeMap<String, String>,
    /// Variables read from a secret: the engine reads the value when it writes it.
    pub secret_environment: BTreeMap<String, SecretRef>,
    /// Ignored variables: the engine keeps the value the panel has when it writes.
    pub panel_environment: Vec<String>,
    pub limits: Limits,
    pub databases: Option<u64>,
    pub allocations_limit: Option<u64>,
    pub backups: Option<u64>,
    pub allocation: Option<AllocationRef>,
    pub additional_allocations: Vec<AllocationRef>,
    pub suspended: bool,
    pub skip_scripts: bool,
    /// Run the egg's install script again (egg changed).
    pub reinstall: bool,
}

/// The live side of a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum LiveObject {
    Location(LiveLocation),
    Node(LiveNode),
    Allocation(LiveAllocation),
    User(LiveUser),
    Server(Box<LiveServer>),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Unmanaged {
    pub locations: Vec<String>,
    pub nodes: Vec<String>,
    pub allocations: usize,
    pub users: Vec<String>,
    pub servers: Vec<UnmanagedServer>,
}

impl Unmanaged {
    pub fn count(&self) -> usize {
        self.locations.len()
            + self.nodes.len()
            + self.allocations
            + self.users.len()
            + self.servers.len()
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
}
