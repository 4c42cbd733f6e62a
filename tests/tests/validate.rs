//! `roost validate` on the fixture corpora, run as a real process.
//!
//! Each directory under `fixtures/invalid/` is one manifest set with known mistakes: the command
//! must exit 1, and its report (stderr, no colour, 100 columns) is snapshotted under the case's
//! name. Each test also names the exact set of error codes the report must contain, so a
//! snapshot accepted without reading still fails when an error goes missing or a new one
//! appears. Each directory under `fixtures/valid/` must validate; its `--print` output is
//! snapshotted to show what the tricky parts resolve to.

mod common;

use common::cli::{Run, offline};
use common::p;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture(kind: &str, case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(kind)
        .join(case)
}

fn roost(args: &[&str], dir: &Path) -> Run {
    let mut all = args.to_vec();
    all.push(p(dir));
    offline(&all)
}

/// The distinct `roost::…` codes of the report's diagnostics (the wrapper code excluded).
fn codes(report: &str) -> BTreeSet<&str> {
    report
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Error: "))
        .map(str::trim)
        .filter(|c| c.starts_with("roost::"))
        .collect()
}

fn check_invalid(case: &str, expected: &[&str]) {
    let dir = fixture("invalid", case);
    assert!(dir.is_dir(), "missing fixture {}", dir.display());
    let run = roost(&["validate"], &dir);
    assert_eq!(run.code, Some(1), "{case}: expected exit 1\n{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "{case}: nothing on stdout, got {:?}",
        run.stdout
    );
    assert!(
        run.stderr.starts_with("roost::invalid-manifests"),
        "{case}: not a manifest report:\n{}",
        run.stderr
    );
    let found = codes(&run.stderr);
    let want: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(
        found, want,
        "{case}: error codes in the report:\n{}",
        run.stderr
    );
    insta::assert_snapshot!(case, run.stderr);
}

fn check_valid(case: &str) {
    let dir = fixture("valid", case);
    assert!(dir.is_dir(), "missing fixture {}", dir.display());
    let run = roost(&["validate", "--print"], &dir);
    assert_eq!(run.code, Some(0), "{case}: expected exit 0\n{}", run.stderr);
    assert!(run.stderr.starts_with("valid: "), "{case}: {}", run.stderr);
    insta::assert_snapshot!(case, run.stdout);
}

/// `case_name => [codes]`: the test is named after the case, with `_` for `-`.
macro_rules! invalid {
    ($($case:ident => [$($code:literal),+ $(,)?]),+ $(,)?) => {$(
        #[test]
        fn $case() {
            check_invalid(&stringify!($case).replace('_', "-"), &[$($code),+]);
        }
    )+};
}

macro_rules! valid {
    ($($case:ident),+ $(,)?) => {$(
        #[test]
        fn $case() {
            check_valid(&stringify!($case).replace('_', "-"));
        }
    )+};
}

