//! The cursor over the text, KDL's character classes, and the parsers of spaces, newlines and
//! comments.
//!
//! Every parser here and in the sibling modules follows the `kdl` crate's grammar (a PEG, in
//! `v2_parser.rs`), with its two ways of failing: [`Fail::Back`] lets the caller try something
//! else (the parser leaves the cursor where it found it, or the caller puts it back), and
//! [`Fail::Reject`] is the `kdl` crate's "cut": the document is rejected, whatever follows. Every
//! error the `kdl` crate recovers from is recorded, and a recorded error rejects the document,
//! so recovery never has to be reproduced: it is a rejection.

use super::MAX_DEPTH;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fail {
    /// Not this: try something else.
    Back,
    /// The text is not a document the `kdl` crate accepts.
    Reject,
}

pub(super) type R<T> = Result<T, Fail>;

/// `Back` becomes `Reject`: the `kdl` crate's `cut_err`.
pub(super) fn cut<T>(r: R<T>) -> R<T> {
    r.map_err(|_| Fail::Reject)
}

pub(super) struct Cursor<'t> {
    pub text: &'t str,
    pub pos: usize,
}

/// KDL's newlines, as characters (`\r\n` is read as one newline).
pub(super) fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{85}' | '\u{b}' | '\u{c}' | '\u{2028}' | '\u{2029}'
    )
}

