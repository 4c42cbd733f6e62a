//! The panel's database: plain serde types with public fields, plus derived indexes that are
//! rebuilt after every out-of-band change so request handlers never scan whole tables.

use crate::util::{now_unix, random_alnum, uuid4};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use roost_model::Dialect;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Location {
    pub id: u64,
    pub short: String,
    pub long: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Node {
    pub id: u64,
    pub uuid: String,
    pub public: bool,
    pub name: String,
    pub description: Option<String>,
    /// PT only.
    pub location_id: Option<u64>,
    pub fqdn: String,
    pub scheme: String,
    pub behind_proxy: bool,
    pub maintenance_mode: bool,
    pub memory: i64,
    pub memory_overallocate: i64,
    pub disk: i64,
    pub disk_overallocate: i64,
    pub cpu: i64,
    pub cpu_overallocate: i64,
    pub upload_size: i64,
    pub daemon_listen: i64,
    pub daemon_sftp: i64,
    pub daemon_sftp_alias: Option<String>,
    pub daemon_base: String,
    pub daemon_connect: i64,
    pub tags: Vec<String>,
    pub daemon_token_id: String,
    pub daemon_token: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Allocation {
    pub id: u64,
    pub node_id: u64,
    pub ip: String,
    pub alias: Option<String>,
    pub port: u16,
    pub notes: Option<String>,
    pub server_id: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: u64,
    pub external_id: Option<String>,
    pub uuid: String,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub language: String,
    /// PT column; on PL the output is derived from holding the "Root Admin" role.
    pub root_admin: bool,
    pub use_totp: bool,
    pub is_managed_externally: bool,
    pub timezone: Option<String>,
    /// Not a hash: the sim only needs to know whether one was set.
    pub password: Option<String>,
    /// PL role ids.
    pub roles: Vec<u64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Server {
    pub id: u64,
    pub external_id: Option<String>,
    pub uuid: String,
    pub name: String,
    pub description: String,
    pub status: Option<String>,
    pub memory: i64,
    pub swap: i64,
    pub disk: i64,
    pub io: i64,
    pub cpu: i64,
    pub threads: Option<String>,
    /// PT column; PL stores `oom_killer` = `!oom_disabled`.
    pub oom_disabled: bool,
    pub database_limit: Option<i64>,
    pub allocation_limit: Option<i64>,
    pub backup_limit: Option<i64>,
    pub user_id: u64,
    pub node_id: u64,
    pub allocation_id: Option<u64>,
    pub nest_id: Option<u64>,
    pub egg_id: u64,
    pub startup: String,
    pub image: String,
    pub skip_scripts: bool,
    /// Server variable rows: egg variable id -> stored value.
    pub variables: BTreeMap<u64, String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Nest {
    pub id: u64,
    pub uuid: String,
    pub author: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EggVariable {
    pub id: u64,
    pub egg_id: u64,
    pub name: String,
    pub description: String,
    pub env_variable: String,
    pub default_value: String,
    pub user_viewable: bool,
    pub user_editable: bool,
    /// Individual rules; PT renders them joined with `|`, PL as an array.
    pub rules: Vec<String>,
    pub sort: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Egg {
    pub id: u64,
    pub uuid: String,
    /// PT only.
    pub nest_id: Option<u64>,
    pub name: String,
    pub author: String,
    pub description: Option<String>,
    pub features: Option<Vec<String>>,
    pub tags: Vec<String>,
    /// Ordered (label, image) pairs.
    pub docker_images: Vec<(String, String)>,
    /// Ordered (label, command) pairs; the first is the egg's `startup`.
    pub startup_commands: Vec<(String, String)>,
    pub config_files: Value,
    pub config_startup: Value,
    pub config_stop: Option<String>,
    pub config_logs: Value,
    pub file_denylist: Value,
    pub config_extends: Option<u64>,
    pub script_privileged: bool,
    pub script_install: Option<String>,
    pub script_entry: String,
    pub script_container: String,
    pub script_extends: Option<u64>,
    pub variables: Vec<EggVariable>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Egg {
    pub fn startup(&self) -> &str {
        self.startup_commands
            .first()
            .map(|(_, c)| c.as_str())
            .unwrap_or("")
    }
    pub fn first_image(&self) -> &str {
        self.docker_images
            .first()
            .map(|(_, i)| i.as_str())
            .unwrap_or("")
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Role {
    pub id: u64,
    pub name: String,
    pub permissions: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Next id per table (auto-increment; ids are never reused, like MySQL).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Counters {
    pub location: u64,
    pub node: u64,
    pub allocation: u64,
    pub user: u64,
    pub server: u64,
    pub nest: u64,
    pub egg: u64,
    pub egg_variable: u64,
    pub role: u64,
}

/// Derived lookups; never serialised, rebuilt with [`SimState::reindex`].
#[derive(Clone, Debug, Default)]
pub struct Indexes {
    pub allocs_by_node: HashMap<u64, BTreeSet<u64>>,
    pub allocs_by_server: HashMap<u64, BTreeSet<u64>>,
    pub alloc_pairs: HashSet<(u64, String, u16)>,
    pub servers_by_node: HashMap<u64, BTreeSet<u64>>,
    pub servers_by_user: HashMap<u64, BTreeSet<u64>>,
    pub servers_by_egg: HashMap<u64, BTreeSet<u64>>,
    pub nodes_by_location: HashMap<u64, BTreeSet<u64>>,
    pub user_by_external: HashMap<String, u64>,
    pub server_by_external: HashMap<String, u64>,
    pub user_by_username: HashMap<String, u64>,
    pub user_by_email: HashMap<String, u64>,
    /// Servers per identifier (the uuid's first 8 characters, which must be unique too).
    pub server_identifiers: HashMap<String, usize>,
}

/// A server's short identifier: the first 8 characters of its uuid.
pub fn server_identifier(uuid: &str) -> &str {
    uuid.get(..8).unwrap_or(uuid)
}

fn default_true() -> bool {
    true
}

fn new_rng() -> SmallRng {
    SmallRng::from_os_rng()
}

/// Everything the simulated panel knows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimState {
    pub dialect: Dialect,
    pub locations: BTreeMap<u64, Location>,
    pub nodes: BTreeMap<u64, Node>,
    pub allocations: BTreeMap<u64, Allocation>,
    pub users: BTreeMap<u64, User>,
    pub servers: BTreeMap<u64, Server>,
    pub nests: BTreeMap<u64, Nest>,
    pub eggs: BTreeMap<u64, Egg>,
    pub roles: BTreeMap<u64, Role>,
    pub counters: Counters,
    /// Owner of the application key (the seeded admin).
    pub api_key_owner: u64,
    /// When true (default) a created/reinstalled server finishes installing right after the
    /// response is built; set false to keep servers in `installing` (see [`SimState::finish_install`]).
    #[serde(default = "default_true")]
    pub auto_install: bool,
    #[serde(skip)]
    pub idx: Indexes,
    #[serde(skip, default = "new_rng")]
    pub rng: SmallRng,
}

impl PartialEq for SimState {
    fn eq(&self, o: &Self) -> bool {
        self.dialect == o.dialect
            && self.locations == o.locations
            && self.nodes == o.nodes
            && self.allocations == o.allocations
            && self.users == o.users
            && self.servers == o.servers
            && self.nests == o.nests
            && self.eggs == o.eggs
            && self.roles == o.roles
            && self.counters == o.counters
            && self.api_key_owner == o.api_key_owner
            && self.auto_install == o.auto_install
    }
}

/// Parameters for [`SimState::add_node`].
#[derive(Clone, Debug)]
pub struct NodeParams {
    pub name: String,
    pub location_id: Option<u64>,
    pub fqdn: String,
    pub scheme: String,
    pub public: bool,
    pub memory: i64,
    pub memory_overallocate: i64,
    pub disk: i64,
    pub disk_overallocate: i64,
    pub cpu: i64,
    pub cpu_overallocate: i64,
    pub upload_size: i64,
    pub daemon_listen: i64,
    pub daemon_sftp: i64,
    pub daemon_connect: i64,
    pub daemon_base: Option<String>,
    pub tags: Vec<String>,
    pub description: Option<String>,
}

impl Default for NodeParams {
    fn default() -> Self {
        NodeParams {
            name: "node".into(),
            location_id: None,
            fqdn: "node.example.com".into(),
            scheme: "https".into(),
            public: true,
            memory: 65536,
            memory_overallocate: 0,
            disk: 1_024_000,
            disk_overallocate: 0,
            cpu: 0,
            cpu_overallocate: 0,
            upload_size: 100,
            daemon_listen: 8080,
            daemon_sftp: 2022,
            daemon_connect: 8080,
            daemon_base: None,
            tags: Vec::new(),
            description: None,
        }
    }
}

/// Parameters for [`SimState::add_user`].
#[derive(Clone, Debug)]
pub struct UserParams {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub external_id: Option<String>,
    pub root_admin: bool,
    pub language: String,
}

impl Default for UserParams {
    fn default() -> Self {
        UserParams {
            username: "user".into(),
            email: "user@example.com".into(),
            first_name: "Test".into(),
            last_name: "User".into(),
            external_id: None,
            root_admin: false,
            language: "en".into(),
        }
    }
}

/// Parameters for [`SimState::add_server`]. The node is taken from `allocation_id` when given,
/// otherwise from `node_id`.
#[derive(Clone, Debug)]
pub struct ServerParams {
    pub name: String,
    pub user_id: u64,
    pub egg_id: u64,
    pub node_id: Option<u64>,
    pub allocation_id: Option<u64>,
    pub additional_allocations: Vec<u64>,
    pub external_id: Option<String>,
    pub description: String,
    pub memory: i64,
    pub swap: i64,
    pub disk: i64,
    pub io: i64,
    pub cpu: i64,
    pub threads: Option<String>,
    pub oom_disabled: bool,
    pub databases: Option<i64>,
    pub allocations: Option<i64>,
    pub backups: Option<i64>,
    /// Defaults to the egg's first image / startup command.
    pub image: Option<String>,
    pub startup: Option<String>,
    /// Env name -> value; variables not listed get the egg default.
    pub environment: BTreeMap<String, String>,
    pub status: Option<String>,
}

impl Default for ServerParams {
    fn default() -> Self {
        ServerParams {
            name: "server".into(),
            user_id: 1,
            egg_id: 1,
            node_id: None,
            allocation_id: None,
            additional_allocations: Vec::new(),
            external_id: None,
            description: String::new(),
            memory: 1024,
            swap: 0,
            disk: 5120,
            io: 500,
            cpu: 100,
            threads: None,
            oom_disabled: true,
            databases: Some(0),
            allocations: Some(0),
            backups: Some(0),
            image: None,
            startup: None,
            environment: BTreeMap::new(),
            status: None,
        }
    }
}

impl SimState {
    /// An empty panel (no users, no eggs).
    pub fn empty(dialect: Dialect) -> Self {
        SimState {
            dialect,
            locations: BTreeMap::new(),
            nodes: BTreeMap::new(),
            allocations: BTreeMap::new(),
            users: BTreeMap::new(),
            servers: BTreeMap::new(),
            nests: BTreeMap::new(),
            eggs: BTreeMap::new(),
            roles: BTreeMap::new(),
            counters: Counters::default(),
            api_key_owner: 0,
            auto_install: true,
            idx: Indexes::default(),
            rng: new_rng(),
        }
    }

    /// A fresh panel: Root Admin role (PL), the admin user owning the API key and, when
    /// `stock` is set, the stock nests/eggs.
    pub fn new(dialect: Dialect, stock: bool) -> Self {
        let mut s = SimState::empty(dialect);
        if dialect == Dialect::Pelican {
            s.add_role("Root Admin");
        }
        let admin = s.add_user(UserParams {
            username: "admin".into(),
            email: "admin@example.com".into(),
            first_name: "Admin".into(),
            last_name: "User".into(),
            root_admin: true,
            ..Default::default()
        });
        s.api_key_owner = admin;
        if stock {
            crate::stock::seed(&mut s);
        }
        s
    }

    pub fn next_id(counter: &mut u64) -> u64 {
        *counter += 1;
        *counter
    }

    pub fn new_uuid(&mut self) -> String {
        uuid4(&mut self.rng)
    }

    /// Rebuilds every index from the tables (after load or an out-of-band change) and repairs
    /// counters that fell behind the tables.
    pub fn reindex(&mut self) {
        let mut ix = Indexes::default();
        for a in self.allocations.values() {
            ix.allocs_by_node.entry(a.node_id).or_default().insert(a.id);
            if let Some(s) = a.server_id {
                ix.allocs_by_server.entry(s).or_default().insert(a.id);
            }
            ix.alloc_pairs.insert((a.node_id, a.ip.clone(), a.port));
        }
        for s in self.servers.values() {
            ix.servers_by_node
                .entry(s.node_id)
                .or_default()
                .insert(s.id);
            ix.servers_by_user
                .entry(s.user_id)
                .or_default()
                .insert(s.id);
            ix.servers_by_egg.entry(s.egg_id).or_default().insert(s.id);
            if let Some(e) = &s.external_id {
                ix.server_by_external.entry(e.clone()).or_insert(s.id);
            }
            *ix.server_identifiers
                .entry(server_identifier(&s.uuid).to_string())
                .or_default() += 1;
        }
        for n in self.nodes.values() {
            if let Some(l) = n.location_id {
                ix.nodes_by_location.entry(l).or_default().insert(n.id);
            }
        }
        for u in self.users.values() {
            if let Some(e) = &u.external_id {
                ix.user_by_external.entry(e.clone()).or_insert(u.id);
            }
            ix.user_by_username.insert(u.username.to_lowercase(), u.id);
            ix.user_by_email.insert(u.email.to_lowercase(), u.id);
        }
        self.idx = ix;
        let c = &mut self.counters;
        let max = |m: Option<&u64>| m.copied().unwrap_or(0);
        c.location = c.location.max(max(self.locations.keys().next_back()));
        c.node = c.node.max(max(self.nodes.keys().next_back()));
        c.allocation = c.allocation.max(max(self.allocations.keys().next_back()));
        c.user = c.user.max(max(self.users.keys().next_back()));
        c.server = c.server.max(max(self.servers.keys().next_back()));
        c.nest = c.nest.max(max(self.nests.keys().next_back()));
        c.egg = c.egg.max(max(self.eggs.keys().next_back()));
        c.role = c.role.max(max(self.roles.keys().next_back()));
        let mv = self
            .eggs
            .values()
            .flat_map(|e| e.variables.iter().map(|v| v.id))
            .max()
            .unwrap_or(0);
        c.egg_variable = c.egg_variable.max(mv);
    }

    // ---- convenience seeding (no HTTP) ----------------------------------------------------

    pub fn add_location(&mut self, short: &str, long: Option<&str>) -> u64 {
        let id = Self::next_id(&mut self.counters.location);
        let now = now_unix();
        self.locations.insert(
            id,
            Location {
                id,
                short: short.to_string(),
                long: long.map(str::to_string),
                created_at: now,
                updated_at: now,
            },
        );
        id
    }

    pub fn add_node(&mut self, p: NodeParams) -> u64 {
        let id = Self::next_id(&mut self.counters.node);
        let now = now_unix();
        let uuid = self.new_uuid();
        let node = Node {
            id,
            uuid,
            public: p.public,
            name: p.name,
            description: p.description,
            location_id: p.location_id,
            fqdn: p.fqdn,
            scheme: p.scheme,
            behind_proxy: false,
            maintenance_mode: false,
            memory: p.memory,
            memory_overallocate: p.memory_overallocate,
            disk: p.disk,
            disk_overallocate: p.disk_overallocate,
            cpu: p.cpu,
            cpu_overallocate: p.cpu_overallocate,
            upload_size: p.upload_size,
            daemon_listen: p.daemon_listen,
            daemon_sftp: p.daemon_sftp,
            daemon_sftp_alias: None,
            daemon_base: p
                .daemon_base
                .unwrap_or_else(|| self.dialect.default_daemon_base().to_string()),
            daemon_connect: p.daemon_connect,
            tags: p.tags,
            daemon_token_id: random_alnum(&mut self.rng, 16),
            daemon_token: random_alnum(&mut self.rng, 64),
            created_at: now,
            updated_at: now,
        };
        self.insert_node(node);
        id
    }

    pub fn insert_node(&mut self, node: Node) {
        if let Some(l) = node.location_id {
            self.idx
                .nodes_by_location
                .entry(l)
                .or_default()
                .insert(node.id);
        }
        self.nodes.insert(node.id, node);
    }

    /// Adds one allocation; returns the existing id when the ip:port pair already exists.
    pub fn add_allocation(
        &mut self,
        node_id: u64,
        ip: &str,
        port: u16,
        alias: Option<&str>,
    ) -> u64 {
        if self
            .idx
            .alloc_pairs
            .contains(&(node_id, ip.to_string(), port))
            && let Some(id) = self.idx.allocs_by_node.get(&node_id).and_then(|set| {
                set.iter().copied().find(|a| {
                    self.allocations
                        .get(a)
                        .is_some_and(|a| a.ip == ip && a.port == port)
                })
            })
        {
            return id;
        }
        let id = Self::next_id(&mut self.counters.allocation);
        self.idx
            .allocs_by_node
            .entry(node_id)
            .or_default()
            .insert(id);
        self.idx.alloc_pairs.insert((node_id, ip.to_string(), port));
        self.allocations.insert(
            id,
            Allocation {
                id,
                node_id,
                ip: ip.to_string(),
                alias: alias.map(str::to_string),
                port,
                notes: None,
                server_id: None,
            },
        );
        id
    }

    pub fn add_user(&mut self, p: UserParams) -> u64 {
        let id = Self::next_id(&mut self.counters.user);
        let now = now_unix();
        let uuid = self.new_uuid();
        let mut roles = Vec::new();
        if p.root_admin
            && self.dialect == Dialect::Pelican
            && let Some(r) = self.root_admin_role()
        {
            roles.push(r);
        }
        let user = User {
            id,
            external_id: p.external_id,
            uuid,
            username: p.username.to_lowercase(),
            email: if self.dialect == Dialect::Pelican {
                p.email.trim().to_lowercase()
            } else {
                p.email
            },
            first_name: p.first_name,
            last_name: p.last_name,
            language: p.language,
            root_admin: p.root_admin,
            use_totp: false,
            is_managed_externally: false,
            timezone: None,
            password: None,
            roles,
            created_at: now,
            updated_at: now,
        };
        self.insert_user(user);
        id
    }

    pub fn insert_user(&mut self, u: User) {
        if let Some(e) = &u.external_id {
            self.idx.user_by_external.insert(e.clone(), u.id);
        }
        self.idx
            .user_by_username
            .insert(u.username.to_lowercase(), u.id);
        self.idx.user_by_email.insert(u.email.to_lowercase(), u.id);
        self.users.insert(u.id, u);
    }

    pub fn remove_user_index(&mut self, u: &User) {
        if let Some(e) = &u.external_id
            && self.idx.user_by_external.get(e) == Some(&u.id)
        {
            self.idx.user_by_external.remove(e);
        }
        if self.idx.user_by_username.get(&u.username.to_lowercase()) == Some(&u.id) {
            self.idx.user_by_username.remove(&u.username.to_lowercase());
        }
        if self.idx.user_by_email.get(&u.email.to_lowercase()) == Some(&u.id) {
            self.idx.user_by_email.remove(&u.email.to_lowercase());
        }
    }

    pub fn add_role(&mut self, name: &str) -> u64 {
        let id = Self::next_id(&mut self.counters.role);
        let now = now_unix();
        self.roles.insert(
            id,
            Role {
                id,
                name: name.to_string(),
                permissions: Vec::new(),
                created_at: now,
                updated_at: now,
            },
        );
        id
    }

    pub fn root_admin_role(&self) -> Option<u64> {
        self.roles
            .values()
            .find(|r| r.name == "Root Admin")
            .map(|r| r.id)
    }

    /// PT: the column; PL: holds the "Root Admin" role.
    pub fn is_root_admin(&self, u: &User) -> bool {
        match self.dialect {
            Dialect::Pterodactyl => u.root_admin,
            Dialect::Pelican => self.root_admin_role().is_some_and(|r| u.roles.contains(&r)),
        }
    }

    pub fn add_server(&mut self, p: ServerParams) -> u64 {
        let id = Self::next_id(&mut self.counters.server);
        let now = now_unix();
        let uuid = self.new_uuid();
        let node_id = p
            .allocation_id
            .and_then(|a| self.allocations.get(&a))
            .map(|a| a.node_id)
            .or(p.node_id)
            .unwrap_or(0);
        let egg = self.eggs.get(&p.egg_id);
        let mut variables = BTreeMap::new();
        if let Some(egg) = egg {
            for v in &egg.variables {
                let val = p
                    .environment
                    .get(&v.env_variable)
                    .cloned()
                    .unwrap_or_else(|| v.default_value.clone());
                variables.insert(v.id, val);
            }
        }
        let server = Server {
            id,
            external_id: p.external_id,
            uuid,
            name: p.name,
            description: p.description,
            status: p.status,
            memory: p.memory,
            swap: p.swap,
            disk: p.disk,
            io: p.io,
            cpu: p.cpu,
            threads: p.threads,
            oom_disabled: p.oom_disabled,
            database_limit: p.databases,
            allocation_limit: p.allocations,
            backup_limit: p.backups,
            user_id: p.user_id,
            node_id,
            allocation_id: p.allocation_id,
            nest_id: egg.and_then(|e| e.nest_id),
            egg_id: p.egg_id,
            startup: p
                .startup
                .unwrap_or_else(|| egg.map(|e| e.startup().to_string()).unwrap_or_default()),
            image: p
                .image
                .unwrap_or_else(|| egg.map(|e| e.first_image().to_string()).unwrap_or_default()),
            skip_scripts: false,
            variables,
            created_at: now,
            updated_at: now,
        };
        self.insert_server(server);
        for a in p.allocation_id.into_iter().chain(p.additional_allocations) {
            self.assign_allocation(a, id);
        }
        id
    }

    pub fn insert_server(&mut self, s: Server) {
        self.idx
            .servers_by_node
            .entry(s.node_id)
            .or_default()
            .insert(s.id);
        self.idx
            .servers_by_user
            .entry(s.user_id)
            .or_default()
            .insert(s.id);
        self.idx
            .servers_by_egg
            .entry(s.egg_id)
            .or_default()
            .insert(s.id);
        if let Some(e) = &s.external_id {
            self.idx.server_by_external.insert(e.clone(), s.id);
        }
        *self
            .idx
            .server_identifiers
            .entry(server_identifier(&s.uuid).to_string())
            .or_default() += 1;
        self.servers.insert(s.id, s);
    }

    /// Removes a server and its index entries (allocations are released by the caller).
    pub fn remove_server(&mut self, id: u64) -> Option<Server> {
        let s = self.servers.remove(&id)?;
        if let Some(set) = self.idx.servers_by_node.get_mut(&s.node_id) {
            set.remove(&id);
        }
        if let Some(set) = self.idx.servers_by_user.get_mut(&s.user_id) {
            set.remove(&id);
        }
        if let Some(set) = self.idx.servers_by_egg.get_mut(&s.egg_id) {
            set.remove(&id);
        }
        if let Some(e) = &s.external_id
            && self.idx.server_by_external.get(e) == Some(&id)
        {
            self.idx.server_by_external.remove(e);
        }
        let ident = server_identifier(&s.uuid);
        if let Some(n) = self.idx.server_identifiers.get_mut(ident) {
            *n -= 1;
            if *n == 0 {
                self.idx.server_identifiers.remove(ident);
            }
        }
        Some(s)
    }

    /// Updates a server's indexed fields (owner, node, egg, external id) consistently.
    pub fn reindex_server(&mut self, old: &Server) {
        let Some(new) = self.servers.get(&old.id) else {
            return;
        };
        let (id, node, user, egg, ext) = (
            new.id,
            new.node_id,
            new.user_id,
            new.egg_id,
            new.external_id.clone(),
        );
        if old.node_id != node {
            if let Some(s) = self.idx.servers_by_node.get_mut(&old.node_id) {
                s.remove(&id);
            }
            self.idx.servers_by_node.entry(node).or_default().insert(id);
        }
        if old.user_id != user {
            if let Some(s) = self.idx.servers_by_user.get_mut(&old.user_id) {
                s.remove(&id);
            }
            self.idx.servers_by_user.entry(user).or_default().insert(id);
        }
        if old.egg_id != egg {
            if let Some(s) = self.idx.servers_by_egg.get_mut(&old.egg_id) {
                s.remove(&id);
            }
            self.idx.servers_by_egg.entry(egg).or_default().insert(id);
        }
        if old.external_id != ext {
            if let Some(e) = &old.external_id
                && self.idx.server_by_external.get(e) == Some(&id)
            {
                self.idx.server_by_external.remove(e);
            }
            if let Some(e) = ext {
                self.idx.server_by_external.insert(e, id);
            }
        }
    }

    pub fn assign_allocation(&mut self, alloc: u64, server: u64) {
        if let Some(a) = self.allocations.get_mut(&alloc) {
            if let Some(prev) = a.server_id
                && let Some(s) = self.idx.allocs_by_server.get_mut(&prev)
            {
                s.remove(&alloc);
            }
            a.server_id = Some(server);
            self.idx
                .allocs_by_server
                .entry(server)
                .or_default()
                .insert(alloc);
        }
    }

    pub fn release_allocation(&mut self, alloc: u64, clear_notes: bool) {
        if let Some(a) = self.allocations.get_mut(&alloc) {
            if let Some(prev) = a.server_id.take()
                && let Some(s) = self.idx.allocs_by_server.get_mut(&prev)
            {
                s.remove(&alloc);
            }
            if clear_notes {
                a.notes = None;
            }
        }
    }

    pub fn remove_allocation(&mut self, id: u64) -> Option<Allocation> {
        let a = self.allocations.remove(&id)?;
        if let Some(s) = self.idx.allocs_by_node.get_mut(&a.node_id) {
            s.remove(&id);
        }
        if let Some(srv) = a.server_id
            && let Some(s) = self.idx.allocs_by_server.get_mut(&srv)
        {
            s.remove(&id);
        }
        self.idx
            .alloc_pairs
            .remove(&(a.node_id, a.ip.clone(), a.port));
        Some(a)
    }

    /// Marks a server as installed (status `installing` -> null).
    pub fn finish_install(&mut self, server_id: u64) {
        if let Some(s) = self.servers.get_mut(&server_id)
            && s.status.as_deref() == Some("installing")
        {
            s.status = None;
        }
    }

    pub fn server_allocations(&self, server_id: u64) -> impl Iterator<Item = &Allocation> {
        self.idx
            .allocs_by_server
            .get(&server_id)
            .into_iter()
            .flatten()
            .filter_map(|a| self.allocations.get(a))
    }

    pub fn node_servers(&self, node_id: u64) -> impl Iterator<Item = &Server> {
        self.idx
            .servers_by_node
            .get(&node_id)
            .into_iter()
            .flatten()
            .filter_map(|s| self.servers.get(s))
    }

    pub fn user_servers(&self, user_id: u64) -> impl Iterator<Item = &Server> {
        self.idx
            .servers_by_user
            .get(&user_id)
            .into_iter()
            .flatten()
            .filter_map(|s| self.servers.get(s))
    }

    /// Sums of (memory, disk, cpu) over a node's servers.
    pub fn node_usage(&self, node_id: u64) -> (i64, i64, i64) {
        self.node_servers(node_id).fold((0, 0, 0), |(m, d, c), s| {
            (m + s.memory, d + s.disk, c + s.cpu)
        })
    }

    pub fn egg_variable(&self, egg_id: u64, var_id: u64) -> Option<&EggVariable> {
        self.eggs
            .get(&egg_id)
            .and_then(|e| e.variables.iter().find(|v| v.id == var_id))
    }
}
