//! Shared by every end-to-end test: `roost-test` run as a process (`cli`), a simulator per
//! test to run it against (`panel`), editable copies of manifest directories (`manifests`),
//! checks of the simulator's state and request log (`sim_state`), a messy realistic panel to
//! import (`messy`), and the redactions that make output comparable across runs (`redact`).

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod cli;
pub mod manifests;
pub mod messy;
pub mod ops;
pub mod panel;
pub mod redact;
pub mod schema;
pub mod sim_state;

use roost_sim::Dialect;
use std::path::{Path, PathBuf};

pub const DIALECTS: [Dialect; 2] = [Dialect::Pterodactyl, Dialect::Pelican];

/// The workspace root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `examples/<name>`.
pub fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

/// `tests/fixtures/<group>/<name>`.
pub fn fixture(group: &str, name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(group).join(name)
}

pub fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Pterodactyl => "pterodactyl",
        Dialect::Pelican => "pelican",
    }
}

/// The small fleet of `tests/fixtures/apply/` in `dialect`.
pub fn small(dialect: Dialect) -> PathBuf {
    fixture("apply", &format!("small-{}", dialect_name(dialect)))
}

/// The fixture fleet of `dialect` (`tests/fixtures/plan/<dialect>/`).
pub fn fleet(d: Dialect) -> PathBuf {
    fixture("plan", dialect_name(d))
}

/// The manifest sets of one `examples/` folder: itself, or for `examples/environments/` each
/// environment (`common/` is included by them, not a set of its own).
pub fn example_sets(dir: &Path) -> Vec<PathBuf> {
    if !dir.ends_with("environments") {
        return vec![dir.to_path_buf()];
    }
    let mut sets: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("common"))
        .collect();
    sets.sort();
    sets
}

/// A path as a command-line argument.
pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `git ARGS` in `repo` with a throwaway identity; it must succeed.
pub fn git(repo: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "user.name=ci", "-c", "user.email=ci@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
