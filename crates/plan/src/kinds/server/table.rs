//! A server's attributes, each declared once: how it reads from the target and from the live
//! server, its impact, and the write that carries it.

use super::{Environment, FeatureLimits, Limits, Write};
use crate::attr::{Attr, Compare, MapAttr, Table, json_of};
use crate::lookup::{Lookup, endpoint_of};
use crate::ops::Ref;
use crate::types::Impact;
use roost_model::LiveServer;
use serde_json::{Value, json};

/// What the planner compares for a server: every field its writes carry, and what the
/// attribute readers need besides.
pub(crate) struct ServerTarget {
    pub name: String,
    pub description: String,
    pub external_id: Option<String>,
    /// The owner's username as declared, and the user (its id when it exists).
    pub owner: String,
    pub owner_ref: Ref,
    pub owner_id: Option<u64>,
    pub node: String,
    pub egg: u64,
    /// The egg differs from the live server's: its variables are replaced and the server is
    /// reinstalled.
    pub egg_changed: bool,
    pub image: String,
    pub startup: String,
    pub environment: Environment,
    pub limits: Limits,
    pub feature_limits: FeatureLimits,
    /// The primary allocation as shown (`ip:port`), and the allocation itself.
    pub allocation_shown: Option<String>,
    pub allocation: Option<Ref>,
    /// The other allocations, shown sorted, and the allocations themselves.
    pub additional_shown: Vec<String>,
    pub additional_allocations: Vec<Ref>,
    /// The declared allocation notes (`notes.rs`).
    pub allocation_notes: Vec<super::notes::NoteTarget>,
    pub suspended: bool,
    pub skip_scripts: bool,
    /// The declared power state (`None`: left alone).
    pub power: Option<roost_model::PowerState>,
}

fn feature(x: Option<i64>) -> Value {
    match x {
        Some(n) => json!(n),
        None => json!("unlimited"),
    }
}

/// A limit carried by the build write.
macro_rules! limit {
    ($name:literal, $field:ident, $impact:expr) => {
        Attr {
            name: $name,
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.limits.$field)),
            have: |l, _, _| json_of(&l.limits.$field),
            impact: $impact,
            sensitive: false,
            write: Write::Build,
            keep_live: |t, l| t.limits.$field = l.limits.$field.clone(),
        }
    };
}

/// A feature limit (`None`: unlimited).
macro_rules! feature_limit {
    ($name:literal, $field:ident) => {
        Attr {
            name: $name,
            compare: Compare::Always,
            want: |t, _, _| Some(feature(t.feature_limits.$field)),
            have: |l, _, _| feature(l.feature_limits.$field),
            impact: Impact::None,
            sensitive: false,
            write: Write::Build,
            keep_live: |t, l| t.feature_limits.$field = l.feature_limits.$field,
        }
    };
}

fn live_extra(l: &LiveServer, lk: &Lookup) -> Value {
    let mut e: Vec<String> = l
        .allocations
        .iter()
        .filter(|id| Some(**id) != l.allocation)
        .filter_map(|id| lk.allocation_by_id.get(id))
        .map(|a| endpoint_of(a))
        .collect();
    e.sort();
    json_of(e)
}

