//! `roost plan` against a simulated panel, as a user runs it: every scenario of the plan is
//! rendered in the three formats and snapshotted under `tests/fixtures/plan/snapshots/`, with
//! ids, uuids and the simulator's port redacted: the text and the Markdown whole (what a
//! reviewer reads), the JSON focused on the changes the scenario is about (with their
//! operations) and the summary, so that a snapshot stays small enough to review.
//!
//! A snapshot accepted without reading would let a wrong plan through, so every scenario also
//! asserts what the plan must contain (actions, attributes, impacts, causes, operations) on the
//! JSON form. The planner's rules themselves are tested without a panel, in
//! `crates/plan/tests/`.
//! Each scenario starts from the fixture fleet of its dialect (`tests/fixtures/plan/`), applied
//! to a fresh simulator, then changes a copy of the manifests or the panel itself.
//!
//! Regenerate the snapshots with `INSTA_UPDATE=always cargo test -p roost-e2e --test plan`
//! (or `cargo insta test`), then read every changed file.

mod common;

use common::cli::{Run, SECRET};
use common::fleet;
use common::manifests::Fleet;
use common::panel::Panel;
use common::redact::{plan_snapshot_settings, redact_json};
use roost_sim::{Dialect, ServerParams};
use serde_json::Value;
use std::path::Path;

/// The three renderings of one plan.
struct Rendered {
    text: Run,
    json: Run,
    markdown: Run,
}

impl Rendered {
    fn plan(&self) -> Value {
        self.json.json()
    }

    /// The change of `address`; panics with the plan when there is none.
    fn change(&self, address: &str) -> Value {
        let plan = self.plan();
        plan["changes"]
            .as_array()
            .expect("changes is an array")
            .iter()
            .find(|c| c["address"] == address)
            .cloned()
            .unwrap_or_else(|| panic!("no change of {address} in:\n{}", self.text.stdout))
    }

    fn addresses(&self) -> Vec<String> {
        self.plan()["changes"]
            .as_array()
            .expect("changes is an array")
            .iter()
            .map(|c| c["address"].as_str().expect("address").to_string())
            .collect()
    }
}

/// The JSON snapshot of a plan: its summary, notes and unmanaged resources, and the changes of
/// the `focus` addresses whole.
fn focused(plan: &Value, focus: &[&str]) -> Value {
    let changes: Vec<Value> = plan["changes"]
        .as_array()
        .expect("changes is an array")
        .iter()
        .filter(|c| focus.iter().any(|a| c["address"] == *a))
        .cloned()
        .collect();
    assert_eq!(
        changes.len(),
        focus.len(),
        "every focused change is in the plan"
    );
    serde_json::json!({
        "summary": plan["summary"],
        "notes": plan["notes"],
        "unmanaged": plan["unmanaged"],
        "changes": changes,
    })
}

/// Plan `dir` in every format and snapshot each as `NAME.{text,json,md}` (the JSON focused on
/// the changes of `focus`). Every run must exit 0.
fn render_all(name: &str, panel: &Panel, dir: &Path, extra: &[&str], focus: &[&str]) -> Rendered {
    let run = |format| {
        let run = panel.plan_as(dir, format, extra);
        assert_eq!(run.code, Some(0), "{name} ({format}):\n{}", run.show());
        run
    };
    let r = Rendered {
        text: run("text"),
        json: run("json"),
        markdown: run("markdown"),
    };
    let json = serde_json::to_string_pretty(&redact_json(&focused(&r.plan(), focus))).unwrap();
    plan_snapshot_settings().bind(|| {
        insta::assert_snapshot!(format!("{name}.text"), r.text.stdout);
        insta::assert_snapshot!(format!("{name}.json"), json);
        insta::assert_snapshot!(format!("{name}.md"), r.markdown.stdout);
    });
    // The three formats tell the same story.
    let summary = summary_line(&r.text.stdout);
    assert!(
        r.markdown.stdout.contains(&format!("**{summary}**")),
        "{name}: the Markdown summary differs from the text one ({summary})"
    );
    r
}

