//! Files: a child kind of servers, declared inside a server block (`file "/server.properties" {
//! source "files/lobby/server.properties" }`, or inline `content """…"""`) and addressed
//! `server.lobby/file.server.properties` (the path below the server's root, without the leading
//! `/`). Written through the Client API's file manager (client/files.md); only declared files
//! are ever written, and roost never deletes a file (there is no `prune "files"`).
//!
//! The live state of a declared file is what one listing of its directory gives (size,
//! modified_at, mode) plus its sha256 when it was needed and could be had cheaply: the text read
//! through `contents`, a checksum cached by roost for the same (size, modified_at), or a streamed
//! download. The reading happens in the caller (panel/cli); the planner only compares.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// The panels' edit limit for `files/contents` (`*_FILES_MAX_EDIT_SIZE`, 4 MiB by default):
/// larger files are never read as text.
pub const FILE_EDIT_LIMIT: u64 = 4 * 1024 * 1024;

/// The largest file a manifest may declare: Wings' default upload limit (`api.upload_limit`,
/// 100 MB), a bound on what roost reads into memory to write.
pub const FILE_SIZE_LIMIT: u64 = 100 * 1024 * 1024;

/// Where a declared file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileSource {
    /// `content """…"""`: the text, in the manifest.
    Content(String),
    /// `source "PATH"`: a file beside the manifests, as a path relative to the manifest
    /// directory (with `/`), resolved from the manifest file that names it.
    Source(String),
}

/// What a declared file holds, read when the manifests load (never serialised: the content of a
/// sensitive file must not leave memory).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileBody {
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
    /// The content when it is text (UTF-8 without NUL bytes, within [`FILE_EDIT_LIMIT`]);
    /// `None` for a binary file.
    pub text: Option<String>,
}

impl FileBody {
    /// The body of `bytes`: text when it reads as such.
    pub fn of(bytes: &[u8]) -> FileBody {
        FileBody {
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            text: file_text(bytes).map(str::to_string),
        }
    }
}

/// `bytes` as text, when a text diff of them makes sense: UTF-8, no NUL byte, within the edit
/// limit (what `files/contents` can return unchanged).
pub fn file_text(bytes: &[u8]) -> Option<&str> {
    if bytes.len() as u64 > FILE_EDIT_LIMIT || bytes.contains(&0) {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut h = Sha256Stream::new();
    h.update(bytes);
    h.finish()
}

/// SHA-256 fed in chunks (a streamed download), lowercase hex at the end.
#[derive(Debug, Clone, Default)]
pub struct Sha256Stream(sha2::Sha256);

impl Sha256Stream {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn update(&mut self, chunk: &[u8]) {
        self.0.update(chunk);
    }
    pub fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A file of a server, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerFile {
    /// Below the server's root, normalised: no leading `/`, no `.`, `..` or empty component
    /// (`config/paper.yml`). Also the file's key under its server.
    pub path: String,
    pub source: FileSource,
    /// Shown as checksums only, never as content.
    #[serde(default)]
    pub sensitive: bool,
    /// A change restarts the server after the server's file writes.
    #[serde(default)]
    pub restart_on_change: bool,
    #[serde(skip)]
    #[schemars(skip)]
    pub body: FileBody,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
    /// Where the `source`/`content` value is written.
    #[serde(skip)]
    #[schemars(skip)]
    pub source_origin: Origin,
}

impl ServerFile {
    /// The path as the file manager takes it: `/config/paper.yml`.
    pub fn absolute(&self) -> String {
        format!("/{}", self.path)
    }
}

/// A declared file as the panel holds it: its directory's listing, and what roost learnt of
/// its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveFile {
    /// The Application API id of its server.
    pub server_id: u64,
    /// As declared (normalised, no leading `/`).
    pub path: String,
    pub size: u64,
    /// As Wings reports it (RFC 3339 in the node's timezone).
    pub modified_at: String,
    /// Octal: `644`.
    pub mode: String,
    /// Known when the text was read, a cached checksum held for this (size, modified_at), or
    /// the file was downloaded; `None` when the size alone proves it differs.
    pub sha256: Option<String>,
    /// The content, read through `files/contents` (a text file within the edit limit whose
    /// bytes came back unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// What reading a declared file needs to know to choose its cheapest read: a size that differs
/// proves a change without reading, a text file is read for its diff, a binary of the same size
/// is hashed (unless a cached checksum holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWant {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// The declared content is text (the live one can be read through `files/contents`).
    pub text: bool,
    /// The plan shows a diff (text, not sensitive): the live text is kept.
    pub diff: bool,
}

impl From<&ServerFile> for FileWant {
    fn from(f: &ServerFile) -> FileWant {
        FileWant {
            path: f.path.clone(),
            size: f.body.size,
            sha256: f.body.sha256.clone(),
            text: f.body.text.is_some(),
            diff: f.body.text.is_some() && !f.sensitive,
        }
    }
}

/// Why a path cannot be a declared file's; `Ok` is the normalised path (`a/b.txt`).
pub fn normalize_file_path(path: &str) -> Result<String, &'static str> {
    if path.contains('\0') {
        return Err("a path cannot contain a NUL byte");
    }
    if path.contains('\\') {
        return Err("write paths with `/`, not `\\`");
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("`..` would leave the server's directory"),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err("the path names the server's root directory, not a file");
    }
    if path.ends_with('/') {
        return Err("the path ends with `/`: it names a directory, not a file");
    }
    Ok(parts.join("/"))
}

/// The directory a normalised path lives in, as `files/list` takes it (`/`, `/config`).
pub fn file_directory(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("/{dir}"),
        None => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_and_never_leave_the_volume() {
        assert_eq!(
            normalize_file_path("/server.properties").unwrap(),
            "server.properties"
        );
        assert_eq!(
            normalize_file_path("./config//paper.yml").unwrap(),
            "config/paper.yml"
        );
        assert!(normalize_file_path("/../etc/passwd").is_err());
        assert!(normalize_file_path("config/../../x").is_err());
        assert!(normalize_file_path("/").is_err());
        assert!(normalize_file_path("config/").is_err());
        assert_eq!(file_directory("config/paper.yml"), "/config");
        assert_eq!(file_directory("server.properties"), "/");
    }

    #[test]
    fn text_is_utf8_without_nul_within_the_edit_limit() {
        assert_eq!(FileBody::of(b"motd=hi\n").text.as_deref(), Some("motd=hi\n"));
        assert_eq!(FileBody::of(b"PK\x03\x04\0\0").text, None);
        assert_eq!(FileBody::of(&[0xff, 0xfe]).text, None);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut s = Sha256Stream::new();
        s.update(b"a");
        s.update(b"bc");
        assert_eq!(s.finish(), sha256_hex(b"abc"));
    }
}
