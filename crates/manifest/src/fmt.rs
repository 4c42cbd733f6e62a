//! `roost fmt`: one canonical layout, keeping every comment.
//!
//! The kdl crate's own autoformat drops trailing comments, so this is a small layout pass over
//! the text instead: it re-indents by brace depth (4 spaces), strips trailing whitespace, keeps at
//! most one blank line in a row (none just inside braces), and ends the file with one newline.
//! Strings, multi-line strings and block comments are left byte for byte as written.

/// Lexer state carried from one line to the next.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Carry {
    Code,
    /// Inside `"""` ... `"""` (or `#"""` ... `"""#` with that many hashes).
    MultiString {
        hashes: usize,
    },
    /// Inside a raw single-line string continued... (cannot span lines) — unused, kept for clarity.
    BlockComment {
        depth: usize,
    },
}

/// Reformat KDL text. The text must already be valid KDL v2 (check before calling).
pub fn format_kdl(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut depth: usize = 0;
    let mut carry = Carry::Code;
    let mut continued = false;
    for raw in text.lines() {
        if carry != Carry::Code {
            // Inside a multi-line string or block comment: keep the line exactly.
            out.push(raw.to_string());
            let (c, d, cont) = scan(raw, carry, depth);
            carry = c;
            depth = d;
            continued = cont;
            continue;
        }
        let line = raw.trim();
        if line.is_empty() {
            // At most one blank line in a row, none right after an opening brace.
            let prev_blank_or_open = out
                .last()
                .is_none_or(|l| l.is_empty() || l.trim_end().ends_with('{'));
            if !prev_blank_or_open {
                out.push(String::new());
            }
            continue;
        }
        let closes_first = line.starts_with('}');
        if closes_first {
            while out.last().is_some_and(|l| l.is_empty()) {
                out.pop();
            }
        }
        let level = if closes_first {
            depth.saturating_sub(1)
        } else {
            depth
        } + usize::from(continued);
        let (c, d, cont) = scan(line, Carry::Code, depth);
        carry = c;
        depth = d;
        continued = cont;
        let mut formatted = format!("{}{}", "    ".repeat(level), line);
        if carry != Carry::Code {
            // The line opens a multi-line construct: keep its tail exactly (no trimming).
            formatted = format!("{}{}", "    ".repeat(level), raw.trim_start());
        }
        out.push(formatted);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// Scan one line from `carry`, returning the state at its end, the brace depth, and whether the
/// line ends with a `\` continuation.
fn scan(line: &str, mut carry: Carry, mut depth: usize) -> (Carry, usize, bool) {
    let b = line.as_bytes();
    let mut i = 0;
    let mut last_code = None;
    while i < b.len() {
        match carry {
            Carry::MultiString { hashes } => {
                if b[i..].starts_with(b"\"\"\"")
                    && b[i + 3..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == b'#')
                        .count()
                        == hashes
                {
                    i += 3 + hashes;
                    carry = Carry::Code;
                } else if hashes == 0 && b[i] == b'\\' {
                    i += 2;
                } else {
                    i += 1;
                }
            }
            Carry::BlockComment { depth: d } => {
                if b[i..].starts_with(b"*/") {
                    i += 2;
                    carry = if d == 1 {
                        Carry::Code
                    } else {
                        Carry::BlockComment { depth: d - 1 }
                    };
                } else if b[i..].starts_with(b"/*") {
                    i += 2;
                    carry = Carry::BlockComment { depth: d + 1 };
                } else {
                    i += 1;
                }
            }
            Carry::Code => {
                let c = b[i];
                if b[i..].starts_with(b"//") {
                    break;
                } else if b[i..].starts_with(b"/*") {
                    carry = Carry::BlockComment { depth: 1 };
                    i += 2;
                } else if c == b'#' || c == b'"' {
                    // Raw or plain string: count hashes, then quotes.
                    let hashes = b[i..].iter().take_while(|&&x| x == b'#').count();
                    let q = i + hashes;
                    if q < b.len() && b[q] == b'"' {
                        if b[q..].starts_with(b"\"\"\"") {
                            carry = Carry::MultiString { hashes };
                            i = q + 3;
                            // A multi-line string may not close on its opening line.
                        } else {
                            i = skip_string(b, q, hashes);
                        }
                        last_code = Some(b'"');
                    } else {
                        // `#true`, `#null` and friends.
                        i += hashes.max(1);
                        last_code = Some(b'#');
                    }
                } else {
                    match c {
                        b'{' => depth += 1,
                        b'}' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    if !c.is_ascii_whitespace() {
                        last_code = Some(c);
                    }
                    i += 1;
                }
            }
        }
    }
    (
        carry,
        depth,
        carry == Carry::Code && last_code == Some(b'\\'),
    )
}

/// Skip a single-line string starting at the quote `q`; returns the index after its end.
fn skip_string(b: &[u8], q: usize, hashes: usize) -> usize {
    let mut i = q + 1;
    while i < b.len() {
        if hashes == 0 && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reindents_and_keeps_comments() {
        let src = "// fleet\nnode \"a\" {   \n  fqdn \"x\" // trailing\n\n\n      memory 1\n/* block\n   kept */\n  allocations \"10.0.0.1\" 25565 \\\n 25566\n}\n\n\n";
        let out = format_kdl(src);
        assert_eq!(
            out,
            "// fleet\nnode \"a\" {\n    fqdn \"x\" // trailing\n\n    memory 1\n    /* block\n   kept */\n    allocations \"10.0.0.1\" 25565 \\\n        25566\n}\n"
        );
        assert_eq!(format_kdl(&out), out, "formatting twice changes nothing");
    }

    #[test]
    fn braces_in_strings_do_not_count() {
        let src = "server \"a\" {\nstartup \"java {{X}} }\" // }\nenv A=#\"raw } \"# B=\"x\"\n}\n";
        let out = format_kdl(src);
        assert_eq!(
            out,
            "server \"a\" {\n    startup \"java {{X}} }\" // }\n    env A=#\"raw } \"# B=\"x\"\n}\n"
        );
    }

    #[test]
    fn multiline_strings_are_kept_verbatim() {
        let src = "a {\n  description \"\"\"\n      line one   \n    line two\n    \"\"\"\n}\n";
        let out = format_kdl(src);
        assert!(
            out.contains("      line one   \n    line two\n    \"\"\""),
            "{out}"
        );
        assert_eq!(format_kdl(&out), out);
    }
}
