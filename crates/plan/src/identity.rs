//! Facts about identity that more than one kind needs, computed once per plan: which live
//! server each declared server is (matching a live server to its manifest entry is written
//! here only), which live servers the plan deletes, which allocations and owners the servers'
//! updates let go of, and which live user each declared user is.

use crate::error::PlanError;
use crate::lookup::Lookup;
use crate::ownership::{self, Claim, UserIdentity, UserIndex};
use crate::types::UnmanagedServer;
use roost_model::{AdoptServer, Desired, Kind, LiveServer, Server};
use std::collections::{HashMap, HashSet};

pub(crate) struct Identity<'a> {
    /// Declared server key → the live server it is (`None`: created by this plan). A key that
    /// cannot be identified is absent (its error is recorded).
    pub servers: HashMap<String, Option<&'a LiveServer>>,
    /// Live servers that left the manifests and are deleted (pruning is on and roost owns them).
    pub deleted_servers: Vec<&'a LiveServer>,
    pub deleted: HashSet<u64>,
    /// Live servers left alone.
    pub unmanaged_servers: Vec<UnmanagedServer>,
    /// Live allocations that a server's update gives up (its desired allocations exclude them).
    pub released_allocations: HashSet<u64>,
    /// Live servers whose update gives them another owner.
    pub reassigned_servers: HashSet<u64>,
    /// Declared username → how it corresponds to the panel. A user that cannot be identified is
    /// absent (its error is recorded).
    pub users: HashMap<String, UserIdentity<'a>>,
    /// Declared username → the panel id of the user it was identified with.
    pub user_ids: HashMap<String, u64>,
}

