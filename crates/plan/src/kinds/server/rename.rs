//! Renames: a server whose key changed. Without a hint the plan deletes the old server (and its
//! files) and creates an empty one; a delete and a create that share egg, node and owner look
//! like a rename, and the plan says how to keep the server instead (`moved from=`).

use crate::context::PlanCx;
use roost_model::Server;

/// Notes for each planned create that matches a planned delete on egg, node and owner.
/// `created`: the servers this plan creates, with their egg's panel id.
pub(super) fn hints(cx: &mut PlanCx, created: &[(&Server, u64)]) {
    let mut notes = Vec::new();
    for (s, egg) in created {
        let looks_alike: Vec<String> = cx
            .identity
            .deleted_servers
            .iter()
            .filter(|l| {
                l.egg == *egg
                    && cx.lookup.node_name(l.node) == s.node
                    && cx.lookup.username(l.user).eq_ignore_ascii_case(&s.owner)
            })
            .map(|l| super::address_of(cx.desired, l).to_string())
            .collect();
        for old in looks_alike {
            notes.push(format!(
                "server `{}` is created and {old} deleted, with the same egg, node and owner: if this is a rename, add `moved from=\"{old}\"` to server `{}` to keep the server and its files",
                s.key, s.key
            ));
        }
    }
    cx.notes.extend(notes);
}

/// A note for each server `moved` from another key that the panel has under that key: the
/// plan renames it in place (the marker in its external id is rewritten).
pub(super) fn moved_notes(cx: &mut PlanCx) {
    let mut notes = Vec::new();
    for (key, s) in &cx.desired.servers {
        let (Some(old), Some(live)) = (&s.moved_from, cx.identity.server(key)) else {
            continue;
        };
        let was = super::address_of(cx.desired, live);
        if was.name == *old {
            notes.push(format!(
                "server `{key}` is {was} renamed (`moved`): server id {} is kept and updated in place, not deleted and created",
                live.id
            ));
        }
    }
    cx.notes.extend(notes);
}
