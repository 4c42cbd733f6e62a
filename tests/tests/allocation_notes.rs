//! Allocation notes and the primary allocation end to end, in both dialects: declared notes are
//! written through the Client API and then left alone; an edit converges; a note changed behind
//! roost's back shows in `plan` and `drift`; a note roost was not told about is kept; `import`
//! writes the notes back; without a client key a plan that must write a note fails saying so;
//! switching the primary to one of the server's additional allocations goes through the build.

mod common;

use common::manifests::Fleet;
use common::panel::Panel;
use common::sim_state::server_by_name;
use common::{fleet, p};
use roost_sim::{Dialect, SimState};

const PT: Dialect = Dialect::Pterodactyl;
const PL: Dialect = Dialect::Pelican;

/// The fixture fleet, the survival server's two allocations noted.
fn with_notes(dialect: Dialect) -> Fleet {
    let f = Fleet::copy(&fleet(dialect));
    f.edit(
        "servers.kdl",
        "    allocation 25566\n    additional-allocations 25567\n",
        "    allocation 25566 notes=\"game port\"\n    additional-allocations 25567\n    allocation-note \"10.0.0.5:25567\" \"query port\"\n",
    );
    f
}

/// The note the panel holds on port `port` of 10.0.0.5.
fn note(st: &SimState, port: u16) -> Option<String> {
    st.allocations
        .values()
        .find(|a| a.ip == "10.0.0.5" && a.port == port)
        .and_then(|a| a.notes.clone())
}

fn allocation_id(st: &SimState, port: u16) -> u64 {
    st.allocations
        .values()
        .find(|a| a.ip == "10.0.0.5" && a.port == port)
        .expect("the allocation exists")
        .id
}

/// A client of the simulator's Client API with the admin's key, and a runtime to drive it.
fn client(panel: &Panel) -> (roost_panel::ClientApi, tokio::runtime::Runtime) {
    let mut cc = roost_panel::ClientConfig::new(
        panel.sim.url(),
        roost_panel::Secret::new(panel.sim.client_token()),
    );
    cc.rate_limit = roost_panel::RateLimit::Off;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (roost_panel::ClientApi::new(cc).expect("a client"), rt)
}

/// Sets the note of port `port` of server `name` through the Client API, as a user would.
fn note_behind_roosts_back(panel: &Panel, name: &str, port: u16, text: &str) {
    let st = panel.state();
    let server = server_by_name(&st, name);
    let identifier = server.uuid[..8].to_string();
    let id = allocation_id(&st, port);
    let (api, rt) = client(panel);
    rt.block_on(api.set_allocation_notes(&identifier, id, Some(text)))
        .expect("the panel takes the note");
}

fn written_edited_converged(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_notes(dialect);
    panel.apply_ok(f.path());
    assert_eq!(note(&panel.state(), 25566).as_deref(), Some("game port"));
    assert_eq!(note(&panel.state(), 25567).as_deref(), Some("query port"));
    panel.assert_converged(f.path(), "after writing the notes");

    // An edit shows as the attribute of that allocation, and converges.
    f.edit("servers.kdl", "\"query port\"", "\"rcon\"");
    let plan = panel
        .roost(&["plan", p(f.path())])
        .expect(0, "plan of the edit");
    assert!(
        plan.stdout
            .contains("allocation_notes.10.0.0.5:25567 = \"query port\" -> \"rcon\""),
        "{}",
        plan.show()
    );
    let json = panel
        .plan_as(f.path(), "json", &[])
        .expect(0, "plan as JSON");
    assert!(
        json.stdout.contains("/network/allocations/"),
        "the call is the Client API's: {}",
        json.show()
    );
    panel.apply_ok(f.path());
    assert_eq!(note(&panel.state(), 25567).as_deref(), Some("rcon"));
    panel.assert_converged(f.path(), "after the edit");

    // An empty note clears the panel's.
    f.edit("servers.kdl", "\"rcon\"", "\"\"");
    panel.apply_ok(f.path());
    assert_eq!(note(&panel.state(), 25567), None);
    panel.assert_converged(f.path(), "after clearing");
}

#[test]
fn notes_are_written_edited_and_converge_on_pterodactyl() {
    written_edited_converged(PT);
}

#[test]
fn notes_are_written_edited_and_converge_on_pelican() {
    written_edited_converged(PL);
}

