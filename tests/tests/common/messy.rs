//! A realistic, messy panel to import: odd names, foreign ids, maintenance, free ports.

use super::sim_state::egg_id;
use roost_sim::{Dialect, NodeParams, ServerParams, SimState, UserParams};
use std::collections::BTreeMap;

/// What the messy panel holds, for the tests to look things up.
#[derive(Debug, Default, Clone)]
pub struct Messy {
    pub nodes: Vec<(u64, String)>,
    /// Usernames, by user id.
    pub users: BTreeMap<u64, String>,
    pub servers: usize,
    /// Ids of servers with a foreign external id, one without any, one suspended.
    pub foreign: Vec<u64>,
    pub bare: Vec<u64>,
    pub suspended: Vec<u64>,
    /// Free ports (no server) exist on every node.
    pub free_ports: usize,
}

/// Odd display names, cycled through (duplicates are intended).
const ODD_NAMES: &[&str] = &[
    "Survival #1",
    "Survival #1",
    "🎮 Party Server 🎉",
    "Café Ünïcode — Créatif",
    "日本語サーバー",
    "Сервер «Москва»",
    "My \"best\" server",
    "back\\slash/and/slash",
    "  padded name  ",
    "!!!",
    "SkyBlock (1.20.4) [EU]",
    "tab\tname",
    "lobby",
    "Lobby",
    "LOBBY",
];

/// Seed a realistic, messy panel: several nodes (one in maintenance), PT locations, Pelican
/// roles, users with and without external ids, `servers` servers with odd and duplicate names,
/// foreign and missing external ids, suspended ones, egg variables away from their defaults,
/// additional allocations, threads pinning, unlimited feature limits, and free ports.
pub fn seed_messy(st: &mut SimState, servers: usize) -> Messy {
    let mut m = Messy::default();
    seed_nodes(st, &mut m);
    let mut free = seed_allocations(st, &m);
    // A small panel (for snapshots) has few users.
    let user_ids = seed_users(st, if servers < 50 { 6 } else { 40 }, &mut m);
    seed_servers(st, servers, &user_ids, &mut free, &mut m);
    m.free_ports = free.values().map(Vec::len).sum();
    m
}

/// PT locations, and four nodes of different sizes; the last is in maintenance.
fn seed_nodes(st: &mut SimState, m: &mut Messy) {
    let pt = st.dialect == Dialect::Pterodactyl;
    let locs = if pt {
        vec![
            st.add_location("fra", Some("Frankfurt, Germany")),
            st.add_location("nyc", None),
            st.add_location("sgp", Some("Singapur — Südostasien 🌏")),
        ]
    } else {
        vec![]
    };
    let node_specs: [(&str, &str, i64, i64); 4] = [
        ("fra-1", "fra1.nodes.example.com", 262_144, 0),
        ("fra-2", "fra2.nodes.example.com", 262_144, 20),
        ("nyc.edge_1", "nyc1.nodes.example.com", 196_608, -1),
        ("Sgp Node 3", "sgp3.nodes.example.com", 262_144, 0),
    ];
    for (i, (name, fqdn, memory, over)) in node_specs.iter().enumerate() {
        let id = st.add_node(NodeParams {
            name: name.to_string(),
            location_id: locs.get(i.min(locs.len().saturating_sub(1))).copied(),
            fqdn: fqdn.to_string(),
            memory: *memory,
            memory_overallocate: *over,
            disk: 4_096_000,
            disk_overallocate: 10,
            cpu: if pt || i != 1 { 0 } else { 3200 },
            cpu_overallocate: 0,
            upload_size: if i == 2 { 512 } else { 100 },
            tags: if pt {
                vec![]
            } else {
                vec!["eu".into(), format!("tier-{i}")]
            },
            description: (!pt && i == 0).then(|| "Ryzen 9 7950X3D — 256 GiB".to_string()),
            daemon_base: (i == 3).then(|| "/srv/daemon-data".to_string()),
            ..NodeParams::default()
        });
        m.nodes.push((id, name.to_string()));
    }
    // The last node is in maintenance; its existing servers stay.
    if let Some((last, _)) = m.nodes.last()
        && let Some(n) = st.nodes.get_mut(last)
    {
        n.maintenance_mode = true;
        n.behind_proxy = true;
    }
}

