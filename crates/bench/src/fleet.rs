//! A synthetic fleet as KDL text: `servers` servers over `servers / 20` nodes, 2.5 allocations
//! per server, one user per two servers, five templates. Deterministic for a given size and
//! dialect. Pelican has no locations, nests or user names, so its fleet leaves them out.

use roost_model::Dialect;
use std::fmt::Write;

#[derive(Debug, Clone, Copy)]
pub struct FleetSize {
    pub servers: usize,
    pub nodes: usize,
    pub allocations: usize,
    pub users: usize,
}

/// Locations of the Pterodactyl fleet.
pub const LOCATIONS: usize = 5;

impl FleetSize {
    /// The shape: 10,000 servers → 500 nodes, 25,000 allocations, 5,000 users.
    pub fn for_servers(servers: usize) -> Self {
        let nodes = (servers / 20).max(1);
        FleetSize {
            servers,
            nodes,
            allocations: servers * 5 / 2,
            users: (servers / 2).max(1),
        }
    }

    fn allocations_per_node(&self) -> usize {
        self.allocations.div_ceil(self.nodes)
    }

    fn servers_per_node(&self) -> usize {
        self.servers.div_ceil(self.nodes)
    }

    /// Servers that fit on the allocations no server holds (for the create workload).
    pub fn free_allocations(&self) -> usize {
        self.nodes
            * self
                .allocations_per_node()
                .saturating_sub(self.servers_per_node())
    }

    /// Allocations the manifests declare (each node's range, rounded up).
    pub fn declared_allocations(&self) -> usize {
        self.nodes * self.allocations_per_node()
    }
}

/// One file per kind, as a real fleet would be split. `extra` more servers (`extra-N`) are
/// placed on allocations the fleet leaves free: the manifests of the create workload.
pub fn generate(size: FleetSize, dialect: Dialect, extra: usize) -> Vec<(String, String)> {
    generate_with(size, dialect, extra, &|_| String::new())
}

/// [`generate`], with `children(s)` (lines inside the block) added to fleet server `s`.
pub fn generate_with(
    size: FleetSize,
    dialect: Dialect,
    extra: usize,
    children: &dyn Fn(usize) -> String,
) -> Vec<(String, String)> {
    let pt = dialect == Dialect::Pterodactyl;
    assert!(
        extra <= size.free_allocations(),
        "{extra} extra servers do not fit on {} free allocations",
        size.free_allocations()
    );
    let mut panel = format!(
        "panel {{\n    dialect \"{dialect}\"\n    namespace \"roost:\"\n    prune \"servers\"\n}}\n"
    );
    if pt {
        for l in 0..LOCATIONS {
            let _ = write!(
                panel,
                "\nlocation \"loc{l}\" {{\n    description \"Location {l}\"\n}}\n"
            );
        }
    }
    let per_node = size.allocations_per_node();
    let mut nodes = String::new();
    for n in 0..size.nodes {
        let placement = if pt {
            format!("location \"loc{}\"", n % LOCATIONS)
        } else {
            format!("tags \"zone{}\"", n % LOCATIONS)
        };
        let _ = write!(
            nodes,
            "\nnode \"node-{n}\" {{\n    {placement}\n    fqdn \"node{n}.example.com\"\n    memory \"256GiB\" overallocate=0\n    disk \"4TiB\" overallocate=0\n    daemon listen=8080 sftp=2022\n    allocations \"10.{}.{}.1\" \"{}-{}\"\n}}\n",
            n / 256,
            n % 256,
            20000,
            20000 + per_node - 1
        );
    }
    let mut users = String::new();
    for u in 0..size.users {
        let names = if pt {
            format!("\n    first-name \"User\"\n    last-name \"Number {u}\"")
        } else {
            String::new()
        };
        let _ = write!(
            users,
            "\nuser \"user{u}\" {{\n    email \"user{u}@example.com\"{names}\n}}\n"
        );
    }
    let eggs = [
        ("Paper", "Minecraft"),
        ("Vanilla Minecraft", "Minecraft"),
        ("Rust", "Rust"),
        ("Garrys Mod", "Source Engine"),
        ("Teamspeak3 Server", "Voice Servers"),
    ];
    let mut templates = String::new();
    for (i, (egg, nest)) in eggs.iter().enumerate() {
        let nest = if pt {
            format!(" nest=\"{nest}\"")
        } else {
            String::new()
        };
        let _ = write!(
            templates,
            "\ntemplate \"t{i}\" {{\n    egg \"{egg}\"{nest}\n    limits memory=\"{}GiB\" disk=\"20GiB\" cpu=200 io=500\n    features databases=1 backups=2\n}}\n",
            i + 1
        );
    }
    let servers_per_node = size.servers_per_node();
    let mut servers = String::new();
    let server = |servers: &mut String,
                  name: String,
                  s: usize,
                  node: usize,
                  port: usize,
                  inner: String| {
        let _ = write!(
            servers,
            "\nserver \"{name}\" from=\"t{}\" {{\n    name \"Server {name}\"\n    owner \"user{}\"\n    node \"node-{node}\"\n    allocation \"10.{}.{}.1:{port}\"\n{inner}}}\n",
            s % 5,
            s % size.users,
            node / 256,
            node % 256
        );
    };
    for s in 0..size.servers {
        let node = s / servers_per_node;
        server(
            &mut servers,
            format!("srv-{s}"),
            s,
            node,
            20000 + (s % servers_per_node),
            children(s),
        );
    }
    for e in 0..extra {
        let node = e % size.nodes;
        server(
            &mut servers,
            format!("extra-{e}"),
            e,
            node,
            20000 + servers_per_node + e / size.nodes,
            String::new(),
        );
    }
    vec![
        ("panel.kdl".into(), panel),
        ("nodes.kdl".into(), nodes),
        ("users.kdl".into(), users),
        ("templates.kdl".into(), templates),
        ("servers.kdl".into(), servers),
    ]
}
