//! The panel's database: the tables ([`rows`]), their derived indexes ([`index`]), seeding
//! helpers ([`params`]) and the stock content a fresh panel ships with ([`seed`]).

mod client;
mod client_tables;
mod databases;
mod index;
mod params;
mod rows;
mod seed;

pub use client::{
    ActivityLog, ApiKey, Backup, Cron, PanelSettings, Schedule, ScheduleRun, SshKey, Subuser, Task,
    WingsTimings,
};
pub use databases::{
    DATABASE_NAME_MAX, DatabaseHostParams, database_name, new_database_password,
    new_database_username,
};
pub use index::Indexes;
pub use params::{NodeParams, ServerParams, UserParams};
pub use rows::*;

use crate::clock::Clock;
use crate::util::uuid4;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use roost_model::Dialect;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
    #[serde(default)]
    pub database_host: u64,
    #[serde(default)]
    pub database: u64,
    #[serde(default)]
    pub api_key: u64,
    #[serde(default)]
    pub subuser: u64,
    #[serde(default)]
    pub schedule: u64,
    #[serde(default)]
    pub task: u64,
    #[serde(default)]
    pub backup: u64,
    #[serde(default)]
    pub activity: u64,
    #[serde(default)]
    pub ssh_key: u64,
}

/// How many activity entries the sim keeps (the panels prune theirs too).
pub const ACTIVITY_KEPT: usize = 5_000;

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
    /// Absent from state files written before databases were modelled.
    #[serde(default)]
    pub database_hosts: BTreeMap<u64, DatabaseHost>,
    #[serde(default)]
    pub databases: BTreeMap<u64, Database>,
    /// Account (client) API keys. Absent from state files written before the Client API.
    #[serde(default)]
    pub api_keys: BTreeMap<u64, ApiKey>,
    #[serde(default)]
    pub ssh_keys: BTreeMap<u64, SshKey>,
    #[serde(default)]
    pub subusers: BTreeMap<u64, Subuser>,
    #[serde(default)]
    pub schedules: BTreeMap<u64, Schedule>,
    #[serde(default)]
    pub backups: BTreeMap<u64, Backup>,
    /// Schedule tasks queued for a later time.
    #[serde(default)]
    pub schedule_runs: Vec<ScheduleRun>,
    /// The newest activity entries (oldest dropped beyond [`ACTIVITY_KEPT`]).
    #[serde(default)]
    pub activity: Vec<ActivityLog>,
    /// The panel's `.env` switches the Client API reads.
    #[serde(default)]
    pub settings: PanelSettings,
    /// Databases left on a host by a create the panel rolled back (host id, name): the host
    /// refuses the name again.
    #[serde(default)]
    pub host_leftovers: BTreeSet<(u64, String)>,
    /// Servers whose install completes at the given sim time (ms).
    #[serde(default)]
    pub installs: BTreeMap<u64, i64>,
    pub counters: Counters,
    /// Owner of the application key (the seeded admin).
    pub api_key_owner: u64,
    /// When true (default) a created/reinstalled server finishes installing
    /// `settings.install_ms` after the answer; set false to keep servers in `installing`.
    #[serde(default = "default_true")]
    pub auto_install: bool,
    #[serde(skip)]
    pub idx: Indexes,
    #[serde(skip, default = "new_rng")]
    pub rng: SmallRng,
    /// The sim's time (shared with the transport; tests move it forward).
    #[serde(skip)]
    pub clock: Clock,
    /// The panel's 20-second cache of what Wings said about a server's resources:
    /// server id -> (expiry in sim seconds, the daemon's answer).
    #[serde(skip)]
    pub resources_cache: std::collections::HashMap<u64, (i64, serde_json::Value)>,
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
            && self.database_hosts == o.database_hosts
            && self.databases == o.databases
            && self.api_keys == o.api_keys
            && self.ssh_keys == o.ssh_keys
            && self.subusers == o.subusers
            && self.schedules == o.schedules
            && self.backups == o.backups
            && self.schedule_runs == o.schedule_runs
            && self.activity == o.activity
            && self.settings == o.settings
            && self.installs == o.installs
            && self.host_leftovers == o.host_leftovers
            && self.counters == o.counters
            && self.api_key_owner == o.api_key_owner
            && self.auto_install == o.auto_install
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
            database_hosts: BTreeMap::new(),
            databases: BTreeMap::new(),
            api_keys: BTreeMap::new(),
            ssh_keys: BTreeMap::new(),
            subusers: BTreeMap::new(),
            schedules: BTreeMap::new(),
            backups: BTreeMap::new(),
            schedule_runs: Vec::new(),
            activity: Vec::new(),
            settings: PanelSettings::default(),
            installs: BTreeMap::new(),
            host_leftovers: BTreeSet::new(),
            counters: Counters::default(),
            api_key_owner: 0,
            auto_install: true,
            idx: Indexes::default(),
            rng: new_rng(),
            clock: Clock::default(),
            resources_cache: Default::default(),
        }
    }

    /// A fresh panel: Root Admin role (PL), the admin user owning the API key and, when
    /// `stock` is set, the stock nests/eggs and database host.
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
            s.seed_stock();
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

    /// Marks a server as installed (status `installing` -> null).
    pub fn finish_install(&mut self, server_id: u64) {
        self.installs.remove(&server_id);
        if let Some(s) = self.servers.get_mut(&server_id)
            && s.status.as_deref() == Some("installing")
        {
            s.status = None;
        }
    }

    /// Starts the install clock of a server that was just created or reinstalled: it stays
    /// `installing` for `settings.install_ms` (none when `auto_install` is off).
    pub fn schedule_install(&mut self, server_id: u64) {
        if !self.auto_install {
            return;
        }
        if self.settings.install_ms == 0 {
            self.finish_install(server_id);
        } else {
            let due = self
                .clock
                .now_ms()
                .saturating_add(self.settings.install_ms as i64);
            self.installs.insert(server_id, due);
        }
    }

    /// Completes every install whose time has come; true when one did.
    pub fn settle_installs(&mut self) -> bool {
        let now = self.clock.now_ms();
        let due: Vec<u64> = self
            .installs
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(s, _)| *s)
            .collect();
        for sid in &due {
            self.finish_install(*sid);
        }
        !due.is_empty()
    }

    /// The sim's time in seconds (see [`Clock`]).
    pub fn now(&self) -> i64 {
        self.clock.now()
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
