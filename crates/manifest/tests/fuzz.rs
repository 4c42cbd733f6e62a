//! A bounded, deterministic fuzz test of what `roost validate` and `roost fmt` run in-process:
//! the example manifests and the invalid corpus, mutated by a small seeded mutator (byte flips,
//! deletions, duplicated lines, deep nesting, huge numbers, odd Unicode, KDL punctuation, very
//! long lines, truncation). No input may panic, overflow the stack or take long; a formatted
//! file must still parse and format to itself.
//!
//! A failure names the case and writes its input to `target/fuzz-failure-*.kdl`; each bug it
//! finds gets its own regression case below (`regressions`).

mod rng;

use rng::Rng;
use roost_manifest::{Sources, check_syntax, format_kdl, load};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CASES: usize = 2_000;
const SEED: u64 = 0x5eed_2024_0010_cafe;
// A hang guard, not a speed check: the slowest regression case takes ~4 s alone in debug and
// three times that on a loaded 2-core machine.
const CASE_LIMIT: Duration = Duration::from_secs(60);
/// The smallest stack a test thread gets by default: nothing here may need more (the KDL parser
/// runs on a thread of its own).
const STACK: usize = 2 << 20;

const ODD: &[&str] = &[
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{200b}",
    "\u{202e}",
    "\u{301}",
    "\u{fffd}",
    "\0",
    "\r",
    "\t",
    "\u{b}",
    "\u{c}",
    "界",
    "🦀",
    "é",
    "\u{10ffff}",
];
const PUNCT: &[&str] = &[
    "{", "}", "\"", "/-", "/*", "*/", "//", "\\", "#", "\"\"\"", "#\"", "\"#", "(", ")", "=", ";",
    "\n", " ", "r\"", "#true", "true", "-", ".", "0x", "1e400", "#nan",
];

/// A char boundary at or before `i`.
fn floor(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One mutation of `text`, and a word for it.
fn mutate(rng: &mut Rng, text: &mut String, corpus: &[String]) -> &'static str {
    let at = floor(text, rng.below(text.len() + 1));
    // Weighted: the KDL parser reads ~200 KB/s in debug builds, so the big inputs (long lines,
    // garbage runs) come up less often than the cheap ones.
    let kind = *rng.pick(&[
        0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6, 7, 8, 9, 9, 10,
    ]);
    match kind {
        0 => {
            // A byte flip, kept valid UTF-8 (a file that is not is refused before parsing).
            let mut bytes = std::mem::take(text).into_bytes();
            if !bytes.is_empty() {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            *text = String::from_utf8_lossy(&bytes).into_owned();
            "flip"
        }
        1 => {
            let end = floor(text, at + 1 + rng.below(64));
            text.replace_range(at..end, "");
            "delete"
        }
        2 => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            if !lines.is_empty() {
                let i = rng.below(lines.len());
                let many = rng.below(8) == 0;
                let times = 1 + rng.below(if many { 200 } else { 3 });
                let mut out = lines[..=i].concat();
                out.push_str(&lines[i].repeat(times));
                out.push_str(&lines[i + 1..].concat());
                *text = out;
            }
            "duplicate line"
        }
        3 => {
            let depth = *rng.pick(&[3, 63, 64, 65, 200, 1_300, 5_000]);
            let open = *rng.pick(&["a {", "/-a {", "{", "/*"]);
            let close = if open == "/*" { "*/" } else { "}" };
            let nest = format!("{}{}", open.repeat(depth), close.repeat(depth));
            text.insert_str(at, &nest);
            "deep nesting"
        }
        4 => {
            let digits = "9".repeat(*rng.pick(&[11, 20, 39, 40, 80]));
            let number = format!(
                "{}{digits}{}",
                rng.pick(&["", "-", "0x"]),
                rng.pick(&["", ".5", "GiB", "GB", "e9"])
            );
            match text[at..].find(|c: char| c.is_ascii_digit()) {
                Some(d) => text.insert_str(at + d, &number),
                None => text.insert_str(at, &format!(" memory={number} ")),
            }
            "huge number"
        }
        5 => {
            let odd = ODD[rng.below(ODD.len())];
            text.insert_str(at, odd);
            "odd unicode"
        }
        6 => {
            for _ in 0..1 + rng.below(4) {
                let at = floor(text, rng.below(text.len() + 1));
                let punct = PUNCT[rng.below(PUNCT.len())];
                text.insert_str(at, punct);
            }
            "punctuation"
        }
        7 => {
            // Past the snippet window (512 bytes), and now and then past column 65,536:
            // 16,400 tabs are 65,600 columns wide (and cheapest to parse).
            let run = match rng.below(8) {
                0 => "\t".repeat(16_300 + rng.below(200)),
                1 => "x".repeat(66_000),
                _ => rng
                    .pick(&["x", "\t", "界", "a=1 "])
                    .repeat(300 + rng.below(2_000)),
            };
            text.insert_str(at, &run);
            "long line"
        }
        8 => {
            text.truncate(at);
            "truncate"
        }
        9 => {
            let other = rng.pick(corpus);
            let lines: Vec<&str> = other.split_inclusive('\n').collect();
            if !lines.is_empty() {
                let from = rng.below(lines.len());
                let to = (from + 1 + rng.below(8)).min(lines.len());
                text.insert_str(at, &lines[from..to].concat());
            }
            "splice"
        }
        _ => {
            let garbage = rng
                .pick(&[")", "}", "=", "{}", "/-", "a {} "])
                .repeat(1 + rng.below(1_000));
            text.insert_str(at, &garbage);
            "garbage run"
        }
    }
}

