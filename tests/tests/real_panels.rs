//! What real panels do that a clean simulator does not, and what `roost apply` makes of it:
//! database locks under concurrent writes (Pelican on SQLite, Pterodactyl on MariaDB), older
//! Pelican releases (beta17: node tags dropped, no `daemon_connect`, 500 after saving a node),
//! and failed updates that must not hold back what only needs the resource to exist.

mod common;

use common::{cli::*, manifests::*, panel::*, sim_state::*, *};
use roost_sim::{DbLock, Dialect, FaultAction, FaultRule, Faults, SimConfig};
use std::time::Instant;

fn panel_with(dialect: Dialect, faults: Faults) -> Panel {
    let mut config = SimConfig::new(dialect);
    config.rate_limit = None;
    config.faults = faults;
    Panel::with(config)
}

/// A fleet of `servers` servers on one node, owned round-robin by `users` new users.
fn fleet_text(dialect: Dialect, servers: usize, users: usize) -> String {
    let pt = dialect == Dialect::Pterodactyl;
    let mut t = format!(
        "panel {{\n    dialect \"{}\"\n    namespace \"roost:\"\n}}\n\n",
        dialect_name(dialect)
    );
    if pt {
        t.push_str("location \"fra\" {\n    description \"Frankfurt\"\n}\n\n");
    }
    t.push_str(&format!(
        "node \"n1\" {{\n    {}\n    fqdn \"n1.nodes.example.com\"\n    memory \"64GiB\" overallocate=-1\n    disk \"2TiB\" overallocate=-1\n    allocations \"10.0.0.1\" \"20000-{}\"\n}}\n\n",
        if pt { "location \"fra\"" } else { "tags \"eu\"" },
        20000 + servers
    ));
    for u in 0..users {
        t.push_str(&format!(
            "user \"u{u:03}\" {{\n    email \"u{u:03}@example.com\"\n{}}}\n\n",
            if pt {
                "    first-name \"U\"\n    last-name \"Ser\"\n"
            } else {
                ""
            }
        ));
    }
    t.push_str(&format!(
        "template \"paper\" {{\n    egg \"Paper\"{}\n    limits memory=\"1GiB\" disk=\"5GiB\" cpu=50\n    env MINECRAFT_VERSION=\"1.21.4\"\n}}\n\n",
        if pt { " nest=\"Minecraft\"" } else { "" }
    ));
    for i in 0..servers {
        t.push_str(&format!(
            "server \"s{i:03}\" from=\"paper\" {{\n    name \"S{i:03}\"\n    owner \"u{:03}\"\n    node \"n1\"\n    allocation {}\n}}\n\n",
            i % users,
            20000 + i
        ));
    }
    t
}

fn write_fleet(dialect: Dialect, servers: usize, users: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("fleet.kdl"),
        fleet_text(dialect, servers, users),
    )
    .expect("write the fleet");
    dir
}

/// Writes overlapping in the panel's database fail with its lock 500, as on a real panel
/// under roost's default parallelism of 4.
fn db_lock() -> Faults {
    Faults {
        db_lock: DbLock {
            concurrent: true,
            hold_ms: 5,
            ..DbLock::default()
        },
        ..Faults::default()
    }
}

/// `apply` at the default parallelism (4) under the database lock: complete in one run, the
/// concurrency lowered and said so, nothing created twice, and the panel as declared.
fn completes_in_one_run_under_db_locks(dialect: Dialect) {
    let (servers, users) = (40, 12);
    let dir = write_fleet(dialect, servers, users);
    let panel = panel_with(dialect, db_lock());
    let started = Instant::now();
    let run = panel.apply(dir.path(), &["--auto-approve"]);
    let took = started.elapsed();
    let ctx = format!("{dialect}, database lock");
    assert_eq!(
        run.code,
        Some(0),
        "{ctx}: one run completes:\n{}",
        run.show()
    );
    assert!(
        run.stderr.contains("Apply complete"),
        "{ctx}:\n{}",
        run.show()
    );
    assert!(
        run.stderr.contains("lowering parallelism from 4 to 2") && run.stderr.contains("database"),
        "{ctx}: the halving is said:\n{}",
        run.show()
    );
    let locked = panel.log().iter().filter(|r| r.status == 500).count();
    assert!(locked > 0, "{ctx}: the fault fired");
    let st = panel.state();
    assert_no_duplicates(&st, &ctx);
    assert_eq!(managed_servers(&st).len(), servers, "{ctx}");
    // Updates of every server's build (`PATCH /servers/{id}/build`) under the same lock.
    let text = fleet_text(dialect, servers, users).replace(
        "limits memory=\"1GiB\" disk=\"5GiB\" cpu=50",
        "limits memory=\"2GiB\" disk=\"5GiB\" cpu=50",
    );
    std::fs::write(dir.path().join("fleet.kdl"), text).expect("write the fleet");
    panel.sim.clear_request_log();
    let run = panel.apply(dir.path(), &["--auto-approve"]);
    assert_eq!(run.code, Some(0), "{ctx}, updates:\n{}", run.show());
    let locked_updates = panel.log().iter().filter(|r| r.status == 500).count();
    panel.sim.set_faults(Faults::default());
    panel.assert_converged(dir.path(), &ctx);
    eprintln!(
        "{ctx}: {servers} servers, {users} users, {locked} lock answers, {took:.1?}; \
         then {servers} updates, {locked_updates} lock answers"
    );
}