fn summary_line(text: &str) -> String {
    text.lines()
        .find(|l| l.starts_with("Plan: ") || l.starts_with("No changes."))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"))
        .to_string()
}

/// `text` with runs of spaces as one (the text renderer aligns the `=` of a block).
fn squash(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

fn attr<'a>(change: &'a Value, name: &str) -> &'a Value {
    change["attributes"]
        .as_array()
        .expect("attributes is an array")
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no attribute {name} in {change:#}"))
}

fn attr_names(change: &Value) -> Vec<&str> {
    change["attributes"]
        .as_array()
        .expect("attributes is an array")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect()
}

fn calls(change: &Value) -> Vec<String> {
    change["calls"]
        .as_array()
        .expect("calls is an array")
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["method"].as_str().unwrap(),
                c["path"].as_str().unwrap()
            )
        })
        .collect()
}

/// The operations of `change`, as `KIND OP` (`server build`).
fn ops(change: &Value) -> Vec<String> {
    change["ops"]
        .as_array()
        .expect("ops is an array")
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["kind"].as_str().unwrap(),
                o["op"].as_str().unwrap()
            )
        })
        .collect()
}

/// A panel of `dialect` holding the fixture fleet.
fn applied(dialect: Dialect) -> Panel {
    let panel = Panel::start(dialect);
    panel.apply_ok(&fleet(dialect));
    panel
}

/// Adds a server the manifests do not know (no external id) on `port` of node-1.
fn out_of_band_server(panel: &Panel, name: &str, port: u16, external_id: Option<&str>) -> u64 {
    panel.mutate(|st| {
        let node = st.nodes.values().find(|n| n.name == "node-1").unwrap().id;
        let alloc = st
            .allocations
            .values()
            .find(|a| a.node_id == node && a.port == port)
            .unwrap()
            .id;
        let egg = st.eggs.values().find(|e| e.name == "Paper").unwrap().id;
        let user = st.users.values().find(|u| u.username == "bob").unwrap().id;
        st.add_server(ServerParams {
            name: name.into(),
            user_id: user,
            egg_id: egg,
            allocation_id: Some(alloc),
            external_id: external_id.map(str::to_string),
            memory: 1024,
            disk: 5120,
            cpu: 100,
            ..ServerParams::default()
        })
    })
}

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

const PT: Dialect = Dialect::Pterodactyl;

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

const CREATIVE: &str = r#"server "creative" {
    name "Creative"
    owner "bob"
    node "node-1"
    egg "Paper" nest="Minecraft"
    limits memory="3GiB" disk="20GiB" cpu=150
    features databases=0 allocations=0 backups=2
    allocation 25568
    env MINECRAFT_VERSION="1.21.4"
}
"#;

#[test]
fn owned_server_deleted_with_pruning() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit("servers.kdl", CREATIVE, "");
    let r = render_all(
        "prune_owned_server",
        &panel,
        f.path(),
        &[],
        &["server.creative"],
    );
    assert_eq!(r.addresses(), ["server.creative"]);
    let c = r.change("server.creative");
    assert_eq!(c["action"], "delete");
    assert_eq!(c["impact"], "destroy");
    assert_eq!(c["id"], panel.server_id("Creative"));
    assert!(!c["warnings"].as_array().unwrap().is_empty());
    assert_eq!(r.plan()["summary"]["destroy"], 1);
    let md = &r.markdown.stdout;
    assert!(
        md.find("[!WARNING]").unwrap() < md.find("<details>").unwrap(),
        "{md}"
    );
}

