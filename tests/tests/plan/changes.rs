//! What a plan shows for each kind of change: a full fleet, none, limits, the startup
//! command, eggs, allocations, a move to another node.

use super::*;

// ---------------------------------------------------------------------------------------------
// Both dialects: empty panel, no changes, a limits change

fn empty_panel(dialect: Dialect, expected: usize) {
    let panel = Panel::start(dialect);
    let name = format!("empty_panel_full_fleet.{}", common::dialect_name(dialect));
    let r = render_all(
        &name,
        &panel,
        &fleet(dialect),
        &[],
        &[
            "allocation.node-1/10.0.0.5:25565",
            "allocation.node-1/10.0.0.5:25566",
            "user.alice",
            "server.lobby",
        ],
    );
    let plan = r.plan();
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), expected, "{}", r.text.stdout);
    assert!(changes.iter().all(|c| c["action"] == "create"));
    assert_eq!(plan["summary"]["create"], expected);
    assert_eq!(plan["summary"]["delete"], 0);
    // Creates come in dependency order: the node before its allocations before the servers.
    let order = r.addresses();
    let pos = |a: &str| order.iter().position(|x| x == a).unwrap();
    assert!(pos("node.node-1") < pos("allocation.node-1/10.0.0.5:25565"));
    assert!(pos("allocation.node-1/10.0.0.5:25565") < pos("server.lobby"));
    assert!(pos("user.alice") < pos("server.lobby"));
    // The password is write-only.
    let alice = r.change("user.alice");
    let pw = attr(&alice, "password");
    assert_eq!(pw["sensitive"], true);
    assert!(pw["new"].is_null() && pw["old"].is_null());
    assert!(squash(&r.text.stdout).contains("+ password = (sensitive)"));
}

#[test]
fn empty_panel_full_fleet_pterodactyl() {
    // location, node, 6 allocations, 2 users, 3 servers
    empty_panel(Dialect::Pterodactyl, 13);
}

#[test]
fn empty_panel_full_fleet_pelican() {
    // node, 6 allocations, 2 users, 3 servers
    empty_panel(Dialect::Pelican, 12);
}

fn no_changes(dialect: Dialect) {
    let panel = applied(dialect);
    let name = format!("no_changes.{}", common::dialect_name(dialect));
    let r = render_all(&name, &panel, &fleet(dialect), &[], &[]);
    assert_eq!(r.plan()["changes"], Value::Array(vec![]));
    assert!(r.text.stdout.contains("No changes."), "{}", r.text.stdout);
    let detailed = panel.plan(&fleet(dialect), &["--detailed-exitcode"]);
    assert_eq!(detailed.code, Some(0), "{}", detailed.show());
}

#[test]
fn no_changes_pterodactyl() {
    no_changes(Dialect::Pterodactyl);
}

#[test]
fn no_changes_pelican() {
    no_changes(Dialect::Pelican);
}

fn limits_change(dialect: Dialect) {
    let panel = applied(dialect);
    let f = Fleet::copy(&fleet(dialect));
    f.edit(
        "servers.kdl",
        r#"limits memory="2GiB" disk="10GiB" cpu=100"#,
        r#"limits memory="3GiB" disk="10GiB" cpu=150"#,
    );
    let name = format!("limits_change.{}", common::dialect_name(dialect));
    let r = render_all(&name, &panel, f.path(), &[], &["server.lobby"]);
    assert_eq!(r.addresses(), ["server.lobby"]);
    let c = r.change("server.lobby");
    assert_eq!(c["action"], "update");
    assert_eq!(c["impact"], "restart");
    assert_eq!(attr_names(&c), ["limits.cpu", "limits.memory"]);
    assert_eq!(attr(&c, "limits.memory")["old"], 2048);
    assert_eq!(attr(&c, "limits.memory")["new"], 3072);
    assert_eq!(attr(&c, "limits.cpu")["old"], 100);
    assert_eq!(attr(&c, "limits.cpu")["new"], 150);
    let id = panel.server_id("Lobby");
    assert_eq!(calls(&c), [format!("PATCH /servers/{id}/build")]);
    // The build write carries the new limits and, to check the update, the old ones.
    assert_eq!(ops(&c), ["server build"]);
    let build = &c["ops"][0];
    assert_eq!(build["server"], id);
    assert_eq!(build["set"]["limits"]["memory"], 3072);
    assert_eq!(build["was"]["build"]["limits"]["memory"], 2048);
    assert!(r.text.stdout.contains("limits.memory = 2048 -> 3072"));
}

#[test]
fn limits_change_pterodactyl() {
    limits_change(Dialect::Pterodactyl);
}

#[test]
fn limits_change_pelican() {
    limits_change(Dialect::Pelican);
}

// ---------------------------------------------------------------------------------------------
// Pterodactyl: one scenario each

