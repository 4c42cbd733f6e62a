//! Creates follow their dependencies and deletes precede theirs.

use super::*;

// ---------------------------------------------------------------------------------------------
// Order

/// The ids a run of successful creates made, by kind, in the order the POSTs arrived: the
/// panel hands out ids in increasing order and handles one write at a time.
fn created_in_order(log: &[roost_sim::LoggedRequest], collection: &str) -> Vec<usize> {
    log.iter()
        .enumerate()
        .filter(|(_, r)| {
            r.method == "POST"
                && request_path(r) == format!("/api/application/{collection}")
                && r.status < 300
        })
        .map(|(i, _)| i)
        .collect()
}

fn new_ids<T>(map: &BTreeMap<u64, T>, before: u64) -> Vec<u64> {
    map.keys().copied().filter(|&id| id > before).collect()
}

#[test]
fn creates_follow_their_dependencies_and_deletes_precede_theirs() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = Panel::start(dialect);
        let before = LastIds::of(&panel.state());
        panel.sim.clear_request_log();
        let run = panel.apply(&dir, &["--auto-approve", "--parallelism", "8"]);
        assert_eq!(run.code, Some(0), "{}", run.show());
        let log = panel.log();
        let st = panel.state();
        let at = creation_requests(dialect, &log, &st, &before);
        assert_servers_created_after_their_dependencies(dialect, &st, &before, &at);
        assert_deletes_precede_their_dependencies(dialect, &panel, &dir);
    }
}

/// The largest id of each kind on a panel: objects created later have larger ones.
struct LastIds {
    location: u64,
    node: u64,
    user: u64,
    server: u64,
}

impl LastIds {
    fn of(st: &roost_sim::SimState) -> Self {
        fn last<T>(map: &BTreeMap<u64, T>) -> u64 {
            map.keys().max().copied().unwrap_or(0)
        }
        LastIds {
            location: last(&st.locations),
            node: last(&st.nodes),
            user: last(&st.users),
            server: last(&st.servers),
        }
    }
}

/// The index of the request that created each new object, keyed by kind and id (the
/// allocations of a node as `allocations-of-node`). Checks there is one successful POST per new
/// object, that a node's allocations were posted after the node and a node after its location.
fn creation_requests(
    dialect: Dialect,
    log: &[roost_sim::LoggedRequest],
    st: &roost_sim::SimState,
    before: &LastIds,
) -> BTreeMap<(&'static str, u64), usize> {
    let mut at: BTreeMap<(&str, u64), usize> = BTreeMap::new();
    for (kind, coll, ids) in [
        (
            "location",
            "locations",
            new_ids(&st.locations, before.location),
        ),
        ("node", "nodes", new_ids(&st.nodes, before.node)),
        ("user", "users", new_ids(&st.users, before.user)),
        ("server", "servers", new_ids(&st.servers, before.server)),
    ] {
        let posts = created_in_order(log, coll);
        assert_eq!(
            posts.len(),
            ids.len(),
            "{dialect}: one successful POST /{coll} per new {kind}"
        );
        for (id, i) in ids.into_iter().zip(posts) {
            at.insert((kind, id), i);
        }
    }
    // Allocations: one POST per node here (one IP, no alias), after the node's.
    for n in st.nodes.keys().filter(|&&n| n > before.node) {
        let path = format!("/api/application/nodes/{n}/allocations");
        let posts: Vec<usize> = log
            .iter()
            .enumerate()
            .filter(|(_, r)| r.method == "POST" && request_path(r) == path && r.status < 300)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            posts.len(),
            1,
            "{dialect}: allocations of node {n}: {posts:?}"
        );
        assert!(
            at[&("node", *n)] < posts[0],
            "{dialect}: allocations of node {n} posted before the node"
        );
        at.insert(("allocations-of-node", *n), posts[0]);
        if let Some(l) = st.nodes[n].location_id {
            assert!(
                at[&("location", l)] < at[&("node", *n)],
                "{dialect}: node {n} posted before its location {l}"
            );
        }
    }
    assert_eq!(
        dialect == Dialect::Pterodactyl,
        at.keys().any(|(k, _)| *k == "location"),
        "{dialect}: locations only on Pterodactyl"
    );
    at
}

