//! The CI examples (`examples/ci/`): well-formed YAML with the expected jobs, and the roost
//! commands they run, run here the same way against the simulator, in a git repository with a
//! target branch (`--base`), a change on a branch (the pull request) and a merge (the apply).
//!
//! No YAML crate is in the tree and none small enough to add for two files, so the YAML is read
//! by a careful line-based outline (`outline`): it refuses tabs, odd indentation, a plain
//! scalar holding `: ` (YAML would read a mapping there) and unbalanced quotes or brackets, and
//! returns every key path and every script line with the path it sits under.
//! The README's install and scope sections are checked here too.

mod common;

use common::cli::{PASSWORD_VARS, Run, SECRET, offline};
use common::panel::Panel;
use common::{DIALECTS, git, p, small};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// What the line-based reading of a YAML file found.
#[derive(Debug, Default)]
struct Outline {
    /// Every mapping key, as its dotted path (list items do not add a level).
    keys: BTreeSet<String>,
    /// Every script line: block-scalar lines, scalar list items, `run:` values; with the path
    /// of the key they belong to.
    scripts: Vec<(String, String)>,
}

/// Where a `#` comment starts outside quotes, if anywhere.
fn comment_start(s: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev.is_whitespace() => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

/// Where `key: value` splits (a `:` followed by a space or the end, outside quotes).
fn key_split(s: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            ':' if !single && !double && (i + 1 == s.len() || bytes[i + 1] == b' ') => {
                return Some(i);
            }
            _ => {}
        }
    }
    None
}

/// A scalar value is well-formed: quotes closed, brackets balanced, and a plain scalar holds no
/// `: ` (YAML would read a nested mapping there).
fn check_value(v: &str, at: usize) -> Result<(), String> {
    let quoted = v.starts_with('"') || v.starts_with('\'');
    if quoted && !(v.len() >= 2 && v.ends_with(&v[..1])) {
        return Err(format!("line {at}: unclosed quote in {v:?}"));
    }
    if !quoted && v.contains(": ") && !v.starts_with('[') && !v.starts_with('{') {
        return Err(format!(
            "line {at}: a plain scalar holds `: `, quote it or use a block scalar: {v:?}"
        ));
    }
    let opens = v.matches('[').count() + v.matches('{').count();
    let closes = v.matches(']').count() + v.matches('}').count();
    if !quoted && opens != closes {
        return Err(format!("line {at}: unbalanced brackets in {v:?}"));
    }
    Ok(())
}

/// The outline of a YAML file in the block style the CI examples use.
fn outline(text: &str) -> Result<Outline, String> {
    let mut out = Outline::default();
    let mut stack: Vec<(usize, String)> = Vec::new();
    // (indent of the key or item that opened it, path) of the block scalar being read.
    let mut block: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let at = i + 1;
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        if raw[indent..].starts_with('\t') {
            return Err(format!("line {at}: a tab in the indentation"));
        }
        if let Some((opened_at, path)) = &block {
            if raw.trim().is_empty() || indent > *opened_at {
                if !raw.trim().is_empty() {
                    out.scripts.push((path.clone(), raw.trim().to_string()));
                }
                continue;
            }
            block = None;
        }
        let line = match comment_start(raw) {
            Some(c) => &raw[..c],
            None => raw,
        }
        .trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if indent % 2 != 0 {
            return Err(format!("line {at}: indentation of {indent} is not even"));
        }
        let mut content = &line[indent..];
        let mut level = indent;
        while let Some(rest) = content.strip_prefix("- ") {
            content = rest.trim_start();
            level += 2;
        }
        while stack.last().is_some_and(|(lvl, _)| *lvl >= level) {
            stack.pop();
        }
        let parent = stack.last().map(|(_, p)| p.clone()).unwrap_or_default();
        match key_split(content) {
            Some(split) => {
                let key = content[..split].trim();
                if key.is_empty() || key.contains(' ') && !key.starts_with('"') {
                    return Err(format!("line {at}: bad key {key:?}"));
                }
                let path = if parent.is_empty() {
                    key.to_string()
                } else {
                    format!("{parent}.{key}")
                };
                out.keys.insert(path.clone());
                let value = content[split + 1..].trim();
                if value.starts_with('|') || value.starts_with('>') {
                    block = Some((level, path.clone()));
                } else if !value.is_empty() {
                    check_value(value, at)?;
                    if key == "run" || key == "script" {
                        out.scripts.push((path.clone(), value.to_string()));
                    }
                }
                stack.push((level, path));
            }
            None if content.starts_with('|') || content.starts_with('>') => {
                block = Some((level - 2, parent));
            }
            None => {
                check_value(content, at)?;
                out.scripts.push((parent, content.to_string()));
            }
        }
    }
    Ok(out)
}

