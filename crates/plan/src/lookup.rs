//! Indexes over the live state, built once per plan: every kind looks panel objects up here
//! instead of scanning lists. Attribute readers get it too, with the two facts they need beyond
//! the panel's objects: which egg variables are sensitive, and the secrets read before planning.

use roost_model::{
    Endpoint, Live, LiveAllocation, LiveDatabase, LiveDatabaseHost, LiveEgg, LiveLocation,
    LiveNode, LiveServer, LiveUser, ResolvedSecrets,
};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

pub(crate) struct Lookup<'a> {
    pub live: &'a Live,
    pub location_by_id: HashMap<u64, &'a LiveLocation>,
    pub locations_by_short: HashMap<&'a str, Vec<&'a LiveLocation>>,
    pub node_by_id: HashMap<u64, &'a LiveNode>,
    pub nodes_by_name: HashMap<&'a str, Vec<&'a LiveNode>>,
    pub allocation_by_id: HashMap<u64, &'a LiveAllocation>,
    /// (node id, ip, port): allocations whose ip is a literal address.
    pub allocation_by_key: HashMap<(u64, IpAddr, u16), &'a LiveAllocation>,
    pub user_by_id: HashMap<u64, &'a LiveUser>,
    pub server_by_id: HashMap<u64, &'a LiveServer>,
    pub egg_by_id: HashMap<u64, &'a LiveEgg>,
    pub databases_by_server: HashMap<u64, Vec<&'a LiveDatabase>>,
    pub database_host_by_id: HashMap<u64, &'a LiveDatabaseHost>,
    /// Egg variables whose values the plan never shows (`sensitive::sensitive_variables`).
    pub sensitive: BTreeSet<String>,
    /// The secrets read before planning.
    pub secrets: &'a ResolvedSecrets,
}

impl<'a> Lookup<'a> {
    pub fn new(live: &'a Live, sensitive: BTreeSet<String>, secrets: &'a ResolvedSecrets) -> Self {
        let mut l = Lookup {
            live,
            location_by_id: live.locations.iter().map(|x| (x.id, x)).collect(),
            locations_by_short: HashMap::new(),
            node_by_id: live.nodes.iter().map(|x| (x.id, x)).collect(),
            nodes_by_name: HashMap::new(),
            allocation_by_id: live.allocations.iter().map(|x| (x.id, x)).collect(),
            allocation_by_key: HashMap::new(),
            user_by_id: live.users.iter().map(|x| (x.id, x)).collect(),
            server_by_id: live.servers.iter().map(|x| (x.id, x)).collect(),
            egg_by_id: live.eggs.iter().map(|x| (x.id, x)).collect(),
            databases_by_server: HashMap::new(),
            database_host_by_id: live.database_hosts.iter().map(|x| (x.id, x)).collect(),
            sensitive,
            secrets,
        };
        for x in &live.locations {
            l.locations_by_short.entry(&x.short).or_default().push(x);
        }
        for x in &live.nodes {
            l.nodes_by_name.entry(&x.name).or_default().push(x);
        }
        for a in &live.allocations {
            if let Some(ip) = a.ip_addr() {
                l.allocation_by_key.insert((a.node_id, ip, a.port), a);
            }
        }
        for db in &live.databases {
            l.databases_by_server
                .entry(db.server_id)
                .or_default()
                .push(db);
        }
        l
    }

    /// The one live node of that name (`None` when absent or ambiguous).
    pub fn node_named(&self, name: &str) -> Option<&'a LiveNode> {
        match self.nodes_by_name.get(name).map(Vec::as_slice) {
            Some([one]) => Some(one),
            _ => None,
        }
    }

    /// The live allocation at ip:port on the (one) node of that name.
    pub fn allocation_at(&self, node: &str, ep: Endpoint) -> Option<&'a LiveAllocation> {
        let n = self.node_named(node)?;
        self.allocation_by_key.get(&(n.id, ep.ip, ep.port)).copied()
    }

    pub fn node_name(&self, id: u64) -> String {
        self.node_by_id
            .get(&id)
            .map(|n| n.name.clone())
            .unwrap_or_else(|| format!("node id {id}"))
    }

    pub fn username(&self, id: u64) -> String {
        self.user_by_id
            .get(&id)
            .map(|u| u.username.clone())
            .unwrap_or_else(|| format!("user id {id}"))
    }

    pub fn location_short(&self, id: u64) -> Option<&'a str> {
        self.location_by_id.get(&id).map(|l| l.short.as_str())
    }

    /// An egg as a reviewer recognises it: `Paper (Minecraft)` on Pterodactyl.
    pub fn egg_label(&self, id: u64) -> Value {
        let Some(e) = self.egg_by_id.get(&id) else {
            return json!(format!("egg id {id}"));
        };
        match e
            .nest
            .and_then(|n| self.live.nests.iter().find(|x| x.id == n))
        {
            Some(n) => json!(format!("{} ({})", e.name, n.name)),
            None => json!(e.name),
        }
    }

    /// A database host as a reviewer recognises it: its name where the panel lists hosts
    /// (Pelican), else its id.
    pub fn host_label(&self, id: u64) -> Value {
        match self.database_host_by_id.get(&id) {
            Some(h) => json!(h.name),
            None => json!(id),
        }
    }

    /// The server's name for a message: `"lobby"` or the id when unknown.
    pub fn server_name(&self, id: u64) -> String {
        self.server_by_id
            .get(&id)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }
}

/// An allocation's `ip:port` as a plan shows it.
pub(crate) fn endpoint_of(a: &LiveAllocation) -> String {
    match a.ip_addr() {
        Some(ip) => Endpoint { ip, port: a.port }.to_string(),
        None => format!("{}:{}", a.ip, a.port),
    }
}
