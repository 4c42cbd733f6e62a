//! Differential tests: the reader against the `kdl` crate, which is the reference. On every
//! text, both read the same document (names, types, values and every span) or both reject it.
//! "Reject" on the reference side includes the guard's refusals (`guard.rs`), which run before
//! either parser in `syntax.rs`.
//!
//! The corpus: the KDL specification's test suite (shipped inside the `kdl` crate's package,
//! read where cargo unpacked it, never copied), every example and fixture, and a fuzz corpus of
//! deterministic mutations of those.

use super::*;
use std::path::{Path, PathBuf};

mod corpus;
mod fuzz;

/// Every field of a document, floats by their bits (the `kdl` crate's `PartialEq` takes NaN
/// for 0.0 and infinity for `f64::MAX`).
fn strict(doc: &KdlDocument) -> String {
    format!("{doc:?}")
}

/// What the reference reads: the guard's refusal, or the `kdl` crate's document.
fn reference(text: &str) -> Option<KdlDocument> {
    if !crate::guard::scan(0, text, usize::MAX).problems.is_empty() {
        return None;
    }
    let mut doc = KdlDocument::from_kdl(&text.parse::<kdl::KdlDocument>().ok()?);
    doc.span = Range::new(0, text.len());
    Some(doc)
}

/// What roost reads, behind the guard as in `syntax.rs`.
fn ours(text: &str) -> Option<KdlDocument> {
    let doc = parse(text);
    if !crate::guard::scan(0, text, usize::MAX).problems.is_empty() {
        return None;
    }
    doc
}

/// The differences between the reader and the reference on `texts`, each with its name.
fn differences<'a>(texts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, text) in texts {
        let (a, b) = (ours(text), reference(text));
        if a.as_ref().map(strict) != b.as_ref().map(strict) {
            out.push(format!(
                "{name}: {text:?}\n  roost: {}\n  kdl:   {}",
                a.as_ref().map_or("rejected".into(), strict),
                b.as_ref().map_or("rejected".into(), strict)
            ));
        }
    }
    out
}

/// The `kdl` crate parses recursively (a few KiB of stack a level, more for each error it
/// recovers from): the differential runs on a thread with room for it.
fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn_scoped(s, f)
            .expect("a thread")
            .join()
            .expect("no panic")
    })
}

