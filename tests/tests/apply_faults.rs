//! `roost apply` when the panel misbehaves (5xx, dropped connections, failures after the panel
//! committed, 429 bursts) or the run is killed half-way: it succeeds or fails cleanly, a re-run
//! converges, and nothing is ever created twice.

mod common;

use common::{cli::*, manifests::*, panel::*, sim_state::*, *};
use roost_sim::{DbLock, Dialect, FaultAction, FaultRule, Faults, SimConfig};
use std::path::Path;
use std::time::{Duration, Instant};

fn panel_with(dialect: Dialect, faults: Faults) -> Panel {
    let mut config = SimConfig::new(dialect);
    config.rate_limit = None;
    config.faults = faults;
    let panel = Panel::with(config);
    // The examples declare server-level state: the Client API's reads and writes meet the
    // faults too.
    panel.use_client_key();
    // Faults, not the panel's 20-second cache of Wings' state, are what these tests are about:
    // a server declared running is seen running as soon as Wings says so.
    panel.mutate(|s| s.settings.resources_cache_s = 0);
    panel
}

fn rule(method: &str, path: &str, nth: u32, times: u32, action: FaultAction) -> FaultRule {
    FaultRule {
        method: Some(method.into()),
        path: path.into(),
        nth,
        times,
        action,
    }
}

fn after_commit_500() -> FaultAction {
    FaultAction::Status {
        status: 500,
        after_commit: true,
    }
}

/// A run under faults ended either well or cleanly: exit 0, or exit 1 with a report (the apply
/// summary, or the diagnostic of a failed read), never a crash.
fn assert_clean_outcome(run: &Run, context: &str) {
    assert!(
        matches!(run.code, Some(0) | Some(1)),
        "{context}: apply must exit 0 or 1:\n{}",
        run.show()
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("internal error"),
        "{context}: {}",
        run.show()
    );
    if run.code == Some(1) {
        assert!(
            run.stderr.contains("Apply incomplete:") || run.stderr.contains("×"),
            "{context}: a failed apply says what happened:\n{}",
            run.show()
        );
    }
    if run.stderr.contains("Apply incomplete:") {
        assert_eq!(run.code, Some(1), "{context}: an incomplete apply exits 1");
    }
}

/// Faults off, apply again: it must succeed and the panel must match, with no duplicates and
/// exactly `servers` managed servers.
fn assert_rerun_converges(panel: &Panel, dir: &Path, servers: usize, context: &str) {
    panel.sim.set_faults(Faults::default());
    let run = panel.apply(dir, &["--auto-approve", "--allow-destroy"]);
    assert_eq!(
        run.code,
        Some(0),
        "{context}: the re-run without faults failed:\n{}",
        run.show()
    );
    panel.assert_converged(dir, context);
    let st = panel.state();
    assert_no_duplicates(&st, context);
    assert_eq!(managed_servers(&st).len(), servers, "{context}");
}

#[test]
fn failures_after_commit_never_create_twice() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let faults = Faults {
            rules: vec![
                rule("POST", "/servers", 1, 3, after_commit_500()),
                rule("POST", "/users", 1, 2, after_commit_500()),
                rule(
                    "POST",
                    "/nodes",
                    1,
                    1,
                    FaultAction::Drop { after_commit: true },
                ),
                rule("POST", "/locations", 2, 1, after_commit_500()),
            ],
            ..Faults::default()
        };
        let panel = panel_with(dialect, faults);
        let run = panel.apply(&dir, &["--auto-approve"]);
        let ctx = format!("{dialect}, after-commit failures");
        assert_clean_outcome(&run, &ctx);
        let st = panel.state();
        assert_no_duplicates(&st, &ctx);
        assert!(managed_servers(&st).len() <= 4, "{ctx}");
        // The engine re-reads after an unknown outcome and finds what the panel made.
        assert_eq!(
            run.code,
            Some(0),
            "{ctx}: recoverable faults:\n{}",
            run.show()
        );
        assert!(
            run.stderr.contains("not created again"),
            "{ctx}: the recovery is reported:\n{}",
            run.show()
        );
        // Exactly one POST /servers per server got through to the panel's database.
        let server_posts = panel
            .log()
            .iter()
            .filter(|r| r.method == "POST" && request_path(r) == "/api/application/servers")
            .count();
        assert_eq!(
            managed_servers(&st).len(),
            4,
            "{ctx}: {server_posts} POST /servers"
        );
        assert_rerun_converges(&panel, &dir, 4, &ctx);
    }
}

