//! The texts the differential tests read: the specification's test suite, found in the `kdl`
//! crate's unpacked package, and the project's examples and fixtures.

use super::workspace_root;
use std::path::{Path, PathBuf};

/// The `kdl` version in `Cargo.lock`: the one whose test suite is in the registry.
fn locked_kdl_version() -> String {
    let lock_path = workspace_root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", lock_path.display()));
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"kdl\"" {
            let version = lines.next().and_then(|l| l.strip_prefix("version = \""));
            if let Some(v) = version.and_then(|v| v.strip_suffix('"')) {
                return v.to_string();
            }
        }
    }
    panic!("Cargo.lock has no kdl package");
}

fn cargo_home() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
    }
}

/// The specification's test cases (`tests/test_cases/input/*.kdl`; `*_fail.kdl` are invalid),
/// as the `kdl` crate's package ships them. Read where cargo unpacked the crate, never copied
/// into this repository. Building roost unpacks it, so not finding it is an error.
pub(super) fn spec_suite() -> Vec<(String, String)> {
    let version = locked_kdl_version();
    let registry = cargo_home().join("registry").join("src");
    let package = format!("kdl-{version}");
    let found = std::fs::read_dir(&registry).ok().and_then(|dirs| {
        dirs.filter_map(Result::ok)
            .map(|d| d.path().join(&package).join("tests/test_cases/input"))
            .find(|p| p.is_dir())
    });
    let Some(dir) = found else {
        panic!(
            "the KDL specification's test suite was not found: expected {}/*/{package}/tests/test_cases/input \
             (the kdl crate's package, unpacked by cargo when it builds roost; set CARGO_HOME if cargo keeps \
             its registry elsewhere)",
            registry.display()
        );
    };
    let mut cases: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("the test suite's directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "kdl"))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).expect("a test case"))
        })
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 300,
        "the specification's test suite in {} has {} cases, expected 300 or more",
        dir.display(),
        cases.len()
    );
    cases
}

fn kdl_files(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            kdl_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "kdl") {
            // Fixtures hold bytes that are not UTF-8 on purpose: those never reach a parser.
            if let Ok(text) = std::fs::read_to_string(&path) {
                let name = path.strip_prefix(root).unwrap_or(&path);
                out.push((name.display().to_string(), text));
            }
        }
    }
}

/// Every `*.kdl` under `examples/` and `tests/fixtures/`, valid and invalid.
pub(super) fn examples_and_fixtures() -> Vec<(String, String)> {
    let root = workspace_root();
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures"] {
        kdl_files(&root.join(dir), &root, &mut out);
    }
    out
}
