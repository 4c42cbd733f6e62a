//! `roost import`: turn a live panel into manifests a person would commit.
//!
//! Pure: it takes the live state the client read and returns files (path, KDL text). It builds
//! a printable document (`roost_manifest::Document`: the desired state the panel holds, plus
//! templates, comments and a file layout) and prints it through the manifest crate's printer,
//! the one writer of KDL. Resources without roost's marker are adopted explicitly (`adopt
//! id=N`), so the first apply only sets the markers; foreign external ids are kept
//! (`external-id "..."`). Templates are extracted where several servers share egg, limits and
//! features; port lists collapse into ranges; comments carry the panel ids and uuids. Secrets
//! are never exported: passwords and egg variables named like secrets become references to
//! environment variables, to be filled in.

mod databases;
mod env;
mod files;
mod infra;
mod schedules;
mod select;
mod servers;
mod subusers;
mod templates;
mod users;

pub use roost_manifest::{Layout, slug};

use roost_manifest::{Block, Document, Item, Section, Style};
use roost_model::{Kind, Live, PanelSettings};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Kinds to import (empty: all). What the chosen resources need is included too.
    pub kinds: BTreeSet<Kind>,
    /// Only these nodes (and their servers).
    pub nodes: Vec<String>,
    /// Only servers of these owners (usernames).
    pub owners: Vec<String>,
    /// Only these servers (panel ids).
    pub server_ids: Vec<u64>,
    pub layout: Layout,
    pub namespace: String,
    pub panel_url: Option<String>,
    /// Servers sharing egg, limits and features become a template when at least this many.
    pub template_min: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            kinds: BTreeSet::new(),
            nodes: Vec::new(),
            owners: Vec::new(),
            server_ids: Vec::new(),
            layout: Layout::PerKind,
            namespace: "roost:".into(),
            panel_url: None,
            template_min: 3,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// Relative path → KDL text.
    pub files: Vec<(String, String)>,
    pub counts: BTreeMap<&'static str, usize>,
    /// Things not imported, and why.
    pub warnings: Vec<String>,
    /// Environment variables the manifests read secret egg variables from: the admin sets each
    /// to the value the panel holds (it is never written to a file).
    pub secrets: Vec<String>,
    /// `roost import --files`: the text of each imported file, by path relative to the output
    /// directory (`files/SERVER/PATH`), for the caller to write beside the manifests.
    pub sources: Vec<(String, String)>,
    /// How a manifest file reaches the output directory (`../` from `nodes/NODE.kdl`).
    pub(crate) source_prefix: String,
}

impl Imported {
    fn count(&mut self, what: &'static str, n: usize) {
        *self.counts.entry(what).or_default() += n;
    }
}

/// The servers an import with `opts` writes (panel id, Client-API identifier): the caller reads
/// their schedules through the Client API (one request each) before importing.
pub fn chosen_servers(live: &Live, opts: &ImportOptions) -> Vec<(u64, String)> {
    select::select(live, opts)
        .servers
        .iter()
        .map(|s| (s.id, s.identifier.clone()))
        .collect()
}

pub fn import(live: &Live, opts: &ImportOptions) -> Imported {
    let mut out = Imported {
        source_prefix: match opts.layout {
            Layout::PerNode => "../".into(),
            Layout::PerKind => String::new(),
        },
        ..Imported::default()
    };
    let chosen = select::select(live, opts);
    let mut doc = Document::default();
    doc.headers.insert(
        Section::Panel,
        vec!["Imported by `roost import`. Review, then commit.".into()],
    );
    doc.blocks.push(Block::new(Item::Panel(panel(live, opts))));
    doc.blocks.extend(infra::locations(live, &chosen, &mut out));
    let users = users::users(live, &chosen, &opts.namespace, &mut out);
    if !users.is_empty() {
        doc.headers.insert(
            Section::Users,
            vec![
                "Passwords are never exported: each user's `password` names an environment".into(),
                "variable, read only when roost must set a password (a new user, or rotate=#true)."
                    .into(),
            ],
        );
    }
    doc.blocks.extend(users);
    let shared = templates::extract(live, &chosen.servers, opts.template_min, &mut out);
    doc.blocks.extend(shared.blocks());
    doc.blocks.extend(infra::nodes(live, &chosen, &mut out));
    doc.blocks.extend(servers::servers(
        live,
        &chosen,
        &shared,
        &opts.namespace,
        &mut out,
    ));
    out.secrets.sort();
    out.files = roost_manifest::print_document(&doc, Style::Concise, opts.layout);
    out
}

/// The panel block: where the panel is, its dialect, and the namespace of roost's markers.
fn panel(live: &Live, opts: &ImportOptions) -> PanelSettings {
    PanelSettings {
        url: opts.panel_url.clone().filter(|url| url.starts_with("http")),
        dialect: live.dialect.into(),
        namespace: opts.namespace.clone(),
        ..PanelSettings::default()
    }
}

#[cfg(test)]
mod tests;