/// Allocations on every node: a main IP with 200 ports, an aliased IP with sparse ports.
/// Returns the main IP's allocations by node, all free.
fn seed_allocations(st: &mut SimState, m: &Messy) -> BTreeMap<u64, Vec<u64>> {
    let mut free: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for (i, (node, _)) in m.nodes.iter().enumerate() {
        let ip = format!("10.0.{i}.5");
        for port in 25565..25765u16 {
            let a = st.add_allocation(*node, &ip, port, None);
            free.entry(*node).or_default().push(a);
        }
        let alias_ip = format!("10.0.{i}.6");
        for port in [27015u16, 27017, 27020, 27021, 27022, 27023, 28000] {
            st.add_allocation(*node, &alias_ip, port, Some("play.example.com"));
        }
    }
    free
}

/// `count` users (Pelican: two roles, given to some), with odd names and some external ids.
/// Returns their ids in creation order.
fn seed_users(st: &mut SimState, count: u64, m: &mut Messy) -> Vec<u64> {
    let pt = st.dialect == Dialect::Pterodactyl;
    let roles = if pt {
        vec![]
    } else {
        vec![st.add_role("Moderator"), st.add_role("Support — Tier 2")]
    };
    let firsts = ["Zoë", "Jürgen", "李", "Ana-María", "O'Brien", "Sam"];
    let mut user_ids = Vec::new();
    for i in 0..count {
        let username = match i {
            0 => "steve".to_string(),
            1 => "j.doe_99".to_string(),
            2 => "Mixed.Case".to_string(),
            _ => format!("player{i:02}"),
        };
        let id = st.add_user(UserParams {
            username: username.clone(),
            email: format!("{}@example.com", username.to_lowercase()),
            first_name: firsts[i as usize % firsts.len()].to_string(),
            last_name: format!("Nachname {i}"),
            external_id: match i % 4 {
                0 => Some(format!("billing-{}", 1000 + i)),
                1 if i > 20 => Some(format!("whmcs-client-{i}")),
                _ => None,
            },
            root_admin: i == 5,
            language: "en".into(),
        });
        if !pt
            && i % 7 == 3
            && let Some(u) = st.users.get_mut(&id)
        {
            u.roles.push(roles[(i as usize / 7) % roles.len()]);
        }
        m.users.insert(id, username.to_lowercase());
        user_ids.push(id);
    }
    user_ids
}

/// The stock eggs the messy servers use.
struct Eggs {
    paper: u64,
    vanilla: u64,
    forge: u64,
    bungee: u64,
    rust: u64,
}

/// `servers` servers spread over the nodes on free allocations (fewer if the ports run out),
/// with odd names, varied eggs, variables, limits and external ids.
fn seed_servers(
    st: &mut SimState,
    servers: usize,
    user_ids: &[u64],
    free: &mut BTreeMap<u64, Vec<u64>>,
    m: &mut Messy,
) {
    let eggs = Eggs {
        paper: egg_id(st, "Paper"),
        vanilla: egg_id(st, "Vanilla Minecraft"),
        forge: egg_id(st, "Forge Minecraft"),
        bungee: egg_id(st, "Bungeecord"),
        rust: egg_id(st, "Rust"),
    };
    let long_name: String = "A very long server name that keeps going ".repeat(4) + "— end";
    for i in 0..servers {
        let node = m.nodes[i % m.nodes.len()].0;
        let Some(primary) = free
            .get_mut(&node)
            .and_then(|v| (!v.is_empty()).then(|| v.remove(0)))
        else {
            break;
        };
        let mut extra = Vec::new();
        if i % 11 == 0
            && let Some(v) = free.get_mut(&node)
            && v.len() > 40
        {
            extra.push(v.remove(0));
            if i % 22 == 0 {
                extra.push(v.remove(0));
            }
        }
        let name = match i {
            7 => long_name.clone(),
            _ if i % 5 == 0 => ODD_NAMES[(i / 5) % ODD_NAMES.len()].to_string(),
            _ => format!("mc-{i:03}"),
        };
        let (egg, environment) = egg_and_environment(i, &eggs);
        let external_id = match i % 7 {
            0 => Some(format!("whmcs-{}", 1200 + i)),
            3 if i < 50 => Some(format!("billing:srv/{i}")),
            _ => None,
        };
        let suspended = i % 17 == 4;
        let image = (egg != eggs.rust && i % 14 == 3)
            .then(|| pick_image(st, egg, 1))
            .flatten();
        let id = st.add_server(ServerParams {
            name,
            user_id: user_ids[(i * 7) % user_ids.len()],
            egg_id: egg,
            allocation_id: Some(primary),
            additional_allocations: extra,
            external_id: external_id.clone(),
            image,
            environment,
            status: suspended.then(|| "suspended".to_string()),
            ..messy_settings(i)
        });
        match (&external_id, suspended) {
            (Some(e), _) if e.starts_with("whmcs") => m.foreign.push(id),
            (None, _) => m.bare.push(id),
            _ => {}
        }
        if suspended {
            m.suspended.push(id);
        }
        m.servers += 1;
    }
}