/// What `roost validate` and `roost fmt` do with a manifest set, in-process.
fn exercise(files: &[(String, String)]) -> Result<(), String> {
    let sources = Sources {
        files: files
            .iter()
            .map(|(n, t)| (n.clone(), Arc::from(t.as_str())))
            .collect(),
    };
    // validate: load, and render the report as the CLI does.
    if let Err(e) = load(sources.clone()) {
        let report = e.render_plain(100);
        if !report.starts_with("roost::invalid-manifests") {
            return Err(format!("not a manifest report:\n{report}"));
        }
    }
    // fmt: only files that parse are formatted; formatted, they parse and format to themselves.
    match check_syntax(&sources) {
        Err(e) => {
            e.render_plain(100);
        }
        Ok(()) => {
            for (name, text) in files {
                let once = format_kdl(text);
                let formatted = Sources {
                    files: vec![(name.clone(), Arc::from(once.as_str()))],
                };
                if let Err(e) = check_syntax(&formatted) {
                    return Err(format!(
                        "{name} no longer parses once formatted:\n{}",
                        e.render_plain(100)
                    ));
                }
                if format_kdl(&once) != once {
                    return Err(format!("{name} formats differently a second time"));
                }
            }
        }
    }
    Ok(())
}

fn kdl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            kdl_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "kdl") {
            out.push(path);
        }
    }
}

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = Vec::new();
    for dir in ["examples", "tests/fixtures/invalid"] {
        kdl_files(&root.join(dir), &mut paths);
    }
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Run `case` on a thread with the smallest default stack, failing on a panic or a slow case.
fn bounded(what: &str, case: impl FnOnce() -> Result<(), String> + Send + 'static) {
    let started = Instant::now();
    let outcome = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(case)
        .expect("a test thread")
        .join();
    let took = started.elapsed();
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{what}: {e}"),
        Err(_) => panic!("{what}: panicked (message above)"),
    }
    assert!(took < CASE_LIMIT, "{what}: took {took:?}");
}

/// One case: a corpus file with one to three mutations, sometimes next to another file.
fn case(corpus: &[String], case: usize) {
    let mut rng = Rng(SEED ^ (case as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut text = rng.pick(corpus).clone();
    let mut done = Vec::new();
    for _ in 0..1 + rng.below(3) {
        done.push(mutate(&mut rng, &mut text, corpus));
    }
    let mut files = vec![("fleet.kdl".to_string(), text.clone())];
    if rng.below(4) == 0 {
        files.push(("other.kdl".to_string(), rng.pick(corpus).clone()));
    }
    let what = format!("case {case} ({})", done.join(", "));
    let failure = std::panic::catch_unwind(|| bounded(&what, move || exercise(&files)));
    if let Err(e) = failure {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../target/fuzz-failure-{case}.kdl"));
        let _ = std::fs::write(&path, &text);
        eprintln!("{what}: input written to {}", path.display());
        std::panic::resume_unwind(e);
    }
}

#[test]
fn mutated_manifests_never_panic_crash_or_hang() {
    let corpus = corpus();
    assert!(corpus.len() > 40, "the corpus is there");
    let started = Instant::now();
    // Each case has its own seed, so the cases are the same however they are shared out.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    std::thread::scope(|s| {
        for w in 0..workers {
            let corpus = &corpus;
            s.spawn(move || (w..CASES).step_by(workers).for_each(|c| case(corpus, c)));
        }
    });
    eprintln!(
        "{CASES} cases in {:?} on {workers} threads",
        started.elapsed()
    );
}

/// Inputs the fuzz test found, each once a crash.
mod regressions {
    use super::*;

    /// `text` as one file: validated and checked for fmt within bounds, and refused.
    fn refused(text: String) {
        bounded("regression", move || {
            let files = [("fleet.kdl".to_string(), text)];
            let sources = Sources {
                files: vec![(files[0].0.clone(), Arc::from(files[0].1.as_str()))],
            };
            if load(sources).is_ok() {
                return Err("the text was accepted".into());
            }
            exercise(&files)
        });
    }

    fn nesting(levels: usize) -> String {
        format!("{}{}", "a {".repeat(levels), "}".repeat(levels))
    }

    /// Errors inside a multi-line string cost the parser stack too: the stack was sized to
    /// the bytes outside strings (a long line badly indented in a `"""` string overflowed).
    #[test]
    fn errors_inside_a_multi_line_string() {
        refused(format!(
            "a \"\"\"\n  x\n{}\n  \"\"\"\n",
            ") ".repeat(50_000)
        ));
    }

    /// After a broken string the parser reads what looked like its content as code: deep
    /// nesting there escaped the depth check.
    #[test]
    fn nesting_after_a_broken_string() {
        for broken in [
            "x \"\"\"aa ",
            "x \"\"\"\n",
            "x #\"\"\"\n",
            "x \"abc\"def\" ",
            "x \"\\u{zz} ",
        ] {
            refused(format!("{broken}{}\"\n", nesting(3_000)));
        }
    }
}