#[test]
fn pterodactyl_completes_in_one_run_under_db_locks() {
    completes_in_one_run_under_db_locks(Dialect::Pterodactyl);
}

#[test]
fn pelican_completes_in_one_run_under_db_locks() {
    completes_in_one_run_under_db_locks(Dialect::Pelican);
}

/// The engine's creates under the lock: a create answered with the lock 500 is re-read,
/// found absent, and sent again after a backoff; it is never created twice.
#[test]
fn locked_creates_are_reread_then_resent() {
    for dialect in DIALECTS {
        let dir = write_fleet(dialect, 3, 3);
        let faults = Faults {
            rules: vec![
                FaultRule {
                    method: Some("POST".into()),
                    path: "/users".into(),
                    nth: 1,
                    times: 3,
                    action: FaultAction::DbLock,
                },
                FaultRule {
                    method: Some("POST".into()),
                    path: "/servers".into(),
                    nth: 2,
                    times: 2,
                    action: FaultAction::DbLock,
                },
            ],
            ..Faults::default()
        };
        let panel = panel_with(dialect, faults);
        let run = panel.apply(dir.path(), &["--auto-approve", "--parallelism", "1"]);
        let ctx = format!("{dialect}, locked creates");
        assert_eq!(run.code, Some(0), "{ctx}:\n{}", run.show());
        let st = panel.state();
        assert_no_duplicates(&st, &ctx);
        assert_eq!(managed_servers(&st).len(), 3, "{ctx}");
        let user_posts = panel
            .log()
            .iter()
            .filter(|r| r.method == "POST" && request_path(r) == "/api/application/users")
            .count();
        assert_eq!(user_posts, 6, "{ctx}: 3 users, 3 locked attempts resent");
    }
}

// ---------------------------------------------------------------------------------------------
// Older Pelican releases (beta17)

/// A Pelican beta17 panel: one node at `127.0.0.1` (older releases accept it), without tags,
/// reporting no `daemon_connect`.
fn beta17_panel() -> Panel {
    let panel = panel_with(Dialect::Pelican, Faults::pelican_beta17());
    panel.mutate(|st| {
        st.add_node(roost_sim::NodeParams {
            name: "n1".into(),
            fqdn: "127.0.0.1".into(),
            scheme: "http".into(),
            ..roost_sim::NodeParams::default()
        })
    });
    panel
}

const BETA17_FLEET: &str = r#"panel {
    dialect "pelican"
    namespace "roost:"
}

node "n1" {
    tags "eu"
    fqdn "127.0.0.1"
    scheme "http"
    memory "48GiB" overallocate=0
    disk "1000000MiB" overallocate=0
    daemon listen=8080 sftp=2022 connect=9090
    allocations "10.0.0.1" "25565-25566"
}

user "ana" {
    email "ana@example.com"
}

server "alpha" {
    name "Alpha"
    owner "ana"
    node "n1"
    egg "Paper"
    limits memory="1GiB" disk="5GiB" cpu=50
    env MINECRAFT_VERSION="1.21.4"
    allocation 25565
}
"#;

/// roost reads, imports and plans what a beta17 panel holds, whatever newer releases refuse.
#[test]
fn a_beta17_panel_with_a_node_at_localhost_is_imported_and_planned() {
    let panel = beta17_panel();
    let out = tempfile::tempdir().expect("temp dir");
    let run = panel.roost(&["import", "--out", p(out.path())]);
    assert_eq!(run.code, Some(0), "import:\n{}", run.show());
    assert!(
        run.stderr.contains("refuse `127.0.0.1` as a node's fqdn"),
        "the release-dependent rule is a warning:\n{}",
        run.show()
    );
    let imported = read_tree(out.path()).into_values().collect::<String>();
    assert!(imported.contains("fqdn \"127.0.0.1\""), "{imported}");
    // Adoptions only (the admin user): nothing refused, nothing to change.
    let run = panel.plan(out.path(), &["--detailed-exitcode"]);
    assert_eq!(run.code, Some(2), "plan of the import:\n{}", run.show());
    assert!(
        run.stdout
            .contains("Plan: 0 to create, 0 to update, 0 to delete"),
        "{}",
        run.show()
    );
    let run = offline(&["validate", p(out.path())]);
    assert_eq!(run.code, Some(0), "validate:\n{}", run.show());
    assert!(
        run.stderr.contains("Warning") || run.stderr.contains("⚠"),
        "{}",
        run.show()
    );
}