fn assert_none(diffs: Vec<String>, what: &str) {
    assert!(
        diffs.is_empty(),
        "{} of the {what} read differently by roost and by the kdl crate:\n{}",
        diffs.len(),
        diffs
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_specification_test_suite_reads_as_the_kdl_crate_reads_it() {
    let cases = corpus::spec_suite();
    let (accepted, rejected) = on_big_stack(|| {
        let texts = cases.iter().map(|(n, t)| (n.as_str(), t.as_str()));
        assert_none(differences(texts), "specification test cases");
        // With line endings normalised, as the `kdl` crate's own compliance test reads them.
        let normalised: Vec<(String, String)> = cases
            .iter()
            .map(|(n, t)| (n.clone(), t.replace("\r\n", "\n")))
            .collect();
        let texts = normalised.iter().map(|(n, t)| (n.as_str(), t.as_str()));
        assert_none(differences(texts), "normalised specification test cases");
        let accepted = cases.iter().filter(|(_, t)| parse(t).is_some()).count();
        (accepted, cases.len() - accepted)
    });
    // The suite's `_fail` cases that the `kdl` crate still reads are read by this reader too:
    // it allows DEL, and takes `#"""one line"""#` for a one-line raw string. Every other
    // `_fail` case is rejected.
    let failing_read: Vec<&str> = cases
        .iter()
        .filter(|(n, t)| n.ends_with("_fail.kdl") && parse(t).is_some())
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        failing_read,
        [
            "multiline_raw_string_single_line_err_fail.kdl",
            "unicode_delete_fail.kdl"
        ]
    );
    println!(
        "specification suite: {} cases, {accepted} read, {rejected} rejected",
        cases.len()
    );
}

#[test]
fn examples_and_fixtures_read_as_the_kdl_crate_reads_them() {
    let texts = corpus::examples_and_fixtures();
    assert!(texts.len() > 50, "found the examples and fixtures");
    let diffs = on_big_stack(|| differences(texts.iter().map(|(n, t)| (n.as_str(), t.as_str()))));
    assert_none(diffs, "examples and fixtures");
    let read = texts.iter().filter(|(_, t)| parse(t).is_some()).count();
    println!(
        "examples and fixtures: {} files, {read} read, {} rejected (syntax errors)",
        texts.len(),
        texts.len() - read
    );
}

#[test]
fn fuzzed_texts_read_as_the_kdl_crate_reads_them() {
    // The specification's cases are small and each exercises a corner of the syntax: mutations
    // of them reach corners the manifests never do.
    let mut bases = corpus::examples_and_fixtures();
    bases.extend(corpus::spec_suite());
    let mutated = fuzz::mutations(&bases, fuzz::CASES);
    let generated = fuzz::generated(fuzz::CASES);
    let cases = || mutated.iter().chain(&generated);
    let (diffs, read) = on_big_stack(|| {
        let diffs = differences(cases().map(|(n, t)| (n.as_str(), t.as_str())));
        let read = cases().filter(|(_, t)| parse(t).is_some()).count();
        (diffs, read)
    });
    assert_none(diffs, "fuzzed texts");
    println!(
        "fuzz: {} mutated and {} generated cases, {read} read",
        mutated.len(),
        generated.len()
    );
}

/// Corners where the `kdl` crate departs from the specification or reads something
/// surprising: each is checked against the `kdl` crate like everything else, and the
/// outcome is pinned so that a change in either is noticed.
#[test]
fn the_kdl_crates_quirks_are_reproduced() {
    let read = [
        // A commented-out node right after a block or a keyword, without a terminator.
        "a {}/-b",
        "a #true/-b",
        // Nothing is checked after a keyword.
        "a #true{}",
        // A signed `inf` is an identifier.
        "a -inf",
        // Upper-case radix prefixes.
        "a 0X1f 0O17 0B101",
        // DEL is allowed.
        "a \u{7f}b",
        // `#""""#` is a one-line raw string holding two quotes, `#"""x"""#` one holding
        // `""x""`.
        "a #\"\"\"\"#",
        "a #\"\"\"x\"\"\"#",
        // Spaces around `=`, inside a type annotation, and before a node name.
        "(t) a ( u )1 k = 2",
        "a /-b; c",
    ];
    let rejected = [
        // A commented-out node followed by `;`.
        "/-a;",
        "a\n/-b;",
        // Any raw string whose value is one quote, multi-line ones included.
        "a #\"\"\"#",
        "a #\"\"\"\n\"\n\"\"\"#",
        // Bare keywords.
        "a true",
        "a inf",
        // An empty line in a multi-line string made of an escape and a newline.
        "a \"\"\"\n  x \\\n  \"\"\"",
    ];
    let diffs =
        on_big_stack(|| differences(read.iter().chain(rejected.iter()).map(|t| ("quirk", *t))));
    assert_none(diffs, "quirks");
    for text in read {
        assert!(parse(text).is_some(), "reads {text:?}");
    }
    for text in rejected {
        assert!(parse(text).is_none(), "rejects {text:?}");
    }
}

#[test]
fn spans_are_the_kdl_crates() {
    let doc = parse("(t)a (u) 1 k = (v)\"x\" {\n  b 1\n  c\n}\n").expect("reads");
    let a = &doc.nodes()[0];
    let span = |s: SourceSpan| (s.offset(), s.len());
    assert_eq!(span(a.span()), (0, 35));
    assert_eq!(span(a.name().span()), (3, 1));
    assert_eq!(a.ty().map(|t| span(t.span())), Some((1, 1)));
    let e: Vec<_> = a.entries().iter().map(|e| span(e.span())).collect();
    assert_eq!(e, [(5, 5), (11, 10)]);
    assert_eq!(a.entries()[1].name().map(|n| n.value()), Some("k"));
    assert_eq!(a.children().map(|c| span(c.span())), Some((26, 7)));
}

#[test]
fn hostile_texts_are_rejected_without_deep_recursion_or_backtracking() {
    let deep = format!("a {}{}", "{ b ".repeat(100_000), "}".repeat(100_000));
    assert!(parse(&deep).is_none());
    let comments = format!("a /*{}", "/*".repeat(100_000));
    assert!(parse(&comments).is_none());
    assert!(parse(&"/- ".repeat(100_000)).is_none());
    // Commented-out blocks inside commented-out blocks, as deep as the guard allows: read once
    // each (the `kdl` crate backtracks over them, twice a level).
    let nested = format!(
        "a {}{}",
        "/-{ b ".repeat(MAX_DEPTH - 1),
        "}".repeat(MAX_DEPTH - 1)
    );
    assert!(parse(&nested).is_some());
    let nested_nodes = format!("{}{}", "/-a {\n".repeat(MAX_DEPTH), "}\n".repeat(MAX_DEPTH));
    assert!(parse(&nested_nodes).is_some());
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