/// Every new server was posted after its owner, its node and its node's allocations.
fn assert_servers_created_after_their_dependencies(
    dialect: Dialect,
    st: &roost_sim::SimState,
    before: &LastIds,
    at: &BTreeMap<(&str, u64), usize>,
) {
    for s in st.servers.values().filter(|s| s.id > before.server) {
        let me = at[&("server", s.id)];
        for (what, dep) in [
            ("its owner", at[&("user", s.user_id)]),
            ("its node", at[&("node", s.node_id)]),
            ("its allocations", at[&("allocations-of-node", s.node_id)]),
        ] {
            assert!(
                dep < me,
                "{dialect}: server {} was posted (request {me}) before {what} (request {dep})",
                s.name
            );
        }
    }
}

/// Removes two servers of the small fleet `dir` (applied to `panel`), their allocations and one
/// owner, applies, and checks each server was deleted before its allocations and its owner.
fn assert_deletes_precede_their_dependencies(
    dialect: Dialect,
    panel: &Panel,
    dir: &std::path::Path,
) {
    // Deletes: bravo (n1:25566, 25567; owner ana) and delta (n2:25566; owner cai) go, so
    // do their allocations (prune "allocations") and cai (prune "users").
    let st = panel.state();
    let gone: Vec<(u64, Vec<u64>, u64)> = ["Bravo", "Delta"]
        .iter()
        .map(|n| {
            let s = server_by_name(&st, n);
            let allocs = st
                .allocations
                .values()
                .filter(|a| a.server_id == Some(s.id))
                .map(|a| a.id)
                .collect();
            (s.id, allocs, s.user_id)
        })
        .collect();
    let cai = st.users.values().find(|u| u.username == "cai").unwrap().id;
    let m = Fleet::copy(dir);
    m.remove_block("fleet.kdl", "server \"bravo\"");
    m.remove_block("fleet.kdl", "server \"delta\"");
    m.remove_block("fleet.kdl", "user \"cai\"");
    m.edit("fleet.kdl", r#""25565-25572""#, r#"25565 "25568-25572""#);
    m.edit("fleet.kdl", r#""25565-25568""#, r#"25565 25567 25568"#);
    panel.sim.clear_request_log();
    panel.apply_ok(m.path());
    panel.assert_converged(m.path(), "after the deletes");
    let log = panel.log();
    let index = |path: String| {
        log.iter()
            .position(|r| r.method == "DELETE" && request_path(r) == path && r.status < 300)
            .unwrap_or_else(|| panic!("{dialect}: no successful DELETE {path} in {log:#?}"))
    };
    let st = panel.state();
    for (sid, allocs, owner) in &gone {
        let s = index(format!("/api/application/servers/{sid}"));
        for a in allocs {
            let node = before_node_of(&log, *a);
            let d = index(format!("/api/application/nodes/{node}/allocations/{a}"));
            assert!(
                s < d,
                "{dialect}: allocation {a} deleted before its server {sid}"
            );
            assert!(!st.allocations.contains_key(a));
        }
        if *owner == cai {
            let u = index(format!("/api/application/users/{cai}"));
            assert!(s < u, "{dialect}: user {cai} deleted before server {sid}");
        }
        assert!(!st.servers.contains_key(sid));
    }
    assert!(!st.users.contains_key(&cai));
}

/// The node in the path of the DELETE of allocation `a`.
fn before_node_of(log: &[roost_sim::LoggedRequest], a: u64) -> u64 {
    let suffix = format!("/allocations/{a}");
    log.iter()
        .find_map(|r| {
            let p = request_path(r).strip_suffix(&suffix)?;
            p.strip_prefix("/api/application/nodes/")?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no DELETE of allocation {a} in {log:#?}"))
}
