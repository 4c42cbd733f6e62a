//! A multiply-rotate hash (the FxHash scheme rustc uses) for maps keyed by addresses: a word
//! at a time, a few instructions each. Not for keys an attacker chooses.

use std::hash::{BuildHasherDefault, Hasher};

/// The hasher's state.
#[derive(Default)]
pub(crate) struct Fast(u64);

/// Builds [`Fast`] hashers for `HashMap::with_hasher`/`default`.
pub(crate) type Build = BuildHasherDefault<Fast>;

const K: u64 = 0xf135_7aea_2e62_a9c5;

impl Fast {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(26) ^ word).wrapping_mul(K);
    }
}

impl Hasher for Fast {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash(v: impl Hash) -> u64 {
        Build::default().hash_one(v)
    }

    #[test]
    fn equal_keys_hash_alike_and_near_keys_apart() {
        assert_eq!(hash("server.lobby"), hash("server.lobby"));
        assert_ne!(hash("server.lobby"), hash("server.lobbz"));
        // The tail shorter than a word counts too, and so does its length.
        assert_ne!(hash("server.lobby-1"), hash("server.lobby-2"));
        assert_ne!(hash(("a", "bc")), hash(("ab", "c")));
    }
}
