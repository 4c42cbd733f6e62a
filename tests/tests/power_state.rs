//! `power "running"` / `power "stopped"` end to end, in both dialects, against the simulator's
//! emulated Wings: apply starts the server (after creating it) and waits until it runs, then the
//! next plan shows no changes; a server stopped behind roost's back shows in `plan` and `drift`
//! and a plan saved before that is refused; `power "stopped"` stops it (only with approval);
//! a server that never gets there fails at the power timeout, naming the server and the last
//! state seen; a start whose answer is lost is sent again only while the server has not moved.
//! The panel caches Wings' answer for 20 seconds: while roost waits, the test moves the
//! simulator's clock on.

mod common;

use common::cli::Run;
use common::manifests::Fleet;
use common::panel::Panel;
use common::sim_state::server_by_name;
use common::{fleet, p};
use roost_sim::{Dialect, FaultAction, FaultRule, Faults};
use std::path::Path;
use std::time::Duration;

const PT: Dialect = Dialect::Pterodactyl;
const PL: Dialect = Dialect::Pelican;

/// The fixture fleet with `power "STATE"` on the lobby.
fn with_power(dialect: Dialect, state: &str) -> Fleet {
    let f = Fleet::copy(&fleet(dialect));
    f.edit(
        "servers.kdl",
        "    allocation 25565\n",
        &format!("    allocation 25565\n    power \"{state}\"\n"),
    );
    f
}

