//! How apply is driven: saved and stale plans, refusals of unapproved or destructive runs,
//! `--target`, `--format json`.

use super::*;

// ---------------------------------------------------------------------------------------------
// Stale plans

#[test]
fn a_stale_saved_plan_is_refused_without_a_write() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let m = Fleet::copy(&dir);
        m.edit(
            "fleet.kdl",
            "name \"Alpha\"",
            "name \"Alpha\"\n    limits memory=\"3GiB\"",
        );
        let out = m.path().join("plan.json");
        let run = panel.roost(&[
            "plan",
            m.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.code, Some(0), "{}", run.show());
        panel.sim.clear_request_log();
        panel.sim.mutate(|st| {
            let charlie = st
                .servers
                .values_mut()
                .find(|s| s.name == "Charlie")
                .unwrap();
            charlie.disk = 999;
        });
        let run = panel.apply(&out, &["--auto-approve"]);
        assert_eq!(run.code, Some(5), "{dialect}: {}", run.show());
        assert!(
            run.stderr.contains("Charlie"),
            "{dialect}: the refusal names the changed server:\n{}",
            run.show()
        );
        let log = panel.log();
        assert!(!log.is_empty(), "apply read the panel");
        assert!(
            writes(&log).is_empty(),
            "{dialect}: a stale plan wrote to the panel: {:?}",
            writes(&log)
        );
        assert_eq!(server_by_name(&panel.state(), "Alpha").memory, 2048);

        // A fresh plan of the same change applies.
        let run = panel.roost(&[
            "plan",
            m.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.code, Some(0), "{}", run.show());
        let run = panel.apply(&out, &["--auto-approve"]);
        assert_eq!(run.code, Some(0), "{dialect}: {}", run.show());
        assert_eq!(server_by_name(&panel.state(), "Alpha").memory, 3072);
        // ... and, planned from the manifests, repairs the out-of-band change too.
        assert_eq!(server_by_name(&panel.state(), "Charlie").disk, 10240);
    }
}

/// A plan saved for one panel and applied with `--panel` naming another is refused with its own
/// exit code and says so, before a request reaches either panel (not "stale: N differences").
#[test]
fn a_saved_plan_for_another_panel_is_refused_by_name() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let made_for = Panel::start(dialect);
        let other = Panel::start(dialect);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("plan.json");
        made_for
            .roost(&["plan", p(&dir), "-o", p(&out)])
            .expect(0, "plan");
        made_for.sim.clear_request_log();
        let run = other
            .apply(&out, &["--auto-approve"])
            .expect(6, "apply to another panel");
        let expected = format!(
            "this plan was made for panel {}, not {}",
            made_for.sim.url(),
            other.sim.url()
        );
        assert!(run.stderr.contains(&expected), "{dialect}: {}", run.show());
        assert!(run.stderr.contains("roost::wrong-panel"), "{}", run.show());
        assert!(!run.stderr.contains("stale"), "{}", run.show());
        assert!(
            other.log().is_empty(),
            "{dialect}: the other panel was contacted"
        );
        assert!(
            made_for.log().is_empty(),
            "{dialect}: the plan's panel was contacted"
        );

        // The same panel spelt with a trailing slash is the same panel.
        let url = format!("{}/", made_for.sim.url());
        let args = [
            "apply",
            p(&out),
            "--panel",
            &url,
            "--rate-limit",
            "0",
            "--auto-approve",
        ];
        let run = Run::from(made_for.command(&args).output().unwrap());
        assert_eq!(run.code, Some(0), "{dialect}: {}", run.show());
        made_for.assert_converged(&dir, "saved plan applied");
    }
}

/// `plan -o FILE` then `apply FILE`, returning the apply's run.
fn plan_then_apply_saved(panel: &Panel, dir: &std::path::Path, out: &std::path::Path) -> Run {
    let run = panel.roost(&["plan", dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    panel.apply(out, &["--auto-approve"])
}

/// A saved plan is carried out once: applied again, the panel it was made against is gone.
#[test]
fn a_saved_plan_applies_once() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let m = Fleet::copy(&dir);
        m.edit("fleet.kdl", "ben@example.com", "ben@example.org");
        m.edit(
            "fleet.kdl",
            "name \"Alpha\"",
            "name \"Alpha\"\n    limits memory=\"3GiB\"",
        );
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("plan.json");
        let run = plan_then_apply_saved(&panel, m.path(), &out);
        assert_eq!(run.code, Some(0), "{dialect}: {}", run.show());
        panel.assert_converged(m.path(), "saved plan applied");
        let before = panel.settled_state();
        panel.sim.clear_request_log();
        let run = panel.apply(&out, &["--auto-approve"]);
        assert_eq!(run.code, Some(5), "{dialect}: {}", run.show());
        assert!(writes(&panel.log()).is_empty(), "{dialect}");
        panel.assert_unchanged_since(&before, dialect);
    }
}

/// Every saved plan must load again. One that creates or changes a node does not: a node's
/// desired state is serialised with `daemon_base` twice (the flattened manifest node's
/// `Option<String>`, then `NodeTarget::daemon_base: String`), and reading it back fails with
/// "invalid type: null, expected a string" (crates/plan/src/types.rs, `NodeTarget`).
#[test]
fn a_saved_plan_that_creates_nodes_can_be_applied() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = Panel::start(dialect);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("plan.json");
        let run = plan_then_apply_saved(&panel, &dir, &out);
        assert_eq!(run.code, Some(0), "{dialect}: {}", run.show());
        panel.assert_converged(&dir, "saved plan applied");
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals

