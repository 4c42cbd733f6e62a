//! Wings' file routes (`/api/servers/{uuid}/files/...`, WPT/WPL `router/router_server_files.go`)
//! on a server's in-memory volume, with each daemon's answers: the denylist (403), the disk
//! limit (400, compress 409), paths that leave the volume (404) and the dialect differences of
//! client/files.md.

use super::archive::{self, Entries};
use super::tree::{Entry, Tree, base_name, denied, parent, resolve};
use crate::client::wings::{WingsAnswer, WingsError};
use crate::util::ts_iso;
use roost_model::Dialect;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};

pub const DENIED: &str = "This file cannot be modified: present in egg denylist.";
pub const NO_SPACE: &str = "There is not enough disk space available to perform that action.";
const NOT_FOUND: &str = "The requested resources was not found on the system.";

/// What a file operation needs to know besides the volume.
pub struct FsCx<'a> {
    pub d: Dialect,
    pub denylist: &'a [String],
    /// The server's `disk` limit in bytes; None = unlimited.
    pub disk_limit: Option<u64>,
    pub now: i64,
}

pub type Answer = Result<WingsAnswer, WingsError>;

/// A daemon error with a request id, as Wings' error middleware writes it.
pub fn fail(status: u16, error: &str) -> WingsError {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    WingsError::Status {
        status,
        error: error.to_string(),
        request_id: Some(format!("00000000-0000-4000-8000-{n:012x}")),
    }
}

fn s<'a>(body: &'a Value, k: &str) -> &'a str {
    body.get(k).and_then(Value::as_str).unwrap_or("")
}

fn at(root: &str, name: &str) -> Result<String, WingsError> {
    resolve(root, name).ok_or_else(|| fail(404, NOT_FOUND))
}

impl FsCx<'_> {
    fn denied(&self, path: &str) -> bool {
        denied(self.denylist, path)
    }

    /// Whether growing the volume by `grow` bytes stays within the disk limit.
    fn fits(&self, tree: &Tree, grow: u64) -> bool {
        self.disk_limit
            .is_none_or(|limit| tree.used_bytes().saturating_add(grow) <= limit)
    }
}

/// One file route; `raw` is the request body of `write` (bytes, as Wings writes them).
pub fn handle(tree: &mut Tree, cx: &FsCx, route: &str, body: &Value, raw: &[u8]) -> Answer {
    match route {
        "list-directory" => list(
            tree,
            cx,
            body.get("directory").and_then(Value::as_str).unwrap_or("/"),
        ),
        "contents" => contents(tree, cx, s(body, "file")),
        "write" => write(tree, cx, s(body, "file"), raw),
        "create-directory" => create_directory(tree, cx, body),
        "rename" => rename(tree, cx, body),
        "copy" => copy(tree, cx, s(body, "location")),
        "delete" => delete(tree, cx, body),
        "chmod" => chmod(tree, body),
        "compress" => compress(tree, cx, body),
        "decompress" => decompress(tree, cx, body),
        // A remote download runs in the background; the sim has no network to fetch from.
        "pull" => Ok(WingsAnswer::Accepted),
        _ => Err(fail(
            404,
            "The requested resource does not exist on this instance.",
        )),
    }
}

fn list(tree: &Tree, cx: &FsCx, dir: &str) -> Answer {
    let missing = match cx.d {
        Dialect::Pterodactyl => NOT_FOUND,
        Dialect::Pelican => "The requested directory was not found on the server.",
    };
    let path = at("/", dir)?;
    if !tree.is_dir(&path) {
        return Err(fail(404, missing));
    }
    let items = tree
        .children(&path)
        .into_iter()
        .map(|(name, e)| Tree::stat(&name, e))
        .collect();
    Ok(WingsAnswer::Json(Value::Array(items)))
}

fn contents(tree: &Tree, cx: &FsCx, file: &str) -> Answer {
    let path = at("/", file)?;
    if cx.d == Dialect::Pelican && cx.denied(&path) {
        return Err(fail(403, DENIED));
    }
    match tree.get(&path) {
        None => Err(fail(404, NOT_FOUND)),
        Some(e) if e.is_dir() => Err(fail(
            400,
            "Cannot perform that action: file is a directory.",
        )),
        Some(e) => Ok(WingsAnswer::Bytes(e.content.clone().unwrap_or_default())),
    }
}

