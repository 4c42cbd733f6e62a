//! The delete threshold: a plan that deletes (or replaces) more of roost's servers, or deletes
//! more of its users, than `delete-threshold` allows needs `apply --force`.

use crate::ownership;
use crate::types::*;
use roost_model::{Kind, Live};
use std::collections::HashSet;

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