/// The egg of the `i`th server and its variables away from their defaults.
fn egg_and_environment(i: usize, eggs: &Eggs) -> (u64, BTreeMap<String, String>) {
    let (egg, mut env): (u64, BTreeMap<String, String>) = match i % 9 {
        0..=3 => (eggs.paper, BTreeMap::new()),
        4 => (
            eggs.paper,
            BTreeMap::from([
                ("MINECRAFT_VERSION".to_string(), "1.20.4".to_string()),
                ("BUILD_NUMBER".to_string(), "496".to_string()),
            ]),
        ),
        5 => (eggs.vanilla, BTreeMap::new()),
        6 => (
            eggs.forge,
            BTreeMap::from([("MC_VERSION".to_string(), "1.19.2".to_string())]),
        ),
        7 => (eggs.bungee, BTreeMap::new()),
        _ => (
            eggs.rust,
            BTreeMap::from([
                ("HOSTNAME".to_string(), format!("Rüst 🦀 \"Wipe\" #{i}")),
                ("MAX_PLAYERS".to_string(), "100".to_string()),
            ]),
        ),
    };
    if egg == eggs.paper && i.is_multiple_of(13) {
        env.insert(
            "DL_PATH".into(),
            "https://example.com/paper.jar?x=1&y=ä".into(),
        );
    }
    (egg, env)
}

/// The description, limits and feature limits of the `i`th server: most as from a template,
/// the rest varied.
fn messy_settings(i: usize) -> ServerParams {
    let template_like = !i.is_multiple_of(3);
    ServerParams {
        description: match i % 6 {
            0 => String::new(),
            1 => format!("Server {i} — managed by billing"),
            2 => "Multi-line\ndescription with «quotes»".to_string(),
            _ => String::new(),
        },
        memory: if template_like {
            4096
        } else {
            [1024, 2048, 3072, 6144][i % 4]
        },
        swap: if i % 10 == 1 { -1 } else { 0 },
        disk: if template_like { 20_480 } else { 10_240 },
        io: if i % 8 == 2 { 250 } else { 500 },
        cpu: if template_like {
            200
        } else {
            [0, 100, 400][i % 3]
        },
        threads: match i % 25 {
            6 | 18 => Some("0-3".to_string()),
            1 => Some("1,3".to_string()),
            _ => None,
        },
        oom_disabled: i % 4 != 1,
        databases: if i % 10 == 9 { None } else { Some(1) },
        allocations: if i % 10 == 9 { None } else { Some(2) },
        backups: if i % 15 == 2 { None } else { Some(3) },
        startup: (i % 29 == 5).then(|| "java -Xms256M -jar {{SERVER_JARFILE}} nogui".into()),
        ..ServerParams::default()
    }
}

fn pick_image(st: &SimState, egg: u64, n: usize) -> Option<String> {
    st.eggs
        .get(&egg)
        .and_then(|e| e.docker_images.get(n))
        .map(|(_, i)| i.clone())
}
