//! Strings as the KDL parser reads them: quoted, raw (`#"…"#`), multi-line (`"""…"""`).
//!
//! Where a string is broken (never closed, a bad escape, a character KDL forbids, lines of a
//! multi-line string not indented like its closing quotes, text glued to it) the parser
//! recovers in ways this scan cannot follow: it may read what looks like string content as
//! code. Such a spot is an *anomaly*: from there on, the scan's view of the text is not trusted
//! (see `Chunk::uncertain`).

use super::is_newline;
use crate::read::is_disallowed;

/// A string lexed from its first `#` or `"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Lexed {
    /// Where code resumes: after the string, or right after its opening quotes when it is
    /// never closed (where the parser resumes too).
    pub end: usize,
    /// The first thing the parser will not read as this scan does.
    pub anomaly: Option<(usize, &'static str)>,
}

const NOT_CLOSED: &str = "a string that is never closed";

pub(super) fn lex(text: &str, start: usize) -> Lexed {
    let hashes = text[start..].len() - text[start..].trim_start_matches('#').len();
    let quote = start + hashes;
    let lexed = if text[quote..].starts_with("\"\"\"") {
        multi_line(text, quote, hashes)
    } else {
        single_line(text, quote, hashes)
    };
    match lexed.anomaly {
        None => Lexed {
            end: lexed.end,
            anomaly: glued_after(text, lexed.end),
        },
        Some(_) => lexed,
    }
}

/// `"…"` or `#"…"#`, on one line.
fn single_line(text: &str, quote: usize, hashes: usize) -> Lexed {
    let close = format!("\"{}", "#".repeat(hashes));
    let mut anomaly = None;
    let mut i = quote + 1;
    while let Some(c) = text[i..].chars().next() {
        if text[i..].starts_with(&close) {
            return Lexed {
                end: i + close.len(),
                anomaly,
            };
        }
        if is_newline(c) {
            break;
        }
        if hashes == 0 && c == '\\' {
            let (next, bad) = escape(text, i);
            anomaly = anomaly.or(bad.map(|what| (i, what)));
            i = next;
            continue;
        }
        if is_disallowed(c) {
            anomaly = anomaly.or(Some((i, "a character KDL does not allow")));
        }
        i += c.len_utf8();
    }
    Lexed {
        end: quote + 1,
        anomaly: Some((quote, NOT_CLOSED)),
    }
}

/// `"""` or `#"""`, a line break, lines, and the closing quotes on a line of their own.
fn multi_line(text: &str, quote: usize, hashes: usize) -> Lexed {
    let open_end = quote + 3;
    let after = &text[open_end..];
    let Some(first) = after.chars().next().filter(|c| is_newline(*c)) else {
        return Lexed {
            end: open_end,
            anomaly: Some((quote, "`\"\"\"` not followed by a line break")),
        };
    };
    let body_start = open_end
        + if after.starts_with("\r\n") {
            2
        } else {
            first.len_utf8()
        };
    let close = format!("\"\"\"{}", "#".repeat(hashes));
    let mut anomaly = None;
    let mut i = body_start;
    while let Some(c) = text[i..].chars().next() {
        if text[i..].starts_with(&close) {
            let anomaly = anomaly.or_else(|| indentation(text, body_start, i));
            return Lexed {
                end: i + close.len(),
                anomaly,
            };
        }
        if hashes == 0 && c == '\\' {
            let (next, bad) = escape(text, i);
            anomaly = anomaly.or(bad.map(|what| (i, what)));
            i = next;
            continue;
        }
        if is_disallowed(c) {
            anomaly = anomaly.or(Some((i, "a character KDL does not allow")));
        }
        i += c.len_utf8();
    }
    Lexed {
        end: open_end,
        anomaly: Some((quote, NOT_CLOSED)),
    }
}

/// The escape at `at` (a `\`): where the string goes on, and what is wrong with it.
fn escape(text: &str, at: usize) -> (usize, Option<&'static str>) {
    let rest = &text[at + 1..];
    match rest.chars().next() {
        Some('\\' | '"' | 'b' | 'f' | 'n' | 'r' | 't' | 's') => (at + 2, None),
        Some('u') => {
            let hex = rest[1..]
                .strip_prefix('{')
                .map(|h| h.chars().take_while(char::is_ascii_hexdigit).count());
            match hex {
                Some(n @ 1..=6) if rest[2 + n..].starts_with('}') => (at + 3 + n + 1, None),
                _ => (at + 2, Some("an invalid \\u{…} escape")),
            }
        }
        Some(c) if c.is_whitespace() || is_newline(c) => {
            let end = rest
                .find(|c: char| !(c.is_whitespace() || is_newline(c)))
                .unwrap_or(rest.len());
            (at + 1 + end, None)
        }
        Some(c) => (at + 1 + c.len_utf8(), Some("an invalid escape")),
        None => (at + 1, Some("an invalid escape")),
    }
}