#[test]
fn the_outline_refuses_what_yaml_would() {
    let bad = [
        ("a:\n\tb: 1\n", "tab"),
        ("a:\n   b: 1\n", "not even"),
        (
            "a:\n  - x=$(curl --header \"K: v\")\n  - y: z: w\n",
            "plain scalar",
        ),
        ("a: \"open\n", "unclosed quote"),
        ("a: [x, y\n", "unbalanced"),
    ];
    for (text, why) in bad {
        let e = outline(text).expect_err(text);
        assert!(e.contains(why), "{text:?}: {e}");
    }
    let good = outline("a:\n  b:\n    - c: 1\n      d: |\n        roost plan x\n  e: 'x: y'\n")
        .expect("valid");
    for k in ["a", "a.b", "a.b.c", "a.b.d", "a.e"] {
        assert!(good.keys.contains(k), "{k} in {:?}", good.keys);
    }
    assert_eq!(good.scripts, [("a.b.d".into(), "roost plan x".into())]);
}

fn example(name: &str) -> (String, Outline) {
    let path = common::repo().join("examples/ci").join(name);
    let text = std::fs::read_to_string(&path).expect("the CI example exists");
    let o = outline(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    (text, o)
}

/// The roost commands under keys whose path starts with `job`.
fn roost_lines(o: &Outline, job: &str) -> Vec<String> {
    o.scripts
        .iter()
        .filter(|(path, line)| path.starts_with(job) && line.starts_with("roost "))
        .map(|(_, line)| line.clone())
        .collect()
}

/// What both examples must do: plan with `--base` and the Markdown for the comment found by its
/// marker, keep the saved plan, apply exactly a saved plan, explain the exit codes, and take
/// tokens from the CI's secret store.
fn assert_pipeline(name: &str, text: &str, plan: &[String], apply: &[String], secret: &str) {
    assert_eq!(
        plan.len(),
        1,
        "{name}: one roost command in the plan job: {plan:?}"
    );
    for part in [
        "roost plan",
        "--base \"origin/$",
        "--format markdown",
        "-o plan.json",
    ] {
        assert!(
            plan[0].contains(part),
            "{name}: the plan misses {part}: {}",
            plan[0]
        );
    }
    assert!(
        apply.iter().any(|l| l.starts_with("roost apply plan.json")),
        "{name}: the apply job applies the saved plan: {apply:?}"
    );
    assert!(
        text.contains(roost_plan::render::MARKDOWN_MARKER),
        "{name}: no marker"
    );
    assert!(
        text.contains(secret),
        "{name}: the token is not from the secret store"
    );
    assert!(
        !text.contains("ptla_") && !text.contains("papp_"),
        "{name}: a literal key"
    );
    for code in ["0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "64 ", "130 "] {
        assert!(
            text.contains(&format!("#   {code}")),
            "{name}: exit code {code}unexplained"
        );
    }
}

#[test]
fn github_actions_example_has_the_expected_jobs() {
    let (text, o) = example("github-actions.yml");
    for key in [
        "on.pull_request",
        "on.push",
        "jobs.plan.steps",
        "jobs.plan.permissions.pull-requests",
        "jobs.apply.steps",
        "jobs.apply.environment",
    ] {
        assert!(
            o.keys.contains(key),
            "github-actions.yml lacks {key}: {:?}",
            o.keys
        );
    }
    assert!(
        text.contains("actions/upload-artifact"),
        "the plan is kept as an artifact"
    );
    assert!(text.contains("fetch-depth: 0"), "--base needs the history");
    let plan = roost_lines(&o, "jobs.plan");
    let apply = roost_lines(&o, "jobs.apply");
    assert_pipeline(
        "github-actions.yml",
        &text,
        &plan,
        &apply,
        "secrets.ROOST_TOKEN",
    );
}

#[test]
fn gitlab_ci_example_has_the_expected_jobs() {
    let (text, o) = example("gitlab-ci.yml");
    for key in [
        "stages",
        "roost-plan.script",
        "roost-plan.rules.if",
        "roost-plan.artifacts.paths",
        "roost-apply.script",
        "roost-apply.resource_group",
    ] {
        assert!(
            o.keys.contains(key),
            "gitlab-ci.yml lacks {key}: {:?}",
            o.keys
        );
    }
    let plan = roost_lines(&o, "roost-plan");
    let apply = roost_lines(&o, "roost-apply");
    assert_pipeline("gitlab-ci.yml", &text, &plan, &apply, "$ROOST_GITLAB_TOKEN");
}

/// A CI script line run by `sh` in `repo`, with `roost` on the PATH and the CI's variables; the
/// exit code is roost's, also when the line catches it in `|| code=$?`.
fn sh(repo: &Path, bin: &Path, panel: &Panel, line: &str) -> Run {
    let script =
        format!("code=0\n{line}\nrc=$?\n[ \"$code\" != 0 ] && exit \"$code\"\nexit \"$rc\"\n");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .current_dir(repo)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("MANIFESTS", "manifests")
        .env("BASE_REF", "main")
        .env("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
        .env("ROOST_PANEL", panel.sim.url())
        .env("ROOST_TOKEN", panel.sim.token())
        .env_remove("ROOST_CLIENT_TOKEN");
    for var in PASSWORD_VARS {
        cmd.env(var, SECRET);
    }
    let run = Run::from(cmd.output().expect("sh runs"));
    run.assert_no_secret(line);
    run
}

/// The pipeline's roost commands on the simulator: the pull request's plan (intended changes,
/// exit 2; the comment's Markdown with the marker; the saved plan rendering the same), then the
/// merge's plan and apply, after which the panel matches the branch.
fn run_pipeline(name: &str, plan: &[String], apply: &[String]) {
    for d in DIALECTS {
        let panel = Panel::start(d);
        let tmp = tempfile::tempdir().expect("tempdir");
        let (repo, bin) = (tmp.path().join("repo"), tmp.path().join("bin"));
        let manifests = repo.join("manifests");
        common::manifests::copy_dir(&small(d), &manifests);
        std::fs::create_dir_all(&bin).expect("bin");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_roost-test"), bin.join("roost"))
            .expect("link roost");
        git(&repo, &["init", "-q", "-b", "main"]);
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", "fleet"]);
        // What `git fetch origin main` leaves behind.
        git(&repo, &["update-ref", "refs/remotes/origin/main", "main"]);
        panel.apply_ok(&manifests);
        git(&repo, &["checkout", "-q", "-b", "bigger-alpha"]);
        let fleet = manifests.join("fleet.kdl");
        let text = std::fs::read_to_string(&fleet).expect("fleet.kdl");
        let edited = text.replacen(
            "name \"Alpha\"",
            "name \"Alpha\"\n    limits memory=\"3GiB\"",
            1,
        );
        assert_ne!(text, edited, "the fixture has Alpha");
        std::fs::write(&fleet, edited).expect("edit");
        git(&repo, &["commit", "-q", "-am", "more memory for Alpha"]);

        let run = sh(&repo, &bin, &panel, &plan[0]).expect(2, &format!("{name} {d}: PR plan"));
        assert!(
            run.stdout.is_empty(),
            "the Markdown went to plan.md: {}",
            run.show()
        );
        let md = std::fs::read_to_string(repo.join("plan.md")).expect("plan.md");
        assert!(md.starts_with(roost_plan::render::MARKDOWN_MARKER), "{md}");
        assert!(
            md.contains(&format!("Panel: `{}`", panel.sim.url())),
            "{md}"
        );
        assert!(md.contains("server.alpha") || md.contains("Alpha"), "{md}");
        let shown = offline(&["show", p(&repo.join("plan.json")), "--format", "markdown"])
            .expect(0, "show the artifact");
        assert_eq!(
            shown.stdout, md,
            "{name} {d}: the artifact renders as the comment"
        );
        let before = panel.settled_state();

        // The merge: the apply job's commands in order.
        git(&repo, &["checkout", "-q", "main"]);
        git(&repo, &["merge", "-q", "--ff-only", "bigger-alpha"]);
        panel.assert_unchanged_since(
            &before,
            format!("{name} {d}: the PR plan changed the panel"),
        );
        for line in apply {
            sh(&repo, &bin, &panel, line).expect(0, &format!("{name} {d}: {line}"));
        }
        panel.assert_converged(&manifests, &format!("{name} {d}: after the merge"));
    }
}

#[test]
fn github_actions_commands_run_on_the_simulator() {
    let (_, o) = example("github-actions.yml");
    run_pipeline(
        "github-actions.yml",
        &roost_lines(&o, "jobs.plan"),
        &roost_lines(&o, "jobs.apply"),
    );
}

#[test]
fn gitlab_ci_commands_run_on_the_simulator() {
    let (_, o) = example("gitlab-ci.yml");
    run_pipeline(
        "gitlab-ci.yml",
        &roost_lines(&o, "roost-plan"),
        &roost_lines(&o, "roost-apply"),
    );
}

#[test]
fn the_readme_says_how_to_install_and_what_is_managed() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README");
    assert!(readme.contains("cargo install --locked --path crates/cli"));
    assert!(readme.contains("## What roost manages, and what it does not"));
    for unmanaged in ["two-factor", "client API keys", "e-mail and password"] {
        assert!(
            readme.contains(unmanaged),
            "the README does not place {unmanaged}"
        );
    }
    assert!(
        !readme.contains("../shared"),
        "the README points outside the repository"
    );
    assert!(
        readme.contains("examples/ci/"),
        "the README points at the CI examples"
    );
}
