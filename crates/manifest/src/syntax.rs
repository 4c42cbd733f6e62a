//! Pass 1: KDL text to a document, within bounded stack and time.
//!
//! The text is first scanned (`guard.rs`): blocks and comments nested too deep are refused
//! before any parser sees them. roost's own reader (`read/`) then reads it: it accepts exactly
//! what the `kdl` crate accepts, ~30 times faster (the scan included), but does not explain
//! errors. A text it rejects is parsed again by the `kdl` crate, whose diagnostics roost
//! reports: on a thread of its own, in chunks of whole top-level nodes, with a stack sized to
//! the largest chunk (its recursion, one level per block and one per error it recovers from,
//! then always fits). `roost fmt` checks its input with the `kdl` crate alone ([`check_file`]).

use crate::diag::{Problem, Span};
use crate::guard::{self, Chunk, Scan};
use crate::read;
use kdl::{KdlDiagnostic, KdlDocument, KdlNode};

/// Top-level nodes are handed to the parser in chunks of about this many bytes.
const CHUNK_TARGET: usize = 16 * 1024;
/// The parser's stack: a base for nested blocks (at most `guard::MAX_DEPTH`, a few KiB each)…
const STACK_BASE: usize = 8 << 20;
/// …and room for each byte of the chunk (measured in debug builds: up to ~600 bytes of stack a
/// byte, for errors the parser recovers from one after another, in strings too).
const STACK_PER_BYTE: usize = 1024;
/// The largest chunk: one top-level node, or all that follows a block that is never closed.
const MAX_CHUNK: usize = 256 * 1024;
/// Where the scan is not sure how the parser reads a chunk (after a broken string), each `{`
/// in it may nest a block: measured ~7 KiB of stack a level.
const STACK_PER_BRACE: usize = 12 * 1024;
/// …and at most this many of them are allowed for (48 MiB).
const MAX_UNCERTAIN_BRACES: usize = 4096;

/// Syntax errors reported per file; a count stands for the rest.
const MAX_SYNTAX_ERRORS: usize = 20;

const NO_CLOSING_BRACE: &str = "No closing '}' for child block";