#[test]
fn unowned_server_left_alone() {
    let panel = applied(PT);
    // A server someone made in the panel (no external id), and one from another tool.
    let legacy = out_of_band_server(&panel, "Legacy hub", 25569, None);
    let billing = out_of_band_server(&panel, "Customer 1042", 25570, Some("billing-1042"));
    // Pruning is on: still neither is touched.
    let r = render_all("unowned_server", &panel, &fleet(PT), &[], &[]);
    assert_eq!(r.plan()["changes"], Value::Array(vec![]));
    let servers = r.plan()["unmanaged"]["servers"].clone();
    let ids: Vec<u64> = servers
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [legacy, billing]);
    assert!(
        servers
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["owned"] == false)
    );
    assert!(r.text.stdout.contains("No changes."), "{}", r.text.stdout);
    // The reviewer sees which servers are left alone, by name.
    for out in [&r.text.stdout, &r.markdown.stdout] {
        assert!(
            out.contains("Legacy hub") && out.contains("Customer 1042"),
            "{out}"
        );
    }
}

#[test]
fn owned_server_kept_without_pruning() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit("servers.kdl", CREATIVE, "").edit(
        "panel.kdl",
        r#"prune "servers" "allocations""#,
        r#"prune "allocations""#,
    );
    let r = render_all("owned_server_without_pruning", &panel, f.path(), &[], &[]);
    assert_eq!(r.plan()["changes"], Value::Array(vec![]));
    let servers = &r.plan()["unmanaged"]["servers"];
    assert_eq!(servers[0]["name"], "Creative");
    assert_eq!(servers[0]["owned"], true);
    assert!(
        r.text.stdout.contains("prune \"servers\""),
        "the text says how to delete it:\n{}",
        r.text.stdout
    );
}

