//! `roost apply` against the simulator: it converges (every example, then edited), repairs
//! drift, keeps dependency order, refuses stale plans and unapproved or destructive runs, and
//! speaks JSON lines. Faults and interruptions are in `apply_faults.rs`.

mod common;

use common::{cli::*, manifests::*, panel::*, sim_state::*, *};
use roost_sim::Dialect;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Convergence

/// Apply `dir` to an empty panel, then check the panel matches it.
fn fresh(dir: &std::path::Path, dialect: Dialect) -> Panel {
    let panel = Panel::start(dialect);
    panel.apply_ok(dir);
    panel.assert_converged(dir, "first apply");
    assert_no_duplicates(&panel.state(), "first apply");
    panel
}

#[test]
fn minecraft_network_converges_then_converges_after_edits() {
    let ex = example("minecraft-network");
    let panel = fresh(&ex, Dialect::Pterodactyl);
    assert_eq!(managed_servers(&panel.state()).len(), 4);

    let m = Fleet::copy(&ex);
    let f = "fleet.kdl";
    // limits
    m.edit(f, r#"memory="6GiB" swap=0"#, r#"memory="7GiB" swap=0"#);
    // startup and owner
    m.edit(
        f,
        "name \"Creative\"\n    owner \"alex\"",
        "name \"Creative\"\n    owner \"steve\"\n    startup \"java -Xms128M -Xmx{{SERVER_MEMORY}}M -jar {{SERVER_JARFILE}} nogui\"",
    );
    // allocations: more on the node; one of the server's swapped for another
    m.edit(f, r#""25566-25580""#, r#""25566-25590""#);
    m.edit(
        f,
        "additional-allocations 25568",
        "additional-allocations 25570 25585",
    );
    // suspend
    m.edit(
        f,
        "allocation \"10.0.10.5:25565\"",
        "allocation \"10.0.10.5:25565\"\n    suspended #true",
    );
    // a user's e-mail
    m.edit(f, "alex@example.com", "alex.builder@example.com");
    // remove a server (prune "servers"), add one
    m.remove_block(f, "server \"lobby\"");
    m.append(
        f,
        r#"server "minigames" {
    owner "alex"
    node "mc-1"
    egg "Paper" nest="Minecraft"
    limits memory="2GiB" disk="10GiB" cpu=100
    allocation 25586
    env MINECRAFT_VERSION="1.21.4"
}
"#,
    );
    panel.apply_ok(m.path());
    panel.assert_converged(m.path(), "after the edits");
    let st = panel.state();
    assert_no_duplicates(&st, "after the edits");
    let servers = managed_servers(&st);
    assert!(servers.contains_key("roost:minigames"), "{servers:?}");
    assert!(!servers.contains_key("roost:lobby"), "{servers:?}");
    assert_eq!(server_by_name(&st, "Survival").memory, 7 * 1024);
    assert_eq!(
        server_by_name(&st, "Network Proxy").status.as_deref(),
        Some("suspended")
    );
    let steve = st.users.values().find(|u| u.username == "steve").unwrap();
    assert_eq!(server_by_name(&st, "Creative").user_id, steve.id);
    assert!(server_by_name(&st, "Creative").startup.contains("nogui"));
    assert_eq!(st.allocations.len(), 26, "16 + 10 new allocations");

    // And back to the example: every edit undone.
    panel.apply_ok(&ex);
    panel.assert_converged(&ex, "back to the example");
    let st = panel.state();
    assert_no_duplicates(&st, "back to the example");
    assert_eq!(managed_servers(&st).len(), 4);
    assert_eq!(server_by_name(&st, "Network Proxy").status, None);
}

#[test]
fn multi_node_fleet_converges_then_converges_after_edits() {
    let ex = example("multi-node-fleet");
    let panel = fresh(&ex, Dialect::Pterodactyl);
    assert_eq!(managed_servers(&panel.state()).len(), 27);

    let m = Fleet::copy(&ex);
    let mc = "servers/minecraft.kdl";
    // limits
    m.edit(
        mc,
        "owner \"jonas_b\"\n    limits memory=\"3GiB\"\n    allocation 25574",
        "owner \"jonas_b\"\n    limits memory=\"4GiB\"\n    allocation 25574",
    );
    // startup
    m.edit(
        mc,
        "allocation 25590",
        "allocation 25590\n    startup \"java -Xms128M -Xmx{{SERVER_MEMORY}}M -jar server.jar nogui\"",
    );
    // owner
    m.edit(
        mc,
        "name \"Sponge Dev\"\n    owner \"jonas_b\"",
        "name \"Sponge Dev\"\n    owner \"tomr\"",
    );
    // suspend one, unsuspend another
    m.edit(
        mc,
        "allocation 25575",
        "allocation 25575\n    suspended #true",
    );
    m.edit(
        mc,
        "allocation 25580\n    suspended #true",
        "allocation 25580\n    suspended #false",
    );
    // allocations: fewer on fra-2 (prune "allocations"), more on ash-1, one more for a server
    m.edit("infra.kdl", r#""25565-25614""#, r#""25565-25599""#);
    m.edit("infra.kdl", r#""28015-28064""#, r#""28015-28074""#);
    m.edit(
        "servers/voice.kdl",
        "allocation 64739",
        "allocation 64739\n    additional-allocations 64740",
    );
    // a node and a user
    m.edit("infra.kdl", r#"memory "96GiB""#, r#"memory "100GiB""#);
    m.edit("users.kdl", "tom@example.net", "tom.rivera@example.net");
    // remove a server, add one
    m.remove_block("servers/voice.kdl", "server \"mumble-staff\"");
    m.append(
        "servers/voice.kdl",
        r#"server "mumble-extra" from="voice" {
    name "Extra Mumble"
    node "fra-1"
    egg "Mumble Server" nest="Voice Servers"
    allocation 64741
    env MAX_USERS="50"
}
"#,
    );
    panel.apply_ok(m.path());
    panel.assert_converged(m.path(), "after the edits");
    let st = panel.state();
    assert_no_duplicates(&st, "after the edits");
    let servers = managed_servers(&st);
    assert_eq!(servers.len(), 27);
    assert!(servers.contains_key("roost:mumble-extra"));
    assert!(!servers.contains_key("roost:mumble-staff"));
    assert_eq!(server_by_name(&st, "Minigames: Bedwars").memory, 4096);
    assert_eq!(
        server_by_name(&st, "Minigames: Skywars").status.as_deref(),
        Some("suspended")
    );
    assert_eq!(server_by_name(&st, "Event World").status, None);
    let fra2 = st.nodes.values().find(|n| n.name == "fra-2").unwrap();
    assert_eq!(fra2.memory, 100 * 1024);
    let on_fra2 = st
        .allocations
        .values()
        .filter(|a| a.node_id == fra2.id && a.ip == "203.0.113.12" && a.port < 27000)
        .count();
    assert_eq!(on_fra2, 35, "25565-25599 on fra-2");

    panel.apply_ok(&ex);
    panel.assert_converged(&ex, "back to the example");
    let st = panel.state();
    assert_no_duplicates(&st, "back to the example");
    assert_eq!(managed_servers(&st).len(), 27);
}

#[test]
fn pelican_tags_converges_then_converges_after_edits() {
    let ex = example("pelican-tags");
    let panel = fresh(&ex, Dialect::Pelican);
    // nord-clan-smp has its own external id, outside the namespace.
    assert_eq!(managed_servers(&panel.state()).len(), 7);

    let m = Fleet::copy(&ex);
    let mc = "servers/minecraft.kdl";
    let other = "servers/other.kdl";
    m.edit(mc, "limits memory=\"6GiB\"\n", "limits memory=\"7GiB\"\n");
    m.edit(
        mc,
        "env MC_VERSION=\"1.20.1\"",
        "env MC_VERSION=\"1.20.1\"\n    startup \"java -Xmx{{SERVER_MEMORY}}M -jar server.jar nogui\"",
    );
    m.edit(
        mc,
        "allocation 25566",
        "allocation 25566\n    additional-allocations 25567",
    );
    m.edit(
        other,
        "owner \"rafael\"\n    node \"eu-metal-1\"",
        "owner \"hanna\"\n    node \"eu-metal-1\"",
    );
    m.edit(
        other,
        "allocation 27015",
        "allocation 27015\n    suspended #true",
    );
    m.edit(mc, "suspended #true", "suspended #false");
    m.edit(
        "nodes.kdl",
        r#"1024 "25565-25570""#,
        r#"1024 "25565-25580""#,
    );
    m.edit(
        "nodes.kdl",
        "fqdn \"us-metal-1.games.example.org\"",
        "fqdn \"us-metal-1b.games.example.org\"",
    );
    m.edit("users.kdl", "rafael@example.org", "rafa@example.org");
    m.remove_block(other, "server \"support-mumble\"");
    m.append(
        other,
        r#"server "csgo-eu" {
    name "CS:GO EU"
    owner "rafael"
    node "eu-metal-1"
    egg "Counter-Strike: Global Offensive"
    limits memory="2GiB" disk="30GiB" cpu=200
    allocation "192.0.2.8:27016"
    env SRCDS_MAP="de_dust2" STEAM_ACC="0123456789ABCDEF0123456789ABCDEF"
}
"#,
    );
    panel.apply_ok(m.path());
    panel.assert_converged(m.path(), "after the edits");
    let st = panel.state();
    assert_no_duplicates(&st, "after the edits");
    let servers = managed_servers(&st);
    assert_eq!(servers.len(), 7);
    assert!(servers.contains_key("roost:csgo-eu"));
    assert!(!servers.contains_key("roost:support-mumble"));
    assert_eq!(
        server_by_name(&st, "TF2 US Casual").status.as_deref(),
        Some("suspended")
    );
    assert_eq!(server_by_name(&st, "Event backend").status, None);
    let hanna = st.users.values().find(|u| u.username == "hanna").unwrap();
    assert_eq!(server_by_name(&st, "GMod Sandbox").user_id, hanna.id);
    assert_eq!(
        st.allocations
            .values()
            .filter(|a| a.ip == "203.0.113.90")
            .count(),
        17
    );

    panel.apply_ok(&ex);
    panel.assert_converged(&ex, "back to the example");
    let st = panel.state();
    assert_no_duplicates(&st, "back to the example");
    assert_eq!(managed_servers(&st).len(), 7);
}

/// The small fleet in both dialects, with a server moved to another node (a replacement) on
/// top of the usual edits.
#[test]
fn small_fleet_converges_after_edits_in_both_dialects() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let m = Fleet::copy(&dir);
        let f = "fleet.kdl";
        // delta moves from n2 to n1
        m.edit(
            f,
            "owner \"cai\"\n    node \"n2\"\n    limits memory=\"1GiB\"\n    allocation 25566",
            "owner \"ben\"\n    node \"n1\"\n    limits memory=\"1536MiB\"\n    allocation 25570\n    suspended #true",
        );
        m.edit(
            f,
            "additional-allocations 25567",
            "additional-allocations 25568 25569",
        );
        m.edit(
            f,
            "name \"Alpha\"",
            "name \"Alpha\"\n    startup \"java -jar {{SERVER_JARFILE}} nogui\"",
        );
        m.remove_block(f, "server \"charlie\"");
        m.append(
            f,
            r#"server "echo" from="paper" {
    name "Echo"
    owner "ben"
    node "n2"
    allocation 25567
}
"#,
        );
        panel.apply_ok(m.path());
        panel.assert_converged(m.path(), "after the edits");
        let st = panel.state();
        assert_no_duplicates(&st, &format!("{dialect}: after the edits"));
        let delta = server_by_name(&st, "Delta");
        let n1 = st.nodes.values().find(|n| n.name == "n1").unwrap();
        assert_eq!(delta.node_id, n1.id, "{dialect}: Delta moved to n1");
        assert_eq!(delta.memory, 1536);
        assert_eq!(delta.status.as_deref(), Some("suspended"));
        let names: Vec<&str> = managed_servers(&st)
            .values()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["Alpha", "Bravo", "Delta", "Echo"], "{dialect}");

        // cai owns nothing now: prune "users" deletes the account. (In the same apply as the
        // reassignment the planner refuses it: see `a_user_can_be_pruned_with_the_reassignment_of_their_servers`.)
        m.remove_block(f, "user \"cai\"");
        panel.apply_ok(m.path());
        panel.assert_converged(m.path(), "after pruning a user");
        let st = panel.state();
        assert!(!st.users.values().any(|u| u.username == "cai"), "{dialect}");
        assert_no_duplicates(&st, &format!("{dialect}: after pruning a user"));

        panel.apply_ok(&dir);
        panel.assert_converged(&dir, "back to the fixture");
        assert_no_duplicates(&panel.state(), &format!("{dialect}: back"));
    }
}

