//! Templates from recurring shapes: servers that share egg, limits and features.

use crate::Imported;
use crate::servers::{egg_ref, features, limits};
use roost_manifest::{Block, Item, Template, slug};
use roost_model::{Live, LiveServer};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a server shares with others of its kind: the template candidate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Shape {
    egg: u64,
    memory: i64,
    swap: i64,
    disk: i64,
    io: i64,
    cpu: i64,
    oom_killer: bool,
    databases: Option<i64>,
    allocations: Option<i64>,
    backups: Option<i64>,
}

fn shape(s: &LiveServer) -> Shape {
    Shape {
        egg: s.egg,
        memory: s.limits.memory,
        swap: s.limits.swap,
        disk: s.limits.disk,
        io: s.limits.io,
        cpu: s.limits.cpu,
        oom_killer: s.limits.oom_killer,
        databases: s.feature_limits.databases,
        allocations: s.feature_limits.allocations,
        backups: s.feature_limits.backups,
    }
}

/// The templates extracted, and which server extends which.
#[derive(Default)]
pub(crate) struct Shared {
    /// Each template with the number of servers sharing it.
    templates: Vec<(Template, usize)>,
    by_server: HashMap<u64, Template>,
}

impl Shared {
    /// The template server `id` extends, if any.
    pub fn of(&self, id: u64) -> Option<&Template> {
        self.by_server.get(&id)
    }

    pub fn blocks(&self) -> Vec<Block> {
        self.templates
            .iter()
            .map(|(t, n)| {
                Block::new(Item::Template(t.clone())).comment(format!("Shared by {n} servers."))
            })
            .collect()
    }
}

/// A template for every shape at least `min` (and at least 2) of `servers` share.
pub(crate) fn extract(
    live: &Live,
    servers: &[&LiveServer],
    min: usize,
    out: &mut Imported,
) -> Shared {
    let min = min.max(2);
    let mut groups: BTreeMap<Shape, Vec<&LiveServer>> = BTreeMap::new();
    for s in servers {
        groups.entry(shape(s)).or_default().push(s);
    }
    let mut shared = Shared::default();
    let mut used_names: HashSet<String> = HashSet::new();
    for (sh, members) in groups.iter().filter(|(_, m)| m.len() >= min) {
        let Some(egg) = live.eggs.iter().find(|e| e.id == sh.egg) else {
            continue;
        };
        let first = members[0];
        // One shape of an egg: the egg's name; several: the memory tells them apart.
        let shapes_of_egg = groups
            .iter()
            .filter(|(s, m)| s.egg == sh.egg && m.len() >= min)
            .count();
        let limits = limits(&first.limits);
        let base = if shapes_of_egg > 1 {
            format!(
                "{}-{}",
                slug(&egg.name),
                slug(&roost_manifest::kdl_text::size(limits.memory))
            )
        } else {
            slug(&egg.name)
        };
        let mut name = base.clone();
        let mut n = 2;
        while !used_names.insert(name.clone()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        let template = Template {
            name,
            egg: Some(egg_ref(live, egg)),
            // The shape's: threads are not part of it, and stay with each server.
            limits: Some(roost_model::Limits {
                threads: None,
                ..limits
            }),
            features: Some(features(&first.feature_limits)),
        };
        for s in members {
            shared.by_server.insert(s.id, template.clone());
        }
        shared.templates.push((template, members.len()));
        out.count("templates", 1);
    }
    shared
}