#[test]
fn adoption_of_a_server_created_out_of_band() {
    let panel = applied(PT);
    let id = out_of_band_server(&panel, "Legacy hub", 25569, None);
    let f = Fleet::copy(&fleet(PT));
    f.append(
        "servers.kdl",
        &format!(
            r#"server "legacy" {{
    adopt id={id}
    name "Legacy hub"
    owner "bob"
    node "node-1"
    egg "Paper" nest="Minecraft"
    limits memory="1GiB" disk="5GiB" cpu=100 io=500
    features databases=0 allocations=0 backups=0
    allocation 25569
}}
"#
        ),
    );
    let r = render_all("adoption", &panel, f.path(), &[], &["server.legacy"]);
    assert_eq!(r.addresses(), ["server.legacy"]);
    let c = r.change("server.legacy");
    assert_eq!(c["action"], "adopt");
    assert_eq!(c["id"], id);
    let ext = attr(&c, "external_id");
    assert_eq!(ext["old"], Value::Null);
    assert_eq!(ext["new"], "roost:legacy");
    assert_eq!(r.plan()["summary"]["adopt"], 1);
    assert!(
        r.plan()["unmanaged"]["servers"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn adoption_candidate_is_noted() {
    let panel = applied(PT);
    let id = out_of_band_server(&panel, "Legacy hub", 25569, None);
    let f = Fleet::copy(&fleet(PT));
    f.append(
        "servers.kdl",
        r#"server "legacy" {
    name "Legacy hub"
    owner "bob"
    node "node-1"
    egg "Paper" nest="Minecraft"
    limits memory="1GiB" disk="5GiB" cpu=100
    allocation 25570
}
"#,
    );
    let r = render_all(
        "adoption_candidate",
        &panel,
        f.path(),
        &[],
        &["server.legacy"],
    );
    assert_eq!(r.change("server.legacy")["action"], "create");
    let notes = r.plan()["notes"].clone();
    assert!(
        notes[0]
            .as_str()
            .unwrap()
            .contains(&format!("adopt id={id}")),
        "{notes}"
    );
}

#[test]
fn ambiguous_identity_is_an_error_listing_both() {
    let panel = applied(PT);
    let first = panel.server_id("Lobby");
    let second = out_of_band_server(&panel, "Lobby (restored copy)", 25569, Some("roost:lobby"));
    let dir = fleet(PT);
    for format in ["text", "json", "markdown"] {
        // Wide enough that the report does not wrap a uuid (the snapshot redacts them).
        let run = panel.roost_env(
            &["plan", dir.to_str().unwrap(), "--format", format],
            &[("COLUMNS", "400")],
        );
        assert_eq!(run.code, Some(1), "{format}: {}", run.show());
        assert!(
            run.stdout.is_empty(),
            "{format}: no plan is printed: {}",
            run.stdout
        );
        assert!(
            run.stderr.contains("roost::ambiguous-identity"),
            "{}",
            run.stderr
        );
        for id in [first, second] {
            assert!(run.stderr.contains(&format!("id {id} ")), "{}", run.stderr);
        }
        assert!(run.stderr.contains("adopt id=N"), "{}", run.stderr);
        if format == "text" {
            plan_snapshot_settings()
                .bind(|| insta::assert_snapshot!("ambiguous_identity.stderr", run.stderr));
        }
    }
}

#[test]
fn drift_against_a_base() {
    let panel = applied(PT);
    // Someone raised the lobby's memory in the panel (drift) ...
    panel.mutate(|st| {
        let s = st.servers.values_mut().find(|s| s.name == "Lobby").unwrap();
        s.memory = 4096;
    });
    // ... and a pull request gives survival more CPU (intended).
    let f = Fleet::copy(&fleet(PT));
    f.edit(
        "servers.kdl",
        r#"limits memory="4GiB" disk="20GiB" cpu=200"#,
        r#"limits memory="4GiB" disk="20GiB" cpu=250"#,
    );
    let base = fleet(PT);
    let base = base.to_str().unwrap();
    let r = render_all(
        "drift_against_base",
        &panel,
        f.path(),
        &["--base", base],
        &["server.lobby", "server.survival"],
    );
    let plan = r.plan();
    assert_eq!(plan["has_base"], true);
    let lobby = r.change("server.lobby");
    assert_eq!(lobby["cause"], "drift");
    assert_eq!(attr(&lobby, "limits.memory")["old"], 4096);
    assert_eq!(attr(&lobby, "limits.memory")["new"], 2048);
    assert_eq!(attr(&lobby, "limits.memory")["cause"], "drift");
    let survival = r.change("server.survival");
    assert_eq!(survival["cause"], "intended");
    assert_eq!(attr(&survival, "limits.cpu")["cause"], "intended");
    assert_eq!(plan["summary"]["intended"], 1);
    assert_eq!(plan["summary"]["drift"], 1);
    assert!(r.text.stdout.contains("[drift]"), "{}", r.text.stdout);
    let detailed = panel.plan(f.path(), &["--base", base, "--detailed-exitcode"]);
    assert_eq!(detailed.code, Some(4), "{}", detailed.show());
}

#[test]
fn user_password_is_never_printed() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    // A new user with a password, and a rotation of alice's.
    f.edit(
        "users.kdl",
        r#"password env="ALICE_PASSWORD""#,
        r#"password env="ALICE_PASSWORD" rotate=#true"#,
    )
    .append(
        "users.kdl",
        r#"user "carol" {
    email "carol@example.com"
    first-name "Carol"
    last-name "Ops"
    password env="ALICE_PASSWORD"
}
"#,
    );
    // `Panel::roost` fails the test if any output holds the password's value.
    let r = render_all(
        "user_password",
        &panel,
        f.path(),
        &[],
        &["user.alice", "user.carol"],
    );
    let carol = r.change("user.carol");
    assert_eq!(carol["action"], "create");
    let pw = attr(&carol, "password");
    assert_eq!(pw["sensitive"], true);
    assert!(pw["old"].is_null() && pw["new"].is_null());
    let alice = r.change("user.alice");
    assert_eq!(alice["action"], "update");
    assert_eq!(attr_names(&alice), ["password"]);
    assert_eq!(attr(&alice, "password")["sensitive"], true);
    let text = &r.text.stdout;
    assert!(text.contains("~ password = (sensitive)"), "{text}");
    assert!(squash(text).contains("+ password = (sensitive)"), "{text}");
    for out in [&r.text.stdout, &r.json.stdout, &r.markdown.stdout] {
        assert!(!out.contains(SECRET));
    }
}