/// Allocations added to a node that the plan does not otherwise touch (no server on it
/// changes): the engine must know the node's id from the plan.
#[test]
fn allocations_added_to_an_untouched_node_are_created() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let m = Fleet::copy(&dir);
        m.edit("fleet.kdl", r#""25565-25568""#, r#""25565-25578""#);
        let run = panel.apply_ok(m.path());
        assert!(run.stderr.contains("0 failed"), "{}", run.show());
        panel.assert_converged(m.path(), "allocations added");
        let st = panel.state();
        let n2 = st.nodes.values().find(|n| n.name == "n2").unwrap().id;
        let ports: Vec<u16> = st
            .allocations
            .values()
            .filter(|a| a.node_id == n2)
            .map(|a| a.port)
            .collect();
        assert_eq!(ports, (25565..=25578).collect::<Vec<_>>(), "{dialect}");
    }
}

/// Giving a user's servers to someone else and removing the user (with `prune "users"`) is one
/// edit of the manifests; one apply should carry it out. Today the planner refuses it
/// (`roost::cannot-delete`, "still owns servers") while its own help says to do exactly this.
#[test]
fn a_user_can_be_pruned_with_the_reassignment_of_their_servers() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let m = Fleet::copy(&dir);
        m.edit(
            "fleet.kdl",
            "owner \"cai\"\n    node \"n2\"",
            "owner \"ben\"\n    node \"n2\"",
        );
        m.remove_block("fleet.kdl", "user \"cai\"");
        let run = panel.apply(m.path(), &["--auto-approve", "--allow-destroy"]);
        assert_eq!(
            run.code,
            Some(0),
            "{dialect}: reassigning Delta and pruning its old owner in one apply:\n{}",
            run.show()
        );
        panel.assert_converged(m.path(), "reassigned and pruned");
        let st = panel.state();
        assert!(!st.users.values().any(|u| u.username == "cai"));
        let ben = st.users.values().find(|u| u.username == "ben").unwrap();
        assert_eq!(server_by_name(&st, "Delta").user_id, ben.id);
    }
}