impl<'a> Identity<'a> {
    pub fn new(d: &Desired, lookup: &Lookup<'a>, errors: &mut Vec<PlanError>) -> Identity<'a> {
        let live = lookup.live;
        let mut id = Identity {
            servers: HashMap::new(),
            deleted_servers: Vec::new(),
            deleted: HashSet::new(),
            unmanaged_servers: Vec::new(),
            released_allocations: HashSet::new(),
            reassigned_servers: HashSet::new(),
            users: HashMap::new(),
            user_ids: HashMap::new(),
        };
        let mut by_ext: HashMap<&str, Vec<&LiveServer>> = HashMap::new();
        for s in &live.servers {
            if let Some(e) = &s.external_id {
                by_ext.entry(e.as_str()).or_default().push(s);
            }
        }
        let moved_twice = moved_twice(d);
        for (key, s) in &d.servers {
            if let Some(e) = moved_twice.get(key) {
                errors.push(e.clone());
                continue;
            }
            match match_server(d, lookup, &by_ext, key, s) {
                Ok(m) => {
                    id.servers.insert(key.clone(), m);
                }
                Err(e) => errors.push(e),
            }
        }
        id.servers_gone(d, lookup, errors);
        id.released_by_updates(d, lookup);
        let index = UserIndex::new(&live.users);
        for (name, u) in &d.users {
            match ownership::identify_user(d, &index, name, u) {
                Ok(identity) => {
                    if let Some(l) = identity.live() {
                        id.user_ids.insert(name.clone(), l.id);
                    }
                    id.users.insert(name.clone(), identity);
                }
                Err(e) => errors.push(e),
            }
        }
        id
    }

    /// Owned servers that left the manifests: deleted when pruning is on.
    fn servers_gone(&mut self, d: &Desired, lookup: &Lookup<'a>, errors: &mut Vec<PlanError>) {
        let live = lookup.live;
        // Every external id of a declared server (either protection, the previous namespace).
        let wanted: HashSet<String> = d
            .servers
            .values()
            .flat_map(|s| ownership::server_ids(d, s))
            .collect();
        let adopted: HashSet<u64> = self.servers.values().flatten().map(|l| l.id).collect();
        let prune = d.panel.prune.contains(&Kind::Server);
        let gone: Vec<&LiveServer> = live
            .servers
            .iter()
            .filter(|s| {
                !adopted.contains(&s.id)
                    && !s.external_id.as_ref().is_some_and(|e| wanted.contains(e))
            })
            .collect();
        // Two servers with one marker: roost cannot tell which it created, so it deletes neither.
        let twice = ownership::claimed_twice(
            &d.panel,
            gone.iter().map(|s| {
                (
                    s.external_id.as_deref(),
                    format!(
                        "id {} \"{}\" (external id `{}`)",
                        s.id,
                        s.name,
                        s.external_id.as_deref().unwrap_or_default()
                    ),
                )
            }),
        );
        if prune {
            for (key, list) in &twice {
                errors.push(ownership::claimed_twice_error("server", key, list, None));
            }
        }
        for s in gone {
            let marker = match ownership::claim(&d.panel, s.external_id.as_deref()) {
                Claim::Ours { key, protected } => Some((key, protected)),
                _ => None,
            };
            let owned = marker.is_some();
            if marker.is_some_and(|(key, _)| twice.contains_key(key)) && prune {
                continue;
            }
            if marker.is_some_and(|(_, protected)| protected) && prune {
                errors.push(PlanError::new("roost::protected", format!("server `{}` (id {}) left the manifests and would be pruned, but the panel marks it protected (external id `{}`)", s.name, s.id, s.external_id.as_deref().unwrap_or_default()), None).help("put its block back in the manifests; to really delete it, first apply it with `protect #false`, then remove the block"));
                continue;
            }
            if owned && prune {
                self.deleted.insert(s.id);
                self.deleted_servers.push(s);
            } else {
                self.unmanaged_servers.push(UnmanagedServer {
                    id: s.id,
                    name: s.name.clone(),
                    external_id: s.external_id.clone(),
                    owned,
                });
            }
        }
    }

    /// Which live allocations and owners the servers' own updates let go of, so that pruning
    /// them in the same plan is safe (their deletes run after the updates).
    fn released_by_updates(&mut self, d: &Desired, lookup: &Lookup<'a>) {
        for (key, s) in &d.servers {
            let Some(Some(live)) = self.servers.get(key) else {
                continue;
            };
            let Some(node) = lookup.node_named(&s.node) else {
                continue;
            };
            let wanted: HashSet<u64> = s
                .allocation
                .iter()
                .chain(&s.additional_allocations)
                .filter_map(|ep| lookup.allocation_by_key.get(&(node.id, ep.ip, ep.port)))
                .map(|a| a.id)
                .collect();
            for id in live.allocations.iter().chain(live.allocation.iter()) {
                if !wanted.contains(id) {
                    self.released_allocations.insert(*id);
                }
            }
            let owner = lookup
                .user_by_id
                .get(&live.user)
                .map(|u| u.username.to_lowercase());
            if owner.as_deref() != Some(s.owner.to_lowercase().as_str()) {
                self.reassigned_servers.insert(live.id);
            }
        }
    }

    /// The live server declared server `key` is, when it has one.
    pub fn server(&self, key: &str) -> Option<&'a LiveServer> {
        self.servers.get(key).copied().flatten()
    }
}