/// `roost ARGS` while the simulator's clock moves 5 s every 50 ms, so that Wings' transitions
/// and the panel's 20-second cache pass while roost waits.
fn with_moving_clock(panel: &Panel, args: &[&str]) -> Run {
    let mut child = panel.spawn(args);
    while child.try_wait().expect("wait for roost-test").is_none() {
        panel.sim.advance_clock(Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = Run::from(child.wait_with_output().expect("roost-test output"));
    run.assert_no_secret(&format!("{args:?}"));
    run
}

fn apply(panel: &Panel, dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["apply", p(dir), "--auto-approve"];
    args.extend_from_slice(extra);
    with_moving_clock(panel, &args)
}

/// The client API, with the admin's client key, and the lobby's identifier.
fn client(panel: &Panel) -> (roost_panel::ClientApi, String) {
    let identifier = server_by_name(&panel.state(), "Lobby").uuid[..8].to_string();
    let mut cc = roost_panel::ClientConfig::new(
        panel.sim.url(),
        roost_panel::Secret::new(panel.sim.client_token()),
    );
    cc.rate_limit = roost_panel::RateLimit::Off;
    let api = roost_panel::ClientApi::new(cc).expect("a client");
    (api, identifier)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The lobby's state as Wings reports it, past the panel's cache.
fn lobby_state(panel: &Panel) -> String {
    panel.sim.advance_clock(Duration::from_secs(21));
    let (api, id) = client(panel);
    block_on(api.resources(&id))
        .expect("resources")
        .current_state
}

/// Stops the lobby through the Client API, as someone in the panel would, and lets it stop.
fn stop_behind_roosts_back(panel: &Panel) {
    let (api, id) = client(panel);
    block_on(api.power(&id, roost_panel::PowerSignal::Stop)).expect("the panel takes the stop");
    assert_eq!(lobby_state(panel), "offline");
}

fn started_then_converged(d: Dialect) {
    let panel = Panel::with_client_key(d);
    let f = with_power(d, "running");
    f.edit(
        "servers.kdl",
        "    power \"running\"\n",
        "    power \"running\"\n    schedule \"hello\" cron=\"0 4 * * *\" {\n        task \"command\" \"say hello\"\n    }\n",
    );
    let plan = panel.plan(f.path(), &[]).expect(0, "plan");
    assert!(plan.stdout.contains("power"), "{}", plan.show());
    let run = apply(&panel, f.path(), &[]);
    assert_eq!(run.code, Some(0), "{d}: {}", run.show());
    assert_eq!(lobby_state(&panel), "running", "{d}");
    // The start came last: after the server's create and its schedule's task.
    let log = panel.log();
    let at = |method: &str, tail: &str| {
        log.iter()
            .rposition(|r| r.method == method && r.path.ends_with(tail))
            .unwrap_or_else(|| panic!("no {method} …{tail} in the log"))
    };
    assert!(at("POST", "/power") > at("POST", "/tasks"), "{d}: {log:?}");
    // Only the lobby's state and schedules are read (one request each), and the plan counts
    // them.
    let json = panel
        .plan_as(f.path(), "json", &[])
        .expect(0, "plan json")
        .json();
    assert_eq!(json["summary"]["refresh_requests"], 2, "{d}");
    panel.assert_converged(f.path(), "after starting the lobby");

    // Stopped behind roost's back: plan and drift show it; a plan saved before is refused.
    let saved = f.path().join("saved.json");
    panel
        .plan(f.path(), &["-o", p(&saved)])
        .expect(0, "a plan saved while running");
    stop_behind_roosts_back(&panel);
    let plan = panel.plan_detailed(f.path(), &[]);
    assert_eq!(plan.code, Some(2), "{d}: {}", plan.show());
    assert!(
        plan.stdout.contains("power = \"offline\" -> \"running\""),
        "{d}: {}",
        plan.show()
    );
    let drift = panel.roost(&["drift", p(f.path())]);
    assert_eq!(drift.code, Some(3), "{d}: {}", drift.show());
    assert!(drift.stdout.contains("server.lobby"), "{}", drift.show());
    assert!(drift.stdout.contains("power"), "{}", drift.show());
    let stale = panel.roost(&["apply", p(&saved), "--auto-approve"]);
    assert_ne!(stale.code, Some(0), "{d}: {}", stale.show());
    assert!(
        stale.stderr.contains("the power state of server \"Lobby\""),
        "{d}: {}",
        stale.show()
    );
    // Ignored, the state is left alone and not even read.
    let ignored = panel.plan_detailed(f.path(), &["--ignore", "server.lobby.power"]);
    assert_eq!(ignored.code, Some(0), "{d}: {}", ignored.show());

    // Started again by apply.
    let run = apply(&panel, f.path(), &[]);
    assert_eq!(run.code, Some(0), "{d}: {}", run.show());
    assert_eq!(lobby_state(&panel), "running", "{d}");
    panel.assert_converged(f.path(), "after starting the lobby again");
}

#[test]
fn a_server_declared_running_is_started_and_kept_running_pterodactyl() {
    started_then_converged(PT);
}

#[test]
fn a_server_declared_running_is_started_and_kept_running_pelican() {
    started_then_converged(PL);
}

fn stopped_with_approval(d: Dialect) {
    let panel = Panel::with_client_key(d);
    let running = with_power(d, "running");
    let run = apply(&panel, running.path(), &[]);
    assert_eq!(run.code, Some(0), "{d}: {}", run.show());
    let f = with_power(d, "stopped");
    let plan = panel.plan(f.path(), &[]).expect(0, "plan");
    assert!(
        plan.stdout.contains("power = \"running\" -> \"offline\""),
        "{d}: {}",
        plan.show()
    );
    assert!(
        plan.stdout.contains("stops server `lobby`"),
        "{}",
        plan.show()
    );
    // Stopping disconnects players: --auto-approve alone is refused, nothing is sent.
    let refused = apply(&panel, f.path(), &[]);
    assert_ne!(refused.code, Some(0), "{d}: {}", refused.show());
    assert!(
        refused.stderr.contains("--allow-destroy"),
        "{}",
        refused.show()
    );
    assert_eq!(lobby_state(&panel), "running", "{d}: nothing sent");
    let run = apply(&panel, f.path(), &["--allow-destroy"]);
    assert_eq!(run.code, Some(0), "{d}: {}", run.show());
    assert_eq!(lobby_state(&panel), "offline", "{d}");
    panel.assert_converged(f.path(), "after stopping the lobby");
}

#[test]
fn a_server_declared_stopped_is_stopped_with_approval_pterodactyl() {
    stopped_with_approval(PT);
}

#[test]
fn a_server_declared_stopped_is_stopped_with_approval_pelican() {
    stopped_with_approval(PL);
}

fn times_out(d: Dialect) {
    let panel = Panel::with_client_key(d);
    // Create the fleet first, then make Wings take an hour to start anything.
    let plain = Fleet::copy(&fleet(d));
    panel.apply_ok(plain.path());
    panel.mutate(|s| s.settings.wings.start_ms = 3_600_000);
    let f = with_power(d, "running");
    let run = apply(&panel, f.path(), &["--power-timeout", "2s"]);
    assert_eq!(run.code, Some(1), "{d}: {}", run.show());
    assert!(
        run.stderr
            .contains("server.lobby: did not reach running within 2 s"),
        "{d}: {}",
        run.show()
    );
    assert!(
        run.stderr.contains("the last state seen was starting"),
        "{d}: {}",
        run.show()
    );
    // A start under way counts as running: the plan has nothing left to do.
    panel.assert_converged(f.path(), "while the lobby is starting");
}

#[test]
fn a_server_that_does_not_get_there_fails_at_the_power_timeout_pterodactyl() {
    times_out(PT);
}

#[test]
fn a_server_that_does_not_get_there_fails_at_the_power_timeout_pelican() {
    times_out(PL);
}

#[test]
fn power_without_a_client_key_fails_naming_client_token_env() {
    for d in [PT, PL] {
        let panel = Panel::start(d);
        let f = with_power(d, "running");
        let plan = panel.plan(f.path(), &[]);
        assert_eq!(plan.code, Some(1), "{d}: {}", plan.show());
        assert!(plan.stderr.contains("no-client-key"), "{}", plan.show());
        assert!(plan.stderr.contains("client-token-env"), "{}", plan.show());
    }
}

fn waits_for_the_install(d: Dialect) {
    let panel = Panel::with_client_key(d);
    panel.mutate(|s| s.settings.install_ms = 60_000);
    let f = with_power(d, "running");
    let run = apply(&panel, f.path(), &[]);
    assert_eq!(run.code, Some(0), "{d}: {}", run.show());
    assert!(
        run.stderr.contains(
            "server.lobby: still installing; its power state is set once it has installed"
        ),
        "{d}: {}",
        run.show()
    );
    assert_eq!(lobby_state(&panel), "running", "{d}");
}

#[test]
fn a_new_server_is_started_once_it_has_installed_pterodactyl() {
    waits_for_the_install(PT);
}

#[test]
fn a_new_server_is_started_once_it_has_installed_pelican() {
    waits_for_the_install(PL);
}

/// The fleet created (the lobby offline), the panel's cache of Wings' state off, and the lobby's
/// power route failing once with `action`; returns the fleet with `power "running"`.
fn first_start_fails(panel: &Panel, d: Dialect, action: FaultAction) -> Fleet {
    let plain = Fleet::copy(&fleet(d));
    panel.apply_ok(plain.path());
    panel.mutate(|s| s.settings.resources_cache_s = 0);
    let id = server_by_name(&panel.state(), "Lobby").uuid[..8].to_string();
    panel.sim.set_faults(Faults {
        rules: vec![FaultRule {
            method: Some("POST".into()),
            path: format!("/api/client/servers/{id}/power"),
            nth: 1,
            times: 1,
            action,
        }],
        ..Faults::default()
    });
    with_power(d, "running")
}

fn power_posts(panel: &Panel) -> usize {
    panel
        .log()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/power"))
        .count()
}

/// A start the panel refused before it reached Wings (a locked database answers 500 before the
/// controller runs): the server has not moved, so the start goes again, and apply finishes
/// instead of waiting out the power timeout.
#[test]
fn a_start_refused_before_it_reached_wings_is_sent_again() {
    for d in [PT, PL] {
        let panel = Panel::with_client_key(d);
        let refused = FaultAction::Status {
            status: 500,
            after_commit: false,
        };
        let f = first_start_fails(&panel, d, refused);
        let run = apply(&panel, f.path(), &["--power-timeout", "20s"]);
        assert_eq!(run.code, Some(0), "{d}: {}", run.show());
        assert_eq!(power_posts(&panel), 2, "{d}: {:?}", panel.log());
        assert!(
            run.stderr
                .contains("waiting 0.2s (server.lobby: the panel's answer to start was lost; reading whether it arrived)"),
            "{d}: {}",
            run.show()
        );
        assert_eq!(lobby_state(&panel), "running", "{d}");
    }
}

/// A start whose answer was lost after Wings took it: the read shows the server moving, and
/// the start is not sent again.
#[test]
fn a_start_that_acted_before_its_answer_was_lost_is_not_sent_again() {
    for d in [PT, PL] {
        let panel = Panel::with_client_key(d);
        let lost = FaultAction::Drop { after_commit: true };
        let f = first_start_fails(&panel, d, lost);
        let run = apply(&panel, f.path(), &["--power-timeout", "20s"]);
        assert_eq!(run.code, Some(0), "{d}: {}", run.show());
        assert_eq!(power_posts(&panel), 1, "{d}: {:?}", panel.log());
        assert_eq!(lobby_state(&panel), "running", "{d}");
    }
}
