//! Checks of the simulator's state and request log.

use roost_sim::{LoggedRequest, Server, SimState};
use std::collections::BTreeMap;

/// Problems that must never exist on the panel, whatever failed on the way: two servers with
/// one external id, two users with one username / e-mail / external id, an allocation held by
/// a missing server or by two servers, a server on a missing allocation.
pub fn duplicates(st: &SimState) -> Vec<String> {
    let mut problems = Vec::new();
    let mut count = |what: &str, keys: Vec<String>| {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for k in keys {
            *seen.entry(k).or_default() += 1;
        }
        for (k, n) in seen {
            if n > 1 {
                problems.push(format!("{n} {what} `{k}`"));
            }
        }
    };
    count(
        "servers with external_id",
        st.servers
            .values()
            .filter_map(|s| s.external_id.clone())
            .collect(),
    );
    count(
        "servers named",
        st.servers.values().map(|s| s.name.clone()).collect(),
    );
    count(
        "users named",
        st.users
            .values()
            .map(|u| u.username.to_lowercase())
            .collect(),
    );
    count(
        "users with e-mail",
        st.users.values().map(|u| u.email.to_lowercase()).collect(),
    );
    count(
        "users with external_id",
        st.users
            .values()
            .filter_map(|u| u.external_id.clone())
            .collect(),
    );
    count(
        "nodes named",
        st.nodes.values().map(|n| n.name.clone()).collect(),
    );
    count(
        "locations with short code",
        st.locations.values().map(|l| l.short.clone()).collect(),
    );
    count(
        "allocations at",
        st.allocations
            .values()
            .map(|a| format!("node {} {}:{}", a.node_id, a.ip, a.port))
            .collect(),
    );
    for s in st.servers.values() {
        if let Some(a) = s.allocation_id {
            match st.allocations.get(&a) {
                Some(al) if al.server_id == Some(s.id) => {}
                _ => problems.push(format!(
                    "server {} has primary allocation {a}, which is not assigned to it",
                    s.name
                )),
            }
        }
    }
    for a in st.allocations.values() {
        if let Some(sid) = a.server_id
            && !st.servers.contains_key(&sid)
        {
            problems.push(format!(
                "allocation {}:{} is held by the missing server {sid}",
                a.ip, a.port
            ));
        }
    }
    problems
}

pub fn assert_no_duplicates(st: &SimState, context: &str) {
    let d = duplicates(st);
    assert!(d.is_empty(), "{context}: the panel is inconsistent: {d:#?}");
}

/// Servers whose external id is in the `roost:` namespace, by external id.
pub fn managed_servers(st: &SimState) -> BTreeMap<String, &Server> {
    st.servers
        .values()
        .filter_map(|s| {
            let e = s.external_id.as_deref()?;
            e.starts_with("roost:").then(|| (e.to_string(), s))
        })
        .collect()
}

pub fn server_by_name<'a>(st: &'a SimState, name: &str) -> &'a Server {
    st.servers
        .values()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("the panel has no server named {name}"))
}

/// The id of the stock egg `name`.
pub fn egg_id(st: &SimState, name: &str) -> u64 {
    st.eggs
        .values()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("the stock panel has an egg `{name}`"))
        .id
}

/// Writes in the request log (anything but GET).
pub fn writes(log: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    log.iter().filter(|r| r.method != "GET").collect()
}

/// The writes in the request log as `METHOD PATH -> STATUS` lines.
pub fn write_lines(log: &[LoggedRequest]) -> Vec<String> {
    writes(log)
        .into_iter()
        .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
        .collect()
}

/// The path of a logged request without its query.
pub fn request_path(r: &LoggedRequest) -> &str {
    r.path.split('?').next().unwrap_or("")
}
