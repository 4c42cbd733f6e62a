//! Keeping the Client API's tables and their indexes consistent: inserts, removals, lookups per
//! server or user, and the cascades when a server or user goes away.

use super::{ApiKey, Backup, Schedule, SimState, Subuser};
use crate::util::random_alnum;

impl SimState {
    /// Rebuilds the indexes of the Client API's tables (part of [`SimState::reindex`]).
    pub(super) fn reindex_client_tables(&mut self) {
        let ix = &mut self.idx;
        for s in self.subusers.values() {
            ix.subusers_by_server
                .entry(s.server_id)
                .or_default()
                .insert(s.id);
            ix.subusers_by_user
                .entry(s.user_id)
                .or_default()
                .insert(s.id);
        }
        for s in self.schedules.values() {
            ix.schedules_by_server
                .entry(s.server_id)
                .or_default()
                .insert(s.id);
        }
        for b in self.backups.values() {
            ix.backups_by_server
                .entry(b.server_id)
                .or_default()
                .insert(b.id);
        }
        for k in self.api_keys.values() {
            ix.key_by_identifier.insert(k.identifier.clone(), k.id);
        }
    }

    pub fn insert_api_key(&mut self, k: ApiKey) {
        self.idx
            .key_by_identifier
            .insert(k.identifier.clone(), k.id);
        self.api_keys.insert(k.id, k);
    }

    pub fn remove_api_key(&mut self, id: u64) -> Option<ApiKey> {
        let k = self.api_keys.remove(&id)?;
        if self.idx.key_by_identifier.get(&k.identifier) == Some(&id) {
            self.idx.key_by_identifier.remove(&k.identifier);
        }
        Some(k)
    }

    /// The key a bearer token names: its first 16 characters are the identifier, the rest the
    /// secret (a token of any other length matches nothing, as in the panels).
    pub fn find_api_key(&self, token: &str) -> Option<&ApiKey> {
        if token.len() != 48 || !token.is_char_boundary(16) {
            return None;
        }
        let (identifier, secret) = token.split_at(16);
        let id = self.idx.key_by_identifier.get(identifier)?;
        self.api_keys.get(id).filter(|k| k.secret == secret)
    }

    /// Mints an account key for a user (the sim's way to hand tests a client key for anyone);
    /// returns the bearer token.
    pub fn mint_api_key(&mut self, user_id: u64, memo: &str, allowed_ips: Vec<String>) -> String {
        let prefix = match self.dialect {
            roost_model::Dialect::Pterodactyl => "ptlc_",
            roost_model::Dialect::Pelican => "pacc_",
        };
        let identifier = loop {
            let candidate = format!("{prefix}{}", random_alnum(&mut self.rng, 11));
            if !self.idx.key_by_identifier.contains_key(&candidate) {
                break candidate;
            }
        };
        let secret = random_alnum(&mut self.rng, 32);
        self.add_api_key(user_id, &identifier, &secret, memo, allowed_ips)
    }

    /// Stores a key with a given identifier and secret; returns the bearer token.
    pub fn add_api_key(
        &mut self,
        user_id: u64,
        identifier: &str,
        secret: &str,
        memo: &str,
        allowed_ips: Vec<String>,
    ) -> String {
        let id = Self::next_id(&mut self.counters.api_key);
        let key = ApiKey {
            id,
            user_id,
            identifier: identifier.to_string(),
            secret: secret.to_string(),
            memo: memo.to_string(),
            allowed_ips,
            last_used_at: None,
            created_at: self.now(),
        };
        let token = key.token();
        self.insert_api_key(key);
        token
    }

    /// A user's account keys, by id.
    pub fn user_api_keys(&self, user_id: u64) -> impl Iterator<Item = &ApiKey> {
        self.api_keys.values().filter(move |k| k.user_id == user_id)
    }

    pub fn insert_subuser(&mut self, s: Subuser) {
        self.idx
            .subusers_by_server
            .entry(s.server_id)
            .or_default()
            .insert(s.id);
        self.idx
            .subusers_by_user
            .entry(s.user_id)
            .or_default()
            .insert(s.id);
        self.subusers.insert(s.id, s);
    }