/// Pelican: roles are assigned on create, added and removed on update.
#[test]
fn pelican_roles_are_assigned_and_removed() {
    let dir = small(Dialect::Pelican);
    let panel = Panel::start(Dialect::Pelican);
    let (support, mods) = panel
        .sim
        .mutate(|st| (st.add_role("Support"), st.add_role("Moderator")));
    let m = Fleet::copy(&dir);
    m.edit(
        "fleet.kdl",
        "email \"ben@example.com\"",
        "email \"ben@example.com\"\n    roles \"Support\" \"Moderator\"",
    );
    panel.apply_ok(m.path());
    panel.assert_converged(m.path(), "roles on create");
    let roles = |p: &Panel| {
        let st = p.state();
        let mut r = st
            .users
            .values()
            .find(|u| u.username == "ben")
            .unwrap()
            .roles
            .clone();
        r.sort();
        r
    };
    assert_eq!(roles(&panel), [support, mods]);
    m.edit(
        "fleet.kdl",
        "roles \"Support\" \"Moderator\"",
        "roles \"Moderator\"",
    );
    panel.apply_ok(m.path());
    panel.assert_converged(m.path(), "a role removed");
    assert_eq!(roles(&panel), [mods]);
}

// ---------------------------------------------------------------------------------------------
// Drift

