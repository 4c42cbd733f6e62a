//! Schedules end to end, in both dialects, through the Client API with the admin's client key:
//! declared schedules are created with their tasks, then left alone; edits of the cron and of
//! the task list converge; a schedule changed behind roost's back shows in `plan` and `drift`;
//! `import` writes schedules back; a server still installing makes its schedules wait; without a
//! client key a plan that needs one fails saying so; a schedule roost did not declare is deleted
//! only under the child-ownership rule.

mod common;

use common::manifests::Fleet;
use common::panel::Panel;
use common::sim_state::server_by_name;
use common::{fleet, p};
use roost_sim::{Dialect, SimState};

const PT: Dialect = Dialect::Pterodactyl;
const PL: Dialect = Dialect::Pelican;

const NIGHTLY: &str = r#"    schedule "nightly" cron="0 4 * * *" {
        only-when-online #true
        task "backup"
        task "command" "say Restarting in 60s"
        task "power" "restart" offset=60
    }
"#;

/// The fixture fleet with `schedule` blocks `blocks` in the lobby.
fn with_schedules(dialect: Dialect, blocks: &str) -> Fleet {
    let f = Fleet::copy(&fleet(dialect));
    f.edit(
        "servers.kdl",
        "    allocation 25565\n",
        &format!("    allocation 25565\n{blocks}"),
    );
    f
}

fn key(panel: &Panel) -> String {
    panel.sim.client_token()
}

/// The lobby's schedules on the panel: (name, cron, tasks as `action payload offset`).
fn lobby_schedules(st: &SimState) -> Vec<(String, String, Vec<String>)> {
    let lobby = server_by_name(st, "Lobby").id;
    st.schedules
        .values()
        .filter(|s| s.server_id == lobby)
        .map(|s| {
            let c = &s.cron;
            let mut tasks = s.tasks.clone();
            tasks.sort_by_key(|t| t.sequence_id);
            (
                s.name.clone(),
                format!(
                    "{} {} {} {} {}",
                    c.minute, c.hour, c.day_of_month, c.month, c.day_of_week
                ),
                tasks
                    .iter()
                    .map(|t| format!("{} {} {}", t.action, t.payload, t.time_offset))
                    .collect(),
            )
        })
        .collect()
}

fn created_edited_converged(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_schedules(dialect, NIGHTLY);
    let plan = panel.roost(&["plan", p(f.path())]).expect(0, "plan");
    assert!(
        plan.stdout
            .contains("server.lobby/schedule.nightly will be created"),
        "{}",
        plan.show()
    );
    assert!(plan.stdout.contains("tasks.3"), "{}", plan.show());
    panel.apply_ok(f.path());
    assert_eq!(
        lobby_schedules(&panel.state()),
        [(
            "nightly".to_string(),
            "0 4 * * *".to_string(),
            vec![
                "backup  0".to_string(),
                "command say Restarting in 60s 0".to_string(),
                "power restart 60".to_string()
            ]
        )]
    );
    panel.assert_converged(f.path(), "after the create");

    // The cron changes, a task is added, two swap places, one leaves.
    f.edit("servers.kdl", "cron=\"0 4 * * *\"", "cron=\"30 5 * * 1-5\"")
        .edit(
            "servers.kdl",
            "        task \"backup\"\n        task \"command\" \"say Restarting in 60s\"\n",
            "        task \"command\" \"say Restarting in 60s\"\n        task \"backup\" \"*.log\"\n",
        )
        .edit(
            "servers.kdl",
            "        task \"power\" \"restart\" offset=60\n",
            "        task \"power\" \"restart\" offset=60\n        task \"command\" \"say back\" offset=30\n",
        );
    let plan = panel
        .roost(&["plan", p(f.path())])
        .expect(0, "plan of the edit");
    assert!(
        plan.stdout.contains("\"0 4 * * *\" -> \"30 5 * * 1-5\""),
        "{}",
        plan.show()
    );
    assert!(plan.stdout.contains("+ tasks.4"), "{}", plan.show());
    panel.apply_ok(f.path());
    assert_eq!(
        lobby_schedules(&panel.state())[0].2,
        [
            "command say Restarting in 60s 0",
            "backup *.log 0",
            "power restart 60",
            "command say back 30"
        ]
    );
    panel.assert_converged(f.path(), "after the edit");

    // Two tasks leave.
    f.edit("servers.kdl", "        task \"backup\" \"*.log\"\n", "")
        .edit(
            "servers.kdl",
            "        task \"command\" \"say back\" offset=30\n",
            "",
        );
    panel.apply_ok(f.path());
    assert_eq!(
        lobby_schedules(&panel.state())[0].2,
        ["command say Restarting in 60s 0", "power restart 60"]
    );
    panel.assert_converged(f.path(), "after removing tasks");
}

#[test]
fn schedules_are_created_edited_and_converge_on_pterodactyl() {
    created_edited_converged(PT);
}

