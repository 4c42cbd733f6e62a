//! `file "/server.properties" { source "files/lobby/server.properties" }` inside a server or
//! template block: a file roost writes into the server's volume. Its bytes come from exactly one
//! of `source "PATH"` (a file beside the manifests, relative to the manifest file that names
//! it: text or binary, a plugin jar) or `content """…"""` (inline text). `sensitive #true`
//! shows checksums only (and needs `source`, so that the content never sits in a plan);
//! `restart-on-change #true` restarts the server after its file writes when this file changes.
//! Paths are normalised below the server's root and may not leave it. Templates pass their
//! files on path by path; the server's block of the same path wins.
//!
//! Sources are read once the fleet is resolved ([`read_sources`]), through the caller's
//! [`SourceReader`] (the CLI reads the manifest directory, or a git revision for `--base`).

use crate::diag::{Problem, Span};
use crate::parse::{Rules, bool_field, fields, no_children, resource_name};
use crate::print::{Out, b, q, text_block};
use crate::value::{Entries, Reader, Sp};
use crate::read::KdlNode;
use roost_model::{
    Desired, FILE_SIZE_LIMIT, FileBody, FileSource, Origin, ServerFile, normalize_file_path,
};
use std::collections::BTreeMap;

pub const FIELDS: &[&str] = &["source", "content", "sensitive", "restart-on-change"];
const EXAMPLE: &str = "file \"/server.properties\" { source \"files/server.properties\" }";

#[derive(Debug, Clone)]
pub struct FileDecl {
    pub path: Sp<String>,
    /// The normalised path (the key), `None` when the path is refused (reported).
    pub key: Option<String>,
    /// `None` when the block has an error (reported).
    pub file: Option<ServerFile>,
}

/// Why a source file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// Larger than the limit: its size.
    TooLarge(u64),
    /// Missing, unreadable, a directory…: the reason.
    Unreadable(String),
}

/// Reads a `source` file: its path relative to the manifest directory (with `/`), and the
/// largest size accepted (a larger file is not read: `TooLarge`).
pub type ReadSource<'a> = dyn Fn(&str, u64) -> Result<Vec<u8>, SourceError> + Sync + 'a;

/// How `file` blocks' sources are read (see [`crate::LoadOptions`]).
#[derive(Clone, Copy)]
pub struct SourceReader<'a>(pub &'a ReadSource<'a>);

impl std::fmt::Debug for SourceReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SourceReader")
    }
}

