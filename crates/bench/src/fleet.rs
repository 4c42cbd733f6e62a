//! A synthetic fleet as KDL text: `servers` servers over `servers / 20` nodes, 2.5 allocations
//! per server, one user per two servers, five templates. Deterministic for a given size.

use std::fmt::Write;

#[derive(Debug, Clone, Copy)]
pub struct FleetSize {
    pub servers: usize,
    pub nodes: usize,
    pub allocations: usize,
    pub users: usize,
}

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
}

/// One file per kind, as a real fleet would be split.
pub fn generate(size: FleetSize) -> Vec<(String, String)> {
    let mut panel = String::from(
        "panel {\n    dialect \"pterodactyl\"\n    namespace \"roost:\"\n    prune \"servers\"\n}\n",
    );
    for l in 0..5 {
        let _ = write!(
            panel,
            "\nlocation \"loc{l}\" {{\n    description \"Location {l}\"\n}}\n"
        );
    }
    let per_node = size.allocations.div_ceil(size.nodes);
    let mut nodes = String::new();
    for n in 0..size.nodes {
        let _ = write!(
            nodes,
            "\nnode \"node-{n}\" {{\n    location \"loc{}\"\n    fqdn \"node{n}.example.com\"\n    memory \"256GiB\" overallocate=0\n    disk \"4TiB\" overallocate=0\n    daemon listen=8080 sftp=2022\n    allocations \"10.{}.{}.1\" \"{}-{}\"\n}}\n",
            n % 5,
            n / 256,
            n % 256,
            20000,
            20000 + per_node - 1
        );
    }
    let mut users = String::new();
    for u in 0..size.users {
        let _ = write!(
            users,
            "\nuser \"user{u}\" {{\n    email \"user{u}@example.com\"\n    first-name \"User\"\n    last-name \"Number {u}\"\n}}\n"
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
        let _ = write!(
            templates,
            "\ntemplate \"t{i}\" {{\n    egg \"{egg}\" nest=\"{nest}\"\n    limits memory=\"{}GiB\" disk=\"20GiB\" cpu=200 io=500\n    features databases=1 backups=2\n}}\n",
            i + 1
        );
    }
    let servers_per_node = size.servers.div_ceil(size.nodes);
    let mut servers = String::new();
    for s in 0..size.servers {
        let node = s / servers_per_node;
        let port = 20000 + (s % servers_per_node);
        let _ = write!(
            servers,
            "\nserver \"srv-{s}\" from=\"t{}\" {{\n    name \"Server {s}\"\n    owner \"user{}\"\n    node \"node-{node}\"\n    allocation \"10.{}.{}.1:{port}\"\n}}\n",
            s % 5,
            s % size.users,
            node / 256,
            node % 256
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
