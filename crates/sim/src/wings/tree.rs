//! A server's volume: an in-memory file tree with paths resolved inside the volume, modes,
//! times, the egg's denylist (gitignore-style patterns) and the disk limit. The file routes
//! (`files.rs`) and archives (`archive.rs`) work on it.

use crate::util::ts_iso;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A file or directory of the volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// None for a directory.
    pub content: Option<Vec<u8>>,
    pub mode: u32,
    pub created: i64,
    pub modified: i64,
}

impl Entry {
    pub fn file(content: Vec<u8>, now: i64) -> Entry {
        Entry {
            content: Some(content),
            mode: 0o644,
            created: now,
            modified: now,
        }
    }
    pub fn dir(now: i64) -> Entry {
        Entry {
            content: None,
            mode: 0o755,
            created: now,
            modified: now,
        }
    }
    pub fn is_dir(&self) -> bool {
        self.content.is_none()
    }
    pub fn size(&self) -> u64 {
        self.content.as_ref().map_or(4096, |c| c.len() as u64)
    }
}

/// Paths are keys without a leading slash (`a/b.txt`); the root is `""` and always exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub entries: BTreeMap<String, Entry>,
}

/// Resolves `root` + `name` inside the volume: `.` and empty parts vanish, `..` climbs; a
/// path that climbs out is refused (Wings answers those with 404).
pub fn resolve(root: &str, name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let joined = if name.starts_with('/') {
        name.to_string()
    } else {
        format!("{root}/{name}")
    };
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

pub fn base_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, b)| b)
}

/// `*` and `?` within one path part.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], name)
                || (!name.is_empty() && name[0] != b'/' && glob(pattern, &name[1..]))
        }
        (Some(b'?'), Some(c)) if *c != b'/' => glob(&pattern[1..], &name[1..]),
        (Some(p), Some(c)) if p == c => glob(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// Whether one gitignore-style pattern matches the path or one of its parent directories:
/// a pattern with a slash is anchored at the volume root, one without matches any part.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let p = pattern.trim().trim_end_matches('/');
    if p.is_empty() || p.starts_with('#') {
        return false;
    }
    let prefixes = path
        .char_indices()
        .filter(|(_, c)| *c == '/')
        .map(|(i, _)| &path[..i])
        .chain(std::iter::once(path));
    let anchored = p.contains('/');
    let p = p.trim_start_matches('/');
    prefixes.into_iter().any(|prefix| {
        if anchored {
            glob(p.as_bytes(), prefix.as_bytes())
        } else {
            glob(p.as_bytes(), base_name(prefix).as_bytes())
        }
    })
}

/// The egg's `file_denylist`: later `!` patterns re-allow what earlier ones denied.
pub fn denied(patterns: &[String], path: &str) -> bool {
    let mut out = false;
    for p in patterns {
        if let Some(neg) = p.strip_prefix('!') {
            if pattern_matches(neg, path) {
                out = false;
            }
        } else if pattern_matches(p, path) {
            out = true;
        }
    }
    out
}

/// `-rw-r--r--` from the permission bits.
pub fn mode_string(dir: bool, mode: u32) -> String {
    let mut s = String::from(if dir { "d" } else { "-" });
    for shift in [6, 3, 0] {
        let b = (mode >> shift) & 7;
        s.push(if b & 4 != 0 { 'r' } else { '-' });
        s.push(if b & 2 != 0 { 'w' } else { '-' });
        s.push(if b & 1 != 0 { 'x' } else { '-' });
    }
    s
}