#[test]
fn error_and_drop_rates_fail_cleanly_and_a_rerun_converges() {
    for (dialect, dir, servers) in [
        (Dialect::Pterodactyl, example("minecraft-network"), 4),
        (Dialect::Pelican, example("pelican-tags"), 7),
    ] {
        for seed in [1u64, 2, 3] {
            let faults = Faults {
                error_rate: 0.15,
                drop_rate: 0.1,
                seed,
                ..Faults::default()
            };
            let panel = panel_with(dialect, faults);
            let run = panel.apply(&dir, &["--auto-approve", "--allow-destroy"]);
            let ctx = format!("{dialect}, {}, seed {seed}", dir.display());
            assert_clean_outcome(&run, &ctx);
            assert_no_duplicates(&panel.state(), &ctx);
            assert_rerun_converges(&panel, &dir, servers, &ctx);
        }
    }
}

/// The failing resource is named, and what depends on it is skipped, not attempted.
#[test]
fn a_failed_create_skips_its_dependents_and_is_reported() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        // Every server create is refused before commit.
        let faults = Faults {
            rules: vec![rule(
                "POST",
                "/users",
                1,
                1000,
                FaultAction::Status {
                    status: 500,
                    after_commit: false,
                },
            )],
            ..Faults::default()
        };
        let panel = panel_with(dialect, faults);
        let run = panel.apply(&dir, &["--auto-approve"]);
        let ctx = format!("{dialect}, users refused");
        assert_eq!(run.code, Some(1), "{ctx}: {}", run.show());
        assert!(run.stderr.contains("Apply incomplete:"), "{}", run.show());
        assert!(run.stderr.contains("user.ana"), "{}", run.show());
        assert!(
            run.stderr.contains("server.alpha: skipped"),
            "{ctx}: {}",
            run.show()
        );
        let st = panel.state();
        assert!(managed_servers(&st).is_empty(), "{ctx}");
        assert!(
            !panel
                .log()
                .iter()
                .any(|r| r.method == "POST" && request_path(r) == "/api/application/servers"),
            "{ctx}: a server was posted without its owner"
        );
        // Nodes and allocations went on: they do not depend on users.
        assert_eq!(st.nodes.len(), 2, "{ctx}");

        // The same as JSON lines: a failure and its skips are events, and the summary counts
        // them.
        let run = panel.apply(&dir, &["--auto-approve", "--format", "json"]);
        assert_eq!(run.code, Some(1), "{ctx}: {}", run.show());
        let events: Vec<serde_json::Value> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{ctx}: {e}: {l:?}")))
            .collect();
        let of = |k: &str| events.iter().filter(|e| e["event"] == k).count();
        assert_eq!(of("failed"), 3, "{ctx}: the three users: {events:#?}");
        assert_eq!(of("skipped"), 4, "{ctx}: the four servers: {events:#?}");
        let last = events.last().unwrap();
        assert_eq!(last["event"], "summary");
        assert_eq!(
            (last["failed"].as_u64(), last["skipped"].as_u64()),
            (Some(3), Some(4))
        );
        assert_rerun_converges(&panel, &dir, 4, &ctx);
    }
}

/// Killed while moving a server to another node (delete, then create): the next apply
/// recreates it on the new node.
#[test]
fn an_apply_killed_during_a_move_is_finished_by_the_next() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = panel_with(dialect, Faults::default());
        panel.apply_ok(&dir);
        let m = Fleet::copy(&dir);
        m.edit(
            "fleet.kdl",
            "node \"n2\"\n    limits memory=\"1GiB\"\n    allocation 25566",
            "node \"n1\"\n    limits memory=\"1GiB\"\n    allocation 25570",
        );
        // The create after the delete hangs long enough to kill the run between the two.
        panel.sim.set_faults(Faults {
            rules: vec![rule(
                "POST",
                "/servers",
                1,
                1,
                FaultAction::Delay { ms: 5000 },
            )],
            ..Faults::default()
        });
        panel.sim.clear_request_log();
        let d = m.path().to_str().unwrap();
        let mut child = panel.spawn(&["apply", d, "--auto-approve", "--allow-destroy"]);
        let started = Instant::now();
        while !panel
            .log()
            .iter()
            .any(|r| r.method == "POST" && request_path(r) == "/api/application/servers")
        {
            assert!(
                child.try_wait().unwrap().is_none(),
                "{dialect}: apply ended early"
            );
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{dialect}: too slow"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let ctx = format!("{dialect}: killed during a move");
        assert!(
            panel.log().iter().any(|r| r.method == "DELETE"),
            "{ctx}: the delete came first"
        );
        assert_no_duplicates(&panel.state(), &ctx);
        // The hanging POST may still land once its delay ends; either way the next run ends
        // with one Delta, on n1.
        assert_rerun_converges(&panel, m.path(), 4, &ctx);
        let st = panel.state();
        let n1 = st.nodes.values().find(|n| n.name == "n1").unwrap().id;
        assert_eq!(server_by_name(&st, "Delta").node_id, n1, "{ctx}");
    }
}

