//! roost while it runs long: every command announces its waits for the panel's rate limit, and
//! Ctrl-C during `apply` stops cleanly.

mod common;

use common::{panel::*, *};
use roost_sim::{Dialect, FaultAction, FaultRule, Faults, SimConfig};

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