pub(crate) fn parse(
    r: &mut Reader,
    _rules: Rules,
    node: &KdlNode,
    owner: (&str, &str),
) -> Option<FileDecl> {
    let path = resource_name(r, node, "file")?;
    let key = match normalize_file_path(&path.v) {
        Ok(k) => Some(k),
        Err(why) => {
            r.push(
                Problem::new(
                    "roost::bad-path",
                    format!("`{}` is not a file path roost can write: {why}", path.v),
                    path.span,
                    "not a file below the server's root",
                )
                .help(format!("name a file below the server's directory: {EXAMPLE}")),
            );
            None
        }
    };
    let mut valid = key.is_some();
    let e = Entries::of(r, node, &[]);
    if let Some(extra) = e.args.get(1) {
        let span = r.span(extra.span());
        r.push(
            Problem::new(
                "roost::extra-value",
                "a file has one path",
                span,
                "unexpected value",
            )
            .help(format!("write it like this: {EXAMPLE}")),
        );
        valid = false;
    }
    let found = fields(r, node, "file", FIELDS, &[]);
    let mut source: Option<Sp<FileSource>> = None;
    let mut sensitive = None;
    let mut restart = false;
    for (field, child) in &found.list {
        match *field {
            "source" | "content" => match one_string(r, child) {
                Some(s) if source.is_some() => {
                    r.push(
                        Problem::new(
                            "roost::conflict",
                            format!("file `{}` has both `source` and `content`", path.v),
                            s.span,
                            "second way to give the content",
                        )
                        .help("a file's bytes come from one place: keep `source \"PATH\"` (a file beside the manifests) or `content \"\"\"…\"\"\"` (inline text)"),
                    );
                    valid = false;
                }
                Some(s) => {
                    let v = if *field == "source" {
                        FileSource::Source(s.v)
                    } else {
                        FileSource::Content(s.v)
                    };
                    source = Some(Sp::new(v, s.span));
                }
                None => valid = false,
            },
            "sensitive" => match bool_field(r, child) {
                Some(v) => sensitive = Some(v),
                None => valid = false,
            },
            "restart-on-change" => match bool_field(r, child) {
                Some(v) => restart = v.v,
                None => valid = false,
            },
            _ => {}
        }
    }
    let missing = ["source", "content"]
        .iter()
        .all(|f| !found.seen.contains(f) && !found.misspelt.contains(f));
    if missing {
        let span = r.span(node.name().span());
        let (kind, owner) = owner;
        r.push(
            Problem::new(
                "roost::missing-field",
                format!("file `{}` of {kind} `{owner}` has no `source` or `content`", path.v),
                span,
                "content missing",
            )
            .help(format!("say what the file holds: {EXAMPLE}, or `content \"\"\"…\"\"\"` for inline text")),
        );
        valid = false;
    }
    if let (Some(s), Some(sens)) = (&source, &sensitive)
        && sens.v
        && matches!(s.v, FileSource::Content(_))
    {
        r.push(
            Problem::new(
                "roost::sensitive-inline",
                format!("file `{}` is sensitive but its content is written in the manifest", path.v),
                sens.span,
                "sensitive",
            )
            .label(s.span, "inline content")
            .help("keep a sensitive file's content out of the manifests: move it to a file and write `source \"PATH\"` (plans then carry its checksum only)"),
        );
        valid = false;
    }
    let file = match (valid, key.clone(), source) {
        (true, Some(key), Some(source)) => Some(ServerFile {
            path: key,
            source: source.v,
            sensitive: sensitive.is_some_and(|s| s.v),
            restart_on_change: restart,
            body: FileBody::default(),
            origin: path.span.origin(),
            source_origin: source.span.origin(),
        }),
        _ => None,
    };
    Some(FileDecl { path, key, file })
}

/// `source "PATH"` / `content "…"`: one string.
fn one_string(r: &mut Reader, child: &KdlNode) -> Option<Sp<String>> {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    let Some(first) = e.args.first() else {
        let span = r.span(child.name().span());
        r.push(
            Problem::new(
                "roost::missing-value",
                format!("`{}` needs a value", child.name().value()),
                span,
                "value missing",
            )
            .help(format!("write it like this: {EXAMPLE}")),
        );
        return None;
    };
    let s = r.string(first, EXAMPLE)?;
    if child.name().value() == "source" && s.v.trim().is_empty() {
        r.push(
            Problem::new(
                "roost::missing-value",
                "`source` needs a path",
                s.span,
                "empty path",
            )
            .help(format!("write it like this: {EXAMPLE}")),
        );
        return None;
    }
    Some(s)
}

pub(crate) fn insert_once(
    r: &mut Reader,
    files: &mut BTreeMap<String, FileDecl>,
    f: FileDecl,
    owner: (&str, &str),
) {
    let Some(key) = f.key.clone() else {
        return;
    };
    if let Some(first) = files.get(&key) {
        let (kind, owner) = owner;
        r.push(
            Problem::new(
                "roost::duplicate",
                format!("file `/{key}` is declared twice in {kind} `{owner}`"),
                f.path.span,
                "declared again here",
            )
            .label(first.path.span, "first declared here")
            .help("paths compare after normalising (`/a`, `a` and `./a` are one file): keep one block"),
        );
        return;
    }
    files.insert(key, f);
}

/// The valid files of a merged server, by key.
pub(crate) fn resolved(files: BTreeMap<String, FileDecl>) -> BTreeMap<String, ServerFile> {
    files
        .into_iter()
        .filter_map(|(key, d)| d.file.map(|f| (key, f)))
        .collect()
}

fn span_of(o: Origin) -> Span {
    Span {
        file: o.file,
        offset: o.offset,
        len: o.len,
    }
}

