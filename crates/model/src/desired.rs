//! The desired state: what the manifests declare, templates merged, units resolved to MiB.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
        let databases = self.servers.iter().flat_map(|(key, server)| {
            let parent = Address::new(Kind::Server, key.clone());
            server
                .databases
                .keys()
                .map(move |db| Address::child(&parent, Kind::Database, db.clone()))
        });
        let schedules = self.servers.iter().flat_map(|(key, server)| {
            let parent = Address::new(Kind::Server, key.clone());
            server
                .schedules
                .keys()
                .map(move |x| Address::child(&parent, Kind::Schedule, x.clone()))
        });
        let subusers = self.servers.iter().flat_map(|(key, server)| {
            let parent = Address::new(Kind::Server, key.clone());
            server
                .subusers
                .keys()
                .map(move |x| Address::child(&parent, Kind::Subuser, x.clone()))
        });
        let files = self.servers.iter().flat_map(|(key, server)| {
            let parent = Address::new(Kind::Server, key.clone());
            server
                .files
                .keys()
                .map(move |x| Address::child(&parent, Kind::File, x.clone()))
        });
        l.chain(n)
            .chain(a)
            .chain(u)
            .chain(s)
            .chain(databases)
            .chain(schedules)
            .chain(subusers)
            .chain(files)
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
    /// Name of the environment variable holding a **client** API key (default
    /// `ROOST_CLIENT_TOKEN`): the Client API's token, of the user owning the application key.
    /// Optional: roost reads it only when it is set.
    #[serde(default = "default_client_token_env")]
    pub client_token_env: String,
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
    /// Changing tools of `roost mcp` (e.g. `server_power`) an agent may call, each call still
    /// confirmed with a token; `roost mcp --allow TOOL` adds to them.
    #[serde(default)]
    pub mcp_allow: Vec<String>,
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

fn default_client_token_env() -> String {
    "ROOST_CLIENT_TOKEN".to_string()
}

impl Default for PanelSettings {
    fn default() -> Self {
        PanelSettings {
            url: None,
            token_env: "ROOST_TOKEN".to_string(),
            client_token_env: default_client_token_env(),
            dialect: DialectChoice::Auto,
            namespace: "roost:".to_string(),
            previous_namespace: None,
            prune: BTreeSet::new(),
            rate_limit: None,
            allow_destroy: false,
            delete_threshold: DeleteThreshold::default(),
            ignore: Vec::new(),
            mcp_allow: Vec::new(),
        }
    }
}

/// Allocations serialise as a list: their key is a struct, and JSON keys must be strings.
mod allocation_list {
    use crate::{Allocation, AllocationKey};
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