    pub fn remove_subuser(&mut self, id: u64) -> Option<Subuser> {
        let s = self.subusers.remove(&id)?;
        if let Some(set) = self.idx.subusers_by_server.get_mut(&s.server_id) {
            set.remove(&id);
        }
        if let Some(set) = self.idx.subusers_by_user.get_mut(&s.user_id) {
            set.remove(&id);
        }
        Some(s)
    }

    /// A server's subusers, by id (creation order).
    pub fn server_subusers(&self, server_id: u64) -> impl Iterator<Item = &Subuser> {
        self.idx
            .subusers_by_server
            .get(&server_id)
            .into_iter()
            .flatten()
            .filter_map(|s| self.subusers.get(s))
    }

    /// The subuser row of `user_id` on `server_id`.
    pub fn subuser_of(&self, server_id: u64, user_id: u64) -> Option<&Subuser> {
        self.idx
            .subusers_by_user
            .get(&user_id)?
            .iter()
            .filter_map(|s| self.subusers.get(s))
            .find(|s| s.server_id == server_id)
    }

    /// Servers a user is a subuser of.
    pub fn subuser_servers(&self, user_id: u64) -> impl Iterator<Item = u64> + '_ {
        self.idx
            .subusers_by_user
            .get(&user_id)
            .into_iter()
            .flatten()
            .filter_map(|s| self.subusers.get(s))
            .map(|s| s.server_id)
    }

    pub fn insert_schedule(&mut self, s: Schedule) {
        self.idx
            .schedules_by_server
            .entry(s.server_id)
            .or_default()
            .insert(s.id);
        self.schedules.insert(s.id, s);
    }

    pub fn remove_schedule(&mut self, id: u64) -> Option<Schedule> {
        let s = self.schedules.remove(&id)?;
        if let Some(set) = self.idx.schedules_by_server.get_mut(&s.server_id) {
            set.remove(&id);
        }
        Some(s)
    }

    pub fn server_schedules(&self, server_id: u64) -> impl Iterator<Item = &Schedule> {
        self.idx
            .schedules_by_server
            .get(&server_id)
            .into_iter()
            .flatten()
            .filter_map(|s| self.schedules.get(s))
    }

    pub fn insert_backup(&mut self, b: Backup) {
        self.idx
            .backups_by_server
            .entry(b.server_id)
            .or_default()
            .insert(b.id);
        self.backups.insert(b.id, b);
    }

    pub fn remove_backup(&mut self, id: u64) -> Option<Backup> {
        let b = self.backups.remove(&id)?;
        if let Some(set) = self.idx.backups_by_server.get_mut(&b.server_id) {
            set.remove(&id);
        }
        Some(b)
    }

    /// A server's backup rows, soft-deleted ones included, by id.
    pub fn server_backup_rows(&self, server_id: u64) -> impl Iterator<Item = &Backup> {
        self.idx
            .backups_by_server
            .get(&server_id)
            .into_iter()
            .flatten()
            .filter_map(|b| self.backups.get(b))
    }

    /// A server's visible backups (not soft-deleted), by id.
    pub fn server_backups(&self, server_id: u64) -> impl Iterator<Item = &Backup> {
        self.server_backup_rows(server_id)
            .filter(|b| b.deleted_at.is_none())
    }

    /// Drops what belongs to a server that is being deleted: subusers, schedules, backups and a
    /// pending install.
    pub fn drop_server_children(&mut self, server_id: u64) {
        let subusers: Vec<u64> = self.server_subusers(server_id).map(|s| s.id).collect();
        for s in subusers {
            self.remove_subuser(s);
        }
        let schedules: Vec<u64> = self.server_schedules(server_id).map(|s| s.id).collect();
        for s in schedules {
            self.remove_schedule(s);
        }
        let backups: Vec<u64> = self.server_backup_rows(server_id).map(|b| b.id).collect();
        for b in backups {
            self.remove_backup(b);
        }
        self.installs.remove(&server_id);
    }

    /// Drops what belongs to a user that is being deleted: their subuser rows, API and SSH keys.
    pub fn drop_user_children(&mut self, user_id: u64) {
        let subusers: Vec<u64> = self
            .idx
            .subusers_by_user
            .get(&user_id)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        for s in subusers {
            self.remove_subuser(s);
        }
        let keys: Vec<u64> = self.user_api_keys(user_id).map(|k| k.id).collect();
        for k in keys {
            self.remove_api_key(k);
        }
        self.ssh_keys.retain(|_, k| k.user_id != user_id);
    }
}
