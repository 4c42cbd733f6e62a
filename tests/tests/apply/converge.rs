//! Every example converges, and converges again after edits; drift is shown, classified and
//! repaired.

use super::*;

// ---------------------------------------------------------------------------------------------
// Convergence

#[test]
fn minecraft_network_converges_then_converges_after_edits() {
    let ex = example("minecraft-network");
    // Its survival server declares a schedule, read and written with the client key.
    let panel = Panel::start(Dialect::Pterodactyl);
    panel.use_client_key();
    panel.apply_ok(&ex);
    panel.assert_converged(&ex, "first apply");
    assert_no_duplicates(&panel.state(), "first apply");
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
    // the swapped allocation's note follows it (written after the build assigns it)
    m.edit(f, "allocation-note 25568", "allocation-note 25570");
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
