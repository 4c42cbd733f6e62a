//! `read_live`: the whole state in one listing per kind, across pages, at fleet scale.

use crate::common::*;
use roost_panel::{Dialect, ExpectedCounts, LocationBody, PanelClient, RateLimit};
use roost_sim::FaultAction;
use roost_sim::UserParams;
use std::time::Duration;

/// Listings `read_live` sends on an empty or small panel: PT locations, nodes, users, servers,
/// nests; PL nodes, users, servers, eggs, roles, database hosts. Server databases come with the
/// servers and allocations with the nodes, at no extra request.
fn expected_listings(dialect: Dialect) -> u64 {
    match dialect {
        Dialect::Pterodactyl => 5,
        Dialect::Pelican => 6,
    }
}

async fn whole_state(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    if dialect == Dialect::Pterodactyl {
        let body = LocationBody {
            short: "spare".into(),
            long: None,
        };
        cl.create_location(&body).await.unwrap();
    }
    let fleet = small_fleet(&c, "fra-01", &[25565, 25566, 25567, 25568]).await;
    let (server, a) = (fleet.server.id, &fleet.allocations);
    let mut build = roost_panel::ServerBuildBody::from_live(&fleet.server);
    build.add_allocations = vec![a[1], a[2]];
    cl.update_server_build(server, &build).await.unwrap();

    let live = cl.read_live().await.unwrap();
    assert_eq!(live.dialect, dialect);
    assert_eq!(live.servers.len(), 1);
    assert_eq!(live.servers[0].allocations, vec![a[0], a[1], a[2]]);
    let held: Vec<(u64, Option<u64>)> = live
        .allocations
        .iter()
        .map(|x| (x.id, x.server_id))
        .collect();
    assert_eq!(
        held,
        vec![
            (a[0], Some(server)),
            (a[1], Some(server)),
            (a[2], Some(server)),
            (a[3], None)
        ]
    );
    assert_eq!(live.nodes.len(), 1);
    assert!(live.users.iter().any(|u| u.id == fleet.user));
    assert!(!live.eggs.is_empty() && live.eggs.iter().any(|e| !e.variables.is_empty()));
    assert!(live.databases.is_empty());
    match dialect {
        Dialect::Pterodactyl => {
            assert_eq!(live.locations.len(), 2, "the node's and the spare one");
            assert!(!live.nests.is_empty() && live.eggs.iter().all(|e| e.nest.is_some()));
            assert!(live.database_hosts.is_empty(), "PT's API lists none");
        }
        Dialect::Pelican => {
            assert!(live.locations.is_empty() && live.nests.is_empty());
            assert!(live.roles.iter().any(|r| r.name == "Root Admin"));
        }
    }
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_whole_state() {
    whole_state(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_whole_state() {
    whole_state(Dialect::Pelican).await;
}

/// `n` users besides the admin, `user00`, `user01`, ...
fn add_users(c: &Ctx, n: usize) {
    c.sim.mutate(|s| {
        for i in 0..n {
            s.add_user(UserParams {
                username: format!("user{i:02}"),
                email: format!("user{i:02}@example.com"),
                ..Default::default()
            });
        }
    });
}

async fn pagination(dialect: Dialect) {
    let c = start(dialect, |cfg| cfg.page_size = 5).await;
    add_users(&c, 23);
    c.client.ensure_dialect().await.unwrap();
    c.sim.clear_request_log();
    let users = c.client.list_users().await.unwrap();
    assert_eq!(users.len(), 24, "admin + 23");
    let mut ids: Vec<u64> = users.iter().map(|u| u.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 24, "no duplicates");
    let log = c.sim.request_log();
    assert_eq!(log.len(), 5, "ceil(24 / 5) pages: {log:?}");
    for (i, r) in log.iter().enumerate() {
        assert!(
            r.path.contains("per_page=5"),
            "query re-appended on every page: {}",
            r.path
        );
        assert!(r.path.contains(&format!("page={}", i + 1)), "{}", r.path);
        if dialect == Dialect::Pelican {
            assert!(r.path.contains("include=roles"), "{}", r.path);
        }
    }

    // read_live across several pages of every kind.
    let (n1, a1) = node_with_allocations(&c, "n1", &(27000..27012).collect::<Vec<_>>()).await;
    let (_n2, a2) = node_with_allocations(&c, "n2", &[28000, 28001]).await;
    for i in 0..7 {
        let alloc = if i < 6 { a1[i * 2] } else { a2[0] };
        let extra = if i < 6 { vec![a1[i * 2 + 1]] } else { vec![] };
        let body = server_body(&c, 1, alloc, extra, &format!("p-{i}")).await;
        c.client.create_server(&body).await.unwrap();
    }
    for i in 0..6 {
        c.sim.mutate(|s| {
            s.add_node(roost_sim::NodeParams {
                name: format!("extra-{i}"),
                ..Default::default()
            })
        });
    }
    let live = c.client.read_live().await.unwrap();
    assert_eq!(live.servers.len(), 7);
    assert_eq!(live.nodes.len(), 8);
    assert_eq!(live.users.len(), 24);
    assert_eq!(live.allocations.len(), 14);
    assert_eq!(
        live.allocations
            .iter()
            .filter(|a| a.server_id.is_some())
            .count(),
        13
    );
    assert!(
        live.allocations
            .iter()
            .filter(|a| a.node_id == n1)
            .all(|a| a.server_id.is_some())
    );
    assert!(c.count("GET", "/servers") >= 2 && c.count("GET", "/nodes") >= 2);
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_pagination() {
    pagination(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_pagination() {
    pagination(Dialect::Pelican).await;
}

/// Whether `/users?…page=2` reaches the panel within `window` while page 1 is held back by the
/// simulator for a minute (a `read_live_expecting` with `expected` running meanwhile).
async fn page_two_requested_while_page_one_waits(
    expected: ExpectedCounts,
    window: Duration,
) -> bool {
    // The client waits for page 1 as long as the simulator holds it (no timeout, no retry).
    let c = start(Dialect::Pterodactyl, |cfg| {
        cfg.page_size = 5;
        cfg.timeout = Duration::from_secs(120);
    })
    .await;
    add_users(&c, 8);
    c.client.ensure_dialect().await.unwrap();
    c.fault("GET", "/users", 1, FaultAction::Delay { ms: 60_000 });
    c.sim.clear_request_log();
    let client = c.client.clone();
    let read = tokio::spawn(async move { client.read_live_expecting(expected).await });
    let requested = |page: &str| {
        c.sim
            .request_log()
            .iter()
            .any(|r| r.path.contains("/users?") && r.path.contains(page))
    };
    let deadline = tokio::time::Instant::now() + window;
    let mut seen = false;
    while tokio::time::Instant::now() < deadline && !seen {
        tokio::time::sleep(Duration::from_millis(5)).await;
        seen = requested("&page=2");
    }
    assert!(requested("&page=1"), "page 1 was requested (and is held)");
    read.abort();
    c.sim.shutdown().await;
    seen
}

#[tokio::test]
async fn the_pages_the_manifests_fill_are_requested_with_page_one() {
    // 9 users at 5 per page: two pages, the second requested without waiting for the first
    // (which the simulator holds for a minute).
    let expected = ExpectedCounts {
        users: 9,
        ..ExpectedCounts::default()
    };
    assert!(page_two_requested_while_page_one_waits(expected, Duration::from_secs(20)).await);
    // Without counts page 2 waits for page 1's page count (it cannot come within the minute;
    // a short look is enough to see that it does not).
    let none = ExpectedCounts::default();
    assert!(!page_two_requested_while_page_one_waits(none, Duration::from_millis(300)).await);
}

#[tokio::test]
async fn read_live_takes_one_request_per_kind() {
    for dialect in Dialect::ALL {
        let c = start(dialect, |_| {}).await;
        let live = c.client.read_live().await.unwrap();
        assert!(!live.eggs.is_empty());
        // One probe, then one listing per kind (Pelican's database hosts included).
        let listings = expected_listings(dialect);
        assert_eq!(
            c.client.requests_sent(),
            1 + listings,
            "{dialect}: {:?}",
            c.sim.request_log()
        );
        let log = c.sim.request_log();
        assert_eq!(log.len() as u64, 1 + listings);
        assert!(log.iter().all(|r| r.method == "GET"));
        // A second read needs no probe.
        c.client.read_live().await.unwrap();
        assert_eq!(c.client.requests_sent(), 1 + 2 * listings);
        c.sim.shutdown().await;
    }
}

#[tokio::test]
async fn read_live_at_fleet_scale_stays_at_one_request_per_kind() {
    for dialect in Dialect::ALL {
        // Seeding sends hundreds of creates: no client-side budget for them.
        let c = start(dialect, |cfg| cfg.rate_limit = RateLimit::Off).await;
        let mut servers = Vec::new();
        let egg = c
            .sim
            .state()
            .eggs
            .keys()
            .next()
            .copied()
            .expect("stock eggs");
        c.sim.mutate(|s| {
            for n in 0..20u16 {
                let node = s.add_node(roost_sim::NodeParams {
                    name: format!("node-{n}"),
                    ..Default::default()
                });
                for p in 0..20u16 {
                    let alloc = s.add_allocation(node, "10.1.0.1", 20000 + n * 100 + p, None);
                    if p < 15 {
                        servers.push(s.add_server(roost_sim::ServerParams {
                            name: format!("s-{n}-{p}"),
                            user_id: 1,
                            egg_id: egg,
                            allocation_id: Some(alloc),
                            databases: None,
                            ..Default::default()
                        }));
                    }
                }
            }
            for u in 0..100 {
                s.add_user(UserParams {
                    username: format!("player{u}"),
                    email: format!("player{u}@example.com"),
                    ..Default::default()
                });
            }
        });
        // Every other server has two databases: they come with the servers' pages.
        for (i, server) in servers.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
            for name in ["main", "logs"] {
                let body = roost_panel::DatabaseBody {
                    database: format!("{name}{i}"),
                    remote: "%".into(),
                    host: 1,
                };
                c.client
                    .create_server_database(*server, &body)
                    .await
                    .unwrap();
            }
        }
        let client = PanelClient::new(config(&c.sim)).unwrap();
        let started = std::time::Instant::now();
        let live = client.read_live().await.unwrap();
        let took = started.elapsed();
        assert_eq!(live.servers.len(), 300);
        assert_eq!(live.databases.len(), 300);
        assert!(
            live.databases
                .iter()
                .all(|d| d.database.starts_with(&format!("s{}_", d.server_id)))
        );
        assert_eq!(live.allocations.len(), 400);
        assert_eq!(
            live.allocations
                .iter()
                .filter(|a| a.server_id.is_some())
                .count(),
            300
        );
        assert_eq!(
            client.requests_sent(),
            1 + expected_listings(dialect),
            "probe + one page per kind, databases included"
        );
        assert!(
            took < Duration::from_secs(5),
            "{dialect}: read_live took {took:?}"
        );
        c.sim.shutdown().await;
    }
}