#[test]
fn drift_is_shown_classified_and_repaired_in_both_dialects() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let dir_s = dir.to_str().unwrap();
        panel.sim.mutate(|st| {
            let alpha = st.servers.values_mut().find(|s| s.name == "Alpha").unwrap();
            alpha.memory = 4096;
            let charlie = st
                .servers
                .values_mut()
                .find(|s| s.name == "Charlie")
                .unwrap();
            charlie.status = Some("suspended".into());
            let n1 = st.nodes.values_mut().find(|n| n.name == "n1").unwrap();
            n1.fqdn = "drifted.example.com".into();
            let ben = st.users.values_mut().find(|u| u.username == "ben").unwrap();
            ben.email = "ben@drifted.example.com".into();
        });

        let run = panel.plan_detailed(&dir, &[]);
        assert_eq!(run.code, Some(2), "{dialect}: {}", run.show());
        for what in [
            "server.alpha",
            "server.charlie",
            "node.n1",
            "user.ben",
            "drifted.example.com",
        ] {
            assert!(
                run.stdout.contains(what),
                "{dialect}: the plan does not mention {what}:\n{}",
                run.show()
            );
        }
        let run = panel.plan_detailed(&dir, &["--base", dir_s]);
        assert_eq!(
            run.code,
            Some(3),
            "{dialect}: with --base of the same manifests the changes are drift:\n{}",
            run.show()
        );

        panel.sim.clear_request_log();
        panel.apply_ok(&dir);
        panel.assert_converged(&dir, "drift repaired");
        let st = panel.state();
        assert_eq!(server_by_name(&st, "Alpha").memory, 2048, "{dialect}");
        assert_eq!(server_by_name(&st, "Charlie").status, None, "{dialect}");
        assert_eq!(
            st.nodes.values().find(|n| n.name == "n1").unwrap().fqdn,
            "n1.nodes.example.com"
        );
        assert_eq!(
            st.users
                .values()
                .find(|u| u.username == "ben")
                .unwrap()
                .email,
            "ben@example.com"
        );
        // Repairs are updates in place: nothing was created or deleted.
        let log = panel.log();
        let bad: Vec<_> = writes(&log)
            .into_iter()
            .filter(|r| r.method == "DELETE" || (r.method == "POST" && r.path.ends_with("s")))
            .collect();
        assert!(bad.is_empty(), "{dialect}: {bad:?}");
        assert_no_duplicates(&st, "drift repaired");
    }
}

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
        let before = panel.state();
        let max = |m: &dyn Fn(&roost_sim::SimState) -> Option<u64>| m(&before).unwrap_or(0);
        let (loc0, node0, user0, server0) = (
            max(&|s| s.locations.keys().max().copied()),
            max(&|s| s.nodes.keys().max().copied()),
            max(&|s| s.users.keys().max().copied()),
            max(&|s| s.servers.keys().max().copied()),
        );
        panel.sim.clear_request_log();
        let run = panel.apply(&dir, &["--auto-approve", "--parallelism", "8"]);
        assert_eq!(run.code, Some(0), "{}", run.show());
        let log = panel.log();
        let st = panel.state();

        // Request index that created each object.
        let mut at: BTreeMap<(&str, u64), usize> = BTreeMap::new();
        for (kind, coll, ids) in [
            ("location", "locations", new_ids(&st.locations, loc0)),
            ("node", "nodes", new_ids(&st.nodes, node0)),
            ("user", "users", new_ids(&st.users, user0)),
            ("server", "servers", new_ids(&st.servers, server0)),
        ] {
            let posts = created_in_order(&log, coll);
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
        for n in st.nodes.keys().filter(|&&n| n > node0) {
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
        for s in st.servers.values().filter(|s| s.id > server0) {
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

        // Deletes: bravo (n1:25566, 25567; owner ana) and delta (n2:25566; owner cai) go, so
        // do their allocations (prune "allocations") and cai (prune "users").
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
        let m = Fleet::copy(&dir);
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

// ---------------------------------------------------------------------------------------------
// Stale plans

#[test]
fn a_stale_saved_plan_is_refused_without_a_write() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let m = Fleet::copy(&dir);
        m.edit(
            "fleet.kdl",
            "name \"Alpha\"",
            "name \"Alpha\"\n    limits memory=\"3GiB\"",
        );
        let out = m.path().join("plan.json");
        let run = panel.roost(&[
            "plan",
            m.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.code, Some(0), "{}", run.show());
        panel.sim.clear_request_log();
        panel.sim.mutate(|st| {
            let charlie = st
                .servers
                .values_mut()
                .find(|s| s.name == "Charlie")
                .unwrap();
            charlie.disk = 999;
        });
        let run = panel.apply(&out, &["--auto-approve"]);
        assert_eq!(run.code, Some(5), "{dialect}: {}", run.show());
        assert!(
            run.stderr.contains("Charlie"),
            "{dialect}: the refusal names the changed server:\n{}",
            run.show()
        );
        let log = panel.log();
        assert!(!log.is_empty(), "apply read the panel");
        assert!(
            writes(&log).is_empty(),
            "{dialect}: a stale plan wrote to the panel: {:?}",
            writes(&log)
        );
        assert_eq!(server_by_name(&panel.state(), "Alpha").memory, 2048);

        // A fresh plan of the same change applies.
        let run = panel.roost(&[
            "plan",
            m.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.code, Some(0), "{}", run.show());
        let run = panel.apply(&out, &["--auto-approve"]);
        assert_eq!(run.code, Some(0), "{dialect}: {}", run.show());
        assert_eq!(server_by_name(&panel.state(), "Alpha").memory, 3072);
        // ... and, planned from the manifests, repairs the out-of-band change too.
        assert_eq!(server_by_name(&panel.state(), "Charlie").disk, 10240);
    }
}

/// `plan -o FILE` then `apply FILE`, returning the apply's run.
fn plan_then_apply_saved(panel: &Panel, dir: &std::path::Path, out: &std::path::Path) -> Run {
    let run = panel.roost(&["plan", dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    panel.apply(out, &["--auto-approve"])
}

/// A saved plan is carried out once: applied again, the panel it was made against is gone.
#[test]
fn a_saved_plan_applies_once() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let m = Fleet::copy(&dir);
        m.edit("fleet.kdl", "ben@example.com", "ben@example.org");
        m.edit(
            "fleet.kdl",
            "name \"Alpha\"",
            "name \"Alpha\"\n    limits memory=\"3GiB\"",
        );
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("plan.json");
        let run = plan_then_apply_saved(&panel, m.path(), &out);
        assert_eq!(run.code, Some(0), "{dialect}: {}", run.show());
        panel.assert_converged(m.path(), "saved plan applied");
        let before = panel.state();
        panel.sim.clear_request_log();
        let run = panel.apply(&out, &["--auto-approve"]);
        assert_eq!(run.code, Some(5), "{dialect}: {}", run.show());
        assert!(writes(&panel.log()).is_empty(), "{dialect}");
        assert!(panel.state() == before, "{dialect}: the panel changed");
    }
}

/// Every saved plan must load again. One that creates or changes a node does not: a node's
/// desired state is serialised with `daemon_base` twice (the flattened manifest node's
/// `Option<String>`, then `NodeTarget::daemon_base: String`), and reading it back fails with
/// "invalid type: null, expected a string" (crates/plan/src/types.rs, `NodeTarget`).
#[test]
fn a_saved_plan_that_creates_nodes_can_be_applied() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = Panel::start(dialect);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("plan.json");
        let run = plan_then_apply_saved(&panel, &dir, &out);
        assert_eq!(run.code, Some(0), "{dialect}: {}", run.show());
        panel.assert_converged(&dir, "saved plan applied");
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals

#[test]
fn apply_without_a_terminal_or_approval_changes_nothing() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = Panel::start(dialect);
        let before = panel.state();
        panel.sim.clear_request_log();
        let run = panel.apply(&dir, &[]);
        assert_ne!(run.code, Some(0), "{dialect}: {}", run.show());
        assert!(
            run.stderr.contains("auto-approve"),
            "{dialect}: the refusal says what to do:\n{}",
            run.show()
        );
        assert!(
            writes(&panel.log()).is_empty(),
            "{:?}",
            writes(&panel.log())
        );
        assert!(panel.state() == before, "{dialect}: the panel changed");
    }
}

#[test]
fn a_destructive_plan_needs_allow_destroy() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let deleting = Fleet::copy(&dir);
        deleting.remove_block("fleet.kdl", "server \"charlie\"");
        let moving = Fleet::copy(&dir);
        moving.edit(
            "fleet.kdl",
            "node \"n2\"\n    limits memory=\"1GiB\"\n    allocation 25566",
            "node \"n1\"\n    limits memory=\"1GiB\"\n    allocation 25570",
        );
        for (what, m) in [("a deletion", &deleting), ("a move", &moving)] {
            let before = panel.state();
            panel.sim.clear_request_log();
            let run = panel.apply(m.path(), &["--auto-approve"]);
            assert_eq!(run.code, Some(1), "{dialect}, {what}: {}", run.show());
            assert!(
                run.stderr.contains("--allow-destroy"),
                "{dialect}, {what}: {}",
                run.show()
            );
            assert!(
                writes(&panel.log()).is_empty(),
                "{dialect}, {what}: {:?}",
                writes(&panel.log())
            );
            assert!(
                panel.state() == before,
                "{dialect}, {what}: the panel changed"
            );
            let run = panel.plan_detailed(m.path(), &[]);
            assert_eq!(run.code, Some(2), "{dialect}, {what}: still to do");
        }
        // With --allow-destroy both go through.
        panel.apply_ok(deleting.path());
        panel.assert_converged(deleting.path(), "deleted");
        panel.apply_ok(&dir);
        panel.apply_ok(moving.path());
        panel.assert_converged(moving.path(), "moved");
        assert_no_duplicates(&panel.state(), "after the move");
    }
}

