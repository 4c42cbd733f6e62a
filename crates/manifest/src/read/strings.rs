//! Strings: bare identifiers, quoted strings (one line, or `"""` over several, dedented, with
//! escapes) and raw strings (`#"…"#`, `#"""…"""#`), as the `kdl` crate reads them.

use super::cursor::{Cursor, Fail, R, is_disallowed, is_identifier_char};
use super::{KdlIdentifier, Range};

/// Bare words that are not identifiers (`true` is written `#true`). `-inf` is on the `kdl`
/// crate's list too, but a word starting with a sign never reaches that check there: like the
/// `kdl` crate, this reader takes `-inf` as an identifier.
const KEYWORD_LIKE: &[&str] = &["true", "false", "null", "inf", "nan"];

const TRIPLE_QUOTE: &str = "\"\"\"";

impl<'t> Cursor<'t> {
    /// `string`, as a name: its value, and its span as written.
    pub fn identifier(&mut self) -> R<KdlIdentifier> {
        let start = self.pos;
        let value = self.string()?;
        Ok(KdlIdentifier {
            value: value.into_boxed_str(),
            span: Range::new(start, self.pos),
        })
    }

    /// `string := identifier-string | raw-string | quoted-string`, each followed by what may
    /// follow a value.
    pub fn string(&mut self) -> R<String> {
        let start = self.pos;
        match self.identifier_string() {
            Ok(()) => {
                self.value_terminator_check()?;
                return Ok(self.text[start..self.pos].to_string());
            }
            Err(Fail::Back) => self.pos = start,
            Err(Fail::Reject) => return Err(Fail::Reject),
        }
        let value = match self.raw_string() {
            Err(Fail::Back) => {
                self.pos = start;
                self.quoted_string()
            }
            other => other,
        };
        match value {
            Ok(s) => {
                self.value_terminator_check()?;
                Ok(s)
            }
            Err(Fail::Back) => {
                self.pos = start;
                Err(Fail::Back)
            }
            Err(Fail::Reject) => Err(Fail::Reject),
        }
    }