#[test]
fn rate_limit_bursts_are_waited_out() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let faults = Faults {
            rules: vec![
                rule(
                    "POST",
                    "/servers",
                    2,
                    2,
                    FaultAction::RateLimit { retry_after: 1 },
                ),
                rule(
                    "GET",
                    "/nodes",
                    1,
                    1,
                    FaultAction::RateLimit { retry_after: 1 },
                ),
            ],
            ..Faults::default()
        };
        let panel = panel_with(dialect, faults);
        let started = Instant::now();
        let run = panel.apply(&dir, &["--auto-approve"]);
        let ctx = format!("{dialect}, 429 bursts");
        assert_eq!(run.code, Some(0), "{ctx}: {}", run.show());
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{ctx}: Retry-After was not honoured"
        );
        let throttled = panel.log().iter().filter(|r| r.status == 429).count();
        assert_eq!(throttled, 3, "{ctx}");
        panel.assert_converged(&dir, &ctx);
        assert_no_duplicates(&panel.state(), &ctx);
    }
}

// ---------------------------------------------------------------------------------------------
// Randomized fault schedules

/// splitmix64: a tiny deterministic generator, so that a seed reproduces a schedule.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A random schedule: 5xx and drop rates, after-commit failures on creates, 429 bursts.
fn schedule(seed: u64, dialect: Dialect) -> Faults {
    let mut r = Rng(seed);
    let mut rules = Vec::new();
    let mut creates = vec!["/servers", "/users", "/nodes"];
    if dialect == Dialect::Pterodactyl {
        creates.push("/locations");
    }
    for path in creates {
        if r.chance(0.5) {
            let action = if r.chance(0.7) {
                after_commit_500()
            } else {
                FaultAction::Drop { after_commit: true }
            };
            rules.push(rule(
                "POST",
                path,
                1 + r.below(3) as u32,
                1 + r.below(2) as u32,
                action,
            ));
        }
    }
    // Allocation creates answer 204; a failure after commit there is also an unknown outcome.
    if r.chance(0.3) {
        rules.push(FaultRule {
            method: Some("POST".into()),
            path: "/nodes/".into(),
            nth: 1,
            times: 1,
            action: after_commit_500(),
        });
    }
    if r.chance(0.3) {
        let method = ["GET", "POST", "PATCH"][r.below(3) as usize];
        rules.push(FaultRule {
            method: Some(method.into()),
            path: "/".into(),
            nth: 1 + r.below(20) as u32,
            times: 1 + r.below(2) as u32,
            action: FaultAction::RateLimit { retry_after: 1 },
        });
    }
    let error_rate = if r.chance(0.7) { r.unit() * 0.25 } else { 0.0 };
    let drop_rate = if r.chance(0.5) { r.unit() * 0.1 } else { 0.0 };
    let seed = r.next();
    // The panel's database refusing some writes (a lock 500, rolled back).
    let db_lock = DbLock {
        rate: if r.chance(0.3) { r.unit() * 0.2 } else { 0.0 },
        ..DbLock::default()
    };
    Faults {
        latency_ms: 0,
        error_rate,
        drop_rate,
        seed,
        rules,
        db_lock,
        ..Faults::default()
    }
}