pub(crate) const TABLE: Table<ServerTarget, LiveServer, Write> = Table {
    attrs: &[
        Attr {
            name: "name",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.name)),
            // The panel trims every string it is sent (Laravel's TrimStrings): a name that
            // differs only by surrounding whitespace cannot be written, so it is no change.
            have: |l, _, _| json_of(l.name.trim()),
            impact: Impact::None,
            sensitive: false,
            write: Write::Details,
            keep_live: |t, l| t.name = l.name.clone(),
        },
        Attr {
            name: "description",
            compare: Compare::Always,
            want: |t, live, _| {
                (live.is_some() || !t.description.is_empty()).then(|| json_of(&t.description))
            },
            have: |l, _, _| json_of(l.description.trim_end()),
            impact: Impact::None,
            sensitive: false,
            write: Write::Details,
            keep_live: |t, l| t.description = l.description.clone(),
        },
        Attr {
            name: "external_id",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.external_id)),
            have: |l, _, _| json_of(&l.external_id),
            impact: Impact::None,
            sensitive: false,
            write: Write::Details,
            keep_live: |t, l| t.external_id = l.external_id.clone(),
        },
        Attr {
            name: "owner",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.owner)),
            // The owner is a user, not a name: when it is the same panel user (renamed, or
            // spelt in another case), nothing changes.
            have: |l, t, lk| {
                if t.owner_id == Some(l.user) {
                    json_of(&t.owner)
                } else {
                    json_of(lk.username(l.user))
                }
            },
            impact: Impact::None,
            sensitive: false,
            write: Write::Details,
            keep_live: |t, l| {
                t.owner_ref = Ref::Id(l.user);
                t.owner_id = Some(l.user);
            },
        },
        Attr {
            name: "node",
            compare: Compare::Fixed,
            want: |t, _, _| Some(json_of(&t.node)),
            have: |l, _, lk| json_of(lk.node_name(l.node)),
            impact: Impact::Destroy,
            sensitive: false,
            write: Write::Move,
            keep_live: |_, _| {},
        },
        Attr {
            name: "egg",
            compare: Compare::Always,
            want: |t, _, lk| Some(lk.egg_label(t.egg)),
            have: |l, _, lk| lk.egg_label(l.egg),
            impact: Impact::Reinstall,
            sensitive: false,
            write: Write::Startup,
            keep_live: |t, l| {
                t.egg = l.egg;
                t.egg_changed = false;
            },
        },
        Attr {
            name: "image",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.image)),
            have: |l, _, _| json_of(&l.image),
            impact: Impact::Restart,
            sensitive: false,
            write: Write::Startup,
            keep_live: |t, l| t.image = l.image.clone(),
        },
        Attr {
            name: "startup",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.startup)),
            have: |l, _, _| json_of(&l.startup),
            impact: Impact::Restart,
            sensitive: false,
            write: Write::Startup,
            keep_live: |t, l| t.startup = l.startup.clone(),
        },
        limit!("limits.memory", memory, Impact::Restart),
        limit!("limits.swap", swap, Impact::Restart),
        limit!("limits.disk", disk, Impact::Restart),
        limit!("limits.io", io, Impact::Restart),
        limit!("limits.cpu", cpu, Impact::Restart),
        Attr {
            name: "limits.threads",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.limits.threads)),
            have: |l, _, _| json_of(l.limits.threads.as_deref().filter(|t| !t.is_empty())),
            impact: Impact::Restart,
            sensitive: false,
            write: Write::Build,
            keep_live: |t, l| t.limits.threads = l.limits.threads.clone(),
        },
        limit!("limits.oom_killer", oom_killer, Impact::Restart),
        feature_limit!("feature_limits.databases", databases),
        feature_limit!("feature_limits.allocations", allocations),
        feature_limit!("feature_limits.backups", backups),
        Attr {
            name: "allocation",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.allocation_shown)),
            have: |l, _, lk| {
                json_of(
                    l.allocation
                        .and_then(|id| lk.allocation_by_id.get(&id))
                        .map(|a| endpoint_of(a)),
                )
            },
            impact: Impact::Restart,
            sensitive: false,
            write: Write::Build,
            keep_live: |t, l| t.allocation = l.allocation.map(Ref::Id),
        },
        Attr {
            name: "additional_allocations",
            compare: Compare::Always,
            want: |t, live, _| {
                (live.is_some() || !t.additional_shown.is_empty())
                    .then(|| json_of(&t.additional_shown))
            },
            have: |l, _, lk| live_extra(l, lk),
            impact: Impact::Restart,
            sensitive: false,
            write: Write::Build,
            keep_live: |t, l| {
                t.additional_allocations = l
                    .allocations
                    .iter()
                    .filter(|id| Some(**id) != l.allocation)
                    .map(|id| Ref::Id(*id))
                    .collect()
            },
        },
        Attr {
            name: "suspended",
            compare: Compare::Always,
            want: |t, live, _| (live.is_some() || t.suspended).then(|| json_of(t.suspended)),
            have: |l, _, _| json_of(l.suspended || l.status.as_deref() == Some("suspended")),
            impact: Impact::Restart,
            sensitive: false,
            write: Write::Suspension,
            keep_live: |t, l| t.suspended = l.suspended,
        },
        Attr {
            name: super::power::ATTRIBUTE,
            compare: Compare::Always,
            want: |t, live, lk| super::power::want(t.power, t.suspended, live, lk),
            have: |l, _, lk| super::power::have(l, lk),
            impact: Impact::None,
            sensitive: false,
            write: Write::Power,
            // No write of the panel's carries it: nothing to keep.
            keep_live: |_, _| {},
        },
    ],
    maps: &[
        MapAttr {
            prefix: "environment",
            compare: super::environment::compare,
            impact: Impact::Restart,
            write: Write::Startup,
            keep_live: |t, _, var| super::environment::keep_panel(&mut t.environment, var),
        },
        MapAttr {
            prefix: super::notes::PREFIX,
            compare: super::notes::compare,
            impact: Impact::None,
            write: Write::AllocationNotes,
            keep_live: |t, _, key| super::notes::keep_panel(t, key),
        },
    ],
};
