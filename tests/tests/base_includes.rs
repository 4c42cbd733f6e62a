//! `plan --base REF` reads a manifest directory as it was at a git revision, `include`d files
//! too: an environment whose templates live in `../common/` (examples/environments) is compared
//! with the same templates at the base, not with today's.

mod common;

use common::git;
use common::panel::Panel;
use roost_model::Dialect;
use std::path::Path;

/// The causes the JSON plan gives the attribute `name` of every change.
fn causes(plan: &serde_json::Value, name: &str) -> Vec<String> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .flat_map(|c| c["attributes"].as_array().cloned().unwrap_or_default())
        .filter(|a| a["name"] == name)
        .map(|a| a["cause"].as_str().unwrap_or("none").to_string())
        .collect()
}

#[test]
fn a_base_revision_reads_its_own_included_templates() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    let envs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/environments");
    common::manifests::copy_dir(&envs, &repo);
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "environments"]);
    let staging = repo.join("staging");
    panel.apply_ok(&staging);

    // The pull request changes only the shared template.
    git(&repo, &["checkout", "-q", "-b", "more-cpu"]);
    let templates = repo.join("common/templates.kdl");
    let text = std::fs::read_to_string(&templates).expect("templates.kdl");
    let edited = text.replacen("cpu=200", "cpu=300", 1);
    assert_ne!(text, edited, "the example's paper template has cpu=200");
    std::fs::write(&templates, edited).expect("edit");
    git(&repo, &["commit", "-q", "-am", "more cpu"]);

    let run = panel
        .plan_as(&staging, "json", &["--base", "main", "--detailed-exitcode"])
        .expect(2, "plan against the base");
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect("plan JSON");
    let cpu = causes(&plan, "limits.cpu");
    assert!(!cpu.is_empty(), "the template's cpu change is planned");
    assert!(
        cpu.iter().all(|c| c == "intended"),
        "the base read its own templates, so the change is the manifests': {cpu:?}"
    );

    // A base whose include points nowhere is refused, naming the include.
    git(&repo, &["checkout", "-q", "main"]);
    git(&repo, &["rm", "-q", "common/templates.kdl"]);
    git(&repo, &["commit", "-q", "-m", "lose the templates"]);
    git(&repo, &["checkout", "-q", "more-cpu"]);
    let run = panel.plan(&staging, &["--base", "main"]);
    assert_ne!(run.code, Some(0), "{}", run.show());
    assert!(
        run.stderr.contains("../common/templates.kdl"),
        "the error names the include: {}",
        run.show()
    );
}
