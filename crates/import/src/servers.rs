//! Servers, keyed by roost's marker when present, else by a slug of the name.

use crate::infra::unsigned;
use crate::select::Chosen;
use crate::templates::Shared;
use crate::{Imported, databases, env, files, schedules, subusers};
use roost_manifest::{Block, Item};
use roost_model::{
    AdoptServer, AllocationNote, EggRef, Endpoint, FeatureLimits, Limits, Live, LiveEgg,
    LiveFeatureLimits, LiveLimits, LiveNode, LiveServer, LiveUser, Server, parse_marker,
    stored_username,
};
use std::collections::{HashMap, HashSet};

pub(crate) fn servers(
    live: &Live,
    chosen: &Chosen,
    shared: &Shared,
    namespace: &str,
    out: &mut Imported,
) -> Vec<Block> {
    let mut keys: HashSet<String> = chosen
        .servers
        .iter()
        .filter_map(|s| s.external_id.as_deref())
        .filter_map(|e| parse_marker(namespace, e))
        .map(|(k, _)| k.to_string())
        .collect();
    let endpoints = Endpoints::new(live);
    let mut blocks = Vec::new();
    for s in &chosen.servers {
        let Some((egg, owner, node)) = references(live, chosen, s, out) else {
            continue;
        };
        let marker = s
            .external_id
            .as_deref()
            .and_then(|e| parse_marker(namespace, e));
        let key = match marker {
            Some((k, _)) => k.to_string(),
            None => {
                let base = roost_manifest::slug(&s.name);
                let mut k = base.clone();
                if keys.contains(&k) {
                    k = format!("{base}-{}", s.id);
                }
                keys.insert(k.clone());
                k
            }
        };
        let environment = env::environment(egg, s, &key);
        let mut server = Server {
            key: key.clone(),
            // The panel trims what it is sent: surrounding whitespace would not survive a write.
            name: s.name.trim().to_string(),
            description: s.description.trim_end().to_string(),
            owner: stored_username(&owner.username),
            node: node.name.clone(),
            egg: egg_ref(live, egg),
            image: Some(s.image.clone())
                .filter(|i| egg.docker_images.first().map(|(_, d)| d) != Some(i)),
            startup: Some(s.startup.clone()).filter(|st| *st != egg.startup),
            limits: limits(&s.limits),
            features: features(&s.feature_limits),
            allocation: None,
            additional_allocations: Vec::new(),
            allocation_notes: Vec::new(),
            environment: environment.values,
            environment_origins: Default::default(),
            suspended: s.suspended || s.status.as_deref() == Some("suspended"),
            external_id: None,
            skip_scripts: false,
            // The power state is transient: import never writes `power` (opt-in only).
            power: None,
            depends_on: Vec::new(),
            databases: databases::of_server(live, s, out),
            schedules: schedules::of_server(live, s, out),
            subusers: subusers::of_server(live, s, out),
            files: files::of_server(live, s, &key, out),
            depends_on_origins: Vec::new(),
            template: None,
            protect: false,
            adopt: None,
            moved_from: None,
            ignore: Vec::new(),
            origin: Default::default(),
        };
        endpoints.fill(s, &mut server, out);
        match (marker, s.external_id.as_deref()) {
            (Some((_, protected)), _) => server.protect = protected,
            (None, Some(foreign)) => server.external_id = Some(foreign.to_string()),
            (None, None) => server.adopt = Some(AdoptServer::Id(s.id)),
        }
        let mut block = Block::new(Item::Server {
            server,
            from: shared.of(s.id).cloned(),
        })
        .comment(format!("panel id {}, uuid {}", s.id, s.uuid));
        if !environment.secrets.is_empty() {
            block = block.note("env", env::secrets_note(&environment.secrets));
        }
        out.secrets.extend(environment.secrets);
        blocks.push((s.id, block));
        out.count("servers", 1);
    }
    blocks.sort_by_key(|(id, _)| *id);
    blocks.into_iter().map(|(_, b)| b).collect()
}

