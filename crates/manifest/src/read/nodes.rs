//! Documents, nodes, entries, type annotations and slashdashes, as the `kdl` crate's grammar
//! arranges them (its `nodes`, `base_node`, `node_entry`, `before_node_children`, …).

use super::cursor::{Cursor, Fail, R, cut};
use super::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode, KdlValue, MAX_DEPTH, Range};
use std::collections::HashMap;

pub(super) fn document(text: &str) -> Option<KdlDocument> {
    let mut p = Parser {
        c: Cursor::new(text),
        depth: 0,
        skipped_nodes: HashMap::new(),
        skipped_blocks: HashMap::new(),
    };
    p.c.eat("\u{feff}");
    let mut doc = p.nodes().ok()?;
    if !p.c.eof() {
        return None;
    }
    // roost's syntax pass gives the whole document the whole text (`syntax.rs`).
    doc.span = Range::new(0, text.len());
    Some(doc)
}

struct Parser<'t> {
    c: Cursor<'t>,
    /// Blocks open around the cursor.
    depth: usize,
    /// Commented-out nodes and blocks, by where they start: where they end, or `None` where
    /// they are not one. The `kdl` crate reads some of them again after backtracking, which
    /// would take time exponential in how deep they nest.
    skipped_nodes: HashMap<usize, Option<usize>>,
    skipped_blocks: HashMap<usize, Option<usize>>,
}

impl Parser<'_> {
    /// Run `parse`; on `Back`, put the cursor back and return `None`.
    fn opt<T>(&mut self, parse: impl FnOnce(&mut Self) -> R<T>) -> R<Option<T>> {
        let at = self.c.pos;
        match parse(self) {
            Ok(v) => Ok(Some(v)),
            Err(Fail::Back) => {
                self.c.pos = at;
                Ok(None)
            }
            Err(Fail::Reject) => Err(Fail::Reject),
        }
    }

    /// `nodes := (line-space | slashdash base-node)* (node (node-terminator node)*)?
    /// node-terminator? (line-space | slashdash base-node)*`
    fn nodes(&mut self) -> R<KdlDocument> {
        self.skip_spaces_and_commented_nodes()?;
        let start = self.c.pos;
        let mut nodes = Vec::new();
        if let Some(first) = self.opt(Self::node)? {
            nodes.push(first);
            loop {
                let at = self.c.pos;
                if !self.c.node_terminator() {
                    break;
                }
                match self.opt(Self::node)? {
                    Some(node) => nodes.push(node),
                    None => {
                        self.c.pos = at;
                        break;
                    }
                }
            }
        }
        let span = Range::new(start, self.c.pos);
        self.c.node_terminator();
        self.skip_spaces_and_commented_nodes()?;
        Ok(KdlDocument { nodes, span })
    }

    /// `(line-space | slashdash base-node)*`. A commented-out node needs no terminator after
    /// it: `a {}/-b` is a node and a commented-out one, as in the `kdl` crate.
    fn skip_spaces_and_commented_nodes(&mut self) -> R<()> {
        loop {
            if self.c.line_space()? {
                continue;
            }
            let at = self.c.pos;
            if self.c.slashdash()? && self.skip_node()? {
                continue;
            }
            self.c.pos = at;
            return Ok(());
        }
    }

    /// A commented-out node, read once per position.
    fn skip_node(&mut self) -> R<bool> {
        let at = self.c.pos;
        let end = match self.skipped_nodes.get(&at) {
            Some(end) => *end,
            None => {
                let end = self.opt(Self::base_node)?.map(|_| self.c.pos);
                self.skipped_nodes.insert(at, end);
                end
            }
        };
        self.c.pos = end.unwrap_or(at);
        Ok(end.is_some())
    }

    /// `node := (line-space | slashdash base-node)* base-node`
    fn node(&mut self) -> R<KdlNode> {
        self.skip_spaces_and_commented_nodes()?;
        self.base_node()
    }

    /// `base-node := type? node-space* string (node-space+ node-prop-or-arg)* children-part
    /// node-space*`
    fn base_node(&mut self) -> R<KdlNode> {
        match self.c.byte() {
            None | Some(b'}') => return Err(Fail::Back),
            // A block without a node name.
            Some(b'{') => return Err(Fail::Reject),
            _ => {}
        }
        let start = self.c.pos;
        let ty = self.opt(|p| p.c.type_annotation())?;
        self.c.node_space0()?;
        let name = cut(self.c.identifier())?;
        let mut entries = Vec::new();
        loop {
            let at = self.c.pos;
            if !self.c.peek_node_space1()? {
                break;
            }
            match self.node_entry() {
                Ok(entry) => entries.push(entry),
                Err(Fail::Back) => {
                    self.c.pos = at;
                    break;
                }
                Err(Fail::Reject) => return Err(Fail::Reject),
            }
        }
        let children = self.opt(|p| {
            p.before_children()?;
            p.node_children()
        })?;
        if children.is_some() {
            self.opt(Self::commented_blocks)?;
        } else {
            self.before_children()?;
        }
        self.c.node_space0()?;
        Ok(KdlNode {
            ty,
            name,
            entries,
            children,
            span: Range::new(start, self.c.pos),
        })
    }

    /// `node-entry := node-space* (slashdashed-entries node-space+)? (prop | value)`
    fn node_entry(&mut self) -> R<KdlEntry> {
        self.c.node_space0()?;
        let at = self.c.pos;
        match self.commented_entries() {
            Ok(()) => {
                if !self.c.node_space1()? {
                    self.c.pos = at;
                }
            }
            Err(Fail::Back) => self.c.pos = at,
            Err(Fail::Reject) => return Err(Fail::Reject),
        }
        let start = self.c.pos;
        let entry = match self.c.identifier() {
            Ok(name) => {
                let after_name = self.c.pos;
                self.c.node_space0()?;
                if self.c.eat("=") {
                    self.c.node_space0()?;
                    let (ty, value) = cut(self.c.value())?;
                    (Some(name), ty, value)
                } else {
                    self.c.pos = after_name;
                    (None, None, KdlValue::String(name.value.into_string()))
                }
            }
            Err(Fail::Back) => {
                let (ty, value) = self.c.value()?;
                (None, ty, value)
            }
            Err(Fail::Reject) => return Err(Fail::Reject),
        };
        let (name, ty, value) = entry;
        Ok(KdlEntry {
            name,
            ty,
            value,
            span: Range::new(start, self.c.pos),
        })
    }

    /// `slashdashed-entries := slashdash node-entry (node-space+ slashdash node-entry)*`
    fn commented_entries(&mut self) -> R<()> {
        if !self.c.slashdash()? {
            return Err(Fail::Back);
        }
        self.node_entry()?;
        loop {
            let at = self.c.pos;
            if !(self.c.node_space1()? && self.c.slashdash()?) {
                self.c.pos = at;
                return Ok(());
            }
            match self.node_entry() {
                Ok(_) => {}
                Err(Fail::Back) => {
                    self.c.pos = at;
                    return Ok(());
                }
                Err(Fail::Reject) => return Err(Fail::Reject),
            }
        }
    }

    /// What may stand between the entries and the block (the `kdl` crate's
    /// `before_node_children`): commented-out entries, then commented-out blocks, or either,
    /// or spaces.
    fn before_children(&mut self) -> R<()> {
        let at = self.c.pos;
        let mut found = false;
        if self.c.node_space1()? {
            match self.commented_entries() {
                Ok(()) => {
                    found = true;
                    let entries_end = self.c.pos;
                    if !(self.c.node_space1()? && self.opt(Self::commented_blocks_only)?.is_some())
                    {
                        self.c.pos = entries_end;
                    }
                }
                Err(Fail::Back) => {}
                Err(Fail::Reject) => return Err(Fail::Reject),
            }
            if !found {
                self.c.pos = at;
                self.c.node_space1()?;
                found = self.opt(Self::commented_blocks_only)?.is_some();
            }
        }
        if !found {
            self.c.pos = at;
            self.c.node_space0()?;
        }
        self.c.node_space0()
    }

    /// `slashdashed-children := node-space* slashdash-block (node-space+ slashdash-block)*`
    fn commented_blocks(&mut self) -> R<()> {
        self.c.node_space0()?;
        self.commented_blocks_only()
    }

    fn commented_blocks_only(&mut self) -> R<()> {
        if !(self.c.slashdash()? && self.skip_block()?) {
            return Err(Fail::Back);
        }
        loop {
            let at = self.c.pos;
            if !(self.c.node_space1()? && self.c.slashdash()? && self.skip_block()?) {
                self.c.pos = at;
                return Ok(());
            }
        }
    }

    /// A commented-out block, read once per position.
    fn skip_block(&mut self) -> R<bool> {
        let at = self.c.pos;
        let end = match self.skipped_blocks.get(&at) {
            Some(end) => *end,
            None => {
                let end = self.opt(Self::node_children)?.map(|_| self.c.pos);
                self.skipped_blocks.insert(at, end);
                end
            }
        };
        self.c.pos = end.unwrap_or(at);
        Ok(end.is_some())
    }

    /// `node-children := '{' nodes '}'`
    fn node_children(&mut self) -> R<KdlDocument> {
        if !self.c.eat("{") {
            return Err(Fail::Back);
        }
        if self.depth >= MAX_DEPTH {
            return Err(Fail::Reject);
        }
        self.depth += 1;
        let doc = self.nodes()?;
        self.depth -= 1;
        if !self.c.eat("}") {
            return Err(Fail::Reject);
        }
        Ok(doc)
    }
}

