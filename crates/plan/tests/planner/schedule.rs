//! Schedules: a child kind (`server.lobby/schedule.nightly`) read and written through the Client
//! API, identity by name under the server; tasks compared as an ordered list. No marker: roost
//! deletes one only when its server carries roost's marker and `prune` lists `schedules`.

use crate::case::*;
use crate::common::{live_server, live_user, server_block, user_block};
use roost_model::{CronSpec, Live, LiveSchedule, LiveTask, ServerLevelRead};

const NIGHTLY: &str = r#"    schedule "nightly" cron="0 4 * * *" {
        only-when-online #true
        task "command" "save-all"
        task "command" "say Restarting in 60s"
        task "power" "restart" offset=60
    }"#;

fn lobby(d: roost_model::Dialect, extra: &str) -> String {
    format!(
        "{}{}",
        user_block(d, "bob", "bob@example.com", ""),
        server_block(d, "lobby", "bob", 25566, extra)
    )
}

fn nightly(d: roost_model::Dialect) -> String {
    lobby(d, NIGHTLY)
}

fn bob(l: &mut Live) {
    let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
    if l.dialect == PL {
        u.first_name = None;
        u.last_name = None;
    }
    l.users.push(u);
}

/// The server, its schedules read through a client key.
fn live_lobby(l: &mut Live) {
    bob(l);
    live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
    l.client_key = true;
    l.server_level
        .insert(7, ServerLevelRead::Read(vec![roost_model::Kind::Schedule]));
    l.refresh_requests = 1;
}

fn task(id: u64, seq: i64, action: &str, payload: &str, offset: i64) -> LiveTask {
    LiveTask {
        id,
        sequence_id: seq,
        action: action.into(),
        payload: payload.into(),
        time_offset: offset,
        continue_on_failure: false,
    }
}

fn live_schedule(l: &mut Live, id: u64, name: &str, cron: &str, tasks: Vec<LiveTask>) {
    l.schedules.push(LiveSchedule {
        id,
        server_id: 7,
        name: name.into(),
        cron: CronSpec::parse(cron).unwrap(),
        is_active: true,
        only_when_online: true,
        tasks,
    });
}

/// `nightly` exactly as declared.
fn live_nightly(l: &mut Live) {
    live_lobby(l);
    live_schedule(
        l,
        3,
        "nightly",
        "0 4 * * *",
        vec![
            task(11, 1, "command", "save-all", 0),
            task(12, 2, "command", "say Restarting in 60s", 0),
            task(13, 3, "power", "restart", 60),
        ],
    );
}

fn ops(p: &roost_plan::Plan, address: &str) -> Vec<serde_json::Value> {
    let c = crate::common::change(p, address);
    c.ops
        .iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .collect()
}

