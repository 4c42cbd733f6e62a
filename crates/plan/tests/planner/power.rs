//! `power "running"` / `power "stopped"`: the server's attribute `power`, compared with where
//! the server is heading (read through the Client API), reached by a start or stop signal that
//! runs last of the server's changes; stopping is destructive, starting is not.

use crate::case::*;
use crate::common::{change, live_server, live_user, server_block, user_block};
use roost_model::{Live, PowerRead, ServerLevelRead};
use roost_plan::{OpSpec, Plan};

/// The user `bob` and the server `lobby` on 10.0.0.5:25566, with `extra` lines.
fn lobby(d: roost_model::Dialect, extra: &str) -> String {
    format!(
        "{}{}",
        user_block(d, "bob", "bob@example.com", ""),
        server_block(d, "lobby", "bob", 25566, extra)
    )
}

fn running(d: roost_model::Dialect) -> String {
    lobby(d, "    power \"running\"")
}

fn stopped(d: roost_model::Dialect) -> String {
    lobby(d, "    power \"stopped\"")
}

/// `bob`, with a client key.
fn live_bob(l: &mut Live) {
    let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
    if l.dialect == PL {
        u.first_name = None;
        u.last_name = None;
    }
    l.users.push(u);
    l.client_key = true;
}

/// `bob`, and `lobby` (id 7) as roost created it, with a client key.
fn live_lobby(l: &mut Live) {
    live_bob(l);
    live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
}

fn in_state(l: &mut Live, state: &str) {
    live_lobby(l);
    l.power.insert(7, PowerRead::Read(state.into()));
}

fn says_no_warning(p: &Plan) {
    let c = change(p, "server.lobby");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert!(!roost_plan::rails::is_destructive(c));
}

fn starts_the_lobby(p: &Plan) {
    let o = op(p, "server.lobby", 0);
    assert_eq!(o["op"], "power");
    assert_eq!(o["want"], "running");
    assert_eq!(o["was"], "offline");
    assert_eq!(o["identifier"], "srv00007");
    let c = change(p, "server.lobby");
    assert_eq!(
        c.calls[0].to_string(),
        "POST /client/servers/srv00007/power"
    );
    assert!(c.ops[0].runs_last());
    // Sent once: after an unknown outcome the engine reads the state instead.
    assert_eq!(c.ops[0].retry(), roost_plan::Retry::Never);
    says_no_warning(p);
}

