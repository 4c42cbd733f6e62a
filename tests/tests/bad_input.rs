//! Hostile and broken input, run through the `roost` process: every command ends with exit 1
//! and a report naming the place, never with a crash (exit 134, a stack overflow), a panic
//! (exit 101) or a hang.

mod common;

use common::cli::{Run, offline};
use common::p;
use std::path::Path;

/// A manifest directory holding `files`.
fn manifests(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn run(command: &str, dir: &Path) -> Run {
    offline(&[command, p(dir)])
}

/// Exit 1 with a manifest report holding `code`.
fn refused(run: Run, code: &str, what: &str) -> Run {
    let run = run.expect(1, what);
    assert!(
        run.stderr.contains(&format!("Error: {code}")),
        "{what}: no {code}:\n{}",
        run.show()
    );
    run
}

#[test]
fn deeply_nested_blocks_are_refused_by_every_command() {
    // 1,300 levels inside a `/-` (6.5 KB) aborted validate, fmt, graph and plan with a stack
    // overflow.
    let deep = format!("/-x {}{}\n", "a {".repeat(1_300), "}".repeat(1_300));
    let dir = manifests(&[("deep.kdl", deep.as_bytes())]);
    for command in ["validate", "fmt", "graph", "plan"] {
        let run = refused(run(command, dir.path()), "roost::too-deep", command);
        assert!(
            run.stderr.contains("blocks are nested more than 64 deep")
                && run.stderr.contains("[deep.kdl:1:"),
            "{command}:\n{}",
            run.show()
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("deep.kdl")).unwrap(),
        deep,
        "fmt left the file alone"
    );
}

#[test]
fn deeply_nested_comments_are_refused() {
    let text = format!("{}{}\n", "/*".repeat(5_000), "*/".repeat(5_000));
    let dir = manifests(&[("deep.kdl", text.as_bytes())]);
    refused(run("validate", dir.path()), "roost::too-deep", "validate");
}

#[test]
fn a_run_of_slashdashes_is_refused_at_once() {
    // `/- /- /- ...` took the parser time cubic in its length (300 of them: 3 s).
    let text = format!("{}a\n", "/- ".repeat(2_000));
    let dir = manifests(&[("dash.kdl", text.as_bytes())]);
    let run = refused(run("validate", dir.path()), "roost::kdl-syntax", "validate");
    assert!(
        run.stderr.contains("right after another `/-`"),
        "{}",
        run.show()
    );
}

#[test]
fn thousands_of_parse_errors_in_a_row_do_not_exhaust_the_stack() {
    // The parser recurses once per error it recovers from: 60,000 stray `)` overflowed the
    // main thread's 8 MiB.
    let text = format!("location \"fra\" {{\n}}\n{}\n", ")".repeat(60_000));
    let dir = manifests(&[("junk.kdl", text.as_bytes())]);
    let run = refused(run("validate", dir.path()), "roost::kdl-syntax", "validate");
    assert!(run.stderr.contains("[junk.kdl:3:"), "{}", run.show());
}