cases! {
    a_declared_schedule_is_created_with_its_tasks_in_order: Case {
        kdl: nightly,
        live: live_lobby,
        plan: &["+ server.lobby/schedule.nightly [schedule create, schedule create_task, schedule create_task, schedule create_task]"],
        attrs: &[
            "server.lobby/schedule.nightly cron: _ -> \"0 4 * * *\"",
            "server.lobby/schedule.nightly tasks.1: _ -> \"command \\\"save-all\\\"\"",
            "server.lobby/schedule.nightly tasks.3: _ -> \"power \\\"restart\\\" offset=60\"",
        ],
        check: |p| {
            let ops = ops(p, "server.lobby/schedule.nightly");
            assert_eq!(ops[0]["identifier"], "srv00007");
            assert_eq!(ops[0]["schedule"]["cron"]["hour"], "4");
            assert_eq!(ops[0]["schedule"]["only_when_online"], true);
            // The tasks name the schedule this run creates.
            assert_eq!(ops[1]["schedule"], "server.lobby/schedule.nightly");
            assert_eq!(ops[3]["task"]["action"], "power");
            assert_eq!(ops[3]["task"]["offset"], 60);
            let c = crate::common::change(p, "server.lobby/schedule.nightly");
            assert_eq!(c.calls[0].to_string(), "POST /client/servers/srv00007/schedules");
            assert_eq!(c.calls[1].to_string(), "POST /client/servers/srv00007/schedules/{server.lobby/schedule.nightly}/tasks");
            // One Client-API read (the server's schedules), counted in the summary.
            assert_eq!(p.summary.refresh_requests, 1);
            assert_eq!(p.summary.requests, 4);
        },
        ..CASE
    };
    a_schedule_of_a_new_server_names_the_server_by_address: Case {
        dialect: PL,
        kdl: nightly,
        live: |l| { bob(l); l.client_key = true; },
        plan: &["+ server.lobby [server create]", "+ server.lobby/schedule.nightly [schedule create, schedule create_task, schedule create_task, schedule create_task]"],
        check: |p| {
            let ops = ops(p, "server.lobby/schedule.nightly");
            assert_eq!(ops[0]["server"], "server.lobby");
            assert_eq!(ops[0]["identifier"], serde_json::Value::Null);
            let c = crate::common::change(p, "server.lobby/schedule.nightly");
            assert_eq!(c.depends_on.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["server.lobby"]);
        },
        ..CASE
    };
    a_schedule_as_declared_is_no_change: Case {
        kdl: nightly,
        live: live_nightly,
        ..CASE
    };
    a_schedule_as_declared_is_no_change_on_pelican: Case {
        dialect: PL,
        kdl: nightly,
        live: live_nightly,
        ..CASE
    };
    a_new_cron_updates_the_schedule_only: Case {
        kdl: |d| lobby(d, &NIGHTLY.replace("0 4 * * *", "30 5 * * 1-5")),
        live: live_nightly,
        plan: &["~ server.lobby/schedule.nightly [schedule update]"],
        attrs: &["server.lobby/schedule.nightly cron: \"0 4 * * *\" -> \"30 5 * * 1-5\""],
        check: |p| {
            let ops = ops(p, "server.lobby/schedule.nightly");
            assert_eq!(ops[0]["id"], 3);
            assert_eq!(ops[0]["schedule"]["cron"]["day_of_week"], "1-5");
            assert_eq!(crate::common::change(p, "server.lobby/schedule.nightly").calls[0].to_string(), "POST /client/servers/srv00007/schedules/3");
        },
        ..CASE
    };
    a_task_added_is_appended: Case {
        kdl: |d| lobby(d, &NIGHTLY.replace("offset=60\n", "offset=60\n        task \"command\" \"say back\" offset=30\n")),
        live: live_nightly,
        plan: &["~ server.lobby/schedule.nightly [schedule create_task]"],
        attrs: &["server.lobby/schedule.nightly tasks.4: _ -> \"command \\\"say back\\\" offset=30\""],
        check: |p| {
            let op = &ops(p, "server.lobby/schedule.nightly")[0];
            assert_eq!(op["schedule"], 3);
            assert_eq!(op["task"]["payload"], "say back");
        },
        ..CASE
    };
    a_task_removed_from_the_middle_shifts_the_rest_and_deletes_the_last: Case {
        kdl: |d| lobby(d, &NIGHTLY.replace("        task \"command\" \"say Restarting in 60s\"\n", "")),
        live: live_nightly,
        plan: &["~ server.lobby/schedule.nightly [schedule delete_task, schedule update_task]"],
        attrs: &[
            "server.lobby/schedule.nightly tasks.2: \"command \\\"say Restarting in 60s\\\"\" -> \"power \\\"restart\\\" offset=60\"",
            "server.lobby/schedule.nightly tasks.3: \"power \\\"restart\\\" offset=60\" -> _",
        ],
        check: |p| {
            let ops = ops(p, "server.lobby/schedule.nightly");
            assert_eq!(ops[0]["id"], 13);
            // Rewritten in place: the task keeps its position.
            assert_eq!(ops[1]["id"], 12);
            assert_eq!(ops[1]["sequence_id"], 2);
            assert_eq!(ops[1]["task"]["action"], "power");
        },
        ..CASE
    };
    reordered_tasks_are_rewritten_position_by_position: Case {
        kdl: |d| lobby(d, r#"    schedule "nightly" cron="0 4 * * *" {
        only-when-online #true
        task "power" "restart" offset=60
        task "command" "say Restarting in 60s"
        task "command" "save-all"
    }"#),
        live: live_nightly,
        plan: &["~ server.lobby/schedule.nightly [schedule update_task, schedule update_task]"],
        check: |p| {
            let ops = ops(p, "server.lobby/schedule.nightly");
            assert_eq!((ops[0]["id"].as_u64(), ops[1]["id"].as_u64()), (Some(11), Some(13)));
            assert_eq!(ops[1]["task"]["payload"], "save-all");
        },
        ..CASE
    };
    an_ignored_cron_is_no_change: Case {
        panel: "    ignore \"schedule.*.cron\"",
        kdl: |d| lobby(d, &NIGHTLY.replace("0 4 * * *", "0 5 * * *")),
        live: live_nightly,
        ..CASE
    };
    an_ignored_task_position_keeps_the_panels_task: Case {
        kdl: |d| lobby(d, &NIGHTLY.replace("say Restarting in 60s", "say bye")),
        live: live_nightly,
        options: |o| o.ignore = vec![roost_plan::parse_ignore("server.lobby/schedule.nightly.tasks.2").unwrap()],
        ..CASE
    };
    a_duplicate_name_on_the_panel_is_refused: Case {
        kdl: nightly,
        live: |l| {
            live_nightly(l);
            live_schedule(l, 4, "nightly", "0 4 * * *", Vec::new());
        },
        error: Some("roost::ambiguous"),
        ..CASE
    };
    an_undeclared_schedule_is_left_alone_without_prune: Case {
        kdl: nightly,
        live: |l| {
            live_nightly(l);
            live_schedule(l, 4, "theirs", "0 0 * * *", Vec::new());
        },
        check: |p| assert_eq!(p.unmanaged.schedules, ["server.lobby/schedule.theirs"]),
        ..CASE
    };
    an_undeclared_schedule_is_pruned_when_told: Case {
        panel: "    prune \"schedules\"",
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            live_schedule(l, 4, "old", "0 0 * * *", vec![task(20, 1, "backup", "", 0)]);
        },
        plan: &["- server.lobby/schedule.old (destroy) [schedule delete]"],
        check: |p| {
            assert!(roost_plan::rails::is_destructive(&p.changes[0]));
            assert_eq!(p.changes[0].calls[0].to_string(), "DELETE /client/servers/srv00007/schedules/4");
        },
        ..CASE
    };
    schedules_of_a_server_roost_does_not_own_are_never_pruned: Case {
        panel: "    prune \"schedules\"",
        kdl: |d| lobby(d, &format!("    adopt id=7\n{NIGHTLY}")),
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, None);
            l.client_key = true;
            l.server_level.insert(7, ServerLevelRead::Read(vec![roost_model::Kind::Schedule]));
            live_schedule(l, 4, "customer", "0 0 * * *", Vec::new());
        },
        plan: &["<= server.lobby [server details]", "+ server.lobby/schedule.nightly [schedule create, schedule create_task, schedule create_task, schedule create_task]"],
        check: |p| assert_eq!(p.unmanaged.schedules, ["server.lobby/schedule.customer"]),
        ..CASE
    };
    pruning_a_schedule_of_a_protected_server_is_refused: Case {
        panel: "    prune \"schedules\"",
        kdl: |d| lobby(d, "    protect #true"),
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby!"));
            l.client_key = true;
            l.server_level.insert(7, ServerLevelRead::Read(vec![roost_model::Kind::Schedule]));
            live_schedule(l, 4, "old", "0 0 * * *", Vec::new());
        },
        error: Some("roost::protected"),
        ..CASE
    };
    schedules_without_a_client_key_are_a_plan_error: Case {
        kdl: nightly,
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
        },
        error: Some("roost::no-client-key"),
        ..CASE
    };
    no_client_key_is_needed_without_schedules: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
        },
        check: |p| assert_eq!(p.summary.refresh_requests, 0),
        ..CASE
    };
    a_delete_files_task_is_refused_by_a_pterodactyl_panel: Case {
        // As under `dialect "auto"`, which lets Pelican's task through validation.
        kdl: nightly,
        desired: |d| {
            let s = d.servers.get_mut("lobby").unwrap();
            let t = &mut s.schedules.get_mut("nightly").unwrap().tasks[0];
            t.action = roost_model::TaskAction::DeleteFiles;
        },
        live: live_lobby,
        error: Some("roost::wrong-dialect"),
        ..CASE
    };
    a_backup_task_on_a_server_without_backups_is_refused: Case {
        kdl: |d| lobby(d, &format!("    features backups=0\n{}", NIGHTLY.replace("task \"command\" \"save-all\"", "task \"backup\""))),
        live: live_lobby,
        error: Some("roost::backup-task-without-backups"),
        ..CASE
    };
    a_server_still_installing_is_a_plan_error_naming_it: Case {
        kdl: nightly,
        live: |l| {
            live_lobby(l);
            l.server_level.insert(7, ServerLevelRead::Unreadable("the server is installing (409)".into()));
        },
        error: Some("roost::server-level-unreadable"),
        ..CASE
    };
}

#[test]
fn only_servers_that_declare_or_prune_schedules_are_read() {
    let text = format!(
        "{}{}{}",
        crate::common::head(PT, ""),
        nightly(PT),
        server_block(PT, "plain", "bob", 25567, "")
    );
    let d = crate::common::desired(&text);
    let mut live = crate::common::panel(PT);
    live_lobby(&mut live);
    live_server(&mut live, 8, "plain", 2, 25567, Some("roost:plain"));
    let reads = roost_plan::server_level_reads(&d, &live);
    assert_eq!(
        reads.iter().map(|r| r.server_id).collect::<Vec<_>>(),
        [7],
        "only lobby declares schedules"
    );
    assert_eq!(reads[0].identifier, "srv00007");
    // With `prune "schedules"`, every server roost owns is read.
    let text = text.replace("panel {", "panel {\n    prune \"schedules\"");
    let d = crate::common::desired(&text);
    let reads = roost_plan::server_level_reads(&d, &live);
    assert_eq!(
        reads.iter().map(|r| r.server_id).collect::<Vec<_>>(),
        [7, 8]
    );
}
