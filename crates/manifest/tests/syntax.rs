//! KDL syntax errors: one clear problem per mistake, not the parser's follow-on errors.

use roost_manifest::{Sources, load};
use std::sync::Arc;

fn codes(text: &str) -> Vec<(&'static str, String)> {
    let sources = Sources {
        files: vec![("fleet.kdl".into(), Arc::from(text))],
    };
    let err = load(sources).expect_err("the text is invalid");
    err.diagnostics
        .iter()
        .map(|d| (d.code_str(), d.message().to_string()))
        .collect()
}

#[test]
fn a_kdl_v1_raw_string_is_reported_alone() {
    let found = codes("server \"a\" {\n    startup r\"java -jar x.jar\"\n}\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "roost::kdl-v1");
}

#[test]
fn a_kdl_v1_bare_boolean_names_the_v2_spelling() {
    let found = codes("server \"a\" {\n    protect true\n}\n");
    assert_eq!(
        found,
        [(
            "roost::kdl-v1",
            "KDL v1 syntax: a bare `true` is not a value in KDL v2".to_string()
        )]
    );
}

#[test]
fn an_unclosed_block_is_reported_once() {
    let found = codes("server \"a\" {\n    owner \"alice\"\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "roost::kdl-syntax");
}

#[test]
fn a_damaged_file_reports_its_first_errors_and_counts_the_rest() {
    let found = codes(&")\n".repeat(100));
    assert_eq!(found.len(), 21, "{found:#?}");
    assert_eq!(
        found[20],
        (
            "roost::kdl-syntax",
            "80 more KDL syntax errors in this file".to_string()
        )
    );
}
