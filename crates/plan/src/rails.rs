//! Safety rails `apply` enforces on a plan: which changes are destructive (`--allow-destroy`),
//! which take root admin rights away (`--allow-admin-removal`), and the delete threshold
//! (`--force`). The planner computes them; the CLI only asks.

use crate::ownership;
use crate::types::*;
use roost_model::{Dialect, Kind, Live};
use std::collections::HashSet;

/// The `apply` flag that approves deleting or demoting a root administrator.
pub const ADMIN_REMOVAL_FLAG: &str = "--allow-admin-removal";

/// Whether `c` destroys data or an account, or changes admin rights: `apply --auto-approve`
/// needs `--allow-destroy` for it.
pub fn is_destructive(c: &Change) -> bool {
    (matches!(c.address.kind, Kind::Server | Kind::User) && c.action == Action::Delete)
        || (c.address.kind == Kind::Server && c.action == Action::Replace)
        || c.impact >= Impact::Reinstall
        || !c.warnings.is_empty()
}

/// Whether `c` deletes a root administrator or takes root admin rights away. roost cannot tell
/// from the Application API which user owns the key it uses, and losing the last root admin
/// locks everyone out of the panel's admin area: this needs its own approval.
pub fn removes_root_admin(dialect: Dialect, c: &Change) -> bool {
    let Some(LiveObject::User(live)) = &c.live else {
        return false;
    };
    if !live.root_admin {
        return false;
    }
    match (c.action, &c.desired) {
        (Action::Delete, _) => true,
        // Pterodactyl's `root_admin` is a field; Pelican's Root Admin role cannot be revoked
        // through the API (the planner refuses that plan).
        (_, Some(Desired::User(t))) => dialect == Dialect::Pterodactyl && !t.admin,
        _ => false,
    }
}

/// The changes of `plan` that need `--allow-admin-removal`.
pub fn admin_removals(plan: &Plan) -> Vec<&Change> {
    plan.changes
        .iter()
        .filter(|c| removes_root_admin(plan.dialect, c))
        .collect()
}

/// The warning a root-admin removal carries in the plan.
pub(crate) fn admin_removal_warning(what: &str, username: &str) -> String {
    format!(
        "{what} `{username}`: `roost apply` needs {ADMIN_REMOVAL_FLAG} as well (roost cannot tell from the Application API whether this user owns the API key in use)"
    )
}

/// Below this many managed resources of a kind the percentage threshold does not apply (one
/// server of five is 20%, and that is an ordinary change): OctoDNS's rule.
const THRESHOLD_MIN_MANAGED: usize = 10;

/// The delete threshold, applied to servers (deletes and replacements) and, separately, to
/// users (deletes): a mass deletion of users must not hide behind a large fleet of servers.
pub(crate) fn thresholds(
    d: &roost_model::Desired,
    live: &Live,
    plan: &Plan,
) -> (Option<ThresholdBreach>, Option<ThresholdBreach>) {
    let explicit: HashSet<&str> = d
        .servers
        .values()
        .filter_map(|x| x.external_id.as_deref())
        .chain(d.users.values().filter_map(|x| x.external_id.as_deref()))
        .collect();
    let managed = |ext: Option<&str>| {
        ownership::is_ours(&d.panel, ext) || ext.is_some_and(|e| explicit.contains(e))
    };
    let servers = breach(
        d,
        Kind::Server,
        plan.changes
            .iter()
            .filter(|c| {
                c.address.kind == Kind::Server
                    && matches!(c.action, Action::Delete | Action::Replace)
            })
            .count(),
        live.servers
            .iter()
            .filter(|s| managed(s.external_id.as_deref()))
            .count(),
    );
    let users = breach(
        d,
        Kind::User,
        plan.changes
            .iter()
            .filter(|c| c.address.kind == Kind::User && c.action == Action::Delete)
            .count(),
        live.users
            .iter()
            .filter(|u| managed(u.external_id.as_deref()))
            .count(),
    );
    (servers, users)
}

fn breach(
    d: &roost_model::Desired,
    kind: Kind,
    destroyed: usize,
    managed: usize,
) -> Option<ThresholdBreach> {
    let t = &d.panel.delete_threshold;
    if destroyed == 0 {
        return None;
    }
    let by_share =
        managed >= THRESHOLD_MIN_MANAGED && destroyed * 100 > t.percent as usize * managed;
    let by_count = t.count.is_some_and(|c| destroyed > c as usize);
    (by_share || by_count).then_some(ThresholdBreach {
        kind,
        destroyed,
        managed,
        percent: t.percent,
        count: t.count,
        set_at: None,
        origin: t.origin,
    })
}