pub(super) fn is_unicode_space(c: char) -> bool {
    matches!(
        c,
        '\t' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

/// Code points KDL does not allow anywhere but in comments. The `kdl` crate's list lacks the
/// specification's U+007F (DEL): like it, this reader allows DEL.
pub(crate) fn is_disallowed(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{e}'..='\u{1f}'
        | '\u{200e}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}'
    )
}

/// What a bare identifier may hold.
pub(super) fn is_identifier_char(c: char) -> bool {
    if c.is_ascii() {
        // Fast path: printable ASCII but the punctuation KDL reserves (DEL included, see
        // `is_disallowed`).
        return matches!(c, '!'..='~' | '\u{7f}')
            && !matches!(
                c,
                '\\' | '/' | '(' | ')' | '{' | '}' | '[' | ']' | ';' | '"' | '#' | '='
            );
    }
    !(is_unicode_space(c) || is_newline(c) || is_disallowed(c))
}

impl<'t> Cursor<'t> {
    pub fn new(text: &'t str) -> Cursor<'t> {
        Cursor { text, pos: 0 }
    }

    pub fn rest(&self) -> &'t str {
        &self.text[self.pos..]
    }

    pub fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub fn byte_at(&self, at: usize) -> Option<u8> {
        self.text.as_bytes().get(at).copied()
    }

    pub fn char_at(&self, at: usize) -> Option<char> {
        self.text.get(at..).and_then(|s| s.chars().next())
    }

    pub fn peek(&self) -> Option<char> {
        self.char_at(self.pos)
    }

    pub fn eof(&self) -> bool {
        self.pos >= self.text.len()
    }

    pub fn at(&self, s: &str) -> bool {
        self.rest().starts_with(s)
    }

    pub fn at_pos(&self, at: usize, s: &str) -> bool {
        self.text.get(at..).is_some_and(|r| r.starts_with(s))
    }

    pub fn eat(&mut self, s: &str) -> bool {
        let found = self.at(s);
        if found {
            self.pos += s.len();
        }
        found
    }

    /// The length of the newline at `at`, if one is there (`\r\n` counts as one).
    pub fn newline_len(&self, at: usize) -> usize {
        match self.byte_at(at) {
            Some(b'\r') if self.byte_at(at + 1) == Some(b'\n') => 2,
            Some(b'\n' | b'\r' | 0x0b | 0x0c) => 1,
            Some(b) if b >= 0x80 => match self.char_at(at) {
                Some(c) if is_newline(c) => c.len_utf8(),
                _ => 0,
            },
            _ => 0,
        }
    }

    pub fn newline(&mut self) -> bool {
        let len = self.newline_len(self.pos);
        self.pos += len;
        len > 0
    }

    /// The length of the unicode space at `at`, if one is there.
    pub fn space_len(&self, at: usize) -> usize {
        match self.byte_at(at) {
            Some(b' ' | b'\t') => 1,
            Some(b) if b >= 0x80 => match self.char_at(at) {
                Some(c) if is_unicode_space(c) => c.len_utf8(),
                _ => 0,
            },
            _ => 0,
        }
    }

    pub fn unicode_space(&mut self) -> bool {
        let len = self.space_len(self.pos);
        self.pos += len;
        len > 0
    }

    /// `/* … */`, nested. Unclosed, or nested deeper than the guard allows: rejected.
    pub fn multi_line_comment(&mut self) -> R<bool> {
        if !self.at("/*") {
            return Ok(false);
        }
        let bytes = self.text.as_bytes();
        let mut depth = 0usize;
        let mut at = self.pos;
        // Only `*` and `/` matter, both ASCII: stepping bytes never stops inside a character.
        while at < bytes.len() {
            match (bytes[at], bytes.get(at + 1)) {
                (b'*', Some(b'/')) => {
                    at += 2;
                    depth -= 1;
                    if depth == 0 {
                        self.pos = at;
                        return Ok(true);
                    }
                }
                (b'/', Some(b'*')) => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(Fail::Reject);
                    }
                    at += 2;
                }
                _ => at += 1,
            }
        }
        Err(Fail::Reject)
    }

    /// `// …` up to and with its newline (or the end of the text).
    pub fn single_line_comment(&mut self) -> bool {
        if !self.at("//") {
            return false;
        }
        self.pos += 2;
        while !self.eof() {
            if self.newline() {
                return true;
            }
            self.pos += self.peek().map_or(1, char::len_utf8);
        }
        true
    }

    /// `ws := unicode-space | multi-line-comment`
    pub fn ws(&mut self) -> R<bool> {
        Ok(self.unicode_space() || self.multi_line_comment()?)
    }

    /// `ws*`
    pub fn wss(&mut self) -> R<()> {
        while self.ws()? {}
        Ok(())
    }

    /// `escline := '\' ws* (single-line-comment | newline | eof) ws*`
    pub fn escline(&mut self) -> R<bool> {
        let start = self.pos;
        if !self.eat("\\") {
            return Ok(false);
        }
        self.wss()?;
        if self.single_line_comment() || self.newline() || self.eof() {
            self.wss()?;
            return Ok(true);
        }
        self.pos = start;
        Ok(false)
    }

    /// `node-space := ws* escline ws* | ws+`
    pub fn node_space(&mut self) -> R<bool> {
        let start = self.pos;
        self.wss()?;
        if self.escline()? {
            self.wss()?;
            return Ok(true);
        }
        Ok(self.pos > start)
    }

    pub fn node_space0(&mut self) -> R<()> {
        while self.node_space()? {}
        Ok(())
    }

    /// `node-space+`; nothing consumed when there is none.
    pub fn node_space1(&mut self) -> R<bool> {
        let start = self.pos;
        self.node_space0()?;
        Ok(self.pos > start)
    }

    /// Whether `node-space+` follows, consuming nothing.
    pub fn peek_node_space1(&mut self) -> R<bool> {
        let start = self.pos;
        let found = self.node_space1()?;
        self.pos = start;
        Ok(found)
    }

    /// `line-space := node-space | newline | single-line-comment`
    pub fn line_space(&mut self) -> R<bool> {
        Ok(self.node_space()? || self.newline() || self.single_line_comment())
    }

    /// `node-terminator := ';' | newline | single-line-comment` (the end of the text is left
    /// to the callers).
    pub fn node_terminator(&mut self) -> bool {
        self.eat(";") || self.newline() || self.single_line_comment()
    }

    /// `slashdash := '/-' (node-space | line-space)*`. A `/-` right after it is rejected: the
    /// guard refuses it (the `kdl` crate reads it in time cubic in the number of `/-`), and so
    /// nested slashdashes are never parsed.
    pub fn slashdash(&mut self) -> R<bool> {
        if !self.eat("/-") {
            return Ok(false);
        }
        while self.line_space()? {}
        if self.at("/-") {
            return Err(Fail::Reject);
        }
        Ok(true)
    }

    /// What may follow a value (or a name): checked, never consumed.
    fn at_value_terminator(&mut self) -> R<bool> {
        match self.byte() {
            None | Some(b'=' | b')' | b'{' | b'}' | b';' | b' ' | b'\n' | b'\r' | b'\t') => {
                return Ok(true);
            }
            _ => {}
        }
        let start = self.pos;
        let found = self.node_space()? || self.newline() || self.at("//");
        self.pos = start;
        Ok(found)
    }

    /// The `kdl` crate's `value_terminator_check`: a value not followed by one of its
    /// terminators rejects the document.
    pub fn value_terminator_check(&mut self) -> R<()> {
        if self.at_value_terminator()? {
            Ok(())
        } else {
            Err(Fail::Reject)
        }
    }

    /// The end of a whitespace escape (`\` then unicode spaces and newlines) at `at`.
    pub fn ws_escape_end(&self, at: usize) -> Option<usize> {
        if self.byte_at(at) != Some(b'\\') {
            return None;
        }
        let mut end = at + 1;
        loop {
            let len = self.space_len(end).max(self.newline_len(end));
            if len == 0 {
                break;
            }
            end += len;
        }
        (end > at + 1).then_some(end)
    }
}