// ---------------------------------------------------------------------------------------------
// Exit codes, --target, -o

#[test]
fn detailed_exitcodes() {
    let panel = applied(PT);
    let base = fleet(PT);
    let base = base.to_str().unwrap();
    let code = |dir: &Path, extra: &[&str]| {
        let mut args = vec!["--detailed-exitcode"];
        args.extend_from_slice(extra);
        let run = panel.plan(dir, &args);
        assert!(run.code != Some(1), "{}", run.show());
        run.code
    };
    // 0: nothing to do.
    assert_eq!(code(&fleet(PT), &[]), Some(0));
    assert_eq!(code(&fleet(PT), &["--base", base]), Some(0));
    // 2: the manifests changed (with or without a base).
    let f = Fleet::copy(&fleet(PT));
    f.edit("servers.kdl", "cpu=100", "cpu=150");
    assert_eq!(code(f.path(), &[]), Some(2));
    assert_eq!(code(f.path(), &["--base", base]), Some(2));
    // Without --detailed-exitcode a plan with changes is a success.
    assert_eq!(panel.plan(f.path(), &[]).code, Some(0));
    // 3: only the panel changed.
    panel.mutate(|st| {
        let s = st
            .servers
            .values_mut()
            .find(|s| s.name == "Creative")
            .unwrap();
        s.disk = 1;
    });
    assert_eq!(code(&fleet(PT), &["--base", base]), Some(3));
    // Without a base roost cannot tell drift from intent: it is a change.
    assert_eq!(code(&fleet(PT), &[]), Some(2));
    // 4: both.
    assert_eq!(code(f.path(), &["--base", base]), Some(4));
}

