//! Locations, and nodes with their allocations.

use crate::Imported;
use crate::select::Chosen;
use roost_manifest::{Block, Item};
use roost_model::{Allocation, Dialect, Live, LiveNode, Location, Node, Scheme};
use std::net::IpAddr;

pub(crate) fn locations(live: &Live, chosen: &Chosen, out: &mut Imported) -> Vec<Block> {
    let mut blocks = Vec::new();
    for l in live
        .locations
        .iter()
        .filter(|l| chosen.location_ids.contains(&l.id))
    {
        let location = Location {
            short: l.short.clone(),
            description: l.long.clone().filter(|d| !d.is_empty()),
            ignore: Vec::new(),
            origin: Default::default(),
        };
        blocks.push(Block::new(Item::Location(location)).comment(format!("panel id {}", l.id)));
        out.count("locations", 1);
    }
    blocks
}

pub(crate) fn nodes(live: &Live, chosen: &Chosen, out: &mut Imported) -> Vec<Block> {
    let mut blocks = Vec::new();
    for n in live
        .nodes
        .iter()
        .filter(|n| chosen.node_ids.contains(&n.id))
    {
        let node = node(live, n, out);
        let allocations = allocations(live, n, out);
        out.count("allocations", allocations.len());
        blocks.push(
            Block::new(Item::Node { node, allocations })
                .comment(format!("panel id {}, uuid {}", n.id, n.uuid)),
        );
        out.count("nodes", 1);
    }
    blocks
}

/// A node as the manifests declare it: what only the other dialect has left out, defaults left
/// to the printer.
fn node(live: &Live, n: &LiveNode, out: &mut Imported) -> Node {
    let pelican = live.dialect == Dialect::Pelican;
    let location = if pelican {
        None
    } else {
        let found = n
            .location_id
            .and_then(|id| live.locations.iter().find(|l| l.id == id));
        if found.is_none() {
            out.warnings.push(format!(
                "node \"{}\" has no location the panel listed",
                n.name
            ));
        }
        found.map(|l| l.short.clone())
    };
    let (cpu, cpu_overallocate) = if pelican {
        (n.cpu.unwrap_or(0), n.cpu_overallocate.unwrap_or(0))
    } else {
        (0, 0)
    };
    Node {
        name: n.name.clone(),
        description: n.description.clone().filter(|d| pelican && !d.is_empty()),
        location,
        tags: if pelican { n.tags.clone() } else { Vec::new() },
        fqdn: n.fqdn.clone(),
        scheme: if n.scheme == "http" {
            Scheme::Http
        } else {
            Scheme::Https
        },
        behind_proxy: n.behind_proxy,
        public: n.public,
        maintenance: n.maintenance_mode,
        memory: unsigned(n.memory),
        memory_overallocate: n.memory_overallocate,
        disk: unsigned(n.disk),
        disk_overallocate: n.disk_overallocate,
        cpu: unsigned(cpu),
        cpu_overallocate,
        upload_size: unsigned(n.upload_size),
        daemon_listen: port(n.daemon_listen),
        daemon_sftp: port(n.daemon_sftp),
        daemon_connect: n
            .daemon_connect
            .filter(|c| pelican && *c != n.daemon_listen)
            .map(port),
        daemon_sftp_alias: n
            .daemon_sftp_alias
            .clone()
            .filter(|a| pelican && !a.is_empty()),
        daemon_base: Some(n.daemon_base.clone())
            .filter(|b| b.as_str() != live.dialect.default_daemon_base()),
        ignore: Vec::new(),
        origin: Default::default(),
    }
}

/// The node's allocations with a literal IP (the manifests cannot name the others).
fn allocations(live: &Live, n: &LiveNode, out: &mut Imported) -> Vec<Allocation> {
    let mut list = Vec::new();
    for a in live.allocations.iter().filter(|a| a.node_id == n.id) {
        let Ok(ip) = a.ip.parse::<IpAddr>() else {
            out.warnings.push(format!(
                "node \"{}\": allocation {}:{} has no literal IP; not imported",
                n.name, a.ip, a.port
            ));
            continue;
        };
        list.push(Allocation {
            node: n.name.clone(),
            ip,
            port: a.port,
            alias: a.alias.clone(),
            origin: Default::default(),
        });
    }
    list
}

/// A size or count the panel reports as a signed number; the panels never store a negative
/// one where this is used.
pub(crate) fn unsigned(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn port(v: i64) -> u16 {
    u16::try_from(v).unwrap_or(0)
}