/// Every line of a multi-line string body starts with the whitespace before its closing quotes
/// (or is only whitespace), and nothing else stands before them.
fn indentation(text: &str, body_start: usize, close: usize) -> Option<(usize, &'static str)> {
    // KDL's newlines are up to 3 bytes long (U+2028): offsets step over each one whole.
    let last_line = text[..close]
        .char_indices()
        .rev()
        .find(|(_, c)| is_newline(*c))
        .map_or(body_start, |(i, c)| i + c.len_utf8());
    let prefix = &text[last_line.max(body_start)..close];
    let bad = "lines of a multi-line string indented less than its closing quotes";
    if prefix.chars().any(|c| !c.is_whitespace()) {
        return Some((close, bad));
    }
    let body = &text[body_start..last_line.max(body_start)];
    let mut at = body_start;
    for piece in body.split_inclusive(is_newline) {
        let line = piece.trim_end_matches(is_newline);
        if !line.trim().is_empty() && !line.starts_with(prefix) {
            return Some((at, bad));
        }
        at += piece.len();
    }
    None
}

/// Text glued to the end of a string (`"a"b`): the parser rejects it and reads on its own way.
fn glued_after(text: &str, end: usize) -> Option<(usize, &'static str)> {
    let rest = &text[end..];
    let ok = match rest.chars().next() {
        None => true,
        Some(c) if c.is_whitespace() || is_newline(c) => true,
        Some('=' | ')' | '{' | '}' | ';' | '\\') => true,
        Some('/') => rest.starts_with("//") || rest.starts_with("/*"),
        Some(_) => false,
    };
    (!ok).then_some((end, "text right after a string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexed(text: &str) -> (usize, Option<&'static str>) {
        let l = lex(text, 0);
        (l.end, l.anomaly.map(|(_, what)| what))
    }

    #[test]
    fn well_formed_strings_end_where_the_parser_ends_them() {
        for (text, end) in [
            ("\"a\\\"b\" x", 6),
            ("\"\" x", 2),
            ("#\"a\"b\"# x", 7),
            ("##\"a\"#\"## x", 9),
            ("\"a\\u{1F980}\\n\" x", 14),
            ("\"a\\   \n   b\" x", 12),
            ("\"\"\"\n  a\n  \"\"\" x", 13),
            ("#\"\"\"\n  \"\"\"\n  \"\"\"# x", 17),
            ("\"a\"{", 3),
            ("\"a\"", 3),
        ] {
            assert_eq!(lexed(text), (end, None), "{text:?}");
        }
    }

    #[test]
    fn broken_strings_are_anomalies() {
        assert_eq!(lexed("\"abc\n x"), (1, Some(NOT_CLOSED)));
        assert_eq!(lexed("\"\"\"\n a {"), (3, Some(NOT_CLOSED)));
        assert_eq!(
            lexed("\"\"\"abc\"\"\""),
            (3, Some("`\"\"\"` not followed by a line break"))
        );
        assert_eq!(lexed("\"a\\q\" x").1, Some("an invalid escape"));
        assert_eq!(lexed("\"a\\u{zz}\" x").1, Some("an invalid \\u{…} escape"));
        assert_eq!(
            lexed("\"a\u{202e}\" x").1,
            Some("a character KDL does not allow")
        );
        assert_eq!(lexed("\"a\"b").1, Some("text right after a string"));
        assert_eq!(
            lexed("\"\"\"\nx\n  \"\"\"").1,
            Some("lines of a multi-line string indented less than its closing quotes")
        );
    }

    /// U+2028 and U+0085 are newlines of 3 and 2 bytes (found by the reader's fuzz test: the
    /// scan sliced inside one and panicked).
    #[test]
    fn multi_byte_newlines_in_multi_line_strings() {
        let bad = Some("lines of a multi-line string indented less than its closing quotes");
        let text = "#\"\"\"\n  a\u{2028}x\u{85}  \"\"\"#";
        let l = lex(text, 0);
        assert_eq!((l.end, l.anomaly.map(|(_, w)| w)), (text.len(), bad));
        let at = l.anomaly.map_or(0, |(at, _)| at);
        assert!(text.is_char_boundary(at), "{at}");
        assert_eq!(&text[at..at + 1], "x");
        assert_eq!(lexed("\"\"\"\u{2028}  a\u{2028}  \"\"\" x"), (17, None));
    }
}