/// The mimetype Wings reports (directories `inode/directory`, archives by extension, text
/// with its charset).
fn mimetype(name: &str, e: &Entry) -> &'static str {
    let Some(content) = &e.content else {
        return "inode/directory";
    };
    let lower = name.to_lowercase();
    if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        "application/tar+gzip"
    } else if lower.ends_with(".zip") {
        "application/zip"
    } else if lower.ends_with(".tar.xz") || lower.ends_with(".txz") {
        "application/x-xz"
    } else if lower.ends_with(".tar.bz2") || lower.ends_with(".tbz2") {
        "application/x-bzip2"
    } else if std::str::from_utf8(content).is_ok() {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

impl Tree {
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    pub fn is_dir(&self, path: &str) -> bool {
        path.is_empty() || self.get(path).is_some_and(Entry::is_dir)
    }

    pub fn exists(&self, path: &str) -> bool {
        path.is_empty() || self.entries.contains_key(path)
    }

    /// Bytes of file content in the volume (what counts against the disk limit).
    pub fn used_bytes(&self) -> u64 {
        self.entries
            .values()
            .filter_map(|e| e.content.as_ref())
            .map(|c| c.len() as u64)
            .sum()
    }

    /// Creates the missing directories above `path`; Err(the part) when one is a file.
    pub fn make_parents(&mut self, path: &str, now: i64) -> Result<(), String> {
        let mut at = String::new();
        for part in parent(path).split('/').filter(|p| !p.is_empty()) {
            if !at.is_empty() {
                at.push('/');
            }
            at.push_str(part);
            match self.entries.get(&at) {
                Some(e) if !e.is_dir() => return Err(at),
                Some(_) => {}
                None => {
                    self.entries.insert(at.clone(), Entry::dir(now));
                }
            }
        }
        Ok(())
    }

    /// The path and everything under it.
    pub fn subtree(&self, path: &str) -> Vec<(String, Entry)> {
        let prefix = format!("{path}/");
        self.entries
            .iter()
            .filter(|(k, _)| path.is_empty() || *k == path || k.starts_with(&prefix))
            .map(|(k, e)| (k.clone(), e.clone()))
            .collect()
    }

    pub fn remove_subtree(&mut self, path: &str) {
        for (k, _) in self.subtree(path) {
            self.entries.remove(&k);
        }
    }

    /// The direct children of a directory, directories first, then by name.
    pub fn children(&self, dir: &str) -> Vec<(String, &Entry)> {
        let mut out: Vec<(String, &Entry)> = self
            .entries
            .iter()
            .filter(|(k, _)| !k.is_empty() && parent(k) == dir)
            .map(|(k, e)| (base_name(k).to_string(), e))
            .collect();
        out.sort_by(|a, b| b.1.is_dir().cmp(&a.1.is_dir()).then(a.0.cmp(&b.0)));
        out
    }

    /// Wings' stat object of an entry.
    pub fn stat(name: &str, e: &Entry) -> Value {
        json!({
            "name": name,
            "created": ts_iso(e.created),
            "modified": ts_iso(e.modified),
            "mode": mode_string(e.is_dir(), e.mode),
            "mode_bits": format!("{:o}", e.mode),
            "size": e.size(),
            "directory": e.is_dir(),
            "file": !e.is_dir(),
            "symlink": false,
            "mime": mimetype(name, e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_volume() {
        assert_eq!(resolve("/", "a/./b//c.txt").as_deref(), Some("a/b/c.txt"));
        assert_eq!(resolve("/x", "../y").as_deref(), Some("y"));
        assert_eq!(resolve("/", "../etc/passwd"), None);
        assert_eq!(resolve("/sub", "/abs").as_deref(), Some("abs"));
    }

    #[test]
    fn the_denylist_reads_like_gitignore() {
        let p = vec![
            "*.jar".to_string(),
            "config/secret.yml".into(),
            "logs/".into(),
            "!keep.jar".into(),
        ];
        assert!(denied(&p, "server.jar"));
        assert!(denied(&p, "plugins/x.jar"));
        assert!(!denied(&p, "keep.jar"));
        assert!(denied(&p, "config/secret.yml"));
        assert!(!denied(&p, "other/config/secret.yml"));
        assert!(denied(&p, "logs/latest.log"));
        assert!(!denied(&p, "server.properties"));
    }

    #[test]
    fn modes_render_as_wings_does() {
        assert_eq!(mode_string(false, 0o644), "-rw-r--r--");
        assert_eq!(mode_string(true, 0o755), "drwxr-xr-x");
    }
}
