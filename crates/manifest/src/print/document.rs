//! A printable manifest set: blocks with their comments, laid out in files.

use super::{Notes, Out, Style, q};
use crate::kinds;
use roost_model::{
    Allocation, Desired, EggRef, FeatureLimits, Limits, Location, Node, PanelSettings, Server, User,
};
use std::collections::BTreeMap;

/// A manifest set to print: blocks with their comments, and the comments heading each file.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// In the order they are written (within each file).
    pub blocks: Vec<Block>,
    /// Comment lines at the top of the file that holds a section's blocks (when it holds any).
    pub headers: BTreeMap<Section, Vec<String>>,
}

/// One top-level block.
#[derive(Debug, Clone)]
pub struct Block {
    /// Comment lines written above the block (`panel id 4, uuid …`).
    pub comments: Vec<String>,
    /// Comment lines written above one of the block's fields, by field name (`env`).
    pub notes: Notes,
    pub item: Item,
}

impl Block {
    pub fn new(item: Item) -> Self {
        Block {
            comments: Vec::new(),
            notes: Notes::new(),
            item,
        }
    }

    /// A comment line above the block.
    pub fn comment(mut self, line: impl Into<String>) -> Self {
        self.comments.push(line.into());
        self
    }

    /// A comment line above the block's field `field`.
    pub fn note(mut self, field: &str, line: impl Into<String>) -> Self {
        self.notes
            .entry(field.to_string())
            .or_default()
            .push(line.into());
        self
    }
}

// Items are built once per block and printed once: boxing the large ones would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Item {
    Panel(PanelSettings),
    Location(Location),
    /// A node with its allocations.
    Node {
        node: Node,
        allocations: Vec<Allocation>,
    },
    User(User),
    Template(Template),
    /// A server. With `from`, it extends that template (`from="NAME"`) and leaves out what the
    /// template sets to the same value.
    Server {
        server: Server,
        from: Option<Template>,
    },
}

impl Item {
    pub fn section(&self) -> Section {
        match self {
            Item::Panel(_) => Section::Panel,
            Item::Location(_) => Section::Locations,
            Item::Node { .. } => Section::Nodes,
            Item::User(_) => Section::Users,
            Item::Template(_) => Section::Templates,
            Item::Server { .. } => Section::Servers,
        }
    }
}

/// A template as the printer writes it: the settings servers share (what `roost import`
/// extracts from recurring shapes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    pub egg: Option<EggRef>,
    pub limits: Option<Limits>,
    pub features: Option<FeatureLimits>,
}

/// The kinds of blocks, in the order their files are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Panel,
    Locations,
    Users,
    Templates,
    Nodes,
    Servers,
}

impl Section {
    /// The file of the section in the per-kind layout.
    pub fn file(self) -> &'static str {
        match self {
            Section::Panel => "panel.kdl",
            Section::Locations => "locations.kdl",
            Section::Users => "users.kdl",
            Section::Templates => "templates.kdl",
            Section::Nodes => "nodes.kdl",
            Section::Servers => "servers.kdl",
        }
    }
}

/// How a document is split into files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// `panel.kdl`, `locations.kdl`, `users.kdl`, `templates.kdl`, `nodes.kdl`, `servers.kdl`.
    #[default]
    PerKind,
    /// `nodes/NODE.kdl` holding a node and its servers; the other kinds on their own.
    PerNode,
}

/// A manifest name from a panel name: lower-case, runs of anything but letters, digits, `_`
/// and `.` become `-`; at most [`SLUG_MAX`] characters, cut at a `-` where one is near.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_matches('-').to_string();
    // A key is a handle, not the display name (which is kept in `name`): keep it short.
    if out.chars().count() > SLUG_MAX {
        let cut: String = out.chars().take(SLUG_MAX).collect();
        out = match cut.rfind('-') {
            Some(i) if i >= SLUG_MAX / 2 => cut[..i].to_string(),
            _ => cut.trim_end_matches('-').to_string(),
        };
    }
    if out.is_empty() { "server".into() } else { out }
}