/// Read one file, or add its syntax problems.
pub(crate) fn parse_file(
    file: u32,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Option<read::KdlDocument> {
    let scan = guarded_scan(file, text, CHUNK_TARGET, problems)?;
    match read::parse(text) {
        Some(doc) => Some(doc),
        // The `kdl` crate rejects it too (the differential tests hold the reader to that):
        // its diagnostics are the report. Should it read the text after all, its document is
        // as good as the reader's.
        None => {
            parse_with_kdl(file, text, &scan, problems).map(|d| read::KdlDocument::from_kdl(&d))
        }
    }
}

/// Whether the `kdl` crate reads one file, or add its syntax problems: what `roost fmt` checks
/// before it rewrites anything.
pub(crate) fn check_file(file: u32, text: &str, problems: &mut Vec<Problem>) -> bool {
    parse_in_chunks(file, text, CHUNK_TARGET, problems).is_some()
}

/// The `kdl` crate's reading of `text`, in chunks of at least `chunk_target` bytes.
pub(crate) fn parse_in_chunks(
    file: u32,
    text: &str,
    chunk_target: usize,
    problems: &mut Vec<Problem>,
) -> Option<KdlDocument> {
    let scan = guarded_scan(file, text, chunk_target, problems)?;
    parse_with_kdl(file, text, &scan, problems)
}

/// The guard's scan, when it lets the text through to a parser; else its problems are added.
fn guarded_scan(
    file: u32,
    text: &str,
    chunk_target: usize,
    problems: &mut Vec<Problem>,
) -> Option<Scan> {
    let scan = guard::scan(file, text, chunk_target);
    if !scan.problems.is_empty() {
        problems.extend(scan.problems);
        return None;
    }
    let span = |offset: usize| Span {
        file,
        offset: offset as u32,
        len: 1,
    };
    if let Some((i, big)) = scan
        .chunks
        .iter()
        .enumerate()
        .find(|(_, c)| c.range.len() > MAX_CHUNK)
    {
        problems.push(match scan.unclosed {
            Some(at) if i + 1 == scan.chunks.len() => unclosed_block_at(span(at)),
            _ => too_large(span(big.range.start)),
        });
        return None;
    }
    if let (Some((at, what)), true) = (
        scan.anomaly,
        scan.chunks
            .iter()
            .any(|c| c.uncertain && c.open_braces > MAX_UNCERTAIN_BRACES),
    ) {
        problems.push(unreadable(span(at), what));
        return None;
    }
    Some(scan)
}

/// The `kdl` crate's reading of a text the guard let through, on a thread with the stack its
/// chunks need.
fn parse_with_kdl(
    file: u32,
    text: &str,
    scan: &Scan,
    problems: &mut Vec<Problem>,
) -> Option<KdlDocument> {
    let span = |offset: usize| Span {
        file,
        offset: offset as u32,
        len: 1,
    };
    let stack = STACK_BASE
        + scan
            .chunks
            .iter()
            .map(|c| {
                STACK_PER_BYTE * c.range.len()
                    + if c.uncertain {
                        STACK_PER_BRACE * c.open_braces
                    } else {
                        0
                    }
            })
            .max()
            .unwrap_or(0);
    let parsed = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("kdl-parser".into())
            .stack_size(stack)
            .spawn_scoped(s, || parse_chunks(text, &scan.chunks))
            .map(|h| h.join())
    });
    match parsed {
        Ok(Ok(Ok(doc))) => Some(doc),
        Ok(Ok(Err(errors))) => {
            syntax_problems(file, text, &errors, problems);
            None
        }
        Ok(Err(_panicked)) => {
            problems.push(
                Problem::new(
                    "roost::kdl-syntax",
                    "the KDL parser failed on this file",
                    span(0),
                    "in this file",
                )
                .help("this is a bug in the KDL parser roost uses; please report it with the file"),
            );
            None
        }
        Err(e) => {
            problems.push(
                Problem::new(
                    "roost::io",
                    format!("cannot start the KDL parser: {e}"),
                    span(0),
                    "not read",
                )
                .help("the system is out of memory or threads; try again"),
            );
            None
        }
    }
}

/// Parse the chunks one after the other, as one document with spans into the whole text.
fn parse_chunks(text: &str, chunks: &[Chunk]) -> Result<KdlDocument, Vec<KdlDiagnostic>> {
    let mut doc = KdlDocument::new();
    let mut errors = Vec::new();
    for chunk in chunks {
        let start = chunk.range.start;
        match text[chunk.range.clone()].parse::<KdlDocument>() {
            Ok(mut part) => {
                if start > 0 {
                    part.nodes_mut()
                        .iter_mut()
                        .for_each(|n| shift_node(n, start));
                }
                doc.nodes_mut().append(part.nodes_mut());
            }
            Err(e) => errors.extend(e.diagnostics.into_iter().map(|mut d| {
                d.span = shift(d.span, start);
                d
            })),
        }
    }
    doc.set_span((0, text.len()));
    if errors.is_empty() {
        Ok(doc)
    } else {
        Err(errors)
    }
}

fn shift(span: miette::SourceSpan, by: usize) -> miette::SourceSpan {
    (span.offset() + by, span.len()).into()
}

/// Move every span of a node parsed from a chunk to where the chunk is in the file (the depth
/// of this walk is bounded by `guard::MAX_DEPTH`).
fn shift_node(node: &mut KdlNode, by: usize) {
    node.set_span(shift(node.span(), by));
    let name = node.name_mut();
    name.set_span(shift(name.span(), by));
    if let Some(ty) = node.ty_mut() {
        ty.set_span(shift(ty.span(), by));
    }
    for entry in node.entries_mut() {
        entry.set_span(shift(entry.span(), by));
        if let Some(name) = entry.name_mut() {
            name.set_span(shift(name.span(), by));
        }
        if let Some(ty) = entry.ty_mut() {
            ty.set_span(shift(ty.span(), by));
        }
    }
    if let Some(children) = node.children_mut() {
        children.set_span(shift(children.span(), by));
        children
            .nodes_mut()
            .iter_mut()
            .for_each(|n| shift_node(n, by));
    }
}

