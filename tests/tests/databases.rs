//! Server databases end to end, in both dialects: declared databases are created and then left
//! alone; those roost did not declare are deleted only under a server carrying roost's marker,
//! with `prune "databases"` and `--allow-destroy`; a database whose host or remote changes is
//! replaced only when destruction is allowed; the databases of servers roost does not manage are
//! never touched; a server's `features databases=` limit is checked before any write; and the
//! password the panel makes is never shown.

mod common;

use common::cli::Run;
use common::manifests::Fleet;
use common::panel::Panel;
use common::sim_state::{server_by_name, write_lines};
use common::{fleet, p};
use roost_sim::{Dialect, ServerParams, SimState};

const PT: Dialect = Dialect::Pterodactyl;
const PL: Dialect = Dialect::Pelican;

/// How a manifest names the simulator's stock database host: by id on Pterodactyl (whose
/// Application API lists no hosts), by name on Pelican.
fn host(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Pterodactyl => "host id=1",
        Dialect::Pelican => "host \"mysql-1\"",
    }
}

/// The fixture fleet with database `main` (and `extra` lines inside its block) on the lobby,
/// which may hold two.
fn with_database(dialect: Dialect, extra: &str) -> Fleet {
    let f = Fleet::copy(&fleet(dialect));
    f.edit(
        "servers.kdl",
        "features databases=0 allocations=0 backups=1",
        "features databases=2 allocations=0 backups=1",
    )
    .edit(
        "servers.kdl",
        "    allocation 25565\n",
        &format!(
            "    allocation 25565\n    database \"main\" {{\n        {}\n{extra}    }}\n",
            host(dialect)
        ),
    );
    f
}

/// Every database password the panel holds: none may appear in roost's output.
fn passwords(st: &SimState) -> Vec<String> {
    st.databases.values().map(|d| d.password.clone()).collect()
}

fn assert_no_password(st: &SimState, what: &str, run: &Run) {
    for pw in passwords(st) {
        assert!(
            !run.stdout.contains(&pw) && !run.stderr.contains(&pw),
            "{what} shows a database password:\n{}",
            run.show()
        );
    }
}

/// The lobby's databases on the panel, as (full name, remote).
fn lobby_databases(st: &SimState) -> Vec<(String, String)> {
    let lobby = server_by_name(st, "Lobby").id;
    st.databases
        .values()
        .filter(|d| d.server_id == lobby)
        .map(|d| (d.database.clone(), d.remote.clone()))
        .collect()
}

fn created_then_converged(dialect: Dialect) {
    let panel = Panel::start(dialect);
    let f = with_database(dialect, "");
    let plan = panel.plan(f.path(), &[]).expect(0, "plan");
    assert!(
        plan.stdout
            .contains("server.lobby/database.main will be created"),
        "{}",
        plan.stdout
    );
    let apply = panel.apply_ok(f.path());
    let st = panel.state();
    let lobby = server_by_name(&st, "Lobby").id;
    assert_eq!(
        lobby_databases(&st),
        [(format!("s{lobby}_main"), "%".to_string())]
    );
    assert_no_password(&st, "apply", &apply);
    // Applied, the plan is empty: the database is found by its panel name.
    panel.assert_converged(f.path(), "after creating the database");
    for format in ["text", "json", "markdown"] {
        let run = panel.plan_as(f.path(), format, &[]).expect(0, format);
        assert_no_password(&st, format, &run);
    }
    let drift = panel.roost(&["drift", p(f.path())]);
    assert_no_password(&st, "drift", &drift);
    // Imported, the database is declared again, without its password.
    let out = tempfile::tempdir().unwrap();
    let import = panel
        .roost(&["import", "--out", p(out.path())])
        .expect(0, "import");
    assert_no_password(&st, "import", &import);
    let files = common::manifests::read_tree(out.path());
    let text: String = files.values().cloned().collect();
    assert!(text.contains("database \"main\""), "{text}");
    for pw in passwords(&st) {
        assert!(
            !text.contains(&pw),
            "the imported manifests hold a password"
        );
    }
}

#[test]
fn a_declared_database_is_created_then_left_alone_pterodactyl() {
    created_then_converged(PT);
}

#[test]
fn a_declared_database_is_created_then_left_alone_pelican() {
    created_then_converged(PL);
}

