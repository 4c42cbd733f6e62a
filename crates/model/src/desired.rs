//! The desired state: what the manifests declare, templates merged, units resolved to MiB.

use crate::{Address, DialectChoice, Kind, SecretRef};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Where in the manifests a resource was declared: a file index into the manifest set and a
/// byte range. Not part of the serialised model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Origin {
    pub file: u32,
    pub offset: u32,
    pub len: u32,
}

/// The whole fleet as declared.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Desired {
    pub panel: PanelSettings,
    pub locations: BTreeMap<String, Location>,
    pub nodes: BTreeMap<String, Node>,
    /// Every allocation, expanded from the nodes' `allocations` ranges.
    #[serde(with = "allocation_list")]
    #[schemars(with = "Vec<Allocation>")]
    pub allocations: BTreeMap<AllocationKey, Allocation>,
    pub users: BTreeMap<String, User>,
    pub servers: BTreeMap<String, Server>,
}

impl Desired {
    /// Every address the manifests declare, in no particular order.
    pub fn addresses(&self) -> impl Iterator<Item = Address> + '_ {
        let l = self
            .locations
            .keys()
            .map(|k| Address::new(Kind::Location, k.clone()));
        let n = self
            .nodes
            .keys()
            .map(|k| Address::new(Kind::Node, k.clone()));
        let a = self.allocations.keys().map(AllocationKey::address);
        let u = self
            .users
            .keys()
            .map(|k| Address::new(Kind::User, k.clone()));
        let s = self
            .servers
            .keys()
            .map(|k| Address::new(Kind::Server, k.clone()));
        l.chain(n).chain(a).chain(u).chain(s)
    }

    /// The external id that marks a server as roost's: the manifest's own, or the namespace
    /// followed by the server's manifest name.
    pub fn server_external_id(&self, server: &Server) -> String {
        server
            .external_id
            .clone()
            .unwrap_or_else(|| crate::marker(&self.panel.namespace, &server.key, server.protect))
    }

    /// Every secret the manifests refer to (user passwords, secret egg variables): what roost
    /// reads before planning.
    pub fn secret_refs(&self) -> BTreeSet<&SecretRef> {
        let passwords = self
            .users
            .values()
            .filter_map(|u| u.password.as_ref().map(|p| &p.source));
        let variables = self
            .servers
            .values()
            .flat_map(|s| s.environment.values().filter_map(EnvValue::secret));
        passwords.chain(variables).collect()
    }

    /// The external id roost gives a user: the manifest's own, or the namespaced marker.
    pub fn user_external_id(&self, user: &User) -> String {
        user.external_id
            .clone()
            .unwrap_or_else(|| crate::marker(&self.panel.namespace, &user.username, user.protect))
    }
}

/// Connection defaults and policy, from the `panel` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelSettings {
    /// Panel base URL, e.g. `https://panel.example.com`. `--panel` overrides it.
    pub url: Option<String>,
    /// Name of the environment variable holding the API token (default `ROOST_TOKEN`).
    pub token_env: String,
    /// The dialect the manifests are written for.
    pub dialect: DialectChoice,
    /// Prefix of the `external_id` roost gives the servers and users it creates. It is roost's
    /// ownership marker: only resources carrying it are ever pruned. Ends in `:` or `/`.
    pub namespace: String,
    /// The namespace used before (`namespace "new:" previous="old:"`): declared resources
    /// carrying `previous + key` are re-marked (adopted) instead of created again. Resources
    /// under it that are not declared are never touched.
    pub previous_namespace: Option<String>,
    /// Kinds whose owned resources are deleted when they leave the manifests.
    pub prune: BTreeSet<Kind>,
    /// Requests per minute to stay under; default is the dialect's own limit.
    pub rate_limit: Option<u32>,
    /// Destructive changes (server deletes and replacements, reinstalls, admin rights) may be
    /// applied with `--auto-approve` alone, without `--allow-destroy`.
    pub allow_destroy: bool,
    /// How many managed servers one apply may delete or replace before it needs `--force`.
    pub delete_threshold: DeleteThreshold,
    /// Attributes roost never compares, as `KIND.*.FIELD` or `KIND.NAME.FIELD`
    /// (e.g. `server.*.description` when a billing system owns descriptions).
    pub ignore: Vec<String>,
}