/// Runs `roost-test ARGS` against `panel`, killed after `cap`: `Err` holds what it had printed.
///
/// Both pipes are read while it runs: a child that fills a pipe nobody reads (64 KiB on Linux)
/// blocks on its next write and would look like an apply that never ends.
fn run_capped(panel: &Panel, args: &[&str], cap: Duration) -> Result<Run, Run> {
    use std::io::Read;
    fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    }
    let mut child = panel.spawn(args);
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let started = Instant::now();
    let (code, finished) = loop {
        if let Some(status) = child.try_wait().expect("wait for roost-test") {
            break (status.code(), true);
        }
        if started.elapsed() > cap {
            let _ = child.kill();
            let _ = child.wait();
            break (None, false);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let run = Run {
        code,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    if finished { Ok(run) } else { Err(run) }
}

#[test]
fn randomized_fault_schedules_never_duplicate_and_always_converge() {
    const SCHEDULES: u64 = 20;
    const CAP: Duration = Duration::from_secs(30);
    let base_seed: u64 = std::env::var("ROOST_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_0001);
    // One schedule alone: its dialect and example follow from its index, so a failure is
    // reproduced by the base seed and that index, not by its own seed as base.
    let only: Option<u64> = std::env::var("ROOST_FAULT_SCHEDULE")
        .ok()
        .and_then(|s| s.parse().ok());
    let started = Instant::now();
    let (mut failed_runs, mut incomplete) = (0, 0);
    for i in (0..SCHEDULES).filter(|i| only.is_none_or(|o| o == *i)) {
        let seed = base_seed.wrapping_add(i);
        let dialect = DIALECTS[(i % 2) as usize];
        let (dir, servers) = match (dialect, i % 4) {
            (Dialect::Pterodactyl, 0) => (example("minecraft-network"), 4),
            (Dialect::Pelican, 1) => (example("pelican-tags"), 7),
            (d, _) => (small(d), 4),
        };
        let faults = schedule(seed, dialect);
        let ctx = format!(
            "fault schedule {i}, seed {seed} (rerun with ROOST_FAULT_SEED={base_seed} ROOST_FAULT_SCHEDULE={i}), {dialect}, {}: {faults:?}",
            dir.display()
        );
        let panel = panel_with(dialect, faults);
        let d = dir.to_str().unwrap();
        let run = run_capped(
            &panel,
            &["apply", d, "--auto-approve", "--allow-destroy"],
            CAP,
        )
        .unwrap_or_else(|cut| {
            // What it was waiting for is at the end.
            let lines: Vec<&str> = cut.stderr.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n");
            panic!("{ctx}: apply did not finish within {CAP:?}; the end of its stderr:\n{tail}")
        });
        assert_clean_outcome(&run, &ctx);
        if run.code != Some(0) {
            failed_runs += 1;
            if run.stderr.contains("Apply incomplete:") {
                incomplete += 1;
            }
            if std::env::var_os("ROOST_FAULT_VERBOSE").is_some() {
                eprintln!("seed {seed}: {}", run.stderr);
            }
        }
        assert_no_duplicates(&panel.state(), &ctx);
        assert!(managed_servers(&panel.state()).len() <= servers, "{ctx}");
        assert_rerun_converges(&panel, &dir, servers, &ctx);
    }
    eprintln!(
        "{SCHEDULES} fault schedules from seed {base_seed}: {failed_runs} applies failed cleanly ({incomplete} of them during the apply, the others reading the panel), all converged on re-run, in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------------
// Interrupted apply

/// Kill `roost apply` once the panel has seen `posts` successful POSTs; then plan + apply must
/// converge without duplicates.
fn interrupt_after(dialect: Dialect, dir: &Path, servers: usize, posts: usize) {
    let faults = Faults {
        latency_ms: 20,
        ..Faults::default()
    };
    let panel = panel_with(dialect, faults);
    let d = dir.to_str().unwrap();
    let mut child = panel.spawn(&["apply", d, "--auto-approve", "--allow-destroy"]);
    let started = Instant::now();
    let ctx = format!("{dialect}, {}, killed after {posts} POSTs", dir.display());
    loop {
        let seen = panel
            .log()
            .iter()
            .filter(|r| r.method == "POST" && (200..300).contains(&r.status))
            .count();
        if seen >= posts {
            break;
        }
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("{ctx}: apply ended ({status}) before it was killed; only {seen} POSTs");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{ctx}: too slow"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("kill roost-test");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "{ctx}: it finished before the kill");
    let st = panel.state();
    assert_no_duplicates(&st, &ctx);
    assert!(
        managed_servers(&st).len() < servers,
        "{ctx}: the kill came too late to test anything"
    );

    // The plan shows what is left; apply finishes it.
    let run = panel.plan_detailed(dir, &[]);
    assert_eq!(run.code, Some(2), "{ctx}: {}", run.show());
    panel.sim.set_faults(Faults::default());
    assert_rerun_converges(&panel, dir, servers, &ctx);
}

#[test]
fn an_interrupted_apply_is_finished_by_the_next() {
    let fleet = example("multi-node-fleet");
    for posts in [3, 12, 30] {
        interrupt_after(Dialect::Pterodactyl, &fleet, 27, posts);
    }
    interrupt_after(Dialect::Pelican, &example("pelican-tags"), 7, 6);
}