    fn identifier_chars(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if b < 0x80 {
                if !is_identifier_char(b as char) {
                    return;
                }
                self.pos += 1;
            } else {
                match self.peek() {
                    Some(c) if is_identifier_char(c) => self.pos += c.len_utf8(),
                    _ => return,
                }
            }
        }
    }

    /// `identifier-string := unambiguous-ident | signed-ident | dotted-ident`: never starts
    /// like a number (`1a`, `-1`, `.1` are not identifiers).
    fn identifier_string(&mut self) -> R<()> {
        let start = self.pos;
        let is_digit = |c: Option<u8>| c.is_some_and(|b| b.is_ascii_digit());
        match self.peek() {
            Some('0'..='9') | None => Err(Fail::Back),
            Some('+' | '-') => {
                match self.byte_at(start + 1) {
                    Some(b'0'..=b'9') => return Err(Fail::Back),
                    // dotted-ident: sign, `.`, not a digit.
                    Some(b'.') if is_digit(self.byte_at(start + 2)) => return Err(Fail::Back),
                    Some(b'.') => self.pos += 2,
                    _ => self.pos += 1,
                }
                self.identifier_chars();
                Ok(())
            }
            Some('.') if is_digit(self.byte_at(start + 1)) => Err(Fail::Back),
            Some('.') => {
                self.pos += 1;
                self.identifier_chars();
                Ok(())
            }
            Some(c) if is_identifier_char(c) => {
                self.identifier_chars();
                if KEYWORD_LIKE.contains(&&self.text[start..self.pos]) {
                    return Err(Fail::Reject);
                }
                Ok(())
            }
            Some(_) => Err(Fail::Back),
        }
    }

    /// `\` followed by an escape, at `at`: the character and where the escape ends. `None`
    /// for anything else (whitespace escapes included: the callers look for those first).
    fn escape(&self, at: usize) -> Option<(char, usize)> {
        let simple = match self.byte_at(at + 1)? {
            b'\\' => '\\',
            b'"' => '"',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b's' => ' ',
            b'u' if self.byte_at(at + 2) == Some(b'{') => {
                let digits = &self.text.as_bytes()[at + 3..];
                let n = digits
                    .iter()
                    .take(6)
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count();
                if n == 0 || digits.get(n) != Some(&b'}') {
                    return None;
                }
                let hex = std::str::from_utf8(&digits[..n]).ok()?;
                let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                return Some((c, at + 3 + n + 1));
            }
            _ => return None,
        };
        Some((simple, at + 2))
    }

    /// `string-character` at `at` (`"` excluded): the character (an escape's value) and where
    /// it ends.
    fn string_char(&self, at: usize) -> Option<(char, usize)> {
        match self.char_at(at)? {
            '\\' => self.escape(at),
            '"' => None,
            c if is_disallowed(c) => None,
            c => Some((c, at + c.len_utf8())),
        }
    }

    /// `quoted-string`: `"…"` on one line, or `"""` + newline … newline + indent + `"""`.
    fn quoted_string(&mut self) -> R<String> {
        if self.at(TRIPLE_QUOTE) {
            self.pos += 3;
            if !self.newline() {
                return Err(Fail::Reject);
            }
            return self.multi_line_quoted();
        }
        if !self.eat("\"") {
            return Err(Fail::Back);
        }
        let mut out = String::new();
        loop {
            let run = self.rest().as_bytes();
            let plain = run
                .iter()
                .take_while(|&&b| (0x20..0x80).contains(&b) && b != b'"' && b != b'\\')
                .count();
            out.push_str(&self.text[self.pos..self.pos + plain]);
            self.pos += plain;
            if self.eat("\"") {
                return Ok(out);
            }
            if self.newline_len(self.pos) > 0 {
                return Err(Fail::Reject);
            }
            if let Some(end) = self.ws_escape_end(self.pos) {
                self.pos = end;
                continue;
            }
            let (c, end) = self.string_char(self.pos).ok_or(Fail::Reject)?;
            out.push(c);
            self.pos = end;
        }
    }

    /// One character of a multi-line quoted string's line at `at`: `Some(None)` for a
    /// whitespace escape, `Some(Some(c))` for a character; `None` where the line cannot go on
    /// (`"""`, a bad escape, a disallowed character, the end of the text).
    fn multi_line_char(&self, at: usize) -> Option<(Option<char>, usize)> {
        if let Some(end) = self.ws_escape_end(at) {
            return Some((None, end));
        }
        if self.byte_at(at) == Some(b'"') {
            // A quote, unless two more follow.
            return (!self.at_pos(at + 1, "\"\"")).then_some((Some('"'), at + 1));
        }
        self.string_char(at).map(|(c, end)| (Some(c), end))
    }

    /// The rest of a multi-line quoted string's line from `at`: where it ends, after its
    /// newline; its characters go to `out`.
    fn multi_line_rest(&self, mut at: usize, mut out: Option<&mut String>) -> Option<usize> {
        loop {
            let nl = self.newline_len(at);
            if nl > 0 {
                if let Some(out) = out.as_deref_mut() {
                    out.push('\n');
                }
                return Some(at + nl);
            }
            let (c, end) = self.multi_line_char(at)?;
            if let (Some(c), Some(out)) = (c, out.as_deref_mut()) {
                out.push(c);
            }
            at = end;
        }
    }

    /// Unicode spaces and whitespace escapes from `at`, then `"""`: the line closes the
    /// string, and its indent (the spaces before the first escape; an escape takes every space
    /// after it) is returned.
    fn closing_indent(&self, line: usize) -> Option<&'t str> {
        let mut at = line;
        let mut indent_end = None;
        loop {
            if let Some(end) = self.ws_escape_end(at) {
                indent_end.get_or_insert(at);
                at = end;
            } else if self.space_len(at) > 0 {
                at += self.space_len(at);
            } else {
                break;
            }
        }
        self.at_pos(at, TRIPLE_QUOTE)
            .then(|| &self.text[line..indent_end.unwrap_or(at)])
    }

    /// An empty line at `at` (unicode spaces and whitespace escapes, then a newline): where it
    /// ends. (An escape takes the newline that follows it, so only spaces make one.)
    fn empty_line_end(&self, mut at: usize) -> Option<usize> {
        loop {
            if let Some(end) = self.ws_escape_end(at) {
                at = end;
            } else if self.space_len(at) > 0 {
                at += self.space_len(at);
            } else {
                break;
            }
        }
        let nl = self.newline_len(at);
        (nl > 0).then_some(at + nl)
    }

    /// A multi-line quoted string's body, after the newline that follows `"""`. Like the
    /// `kdl` crate, in two passes: the first finds the closing line and its indent, the second
    /// reads each line without it.
    fn multi_line_quoted(&mut self) -> R<String> {
        let body = self.pos;
        let mut at = body;
        let indent = loop {
            if let Some(indent) = self.closing_indent(at) {
                break indent;
            }
            at = self.multi_line_rest(at, None).ok_or(Fail::Reject)?;
        };
        let (out, at) = self.dedented(
            body,
            indent,
            TRIPLE_QUOTE,
            |c, at| c.ws_escape_end(at),
            |c, at, out| c.multi_line_rest(at, Some(out)).ok_or(Fail::Reject),
        )?;
        self.pos = at + TRIPLE_QUOTE.len();
        Ok(out)
    }

    /// The second pass of a multi-line string, quoted or raw: each line without the closing
    /// line's `indent`, a blank line as a newline, up to the closing line (its indent, then
    /// what `space` skips, then `close`). `line` reads the rest of a line into `out` and says
    /// where the next begins. Returns the text, without the last line's newline, and where
    /// `close` begins.
    fn dedented(
        &self,
        body: usize,
        indent: &str,
        close: &str,
        space: impl Fn(&Self, usize) -> Option<usize>,
        line: impl Fn(&Self, usize, &mut String) -> R<usize>,
    ) -> R<(String, usize)> {
        let mut out = String::new();
        let mut at = body;
        loop {
            if self.at_pos(at, indent) {
                let mut end = at + indent.len();
                while let Some(e) = space(self, end) {
                    end = e;
                }
                if self.at_pos(end, close) {
                    // Every line ends with a newline; the last one's is not the string's.
                    out.pop();
                    return Ok((out, end));
                }
                at += indent.len();
            } else if self.empty_line_end(at).is_none() {
                // A line that does not start with the closing line's indent.
                return Err(Fail::Reject);
            }
            if let Some(end) = self.empty_line_end(at) {
                out.push('\n');
                at = end;
                continue;
            }
            at = line(self, at, &mut out)?;
        }
    }

    /// `raw-string`: `#"…"#` on one line or `#"""` + newline … `"""#` (as many `#` on both
    /// sides), no escapes.
    fn raw_string(&mut self) -> R<String> {
        let start = self.pos;
        let hashes = self.rest().bytes().take_while(|b| *b == b'#').count();
        if hashes == 0 {
            return Err(Fail::Back);
        }
        self.pos += hashes;
        let multi_line = self.at(TRIPLE_QUOTE) && self.newline_len(self.pos + 3) > 0;
        let body = if multi_line {
            self.pos += 3;
            self.newline();
            let close = format!("{TRIPLE_QUOTE}{}", &self.text[start..start + hashes]);
            self.multi_line_raw(&close)?
        } else if self.eat("\"") {
            let close = format!("\"{}", &self.text[start..start + hashes]);
            self.single_line_raw(&close)?
        } else {
            self.pos = start;
            return Err(Fail::Back);
        };
        // The `kdl` crate refuses `#"""#` (a one-line raw string that looks like a multi-line
        // one), and with it any raw string whose value is one quote.
        if body == "\"" {
            return Err(Fail::Reject);
        }
        Ok(body)
    }

    fn single_line_raw(&mut self, close: &str) -> R<String> {
        let from = self.pos;
        loop {
            if self.at(close) {
                let body = self.text[from..self.pos].to_string();
                self.pos += close.len();
                return Ok(body);
            }
            match self.peek() {
                Some(c) if !is_disallowed(c) && self.newline_len(self.pos) == 0 => {
                    self.pos += c.len_utf8();
                }
                _ => return Err(Fail::Back),
            }
        }
    }

    /// The rest of a raw string's line from `at`: where its text ends, and where the line
    /// ends, after its newline. `check` refuses disallowed characters (the `kdl` crate checks
    /// them in its first pass).
    fn raw_line_rest(&self, mut at: usize, close: &str, check: bool) -> Option<(usize, usize)> {
        loop {
            let nl = self.newline_len(at);
            if nl > 0 {
                return Some((at, at + nl));
            }
            let c = self.char_at(at)?;
            if (check && is_disallowed(c)) || self.at_pos(at, close) {
                return None;
            }
            at += c.len_utf8();
        }
    }

    fn raw_closing_indent(&self, line: usize, close: &str) -> Option<&'t str> {
        let mut at = line;
        while self.space_len(at) > 0 {
            at += self.space_len(at);
        }
        self.at_pos(at, close).then(|| &self.text[line..at])
    }

    fn multi_line_raw(&mut self, close: &str) -> R<String> {
        let body = self.pos;
        let mut at = body;
        let indent = loop {
            if let Some(indent) = self.raw_closing_indent(at, close) {
                break indent;
            }
            at = self.raw_line_rest(at, close, true).ok_or(Fail::Back)?.1;
        };
        let (out, at) = self.dedented(
            body,
            indent,
            close,
            |c, at| (c.space_len(at) > 0).then(|| at + c.space_len(at)),
            |c, at, out| {
                let (text_end, end) = c.raw_line_rest(at, close, false).ok_or(Fail::Back)?;
                out.push_str(&c.text[at..text_end]);
                out.push('\n');
                Ok(end)
            },
        )?;
        self.pos = at + close.len();
        Ok(out)
    }
}
