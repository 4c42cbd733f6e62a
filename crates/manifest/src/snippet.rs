//! Manifest text as miette reads it for a report.
//!
//! miette's own `SourceCode` for strings finds a span's line by scanning the text from its first
//! byte, once per label: a report of n errors in a big file costs n × the file's size (6,000
//! duplicates of a 6,000-server fleet took 44 s). Here each file's line starts are indexed once
//! and every lookup is a binary search.
//!
//! miette also panics when it underlines a label that starts 65,536 or more columns into a line
//! (a formatting width limit). A label on a very long line is therefore shown in a window of that
//! line around the label, never the whole line.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::sync::Arc;

/// Lines longer than this (in bytes) are shown as a window around the label.
const LONG_LINE: usize = 512;
/// Bytes of a long line shown on each side of the label.
const MARGIN: usize = 64;
/// A label on a long line underlines at most this many bytes (it still starts where it did).
const LABEL_MAX: usize = 256;
/// The widest window of a long line (several labels on one line); at most 4 columns a byte
/// (a tab), far below miette's limit of 65,535 columns.
const MAX_WINDOW: usize = 4096;
/// Labels whose snippets are at most this many lines apart are shown in one snippet.
const MERGE_GAP: usize = 12;

/// Where each line of a text starts.
#[derive(Debug)]
pub(crate) struct LineIndex {
    /// Byte offset of the first byte of each line; `starts[0] == 0`.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The 0-based line holding byte `offset` (the last line for offsets past the end).
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    pub(crate) fn start(&self, line: usize) -> usize {
        self.starts[line]
    }

    /// The end of a line, after its `\n` (or the end of the text).
    fn end(&self, line: usize) -> usize {
        self.starts.get(line + 1).copied().unwrap_or(self.len)
    }

    /// The length of a line without its line break.
    fn content_len(&self, text: &str, line: usize) -> usize {
        let raw = &text[self.start(line)..self.end(line)];
        raw.trim_end_matches('\n').trim_end_matches('\r').len()
    }

    fn is_long(&self, text: &str, line: usize) -> bool {
        self.content_len(text, line) > LONG_LINE
    }
}

/// One manifest file, with its line index, as the source of a diagnostic.
#[derive(Debug, Clone)]
pub(crate) struct IndexedSource {
    name: String,
    text: Arc<str>,
    index: Arc<LineIndex>,
}

impl IndexedSource {
    pub(crate) fn new(name: String, text: Arc<str>, index: Arc<LineIndex>) -> Self {
        IndexedSource { name, text, index }
    }

