//! roost while it runs long: every command announces its waits for the panel's rate limit, and
//! Ctrl-C during `apply` stops cleanly.

mod common;

use common::{cli::*, panel::*, sim_state::*, *};
use roost_sim::{Dialect, FaultAction, FaultRule, Faults, SimConfig};
use std::io::{BufRead, BufReader, Read};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PT: Dialect = Dialect::Pterodactyl;

fn panel_with(dialect: Dialect, faults: Faults) -> Panel {
    let mut config = SimConfig::new(dialect);
    config.rate_limit = None;
    config.faults = faults;
    Panel::with(config)
}

/// The first `GET /nodes` (part of every refresh) is answered 429 with `Retry-After: 2`.
fn throttled_once() -> Faults {
    Faults {
        rules: vec![FaultRule {
            method: Some("GET".into()),
            path: "/nodes".into(),
            nth: 1,
            times: 1,
            action: FaultAction::RateLimit { retry_after: 2 },
        }],
        ..Faults::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Rate-limit waits

/// The words every command uses for a wait on a 429 of two seconds.
const WAIT_LINE: &str = "waiting 2.0s for the rate limit (the panel answered 429)";

#[test]
fn every_refresh_announces_its_rate_limit_waits_on_stderr() {
    let dir = small(PT);
    let d = p(&dir);
    let out = tempfile::tempdir().unwrap();
    let imported = out.path().join("imported");
    let commands: Vec<(&str, Vec<&str>)> = vec![
        ("plan", vec!["plan", d]),
        ("plan --format json", vec!["plan", d, "--format", "json"]),
        ("drift", vec!["drift", d]),
        ("import", vec!["import", "--out", p(&imported)]),
        // Apply reads the panel before it knows the plan: that wait is announced too.
        ("apply", vec!["apply", d, "--auto-approve"]),
    ];
    // Each command has its own panel (the 429 fires once per panel); they run side by side.
    std::thread::scope(|s| {
        for (what, args) in &commands {
            s.spawn(move || {
                let panel = panel_with(PT, throttled_once());
                let run = panel.roost(args);
                assert!(
                    matches!(run.code, Some(0) | Some(3)),
                    "{what}: {}",
                    run.show()
                );
                assert_eq!(
                    panel.log().iter().filter(|r| r.status == 429).count(),
                    1,
                    "{what}: the panel throttled once"
                );
                assert_eq!(
                    run.stderr.matches(WAIT_LINE).count(),
                    1,
                    "{what}: the wait is announced once, on stderr:\n{}",
                    run.show()
                );
                assert!(!run.stdout.contains("waiting"), "{what}: {}", run.show());
            });
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C

/// `roost apply` running in the background: its stderr lines arrive as they are printed.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: Vec<String>,
    stdout: std::thread::JoinHandle<String>,
}

impl Running {
    fn start(panel: &Panel, args: &[&str]) -> Running {
        let mut child = panel.spawn(args);
        let err = child.stderr.take().unwrap();
        let mut out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        Running {
            child,
            lines,
            stderr: Vec::new(),
            stdout,
        }
    }

    /// Ctrl-C, as a terminal sends it.
    fn interrupt(&self) {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
    }

    /// Waits for a stderr line containing `text`.
    fn wait_for_line(&mut self, text: &str, cap: Duration) {
        let started = Instant::now();
        while started.elapsed() < cap {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(20)) {
                let found = line.contains(text);
                self.stderr.push(line);
                if found {
                    return;
                }
            }
        }
        panic!(
            "no line with {text:?} within {cap:?}:\n{}",
            self.stderr.join("\n")
        );
    }

    /// Waits for the end (at most `cap`, then the process is killed and the test fails).
    fn finish(mut self, cap: Duration) -> Run {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > cap {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "apply did not end within {cap:?}:\n{}",
                    self.stderr.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            self.stderr.push(line);
        }
        Run {
            code: status.code(),
            stdout: self.stdout.join().unwrap(),
            stderr: self.stderr.join("\n"),
        }
    }
}

/// Waits until the panel has answered `n` POSTs successfully.
fn wait_for_posts(panel: &Panel, n: usize, running: &mut Running) {
    let started = Instant::now();
    while panel
        .log()
        .iter()
        .filter(|r| r.method == "POST" && (200..300).contains(&r.status))
        .count()
        < n
    {
        assert!(
            running.child.try_wait().unwrap().is_none(),
            "apply ended before it was interrupted"
        );
        assert!(started.elapsed() < Duration::from_secs(30), "too slow");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `roost apply` of the small fleet on a slow panel, interrupted once two POSTs succeeded.
fn interrupted_apply(extra: &[&str]) -> (Panel, Run) {
    let dir = small(PT);
    let panel = panel_with(
        PT,
        Faults {
            latency_ms: 150,
            ..Faults::default()
        },
    );
    let mut args = vec!["apply", p(&dir), "--auto-approve", "--parallelism", "2"];
    args.extend_from_slice(extra);
    let mut running = Running::start(&panel, &args);
    wait_for_posts(&panel, 2, &mut running);
    running.interrupt();
    let run = running.finish(Duration::from_secs(30));
    (panel, run)
}

#[test]
fn ctrl_c_during_apply_finishes_what_runs_lists_the_rest_and_exits_130() {
    let dir = small(PT);
    let (panel, run) = interrupted_apply(&[]);
    assert_eq!(run.code, Some(130), "{}", run.show());
    assert!(
        run.stderr.contains("Interrupted: no new change starts"),
        "{}",
        run.show()
    );
    let applied = run
        .stderr
        .lines()
        .filter(|l| l.contains(": created ("))
        .count();
    let not_started = run
        .stderr
        .lines()
        .filter(|l| l.contains(": not started (interrupted)"))
        .count();
    assert!(
        applied >= 2,
        "the applied changes are listed:\n{}",
        run.show()
    );
    assert!(
        not_started >= 1,
        "the changes not started are listed:\n{}",
        run.show()
    );
    assert!(
        run.stderr.contains(&format!(
            "Apply interrupted: {applied} applied, 0 failed, 0 skipped, {not_started} not started"
        )),
        "{}",
        run.show()
    );
    assert!(!run.stderr.contains("outcome unknown"), "{}", run.show());
    assert_no_duplicates(&panel.state(), "interrupted");
    // The next apply does the rest; then there is nothing left to do.
    panel.sim.set_faults(Faults::default());
    panel.apply_ok(&dir);
    panel.assert_converged(&dir, "after an interrupted apply");
    assert_no_duplicates(&panel.state(), "after an interrupted apply");
}

#[test]
fn an_interrupted_apply_says_so_in_json() {
    let (_panel, run) = interrupted_apply(&["--format", "json"]);
    assert_eq!(run.code, Some(130), "{}", run.show());
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let count = |kind: &str| events.iter().filter(|e| e["event"] == kind).count();
    let summary = events.last().expect("events");
    assert_eq!(summary["event"], "summary", "{}", run.show());
    assert_eq!(summary["interrupted"], true, "{summary}");
    assert_eq!(summary["applied"], count("finished"), "{summary}");
    assert_eq!(summary["not_started"], count("not_started"), "{summary}");
    assert!(count("not_started") >= 1, "{}", run.show());
    assert_eq!(summary["outcome_unknown"], 0, "{summary}");
    for e in events.iter().filter(|e| e["event"] == "not_started") {
        assert_eq!(e["because"], "interrupted", "{e}");
        assert!(e["address"].is_string(), "{e}");
    }
}

#[test]
fn a_second_ctrl_c_stops_apply_at_once() {
    let dir = small(PT);
    // The first server create hangs: the first Ctrl-C would wait for it.
    let hang = Duration::from_secs(4);
    let panel = panel_with(
        PT,
        Faults {
            rules: vec![FaultRule {
                method: Some("POST".into()),
                path: "/servers".into(),
                nth: 1,
                times: 1,
                action: FaultAction::Delay {
                    ms: hang.as_millis() as u64,
                },
            }],
            ..Faults::default()
        },
    );
    let mut running = Running::start(&panel, &["apply", p(&dir), "--auto-approve"]);
    let started = Instant::now();
    while !panel
        .log()
        .iter()
        .any(|r| r.method == "POST" && request_path(r) == "/api/application/servers")
    {
        assert!(started.elapsed() < Duration::from_secs(30), "too slow");
        std::thread::sleep(Duration::from_millis(5));
    }
    let hanging_since = Instant::now();
    running.interrupt();
    running.wait_for_line("Press Ctrl-C again", Duration::from_secs(5));
    running.interrupt();
    let second = Instant::now();
    let run = running.finish(Duration::from_secs(30));
    assert_eq!(run.code, Some(130), "{}", run.show());
    assert!(
        second.elapsed() < Duration::from_secs(2),
        "the second Ctrl-C must not wait for the change in flight: {:?}",
        second.elapsed()
    );
    assert!(run.stderr.contains("Stopped at once"), "{}", run.show());
    // Once the hanging create has landed (or not), the next apply converges.
    std::thread::sleep(hang.saturating_sub(hanging_since.elapsed()) + Duration::from_millis(300));
    panel.sim.set_faults(Faults::default());
    panel.apply_ok(&dir);
    panel.assert_converged(&dir, "after a stopped apply");
    assert_no_duplicates(&panel.state(), "after a stopped apply");
}
