//! KDL manifests → roost's typed desired state.
//!
//! Parsing runs in passes and collects every problem before giving up:
//! 1. syntax: every `*.kdl` file under the directory is parsed as KDL v2 (with a migration hint
//!    when a file looks like KDL v1);
//! 2. shape: each node becomes a typed declaration, checking names, types, units, type
//!    annotations, ranges and the rules of the chosen dialect;
//! 3. fleet: templates are merged and references resolved (users, nodes, locations,
//!    allocations), duplicates and double claims found.
//!
//! All problems come back in one [`ManifestErrors`] report, each with its file, line, column,
//! label and help.

mod annotations;
mod depends;
mod diag;
mod files;
mod fmt;
mod guard;
mod holdback;
mod ignore;
mod include;
pub use include::{FileSystem, IncludeSource, relative_label};
mod kinds;
mod number;
mod ownership;
mod parse;
mod print;
mod read;
mod resolve;
mod snippet;
mod syntax;
mod value;

pub use diag::{ManifestErrors, Problem, SourceDiagnostic, Span, render_plain};
pub use files::Skipped;
pub use fmt::format_kdl;
pub use ignore::AttributeNames;
pub use print::{
    Block, Document, Item, Layout, SLUG_MAX, Section, Style, Template, print_desired,
    print_document, slug,
};

/// Helpers for writing KDL the way roost prints it.
pub mod kdl_text {
    pub use crate::print::{env_value, port_ranges, prop_key, q as string, size};
}

use parse::{Decls, Rules};
use roost_model::{Desired, DialectChoice, Origin};
use std::path::Path;
use std::sync::Arc;
use value::Reader;

/// Every field and property name the manifest language knows, per block (for docs and tests).
pub mod names {
    pub use crate::kinds::KIND_FIELDS;
    pub use crate::kinds::database::FIELDS as DATABASE_FIELDS;
    pub use crate::kinds::location::FIELDS as LOCATION_FIELDS;
    pub use crate::kinds::node::{DAEMON_PROPS, FIELDS as NODE_FIELDS};
    pub use crate::kinds::panel::FIELDS as PANEL_FIELDS;
    pub use crate::kinds::server::{FEATURE_PROPS, FIELDS as SERVER_FIELDS, LIMIT_PROPS};
    pub use crate::kinds::user::FIELDS as USER_FIELDS;
    pub use crate::parse::TOP_LEVEL;
}

/// What loading needs from outside this crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// The attribute names `ignore` rules may use: the planner's, which declares them once in
    /// its attribute tables. The default checks the rules' shape only.
    pub attributes: AttributeNames,
    /// The MCP tools that change the panel, which `mcp-allow` in the panel block may name:
    /// `roost mcp`'s, which declares them once in its tool table. `None` accepts any name.
    pub mcp_tools: Option<fn() -> Vec<&'static str>>,
    /// How `file` blocks' `source` files are read (the manifest directory, or a git revision);
    /// without one a `source` is an error (the manifests are not on disk).
    pub sources: Option<SourceReader<'a>>,
}

pub use kinds::file::{ReadSource, SourceError, SourceReader};

/// A [`SourceReader`] body over the manifest directory `dir`: a path relative to it, refused
/// when larger than `limit` (before reading) or not a regular file.
pub fn read_source_in(dir: &Path, rel: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
    let path = dir.join(rel);
    let meta = std::fs::metadata(&path).map_err(|e| SourceError::Unreadable(e.to_string()))?;
    if !meta.is_file() {
        return Err(SourceError::Unreadable("not a regular file".into()));
    }
    if meta.len() > limit {
        return Err(SourceError::TooLarge(meta.len()));
    }
    std::fs::read(&path).map_err(|e| SourceError::Unreadable(e.to_string()))
}

/// The text of a manifest set: each file's path (relative to the manifest directory, with `/`)
/// and contents.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<(String, Arc<str>)>,
}

impl Sources {
    /// Read every `*.kdl` file under `dir`, recursively, in path order. Files that are not
    /// regular files (a FIFO named `x.kdl`) are skipped: [`Sources::read_dir_with_skipped`]
    /// lists them.
    pub fn read_dir(dir: &Path) -> Result<Sources, ManifestErrors> {
        files::read_dir(dir).map(|(sources, _)| sources)
    }