#[test]
fn startup_command_change_is_a_line_diff() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit(
        "servers.kdl",
        "        -Dterminal.jline=false\n",
        "        -Dterminal.jline=false -Dterminal.ansi=true\n",
    );
    let r = render_all(
        "startup_change",
        &panel,
        f.path(),
        &[],
        &["server.survival"],
    );
    assert_eq!(r.addresses(), ["server.survival"]);
    let c = r.change("server.survival");
    assert_eq!(c["action"], "update");
    assert_eq!(c["impact"], "restart");
    assert_eq!(attr_names(&c), ["startup"]);
    let text = &r.text.stdout;
    // Only the changed line is marked; the others are context.
    assert!(text.contains("- -Dterminal.jline=false\n"), "{text}");
    assert!(
        text.contains("+ -Dterminal.jline=false -Dterminal.ansi=true\n"),
        "{text}"
    );
    assert!(
        text.contains("  java -Xms128M -XX:MaxRAMPercentage=95.0\n"),
        "{text}"
    );
}

#[test]
fn egg_change_reinstalls() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit(
        "servers.kdl",
        "    egg \"Paper\" nest=\"Minecraft\"\n    limits memory=\"2GiB\"",
        "    egg \"Vanilla Minecraft\" nest=\"Minecraft\"\n    limits memory=\"2GiB\"",
    )
    .edit(
        "servers.kdl",
        "    allocation 25565\n    env MINECRAFT_VERSION=\"1.21.4\"",
        "    allocation 25565\n    env VANILLA_VERSION=\"1.21.4\"",
    );
    let r = render_all("egg_change", &panel, f.path(), &[], &["server.lobby"]);
    assert_eq!(r.addresses(), ["server.lobby"]);
    let c = r.change("server.lobby");
    assert_eq!(c["action"], "update");
    assert_eq!(c["impact"], "reinstall");
    assert_eq!(attr(&c, "egg")["old"], "Paper (Minecraft)");
    assert_eq!(attr(&c, "egg")["new"], "Vanilla Minecraft (Minecraft)");
    assert_eq!(attr(&c, "egg")["impact"], "reinstall");
    assert_eq!(attr(&c, "environment.VANILLA_VERSION")["new"], "1.21.4");
    assert!(!c["warnings"].as_array().unwrap().is_empty());
    let id = panel.server_id("Lobby");
    let calls = calls(&c);
    assert!(
        calls.contains(&format!("PATCH /servers/{id}/startup")),
        "{calls:?}"
    );
    assert!(
        calls.contains(&format!("POST /servers/{id}/reinstall")),
        "{calls:?}"
    );
    assert_eq!(r.plan()["summary"]["reinstall"], 1);
    // Called out at the top of the Markdown, before the sections.
    let md = &r.markdown.stdout;
    let warning = md.find("[!WARNING]").expect("a warning block");
    assert!(warning < md.find("<details>").unwrap(), "{md}");
    assert!(r.text.stdout.contains("REINSTALL"), "{}", r.text.stdout);
}

#[test]
fn server_moves_to_another_allocation() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit("servers.kdl", "allocation 25565\n", "allocation 25569\n");
    let r = render_all("move_allocation", &panel, f.path(), &[], &["server.lobby"]);
    assert_eq!(r.addresses(), ["server.lobby"]);
    let c = r.change("server.lobby");
    assert_eq!(c["action"], "update");
    assert_eq!(attr_names(&c), ["allocation"]);
    assert_eq!(attr(&c, "allocation")["old"], "10.0.0.5:25565");
    assert_eq!(attr(&c, "allocation")["new"], "10.0.0.5:25569");
    assert_eq!(c["impact"], "restart");
    let id = panel.server_id("Lobby");
    assert_eq!(calls(&c), [format!("PATCH /servers/{id}/build")]);
}

