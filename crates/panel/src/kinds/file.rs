//! Declared files, read through the Client API's file manager (`client_api/files.rs` holds the
//! endpoints) at the least cost that still tells whether each differs from its declaration:
//!
//! 1. one `files/list` per directory holding declared files: size, modified_at, mode;
//! 2. a checksum roost computed before for the same (size, modified_at) ([`ChecksumCache`])
//!    settles the file with no further request (unless a diff must be shown);
//! 3. a size that differs proves a change: only a text file shown as a diff is read then;
//! 4. otherwise a text file within the edit limit is read with `files/contents` (its text serves
//!    the diff too) and a binary one hashed by streaming a signed download (never stored);
//!    a text Pelican converted to UTF-8 (length ≠ the listed size) is downloaded instead.
//!
//! Every request counts in `live.refresh_requests`; each checksum computed goes to the cache.

use crate::client_api::{ClientApi, FileObject};
use crate::error::PanelError;
use crate::file_cache::{ChecksumCache, FileKey};
use roost_model::{
    FILE_EDIT_LIMIT, FileWant, Kind, Live, LiveFile, ServerLevelRead, file_directory, file_text,
    sha256_hex,
};
use std::collections::BTreeMap;

/// The declared files of one server to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesToRead {
    pub server_id: u64,
    /// The Client API's handle.
    pub identifier: String,
    /// The cache's key.
    pub uuid: String,
    pub files: Vec<FileWant>,
}

/// Reading a declared file failed (other than the server being busy, which is recorded).
#[derive(Debug, thiserror::Error)]
#[error("cannot read /{path} of server {server}: {source}")]
pub struct FileReadError {
    pub server: String,
    pub path: String,
    #[source]
    pub source: PanelError,
}

/// Reads the declared files of `servers` into `live.files`, marking each server's files read
/// (or unreadable: 409) in `live.server_level`.
pub async fn read_files(
    api: &ClientApi,
    cache: &ChecksumCache,
    servers: &[FilesToRead],
    live: &mut Live,
) -> Result<(), FileReadError> {
    for s in servers {
        match read_server(api, cache, s, live).await {
            Ok(files) => {
                live.files.extend(files);
                let entry = live
                    .server_level
                    .entry(s.server_id)
                    .or_insert(ServerLevelRead::Read(Vec::new()));
                if let ServerLevelRead::Read(kinds) = entry {
                    kinds.push(Kind::File);
                }
            }
            Err((_, PanelError::StateConflict { state, .. })) => {
                live.server_level.insert(
                    s.server_id,
                    ServerLevelRead::Unreadable(format!("the server is {state} (409)")),
                );
            }
            Err((path, source)) => {
                return Err(FileReadError {
                    server: s.identifier.clone(),
                    path,
                    source,
                });
            }
        }
    }
    Ok(())
}

type Failed = (String, PanelError);

async fn read_server(
    api: &ClientApi,
    cache: &ChecksumCache,
    s: &FilesToRead,
    live: &mut Live,
) -> Result<Vec<LiveFile>, Failed> {
    let mut by_dir: BTreeMap<String, Vec<&FileWant>> = BTreeMap::new();
    for f in &s.files {
        by_dir.entry(file_directory(&f.path)).or_default().push(f);
    }
    let listings = list_directories(api, s, by_dir.keys(), live).await?;
    let mut out = Vec::new();
    for (dir, wants) in by_dir {
        let Some(listing) = listings.get(&dir) else {
            // A missing directory holds none of them.
            continue;
        };
        for want in wants {
            let name = want.path.rsplit('/').next().unwrap_or(&want.path);
            let Some(entry) = listing.iter().find(|e| e.name == name) else {
                continue;
            };
            let file = read_one(api, cache, s, want, entry, live)
                .await
                .map_err(|e| (want.path.clone(), e))?;
            out.push(file);
        }
    }
    Ok(out)
}

