//! The brief's agent workflows as the README gives them ("Agent workflows"), end to end on the
//! simulator in both dialects: start if offline, upload a plugin and restart, a nightly backup
//! (declared as a schedule, and the one-off command), and the weekly database password
//! rotation exactly as `examples/ci/rotate-database-passwords.yml` runs it.

mod common;

use common::manifests::Fleet;
use common::ops::ready;
use common::panel::Panel;
use common::sim_state::server_by_name;
use common::{DIALECTS, p};
use roost_model::Dialect;
use std::time::Duration;

fn roost(panel: &Panel, fleet: &Fleet, args: &[&str]) -> common::cli::Run {
    let mut all = args.to_vec();
    all.extend(["--dir", p(fleet.path())]);
    panel.roost(&all)
}

#[test]
fn the_readme_recipes_work() {
    for d in DIALECTS {
        let panel = ready(d);
        panel.use_client_key();
        let fleet = Fleet::copy(&common::small(d));
        let alpha = server_by_name(&panel.state(), "Alpha").id;
        start_if_offline(&panel, &fleet, d);
        upload_and_restart(&panel, &fleet, d);
        nightly_backup(&panel, &fleet, d);
        weekly_rotation(&panel, &fleet, d, alpha);
    }
}

/// Start a server if it is offline (twice: the second run has nothing to do).
fn start_if_offline(panel: &Panel, fleet: &Fleet, d: Dialect) {
    roost(
        panel,
        fleet,
        &[
            "server",
            "power",
            "server.alpha",
            "--ensure",
            "running",
            "--wait",
        ],
    )
    .expect(0, "ensure");
    let again = roost(
        panel,
        fleet,
        &[
            "server",
            "power",
            "server.alpha",
            "--ensure",
            "running",
            "--wait",
        ],
    )
    .expect(0, "again");
    assert!(
        again.stdout.contains("already running"),
        "{d}: {}",
        again.show()
    );
}

/// Upload a plugin, then restart.
fn upload_and_restart(panel: &Panel, fleet: &Fleet, d: Dialect) {
    let jar = fleet.path().join("Foo.jar");
    std::fs::write(&jar, b"PK\x03\x04 not really a jar").unwrap();
    let jar_arg = format!("{}", jar.display());
    roost(
        panel,
        fleet,
        &[
            "files",
            "put",
            "server.alpha",
            &jar_arg,
            "plugins/Foo.jar",
            "--restart",
        ],
    )
    .expect(0, "put");
    let got = roost(
        panel,
        fleet,
        &["files", "get", "server.alpha", "plugins/Foo.jar", "-o", "-"],
    )
    .expect(0, "get");
    assert_eq!(got.stdout.as_bytes(), b"PK\x03\x04 not really a jar", "{d}");
}

/// Nightly backup: declared, applied, run by the panel at 04:00; and the one-off.
fn nightly_backup(panel: &Panel, fleet: &Fleet, d: Dialect) {
    fleet.edit(
        "fleet.kdl",
        "server \"alpha\" from=\"paper\" {",
        "server \"alpha\" from=\"paper\" {\n    features backups=3\n    schedule \"nightly\" cron=\"0 4 * * *\" {\n        task \"backup\"\n    }",
    );
    panel.apply_ok(fleet.path());
    panel.sim.advance_clock(Duration::from_secs(24 * 3600));
    roost(
        panel,
        fleet,
        &[
            "backup",
            "create",
            "server.alpha",
            "--name",
            "before-update",
            "--wait",
        ],
    )
    .expect(0, "one-off");
    std::thread::sleep(Duration::from_millis(400));
    let list = roost(
        panel,
        fleet,
        &["backup", "list", "server.alpha", "--format", "json"],
    )
    .expect(0, "list");
    let backups = list.json()["servers"][0]["backups"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        backups.len(),
        2,
        "{d}: the schedule's and the one-off: {backups:?}"
    );
    assert!(backups.iter().any(|b| b["name"] == "before-update"), "{d}");
}

/// Weekly rotation, the CI example's command with its manifest directory.
fn weekly_rotation(panel: &Panel, fleet: &Fleet, d: Dialect, alpha_id: u64) {
    let db = panel.mutate(|s| {
        let host = *s.database_hosts.keys().next().unwrap();
        s.add_database(alpha_id, host, "main", "%")
    });
    let before = panel.state().databases[&db].password.clone();
    let ci =
        std::fs::read_to_string(common::repo().join("examples/ci/rotate-database-passwords.yml"))
            .unwrap();
    let line = ci
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("roost db rotate"))
        .unwrap();
    let mut args: Vec<String> = line
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect();
    let dir_at = args.iter().position(|a| a == "--dir").unwrap();
    args.drain(dir_at..dir_at + 2);
    let file_at = args.iter().position(|a| a == "--password-file").unwrap();
    let pw = fleet.path().join(&args[file_at + 1]);
    args[file_at + 1] = pw.display().to_string();
    // The CI example names the lobby; the small fleet's server is alpha.
    let target = args.iter().position(|a| a.starts_with("server.")).unwrap();
    args[target] = "server.alpha/main".into();
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    roost(panel, fleet, &argv).expect(0, "rotate");
    let after = panel.state().databases[&db].password.clone();
    assert_ne!(after, before, "{d}");
    assert_eq!(
        std::fs::read_to_string(&pw).unwrap(),
        format!("{after}\n"),
        "{d}"
    );
}
