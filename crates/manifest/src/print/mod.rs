//! Desired state → canonical KDL: the one KDL writer. `roost validate --print` shows a desired
//! state resolved (templates merged, units resolved, defaults filled in: [`print_desired`]);
//! `roost import` builds a [`Document`] (the desired state plus templates, comments and a file
//! layout) and prints it concisely ([`print_document`]). Each kind's block is written by its
//! module (`kinds/<kind>.rs`) through [`Out`].

mod document;

pub use document::{
    Block, Document, Item, Layout, SLUG_MAX, Section, Template, print_desired, print_document, slug,
};

use roost_model::{Endpoint, EnvValue, SecretRef};
use std::collections::BTreeMap;
use std::fmt::{Display, Write};

/// How much a printed block spells out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Every value, defaults filled in: what the manifests resolve to.
    #[default]
    Resolved,
    /// What a person would commit: a node's flags and upload size, and the panel's `token-env`,
    /// are left out at their defaults.
    Concise,
}

/// A KDL string literal.
pub fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A property key as KDL needs it: bare when it is a plain identifier, quoted otherwise.
pub fn prop_key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && !matches!(k, "true" | "false" | "null" | "inf" | "nan");
    if plain { k.to_string() } else { q(k) }
}

/// An egg variable's value as a manifest writes it: `"value"`, `(env)"VAR"` or `(file)"PATH"`.
pub fn env_value(v: &EnvValue) -> String {
    match v {
        EnvValue::Literal(s) => q(s),
        EnvValue::Secret(SecretRef::Env(var)) => format!("(env){}", q(var)),
        EnvValue::Secret(SecretRef::File(path)) => format!("(file){}", q(path)),
    }
}

pub(crate) fn b(v: bool) -> &'static str {
    if v { "#true" } else { "#false" }
}

/// Sizes in MiB, printed with the largest binary unit that divides them exactly.
// `%` rather than `is_multiple_of`, which needs Rust 1.87 (the workspace declares 1.85).
#[allow(clippy::manual_is_multiple_of)]
pub fn size(mib: u64) -> String {
    if mib != 0 && mib % (1024 * 1024) == 0 {
        format!("\"{}TiB\"", mib / (1024 * 1024))
    } else if mib != 0 && mib % 1024 == 0 {
        format!("\"{}GiB\"", mib / 1024)
    } else {
        mib.to_string()
    }
}

/// Collapse sorted ports into `25565` and `"25570-25600"` items.
pub fn port_ranges(ports: &[u16]) -> Vec<String> {
    let mut sorted = ports.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("\"{start}-{end}\"")
        });
        i += 1;
    }
    out
}

pub(crate) fn endpoint(e: &Endpoint) -> String {
    q(&e.to_string())
}

/// Text as KDL: a multi-line raw string when it has several lines (reads like the panel shows
/// it), a quoted string otherwise or when the text could not survive the block form unchanged.
/// `indent` is the indentation of the line the value is on.
pub(crate) fn text_block(text: &str, indent: usize) -> String {
    let plain = text.contains('\n')
        && !text.contains("\"\"\"#")
        && !text.chars().any(|c| c.is_control() && c != '\n')
        && text
            .lines()
            .all(|l| l == l.trim_end() && !l.starts_with(char::is_whitespace));
    if !plain {
        return q(text);
    }
    let pad = " ".repeat(indent + 4);
    let mut out = String::from("#\"\"\"\n");
    for line in text.lines() {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str(&pad);
    out.push_str("\"\"\"#");
    out
}

/// Comments written above fields of a block, by field name.
pub type Notes = BTreeMap<String, Vec<String>>;

/// Where a block is written: the text so far, the style, the nesting depth, and the notes of
/// the block being written.
pub(crate) struct Out<'a> {
    pub text: String,
    pub style: Style,
    depth: usize,
    notes: Option<&'a Notes>,
}

impl<'a> Out<'a> {
    pub fn new(style: Style) -> Self {
        Out {
            text: String::new(),
            style,
            depth: 0,
            notes: None,
        }
    }

    /// The notes of the next block's fields.
    pub fn with_notes(&mut self, notes: &'a Notes) {
        self.notes = Some(notes);
    }

    /// The indentation of the current depth, in spaces.
    pub fn indent(&self) -> usize {
        self.depth * 4
    }

    fn pad(&mut self) {
        for _ in 0..self.depth {
            self.text.push_str("    ");
        }
    }

    pub fn comment(&mut self, line: &str) {
        self.pad();
        if line.is_empty() {
            self.text.push_str("//\n");
        } else {
            let _ = writeln!(self.text, "// {line}");
        }
    }

    /// `HEAD ARGS {`, and one level deeper.
    pub fn open(&mut self, head: &str, args: &str) {
        self.pad();
        self.text.push_str(head);
        if !args.is_empty() {
            self.text.push(' ');
            self.text.push_str(args);
        }
        self.text.push_str(" {\n");
        self.depth += 1;
    }

    pub fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.pad();
        self.text.push_str("}\n");
        if self.depth == 0 {
            self.notes = None;
        }
    }

    /// `NAME VALUE`, after the notes written for `NAME`.
    pub fn field(&mut self, name: &str, value: impl Display) {
        if self.depth == 1
            && let Some(lines) = self.notes.and_then(|n| n.get(name))
        {
            for l in lines {
                self.comment(l);
            }
        }
        self.pad();
        let value = value.to_string();
        if value.is_empty() {
            let _ = writeln!(self.text, "{name}");
        } else {
            let _ = writeln!(self.text, "{name} {value}");
        }
    }

    /// `NAME VALUE`, unless there is no value to write.
    pub fn field_unless_empty(&mut self, name: &str, value: String) {
        if !value.is_empty() {
            self.field(name, value);
        }
    }

    pub fn flag(&mut self, name: &str, v: bool) {
        self.field(name, b(v));
    }

    pub fn ignore(&mut self, list: &[String]) {
        if !list.is_empty() {
            let items: Vec<String> = list.iter().map(|i| q(i)).collect();
            self.field("ignore", items.join(" "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_collapse_into_ranges() {
        assert_eq!(
            port_ranges(&[25567, 25565, 25566, 25600, 27015, 27016]),
            vec!["\"25565-25567\"", "25600", "\"27015-27016\""]
        );
    }

    #[test]
    fn sizes_use_exact_binary_units() {
        assert_eq!(size(4096), "\"4GiB\"");
        assert_eq!(size(1536), "1536");
        assert_eq!(size(2 * 1024 * 1024), "\"2TiB\"");
        assert_eq!(size(0), "0");
    }

    #[test]
    fn multi_line_text_becomes_a_block() {
        assert_eq!(text_block("one line", 4), "\"one line\"");
        assert_eq!(
            text_block("first\n\nthird", 4),
            "#\"\"\"\n        first\n\n        third\n        \"\"\"#"
        );
        // Leading whitespace would be eaten by the block's dedent: keep the quoted form.
        assert_eq!(text_block("a\n  b", 4), "\"a\\n  b\"");
    }

    #[test]
    fn property_keys_are_quoted_when_needed() {
        assert_eq!(prop_key("SERVER_JARFILE"), "SERVER_JARFILE");
        assert_eq!(prop_key("1ST"), "\"1ST\"");
        assert_eq!(prop_key("A B"), "\"A B\"");
        assert_eq!(prop_key("true"), "\"true\"");
    }
}
