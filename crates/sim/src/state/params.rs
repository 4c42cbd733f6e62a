//! Seeding without HTTP, like an admin in the web UI: the parameter types and `add_*` functions
//! tests and benchmarks use to fill a panel.

use super::{Allocation, Location, Node, Role, Server, SimState, User};
use crate::util::{now_unix, random_alnum};
use roost_model::Dialect;
use std::collections::BTreeMap;

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
            totp_secret: None,
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
            transferring: false,
            created_at: now,
            updated_at: now,
        };
        self.insert_server(server);
        for a in p.allocation_id.into_iter().chain(p.additional_allocations) {
            self.assign_allocation(a, id);
        }
        id
    }
}