fn drift_shows_and_undeclared_notes_are_kept(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_notes(dialect);
    panel.apply_ok(f.path());
    note_behind_roosts_back(&panel, "Survival", 25567, "changed by hand");
    // The lobby declares no note: whatever the panel has there is not roost's to change.
    note_behind_roosts_back(&panel, "Lobby", 25565, "the customer's own");
    let plan = panel.roost(&["plan", p(f.path()), "--detailed-exitcode"]);
    assert_eq!(plan.code, Some(2), "{}", plan.show());
    assert!(
        plan.stdout
            .contains("\"changed by hand\" -> \"query port\""),
        "{}",
        plan.show()
    );
    assert!(!plan.stdout.contains("server.lobby"), "{}", plan.show());
    let drift = panel.roost(&["drift", p(f.path())]);
    assert_eq!(drift.code, Some(3), "{}", drift.show());
    assert!(
        drift.stdout.contains("allocation_notes.10.0.0.5:25567"),
        "{}",
        drift.show()
    );
    panel.apply_ok(f.path());
    assert_eq!(note(&panel.state(), 25567).as_deref(), Some("query port"));
    assert_eq!(
        note(&panel.state(), 25565).as_deref(),
        Some("the customer's own")
    );
    panel.assert_converged(f.path(), "after repairing the drift");

    // An ignored note is neither shown nor written.
    note_behind_roosts_back(&panel, "Survival", 25567, "by hand again");
    f.edit(
        "servers.kdl",
        "    allocation-note \"10.0.0.5:25567\" \"query port\"\n",
        "    allocation-note \"10.0.0.5:25567\" \"query port\"\n    ignore \"allocation_notes.10.0.0.5:25567\"\n",
    );
    panel.assert_converged(f.path(), "with the note ignored");
}

#[test]
fn a_note_changed_behind_roosts_back_shows_as_drift_on_pterodactyl() {
    drift_shows_and_undeclared_notes_are_kept(PT);
}

#[test]
fn a_note_changed_behind_roosts_back_shows_as_drift_on_pelican() {
    drift_shows_and_undeclared_notes_are_kept(PL);
}

