//! A cheap scan of KDL text before the kdl crate parses it.
//!
//! The kdl crate parses recursively: each nested block, each nested `/* */` comment and each
//! error it recovers from takes stack, and ~1,300 nested blocks (6.5 KB of text) overflowed the
//! main thread's stack (the process aborts; nothing can catch that). `/- /- /- …` takes time
//! cubic in its length. This scan reads the text as KDL's lexer would (strings, raw strings,
//! comments, line continuations, slashdash) and
//! - refuses blocks or comments nested deeper than [`MAX_DEPTH`], a `/-` right after a `/-`,
//!   and integers beyond what the parser holds (it reports those as a cascade of syntax errors);
//! - cuts the text into chunks between top-level nodes, so that the parser can be given one
//!   chunk at a time, with a stack sized to the chunk (see `syntax.rs`).
//!
//! After a broken string the parser recovers in its own way and may read as code what this scan
//! took for a string (found by the fuzz test): from the first such *anomaly* on, chunks are
//! marked uncertain and their stack allows for every `{` in them.

mod strings;

use crate::diag::{Problem, Span};
use crate::number;
use std::ops::Range;

/// How deep blocks (and, separately, block comments) may nest. roost's own blocks nest two
/// deep; anything near this is generated or damaged.
pub(crate) const MAX_DEPTH: usize = 64;

/// A run of whole top-level nodes. The parser's stack use grows with its length (strings
/// included: an error inside a string costs stack too), and with how deep its blocks nest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub range: Range<usize>,
    /// How many `{` it holds, anywhere: the most the parser could nest.
    pub open_braces: usize,
    /// It holds or follows an anomaly: the parser may read it other than this scan does, so
    /// its nesting is bounded only by `open_braces`.
    pub uncertain: bool,
}

/// What the scan found: problems that keep the text from the parser, or the chunks to parse.
#[derive(Debug)]
pub(crate) struct Scan {
    pub problems: Vec<Problem>,
    pub chunks: Vec<Chunk>,
    /// Where the last top-level block that is never closed opens, if one is.
    pub unclosed: Option<usize>,
    /// The first spot the parser will read other than this scan (a broken string), and what
    /// it is.
    pub anomaly: Option<(usize, &'static str)>,
}

/// KDL's newlines (`\r\n` counts as one).
fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{85}' | '\u{b}' | '\u{c}' | '\u{2028}' | '\u{2029}'
    )
}

/// Scan `text`, cutting chunks of at least `chunk_target` bytes where top-level nodes end.
pub(crate) fn scan(file: u32, text: &str, chunk_target: usize) -> Scan {
    let mut s = Scanner {
        file,
        text,
        pos: 0,
        depth: 0,
        top_open: None,
        slashdash: false,
        continued: false,
        chunk_start: 0,
        chunk_target,
        out: Scan {
            problems: Vec::new(),
            chunks: Vec::new(),
            unclosed: None,
            anomaly: None,
        },
    };
    s.run();
    s.out
}

struct Scanner<'t> {
    file: u32,
    text: &'t str,
    pos: usize,
    /// Open blocks.
    depth: usize,
    /// Where the top-level block now open was opened.
    top_open: Option<usize>,
    /// A `/-` waits for the node, value or block it comments out.
    slashdash: bool,
    /// A `\` line continuation waits for its newline.
    continued: bool,
    chunk_start: usize,
    chunk_target: usize,
    out: Scan,
}