/// The listings of `dirs`, each listed only once its parent's listing shows it exists: Wings
/// answers a missing directory with 404, which Pelican's panel turns into a 500 like any other
/// daemon error, so a missing one must never be asked for. Missing directories are left out.
async fn list_directories<'a>(
    api: &ClientApi,
    s: &FilesToRead,
    dirs: impl Iterator<Item = &'a String>,
    live: &mut Live,
) -> Result<BTreeMap<String, Vec<FileObject>>, Failed> {
    // Every directory on the way, parents first.
    let mut all: Vec<String> = Vec::new();
    for d in dirs {
        let mut at = String::new();
        all.push("/".to_string());
        for part in d.split('/').filter(|p| !p.is_empty()) {
            at = format!("{at}/{part}");
            all.push(at.clone());
        }
    }
    all.sort_by_key(|d| (d.matches('/').count(), d.clone()));
    all.dedup();
    let mut listings: BTreeMap<String, Vec<FileObject>> = BTreeMap::new();
    for dir in all {
        if dir != "/" {
            let (parent, name) = dir.rsplit_once('/').unwrap_or(("", &dir));
            let parent = if parent.is_empty() { "/" } else { parent };
            let exists = listings
                .get(parent)
                .is_some_and(|l| l.iter().any(|e| e.name == name && !e.is_file));
            if !exists {
                continue;
            }
        }
        live.refresh_requests += 1;
        match api.list_files(&s.identifier, &dir).await {
            Ok(l) => {
                listings.insert(dir, l);
            }
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err((dir.trim_start_matches('/').to_string(), e)),
        }
    }
    Ok(listings)
}

/// One listed file: its checksum and text as far as they are needed.
async fn read_one(
    api: &ClientApi,
    cache: &ChecksumCache,
    s: &FilesToRead,
    want: &FileWant,
    entry: &FileObject,
    live: &mut Live,
) -> Result<LiveFile, PanelError> {
    let panel = api.base_url().to_string();
    let key = FileKey {
        panel: &panel,
        server_uuid: &s.uuid,
        path: &want.path,
    };
    let modified_at = entry.modified_at.clone().unwrap_or_default();
    let mut file = LiveFile {
        server_id: s.server_id,
        path: want.path.clone(),
        size: entry.size,
        modified_at: modified_at.clone(),
        mode: entry.mode_bits.clone(),
        sha256: None,
        text: None,
    };
    if !entry.is_file {
        // A directory of that name: the write will say so.
        return Ok(file);
    }
    let absolute = format!("/{}", want.path);
    let cached = cache.get(&key, entry.size, &modified_at);
    let same_size = entry.size == want.size;
    let within = entry.size <= FILE_EDIT_LIMIT;
    let differs_known = cached.as_ref().is_some_and(|c| *c != want.sha256) || !same_size;
    let settled = cached.as_ref().is_some_and(|c| *c == want.sha256);
    let read_text = !settled
        && want.text
        && within
        && (same_size && cached.is_none() || (want.diff && differs_known));
    file.sha256 = cached;
    if read_text {
        live.refresh_requests += 1;
        let bytes = api.file_contents(&s.identifier, &absolute).await?;
        // Unchanged bytes only: Pelican converts other encodings to UTF-8.
        if bytes.len() as u64 == entry.size {
            let sha = sha256_hex(&bytes);
            cache.put(&key, entry.size, &modified_at, &sha);
            file.sha256 = Some(sha);
            if want.diff {
                file.text = file_text(&bytes).map(str::to_string);
            }
            return Ok(file);
        }
    }
    if file.sha256.is_none() && same_size {
        live.refresh_requests += 2;
        let url = api.file_download_url(&s.identifier, &absolute).await?;
        let (read, sha) = api.hash_signed(&url).await?;
        if read == entry.size {
            cache.put(&key, entry.size, &modified_at, &sha);
        }
        file.sha256 = Some(sha);
    }
    Ok(file)
}