fn import_round_trip(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_notes(dialect);
    panel.apply_ok(f.path());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("imported");
    let run = panel.roost(&["import", "--out", p(&dir)]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    let text = common::manifests::read_tree(&dir)
        .into_values()
        .collect::<String>();
    assert!(
        text.contains("allocation \"10.0.0.5:25566\" notes=\"game port\""),
        "{text}"
    );
    assert!(
        text.contains("allocation-note \"10.0.0.5:25567\" \"query port\""),
        "{text}"
    );
    // Planned against the panel it came from, the notes are as declared.
    let plan = panel.roost(&["plan", p(&dir)]);
    assert_eq!(plan.code, Some(0), "{}", plan.show());
    assert!(!plan.stdout.contains("allocation_notes"), "{}", plan.show());
    assert!(!plan.stdout.contains("server."), "{}", plan.show());
}

#[test]
fn import_writes_notes_that_plan_as_unchanged_on_pterodactyl() {
    import_round_trip(PT);
}

#[test]
fn import_writes_notes_that_plan_as_unchanged_on_pelican() {
    import_round_trip(PL);
}

#[test]
fn without_a_client_key_only_a_note_to_write_fails_the_plan() {
    for dialect in [PT, PL] {
        let panel = Panel::start(dialect);
        let f = with_notes(dialect);
        let run = panel.roost(&["plan", p(f.path())]);
        assert_eq!(run.code, Some(1), "{}", run.show());
        assert!(
            run.stderr.contains("roost::no-client-key")
                && run.stderr.contains("ROOST_CLIENT_TOKEN"),
            "{}",
            run.show()
        );
        // Once the notes are in place, planning needs no client key: they are read through
        // the Application API's allocation listings, as the panels show them there.
        panel.use_client_key();
        panel.apply_ok(f.path());
        let run = panel.roost_env(
            &["plan", p(f.path()), "--detailed-exitcode"],
            &[("ROOST_CLIENT_TOKEN", "")],
        );
        assert_eq!(run.code, Some(0), "{}", run.show());
    }
}

fn primary_switch(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = Fleet::copy(&fleet(dialect));
    panel.apply_ok(f.path());
    let survival = |st: &SimState| server_by_name(st, "Survival").allocation_id;
    assert_eq!(
        survival(&panel.state()),
        Some(allocation_id(&panel.state(), 25566))
    );
    f.edit(
        "servers.kdl",
        "    allocation 25566\n    additional-allocations 25567\n",
        "    allocation 25567\n    additional-allocations 25566\n",
    );
    let plan = panel.roost(&["plan", p(f.path())]).expect(0, "plan");
    assert!(
        plan.stdout.lines().any(|l| l.contains("~ allocation ")
            && l.ends_with("= \"10.0.0.5:25566\" -> \"10.0.0.5:25567\"")),
        "{}",
        plan.show()
    );
    let json = panel
        .plan_as(f.path(), "json", &[])
        .expect(0, "plan as JSON");
    assert!(
        json.stdout.contains("/build") && !json.stdout.contains("/primary"),
        "through the Application API's build: {}",
        json.show()
    );
    panel.apply_ok(f.path());
    let st = panel.state();
    assert_eq!(survival(&st), Some(allocation_id(&st, 25567)));
    let held: Vec<u64> = st
        .allocations
        .values()
        .filter(|a| a.server_id == Some(server_by_name(&st, "Survival").id))
        .map(|a| a.port.into())
        .collect();
    assert_eq!(held.len(), 2, "both allocations stay: {held:?}");
    panel.assert_converged(f.path(), "after the primary switch");
}

#[test]
fn the_primary_switches_to_an_additional_allocation_on_pterodactyl() {
    primary_switch(PT);
}

#[test]
fn the_primary_switches_to_an_additional_allocation_on_pelican() {
    primary_switch(PL);
}

#[test]
fn validation_errors_name_the_place_and_the_fix() {
    let f = Fleet::copy(&fleet(PT));
    f.edit(
        "servers.kdl",
        "    additional-allocations 25567\n",
        &format!(
            "    additional-allocations 25567\n    allocation-note 25569 \"not mine\"\n    allocation-note 25567 \"{}\"\n",
            "x".repeat(257)
        ),
    );
    let run = common::cli::offline(&["validate", p(f.path())]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        run.stderr
            .contains("port 25569 is not one of server `survival`'s allocations"),
        "{}",
        run.show()
    );
    assert!(run.stderr.contains("servers.kdl:27:"), "{}", run.show());
    assert!(
        run.stderr.contains("257 > 256 characters"),
        "{}",
        run.show()
    );
}

/// The panel answers 500 after saving the note: on Pterodactyl the engine re-reads the server's
/// allocations, finds the note in place and counts the write as applied; Pelican's 500 names a
/// connection failure, and the repeatable write is sent again. Nothing is left to do.
fn an_answer_lost_after_the_write(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let bare = Fleet::copy(&fleet(dialect));
    panel.apply_ok(bare.path());
    let st = panel.state();
    let identifier = server_by_name(&st, "Survival").uuid[..8].to_string();
    panel.sim.set_faults(roost_sim::Faults {
        rules: vec![roost_sim::FaultRule {
            method: Some("POST".into()),
            path: format!("/api/client/servers/{identifier}/network/allocations/"),
            nth: 1,
            times: 1,
            action: roost_sim::FaultAction::Status {
                status: 500,
                after_commit: true,
            },
        }],
        ..roost_sim::Faults::default()
    });
    let f = with_notes(dialect);
    let run = panel.apply(f.path(), &["--auto-approve"]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    let st = panel.state();
    assert_eq!(note(&st, 25566).as_deref(), Some("game port"));
    assert_eq!(note(&st, 25567).as_deref(), Some("query port"));
    let failed = panel
        .log()
        .iter()
        .filter(|r| {
            r.method == "POST" && r.path.contains("/network/allocations/") && r.status == 500
        })
        .count();
    assert_eq!(failed, 1, "the fault fired once");
    if dialect == PT {
        assert!(
            run.stderr
                .contains("a re-read shows the change in place: counted as applied"),
            "{}",
            run.show()
        );
    } else {
        // Pelican's 500 here is its `ConnectionException` (how it reports every Wings failure):
        // a note write may be repeated, so the client sends it again instead of re-reading.
        let posts = panel
            .log()
            .iter()
            .filter(|r| r.method == "POST" && r.path.contains("/network/allocations/"))
            .count();
        assert_eq!(
            posts,
            3,
            "two notes, one of them sent twice: {}",
            run.show()
        );
    }
    panel.assert_converged(f.path(), "after the lost answer");
}

#[test]
fn a_lost_answer_after_the_note_is_saved_counts_as_applied_on_pterodactyl() {
    an_answer_lost_after_the_write(PT);
}

#[test]
fn a_lost_answer_after_the_note_is_saved_counts_as_applied_on_pelican() {
    an_answer_lost_after_the_write(PL);
}

#[test]
fn a_saved_plan_is_refused_when_a_note_changed_since() {
    for dialect in [PT, PL] {
        let panel = Panel::with_client_key(dialect);
        let f = with_notes(dialect);
        panel.apply_ok(f.path());
        f.edit("servers.kdl", "\"query port\"", "\"rcon\"");
        let out = tempfile::tempdir().unwrap();
        let saved = out.path().join("plan.json");
        panel
            .roost(&["plan", p(f.path()), "-o", p(&saved)])
            .expect(0, "plan -o");
        // The allocation (its note included) is fingerprinted with the plan.
        note_behind_roosts_back(&panel, "Survival", 25567, "by hand");
        let run = panel.roost(&["apply", p(&saved), "--auto-approve"]);
        assert_eq!(run.code, Some(5), "{}", run.show());
        assert_eq!(note(&panel.state(), 25567).as_deref(), Some("by hand"));
        // Planned again, it applies.
        panel.apply_ok(f.path());
        assert_eq!(note(&panel.state(), 25567).as_deref(), Some("rcon"));
    }
}

#[test]
fn apply_waits_for_a_new_servers_install_before_its_notes() {
    // The Client API answers 409 while the server installs: apply waits by reading.
    let panel = Panel::with_client_key(PT);
    panel.mutate(|s| s.settings.install_ms = 2_500);
    let f = with_notes(PT);
    let run = panel.apply_ok(f.path());
    assert!(
        run.stderr.contains("its server is still installing"),
        "{}",
        run.show()
    );
    assert_eq!(note(&panel.state(), 25567).as_deref(), Some("query port"));
    panel.assert_converged(f.path(), "after waiting for the install");
}