/// Which live server declared server `key` is: the one carrying its marker (either
/// protection, or the previous namespace's), or the one `adopt` names.
fn match_server<'a>(
    d: &Desired,
    lookup: &Lookup<'a>,
    by_ext: &HashMap<&str, Vec<&'a LiveServer>>,
    key: &str,
    s: &Server,
) -> Result<Option<&'a LiveServer>, PlanError> {
    let origin = Some(s.origin);
    let ext = d.server_external_id(s);
    let by_key: Vec<&LiveServer> = ownership::server_ids(d, s)
        .iter()
        .flat_map(|id| by_ext.get(id.as_str()).cloned().unwrap_or_default())
        .collect();
    let Some(how) = &s.adopt else {
        return match by_key.as_slice() {
            [] => moved_server(d, by_ext, key, s),
            [one] => Ok(Some(*one)),
            many => {
                let list: Vec<String> = many
                    .iter()
                    .map(|l| format!("id {} \"{}\" (uuid {})", l.id, l.name, l.uuid))
                    .collect();
                Err(PlanError::new("roost::ambiguous-identity", format!("server `{key}`: {} panel servers carry the external id `{ext}`: {}", many.len(), list.join(", ")), origin).help("roost will not guess: pick one with `adopt id=N` and clear the external id of the others in the panel"))
            }
        };
    };
    let found = match how {
        AdoptServer::Id(id) => lookup.server_by_id.get(id).copied(),
        AdoptServer::Uuid(u) => lookup.live.servers.iter().find(|l| &l.uuid == u),
    };
    let Some(found) = found else {
        let what = match how {
            AdoptServer::Id(id) => format!("id {id}"),
            AdoptServer::Uuid(u) => format!("uuid {u}"),
        };
        return Err(PlanError::new(
            "roost::adopt-missing",
            format!("server `{key}` adopts the panel server with {what}, which does not exist"),
            origin,
        )
        .help("check the id in the panel, or remove `adopt` to create the server"));
    };
    if let Some(other) = by_key.iter().find(|l| l.id != found.id) {
        return Err(PlanError::new("roost::ambiguous-identity", format!("server `{key}` adopts server id {} but server id {} (\"{}\") already carries its external id `{ext}`", found.id, other.id, other.name), origin).help(format!("remove `adopt` to keep managing id {}, or clear the external id of id {} in the panel", other.id, other.id)));
    }
    if let Some(fe) = &found.external_id
        && fe != &ext
        && roost_model::parse_marker(&d.panel.namespace, fe).is_some_and(|(k, _)| k != key)
    {
        return Err(PlanError::new(
            "roost::ambiguous-identity",
            format!(
                "server `{key}` adopts server id {}, which roost already manages as `{fe}`",
                found.id
            ),
            origin,
        )
        .help(
            "a server is managed by one manifest entry; remove the other entry or this `adopt`",
        ));
    }
    Ok(Some(found))
}

/// `moved from="server.OLD"` on a server the panel does not know by its own marker: the live
/// server carrying `OLD`'s marker is this one, renamed in place (its marker is rewritten by the
/// update). None on the panel: the `moved` line is history and the server is created.
fn moved_server<'a>(
    d: &Desired,
    by_ext: &HashMap<&str, Vec<&'a LiveServer>>,
    key: &str,
    s: &Server,
) -> Result<Option<&'a LiveServer>, PlanError> {
    let Some(old) = &s.moved_from else {
        return Ok(None);
    };
    let origin = Some(s.origin);
    if d.servers.contains_key(old) {
        return Err(PlanError::new(
            "roost::moved-still-declared",
            format!("server `{key}` is moved from server.{old}, which the manifests still declare"),
            origin,
        )
        .help(format!(
            "for a rename, remove the block of server `{old}`; for two servers, remove the `moved` line"
        )));
    }
    let mut before = s.clone();
    before.key = old.clone();
    before.external_id = None;
    let found: Vec<&LiveServer> = ownership::server_ids(d, &before)
        .iter()
        .flat_map(|id| by_ext.get(id.as_str()).cloned().unwrap_or_default())
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|l| format!("id {} \"{}\"", l.id, l.name))
                .collect();
            Err(PlanError::new("roost::ambiguous-identity", format!("server `{key}` is moved from server.{old}, but {} panel servers carry its marker: {}", many.len(), list.join(", ")), origin).help("roost will not guess: pick one with `adopt id=N` and clear the external id of the others in the panel"))
        }
    }
}

/// Two servers moved from one old key: each gets the same error (neither may take the server).
fn moved_twice(d: &Desired) -> HashMap<String, PlanError> {
    let mut by_old: HashMap<&str, Vec<&Server>> = HashMap::new();
    for s in d.servers.values() {
        if let Some(old) = &s.moved_from {
            by_old.entry(old.as_str()).or_default().push(s);
        }
    }
    let mut out = HashMap::new();
    for (old, list) in by_old.into_iter().filter(|(_, l)| l.len() > 1) {
        let keys: Vec<&str> = list.iter().map(|s| s.key.as_str()).collect();
        for s in &list {
            out.insert(
                s.key.clone(),
                PlanError::new(
                    "roost::moved-twice",
                    format!(
                        "servers {} are all moved from server.{old}",
                        keys.join(", ")
                    ),
                    Some(s.origin),
                )
                .help(format!(
                    "one server can take over server.{old}: keep `moved` on one of them"
                )),
            );
        }
    }
    out
}