/// The change threshold of the `panel` block (`delete-threshold percent=10 count=20`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteThreshold {
    /// Share of the managed servers, in percent.
    pub percent: u32,
    /// Absolute number of servers, when set.
    pub count: Option<u32>,
    /// Where it is set in the manifests (`None`: the default).
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Option<Origin>,
}

impl Default for DeleteThreshold {
    fn default() -> Self {
        DeleteThreshold {
            percent: 10,
            count: None,
            origin: None,
        }
    }
}

impl Default for PanelSettings {
    fn default() -> Self {
        PanelSettings {
            url: None,
            token_env: "ROOST_TOKEN".to_string(),
            dialect: DialectChoice::Auto,
            namespace: "roost:".to_string(),
            previous_namespace: None,
            prune: BTreeSet::new(),
            rate_limit: None,
            allow_destroy: false,
            delete_threshold: DeleteThreshold::default(),
            ignore: Vec::new(),
        }
    }
}

/// A Pterodactyl location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Short code, the location's identity (`short` on the panel).
    pub short: String,
    pub description: Option<String>,
    /// Attributes roost never compares on this resource (owned by another tool).
    pub ignore: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A node (a machine running Wings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub name: String,
    /// Pelican only (Pterodactyl ignores descriptions sent through the API).
    pub description: Option<String>,
    /// Pterodactyl only: the location's short code.
    pub location: Option<String>,
    /// Pelican only.
    pub tags: Vec<String>,
    pub fqdn: String,
    pub scheme: Scheme,
    pub behind_proxy: bool,
    pub public: bool,
    pub maintenance: bool,
    /// MiB.
    pub memory: u64,
    /// Percent; -1 disables the check.
    pub memory_overallocate: i64,
    /// MiB.
    pub disk: u64,
    pub disk_overallocate: i64,
    /// Pelican only: percent, 100 = one core; 0 = unlimited.
    pub cpu: u64,
    pub cpu_overallocate: i64,
    /// MiB.
    pub upload_size: u64,
    pub daemon_listen: u16,
    pub daemon_sftp: u16,
    /// Pelican only; defaults to `daemon_listen`.
    pub daemon_connect: Option<u16>,
    /// Pelican only.
    pub daemon_sftp_alias: Option<String>,
    /// Defaults to the dialect's own directory.
    pub daemon_base: Option<String>,
    /// Attributes roost never compares on this resource (owned by another tool).
    pub ignore: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Identity of an allocation: node, ip and port.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct AllocationKey {
    pub node: String,
    pub ip: IpAddr,
    pub port: u16,
}

impl AllocationKey {
    pub fn address(&self) -> Address {
        Address::allocation(&self.node, self.ip, self.port)
    }
}

// JSON object keys must be strings: serialise the key as its address name.
impl std::fmt::Display for AllocationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.address().name)
    }
}

/// One ip:port on a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    pub node: String,
    pub ip: IpAddr,
    pub port: u16,
    pub alias: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

impl Allocation {
    pub fn key(&self) -> AllocationKey {
        AllocationKey {
            node: self.node.clone(),
            ip: self.ip,
            port: self.port,
        }
    }
}

/// How a password is set. The manifests name where the value is; roost reads it when planning
/// (to fail early) and again when applying, and never stores or shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordSpec {
    pub source: SecretRef,
    /// Set the password again on the next apply, even though the user exists.
    pub rotate: bool,
    /// Where the source is written in the manifests (not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// The value of an egg variable: written in the manifests, or read from a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvValue {
    Literal(String),
    /// `(env)"VAR"` or `(file)"PATH"`: sensitive everywhere, never in a plan, log or file.
    Secret(SecretRef),
}

impl EnvValue {
    pub fn literal(&self) -> Option<&str> {
        match self {
            EnvValue::Literal(v) => Some(v),
            EnvValue::Secret(_) => None,
        }
    }