/// Writes (creates or truncates) a file, parents created, mode 0644 for new files.
pub fn write(tree: &mut Tree, cx: &FsCx, file: &str, content: &[u8]) -> Answer {
    let path = at("/", file)?;
    if content.is_empty() && cx.d == Dialect::Pterodactyl {
        return Err(fail(400, "Missing Content-Length."));
    }
    if cx.denied(&path) {
        return Err(fail(403, DENIED));
    }
    if tree.is_dir(&path) {
        return Err(fail(
            400,
            "Cannot write file, name conflicts with an existing directory by the same name.",
        ));
    }
    let old = tree.get(&path).map_or(0, Entry::size);
    if !cx.fits(tree, (content.len() as u64).saturating_sub(old)) {
        return Err(fail(400, NO_SPACE));
    }
    tree.make_parents(&path, cx.now).map_err(|_| {
        fail(
            400,
            "Part of the path being created is not a directory (ENOTDIR).",
        )
    })?;
    let entry = match tree.entries.remove(&path) {
        Some(mut e) => {
            e.content = Some(content.to_vec());
            e.modified = cx.now;
            e
        }
        None => Entry::file(content.to_vec(), cx.now),
    };
    tree.entries.insert(path, entry);
    Ok(WingsAnswer::Accepted)
}

fn create_directory(tree: &mut Tree, cx: &FsCx, body: &Value) -> Answer {
    let root = body.get("root").and_then(Value::as_str).unwrap_or("/");
    let path = at(root, s(body, "name"))?;
    let enotdir = || {
        fail(
            400,
            "Part of the path being created is not a directory (ENOTDIR).",
        )
    };
    // An existing directory is fine; an existing file only fails on Pelican's Wings.
    if let Some(e) = tree.get(&path) {
        return match e.is_dir() || cx.d == Dialect::Pterodactyl {
            true => Ok(WingsAnswer::Accepted),
            false => Err(enotdir()),
        };
    }
    tree.make_parents(&path, cx.now).map_err(|_| enotdir())?;
    tree.entries.insert(path, Entry::dir(cx.now));
    Ok(WingsAnswer::Accepted)
}

fn pairs(body: &Value) -> Vec<(&str, &str)> {
    body.get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|f| (s(f, "from"), s(f, "to")))
        .collect()
}

fn rename(tree: &mut Tree, cx: &FsCx, body: &Value) -> Answer {
    let root = s(body, "root");
    for (from, to) in pairs(body) {
        let (src, dst) = (at(root, from)?, at(root, to)?);
        if cx.denied(&src) || cx.denied(&dst) {
            return Err(fail(403, DENIED));
        }
        // A missing source is skipped without a word.
        if src.is_empty() || !tree.exists(&src) {
            continue;
        }
        if tree.exists(&dst) {
            return Err(fail(
                400,
                "Cannot move or rename file, destination already exists.",
            ));
        }
        tree.make_parents(&dst, cx.now).map_err(|_| {
            fail(
                400,
                "Part of the path being created is not a directory (ENOTDIR).",
            )
        })?;
        for (k, e) in tree.subtree(&src) {
            tree.entries.remove(&k);
            let moved = format!("{dst}{}", &k[src.len()..]);
            tree.entries.insert(moved, e);
        }
    }
    Ok(WingsAnswer::Accepted)
}

/// `name copy.ext`, then `name copy 1.ext` … `copy 50` (`.tar.gz` is one extension).
fn copy_name(tree: &Tree, path: &str) -> Option<String> {
    let base = base_name(path);
    let (stem, ext) = if let Some(stem) = base.strip_suffix(".tar.gz") {
        (stem, ".tar.gz")
    } else {
        match base.rfind('.') {
            Some(i) if i > 0 => (&base[..i], &base[i..]),
            _ => (base, ""),
        }
    };
    let dir = parent(path);
    let join = |n: String| {
        if dir.is_empty() {
            n
        } else {
            format!("{dir}/{n}")
        }
    };
    std::iter::once(join(format!("{stem} copy{ext}")))
        .chain((1..=50).map(|i| join(format!("{stem} copy {i}{ext}"))))
        .find(|c| !tree.exists(c))
}

fn copy(tree: &mut Tree, cx: &FsCx, location: &str) -> Answer {
    let path = at("/", location)?;
    if cx.denied(&path) {
        return Err(fail(403, DENIED));
    }
    let Some(e) = tree.get(&path).filter(|e| !e.is_dir()).cloned() else {
        return Err(fail(404, NOT_FOUND));
    };
    if !cx.fits(tree, e.size()) {
        return Err(fail(400, NO_SPACE));
    }
    let name =
        copy_name(tree, &path).ok_or_else(|| fail(400, "Too many copies of this file exist."))?;
    tree.entries.insert(
        name,
        Entry {
            created: cx.now,
            modified: cx.now,
            ..e
        },
    );
    Ok(WingsAnswer::Accepted)
}

