//! Schedules: `schedule "NAME" cron="…" { enabled; only-when-online; task … }` in server and
//! template blocks, checked by the panels' rules.

mod common;

use common::{desired, errors, fleet, report, server};
use roost_manifest::{Sources, print_desired};
use roost_model::TaskAction;
use std::sync::Arc;

const NIGHTLY: &str = r#"    schedule "nightly" cron="0 4 * * *" {
        only-when-online #true
        task "backup"
        task "command" "say Restarting in 60s"
        task "power" "restart" offset=60 continue-on-failure=#true
    }"#;

#[test]
fn a_schedule_reads_with_its_tasks_in_order_and_prints_back() {
    for dialect in ["pterodactyl", "pelican"] {
        let d = desired(fleet(dialect, &server("lobby", 25565, None, NIGHTLY)));
        let s = &d.servers["lobby"].schedules["nightly"];
        assert_eq!(s.cron.to_string(), "0 4 * * *");
        assert!(s.enabled && s.only_when_online);
        let actions: Vec<TaskAction> = s.tasks.iter().map(|t| t.action).collect();
        assert_eq!(
            actions,
            [TaskAction::Backup, TaskAction::Command, TaskAction::Power]
        );
        assert_eq!(s.tasks[2].payload, "restart");
        assert_eq!(s.tasks[2].offset, 60);
        assert!(s.tasks[2].continue_on_failure);
        // Printed back, it reads the same.
        let printed = print_desired(&d);
        assert!(
            printed.contains("schedule \"nightly\" cron=\"0 4 * * *\""),
            "{printed}"
        );
        let again = desired(Sources {
            files: vec![("fleet.kdl".into(), Arc::from(printed))],
        });
        // (Compared without where each was written.)
        assert_eq!(
            serde_json::to_value(&again.servers["lobby"].schedules).unwrap(),
            serde_json::to_value(&d.servers["lobby"].schedules).unwrap()
        );
    }
}

#[test]
fn templates_pass_schedules_on_and_the_server_wins_by_name() {
    let rest = format!(
        "template \"t\" {{\n{NIGHTLY}\n    schedule \"hourly\" cron=\"0 * * * *\" {{ task \"command\" \"save-all\"; }}\n}}\n{}",
        server(
            "lobby",
            25565,
            Some("t"),
            "    schedule \"hourly\" cron=\"30 * * * *\" { task \"command\" \"save-all\"; }"
        )
    );
    let d = desired(fleet("pterodactyl", &rest));
    let s = &d.servers["lobby"].schedules;
    assert_eq!(s.len(), 2);
    assert_eq!(s["hourly"].cron.minute, "30");
    assert_eq!(s["nightly"].tasks.len(), 3);
}

#[test]
fn a_bad_cron_is_reported_where_it_is_written() {
    let body = "    schedule \"x\" cron=\"0 25 * * *\" { task \"backup\"; }";
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    assert_eq!(codes.len(), 1, "{text}");
    assert_eq!(codes[0].0, "roost::bad-cron");
    assert!(codes[0].1.contains("`25` is not a valid hour"), "{text}");
    assert!(text.contains("fleet.kdl:15:"), "{text}");
    assert!(
        text.contains("0 4 * * *"),
        "the help shows an example: {text}"
    );
}

#[test]
fn a_missing_cron_and_four_fields_are_errors() {
    let body = "    schedule \"x\" { task \"backup\"; }\n    schedule \"y\" cron=\"0 4 * *\" { task \"backup\"; }";
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    let names: Vec<&str> = codes.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["roost::missing-field", "roost::bad-cron"], "{text}");
    assert!(codes[1].1.contains("five fields"), "{text}");
}

#[test]
fn an_unknown_task_action_suggests_the_nearest() {
    let body = "    schedule \"x\" cron=\"0 4 * * *\" { task \"comand\" \"say hi\"; }";
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    assert_eq!(codes[0].0, "roost::unknown-value", "{text}");
    assert!(text.contains("did you mean \"command\"?"), "{text}");
}

#[test]
fn payload_rules_follow_the_action() {
    let body = r#"    schedule "x" cron="0 4 * * *" {
        task "command"
        task "power" "restat"
        task "power" "restart" offset=901
    }"#;
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    let names: Vec<&str> = codes.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "roost::missing-value",
            "roost::bad-value",
            "roost::out-of-range"
        ],
        "{text}"
    );
    assert!(text.contains("did you mean \"restart\"?"), "{text}");
}

#[test]
fn more_than_ten_tasks_are_refused_at_the_eleventh() {
    let tasks: String = (1..=11)
        .map(|i| format!("        task \"command\" \"say {i}\"\n"))
        .collect();
    let body = format!("    schedule \"x\" cron=\"0 4 * * *\" {{\n{tasks}    }}");
    let e = errors(fleet("pelican", &server("lobby", 25565, None, &body)));
    let (codes, text) = report(&e);
    assert_eq!(codes.len(), 1, "{text}");
    assert_eq!(codes[0].0, "roost::too-many");
    assert!(text.contains("task 11"), "{text}");
    assert!(text.contains("fleet.kdl:26:"), "{text}");
}

#[test]
fn delete_files_exists_only_on_pelican() {
    let body = "    schedule \"x\" cron=\"0 4 * * *\" { task \"delete-files\" \"logs/old.log\"; }";
    let d = desired(fleet("pelican", &server("lobby", 25565, None, body)));
    assert_eq!(
        d.servers["lobby"].schedules["x"].tasks[0].action,
        TaskAction::DeleteFiles
    );
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    assert_eq!(codes[0].0, "roost::wrong-dialect", "{text}");
}

#[test]
fn unknown_fields_and_properties_are_reported_with_a_suggestion() {
    let body = r#"    schedule "x" cron="0 4 * * *" {
        enabeld #true
        task "backup" ofset=5
    }"#;
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    let names: Vec<&str> = codes.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        ["roost::unknown-field", "roost::unknown-property"],
        "{text}"
    );
    assert!(text.contains("did you mean `enabled`?"), "{text}");
    assert!(text.contains("did you mean `offset`?"), "{text}");
}

#[test]
fn a_schedule_declared_twice_is_an_error() {
    let body = "    schedule \"x\" cron=\"0 4 * * *\" { task \"backup\"; }\n    schedule \"x\" cron=\"0 5 * * *\" { task \"backup\"; }";
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    assert_eq!(codes[0].0, "roost::duplicate", "{text}");
}