    /// [`Sources::read_dir`], and the `*.kdl` entries it skipped because they are not regular
    /// files (for a warning).
    pub fn read_dir_with_skipped(dir: &Path) -> Result<(Sources, Vec<Skipped>), ManifestErrors> {
        files::read_dir(dir)
    }

    /// Follow the `include` lines of files already in memory (labels relative to `base`),
    /// reading the included files from `from`: how `plan --base REF` reads a git revision.
    pub fn resolve_includes(
        &mut self,
        base: &Path,
        from: &dyn IncludeSource,
    ) -> Result<(), ManifestErrors> {
        include::resolve(base, self, from)
    }

    /// Read a single manifest file, as if it were the only one (no templates from elsewhere).
    pub fn read_file(path: &Path) -> Result<Sources, ManifestErrors> {
        files::read_file(path)
    }

    /// The file name and 1-based line and column of an origin, e.g. `servers.kdl:12:5`.
    pub fn locate(&self, origin: Origin) -> String {
        match self.files.get(origin.file as usize) {
            Some((name, text)) => {
                let upto = &text[..(origin.offset as usize).min(text.len())];
                let line = upto.matches('\n').count() + 1;
                let col = upto
                    .rsplit('\n')
                    .next()
                    .map(|l| l.chars().count())
                    .unwrap_or(0)
                    + 1;
                format!("{name}:{line}:{col}")
            }
            None => "<unknown>".to_string(),
        }
    }

    /// Attach problems found after loading (e.g. a dependency cycle) to this source text.
    pub fn report(&self, problems: Vec<Problem>) -> ManifestErrors {
        self.report_in_stages(vec![problems], None)
    }

    /// One report of problems found in stages (syntax first), each stage in file order, with
    /// exact repeats (one template's error, once per server using it) dropped.
    fn report_in_stages(&self, stages: Vec<Vec<Problem>>, note: Option<String>) -> ManifestErrors {
        let files = diag::SourceFiles::new(&self.files);
        let mut seen = std::collections::HashSet::new();
        let mut diagnostics = Vec::new();
        for mut stage in stages {
            stage.sort_by_key(|p| p.sort_key());
            for p in stage {
                if seen.insert(p.clone()) {
                    diagnostics.push(SourceDiagnostic::attach(p, &files));
                }
            }
        }
        ManifestErrors { diagnostics, note }
    }
}

/// A loaded, valid manifest set.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub desired: Desired,
    pub sources: Sources,
    /// Problems that do not stop the manifests from loading, ready to print.
    pub warnings: Vec<Problem>,
}

impl Manifest {
    /// The warnings, each attached to its source text, ready for miette.
    pub fn warning_diagnostics(&self) -> Vec<SourceDiagnostic> {
        self.sources.report(self.warnings.clone()).diagnostics
    }
}

/// Load and validate the manifests under `dir`, `ignore` rules checked for their shape only
/// (see [`load_dir_with`]).
pub fn load_dir(dir: &Path) -> Result<Manifest, ManifestErrors> {
    load_dir_with(dir, &LoadOptions::default())
}

/// Load and validate the manifests under `dir`.
pub fn load_dir_with(dir: &Path, options: &LoadOptions) -> Result<Manifest, ManifestErrors> {
    let read = |rel: &str, limit: u64| read_source_in(dir, rel, limit);
    let options = LoadOptions {
        sources: options.sources.or(Some(SourceReader(&read))),
        ..*options
    };
    load_with(Sources::read_dir(dir)?, &options)
}

