//! Which resources an import writes: the servers the filters choose, then the nodes, users and
//! locations they need, and whole kinds when asked for.

use crate::ImportOptions;
use roost_model::{Kind, Live, LiveNode, LiveServer, LiveUser};
use std::collections::{BTreeSet, HashMap};

pub(crate) struct Chosen<'a> {
    pub servers: Vec<&'a LiveServer>,
    pub node_ids: BTreeSet<u64>,
    pub user_ids: BTreeSet<u64>,
    pub location_ids: BTreeSet<u64>,
    pub node_by_id: HashMap<u64, &'a LiveNode>,
    pub user_by_id: HashMap<u64, &'a LiveUser>,
}

pub(crate) fn select<'a>(live: &'a Live, opts: &ImportOptions) -> Chosen<'a> {
    let want = |k: Kind| opts.kinds.is_empty() || opts.kinds.contains(&k);
    let node_by_id: HashMap<u64, &LiveNode> = live.nodes.iter().map(|n| (n.id, n)).collect();
    let user_by_id: HashMap<u64, &LiveUser> = live.users.iter().map(|u| (u.id, u)).collect();
    let owned_by_a_chosen_owner = |u: &LiveUser| {
        opts.owners
            .iter()
            .any(|o| o.eq_ignore_ascii_case(&u.username))
    };
    let servers: Vec<&LiveServer> = live
        .servers
        .iter()
        .filter(|_| want(Kind::Server))
        .filter(|s| opts.server_ids.is_empty() || opts.server_ids.contains(&s.id))
        .filter(|s| {
            opts.nodes.is_empty()
                || node_by_id
                    .get(&s.node)
                    .is_some_and(|n| opts.nodes.contains(&n.name))
        })
        .filter(|s| {
            opts.owners.is_empty()
                || user_by_id
                    .get(&s.user)
                    .is_some_and(|u| owned_by_a_chosen_owner(u))
        })
        .collect();
    let server_filtered = !opts.server_ids.is_empty() || !opts.owners.is_empty();
    let mut node_ids: BTreeSet<u64> = servers.iter().map(|s| s.node).collect();
    if want(Kind::Node) && !server_filtered {
        node_ids.extend(
            live.nodes
                .iter()
                .filter(|n| opts.nodes.is_empty() || opts.nodes.contains(&n.name))
                .map(|n| n.id),
        );
    }
    let mut user_ids: BTreeSet<u64> = servers.iter().map(|s| s.user).collect();
    if want(Kind::User) && opts.nodes.is_empty() && !server_filtered {
        user_ids.extend(live.users.iter().map(|u| u.id));
    }
    if !opts.owners.is_empty() {
        user_ids.extend(
            live.users
                .iter()
                .filter(|u| owned_by_a_chosen_owner(u))
                .map(|u| u.id),
        );
    }
    let mut location_ids: BTreeSet<u64> = node_ids
        .iter()
        .filter_map(|id| node_by_id.get(id).and_then(|n| n.location_id))
        .collect();
    let unfiltered = opts.nodes.is_empty() && !server_filtered;
    if unfiltered && (opts.kinds.is_empty() || want(Kind::Location)) {
        location_ids.extend(live.locations.iter().map(|l| l.id));
    }
    Chosen {
        servers,
        node_ids,
        user_ids,
        location_ids,
        node_by_id,
        user_by_id,
    }
}
