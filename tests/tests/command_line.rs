//! The command line as a Terraform user expects it (issue 16): completions, man page,
//! `--version`, `--quiet`, `--color`, `validate FILE`, `show`.

mod common;

use common::cli::{Run, command, offline};
use common::panel::Panel;
use common::{DIALECTS, p, small};
use roost_sim::Dialect;

#[test]
fn version_names_the_commit_and_the_build_date() {
    let run = offline(&["--version"]).expect(0, "roost --version");
    let line = run.stdout.trim();
    assert!(line.starts_with("roost 0."), "{line}");
    assert!(
        line.contains("(commit ") && line.contains(", built "),
        "{line}"
    );
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = offline(&["completions", shell]).expect(0, shell);
        assert!(run.stdout.contains("roost"), "{shell}: {}", run.show());
        assert!(run.stdout.contains("drift"), "{shell}: no subcommands");
        assert!(run.stderr.is_empty(), "{shell}: {}", run.show());
    }
    offline(&["completions", "tcsh"]).expect(64, "an unknown shell is a usage error");
}

#[test]
fn man_prints_a_page_or_writes_one_per_command() {
    let run = offline(&["man"]).expect(0, "roost man");
    assert!(run.stdout.contains(".TH roost"), "{}", run.show());
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("man1");
    offline(&["man", "--dir", p(&out)]).expect(0, "roost man --dir");
    for page in [
        "roost.1",
        "roost-plan.1",
        "roost-apply.1",
        "roost-sim-serve.1",
    ] {
        assert!(out.join(page).is_file(), "no {page}");
    }
}

fn plan(panel: &Panel, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = small(panel.dialect());
    let mut args = vec!["plan", p(&dir)];
    args.extend_from_slice(extra);
    panel.roost_env(&args, env)
}

#[test]
fn quiet_keeps_data_and_drops_status() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan.json");
    let loud = plan(&panel, &["-o", p(&out)], &[]).expect(0, "plan");
    assert!(loud.stderr.contains("Saved the plan"), "{}", loud.show());
    let quiet = plan(&panel, &["-q", "-o", p(&out)], &[]).expect(0, "plan -q");
    assert_eq!(quiet.stdout, loud.stdout, "--quiet changed the data");
    assert!(!quiet.stderr.contains("Saved the plan"), "{}", quiet.show());
    let valid = offline(&["validate", "--quiet", p(&small(Dialect::Pterodactyl))])
        .expect(0, "validate --quiet");
    assert!(valid.stderr.is_empty(), "{}", valid.show());
}

#[test]
fn colour_follows_the_flag_then_no_color_then_clicolor_force() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let ansi = |run: &Run| run.stdout.contains("\u{1b}[");
    // The test environment sets NO_COLOR=1 and stdout is a pipe.
    assert!(!ansi(&plan(&panel, &[], &[]).expect(0, "plan")));
    assert!(ansi(
        &plan(&panel, &["--color", "always"], &[]).expect(0, "always")
    ));
    assert!(!ansi(
        &plan(&panel, &["--color", "never"], &[("CLICOLOR_FORCE", "1")]).expect(0, "never")
    ));
    assert!(!ansi(
        &plan(&panel, &[], &[("CLICOLOR_FORCE", "1")]).expect(0, "NO_COLOR wins")
    ));
    assert!(ansi(
        &plan(&panel, &[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]).expect(0, "forced")
    ));
    let bad = Run::from(
        command(&["--color", "sometimes", "validate", "."])
            .output()
            .expect("run"),
    );
    assert_eq!(bad.code, Some(64), "{}", bad.show());
}

#[test]
fn global_flags_work_before_and_after_the_command() {
    for d in DIALECTS {
        let dir = small(d);
        offline(&["-q", "--color", "never", "validate", p(&dir)]).expect(0, "before");
        offline(&["validate", p(&dir), "-q", "--color", "never"]).expect(0, "after");
    }
}