#[test]
fn apply_without_a_terminal_or_approval_changes_nothing() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = Panel::start(dialect);
        let before = panel.settled_state();
        panel.sim.clear_request_log();
        let run = panel.apply(&dir, &[]);
        assert_ne!(run.code, Some(0), "{dialect}: {}", run.show());
        assert!(
            run.stderr.contains("auto-approve"),
            "{dialect}: the refusal says what to do:\n{}",
            run.show()
        );
        assert!(
            writes(&panel.log()).is_empty(),
            "{:?}",
            writes(&panel.log())
        );
        panel.assert_unchanged_since(&before, dialect);
    }
}

#[test]
fn a_destructive_plan_needs_allow_destroy() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = fresh(&dir, dialect);
        let deleting = Fleet::copy(&dir);
        deleting.remove_block("fleet.kdl", "server \"charlie\"");
        let moving = Fleet::copy(&dir);
        moving.edit(
            "fleet.kdl",
            "node \"n2\"\n    limits memory=\"1GiB\"\n    allocation 25566",
            "node \"n1\"\n    limits memory=\"1GiB\"\n    allocation 25570",
        );
        for (what, m) in [("a deletion", &deleting), ("a move", &moving)] {
            let before = panel.settled_state();
            panel.sim.clear_request_log();
            let run = panel.apply(m.path(), &["--auto-approve"]);
            assert_eq!(run.code, Some(1), "{dialect}, {what}: {}", run.show());
            assert!(
                run.stderr.contains("--allow-destroy"),
                "{dialect}, {what}: {}",
                run.show()
            );
            assert!(
                writes(&panel.log()).is_empty(),
                "{dialect}, {what}: {:?}",
                writes(&panel.log())
            );
            panel.assert_unchanged_since(&before, format!("{dialect}, {what}"));
            let run = panel.plan_detailed(m.path(), &[]);
            assert_eq!(run.code, Some(2), "{dialect}, {what}: still to do");
        }
        // With --allow-destroy both go through.
        panel.apply_ok(deleting.path());
        panel.assert_converged(deleting.path(), "deleted");
        panel.apply_ok(&dir);
        panel.apply_ok(moving.path());
        panel.assert_converged(moving.path(), "moved");
        assert_no_duplicates(&panel.state(), "after the move");
    }
}

// ---------------------------------------------------------------------------------------------
// --target

/// `apply --target` is spelled as on `plan`; the old `--target-resource` still works.
#[test]
fn apply_target_is_spelled_as_on_plan_and_the_old_spelling_still_works() {
    let help = offline(&["apply", "--help"]).expect(0, "apply --help");
    assert!(
        help.stdout.contains("--target <ADDRESS>"),
        "apply --help names --target:\n{}",
        help.stdout
    );
    assert!(
        !help.stdout.contains("--target-resource"),
        "the old spelling is a hidden alias:\n{}",
        help.stdout
    );
    for (flag, server) in [("--target", "alpha"), ("--target-resource", "charlie")] {
        let dialect = Dialect::Pterodactyl;
        let dir = small(dialect);
        let panel = Panel::start(dialect);
        let run = panel.apply(&dir, &["--auto-approve", flag, &format!("server.{server}")]);
        assert_eq!(run.code, Some(0), "{flag}: {}", run.show());
        let st = panel.state();
        let managed: Vec<String> = managed_servers(&st).into_keys().collect();
        assert_eq!(
            managed,
            [format!("roost:{server}")],
            "{flag}: only the target was applied"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// JSON lines

#[test]
fn format_json_prints_one_event_per_line_and_no_text_plan() {
    for dialect in DIALECTS {
        let dir = small(dialect);
        let panel = Panel::start(dialect);
        let run = panel.apply(&dir, &["--auto-approve", "--format", "json"]);
        assert_eq!(run.code, Some(0), "{}", run.show());
        assert!(
            !run.stdout.contains("will be created"),
            "{dialect}: the text plan was printed:\n{}",
            run.stdout
        );
        let events: Vec<serde_json::Value> = run
            .stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("{dialect}: not a JSON line ({e}): {l:?}"))
            })
            .collect();
        let kind = |e: &serde_json::Value| e["event"].as_str().unwrap_or("").to_string();
        let count = |k: &str| events.iter().filter(|e| kind(e) == k).count();
        let n = if dialect == Dialect::Pterodactyl {
            23
        } else {
            21
        };
        assert_eq!(count("started"), n, "{dialect}");
        assert_eq!(count("finished"), n, "{dialect}");
        assert_eq!(count("failed") + count("skipped"), 0);
        let last = events.last().expect("events");
        assert_eq!(kind(last), "summary");
        assert_eq!(last["applied"], n);
        assert_eq!(last["failed"], 0);
        for e in events.iter().filter(|e| kind(e) == "finished") {
            assert!(e["address"].is_string() && e["action"] == "create", "{e}");
        }
        // Every finish follows its start.
        let mut started = std::collections::BTreeSet::new();
        for e in &events {
            let a = e["address"].as_str().unwrap_or("").to_string();
            match kind(e).as_str() {
                "started" => {
                    started.insert(a);
                }
                "finished" => assert!(started.contains(&a), "{a} finished before it started"),
                _ => {}
            }
        }
    }
}