    /// A label's span, shortened where it would make miette draw past its limits: on a long
    /// line a label ends on that line and underlines at most `LABEL_MAX` bytes.
    pub(crate) fn fit_label(&self, span: SourceSpan) -> SourceSpan {
        let text = &*self.text;
        let start = span.offset().min(text.len());
        let line = self.index.line_of(start);
        if !self.index.is_long(text, line) {
            return span;
        }
        let line_end = self.index.start(line) + self.index.content_len(text, line);
        let end = ceil_char(
            text,
            (start + span.len()).min(start + LABEL_MAX).min(line_end),
        );
        SourceSpan::new(start.into(), end.max(start) - start)
    }
}

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = &*self.text;
        let index = &*self.index;
        let start = span.offset();
        if start > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let end = (start + span.len()).min(text.len());
        let first = index.line_of(start);
        let last = if end > start {
            index.line_of(end - 1)
        } else {
            first
        };
        let first_long = index.is_long(text, first);
        let last_long = index.is_long(text, last);

        let data_start = if first_long {
            floor_char(text, start.saturating_sub(MARGIN).max(index.start(first)))
        } else {
            // Context lines above, as long as they are short.
            let above = (1..=context_lines_before)
                .take_while(|k| first >= *k && !index.is_long(text, first - k))
                .count();
            index.start(first - above)
        };
        let data_end = if last_long {
            let content_end = index.start(last) + index.content_len(text, last);
            ceil_char(text, (end + MARGIN).min(content_end)).max(data_start)
        } else {
            let below = (1..=context_lines_after)
                .take_while(|k| last + k < index.starts.len() && !index.is_long(text, last + k))
                .count();
            index.end(last + below)
        };
        if (first_long || last_long) && data_end - data_start > MAX_WINDOW {
            // Only asked when miette tries to show far-apart labels of one long line in a
            // single snippet; it then shows each label in its own.
            return Err(MietteError::OutOfBounds);
        }
        let line = index.line_of(data_start);
        let lines = index.line_of(data_end.saturating_sub(1).max(data_start)) + 1 - line;
        // miette reports the column of the span itself only when asked for no context. In
        // characters, as editors count (miette's own counts bytes).
        let column = if context_lines_before == 0 {
            text[index.start(first)..start].chars().count()
        } else {
            0
        };
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                &text.as_bytes()[data_start..data_end],
                SourceSpan::new(data_start.into(), data_end - data_start),
                line,
                column,
                // miette merges the snippets of two labels when the first one's lines reach the
                // second's: nearby labels share a snippet, distant ones get their own.
                lines + MERGE_GAP,
            )
            .with_language("kdl"),
        ))
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> IndexedSource {
        let text: Arc<str> = Arc::from(text);
        IndexedSource::new(
            "f.kdl".into(),
            text.clone(),
            Arc::new(LineIndex::new(&text)),
        )
    }

    fn read(s: &IndexedSource, offset: usize, len: usize, ctx: usize) -> (String, usize, usize) {
        let c = s
            .read_span(&SourceSpan::new(offset.into(), len), ctx, ctx)
            .expect("readable");
        (
            String::from_utf8(c.data().to_vec()).unwrap(),
            c.line(),
            c.column(),
        )
    }

    #[test]
    fn lines_are_found_by_index() {
        let idx = LineIndex::new("ab\ncd\n\nef");
        let lines: Vec<usize> = (0..=9).map(|o| idx.line_of(o)).collect();
        assert_eq!(lines, [0, 0, 0, 1, 1, 1, 2, 3, 3, 3]);
    }

    #[test]
    fn a_span_comes_with_one_context_line_each_side() {
        let s = source("one\ntwo\nthree\nfour\n");
        assert_eq!(read(&s, 8, 5, 1), ("two\nthree\nfour\n".into(), 1, 0));
        // No context: the line of the span, and the span's own column.
        assert_eq!(read(&s, 10, 2, 0), ("three\n".into(), 2, 2));
        // At the end of the text.
        assert_eq!(read(&s, 19, 0, 1), ("four\n".into(), 3, 0));
        // Columns count characters, not bytes.
        let s = source("a\n\"Zürich\" x\n");
        assert_eq!(read(&s, 12, 1, 0).2, 9, "10 bytes, 9 characters");
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_around_the_label() {
        let text = format!("a\n{}X{}\nb\n", "é".repeat(40_000), "y".repeat(50_000));
        let s = source(&text);
        let at = text.find('X').unwrap();
        let (data, line, _) = read(&s, at, 1, 1);
        assert_eq!(line, 1);
        assert!(
            data.contains('X') && data.len() <= 2 * MARGIN + 2,
            "{}",
            data.len()
        );
        assert!(
            !data.contains('\n'),
            "the short neighbours of a long line are left out"
        );
        // Out of range is an error, not a panic.
        assert!(
            s.read_span(&SourceSpan::new((text.len() + 1).into(), 0), 1, 1)
                .is_err()
        );
    }

    #[test]
    fn labels_on_long_lines_are_cut_to_their_line() {
        let text = format!("{}\nnext\n", "x".repeat(10_000));
        let s = source(&text);
        let fitted = s.fit_label(SourceSpan::new(9_990.into(), 100));
        assert_eq!((fitted.offset(), fitted.len()), (9_990, 10));
        let fitted = s.fit_label(SourceSpan::new(100.into(), 5_000));
        assert_eq!(fitted.len(), LABEL_MAX);
        // Short lines keep their labels as they are, multi-line ones too.
        let s = source("short\nlines\n");
        assert_eq!(s.fit_label(SourceSpan::new(1.into(), 8)).len(), 8);
    }
}
