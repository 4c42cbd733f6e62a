//! Archives the emulated daemon writes and reads: compressed files in the volume and backup
//! archives. The sim does not compress; an archive is a recognisable header and the entries as
//! JSON, so `decompress` and `restore` can put back exactly what was stored, and anything else
//! is "a format Wings does not understand".

use super::tree::{Entry, Tree};
use std::collections::BTreeMap;

const MAGIC: &[u8] = b"ROOST-SIM-ARCHIVE\n";

/// Entries by path relative to the archive's root.
pub type Entries = BTreeMap<String, Entry>;

pub fn pack(entries: &Entries) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend(serde_json::to_vec(entries).unwrap_or_default());
    out
}

pub fn unpack(bytes: &[u8]) -> Option<Entries> {
    serde_json::from_slice(bytes.strip_prefix(MAGIC)?).ok()
}

/// The named paths under `root` (each with its subtree), relative to `root`; `keep` filters.
pub fn collect(tree: &Tree, root: &str, paths: &[String], keep: impl Fn(&str) -> bool) -> Entries {
    let mut out = Entries::new();
    for p in paths {
        for (k, e) in tree.subtree(p) {
            if k.is_empty() || !keep(&k) {
                continue;
            }
            let rel = if root.is_empty() {
                k.clone()
            } else {
                k.strip_prefix(&format!("{root}/"))
                    .unwrap_or(&k)
                    .to_string()
            };
            out.insert(rel, e);
        }
    }
    out
}

/// Bytes of file content in the entries.
pub fn content_bytes(entries: &Entries) -> u64 {
    entries
        .values()
        .filter_map(|e| e.content.as_ref())
        .map(|c| c.len() as u64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_packed_unpacks_and_other_bytes_do_not() {
        let mut e = Entries::new();
        e.insert("a.txt".into(), Entry::file(b"hi".to_vec(), 1));
        assert_eq!(unpack(&pack(&e)), Some(e));
        assert_eq!(unpack(b"PK\x03\x04 real zip"), None);
    }
}