fn unclosed_block_at(span: Span) -> Problem {
    Problem::new(
        "roost::kdl-syntax",
        format!("KDL syntax error: {NO_CLOSING_BRACE}"),
        span,
        "this block is never closed",
    )
    .help("add the missing `}` where the block ends (an unclosed string inside it has the same effect)")
}

/// A broken string (or comment) followed by more `{` than the parser can be given safely.
fn unreadable(span: Span, what: &str) -> Problem {
    Problem::new(
        "roost::kdl-syntax",
        format!("KDL syntax error: {what}"),
        span,
        "here",
    )
    .help("fix this first: with it, the rest of the file (thousands of `{`) cannot be read safely")
}

fn too_large(span: Span) -> Problem {
    Problem::new(
        "roost::too-large",
        format!(
            "more than {} KiB of KDL without a break between top-level nodes",
            MAX_CHUNK / 1024
        ),
        span,
        "from here",
    )
    .help("roost reads top-level nodes (a server, a node, ...) of up to this size; this one is much larger than any manifest needs, is it generated or damaged?")
}

/// KDL syntax errors, with a migration hint where the text looks like KDL v1.
fn syntax_problems(file: u32, text: &str, errors: &[KdlDiagnostic], problems: &mut Vec<Problem>) {
    let mut found_v1 = Vec::new();
    let mut other = Vec::new();
    let unclosed_block = errors
        .iter()
        .any(|d| d.message.as_deref() == Some(NO_CLOSING_BRACE));
    for d in errors {
        let span = Span::new(file, d.span);
        let found = text
            .get(d.span.offset()..d.span.offset() + d.span.len())
            .unwrap_or("");
        let word = found
            .trim_start()
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '"' || c == '#'))
            .next()
            .unwrap_or("");
        let message = d
            .message
            .clone()
            .unwrap_or_else(|| "invalid KDL".to_string());
        let label = d.label.clone().unwrap_or_else(|| "here".to_string());
        match word {
            "true" | "false" | "null" => found_v1.push(
                Problem::new(
                    "roost::kdl-v1",
                    format!("KDL v1 syntax: a bare `{word}` is not a value in KDL v2"),
                    span,
                    format!("write #{word}"),
                )
                .help(format!(
                    "KDL v2 writes #true, #false and #null with a `#`: write #{word} instead of `{word}` (roost reads KDL v2 only)"
                )),
            ),
            _ if found.starts_with("r\"") || found.starts_with("r#") => found_v1.push(
                Problem::new(
                    "roost::kdl-v1",
                    "KDL v1 syntax: raw strings are written #\"...\"# in KDL v2",
                    span,
                    "KDL v1 raw string",
                )
                .help("write #\"...\"# instead of r\"...\" (and ##\"...\"## instead of r#\"...\"#); roost reads KDL v2 only"),
            ),
            // Reported once, by "No closing '}' for child block" at the opening brace.
            _ if unclosed_block && message == "Closing '}' was not found after nodes" => {}
            _ => {
                let (label, help) = match message.as_str() {
                    NO_CLOSING_BRACE => {
                        other.push(unclosed_block_at(span));
                        continue;
                    }
                    "Unexpected newline in single-line quoted string" => (
                        "string not closed on this line".to_string(),
                        Some("close the string with `\"` before the end of the line; a string over several lines is written \"\"\"...\"\"\"".to_string()),
                    ),
                    _ => (label, d.help.clone()),
                };
                let p = Problem::new(
                    "roost::kdl-syntax",
                    format!("KDL syntax error: {message}"),
                    span,
                    label,
                );
                other.push(match help {
                    Some(h) => p.help(h),
                    None => p,
                });
            }
        }
    }
    // KDL v1 syntax confuses the parser into further errors that only repeat it: report the
    // v1 spots alone, the rest shows up again (if real) once they are fixed.
    let mut found = if found_v1.is_empty() { other } else { found_v1 };
    // A damaged file can hold thousands of errors, most of them following from the first few.
    if found.len() > MAX_SYNTAX_ERRORS {
        found.sort_by_key(|p| p.sort_key());
        let rest = found.split_off(MAX_SYNTAX_ERRORS);
        found.push(
            Problem::new(
                "roost::kdl-syntax",
                format!("{} more KDL syntax errors in this file", rest.len()),
                rest[0].labels[0].0,
                "the next one",
            )
            .help("they often follow from the ones above: fix those first and run again"),
        );
    }
    problems.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Names, values and spans of every node, recursively: what roost reads of a document.
    fn summary(doc: &KdlDocument) -> Vec<String> {
        let mut out = Vec::new();
        for n in doc.nodes() {
            out.push(format!(
                "{} {:?} {:?}",
                n.name().value(),
                n.name().span(),
                n.span()
            ));
            for e in n.entries() {
                out.push(format!(
                    "  {:?}={:?} ({:?}) {:?}",
                    e.name().map(|n| (n.value(), n.span())),
                    e.value(),
                    e.ty().map(|t| (t.value(), t.span())),
                    e.span()
                ));
            }
            if let Some(c) = n.children() {
                out.extend(summary(c).into_iter().map(|l| format!("    {l}")));
            }
        }
        out
    }

    fn kdl_files(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                kdl_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "kdl") {
                out.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }

    fn corpus(dirs: &[&str]) -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut texts = Vec::new();
        for dir in dirs {
            kdl_files(&root.join(dir), &mut texts);
        }
        assert!(!texts.is_empty(), "found the corpus");
        texts
    }

    /// The corpus of the tests below: the fixtures, and the examples whole and with a line
    /// missing (every sixth).
    fn variants() -> Vec<String> {
        let mut variants = corpus(&["tests/fixtures/valid", "tests/fixtures/invalid"]);
        for text in corpus(&["examples"]) {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            variants.extend((0..lines.len()).step_by(6).map(|skip| {
                let mut l = lines.clone();
                l.remove(skip);
                l.concat()
            }));
            variants.push(text);
        }
        variants
    }

    /// Parsed in chunks as small as they get, a text reads the same as parsed whole (and fails
    /// where it fails whole).
    #[test]
    fn chunks_parse_like_the_whole_text() {
        for variant in variants() {
            let whole = variant.parse::<KdlDocument>();
            let chunked = parse_in_chunks(0, &variant, 1, &mut Vec::new());
            match (whole, chunked) {
                (Ok(w), Some(c)) => assert_eq!(summary(&w), summary(&c), "{variant}"),
                (Err(_), None) => {}
                (w, c) => panic!("whole: {}, chunked: {}\n{variant}", w.is_ok(), c.is_some()),
            }
        }
    }

    /// roost's reader gives the document the `kdl` crate gives (in chunks, as the fallback
    /// reads), and where it rejects a text the problems are the `kdl` crate's.
    #[test]
    fn the_reader_reads_what_the_kdl_crate_reads() {
        for variant in variants() {
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            let read = parse_file(0, &variant, &mut ours).map(|d| format!("{d:?}"));
            let kdl = parse_in_chunks(0, &variant, CHUNK_TARGET, &mut theirs)
                .map(|d| format!("{:?}", read::KdlDocument::from_kdl(&d)));
            assert_eq!(read, kdl, "{variant}");
            assert_eq!(ours, theirs, "{variant}");
            assert_eq!(read.is_some(), check_file(0, &variant, &mut Vec::new()));
        }
    }
}