/// Check that every file is KDL that roost can read, as `roost fmt` must before it rewrites
/// anything.
pub fn check_syntax(sources: &Sources) -> Result<(), ManifestErrors> {
    let mut problems = Vec::new();
    for (i, (_, text)) in sources.files.iter().enumerate() {
        syntax::check_file(i as u32, text, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(sources.report(problems))
    }
}

/// Validate manifests already in memory, `ignore` rules checked for their shape only (see
/// [`load_with`]).
pub fn load(sources: Sources) -> Result<Manifest, ManifestErrors> {
    load_with(sources, &LoadOptions::default())
}

/// Validate manifests already in memory.
pub fn load_with(sources: Sources, options: &LoadOptions) -> Result<Manifest, ManifestErrors> {
    // Pass 1: syntax. Its problems are reported first.
    let mut syntax_problems = Vec::new();
    let mut failed = Vec::new();
    let mut docs = Vec::with_capacity(sources.files.len());
    for (i, (name, text)) in sources.files.iter().enumerate() {
        match syntax::parse_file(i as u32, text, &mut syntax_problems) {
            Some(doc) => docs.push((i as u32, doc)),
            None => failed.push((name.as_str(), &**text)),
        }
    }
    let mut problems = Vec::new();
    // The panel block decides the dialect, which the other blocks are checked against.
    let mut decls = Decls {
        panel: panel_block(&docs, options, &mut problems),
        ..Decls::default()
    };
    let rules = Rules {
        choice: decls
            .panel
            .as_ref()
            .map(|(p, _)| p.dialect)
            .unwrap_or(DialectChoice::Auto),
        attributes: options.attributes,
    };
    // Pass 2: shape. Each document is dropped once read: what the declarations need they own.
    for (file, doc) in docs {
        let mut r = Reader {
            file,
            problems: &mut problems,
        };
        annotations::check(&mut r, &doc);
        for node in doc.nodes() {
            declare(&mut r, rules, node, &mut decls);
        }
    }
    // Pass 3: the fleet as a whole.
    let mut desired = resolve::resolve(decls, rules, &mut problems);
    let names: Vec<&str> = sources.files.iter().map(|(n, _)| n.as_str()).collect();
    kinds::file::read_sources(&mut desired, &names, options.sources, &mut problems);
    let (problems, note) = holdback::hold_back(problems, &failed);
    let (mut warnings, errors): (Vec<Problem>, Vec<Problem>) =
        problems.into_iter().partition(|p| p.warning);
    if syntax_problems.is_empty() && errors.is_empty() {
        warnings.sort_by_key(|p| p.sort_key());
        Ok(Manifest {
            desired,
            sources,
            warnings,
        })
    } else {
        let report = sources.report_in_stages(vec![syntax_problems, errors], note);
        Err(report)
    }
}

/// The one `panel` block of the set, with where it is declared.
fn panel_block(
    docs: &[(u32, crate::read::KdlDocument)],
    options: &LoadOptions,
    problems: &mut Vec<Problem>,
) -> Option<(roost_model::PanelSettings, Span)> {
    let mut found: Option<(roost_model::PanelSettings, Span)> = None;
    for (file, doc) in docs {
        let mut r = Reader {
            file: *file,
            problems,
        };
        for node in doc.nodes().iter().filter(|n| n.name().value() == "panel") {
            let span = r.span(node.name().span());
            let panel = kinds::panel::parse(&mut r, options, node);
            match &found {
                Some((_, first)) => {
                    let p = Problem::new(
                        "roost::duplicate",
                        "`panel` is declared twice",
                        span,
                        "declared again here",
                    )
                    .help("the manifest set has one panel block; merge them");
                    r.push(if first.file == span.file {
                        p.label(*first, "first declared here")
                    } else {
                        p.related(Problem::new(
                            "roost::duplicate",
                            "first `panel` block",
                            *first,
                            "first declared here",
                        ))
                    });
                }
                None => found = Some((panel, span)),
            }
        }
    }
    found
}

/// One top-level block, parsed by its kind's module into `decls`.
fn declare(r: &mut Reader, rules: Rules, node: &crate::read::KdlNode, decls: &mut Decls) {
    match node.name().value() {
        // Followed when the files are read (`include.rs`).
        "panel" | "include" => {}
        "location" => decls
            .locations
            .extend(kinds::location::parse(r, rules, node)),
        "node" => decls.nodes.extend(kinds::node::parse(r, rules, node)),
        "user" => decls.users.extend(kinds::user::parse(r, rules, node)),
        "template" => decls
            .templates
            .extend(kinds::server::parse(r, rules, node, true)),
        "server" => decls
            .servers
            .extend(kinds::server::parse(r, rules, node, false)),
        other => {
            let span = r.span(node.name().span());
            let mut p = Problem::new(
                "roost::unknown-node",
                format!("unknown block `{other}`"),
                span,
                "not a roost block",
            );
            p = match diag::suggest(other, parse::TOP_LEVEL.iter().copied()) {
                Some(s) => p.help(format!("did you mean `{s}`?")),
                None => p.help(format!("top-level blocks: {}", parse::TOP_LEVEL.join(", "))),
            };
            r.push(p);
        }
    }
}