/// The egg, owner and node of `s`, or `None` (with a warning) when the panel did not list one.
fn references<'a>(
    live: &'a Live,
    chosen: &Chosen<'a>,
    s: &LiveServer,
    out: &mut Imported,
) -> Option<(&'a LiveEgg, &'a LiveUser, &'a LiveNode)> {
    let Some(egg) = live.eggs.iter().find(|e| e.id == s.egg) else {
        out.warnings.push(format!(
            "server \"{}\" (id {}) uses egg id {}, which the panel did not list: not imported",
            s.name, s.id, s.egg
        ));
        return None;
    };
    let Some(owner) = chosen.user_by_id.get(&s.user) else {
        out.warnings.push(format!(
            "server \"{}\" (id {}) has an owner (user id {}) the panel did not list: not imported",
            s.name, s.id, s.user
        ));
        return None;
    };
    let Some(node) = chosen.node_by_id.get(&s.node) else {
        out.warnings.push(format!(
            "server \"{}\" (id {}) is on node id {}, which the panel did not list: not imported",
            s.name, s.id, s.node
        ));
        return None;
    };
    Some((egg, owner, node))
}

/// The allocations the panel lists, as endpoints when their IP is literal, and their notes.
struct Endpoints {
    at: HashMap<u64, Endpoint>,
    notes: HashMap<u64, String>,
}

impl Endpoints {
    fn new(live: &Live) -> Self {
        let at = live
            .allocations
            .iter()
            .filter_map(|a| {
                let ip = a.ip.parse().ok()?;
                Some((a.id, Endpoint { ip, port: a.port }))
            })
            .collect();
        let notes = live
            .allocations
            .iter()
            .filter_map(|a| {
                let n = a.notes.as_deref()?.trim();
                (!n.is_empty()).then(|| (a.id, n.to_string()))
            })
            .collect();
        Endpoints { at, notes }
    }

    /// The primary and additional allocations of `server` from `s`'s allocation ids.
    fn fill(&self, s: &LiveServer, server: &mut Server, out: &mut Imported) {
        if let Some(primary) = s.allocation {
            match self.at.get(&primary) {
                Some(ep) => server.allocation = Some(*ep),
                None => out.warnings.push(format!(
                    "server \"{}\": its primary allocation id {primary} is not a literal ip:port",
                    s.name
                )),
            }
        }
        server.additional_allocations = s
            .allocations
            .iter()
            .filter(|id| Some(**id) != s.allocation)
            .filter_map(|id| self.at.get(id).copied())
            .collect();
        // The notes the panel holds on the server's allocations (an allocation without one is
        // left unmanaged, as roost leaves it).
        let mut notes: Vec<AllocationNote> = s
            .allocations
            .iter()
            .chain(s.allocation.iter())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter_map(|id| {
                Some(AllocationNote {
                    endpoint: *self.at.get(id)?,
                    notes: self.notes.get(id)?.clone(),
                    origin: Default::default(),
                })
            })
            .collect();
        notes.sort_by_key(|n| n.endpoint);
        server.allocation_notes = notes;
    }
}

/// The egg as the manifests name it: with its nest on Pterodactyl.
pub(crate) fn egg_ref(live: &Live, egg: &LiveEgg) -> EggRef {
    let nest = match live.dialect {
        roost_model::Dialect::Pterodactyl => egg
            .nest
            .and_then(|n| live.nests.iter().find(|x| x.id == n))
            .map(|n| n.name.clone()),
        roost_model::Dialect::Pelican => None,
    };
    EggRef {
        name: egg.name.clone(),
        nest,
    }
}

pub(crate) fn limits(l: &LiveLimits) -> Limits {
    Limits {
        memory: unsigned(l.memory),
        swap: l.swap,
        disk: unsigned(l.disk),
        io: unsigned(l.io),
        cpu: unsigned(l.cpu),
        threads: l.threads.clone().filter(|t| !t.is_empty()),
        oom_killer: l.oom_killer,
    }
}

pub(crate) fn features(f: &LiveFeatureLimits) -> FeatureLimits {
    FeatureLimits {
        databases: f.databases.map(unsigned),
        allocations: f.allocations.map(unsigned),
        backups: f.backups.map(unsigned),
    }
}
