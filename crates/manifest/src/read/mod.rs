//! roost's own KDL v2 reader, for the read path (load, validate, plan, graph, …).
//!
//! The `kdl` crate keeps every byte of formatting so that a document can be edited and written
//! back; it reads ~2 MB/s. Reading manifests needs none of that, so this reader produces a small
//! owned document instead: nodes with their name, type annotation, entries and children, each
//! with the byte spans the `kdl` crate reports (every diagnostic's file:line:col depends on
//! them). The types mirror the `kdl` crate's (`KdlNode::name().value()`, `.entries()`,
//! `.children()`, `.span()`, …; values are the `kdl` crate's own [`KdlValue`]), so the code that
//! reads a document does not care which parser made it. `roost fmt` and everything that writes
//! KDL keep using the `kdl` crate, which preserves comments and formatting.
//!
//! The reference is the `kdl` crate, not the specification: this reader accepts exactly the
//! documents the `kdl` crate accepts, with the same values and spans, quirks included (each
//! quirk is noted where it is reproduced). The differential tests (`tests.rs`) hold it to that
//! on the specification's test suite, on every example and fixture, and on a fuzz corpus. It
//! does not explain errors: when it rejects a text, the caller parses it again with the `kdl`
//! crate (`syntax.rs`), whose diagnostics roost reports.
//!
//! It never panics, never recurses deeper than [`MAX_DEPTH`] blocks (`guard.rs`' limit: deeper
//! nesting is rejected, and the guard explains it) and runs in time linear in the text: the
//! parts the `kdl` crate may read twice while backtracking (commented-out nodes and blocks) are
//! remembered by position.

mod cursor;
mod nodes;
mod numbers;
mod strings;
#[cfg(test)]
mod tests;

pub(crate) use cursor::is_disallowed;
pub use kdl::KdlValue;
use miette::SourceSpan;

/// How deep blocks and block comments may nest: the guard's limit.
pub(crate) use crate::guard::MAX_DEPTH;

/// A byte range of the text, as the `kdl` crate reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Range {
    start: u32,
    len: u32,
}

impl Range {
    fn new(start: usize, end: usize) -> Range {
        Range {
            start: start as u32,
            len: (end - start) as u32,
        }
    }

    fn source_span(self) -> SourceSpan {
        SourceSpan::new((self.start as usize).into(), self.len as usize)
    }

    fn of(span: SourceSpan) -> Range {
        Range::new(span.offset(), span.offset() + span.len())
    }
}

/// A document, or the children of a node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KdlDocument {
    nodes: Vec<KdlNode>,
    span: Range,
}

impl KdlDocument {
    pub fn nodes(&self) -> &[KdlNode] {
        &self.nodes
    }

    /// A block's children span from its first node to the end of its last one (where the first
    /// node would be when it has none); a whole document spans the whole text.
    pub fn span(&self) -> SourceSpan {
        self.span.source_span()
    }
}

/// A node: `(type)name entries… { children }`.
#[derive(Debug, Clone, PartialEq)]
pub struct KdlNode {
    ty: Option<KdlIdentifier>,
    name: KdlIdentifier,
    entries: Vec<KdlEntry>,
    children: Option<KdlDocument>,
    span: Range,
}

impl KdlNode {
    pub fn name(&self) -> &KdlIdentifier {
        &self.name
    }

    pub fn ty(&self) -> Option<&KdlIdentifier> {
        self.ty.as_ref()
    }

    pub fn entries(&self) -> &[KdlEntry] {
        &self.entries
    }

    pub fn children(&self) -> Option<&KdlDocument> {
        self.children.as_ref()
    }

    /// From its type annotation (or name) to the end of its block or last entry, and the
    /// spaces and comments after it on its line.
    pub fn span(&self) -> SourceSpan {
        self.span.source_span()
    }
}

/// An argument (`value`) or a property (`name=value`), either with an optional type annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct KdlEntry {
    name: Option<KdlIdentifier>,
    ty: Option<KdlIdentifier>,
    value: KdlValue,
    span: Range,
}

impl KdlEntry {
    /// The property's name; `None` for an argument.
    pub fn name(&self) -> Option<&KdlIdentifier> {
        self.name.as_ref()
    }

    pub fn ty(&self) -> Option<&KdlIdentifier> {
        self.ty.as_ref()
    }

    pub fn value(&self) -> &KdlValue {
        &self.value
    }

    /// From the property's name (or the value's type annotation, or the value) to the end of
    /// the value.
    pub fn span(&self) -> SourceSpan {
        self.span.source_span()
    }
}

/// A name: of a node, a property or a type annotation. Its span covers it as written
/// (quotes included).
#[derive(Debug, Clone, PartialEq)]
pub struct KdlIdentifier {
    value: Box<str>,
    span: Range,
}

impl KdlIdentifier {
    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn span(&self) -> SourceSpan {
        self.span.source_span()
    }
}

/// Read `text` as KDL v2, or `None` where the `kdl` crate would reject it (or where it nests
/// deeper than [`MAX_DEPTH`], or holds a `/-` right after a `/-`: the guard refuses those).
pub fn parse(text: &str) -> Option<KdlDocument> {
    nodes::document(text)
}

impl KdlDocument {
    /// The same document, read by the `kdl` crate (the fallback in `syntax.rs`).
    pub(crate) fn from_kdl(doc: &kdl::KdlDocument) -> KdlDocument {
        KdlDocument {
            nodes: doc.nodes().iter().map(KdlNode::from_kdl).collect(),
            span: Range::of(doc.span()),
        }
    }
}

impl KdlNode {
    fn from_kdl(node: &kdl::KdlNode) -> KdlNode {
        KdlNode {
            ty: node.ty().map(KdlIdentifier::from_kdl),
            name: KdlIdentifier::from_kdl(node.name()),
            entries: node
                .entries()
                .iter()
                .map(|e| KdlEntry {
                    name: e.name().map(KdlIdentifier::from_kdl),
                    ty: e.ty().map(KdlIdentifier::from_kdl),
                    value: e.value().clone(),
                    span: Range::of(e.span()),
                })
                .collect(),
            children: node.children().map(KdlDocument::from_kdl),
            span: Range::of(node.span()),
        }
    }
}

impl KdlIdentifier {
    fn from_kdl(ident: &kdl::KdlIdentifier) -> KdlIdentifier {
        KdlIdentifier {
            value: ident.value().into(),
            span: Range::of(ident.span()),
        }
    }
}