#[test]
fn target_limits_the_plan_to_a_resource_and_its_dependencies() {
    let panel = Panel::start(PT);
    let r = render_all(
        "target_one_server",
        &panel,
        &fleet(PT),
        &["--target", "server.lobby"],
        &[],
    );
    let mut got = r.addresses();
    got.sort();
    assert_eq!(
        got,
        [
            "allocation.node-1/10.0.0.5:25565",
            "location.fra",
            "node.node-1",
            "server.lobby",
            "user.alice",
        ]
    );
    // Two targets: the union.
    let run = panel.plan_as(
        &fleet(PT),
        "json",
        &["--target", "server.lobby", "--target", "user.bob"],
    );
    let plan = run.json();
    assert_eq!(
        plan["changes"].as_array().unwrap().len(),
        6,
        "{}",
        run.stdout
    );
    // An address the manifests do not declare is an error.
    let run = panel.plan(&fleet(PT), &["--target", "server.nope"]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(run.stderr.contains("roost::bad-target"), "{}", run.stderr);
}

#[test]
fn out_file_holds_the_json_plan_with_fingerprints() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit("servers.kdl", "cpu=100", "cpu=150");
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("plan.json");
    let run = panel.plan(f.path(), &["-o", file.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    // The terminal still gets the text plan; the file gets JSON.
    assert!(run.stdout.contains("roost will perform"), "{}", run.stdout);
    assert!(run.stderr.contains("Saved the plan to"), "{}", run.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    let plan: roost_plan::Plan = serde_json::from_str(&text).expect("the file is a Plan");
    assert_eq!(plan.format_version, roost_plan::PLAN_FORMAT_VERSION);
    assert_eq!(plan.changes.len(), 1);
    // Every live object the plan was made from: 1 location, 1 node, 6 allocations, 3 users
    // (with the admin), 3 servers.
    assert!(!plan.fingerprints.is_empty());
    for kind in ["location", "node", "allocation", "user", "server"] {
        assert!(
            plan.fingerprints.keys().any(|k| k.starts_with(kind)),
            "no {kind} fingerprint in {:?}",
            plan.fingerprints.keys()
        );
    }
    // The same document `--format json` prints.
    let json = panel.plan_as(f.path(), "json", &[]).json();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json);
}

// ---------------------------------------------------------------------------------------------
// The Markdown size budget

/// A fleet of `servers` Minecraft servers on one node (Pterodactyl).
fn big_fleet(servers: usize) -> Fleet {
    let f = Fleet::copy(&fleet(PT));
    let mut text = String::new();
    for i in 0..servers {
        text.push_str(&format!(
            "server \"mc-{i:03}\" {{\n    name \"Minecraft {i:03}\"\n    owner \"bob\"\n    node \"node-1\"\n    egg \"Paper\" nest=\"Minecraft\"\n    limits memory=\"1GiB\" disk=\"5GiB\" cpu=50\n    features databases=0 allocations=0 backups=0\n    allocation {}\n    env MINECRAFT_VERSION=\"1.21.{}\"\n}}\n\n",
            20000 + i,
            i % 5
        ));
    }
    std::fs::write(f.path().join("servers.kdl"), text).unwrap();
    f.edit(
        "infra.kdl",
        r#"memory "16GiB" overallocate=0
    disk "200GiB" overallocate=0"#,
        r#"memory "16GiB" overallocate=-1
    disk "200GiB" overallocate=-1"#,
    )
    .edit(
        "infra.kdl",
        r#""25565-25570""#,
        &format!(r#""20000-{}""#, 20000 + servers - 1),
    );
    f
}

/// The Markdown of a plan too big for a GitHub comment: the head (summary, table, risky
/// changes) and the tail (unmanaged) are kept, the middle is shortened.
fn assert_fits(md: &str, first: &str, last: &str, shortened: bool) {
    let budget = roost_plan::render::MARKDOWN_BUDGET;
    assert!(
        md.chars().count() <= budget && md.len() <= budget,
        "{} bytes",
        md.len()
    );
    assert!(
        md.starts_with("## roost plan\n\n**Plan: "),
        "{}",
        &md[..200]
    );
    assert!(
        md.contains("| create | update |"),
        "the summary table is kept"
    );
    assert_eq!(
        md.contains("more change(s) not shown"),
        shortened,
        "says whether it was shortened"
    );
    assert!(md.contains(first), "keeps the first changes ({first})");
    assert!(md.contains(last), "keeps the last changes ({last})");
    assert!(md.trim_end().ends_with("- user admin"), "keeps the tail");
    // Every section that is shown is whole.
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn markdown_fits_a_github_comment() {
    const N: usize = 300;
    let f = big_fleet(N);
    let panel = Panel::start(PT);
    let md = panel.plan_as(f.path(), "markdown", &[]);
    assert_eq!(md.code, Some(0), "{}", md.show());
    let full = panel.plan_as(f.path(), "text", &[]).stdout;
    assert!(full.contains("server.mc-299"), "the text plan is whole");
    assert_fits(&md.stdout, "location.fra", "server.mc-299", true);
    assert!(md.stdout.contains(&format!(
        "**Plan: {} to create, 0 to update, 0 to delete; 1 unmanaged.**",
        1 + 1 + N + 2 + N
    )));

    // Deleting every server: as many risky changes as servers. The call-outs at the top are
    // capped so that the head cannot blow the budget by itself.
    panel.apply_ok(f.path());
    let empty = Fleet::copy(f.path());
    std::fs::write(empty.path().join("servers.kdl"), "").unwrap();
    let run = panel.roost(&[
        "plan",
        empty.path().to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    let md = &run.stdout;
    assert_fits(md, "server.mc-000", "server.mc-299", false);
    let head = &md[..md.find("<details>").unwrap()];
    assert!(head.contains("[!WARNING]"), "{head}");
    assert!(
        head.contains("- and 275 more risky changes: see the sections below"),
        "{head}"
    );
    assert!(head.len() < 8_000, "{} bytes of head", head.len());
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
