//! Fingerprints of live objects: a saved plan remembers them, and `apply` refuses the plan if the
//! panel no longer matches.

use roost_model::Live;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// FNV-1a, 64 bit: stable across runs and platforms (unlike `DefaultHasher`), and dependency-free.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn hash<T: Serialize>(v: &T) -> String {
    format!("{:016x}", fnv1a(&serde_json::to_vec(v).unwrap_or_default()))
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
        let mut s = x.clone();
        crate::sensitive::redact_environment(&mut s.environment, sensitive);
        add("server", x.id, hash(&s));
    }
    for x in &live.databases {
        add("database", x.id, hash(x));
    }
    // Per server and kind of server-level state read: the whole list at once, so that one
    // created, changed or deleted since is noticed (`schedules:12`, `subusers:12`).
    for (server, read) in &live.server_level {
        let roost_model::ServerLevelRead::Read(kinds) = read else {
            continue;
        };
        for kind in kinds {
            let h = match kind {
                roost_model::Kind::Schedule => hash(
                    &live
                        .schedules
                        .iter()
                        .filter(|s| s.server_id == *server)
                        .collect::<Vec<_>>(),
                ),
                roost_model::Kind::Subuser => hash(
                    &live
                        .subusers
                        .iter()
                        .filter(|s| s.server_id == *server)
                        .collect::<Vec<_>>(),
                ),
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
}
