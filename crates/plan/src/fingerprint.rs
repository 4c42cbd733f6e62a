//! Fingerprints of live objects: a saved plan remembers them, and `apply` refuses the plan if the
//! panel no longer matches.

use roost_model::Live;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// FNV-1a, 64 bit: stable across runs and platforms (unlike `DefaultHasher`), and dependency-free.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// FNV-1a over the bytes written to it: the JSON of an object hashed as it is serialised, with
/// no buffer per object (the same value as `fnv1a` of the whole JSON).
struct Fnv(u64);

impl std::io::Write for Fnv {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hash<T: Serialize + ?Sized>(v: &T) -> String {
    let mut h = Fnv(fnv1a(b""));
    // Serialising the live model cannot fail (string keys, no custom errors); were it to, the
    // hash of what was written so far still changes with the object.
    let _ = serde_json::to_writer(&mut h, v);
    format!("{:016x}", h.0)
}

/// One entry per live object (`server:12` → hash), plus the number of objects of each kind
/// (`count:server`), so that objects created since are noticed too. The values of `sensitive`
/// egg variables are left out: the other fields are in the plan, and with them a hash would
/// give a short secret away. `apply` compares those variables itself (`recheck_secrets`).
pub fn fingerprints(live: &Live, sensitive: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut add = |kind: &str, id: u64, h: String| {
        out.insert(format!("{kind}:{id}"), h);
    };
    for x in &live.locations {
        add("location", x.id, hash(x));
    }
    for x in &live.nodes {
        // The allocated sums move whenever any server on the node changes; they are not the
        // node's own state.
        let mut n = x.clone();
        n.allocated_memory = 0;
        n.allocated_disk = 0;
        n.allocated_cpu = None;
        add("node", x.id, hash(&n));
    }
    for x in &live.allocations {
        add("allocation", x.id, hash(x));
    }
    for x in &live.users {
        add("user", x.id, hash(x));
    }
    for x in &live.servers {
        let h = if x.environment.keys().any(|k| sensitive.contains(k)) {
            let mut s = x.clone();
            crate::sensitive::redact_environment(&mut s.environment, sensitive);
            hash(&s)
        } else {
            hash(x)
        };
        add("server", x.id, h);
    }
    for x in &live.databases {
        add("database", x.id, hash(x));
    }
    // Per server and kind of server-level state read: the whole list at once, so that one
    // created, changed or deleted since is noticed (`schedules:12`, `subusers:12`).
    let mut schedules: HashMap<u64, Vec<_>> = HashMap::new();
    for x in &live.schedules {
        schedules.entry(x.server_id).or_default().push(x);
    }
    let mut subusers: HashMap<u64, Vec<_>> = HashMap::new();
    for x in &live.subusers {
        subusers.entry(x.server_id).or_default().push(x);
    }
    for (server, read) in &live.server_level {
        let roost_model::ServerLevelRead::Read(kinds) = read else {
            continue;
        };
        for kind in kinds {
            let h = match kind {
                roost_model::Kind::Schedule => {
                    hash(schedules.get(server).map_or(&[][..], Vec::as_slice))
                }
                roost_model::Kind::Subuser => {
                    hash(subusers.get(server).map_or(&[][..], Vec::as_slice))
                }
                _ => continue,
            };
            add(kind.plural(), *server, h);
        }
    }
    // Per server whose power state was read: where it is heading (`power:12`), so that a start
    // that finished since (`starting` → `running`) is no change, a stop behind roost's back is.
    for (server, read) in &live.power {
        if let Some(heading) = read.heading() {
            add("power", *server, hash(&heading));
        }
    }
    for (kind, n) in [
        ("location", live.locations.len()),
        ("node", live.nodes.len()),
        ("allocation", live.allocations.len()),
        ("user", live.users.len()),
        ("server", live.servers.len()),
        ("database", live.databases.len()),
    ] {
        out.insert(format!("count:{kind}"), n.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv_is_stable() {
        assert_eq!(super::fnv1a(b"roost"), super::fnv1a(b"roost"));
        assert_ne!(super::fnv1a(b"roost"), super::fnv1a(b"roosT"));
        assert_eq!(super::fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn the_streamed_hash_is_the_hash_of_the_whole_json() {
        let v = serde_json::json!({"name": "lobby", "env": {"A": "1"}, "ids": [1, 2, 3]});
        let whole = super::fnv1a(&serde_json::to_vec(&v).expect("json"));
        assert_eq!(super::hash(&v), format!("{whole:016x}"));
    }
}