/// A panel known to enforce the rule (its nodes report `daemon_connect`: 1.0.0-beta22 or
/// later) refuses a new node at `127.0.0.1`: the plan says so before anything is sent.
#[test]
fn a_panel_known_to_refuse_a_local_fqdn_refuses_the_plan() {
    let panel = panel_with(Dialect::Pelican, Faults::default());
    panel.mutate(|st| {
        st.add_node(roost_sim::NodeParams {
            name: "n0".into(),
            ..roost_sim::NodeParams::default()
        })
    });
    let dir = tempfile::tempdir().expect("temp dir");
    // Every `node "n1"` (the block and the server's placement) becomes a new node n9.
    let fleet = BETA17_FLEET.replace("node \"n1\"", "node \"n9\"");
    std::fs::write(dir.path().join("fleet.kdl"), fleet).unwrap();
    let run = panel.plan(dir.path(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        run.stderr.contains("refuses `127.0.0.1` as a node's fqdn"),
        "{}",
        run.show()
    );
    assert!(
        panel.log().iter().all(|r| r.method == "GET"),
        "nothing sent"
    );
}

/// beta17 drops node tags, reports no `daemon_connect` and answers 500 after saving a node:
/// the apply completes, says once that the tags were not kept and that the 500 came after the
/// change was made; `daemon_connect` is not planned at all.
#[test]
fn beta17_fields_that_do_not_stick_are_reported_once_not_failed() {
    let panel = beta17_panel();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("fleet.kdl"), BETA17_FLEET).unwrap();
    let plan = panel.plan(dir.path(), &[]);
    assert!(
        plan.stdout.contains("tags") && !plan.stdout.contains("daemon_connect ="),
        "daemon_connect is not planned on a panel that does not report it:\n{}",
        plan.show()
    );
    assert!(
        plan.stdout.contains("does not report `daemon_connect`"),
        "and the plan says why:\n{}",
        plan.show()
    );
    let run = panel.apply(dir.path(), &["--auto-approve"]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(
        run.stderr.contains("a re-read shows the change in place"),
        "the 500 after saving is recovered:\n{}",
        run.show()
    );
    assert_eq!(
        run.stderr.matches("did not keep node `tags`").count(),
        1,
        "said once:\n{}",
        run.show()
    );
    assert!(
        run.stderr.contains("Pelican older than 1.0.0-beta22")
            && run.stderr.contains("ignore \"node.*.tags\""),
        "names the release and the way out:\n{}",
        run.show()
    );
    let st = panel.state();
    let node = st.nodes.values().find(|n| n.name == "n1").unwrap();
    assert_eq!(node.memory, 48 * 1024, "the update was made");
    assert!(node.tags.is_empty(), "and the tags dropped");
    assert_eq!(managed_servers(&st).len(), 1);
    // With the tags ignored the panel matches the manifests.
    let text = BETA17_FLEET.replace(
        "namespace \"roost:\"",
        "namespace \"roost:\"\n    ignore \"node.*.tags\"",
    );
    std::fs::write(dir.path().join("fleet.kdl"), text).unwrap();
    panel.assert_converged(dir.path(), "beta17 with tags ignored");
}

/// A 500 after the panel saved a server's build (Pterodactyl's generic error, not retried): a
/// re-read finds the change in place and the apply completes.
#[test]
fn a_5xx_after_an_update_was_saved_counts_as_applied() {
    for dialect in DIALECTS {
        let fleet = Fleet::copy(&small(dialect));
        let panel = panel_with(dialect, Faults::default());
        panel.apply_ok(fleet.path());
        fleet.edit(
            "fleet.kdl",
            "limits memory=\"1GiB\"",
            "limits memory=\"3GiB\"",
        );
        panel.sim.set_faults(Faults {
            rules: vec![FaultRule {
                method: Some("PATCH".into()),
                path: "/servers/".into(),
                nth: 1,
                times: 5,
                action: FaultAction::Status {
                    status: 500,
                    after_commit: true,
                },
            }],
            ..Faults::default()
        });
        let run = panel.apply(fleet.path(), &["--auto-approve"]);
        assert_eq!(run.code, Some(0), "{dialect}:\n{}", run.show());
        assert!(
            run.stderr.contains("a re-read shows the change in place"),
            "{dialect}:\n{}",
            run.show()
        );
        panel.sim.set_faults(Faults::default());
        panel.assert_converged(fleet.path(), &format!("{dialect}, 500 after saving"));
    }
}

// ---------------------------------------------------------------------------------------------
// Failed updates and what depends on them

/// A failed node or user update leaves the node or user in place: new servers on it, or owned
/// by them, are still created. A failed node create still skips what needs the node.
#[test]
fn failed_updates_do_not_skip_what_only_needs_the_resource() {
    for dialect in DIALECTS {
        let fleet = Fleet::copy(&small(dialect));
        let panel = panel_with(dialect, Faults::default());
        panel.apply_ok(fleet.path());
        let (n3_place, echo_extra) = match dialect {
            Dialect::Pterodactyl => ("location \"fra\"", "nest=\"Minecraft\" "),
            Dialect::Pelican => ("tags \"eu\"", ""),
        };
        fleet
            .edit("fleet.kdl", "memory \"32GiB\"", "memory \"48GiB\"")
            .edit(
                "fleet.kdl",
                "email \"ana@example.com\"",
                "email \"ana@new.example.com\"",
            )
            .append(
                "fleet.kdl",
                &format!(
                    r#"node "n3" {{
    {n3_place}
    fqdn "n3.nodes.example.com"
    memory "16GiB" overallocate=0
    disk "200GiB" overallocate=0
    allocations "10.0.0.3" "25565-25566"
}}

server "echo" from="paper" {{
    name "Echo"
    owner "ben"
    node "n1"
    allocation 25568
}}

server "foxtrot" from="paper" {{
    name "Foxtrot"
    owner "ana"
    node "n2"
    allocation 25567
}}

server "golf" {{
    name "Golf"
    owner "cai"
    node "n3"
    egg "Paper" {echo_extra}
    limits memory="1GiB" disk="5GiB" cpu=50
    env MINECRAFT_VERSION="1.21.4"
    allocation 25565
}}
"#
                ),
            );
        let refuse = |method: &str, path: &str, status: u16| FaultRule {
            method: Some(method.into()),
            path: path.into(),
            nth: 1,
            times: 20,
            action: FaultAction::Status {
                status,
                after_commit: false,
            },
        };
        panel.sim.set_faults(Faults {
            rules: vec![
                refuse("PATCH", "/nodes/", 400),
                refuse("PATCH", "/users/", 500),
                FaultRule {
                    nth: 1,
                    times: 1,
                    ..refuse("POST", "/nodes", 400)
                },
            ],
            ..Faults::default()
        });
        let run = panel.apply(fleet.path(), &["--auto-approve"]);
        let ctx = format!("{dialect}, failed updates");
        assert_eq!(run.code, Some(1), "{ctx}:\n{}", run.show());
        assert!(
            run.stderr.contains("node.n1: updated FAILED")
                && run.stderr.contains("user.ana: updated FAILED")
                && run.stderr.contains("node.n3: created FAILED"),
            "{ctx}:\n{}",
            run.show()
        );
        let st = panel.state();
        let servers = managed_servers(&st);
        let has = |name: &str| servers.keys().any(|k| k.ends_with(&format!(":{name}")));
        assert!(
            has("echo") && has("foxtrot"),
            "{ctx}: servers on the node and of the user whose updates failed are created: {:?}\n{}",
            servers.keys().collect::<Vec<_>>(),
            run.show()
        );
        assert!(!has("golf"), "{ctx}");
        assert!(
            run.stderr
                .contains("server.golf: skipped, because node.n3 failed")
                && !run.stderr.contains("because node.n1 failed")
                && !run.stderr.contains("because user.ana failed"),
            "{ctx}:\n{}",
            run.show()
        );
        assert_no_duplicates(&st, &ctx);
    }
}

// ---------------------------------------------------------------------------------------------
// Dialect detection

/// `--panel` pasted with the API path works as the panel root; with a path the panel does not
/// serve it is refused naming the path, never read as the other dialect.
#[test]
fn a_panel_url_with_a_path_is_the_root_or_refused() {
    for dialect in DIALECTS {
        let panel = panel_with(dialect, Faults::default());
        let dir = small(dialect);
        let api = format!("{}/api/application", panel.sim.url());
        let run = Run::from(
            panel
                .command(&["plan", p(&dir), "--panel", &api, "--rate-limit", "0"])
                .output()
                .expect("run roost-test"),
        );
        assert_eq!(run.code, Some(0), "{dialect}: {}", run.show());
        assert!(run.stdout.contains("to create"), "{}", run.show());
        let admin = format!("{}/admin", panel.sim.url());
        let run = Run::from(
            panel
                .command(&["plan", p(&dir), "--panel", &admin, "--rate-limit", "0"])
                .output()
                .expect("run roost-test"),
        );
        assert_eq!(run.code, Some(1), "{dialect}: {}", run.show());
        assert!(
            run.stderr.contains("below `/admin`") && !run.stderr.contains("speaks"),
            "{dialect}: {}",
            run.show()
        );
    }
}
