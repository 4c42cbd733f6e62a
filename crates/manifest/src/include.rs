//! `include "../common/templates.kdl"`: a top-level line that reads another file into the
//! manifest set, so several environments (staging, production) share templates, users or nodes
//! from one place. The path is relative to the file that includes it; an included file may
//! include others; each file is read once however often it is included (so a cycle is
//! harmless). The included file's blocks count as if written in the manifest directory, and
//! errors in it name it as `../common/templates.kdl:3:5`.
//!
//! Included files come from an [`IncludeSource`]: the file system, or (for `plan --base REF`)
//! the same paths at a git revision, so a base and the working tree read the same set.

use crate::Sources;
use crate::diag::{ManifestErrors, Problem, Span};
use crate::syntax;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the files named by `include` lines are read from.
pub trait IncludeSource {
    /// One name per file however it is reached (`a/../b.kdl` and `b.kdl` alike), so that each
    /// file is read once; `None` when there is no such file.
    fn identify(&self, path: &Path) -> Option<PathBuf>;
    /// The file's text; `None` when it is not a regular UTF-8 file.
    fn read(&self, file: &Path) -> Option<String>;
}

/// Included files read from the file system.
pub struct FileSystem;

impl IncludeSource for FileSystem {
    fn identify(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }

    fn read(&self, file: &Path) -> Option<String> {
        if !file.is_file() {
            return None;
        }
        std::fs::read_to_string(file).ok()
    }
}

/// Follows the `include` lines of `sources`, whose labels are relative to `base`, adding each
/// included file once. Problems (a missing file, a path that is not a string) point at the
/// `include` line.
pub(crate) fn resolve(
    base: &Path,
    sources: &mut Sources,
    from: &dyn IncludeSource,
) -> Result<(), ManifestErrors> {
    let mut seen: BTreeSet<PathBuf> = sources
        .files
        .iter()
        .filter_map(|(label, _)| from.identify(&base.join(label)))
        .collect();
    let mut problems = Vec::new();
    let mut next = 0;
    while next < sources.files.len() {
        let (label, text) = sources.files[next].clone();
        let file = next as u32;
        next += 1;
        for (target, span) in includes(file, &text, &mut problems) {
            let from_dir = base
                .join(&label)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let path = from_dir.join(&target);
            let Some(real) = from.identify(&path) else {
                problems.push(
                    Problem::new(
                        "roost::include",
                        format!("cannot read `{target}`: no such file"),
                        span,
                        "included here",
                    )
                    .help(format!(
                        "the path is relative to {label}'s folder: {}",
                        path.display()
                    )),
                );
                continue;
            };
            if !seen.insert(real.clone()) {
                continue;
            }
            match from.read(&real) {
                Some(text) => {
                    sources
                        .files
                        .push((relative_label(base, &path), Arc::from(text)));
                }
                None => problems.push(
                    Problem::new(
                        "roost::include",
                        format!("cannot read `{target}` as a UTF-8 KDL file"),
                        span,
                        "included here",
                    )
                    .help("include a regular *.kdl file"),
                ),
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(sources.report(problems))
    }
}

/// The `include` targets of one file, with where each is written. Syntax errors are left to
/// the loader, which reports them with everything else.
fn includes(file: u32, text: &str, problems: &mut Vec<Problem>) -> Vec<(String, Span)> {
    if !text.contains("include") {
        return Vec::new();
    }
    let mut ignored = Vec::new();
    let Some(doc) = syntax::parse_file(file, text, &mut ignored) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for node in doc.nodes().iter().filter(|n| n.name().value() == "include") {
        let span = Span::new(file, node.name().span());
        let args: Vec<_> = node
            .entries()
            .iter()
            .filter(|e| e.name().is_none())
            .collect();
        match (args.as_slice(), node.entries().len()) {
            ([one], 1) if one.value().as_string().is_some_and(|s| !s.is_empty()) => {
                out.push((
                    one.value().as_string().unwrap_or_default().to_string(),
                    span,
                ));
            }
            _ => problems.push(
                Problem::new("roost::include", "`include` takes one path", span, "here")
                    .help("write include \"../common/templates.kdl\""),
            ),
        }
    }
    out
}

/// A label for an included file: relative to the manifest directory, `..` kept, with `/`.
pub fn relative_label(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let mut parts: Vec<String> = Vec::new();
    for c in rel.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_keep_their_way_out_of_the_directory() {
        let base = Path::new("/repo/envs/prod");
        assert_eq!(
            relative_label(base, &base.join("sub/../../common/t.kdl")),
            "../common/t.kdl"
        );
        assert_eq!(relative_label(base, &base.join("./a.kdl")), "a.kdl");
    }
}