impl Cursor<'_> {
    /// `type := '(' node-space* string node-space* ')'`
    pub fn type_annotation(&mut self) -> R<KdlIdentifier> {
        let start = self.pos;
        if !self.eat("(") {
            return Err(Fail::Back);
        }
        self.node_space0()?;
        let name = cut(self.identifier())?;
        let at = self.pos;
        if !(self.node_space()? || self.at(")")) {
            return Err(Fail::Reject);
        }
        self.pos = at;
        self.node_space0()?;
        if !self.eat(")") {
            self.pos = start;
            return Err(Fail::Back);
        }
        Ok(name)
    }

    /// `value := type? node-space* (keyword | number | string)`
    pub fn value(&mut self) -> R<(Option<KdlIdentifier>, KdlValue)> {
        let start = self.pos;
        let ty = match self.type_annotation() {
            Ok(ty) => {
                self.node_space0()?;
                Some(ty)
            }
            Err(Fail::Back) => None,
            Err(Fail::Reject) => return Err(Fail::Reject),
        };
        let at = self.pos;
        for read in [Self::keyword, Self::number] {
            match read(self) {
                Ok(v) => return Ok((ty, v)),
                Err(Fail::Back) => self.pos = at,
                Err(Fail::Reject) => return Err(Fail::Reject),
            }
        }
        match self.string() {
            Ok(s) => Ok((ty, KdlValue::String(s))),
            Err(Fail::Back) => {
                self.pos = start;
                Err(Fail::Back)
            }
            Err(Fail::Reject) => Err(Fail::Reject),
        }
    }
}
