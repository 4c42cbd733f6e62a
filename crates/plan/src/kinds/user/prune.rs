//! roost's users that left the manifests: deleted when `prune "users"` is on, unless that is
//! unsafe (protected, claimed twice, owner of servers, owner of roost's API key).

use super::Op;
use crate::attr::json_of;
use crate::context::PlanCx;
use crate::error::PlanError;
use crate::ownership::{self, Claim};
use crate::types::{Action, AttrChange, Change, Impact};
use roost_model::{Address, Kind, LiveServer, LiveUser};
use std::collections::{HashMap, HashSet};

pub(super) fn plan(cx: &mut PlanCx) {
    let d = cx.desired;
    let prune = d.panel.prune.contains(&Kind::User);
    let matched: HashSet<u64> = cx.identity.user_ids.values().copied().collect();
    let mut servers_of: HashMap<u64, Vec<&LiveServer>> = HashMap::new();
    for s in &cx.lookup.live.servers {
        servers_of.entry(s.user).or_default().push(s);
    }
    let candidates: Vec<&LiveUser> = cx
        .lookup
        .live
        .users
        .iter()
        .filter(|u| !matched.contains(&u.id) && !ownership::declares_user(d, &u.username))
        .collect();
    let twice = ownership::claimed_twice(
        &d.panel,
        candidates.iter().map(|u| {
            (
                u.external_id.as_deref(),
                format!("`{}` (id {})", u.username, u.id),
            )
        }),
    );
    if prune {
        for (key, list) in &twice {
            cx.error(ownership::claimed_twice_error("user", key, list, None));
        }
    }
    for u in candidates {
        let (key, protected) = match ownership::claim(&d.panel, u.external_id.as_deref()) {
            Claim::Ours { key, protected } if prune => (key, protected),
            Claim::Ours { .. } | Claim::Previous { .. } | Claim::Unmarked | Claim::Foreign => {
                cx.unmanaged.users.push(u.username.clone());
                continue;
            }
        };
        if twice.contains_key(key) {
            continue;
        }
        if ownership::declares_user(d, key) {
            cx.error(PlanError::new("roost::ambiguous-identity", format!("panel user `{}` (id {}) carries roost's marker for user `{key}`, which the manifests declare as another panel user", u.username, u.id), None).help(format!("roost will not delete it: clear the external id of user id {} in the panel, or adopt it under its own name", u.id)));
            continue;
        }
        if protected {
            cx.error(PlanError::new("roost::protected", format!("user `{}` left the manifests, but the panel marks it protected (external id `{}`)", u.username, u.external_id.as_deref().unwrap_or_default()), None).help(format!("put the user back in the manifests, or unprotect it first: declare it with `protect #false`, apply, then remove it (or clear the external id of user id {} in the panel)", u.id)));
            continue;
        }
        if let Some(owner) = &cx.options.key_owner
            && owner.is(u)
        {
            cx.error(PlanError::new("roost::key-owner", format!("user `{}` left the manifests, but it owns the API key roost uses (the panel says so for the client token); roost never deletes it", u.username), None).help("put the user back in the manifests; to retire it, give roost a key of another user first"));
            continue;
        }
        let owned_servers = servers_of.get(&u.id).map(Vec::as_slice).unwrap_or(&[]);
        let remaining: Vec<String> = owned_servers
            .iter()
            .filter(|s| {
                !cx.identity.deleted.contains(&s.id)
                    && !cx.identity.reassigned_servers.contains(&s.id)
            })
            .map(|s| format!("{} (id {})", s.name, s.id))
            .collect();
        if !remaining.is_empty() {
            cx.error(PlanError::new("roost::cannot-delete", format!("user `{}` left the manifests and would be pruned, but still owns servers: {}", u.username, remaining.join(", ")), None).help("give those servers another owner in the panel or the manifests, or keep the user"));
            continue;
        }
        let c = delete(cx, u, owned_servers);
        cx.push(c);
    }
}

fn delete(cx: &PlanCx, u: &LiveUser, owned_servers: &[&LiveServer]) -> Change {
    let mut warnings = vec![format!(
        "deletes panel user `{}` (id {}): the account, its API keys and its access to servers",
        u.username, u.id
    )];
    if u.root_admin {
        warnings.push(crate::rails::admin_removal_warning(
            "deletes the root administrator",
            &u.username,
        ));
    }
    Change {
        address: Address::new(Kind::User, &u.username),
        action: Action::Delete,
        id: Some(u.id),
        attributes: vec![AttrChange {
            name: "email".into(),
            old: Some(json_of(&u.email)),
            new: None,
            sensitive: false,
            impact: Impact::None,
            cause: None,
        }],
        unchanged: 0,
        impact: Impact::None,
        cause: None,
        ops: vec![
            Op::Delete {
                id: u.id,
                root_admin: u.root_admin,
            }
            .into(),
        ],
        calls: Vec::new(),
        depends_on: owned_servers
            .iter()
            .map(|s| crate::kinds::server::address_of(cx.desired, s))
            .collect(),
        warnings,
        origin: None,
    }
}