#[test]
fn allocations_added_and_removed() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    // The pool loses 25569-25570 (free, pruned) and gains 25600-25602; survival takes 25600 as a
    // second extra port.
    f.edit(
        "infra.kdl",
        r#"allocations "10.0.0.5" "25565-25570" alias="play.example.com""#,
        r#"allocations "10.0.0.5" "25565-25568" "25600-25602" alias="play.example.com""#,
    )
    .edit(
        "servers.kdl",
        "additional-allocations 25567\n",
        "additional-allocations 25567 25600\n",
    );
    let r = render_all(
        "allocations_added_removed",
        &panel,
        f.path(),
        &[],
        &[
            "allocation.node-1/10.0.0.5:25600",
            "allocation.node-1/10.0.0.5:25601",
            "allocation.node-1/10.0.0.5:25569",
            "server.survival",
        ],
    );
    let plan = r.plan();
    assert_eq!(plan["summary"]["create"], 3);
    assert_eq!(plan["summary"]["delete"], 2);
    assert_eq!(plan["summary"]["update"], 1);
    for port in [25569, 25570] {
        let c = r.change(&format!("allocation.node-1/10.0.0.5:{port}"));
        assert_eq!(c["action"], "delete");
    }
    for port in [25600, 25601, 25602] {
        let c = r.change(&format!("allocation.node-1/10.0.0.5:{port}"));
        assert_eq!(c["action"], "create");
    }
    // One POST creates the three ports.
    let posts: usize = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "create")
        .map(|c| calls(c).len())
        .sum();
    assert_eq!(posts, 1);
    // The first create of the group carries every port; the others ride on its request.
    let lead = r.change("allocation.node-1/10.0.0.5:25600");
    assert_eq!(
        lead["ops"][0]["ports"],
        serde_json::json!([25600, 25601, 25602])
    );
    for port in [25601, 25602] {
        let c = r.change(&format!("allocation.node-1/10.0.0.5:{port}"));
        assert_eq!(ops(&c), ["allocation batched"]);
        assert_eq!(c["ops"][0]["with"], "allocation.node-1/10.0.0.5:25600");
    }
    let s = r.change("server.survival");
    assert_eq!(
        attr(&s, "additional_allocations")["new"],
        serde_json::json!(["10.0.0.5:25567", "10.0.0.5:25600"])
    );
    // The server waits for the allocation it takes.
    assert!(
        s["depends_on"]
            .as_array()
            .unwrap()
            .contains(&Value::from("allocation.node-1/10.0.0.5:25600")),
        "{s:#}"
    );
    // Pruned allocations go last, after the changes that could still use them; the new ones
    // come before the server that takes one.
    let order = r.addresses();
    let pos = |a: &str| order.iter().position(|x| x == a).unwrap();
    assert!(pos("allocation.node-1/10.0.0.5:25600") < pos("server.survival"));
    assert!(pos("server.survival") < pos("allocation.node-1/10.0.0.5:25569"));
    assert!(pos("server.survival") < pos("allocation.node-1/10.0.0.5:25570"));
}

#[test]
fn server_moves_to_another_node_is_replaced() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.append(
        "infra.kdl",
        r#"node "node-2" {
    location "fra"
    fqdn "node-2.example.com"
    scheme "https"
    memory "16GiB" overallocate=0
    disk "200GiB" overallocate=0
    upload-size 100
    daemon listen=8080 sftp=2022
    allocations "10.0.0.6" "25565-25566"
}
"#,
    )
    .edit(
        "servers.kdl",
        "    node \"node-1\"\n    egg \"Paper\" nest=\"Minecraft\"\n    limits memory=\"2GiB\"",
        "    node \"node-2\"\n    egg \"Paper\" nest=\"Minecraft\"\n    limits memory=\"2GiB\"",
    );
    let r = render_all(
        "move_to_another_node",
        &panel,
        f.path(),
        &[],
        &["server.lobby"],
    );
    let c = r.change("server.lobby");
    assert_eq!(c["action"], "replace");
    assert_eq!(c["impact"], "destroy");
    assert_eq!(attr(&c, "node")["impact"], "destroy");
    assert_eq!(attr(&c, "allocation")["new"], "10.0.0.6:25565");
    let id = panel.server_id("Lobby");
    assert_eq!(
        calls(&c),
        [format!("DELETE /servers/{id}"), "POST /servers".to_string()]
    );
    // The server waits for its new node and allocation.
    let deps = c["depends_on"].as_array().unwrap();
    assert!(deps.contains(&Value::from("node.node-2")), "{deps:?}");
    assert!(
        r.text.stdout.contains("# forces replacement"),
        "{}",
        r.text.stdout
    );
    assert_eq!(r.plan()["summary"]["replace"], 1);
}

/// When the egg changes, the variables of the old egg go away and those of the new one appear:
/// the plan should say so (`old` absent for a new variable, `new` absent for a dropped one).
#[test]
fn egg_change_lists_variables_that_come_and_go() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit(
        "servers.kdl",
        "    egg \"Paper\" nest=\"Minecraft\"\n    limits memory=\"2GiB\"",
        "    egg \"Vanilla Minecraft\" nest=\"Minecraft\"\n    limits memory=\"2GiB\"",
    )
    .edit(
        "servers.kdl",
        "    allocation 25565\n    env MINECRAFT_VERSION=\"1.21.4\"",
        "    allocation 25565\n    env VANILLA_VERSION=\"1.21.4\"",
    );
    let plan = panel.plan_as(f.path(), "json", &[]).json();
    let c = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "server.lobby")
        .unwrap()
        .clone();
    let new_var = attr(&c, "environment.VANILLA_VERSION");
    assert_eq!(new_var["old"], Value::Null, "Paper has no VANILLA_VERSION");
    let gone = attr(&c, "environment.MINECRAFT_VERSION");
    assert_eq!(gone["old"], "1.21.4");
    assert_eq!(gone["new"], Value::Null);
}
