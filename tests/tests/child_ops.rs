//! `roost db rotate`, `roost schedule run` and `roost node config` end to end, in both
//! dialects: the new password is shown only when asked and written 0600; a schedule runs its
//! first task at once; Wings' configuration (with the node's daemon token) goes to a 0600 file
//! or a pipe, never to a terminal unasked.

mod common;

use common::ops::{ops, ready};
use common::panel::Panel;
use common::sim_state::server_by_name;
use roost_sim::{Cron, Dialect, Schedule, Task};

fn cron() -> Cron {
    Cron {
        minute: "0".into(),
        hour: "4".into(),
        day_of_month: "*".into(),
        month: "*".into(),
        day_of_week: "*".into(),
    }
}

fn children(d: Dialect) {
    let panel = ready(d);
    let (alpha, uuid, old) = seed(&panel);
    rotations(&panel, d, alpha, &old);
    schedule_run(&panel, d, &uuid);
    node_config(&panel, d);
}

/// A database and a schedule on Alpha; its id, uuid and the database's password.
fn seed(panel: &Panel) -> (u64, String, String) {
    let alpha = server_by_name(&panel.state(), "Alpha").id;
    let uuid = server_by_name(&panel.state(), "Alpha").uuid.clone();
    let old = panel.mutate(|s| {
        let host = *s.database_hosts.keys().next().unwrap();
        let id = s.add_database(alpha, host, "main", "%");
        let now = s.now();
        s.insert_schedule(Schedule {
            id: 77,
            server_id: alpha,
            name: "say-hello".into(),
            cron: cron(),
            is_active: true,
            is_processing: false,
            only_when_online: false,
            last_run_at: None,
            next_run_at: None,
            tasks: vec![Task {
                id: 1,
                sequence_id: 1,
                action: "command".into(),
                payload: "say scheduled hello".into(),
                time_offset: 0,
                is_queued: false,
                continue_on_failure: false,
                created_at: now,
                updated_at: now,
            }],
            created_at: now,
            updated_at: now,
        });
        s.databases[&id].password.clone()
    });
    (alpha, uuid, old)
}

/// The password changes; it is printed only with --show-password.
fn rotations(panel: &Panel, d: Dialect, alpha: u64, old: &str) {
    let quiet = ops(
        panel,
        &["db", "rotate", "server.alpha/main", "--format", "json"],
    )
    .expect(0, "rotate");
    assert!(quiet.stderr.contains("Not shown"), "{}", quiet.show());
    let report = quiet.json();
    assert_eq!(report["action"], "rotated", "{d}: {report}");
    assert_eq!(report["password"], serde_json::Value::Null, "{d}: {report}");
    let db_password = |panel: &common::panel::Panel| {
        panel
            .state()
            .databases
            .values()
            .find(|x| x.server_id == alpha)
            .unwrap()
            .password
            .clone()
    };
    let after = db_password(panel);
    assert_ne!(after, old, "{d}: rotated");
    assert!(
        !quiet.stdout.contains(&after) && !quiet.stderr.contains(&after),
        "{d}: not shown"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    ops(
        panel,
        &[
            "db",
            "rotate",
            "server.alpha/database.main",
            "--password-file",
            file.to_str().unwrap(),
        ],
    )
    .expect(0, "rotate to a file");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{}\n", db_password(panel))
    );
    let shown = ops(
        panel,
        &["db", "rotate", "server.alpha/main", "--show-password"],
    )
    .expect(0, "show");
    assert_eq!(shown.stdout, format!("{}\n", db_password(panel)), "{d}");
    let missing = ops(panel, &["db", "rotate", "server.alpha/nope"]).expect(1, "no such db");
    assert!(
        missing.stderr.contains("no database `nope`"),
        "{}",
        missing.show()
    );
}

/// Running a schedule runs its first task in the request (a command needs a running server).
fn schedule_run(panel: &Panel, d: Dialect, uuid: &str) {
    ops(
        panel,
        &["server", "power", "server.alpha", "start", "--wait"],
    )
    .expect(0, "start");
    let run = ops(
        panel,
        &[
            "schedule",
            "run",
            "server.alpha/say-hello",
            "--format",
            "json",
        ],
    )
    .expect(0, "run")
    .json();
    assert_eq!(
        (&run["action"], &run["schedule"]),
        (&"started".into(), &"say-hello".into()),
        "{d}: {run}"
    );
    assert!(
        panel
            .sim
            .console(uuid)
            .contains(&"say scheduled hello".to_string()),
        "{d}"
    );
    let unknown = ops(panel, &["schedule", "run", "server.alpha/nightly"]).expect(1, "unknown");
    assert!(
        unknown.stderr.contains("its schedules: say-hello"),
        "{}",
        unknown.show()
    );
}

/// The node's configuration: to a 0600 file, or to a pipe (the test's stdout).
fn node_config(panel: &Panel, d: Dialect) {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("config.yml");
    ops(
        panel,
        &["node", "config", "node.n1", "-o", conf.to_str().unwrap()],
    )
    .expect(0, "config");
    let text = std::fs::read_to_string(&conf).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        v["token"].as_str().is_some_and(|t| !t.is_empty()),
        "{d}: {text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&conf).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{d}");
    }
    let piped = ops(panel, &["node", "config", "n1"]).expect(0, "piped");
    assert_eq!(piped.stdout, text, "{d}");
}

#[test]
fn children_pterodactyl() {
    children(Dialect::Pterodactyl);
}

#[test]
fn children_pelican() {
    children(Dialect::Pelican);
}