#[test]
fn validate_takes_a_single_file() {
    let file = common::example("minecraft-network").join("fleet.kdl");
    let run = offline(&["validate", p(&file)]).expect(0, "validate FILE");
    assert!(run.stderr.contains("valid: 1 files"), "{}", run.show());
    let printed = offline(&["validate", "--print", p(&file)]).expect(0, "validate --print FILE");
    let whole = offline(&[
        "validate",
        "--print",
        p(&common::example("minecraft-network")),
    ])
    .expect(0, "validate --print DIR");
    assert_eq!(
        printed.stdout, whole.stdout,
        "the file is the whole directory"
    );
}

#[test]
fn validate_file_reports_errors_at_the_file_given() {
    let file = common::fixture("invalid", "bad-port").join("fleet.kdl");
    let run = offline(&["validate", p(&file)]).expect(1, "validate a bad FILE");
    assert!(run.stderr.contains("roost::"), "{}", run.show());
    assert!(
        run.stderr.contains(&format!("{}:", file.display())),
        "the report names the file as given:\n{}",
        run.show()
    );
    let missing = offline(&["validate", "no-such-file.kdl"]).expect(1, "missing file");
    assert!(
        missing.stderr.contains("no-such-file.kdl"),
        "{}",
        missing.show()
    );
}

#[cfg(unix)]
#[test]
fn validate_refuses_a_fifo_instead_of_blocking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("x.kdl");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let run = offline(&["validate", p(&fifo)]).expect(1, "validate FIFO");
    assert!(run.stderr.contains("not a regular file"), "{}", run.show());
}

#[test]
fn show_renders_a_saved_plan_as_plan_did() {
    for d in DIALECTS {
        let panel = Panel::start(d);
        let dir = tempfile::tempdir().expect("tempdir");
        let saved = dir.path().join("plan.json");
        for format in ["text", "markdown", "json"] {
            let planned =
                plan(&panel, &["--format", format, "-o", p(&saved)], &[]).expect(0, "plan -o");
            let shown = offline(&["show", p(&saved), "--format", format]).expect(0, "show");
            assert_eq!(
                shown.stdout, planned.stdout,
                "{d} {format}: show differs from plan"
            );
        }
        let verbose = offline(&["show", "-v", p(&saved)]).expect(0, "show -v");
        let plain = offline(&["show", p(&saved)]).expect(0, "show");
        assert!(
            verbose.stdout.len() > plain.stdout.len(),
            "-v shows the API calls"
        );
    }
}

#[test]
fn show_refuses_what_is_not_a_plan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bogus = dir.path().join("plan.json");
    std::fs::write(&bogus, "{\"hello\": 1}").expect("write");
    let run = offline(&["show", p(&bogus)]).expect(1, "show a non-plan");
    assert!(run.stderr.contains("roost::bad-plan"), "{}", run.show());
    assert!(run.stdout.is_empty(), "{}", run.show());
    let missing =
        offline(&["show", p(&dir.path().join("none.json"))]).expect(1, "show a missing file");
    assert!(missing.stderr.contains("cannot read"), "{}", missing.show());
}

#[test]
fn quiet_apply_prints_the_plan_and_no_progress() {
    let panel = Panel::start(Dialect::Pelican);
    let dir = small(Dialect::Pelican);
    let run = panel
        .roost(&["apply", p(&dir), "--auto-approve", "-q"])
        .expect(0, "apply -q");
    assert!(!run.stdout.is_empty(), "the plan is data: {}", run.show());
    assert!(
        run.stderr.is_empty(),
        "no progress or summary: {}",
        run.show()
    );
    // Refusals are not silenced: a stale saved plan still says why.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plan.json");
    panel
        .roost(&["plan", p(&dir), "-o", p(&out)])
        .expect(0, "plan -o");
    panel.mutate(|st| {
        for s in st.servers.values_mut() {
            s.disk += 1;
        }
    });
    let stale = panel
        .roost(&["apply", p(&out), "--auto-approve", "-q"])
        .expect(5, "stale");
    assert!(stale.stderr.contains("stale"), "{}", stale.show());
}