impl Scanner<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn problem(&mut self, at: usize, len: usize, p: impl FnOnce(Span) -> Problem) {
        let span = Span {
            file: self.file,
            offset: at as u32,
            len: len as u32,
        };
        self.out.problems.push(p(span));
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            if !self.out.problems.is_empty() {
                return;
            }
            let at = self.pos;
            let rest = self.rest();
            if is_newline(c) {
                self.pos += if rest.starts_with("\r\n") {
                    2
                } else {
                    c.len_utf8()
                };
                if self.continued {
                    self.continued = false;
                } else {
                    self.node_may_end();
                }
            } else if c.is_whitespace() || c == '\u{feff}' {
                self.pos += c.len_utf8();
            } else if rest.starts_with("//") {
                self.line_comment();
            } else if rest.starts_with("/*") {
                self.block_comment();
            } else if rest.starts_with("/-") {
                if self.slashdash {
                    self.problem(at, 2, double_slashdash);
                }
                self.slashdash = true;
                self.pos += 2;
            } else if c == '"' || (c == '#' && rest.trim_start_matches('#').starts_with('"')) {
                self.slashdash = false;
                if !self.starts_token(at) && !self.text[..at].ends_with("/-") {
                    self.note(at, "text right before a string");
                }
                let lexed = strings::lex(self.text, at);
                if let Some((at, what)) = lexed.anomaly {
                    self.note(at, what);
                }
                self.pos = lexed.end;
            } else if (c.is_ascii_digit() || c == '+' || c == '-') && self.starts_token(at) {
                self.number(at);
            } else {
                self.pos += c.len_utf8();
                self.token(c, at);
            }
        }
        self.finish();
    }

    /// A code character outside strings and comments.
    fn token(&mut self, c: char, at: usize) {
        match c {
            '\\' => self.continued = true,
            '{' => {
                self.slashdash = false;
                if self.depth == 0 {
                    self.top_open = Some(at);
                }
                self.depth += 1;
                // After an anomaly this count may be off: the chunk's stack then allows for
                // every `{` in it instead.
                if self.depth > MAX_DEPTH && self.out.anomaly.is_none() {
                    self.problem(at, 1, too_deep_blocks);
                }
            }
            '}' => {
                self.slashdash = false;
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.top_open = None;
                }
            }
            ';' => self.node_may_end(),
            _ => self.slashdash = false,
        }
    }

    /// Whether a token may start at `at`: after whitespace or punctuation.
    fn starts_token(&self, at: usize) -> bool {
        self.text[..at]
            .chars()
            .next_back()
            .is_none_or(|p| p.is_whitespace() || is_newline(p) || "(){};=".contains(p))
    }

    /// A token that starts like a number: refused when it is an integer the parser cannot hold.
    fn number(&mut self, at: usize) {
        let text = self.text;
        let rest = &text[at..];
        let end = rest
            .find(|c: char| c.is_whitespace() || is_newline(c) || "(){};=/\\\"#[]".contains(c))
            .unwrap_or(rest.len());
        let token = &rest[..end];
        if number::is_oversized_integer(token) {
            self.problem(at, end, |span| number::too_large_literal(span, token));
        }
        self.pos += end;
        self.slashdash = false;
    }

    /// A newline or `;`: at the top level and with no `/-` waiting, the node ends here.
    fn node_may_end(&mut self) {
        if self.depth == 0 && !self.slashdash && self.pos - self.chunk_start >= self.chunk_target {
            self.cut();
        }
    }

    fn cut(&mut self) {
        let range = self.chunk_start..self.pos;
        self.out.chunks.push(Chunk {
            open_braces: self.text[range.clone()]
                .bytes()
                .filter(|b| *b == b'{')
                .count(),
            uncertain: self.out.anomaly.is_some_and(|(at, _)| at < range.end),
            range,
        });
        self.chunk_start = self.pos;
    }

    /// The first anomaly counts: from there on the scan is not trusted.
    fn note(&mut self, at: usize, what: &'static str) {
        self.out.anomaly.get_or_insert((at, what));
    }

    fn finish(&mut self) {
        if self.pos > self.chunk_start || self.out.chunks.is_empty() {
            self.cut();
        }
        self.out.unclosed = self.top_open;
    }

    /// `// ...` up to (not including) the newline.
    fn line_comment(&mut self) {
        let rest = self.rest();
        let end = rest.find(is_newline).unwrap_or(rest.len());
        self.pos += end;
    }

    /// `/* ... */`, nested.
    fn block_comment(&mut self) {
        let start = self.pos;
        let mut depth = 0usize;
        while self.pos < self.text.len() {
            let rest = self.rest();
            if rest.starts_with("/*") {
                depth += 1;
                if depth > MAX_DEPTH {
                    self.problem(self.pos, 2, too_deep_comments);
                    return;
                }
                self.pos += 2;
            } else if rest.starts_with("*/") {
                self.pos += 2;
                depth -= 1;
                if depth == 0 {
                    return;
                }
            } else {
                self.pos += rest.chars().next().map_or(1, char::len_utf8);
            }
        }
        // Never closed: nothing after it is code, for the parser too (it reports it).
        self.note(start, "a block comment that is never closed");
    }
}

fn too_deep_blocks(span: Span) -> Problem {
    Problem::new(
        "roost::too-deep",
        format!("blocks are nested more than {MAX_DEPTH} deep"),
        span,
        format!("block {} levels deep", MAX_DEPTH + 1),
    )
    .help("roost's blocks nest two deep (a server and its properties); this many levels is a runaway `{` or a generated file. Blocks commented out with `/-` count too")
}

fn too_deep_comments(span: Span) -> Problem {
    Problem::new(
        "roost::too-deep",
        format!("block comments are nested more than {MAX_DEPTH} deep"),
        span,
        format!("comment {} levels deep", MAX_DEPTH + 1),
    )
    .help("each `/*` inside a comment needs its own `*/`; close them, or use `//` comments")
}