/// A server made in the panel, not by roost, with a database of its own.
fn foreign_server_with_database(panel: &Panel) -> u64 {
    panel.mutate(|st| {
        let node = st.nodes.values().find(|n| n.name == "node-1").unwrap().id;
        let alloc = st
            .allocations
            .values()
            .find(|a| a.node_id == node && a.port == 25569)
            .unwrap()
            .id;
        let egg = st.eggs.values().find(|e| e.name == "Paper").unwrap().id;
        let user = st.users.values().find(|u| u.username == "bob").unwrap().id;
        let server = st.add_server(ServerParams {
            name: "Customer shop".into(),
            user_id: user,
            egg_id: egg,
            allocation_id: Some(alloc),
            external_id: Some("billing-77".into()),
            databases: Some(5),
            ..ServerParams::default()
        });
        let host = *st.database_hosts.keys().next().unwrap();
        st.add_database(server, host, "shop", "%");
        server
    })
}

fn pruning_follows_the_server(dialect: Dialect) {
    let panel = Panel::start(dialect);
    let f = with_database(dialect, "");
    panel.apply_ok(f.path());
    let foreign = foreign_server_with_database(&panel);
    // Someone adds a database to roost's lobby in the panel.
    panel.mutate(|st| {
        let lobby = server_by_name(st, "Lobby").id;
        let host = *st.database_hosts.keys().next().unwrap();
        st.add_database(lobby, host, "extra", "%");
    });
    // Without `prune "databases"` it is listed and left alone.
    let json = panel
        .plan_as(f.path(), "json", &[])
        .expect(0, "plan")
        .json();
    assert_eq!(json["changes"], serde_json::json!([]));
    assert_eq!(
        json["unmanaged"]["databases"],
        serde_json::json!(["server.lobby/database.extra"])
    );
    // With it, the lobby's extra database goes; the foreign server's is never named.
    f.edit(
        "panel.kdl",
        "prune \"servers\" \"allocations\"",
        "prune \"servers\" \"allocations\" \"databases\"",
    );
    let json = panel
        .plan_as(f.path(), "json", &[])
        .expect(0, "plan")
        .json();
    let changes: Vec<(String, String)> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["address"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [(
            "delete".to_string(),
            "server.lobby/database.extra".to_string()
        )]
    );
    for part in [&json["changes"], &json["unmanaged"]["databases"]] {
        assert!(!part.to_string().contains("database.shop"), "{json:#}");
    }
    // Deleting data needs --allow-destroy: without it, nothing is written.
    panel.sim.clear_request_log();
    let refused = panel.apply(f.path(), &["--auto-approve"]);
    assert_eq!(refused.code, Some(1), "{}", refused.show());
    assert!(
        refused.stderr.contains("server.lobby/database.extra"),
        "the refusal names the database:\n{}",
        refused.show()
    );
    assert_eq!(write_lines(&panel.log()), Vec::<String>::new(), "no write");
    panel.apply_ok(f.path());
    let st = panel.state();
    let lobby = server_by_name(&st, "Lobby").id;
    assert_eq!(
        lobby_databases(&st),
        [(format!("s{lobby}_main"), "%".to_string())]
    );
    assert_eq!(
        st.databases
            .values()
            .filter(|d| d.server_id == foreign)
            .count(),
        1,
        "the foreign server keeps its database"
    );
    panel.assert_converged(f.path(), "after pruning");
}

#[test]
fn databases_are_pruned_only_under_roosts_servers_pterodactyl() {
    pruning_follows_the_server(PT);
}

#[test]
fn databases_are_pruned_only_under_roosts_servers_pelican() {
    pruning_follows_the_server(PL);
}

fn new_remote_replaces(dialect: Dialect) {
    let panel = Panel::start(dialect);
    panel.apply_ok(with_database(dialect, "").path());
    let before = panel.settled_state();
    let f = with_database(dialect, "        remote \"10.0.0.%\"\n");
    let text = panel.plan(f.path(), &[]).expect(0, "plan").stdout;
    assert!(
        text.contains("server.lobby/database.main will be replaced"),
        "{text}"
    );
    assert!(text.contains("drops database"), "{text}");
    panel.sim.clear_request_log();
    let refused = panel.apply(f.path(), &["--auto-approve"]);
    assert_eq!(refused.code, Some(1), "{}", refused.show());
    assert_eq!(write_lines(&panel.log()), Vec::<String>::new(), "no write");
    panel.assert_unchanged_since(&before, "no write");
    let apply = panel.apply_ok(f.path());
    let st = panel.state();
    let lobby = server_by_name(&st, "Lobby").id;
    assert_eq!(
        lobby_databases(&st),
        [(format!("s{lobby}_main"), "10.0.0.%".to_string())]
    );
    assert_no_password(&st, "apply", &apply);
    panel.assert_converged(f.path(), "after the replacement");
}

#[test]
fn a_new_remote_replaces_the_database_only_when_allowed_pterodactyl() {
    new_remote_replaces(PT);
}