    pub fn secret(&self) -> Option<&SecretRef> {
        match self {
            EnvValue::Literal(_) => None,
            EnvValue::Secret(r) => Some(r),
        }
    }
}

/// A panel user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub username: String,
    pub email: String,
    /// Pterodactyl only (required there).
    pub first_name: Option<String>,
    /// Pterodactyl only (required there).
    pub last_name: Option<String>,
    /// Pterodactyl only: `root_admin`.
    pub admin: bool,
    /// Pelican only: role names.
    pub roles: Vec<String>,
    pub language: Option<String>,
    pub external_id: Option<String>,
    pub password: Option<PasswordSpec>,
    pub protect: bool,
    /// Take over an existing panel user instead of creating one.
    pub adopt: Option<AdoptUser>,
    /// Attributes roost never compares on this resource (owned by another tool).
    pub ignore: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// How an existing panel user is taken over: roost never adopts a user without being told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdoptUser {
    /// `adopt`: the panel user with this username.
    Username,
    /// `adopt id=N`: the panel user with this id (renamed to the manifest's username).
    Id(u64),
}

/// An egg, referred to by name (and nest on Pterodactyl).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EggRef {
    pub name: String,
    pub nest: Option<String>,
}

/// Resource limits of a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// MiB, 0 = unlimited.
    pub memory: u64,
    /// MiB, -1 = unlimited, 0 = none.
    pub swap: i64,
    /// MiB, 0 = unlimited.
    pub disk: u64,
    /// Block-IO weight.
    pub io: u64,
    /// Percent (100 = one core), 0 = unlimited.
    pub cpu: u64,
    /// CPU pinning, e.g. `0-1,3`.
    pub threads: Option<String>,
    pub oom_killer: bool,
}

/// Feature limits of a server; `None` is unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureLimits {
    pub databases: Option<u64>,
    pub allocations: Option<u64>,
    pub backups: Option<u64>,
}

impl Default for FeatureLimits {
    fn default() -> Self {
        FeatureLimits {
            databases: Some(0),
            allocations: Some(0),
            backups: Some(0),
        }
    }
}

/// An ip:port on the server's node.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.port),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}

/// How an existing panel server is taken over instead of created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdoptServer {
    Id(u64),
    Uuid(String),
}

/// A game server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// The manifest name: roost's handle for the server (`server.KEY`).
    pub key: String,
    /// The name shown in the panel (defaults to the key).
    pub name: String,
    pub description: String,
    /// Username of the owner.
    pub owner: String,
    /// Node name.
    pub node: String,
    pub egg: EggRef,
    /// Docker image; defaults to the egg's first image.
    pub image: Option<String>,
    /// Startup command; defaults to the egg's.
    pub startup: Option<String>,
    pub limits: Limits,
    pub features: FeatureLimits,
    /// The primary allocation (required on Pterodactyl).
    pub allocation: Option<Endpoint>,
    pub additional_allocations: Vec<Endpoint>,
    /// Egg variables. Variables not listed keep the egg's default.
    pub environment: BTreeMap<String, EnvValue>,
    /// Where each variable is written (not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub environment_origins: BTreeMap<String, Origin>,
    pub suspended: bool,
    /// Overrides the namespaced external id.
    pub external_id: Option<String>,
    pub skip_scripts: bool,
    pub depends_on: Vec<Address>,
    /// Where each `depends-on` entry is written (same order; not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub depends_on_origins: Vec<Origin>,
    /// The template the server was built from, if any (for display only).
    pub template: Option<String>,
    pub protect: bool,
    pub adopt: Option<AdoptServer>,
    /// Attributes roost never compares on this resource (owned by another tool).
    pub ignore: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Allocations serialise as a list: their key is a struct, and JSON keys must be strings.
mod allocation_list {
    use super::{Allocation, AllocationKey};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<AllocationKey, Allocation>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<AllocationKey, Allocation>, D::Error> {
        let list = Vec::<Allocation>::deserialize(d)?;
        Ok(list.into_iter().map(|a| (a.key(), a)).collect())
    }
}