/// Longest name [`slug`] makes, in characters.
pub const SLUG_MAX: usize = 40;

/// The document as files (relative path, KDL text), in section order; a file is written only
/// when it holds a block. Blocks that land in the same file (two nodes whose names make the
/// same file name) share it.
pub fn print_document(doc: &Document, style: Style, layout: Layout) -> Vec<(String, String)> {
    let mut files: Vec<(Section, String, Vec<&Block>)> = Vec::new();
    for block in &doc.blocks {
        let section = block.item.section();
        let (section, path) = match (&block.item, layout) {
            (Item::Node { node, .. }, Layout::PerNode) => {
                (Section::Nodes, format!("nodes/{}.kdl", slug(&node.name)))
            }
            (Item::Server { server, .. }, Layout::PerNode) => {
                (Section::Nodes, format!("nodes/{}.kdl", slug(&server.node)))
            }
            _ => (section, section.file().to_string()),
        };
        match files.iter_mut().find(|(_, p, _)| *p == path) {
            Some((_, _, blocks)) => blocks.push(block),
            None => files.push((section, path, vec![block])),
        }
    }
    files.sort_by_key(|(section, _, _)| *section);
    files
        .into_iter()
        .map(|(section, path, blocks)| {
            let mut parts = Vec::new();
            if let Some(header) = doc.headers.get(&section).filter(|h| !h.is_empty()) {
                let mut o = Out::new(style);
                header.iter().for_each(|l| o.comment(l));
                parts.push(o.text);
            }
            parts.extend(blocks.into_iter().map(|b| render(b, style)));
            (path, crate::format_kdl(&parts.join("\n")))
        })
        .collect()
}

/// One block as text.
fn render(block: &Block, style: Style) -> String {
    let mut o = Out::new(style);
    for c in &block.comments {
        o.comment(c);
    }
    o.with_notes(&block.notes);
    match &block.item {
        Item::Panel(p) => kinds::panel::print(&mut o, p),
        Item::Location(l) => kinds::location::print(&mut o, l),
        Item::Node { node, allocations } => kinds::node::print(&mut o, node, allocations),
        Item::User(u) => kinds::user::print(&mut o, u),
        Item::Template(t) => kinds::template::print(&mut o, t),
        Item::Server { server, from } => kinds::server::print(&mut o, server, from.as_ref()),
    }
    o.text
}

/// The whole desired state as one KDL document, resolved: what `roost validate --print`
/// shows.
pub fn print_desired(d: &Desired) -> String {
    let mut blocks = vec![Block::new(Item::Panel(d.panel.clone()))];
    blocks.extend(
        d.locations
            .values()
            .cloned()
            .map(|l| Block::new(Item::Location(l))),
    );
    blocks.extend(d.nodes.values().map(|n| {
        Block::new(Item::Node {
            node: n.clone(),
            allocations: d
                .allocations
                .values()
                .filter(|a| a.node == n.name)
                .cloned()
                .collect(),
        })
    }));
    blocks.extend(d.users.values().cloned().map(|u| Block::new(Item::User(u))));
    blocks.extend(d.servers.values().map(|s| {
        let block = Block::new(Item::Server {
            server: s.clone(),
            from: None,
        });
        match &s.template {
            Some(t) => block.comment(format!("from template {}", q(t))),
            None => block,
        }
    }));
    let parts: Vec<String> = blocks.iter().map(|b| render(b, Style::Resolved)).collect();
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_manifest_names() {
        assert_eq!(slug("SMP #1 — Survival"), "smp-1-survival");
        assert_eq!(slug("Café Ünïcode"), "café-ünïcode");
        assert_eq!(slug("  !!  "), "server");
        assert_eq!(slug("a.b_c"), "a.b_c");
        let long = slug(&"A very long server name ".repeat(8));
        assert!(long.chars().count() <= SLUG_MAX, "{long}");
        assert!(long.starts_with("a-very-long-server-name-a-very") && !long.ends_with('-'));
    }
}