fn names(body: &Value) -> Vec<&str> {
    body.get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Recursive. WPT: missing entries pass, no denylist; WPL: a missing entry is a 404 and
/// denylisted entries are silently kept.
fn delete(tree: &mut Tree, cx: &FsCx, body: &Value) -> Answer {
    let root = s(body, "root");
    for name in names(body) {
        let path = at(root, name)?;
        if path.is_empty() {
            continue;
        }
        if !tree.exists(&path) {
            if cx.d == Dialect::Pelican {
                return Err(fail(404, NOT_FOUND));
            }
            continue;
        }
        if cx.d == Dialect::Pelican {
            let keep: Vec<String> = tree
                .subtree(&path)
                .into_iter()
                .map(|(k, _)| k)
                .filter(|k| cx.denied(k))
                .collect();
            if !keep.is_empty() {
                for (k, _) in tree.subtree(&path) {
                    let needed = keep
                        .iter()
                        .any(|kept| kept == &k || kept.starts_with(&format!("{k}/")));
                    if !needed {
                        tree.entries.remove(&k);
                    }
                }
                continue;
            }
        }
        tree.remove_subtree(&path);
    }
    Ok(WingsAnswer::Accepted)
}

/// `mode` must be a string of octal digits (a JSON number cannot be bound: 400).
fn chmod(tree: &mut Tree, body: &Value) -> Answer {
    let root = s(body, "root");
    let items = body
        .get("files")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for item in &items {
        let mode = match item.get("mode") {
            Some(Value::String(m)) => m.clone(),
            _ => {
                return Err(fail(
                    400,
                    "json: cannot unmarshal number into Go struct field .files.mode of type string",
                ));
            }
        };
        let bits = u32::from_str_radix(&mode, 8).map_err(|_| fail(400, "Invalid file mode."))?;
        let path = at(root, s(item, "file"))?;
        if let Some(e) = tree.entries.get_mut(&path) {
            e.mode = bits & 0o7777;
        }
    }
    Ok(WingsAnswer::Accepted)
}

/// The archive's file name: WPT always `archive-<time>.tar.gz`; WPL honours `name` and
/// `extension` (unknown → tar.gz).
fn archive_name(cx: &FsCx, body: &Value) -> String {
    let stamp = ts_iso(cx.now).replace(':', "");
    let ext = match (cx.d, s(body, "extension")) {
        (
            Dialect::Pelican,
            e @ ("zip" | "tgz" | "tar.gz" | "txz" | "tar.xz" | "tbz2" | "tar.bz2"),
        ) => e,
        _ => "tar.gz",
    };
    match (cx.d, s(body, "name")) {
        (Dialect::Pelican, n) if !n.is_empty() => format!("{n}.{ext}"),
        _ => format!("archive-{stamp}.{ext}"),
    }
}

fn compress(tree: &mut Tree, cx: &FsCx, body: &Value) -> Answer {
    let root = at("/", body.get("root").and_then(Value::as_str).unwrap_or("/"))?;
    let mut paths = Vec::new();
    for name in names(body) {
        let p = at(&root, name)?;
        if tree.exists(&p) && !(cx.d == Dialect::Pelican && cx.denied(&p)) {
            paths.push(p);
        }
    }
    if paths.is_empty() {
        return Err(fail(400, "No files were found to add to the archive."));
    }
    let entries = archive::collect(tree, &root, &paths, |k| {
        cx.d == Dialect::Pterodactyl || !cx.denied(k)
    });
    let bytes = archive::pack(&entries);
    if !cx.fits(tree, bytes.len() as u64) {
        return Err(fail(
            409,
            "This server does not have enough available disk space to generate a compressed archive.",
        ));
    }
    let name = archive_name(cx, body);
    let path = if root.is_empty() {
        name.clone()
    } else {
        format!("{root}/{name}")
    };
    let entry = Entry::file(bytes, cx.now);
    let stat = Tree::stat(&name, &entry);
    tree.entries.insert(path, entry);
    Ok(WingsAnswer::Json(stat))
}

fn decompress(tree: &mut Tree, cx: &FsCx, body: &Value) -> Answer {
    let root = at("/", body.get("root").and_then(Value::as_str).unwrap_or("/"))?;
    let path = at(&root, s(body, "file"))?;
    let Some(bytes) = tree.get(&path).and_then(|e| e.content.clone()) else {
        return Err(fail(404, NOT_FOUND));
    };
    let entries = archive::unpack(&bytes).ok_or_else(|| {
        fail(
            400,
            "The archive provided is in a format Wings does not understand.",
        )
    })?;
    if !cx.fits(tree, archive::content_bytes(&entries)) {
        return Err(fail(400, NO_SPACE));
    }
    extract(tree, &root, entries, cx.now);
    Ok(WingsAnswer::Accepted)
}

/// Puts archive entries under `root` (overwriting what is there).
pub fn extract(tree: &mut Tree, root: &str, entries: Entries, now: i64) {
    for (rel, e) in entries {
        let path = if root.is_empty() {
            rel
        } else {
            format!("{root}/{rel}")
        };
        if tree.make_parents(&path, now).is_ok() {
            tree.entries.insert(path, e);
        }
    }
}