// ---------------------------------------------------------------------------------------------
// --target

/// `apply --target` is spelled as on `plan`; the old `--target-resource` still works.
#[test]
fn apply_target_is_spelled_as_on_plan_and_the_old_spelling_still_works() {
    let help = offline(&["apply", "--help"]).expect(0, "apply --help");
    assert!(
        help.stdout.contains("--target <ADDRESS>"),
        "apply --help names --target:\n{}",
        help.stdout
    );
    assert!(
        !help.stdout.contains("--target-resource"),
        "the old spelling is a hidden alias:\n{}",
        help.stdout
    );
    for (flag, server) in [("--target", "alpha"), ("--target-resource", "charlie")] {
        let dialect = Dialect::Pterodactyl;
        let dir = small(dialect);
        let panel = Panel::start(dialect);
        let run = panel.apply(&dir, &["--auto-approve", flag, &format!("server.{server}")]);
        assert_eq!(run.code, Some(0), "{flag}: {}", run.show());
        let st = panel.state();
        let managed: Vec<String> = managed_servers(&st).into_keys().collect();
        assert_eq!(
            managed,
            [format!("roost:{server}")],
            "{flag}: only the target was applied"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// JSON lines

#[test]
fn format_json_prints_one_event_per_line_and_no_text_plan() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = Panel::start(dialect);
        let run = panel.apply(&dir, &["--auto-approve", "--format", "json"]);
        assert_eq!(run.code, Some(0), "{}", run.show());
        assert!(
            !run.stdout.contains("will be created"),
            "{dialect}: the text plan was printed:\n{}",
            run.stdout
        );
        let events: Vec<serde_json::Value> = run
            .stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("{dialect}: not a JSON line ({e}): {l:?}"))
            })
            .collect();
        let kind = |e: &serde_json::Value| e["event"].as_str().unwrap_or("").to_string();
        let count = |k: &str| events.iter().filter(|e| kind(e) == k).count();
        let n = if dialect == Dialect::Pterodactyl {
            23
        } else {
            21
        };
        assert_eq!(count("started"), n, "{dialect}");
        assert_eq!(count("finished"), n, "{dialect}");
        assert_eq!(count("failed") + count("skipped"), 0);
        let last = events.last().expect("events");
        assert_eq!(kind(last), "summary");
        assert_eq!(last["applied"], n);
        assert_eq!(last["failed"], 0);
        for e in events.iter().filter(|e| kind(e) == "finished") {
            assert!(e["address"].is_string() && e["action"] == "create", "{e}");
        }
        // Every finish follows its start.
        let mut started = std::collections::BTreeSet::new();
        for e in &events {
            let a = e["address"].as_str().unwrap_or("").to_string();
            match kind(e).as_str() {
                "started" => {
                    started.insert(a);
                }
                "finished" => assert!(started.contains(&a), "{a} finished before it started"),
                _ => {}
            }
        }
    }
}
