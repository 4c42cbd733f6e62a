//! Finding and reading the `*.kdl` files of a manifest directory.
//!
//! Only regular files (or links to them) are read: opening a FIFO named `x.kdl` blocks until a
//! writer comes, forever in a pipeline. Others are skipped and listed for a warning. A file that
//! is not UTF-8 is an error naming the file, line and column of its first bad byte.

use crate::Sources;
use crate::diag::{ManifestErrors, Problem, SourceDiagnostic, SourceFiles, Span};
use std::fs::FileType;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file under the manifest directory that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Relative to the manifest directory, with `/`.
    pub path: String,
    /// What it is instead of a regular file: "a FIFO", "a socket", ...
    pub kind: &'static str,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "skipped {}: {}, not a regular file",
            self.path, self.kind
        )
    }
}

/// Read every regular `*.kdl` file under `dir`, recursively, in path order; list the others.
pub(crate) fn read_dir(dir: &Path) -> Result<(Sources, Vec<Skipped>), ManifestErrors> {
    let meta = std::fs::metadata(dir).map_err(|e| io_error(dir, &e))?;
    if !meta.is_dir() {
        return Err(alone(SourceDiagnostic::without_source(
            "roost::not-a-directory",
            format!("{} is not a directory", dir.display()),
            Some("pass the directory that holds your *.kdl manifests".into()),
        )));
    }
    let mut paths = Vec::new();
    collect(dir, &mut paths).map_err(|e| io_error(dir, &e))?;
    paths.sort();
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let rel = relative(dir, &path);
        // Follows links: a link to a regular file is read like the file.
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) => {
                errors.extend(io_error(&path, &e).diagnostics);
                continue;
            }
        };
        if !meta.is_file() {
            skipped.push(Skipped {
                path: rel,
                kind: kind_of(meta.file_type()),
            });
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((rel, Arc::from(text))),
                Err(e) => errors.push(not_utf8(rel, e.as_bytes(), e.utf8_error())),
            },
            Err(e) => errors.extend(io_error(&path, &e).diagnostics),
        }
    }
    if !errors.is_empty() {
        return Err(ManifestErrors {
            diagnostics: errors,
            note: None,
        });
    }
    if files.is_empty() {
        return Err(alone(SourceDiagnostic::without_source(
            "roost::no-manifests",
            format!("no *.kdl files in {}", dir.display()),
            Some("roost reads every *.kdl file under the directory you give it".into()),
        )));
    }
    let mut sources = Sources { files };
    crate::include::resolve(dir, &mut sources, &crate::include::FileSystem)?;
    Ok((sources, skipped))
}

/// Read one manifest file on its own, named as given (`roost validate FILE`). Like the
/// directory walk it reads only a regular file: a FIFO would block forever.
pub(crate) fn read_file(path: &Path) -> Result<Sources, ManifestErrors> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
    let name = path.display().to_string();
    if !meta.is_file() {
        return Err(alone(SourceDiagnostic::without_source(
            "roost::not-a-file",
            format!(
                "{name} is {}, not a regular file",
                kind_of(meta.file_type())
            ),
            Some("pass a *.kdl file or the directory that holds your manifests".into()),
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    match String::from_utf8(bytes) {
        Ok(text) => {
            let mut sources = Sources {
                files: vec![(name, Arc::from(text))],
            };
            // Labels are the paths as given, so includes resolve from the current directory.
            crate::include::resolve(Path::new(""), &mut sources, &crate::include::FileSystem)?;
            Ok(sources)
        }
        Err(e) => Err(alone(not_utf8(name, e.as_bytes(), e.utf8_error()))),
    }
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(unix)]
fn kind_of(t: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_dir() {
        "a link to a directory"
    } else {
        "something else"
    }
}

#[cfg(not(unix))]
fn kind_of(t: FileType) -> &'static str {
    if t.is_dir() {
        "a link to a directory"
    } else {
        "something else"
    }
}

/// The first bad byte of a file that is not UTF-8, shown in the (lossily decoded) file.
fn not_utf8(name: String, bytes: &[u8], e: std::str::Utf8Error) -> SourceDiagnostic {
    let at = e.valid_up_to();
    let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    let problem = Problem::new(
        "roost::not-utf8",
        format!(
            "{name} is not UTF-8: byte 0x{:02X} at line {line}, column {column}",
            bytes[at]
        ),
        Span {
            file: 0,
            offset: at as u32,
            len: e.error_len().unwrap_or(1) as u32,
        },
        "not UTF-8",
    )
    .help("KDL files are UTF-8: save the file as UTF-8 (from Latin-1, e.g. `iconv -f latin1 -t utf-8`)");
    // Up to the bad byte the text is as written; after it, replacement characters stand in.
    let lossy: Arc<str> = Arc::from(String::from_utf8_lossy(bytes).as_ref());
    let files = [(name, lossy)];
    SourceDiagnostic::attach(problem, &SourceFiles::new(&files))
}

fn alone(d: SourceDiagnostic) -> ManifestErrors {
    ManifestErrors {
        diagnostics: vec![d],
        note: None,
    }
}

pub(crate) fn io_error(path: &Path, e: &std::io::Error) -> ManifestErrors {
    alone(SourceDiagnostic::without_source(
        "roost::io",
        format!("cannot read {}: {e}", path.display()),
        Some("check the path and its permissions".into()),
    ))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        // Hidden directories (.git, editor state) are never manifests.
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "kdl") {
            out.push(path);
        }
    }
    Ok(())
}
