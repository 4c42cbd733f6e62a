//! The checksums of server files roost has computed, kept between runs so that a plan does not
//! read or download a file again when the panel's listing shows it unchanged.
//!
//! An entry is keyed by panel URL, server uuid and path, and holds the sha256 roost computed
//! together with the (size, modified_at) the listing showed at the time: it is used only while
//! the listing still shows exactly that pair, so any write behind roost's back that changes the
//! size or the modification time invalidates it. Entries are written after roost writes a file
//! (from the listing read after the write) and after it hashes a file it read or downloaded.
//! The cache never holds content. It lives in `$ROOST_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/roost`, else `~/.cache/roost` — never beside the manifests.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const FILE_NAME: &str = "file-checksums.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    size: u64,
    modified_at: String,
    sha256: String,
}

/// Which file of which server of which panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKey<'a> {
    pub panel: &'a str,
    pub server_uuid: &'a str,
    /// Normalised, no leading `/`.
    pub path: &'a str,
}

impl FileKey<'_> {
    fn text(&self) -> String {
        format!(
            "{}|{}|{}",
            self.panel.trim_end_matches('/'),
            self.server_uuid,
            self.path
        )
    }
}

/// The cache, shared by the reads of a plan and the writes of an apply (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct ChecksumCache {
    inner: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    path: Option<PathBuf>,
    entries: BTreeMap<String, Entry>,
    changed: bool,
}

impl ChecksumCache {
    /// The cache file's place: `$ROOST_CACHE_DIR`, `$XDG_CACHE_HOME/roost` or
    /// `$HOME/.cache/roost` (the first set), `None` when none is.
    pub fn default_path() -> Option<PathBuf> {
        let var = |n: &str| {
            std::env::var_os(n)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let dir = var("ROOST_CACHE_DIR")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("roost")))
            .or_else(|| var("HOME").map(|d| d.join(".cache").join("roost")))?;
        Some(dir.join(FILE_NAME))
    }

    /// The cache kept at `path` (an unreadable or corrupt file is an empty cache); `None`: in
    /// memory only.
    pub fn open(path: Option<PathBuf>) -> ChecksumCache {
        let entries = path.as_deref().map(load).unwrap_or_default();
        ChecksumCache {
            inner: Arc::new(Mutex::new(State {
                path,
                entries,
                changed: false,
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The checksum roost computed for `key` when it had this size and modification time.
    pub fn get(&self, key: &FileKey, size: u64, modified_at: &str) -> Option<String> {
        let s = self.state();
        let e = s.entries.get(&key.text())?;
        (e.size == size && e.modified_at == modified_at).then(|| e.sha256.clone())
    }

    /// Remembers `sha256` for `key` at this size and modification time.
    pub fn put(&self, key: &FileKey, size: u64, modified_at: &str, sha256: &str) {
        let entry = Entry {
            size,
            modified_at: modified_at.to_string(),
            sha256: sha256.to_string(),
        };
        let mut s = self.state();
        if s.entries.get(&key.text()) != Some(&entry) {
            s.entries.insert(key.text(), entry);
            s.changed = true;
        }
    }

    /// Writes the cache back when it changed, merged over what another run may have written
    /// since (this run's entries win), through a temporary file renamed into place.
    pub fn save(&self) -> std::io::Result<()> {
        let mut s = self.state();
        let Some(path) = s.path.clone().filter(|_| s.changed) else {
            return Ok(());
        };
        let mut merged = load(&path);
        merged.extend(s.entries.clone());
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec(&merged).unwrap_or_default())?;
        std::fs::rename(&tmp, &path)?;
        s.changed = false;
        Ok(())
    }
}

fn load(path: &Path) -> BTreeMap<String, Entry> {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: FileKey = FileKey {
        panel: "https://panel.example/",
        server_uuid: "0a1b",
        path: "plugins/x.jar",
    };

    #[test]
    fn an_entry_holds_only_for_the_same_size_and_modification_time() {
        let c = ChecksumCache::open(None);
        c.put(&KEY, 10, "2026-01-01T00:00:00+00:00", "abc");
        assert_eq!(
            c.get(&KEY, 10, "2026-01-01T00:00:00+00:00").as_deref(),
            Some("abc")
        );
        assert_eq!(c.get(&KEY, 11, "2026-01-01T00:00:00+00:00"), None);
        assert_eq!(c.get(&KEY, 10, "2026-01-01T00:00:01+00:00"), None);
        let other = FileKey {
            server_uuid: "ffff",
            ..KEY
        };
        assert_eq!(c.get(&other, 10, "2026-01-01T00:00:00+00:00"), None);
    }

    #[test]
    fn saved_entries_survive_and_merge_with_another_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        let a = ChecksumCache::open(Some(path.clone()));
        let b = ChecksumCache::open(Some(path.clone()));
        a.put(&KEY, 1, "t", "one");
        a.save().unwrap();
        let other = FileKey {
            path: "y.txt",
            ..KEY
        };
        b.put(&other, 2, "t", "two");
        b.save().unwrap();
        let c = ChecksumCache::open(Some(path.clone()));
        assert_eq!(c.get(&KEY, 1, "t").as_deref(), Some("one"));
        assert_eq!(c.get(&other, 2, "t").as_deref(), Some("two"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("content"), "{text}");
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(ChecksumCache::open(Some(path)).get(&KEY, 1, "t"), None);
    }
}