#[test]
fn a_new_remote_replaces_the_database_only_when_allowed_pelican() {
    new_remote_replaces(PL);
}

#[test]
fn more_databases_than_the_server_may_hold_fail_before_any_write() {
    for dialect in [PT, PL] {
        let panel = Panel::start(dialect);
        panel.apply_ok(&fleet(dialect));
        let f = with_database(dialect, "");
        f.edit(
            "servers.kdl",
            "features databases=2 allocations=0 backups=1",
            "features databases=1 allocations=0 backups=1",
        )
        .edit(
            "servers.kdl",
            "    database \"main\" {",
            &format!(
                "    database \"logs\" {{\n        {}\n    }}\n    database \"main\" {{",
                host(dialect)
            ),
        );
        panel.sim.clear_request_log();
        for args in [
            vec!["plan"],
            vec!["apply", "--auto-approve", "--allow-destroy"],
        ] {
            let mut all = vec![args[0], p(f.path())];
            all.extend_from_slice(&args[1..]);
            let run = panel.roost(&all);
            assert_eq!(run.code, Some(1), "{dialect}: {}", run.show());
            assert!(
                run.stderr.contains("roost::over-limit")
                    && run.stderr.contains("features databases=1"),
                "{dialect}: {}",
                run.show()
            );
        }
        assert_eq!(write_lines(&panel.log()), Vec::<String>::new(), "no write");
    }
}

#[test]
fn a_server_target_takes_its_databases_along() {
    let panel = Panel::start(PT);
    panel.apply_ok(&fleet(PT));
    let f = with_database(PT, "");
    f.edit(
        "servers.kdl",
        "limits memory=\"4GiB\" disk=\"20GiB\" cpu=200",
        "limits memory=\"4GiB\" disk=\"20GiB\" cpu=250",
    );
    let json = panel
        .plan_as(f.path(), "json", &["--target", "server.lobby"])
        .expect(0, "plan --target server.lobby")
        .json();
    let addresses: Vec<&str> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["server.lobby", "server.lobby/database.main"]);
    // The database alone: its server comes along, survival (changed too) does not.
    let json = panel
        .plan_as(
            f.path(),
            "json",
            &["--target", "server.lobby/database.main"],
        )
        .expect(0, "plan --target server.lobby/database.main")
        .json();
    assert_eq!(json["changes"].as_array().unwrap().len(), 2, "{json:#}");
}

#[test]
fn the_game_databases_example_applies_and_converges() {
    let panel = Panel::start(PL);
    let dir = common::repo().join("examples/game-databases");
    let apply = panel.apply_ok(&dir);
    let st = panel.state();
    let id = |name: &str| server_by_name(&st, name).id;
    let mut got: Vec<(String, String)> = st
        .databases
        .values()
        .map(|d| (d.database.clone(), d.remote.clone()))
        .collect();
    got.sort();
    let mut want = vec![
        (format!("s{}_luckperms", id("Lobby")), "%".to_string()),
        (format!("s{}_luckperms", id("Survival")), "%".to_string()),
        (
            format!("s{}_coreprotect", id("Survival")),
            "10.0.20.%".to_string(),
        ),
    ];
    want.sort();
    assert_eq!(got, want);
    assert_no_password(&st, "apply", &apply);
    panel.assert_converged(&dir, "after applying the example");
}

#[test]
fn a_database_create_of_unknown_outcome_is_read_back_not_sent_twice() {
    for dialect in [PT, PL] {
        let panel = Panel::start(dialect);
        panel.apply_ok(&fleet(dialect));
        let lobby = server_by_name(&panel.state(), "Lobby").id;
        // The panel creates the database, then answers 500: whether it acted is unknown.
        let after_commit = |action| roost_sim::FaultRule {
            method: Some("POST".into()),
            path: format!("/servers/{lobby}/databases"),
            nth: 1,
            times: 1,
            action,
        };
        panel.sim.set_faults(roost_sim::Faults {
            rules: vec![after_commit(roost_sim::FaultAction::Status {
                status: 500,
                after_commit: true,
            })],
            ..roost_sim::Faults::default()
        });
        let f = with_database(dialect, "");
        let run = panel.apply(f.path(), &["--auto-approve"]);
        assert_eq!(run.code, Some(0), "{dialect}: {}", run.show());
        assert!(
            run.stderr.contains("not created again"),
            "{dialect}: the recovery is reported:\n{}",
            run.show()
        );
        let st = panel.state();
        assert_eq!(lobby_databases(&st).len(), 1, "{dialect}: created once");
        panel.sim.set_faults(roost_sim::Faults::default());
        panel.assert_converged(f.path(), "after the recovered create");
    }
}