fn double_slashdash(span: Span) -> Problem {
    Problem::new(
        "roost::kdl-syntax",
        "KDL syntax error: `/-` right after another `/-`",
        span,
        "second `/-`",
    )
    .help("one `/-` comments out the node, value or block that follows it: remove this one")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(&'static str, u32)> {
        scan(0, text, usize::MAX)
            .problems
            .iter()
            .map(|p| (p.code, p.labels[0].0.offset))
            .collect()
    }

    fn chunks(text: &str) -> Vec<&str> {
        scan(0, text, 1)
            .chunks
            .iter()
            .map(|c| &text[c.range.clone()])
            .collect()
    }

    #[test]
    fn nesting_is_bounded_even_when_commented_out() {
        let ok = format!(
            "a {{{}{}",
            "b {".repeat(MAX_DEPTH - 1),
            "}".repeat(MAX_DEPTH)
        );
        assert_eq!(codes(&ok), []);
        let deep = format!(
            "/-a {{{}{}",
            "b {".repeat(MAX_DEPTH),
            "}".repeat(MAX_DEPTH + 1)
        );
        let at = 5 + 3 * (MAX_DEPTH - 1) + 2;
        assert_eq!(codes(&deep), [("roost::too-deep", at as u32)]);
        let comments = format!(
            "{}{}",
            "/*".repeat(MAX_DEPTH + 1),
            "*/".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            codes(&comments),
            [("roost::too-deep", 2 * MAX_DEPTH as u32)]
        );
    }

    #[test]
    fn braces_in_strings_and_comments_do_not_count() {
        let deep = "{".repeat(MAX_DEPTH + 5);
        for text in [
            format!("a \"{deep}\""),
            format!("a #\"{deep}\"#"),
            format!("a ##\"\"#{deep}\"##"),
            format!("a \"\"\"\n{deep}\n\"\"\""),
            format!("a #\"\"\"\n\"\"\" {deep}\n\"\"\"#"),
            format!("a \"\\\"{deep}\""),
            format!("a \"x\\   \n  {deep}\""),
            format!("// {deep}\na"),
            format!("/* {deep} /* */ {deep} */ a"),
        ] {
            assert_eq!(codes(&text), [], "{text}");
        }
    }

    #[test]
    fn slashdash_after_slashdash_is_refused() {
        assert_eq!(codes("/- /- a"), [("roost::kdl-syntax", 3)]);
        assert_eq!(codes("a /-\n/-b"), [("roost::kdl-syntax", 5)]);
        assert_eq!(codes("/- /* c */ /-a"), [("roost::kdl-syntax", 11)]);
        assert_eq!(codes("/-a /-b\n/-{ }"), []);
    }

    #[test]
    fn integers_the_parser_cannot_hold_are_refused() {
        let huge = "9".repeat(40);
        assert_eq!(
            codes(&format!("a 1 x={huge}")),
            [("roost::out-of-range", 6)]
        );
        assert_eq!(
            codes(&format!("a (u8){huge}")),
            [("roost::out-of-range", 6)]
        );
        for fine in [
            format!("a \"{huge}\""),
            format!("a {huge}.5 {huge}e3"),
            format!("a-{huge}"),
            format!("// {huge}"),
            "a 99999999999999999999 -0x7f".to_string(),
        ] {
            assert_eq!(codes(&fine), [], "{fine}");
        }
    }

    #[test]
    fn chunks_end_between_top_level_nodes() {
        assert_eq!(
            chunks("a 1\nb {\n c\n}\nd; e"),
            ["a 1\n", "b {\n c\n}\n", "d;", " e"]
        );
        // A continued line, a `/-` waiting for its node, CRLF and other KDL newlines.
        assert_eq!(chunks("a \\\n 1\n/-\nb\nc"), ["a \\\n 1\n", "/-\nb\n", "c"]);
        assert_eq!(chunks("a \\\r\n1\r\nb"), ["a \\\r\n1\r\n", "b"]);
        assert_eq!(chunks("a\u{2028}b \"x\ny"), ["a\u{2028}", "b \"x\n", "y"]);
        // Not inside strings, comments or blocks.
        assert_eq!(
            chunks("a \"\"\"\nb\n\"\"\"\nc"),
            ["a \"\"\"\nb\n\"\"\"\n", "c"]
        );
        assert_eq!(chunks("a /* \n */ 1\nc"), ["a /* \n */ 1\n", "c"]);
        assert_eq!(chunks("a {\nb\n}"), ["a {\nb\n}"]);
        assert_eq!(chunks(""), [""]);
    }

    #[test]
    fn an_unclosed_top_level_block_is_found() {
        assert_eq!(scan(0, "a {}\nb {\n c {\n }\n", 1).unclosed, Some(7));
        assert_eq!(scan(0, "a {}\nb {\n}\n", 1).unclosed, None);
    }
}