#[test]
fn schedules_are_created_edited_and_converge_on_pelican() {
    created_edited_converged(PL);
}

/// Changes the lobby's schedule through the simulator's Client API, as a user would.
fn change_behind_roosts_back(panel: &Panel) {
    let st = panel.state();
    let lobby = server_by_name(&st, "Lobby");
    let identifier = lobby.uuid[..8].to_string();
    let schedule = st
        .schedules
        .values()
        .find(|s| s.server_id == lobby.id)
        .expect("the lobby has a schedule")
        .id;
    let mut cc =
        roost_panel::ClientConfig::new(panel.sim.url(), roost_panel::Secret::new(key(panel)));
    cc.rate_limit = roost_panel::RateLimit::Off;
    let api = roost_panel::ClientApi::new(cc).expect("a client");
    let body = roost_panel::ScheduleBody {
        name: "nightly".into(),
        cron: roost_panel::Cron {
            minute: "15".into(),
            hour: "3".into(),
            day_of_month: "*".into(),
            month: "*".into(),
            day_of_week: "*".into(),
        },
        is_active: false,
        only_when_online: true,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(api.update_schedule(&identifier, schedule, &body))
        .expect("the panel takes the change");
}

fn drift_shows(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_schedules(dialect, NIGHTLY);
    panel.apply_ok(f.path());
    change_behind_roosts_back(&panel);
    let plan = panel.roost(&["plan", p(f.path()), "--detailed-exitcode"]);
    assert_eq!(plan.code, Some(2), "{}", plan.show());
    assert!(
        plan.stdout.contains("\"15 3 * * *\" -> \"0 4 * * *\""),
        "{}",
        plan.show()
    );
    assert!(plan.stdout.contains("enabled"), "{}", plan.show());
    let drift = panel.roost(&["drift", p(f.path())]);
    assert_eq!(drift.code, Some(3), "{}", drift.show());
    assert!(
        drift.stdout.contains("server.lobby/schedule.nightly"),
        "{}",
        drift.show()
    );
    panel.apply_ok(f.path());
    panel.assert_converged(f.path(), "after repairing the drift");
}

#[test]
fn a_schedule_changed_behind_roosts_back_shows_as_drift_on_pterodactyl() {
    drift_shows(PT);
}

#[test]
fn a_schedule_changed_behind_roosts_back_shows_as_drift_on_pelican() {
    drift_shows(PL);
}

fn import_round_trip(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_schedules(dialect, NIGHTLY);
    panel.apply_ok(f.path());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("imported");
    let run = panel.roost(&["import", "--out", p(&dir)]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(run.stderr.contains("1 schedules"), "{}", run.show());
    let text = common::manifests::read_tree(&dir)
        .into_values()
        .collect::<String>();
    assert!(
        text.contains("schedule \"nightly\" cron=\"0 4 * * *\""),
        "{text}"
    );
    assert!(
        text.contains("task \"power\" \"restart\" offset=60"),
        "{text}"
    );
    // Planned against the panel it came from, the schedule is as declared.
    let plan = panel.roost(&["plan", p(&dir)]);
    assert_eq!(plan.code, Some(0), "{}", plan.show());
    assert!(!plan.stdout.contains("schedule."), "{}", plan.show());
}

#[test]
fn import_writes_schedules_that_plan_as_unchanged_on_pterodactyl() {
    import_round_trip(PT);
}

#[test]
fn import_writes_schedules_that_plan_as_unchanged_on_pelican() {
    import_round_trip(PL);
}

fn installing(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    // The servers stay installing for an hour of the simulator's clock.
    panel.mutate(|s| s.settings.install_ms = 3_600_000);
    let bare = Fleet::copy(&fleet(dialect));
    panel.apply_ok(bare.path());
    let f = with_schedules(dialect, NIGHTLY);
    let plan = panel.roost(&["plan", p(f.path())]);
    assert_eq!(plan.code, Some(1), "{}", plan.show());
    assert!(
        plan.stderr.contains("roost::server-level-unreadable")
            && plan.stderr.contains("installing"),
        "{}",
        plan.show()
    );
    // Once installed, the schedules plan and apply.
    panel
        .sim
        .advance_clock(std::time::Duration::from_secs(3_601));
    panel.apply_ok(f.path());
    panel.assert_converged(f.path(), "after the install");
}

#[test]
fn schedules_of_a_server_still_installing_wait_on_pterodactyl() {
    installing(PT);
}

#[test]
fn schedules_of_a_server_still_installing_wait_on_pelican() {
    installing(PL);
}

#[test]
fn apply_waits_for_a_new_servers_install_before_its_schedules() {
    let panel = Panel::with_client_key(PL);
    panel.mutate(|s| s.settings.install_ms = 2_500);
    let f = with_schedules(PL, NIGHTLY);
    let run = panel.apply_ok(f.path());
    assert!(
        run.stderr.contains("its server is still installing"),
        "{}",
        run.show()
    );
    assert_eq!(lobby_schedules(&panel.state()).len(), 1);
    panel.assert_converged(f.path(), "after waiting for the install");
}

#[test]
fn without_a_client_key_a_plan_with_schedules_fails_saying_so() {
    for dialect in [PT, PL] {
        let panel = Panel::start(dialect);
        let f = with_schedules(dialect, NIGHTLY);
        let run = panel.roost(&["plan", p(f.path())]);
        assert_eq!(run.code, Some(1), "{}", run.show());
        assert!(
            run.stderr.contains("roost::no-client-key")
                && run.stderr.contains("ROOST_CLIENT_TOKEN"),
            "{}",
            run.show()
        );
        // Without schedules, no client key is needed and none is asked for.
        let bare = Fleet::copy(&fleet(dialect));
        panel.roost(&["plan", p(bare.path())]).expect(0, "plan");
    }
}

#[test]
fn validation_errors_name_the_place_and_the_fix() {
    let f = with_schedules(
        PT,
        "    schedule \"bad\" cron=\"0 24 * * *\" {\n        task \"reboot\"\n    }\n",
    );
    let run = common::cli::offline(&["validate", p(f.path())]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        run.stderr.contains("`24` is not a valid hour"),
        "{}",
        run.show()
    );
    assert!(run.stderr.contains("servers.kdl:9:"), "{}", run.show());
    assert!(
        run.stderr.contains("`reboot` is not a task action"),
        "{}",
        run.show()
    );
}

fn pruned_only_under_the_child_ownership_rule(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_schedules(dialect, NIGHTLY);
    panel.apply_ok(f.path());
    // The customer's own schedule, made in the panel.
    let extra = with_schedules(
        dialect,
        &format!(
            "{NIGHTLY}    schedule \"customer\" cron=\"0 0 * * *\" {{\n        task \"command\" \"say hi\"\n    }}\n"
        ),
    );
    panel.apply_ok(extra.path());
    assert_eq!(lobby_schedules(&panel.state()).len(), 2);
    // Without `prune "schedules"` it is left alone and listed.
    let plan = panel.roost(&["plan", p(f.path())]).expect(0, "plan");
    assert!(
        plan.stdout
            .contains("schedule server.lobby/schedule.customer"),
        "{}",
        plan.show()
    );
    panel.apply_ok(f.path());
    assert_eq!(lobby_schedules(&panel.state()).len(), 2);
    // With it, the delete needs --allow-destroy.
    f.edit(
        "panel.kdl",
        "prune \"servers\" \"allocations\"",
        "prune \"servers\" \"allocations\" \"schedules\"",
    );
    let refused = panel.roost(&["apply", p(f.path()), "--auto-approve"]);
    assert_ne!(refused.code, Some(0), "{}", refused.show());
    assert_eq!(lobby_schedules(&panel.state()).len(), 2);
    panel.apply_ok(f.path());
    let left: Vec<String> = lobby_schedules(&panel.state())
        .into_iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(left, ["nightly"]);
    panel.assert_converged(f.path(), "after the prune");
}

#[test]
fn an_undeclared_schedule_is_deleted_only_when_pruned_on_pterodactyl() {
    pruned_only_under_the_child_ownership_rule(PT);
}

#[test]
fn an_undeclared_schedule_is_deleted_only_when_pruned_on_pelican() {
    pruned_only_under_the_child_ownership_rule(PL);
}

#[test]
fn a_saved_plan_is_refused_when_a_schedule_changed_since() {
    for dialect in [PT, PL] {
        let panel = Panel::with_client_key(dialect);
        let f = with_schedules(dialect, NIGHTLY);
        panel.apply_ok(f.path());
        f.edit("servers.kdl", "cron=\"0 4 * * *\"", "cron=\"0 6 * * *\"");
        let out = tempfile::tempdir().unwrap();
        let saved = out.path().join("plan.json");
        panel
            .roost(&["plan", p(f.path()), "-o", p(&saved)])
            .expect(0, "plan -o");
        assert!(
            std::fs::read_to_string(&saved)
                .unwrap()
                .contains("\"schedules:"),
            "the saved plan fingerprints the schedules it read"
        );
        // Unchanged since: it applies.
        let run = panel.roost(&["apply", p(&saved), "--auto-approve"]);
        assert_eq!(run.code, Some(0), "{}", run.show());
        assert_eq!(lobby_schedules(&panel.state())[0].1, "0 6 * * *");
        // Changed since: refused, nothing applied.
        f.edit("servers.kdl", "cron=\"0 6 * * *\"", "cron=\"0 7 * * *\"");
        panel
            .roost(&["plan", p(f.path()), "-o", p(&saved)])
            .expect(0, "plan -o");
        change_behind_roosts_back(&panel);
        let run = panel.roost(&["apply", p(&saved), "--auto-approve"]);
        assert_eq!(run.code, Some(5), "{}", run.show());
        assert_eq!(lobby_schedules(&panel.state())[0].1, "15 3 * * *");
    }
}