cases! {
    a_server_in_its_declared_state_is_unchanged: Case {
        kdl: running,
        live: |l| in_state(l, "running"),
        check: |p| assert!(p.fingerprints.contains_key("power:7"), "{:?}", p.fingerprints),
        ..CASE
    };
    an_offline_server_declared_running_is_started_pterodactyl: Case {
        kdl: running,
        live: |l| in_state(l, "offline"),
        plan: &["~ server.lobby [server power]"],
        attrs: &["server.lobby power: \"offline\" -> \"running\""],
        check: starts_the_lobby,
        ..CASE
    };
    an_offline_server_declared_running_is_started_pelican: Case {
        dialect: PL,
        kdl: running,
        live: |l| in_state(l, "offline"),
        plan: &["~ server.lobby [server power]"],
        attrs: &["server.lobby power: \"offline\" -> \"running\""],
        check: starts_the_lobby,
        ..CASE
    };
    a_running_server_declared_stopped_is_stopped_with_approval: Case {
        kdl: stopped,
        live: |l| in_state(l, "running"),
        plan: &["~ server.lobby (restart) [server power]"],
        attrs: &["server.lobby power: \"running\" -> \"offline\""],
        check: |p| {
            let o = op(p, "server.lobby", 0);
            assert_eq!(o["want"], "stopped");
            let c = change(p, "server.lobby");
            assert!(c.warnings.iter().any(|w| w.contains("stops server `lobby`")), "{:?}", c.warnings);
            assert!(roost_plan::rails::is_destructive(c));
        },
        ..CASE
    };
    a_starting_server_counts_as_running: Case {
        kdl: running,
        live: |l| in_state(l, "starting"),
        ..CASE
    };
    a_stopping_server_counts_as_offline: Case {
        kdl: stopped,
        live: |l| in_state(l, "stopping"),
        ..CASE
    };
    a_stopping_server_declared_running_is_started: Case {
        kdl: running,
        live: |l| in_state(l, "stopping"),
        plan: &["~ server.lobby [server power]"],
        attrs: &["server.lobby power: \"offline\" -> \"running\""],
        ..CASE
    };
    an_ignored_power_state_is_left_alone: Case {
        kdl: |d| lobby(d, "    power \"running\"\n    ignore \"power\""),
        live: live_lobby,
        ..CASE
    };
    an_ignore_on_the_command_line_leaves_a_read_state_alone: Case {
        kdl: running,
        live: |l| in_state(l, "offline"),
        options: |o| o.ignore.push(roost_plan::parse_ignore("server.lobby.power").unwrap()),
        ..CASE
    };
    power_without_a_client_key_fails_naming_client_token_env: Case {
        kdl: running,
        live: |l| {
            in_state(l, "offline");
            l.client_key = false;
        },
        error: Some("roost::no-client-key"),
        ..CASE
    };
    a_server_still_installing_is_started_once_installed: Case {
        kdl: running,
        live: |l| {
            live_lobby(l);
            l.power.insert(7, PowerRead::Unreadable("the server is installing (409)".into()));
        },
        plan: &["~ server.lobby [server power]"],
        attrs: &["server.lobby power: _ -> \"running\""],
        check: |p| {
            assert_eq!(op(p, "server.lobby", 0)["was"], serde_json::Value::Null);
            let note = p.notes.iter().find(|n| n.contains("power state")).expect("a note");
            assert!(note.contains("server `lobby`") && note.contains("installing"), "{note}");
            assert!(note.contains("waiting while the server installs"), "{note}");
            says_no_warning(p);
        },
        ..CASE
    };
    a_power_state_that_was_not_read_is_an_error: Case {
        kdl: running,
        live: live_lobby,
        error: Some("roost::server-level-unread"),
        ..CASE
    };
    suspended_and_running_contradict: Case {
        kdl: |d| lobby(d, "    power \"running\"\n    suspended #true"),
        live: |l| in_state(l, "offline"),
        error: Some("roost::power-while-suspended"),
        ..CASE
    };
    a_server_declared_suspended_and_stopped_needs_no_signal: Case {
        kdl: |d| lobby(d, "    power \"stopped\"\n    suspended #true"),
        live: |l| in_state(l, "running"),
        plan: &["~ server.lobby (restart) [server suspend]"],
        check: |p| {
            let c = change(p, "server.lobby");
            assert!(!c.attributes.iter().any(|a| a.name == "power"), "{:?}", c.attributes);
        },
        ..CASE
    };
    a_new_server_declared_running_is_started_after_its_create: Case {
        kdl: running,
        live: live_bob,
        plan: &["+ server.lobby [server create, server power]"],
        attrs: &["server.lobby power: _ -> \"running\""],
        check: |p| {
            let o = op(p, "server.lobby", 1);
            assert_eq!(o["server"], "server.lobby");
            assert_eq!(o["identifier"], serde_json::Value::Null);
            assert_eq!(
                change(p, "server.lobby").calls[1].to_string(),
                "POST /client/servers/{server.lobby}/power"
            );
        },
        ..CASE
    };
    a_new_server_declared_stopped_needs_no_signal: Case {
        kdl: stopped,
        live: live_bob,
        plan: &["+ server.lobby [server create]"],
        attrs: &["server.lobby power: _ -> \"offline\""],
        ..CASE
    };
    power_is_the_last_operation_of_the_server: Case {
        kdl: |d| lobby(d, "    name \"Lobby 2\"\n    power \"running\"\n    schedule \"nightly\" cron=\"0 4 * * *\" {\n        task \"command\" \"say hi\"\n    }"),
        live: |l| {
            in_state(l, "offline");
            l.server_level.insert(7, ServerLevelRead::Read(vec![roost_model::Kind::Schedule]));
        },
        plan: &[
            "~ server.lobby [server details, server power]",
            "+ server.lobby/schedule.nightly [schedule create, schedule create_task]",
        ],
        check: |p| {
            let c = change(p, "server.lobby");
            assert!(c.ops.last().unwrap().runs_last());
            assert!(!c.ops[0].runs_last());
            let sched = change(p, "server.lobby/schedule.nightly");
            assert!(sched.depends_on.iter().any(|a| a.to_string() == "server.lobby"));
        },
        ..CASE
    };
}

#[test]
fn only_servers_declaring_power_are_read_and_ignore_rules_skip_the_read() {
    let text = |extra: &str| {
        format!(
            "{}{}{}",
            crate::common::head(PT, ""),
            lobby(PT, extra),
            server_block(PT, "hub", "bob", 25567, "")
        )
    };
    let mut live = crate::common::panel(PT);
    live_lobby(&mut live);
    live_server(&mut live, 8, "hub", 2, 25567, Some("roost:hub"));
    let d = crate::common::desired(&text("    power \"running\""));
    assert_eq!(
        roost_plan::power_reads(&d, &live),
        [(7, "srv00007".to_string())]
    );
    let d = crate::common::desired(&text("    power \"running\"\n    ignore \"power\""));
    assert!(roost_plan::power_reads(&d, &live).is_empty());
    let d = crate::common::desired(&text(""));
    assert!(roost_plan::power_reads(&d, &live).is_empty());
}

#[test]
fn the_saved_plan_fingerprint_is_where_the_server_is_heading() {
    let mut live = crate::common::panel(PT);
    in_state(&mut live, "starting");
    let starting = roost_plan::fingerprints(&live, &Default::default());
    in_state(&mut live, "running");
    let running = roost_plan::fingerprints(&live, &Default::default());
    in_state(&mut live, "offline");
    let offline = roost_plan::fingerprints(&live, &Default::default());
    assert!(starting.contains_key("power:7"));
    assert_eq!(starting["power:7"], running["power:7"]);
    assert_ne!(running["power:7"], offline["power:7"]);
}

#[test]
fn no_client_key_says_which_setting() {
    let (d, mut live, opts) = Case {
        kdl: running,
        live: live_lobby,
        ..CASE
    }
    .inputs();
    live.client_key = false;
    let errors = roost_plan::plan(&d, &live, &opts).unwrap_err();
    let e = errors
        .iter()
        .find(|e| e.code == "roost::no-client-key")
        .expect("no-client-key");
    assert!(e.message.contains("server `lobby`"), "{}", e.message);
    assert!(e.message.contains("power \"running\""), "{}", e.message);
    let help = e.help.clone().unwrap_or_default();
    assert!(help.contains("client-token-env"), "{help}");
}