invalid! {
    unknown_block => ["roost::unknown-node"],
    unknown_property => ["roost::unknown-property"],
    unknown_field => ["roost::unknown-field"],
    wrong_type_quoted_number => ["roost::wrong-type"],
    wrong_type_quoted_boolean => ["roost::wrong-type"],
    wrong_type_number_for_string => ["roost::wrong-type"],
    missing_field_server => ["roost::missing-field"],
    missing_field_node => ["roost::missing-field"],
    out_of_range => ["roost::out-of-range"],
    huge_numbers => ["roost::out-of-range", "roost::bad-unit"],
    too_long => ["roost::too-long"],
    bad_port => ["roost::bad-port"],
    bad_port_range => ["roost::bad-port"],
    bad_ip => ["roost::bad-ip"],
    bad_cidr => ["roost::bad-ip"],
    bad_unit => ["roost::bad-unit"],
    bad_unit_node => ["roost::bad-unit"],
    duplicate_same_file => ["roost::duplicate"],
    duplicate_across_files => ["roost::duplicate"],
    duplicate_field => ["roost::duplicate"],
    undefined_user => ["roost::undefined-reference"],
    undefined_node => ["roost::undefined-reference"],
    undefined_location => ["roost::undefined-reference"],
    undefined_template => ["roost::undefined-reference"],
    undefined_allocation => ["roost::undefined-reference"],
    undefined_dependency => ["roost::undefined-reference"],
    allocation_claimed_twice => ["roost::allocation-claimed-twice"],
    allocation_claimed_across_files => ["roost::allocation-claimed-twice"],
    allocation_on_other_node => ["roost::allocation-not-on-node"],
    template_cycle => ["roost::template-cycle"],
    template_self_cycle => ["roost::template-cycle"],
    dependency_cycle => ["roost::dependency-cycle"],
    wrong_dialect_location_on_pelican => ["roost::wrong-dialect"],
    wrong_dialect_tags_on_pterodactyl => ["roost::wrong-dialect"],
    literal_password => ["roost::literal-secret"],
    literal_token => ["roost::literal-secret"],
    unknown_annotation => ["roost::unknown-annotation"],
    kdl_v1_bare_true => ["roost::kdl-v1"],
    kdl_v1_raw_string => ["roost::kdl-v1"],
    kdl_syntax_error => ["roost::kdl-syntax"],
    kdl_syntax_unclosed_block => ["roost::kdl-syntax"],
    bad_namespace => ["roost::bad-value"],
    name_not_as_the_panel_stores_it => ["roost::bad-name", "roost::bad-value"],
    syntax_error_in_one_file => ["roost::kdl-v1", "roost::undefined-reference"],
    database_bad_values => [
        "roost::bad-name",
        "roost::too-long",
        "roost::out-of-range",
        "roost::bad-value",
    ],
    database_duplicate => ["roost::duplicate"],
    database_host_name_on_pterodactyl => ["roost::wrong-dialect"],
    database_missing_host => ["roost::missing-field", "roost::unknown-field"],
    undefined_database_dependency => ["roost::undefined-reference"],
    unknown_ignore_attribute => ["roost::bad-value", "roost::unknown-attribute"],
    many_errors_two_files => [
        "roost::bad-url",
        "roost::out-of-range",
        "roost::unknown-field",
        "roost::bad-unit",
        "roost::bad-port",
        "roost::missing-field",
        "roost::bad-name",
        "roost::bad-value",
        "roost::undefined-reference",
        "roost::allocation-claimed-twice",
    ],
}

valid! {
    template_limits_merge,
    port_only_allocation,
    pelican_no_allocation,
    size_units,
    secret_variables,
    server_databases,
}

/// The one report of the many-errors case names every mistake of both files.
#[test]
fn many_errors_are_all_in_one_report() {
    let run = roost(&["validate"], &fixture("invalid", "many-errors-two-files"));
    assert_eq!(run.code, Some(1));
    let count: usize = run
        .stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("× the manifests have ")?
                .strip_suffix(" errors")?
                .parse()
                .ok()
        })
        .expect("a report header with the number of errors");
    assert!(
        count >= 12,
        "expected at least 12 errors, found {count}:\n{}",
        run.stderr
    );
    let listed = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("Error: roost::"))
        .count();
    assert_eq!(listed, count, "every error is listed:\n{}", run.stderr);
    for place in ["[infra.kdl:", "[servers.kdl:"] {
        assert!(
            run.stderr.contains(place),
            "no error in {place}:\n{}",
            run.stderr
        );
    }
}

/// A file that does not parse is reported first, and the references its declarations would
/// have satisfied are held back (counted in a note), while a reference no file could satisfy is
/// still reported.
#[test]
fn a_syntax_error_comes_first_and_hides_only_what_follows_from_it() {
    let run = roost(
        &["validate"],
        &fixture("invalid", "syntax-error-in-one-file"),
    );
    assert_eq!(run.code, Some(1));
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("Error: "))
        .collect();
    assert_eq!(
        errors,
        ["roost::kdl-v1", "roost::undefined-reference"],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("user `bob` is not declared"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("3 further checks skipped because users.kdl did not parse"),
        "{}",
        run.stderr
    );
}

/// Every fixture directory has a test above (a new case without one would never run).
#[test]
fn every_fixture_has_a_test() {
    let src = include_str!("validate.rs");
    for kind in ["invalid", "valid"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(kind);
        for entry in std::fs::read_dir(&root).unwrap() {
            let name = entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .replace('-', "_");
            assert!(
                src.contains(&format!("    {name} =>")) || src.contains(&format!("    {name},")),
                "fixtures/{kind}/{name} has no test in validate.rs"
            );
        }
    }
}
