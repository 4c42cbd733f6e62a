//! Derived lookups, so request handlers never scan whole tables: rebuilt from the tables after
//! a load or an out-of-band change, kept up to date by the functions that change indexed rows.

use super::{Allocation, Node, Server, SimState, User, server_identifier};
use std::collections::{BTreeSet, HashMap, HashSet};

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
    pub databases_by_server: HashMap<u64, BTreeSet<u64>>,
    pub subusers_by_server: HashMap<u64, BTreeSet<u64>>,
    pub subusers_by_user: HashMap<u64, BTreeSet<u64>>,
    pub schedules_by_server: HashMap<u64, BTreeSet<u64>>,
    pub backups_by_server: HashMap<u64, BTreeSet<u64>>,
    pub key_by_identifier: HashMap<String, u64>,
    /// Servers by full uuid and by identifier (the Client API addresses servers by either).
    pub server_by_uuid: HashMap<String, u64>,
    pub server_by_identifier: HashMap<String, u64>,
}

impl SimState {
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
            ix.server_by_uuid.insert(s.uuid.clone(), s.id);
            ix.server_by_identifier
                .entry(server_identifier(&s.uuid).to_string())
                .or_insert(s.id);
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
        for d in self.databases.values() {
            ix.databases_by_server
                .entry(d.server_id)
                .or_default()
                .insert(d.id);
        }
        self.idx = ix;
        self.reindex_client_tables();
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
        c.database_host = c
            .database_host
            .max(max(self.database_hosts.keys().next_back()));
        c.database = c.database.max(max(self.databases.keys().next_back()));
        c.api_key = c.api_key.max(max(self.api_keys.keys().next_back()));
        c.subuser = c.subuser.max(max(self.subusers.keys().next_back()));
        c.schedule = c.schedule.max(max(self.schedules.keys().next_back()));
        c.backup = c.backup.max(max(self.backups.keys().next_back()));
        c.ssh_key = c.ssh_key.max(max(self.ssh_keys.keys().next_back()));
        let mt = self
            .schedules
            .values()
            .flat_map(|s| s.tasks.iter().map(|t| t.id))
            .max()
            .unwrap_or(0);
        c.task = c.task.max(mt);
        c.activity = c
            .activity
            .max(self.activity.last().map(|a| a.id).unwrap_or(0));
        let mv = self
            .eggs
            .values()
            .flat_map(|e| e.variables.iter().map(|v| v.id))
            .max()
            .unwrap_or(0);
        c.egg_variable = c.egg_variable.max(mv);
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
        self.idx.server_by_uuid.insert(s.uuid.clone(), s.id);
        self.idx
            .server_by_identifier
            .entry(server_identifier(&s.uuid).to_string())
            .or_insert(s.id);
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
        self.idx.server_by_uuid.remove(&s.uuid);
        if self.idx.server_by_identifier.get(ident) == Some(&id) {
            self.idx.server_by_identifier.remove(ident);
        }
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
}