/// A `source` path as written in manifest file `manifest` (relative to the manifest directory)
/// → relative to the manifest directory, normalised lexically (`..` may leave the manifest
/// file's directory, as `include` may).
fn relative_to_dir(manifest: &str, source: &str) -> String {
    if source.starts_with('/') {
        return source.to_string();
    }
    let mut parts: Vec<&str> = manifest.split('/').collect();
    parts.pop();
    for p in source.split('/') {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Reads every declared file's bytes into its `body` (size, sha256, text when text): inline
/// content as is, sources through `reader` once each. Problems name the `source` value; without
/// a reader (manifests held in memory) a `source` cannot be read and says so.
pub(crate) fn read_sources(
    desired: &mut Desired,
    file_names: &[&str],
    reader: Option<SourceReader>,
    problems: &mut Vec<Problem>,
) {
    let mut read: BTreeMap<String, Result<FileBody, SourceError>> = BTreeMap::new();
    let mut reported: Vec<Span> = Vec::new();
    for server in desired.servers.values_mut() {
        for f in server.files.values_mut() {
            let written = match &f.source {
                FileSource::Content(text) => {
                    f.body = FileBody::of(text.as_bytes());
                    continue;
                }
                FileSource::Source(s) => s.clone(),
            };
            let span = span_of(f.source_origin);
            let manifest = file_names
                .get(f.source_origin.file as usize)
                .copied()
                .unwrap_or("");
            let rel = relative_to_dir(manifest, &written);
            f.source = FileSource::Source(rel.clone());
            let result = read.entry(rel.clone()).or_insert_with(|| match reader {
                Some(SourceReader(read)) => {
                    read(&rel, FILE_SIZE_LIMIT).map(|bytes| FileBody::of(&bytes))
                }
                None => Err(SourceError::Unreadable(
                    "the manifests were not read from a directory".into(),
                )),
            });
            match result {
                Ok(body) => f.body = body.clone(),
                Err(e) if !reported.contains(&span) => {
                    reported.push(span);
                    problems.push(source_problem(&written, &rel, e, span));
                }
                Err(_) => {}
            }
        }
    }
}

fn source_problem(written: &str, rel: &str, e: &SourceError, span: Span) -> Problem {
    match e {
        SourceError::TooLarge(size) => Problem::new(
            "roost::file-too-large",
            format!("source `{written}` is {size} bytes, over the {FILE_SIZE_LIMIT}-byte limit of a declared file"),
            span,
            "too large",
        )
        .help("roost writes files up to 100 MiB (Wings' default upload limit); ship larger files with the egg's install script or `roost files put`"),
        SourceError::Unreadable(why) => Problem::new(
            "roost::source-unreadable",
            format!("source `{written}` cannot be read ({rel}, relative to the manifest directory): {why}"),
            span,
            "cannot read this file",
        )
        .help("a `source` path is relative to the manifest file that names it; check the path and that the file is readable"),
    }
}

pub(crate) fn print(o: &mut Out, f: &ServerFile) {
    o.open("file", &q(&f.absolute()));
    match &f.source {
        FileSource::Source(p) => o.field("source", q(p)),
        // The block form drops a final newline (KDL's multi-line strings end before it).
        FileSource::Content(text) if text.ends_with('\n') => o.field("content", q(text)),
        FileSource::Content(text) => {
            let indent = o.indent();
            o.field("content", text_block(text, indent));
        }
    }
    if f.sensitive {
        o.field("sensitive", b(true));
    }
    if f.restart_on_change {
        o.field("restart-on-change", b(true));
    }
    o.close();
}

#[cfg(test)]
mod tests {
    use super::relative_to_dir;

    #[test]
    fn sources_are_relative_to_the_manifest_file() {
        assert_eq!(relative_to_dir("main.kdl", "files/a.txt"), "files/a.txt");
        assert_eq!(
            relative_to_dir("servers/lobby.kdl", "../files/a.txt"),
            "files/a.txt"
        );
        assert_eq!(
            relative_to_dir("../common/t.kdl", "f/x.jar"),
            "../common/f/x.jar"
        );
        assert_eq!(relative_to_dir("main.kdl", "../shared/x"), "../shared/x");
    }
}
