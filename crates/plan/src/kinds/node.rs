//! Nodes: identity is the name; Pterodactyl groups them in locations, Pelican tags them.

use crate::attr::{Attr, Compare, Table, json_of};
use crate::context::{PlanCx, change};
use crate::error::PlanError;
use crate::lookup::Lookup;
use crate::ops::{ApiCall, OpSpec, Ref, Retry};
use crate::releases::{self, Verdict};
use crate::types::{Action, Impact};
use roost_model::release::PelicanRelease;
use roost_model::{Address, Dialect, Kind, LiveNode, Node, SecretRef, node_routes as routes};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A node as the panel's write endpoints take it: both dialects' fields (each panel ignores
/// the other's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NodeFields {
    pub name: String,
    /// Pelican only.
    pub description: Option<String>,
    /// Pterodactyl only: the location, by id or by the address of the location this run creates.
    pub location: Option<Ref>,
    /// Pelican only.
    pub tags: Vec<String>,
    pub fqdn: String,
    pub scheme: String,
    pub public: bool,
    pub behind_proxy: bool,
    pub maintenance_mode: bool,
    pub memory: i64,
    pub memory_overallocate: i64,
    pub disk: i64,
    pub disk_overallocate: i64,
    /// Pelican only.
    pub cpu: i64,
    pub cpu_overallocate: i64,
    pub upload_size: i64,
    pub daemon_listen: i64,
    pub daemon_sftp: i64,
    /// Pelican only.
    pub daemon_connect: i64,
    /// Pelican only.
    pub daemon_sftp_alias: Option<String>,
    pub daemon_base: String,
}

impl NodeFields {
    pub fn from_live(n: &LiveNode) -> Self {
        NodeFields {
            name: n.name.clone(),
            description: n.description.clone(),
            location: n.location_id.map(Ref::Id),
            tags: n.tags.clone(),
            fqdn: n.fqdn.clone(),
            scheme: n.scheme.clone(),
            public: n.public,
            behind_proxy: n.behind_proxy,
            maintenance_mode: n.maintenance_mode,
            memory: n.memory,
            memory_overallocate: n.memory_overallocate,
            disk: n.disk,
            disk_overallocate: n.disk_overallocate,
            cpu: n.cpu.unwrap_or(0),
            cpu_overallocate: n.cpu_overallocate.unwrap_or(0),
            upload_size: n.upload_size,
            daemon_listen: n.daemon_listen,
            daemon_sftp: n.daemon_sftp,
            // Without a proxy in between the panel dials the port Wings listens on.
            daemon_connect: n.daemon_connect.unwrap_or(n.daemon_listen),
            daemon_sftp_alias: n.daemon_sftp_alias.clone(),
            daemon_base: n.daemon_base.clone(),
        }
    }
}

/// What apply does to a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Create {
        fields: Box<NodeFields>,
    },
    /// A full replacement; `was` is the node as planned against (to check the update).
    Update {
        id: u64,
        set: Box<NodeFields>,
        was: Box<NodeFields>,
    },
}

impl OpSpec for Op {
    fn call(&self) -> Option<ApiCall> {
        Some(match self {
            Op::Create { .. } => ApiCall::new("POST", &routes::list()),
            Op::Update { id, .. } => ApiCall::new("PATCH", &routes::one(id)),
        })
    }

    fn retry(&self) -> Retry {
        match self {
            Op::Create { .. } => Retry::ReadBack,
            Op::Update { .. } => Retry::Idempotent,
        }
    }

    fn secrets(&self) -> Vec<&SecretRef> {
        Vec::new()
    }
}

/// The one write a node has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    Update,
}

/// What the planner compares: the fields to write, and what the attribute readers need to know
/// besides.
pub(crate) struct NodeTarget {
    pub fields: NodeFields,
    /// The location's short code as declared (Pterodactyl).
    pub location: Option<String>,
    /// Whether the panel reports `daemon_connect` (Pelican 1.0.0-beta22 and later).
    pub reports_connect: bool,
}

fn pelican(lk: &Lookup) -> bool {
    lk.live.dialect == Dialect::Pelican
}

fn sorted(list: &[String]) -> Vec<String> {
    let mut l = list.to_vec();
    l.sort();
    l.dedup();
    l
}

/// An attribute both dialects have, compared as is.
macro_rules! plain {
    ($name:literal, $field:ident, $live:expr) => {
        Attr {
            name: $name,
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.fields.$field)),
            have: |l, _, _| json_of($live(l)),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |t, l| t.fields.$field = $live(l),
        }
    };
}

pub(crate) const TABLE: Table<NodeTarget, LiveNode, Write> = Table {
    attrs: &[
        Attr {
            name: "name",
            compare: Compare::CreateOnly,
            want: |t, _, _| Some(json_of(&t.fields.name)),
            have: |l, _, _| json_of(&l.name),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |_, _| {},
        },
        Attr {
            name: "location",
            compare: Compare::Always,
            want: |t, _, lk| (!pelican(lk)).then(|| json_of(&t.location)),
            have: |l, _, lk| json_of(l.location_id.and_then(|id| lk.location_short(id))),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |t, l| t.fields.location = l.location_id.map(Ref::Id),
        },
        Attr {
            name: "description",
            compare: Compare::Always,
            // Pterodactyl cannot set descriptions; on Pelican an undeclared one is left alone.
            want: |t, _, lk| {
                pelican(lk)
                    .then(|| t.fields.description.as_ref().map(json_of))
                    .flatten()
            },
            have: |l, _, _| json_of(&l.description),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |t, l| t.fields.description = l.description.clone(),
        },
        Attr {
            name: "tags",
            compare: Compare::Always,
            want: |t, _, lk| pelican(lk).then(|| json_of(&t.fields.tags)),
            have: |l, _, _| json_of(sorted(&l.tags)),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |t, l| t.fields.tags = l.tags.clone(),
        },
        plain!("fqdn", fqdn, |l: &LiveNode| l.fqdn.clone()),
        plain!("scheme", scheme, |l: &LiveNode| l.scheme.clone()),
        plain!("behind_proxy", behind_proxy, |l: &LiveNode| l.behind_proxy),
        plain!("public", public, |l: &LiveNode| l.public),
        plain!("maintenance_mode", maintenance_mode, |l: &LiveNode| l
            .maintenance_mode),
        plain!("memory", memory, |l: &LiveNode| l.memory),
        plain!("memory_overallocate", memory_overallocate, |l: &LiveNode| l
            .memory_overallocate),
        plain!("disk", disk, |l: &LiveNode| l.disk),
        plain!("disk_overallocate", disk_overallocate, |l: &LiveNode| l
            .disk_overallocate),
        Attr {
            name: "cpu",
            compare: Compare::Always,
            want: |t, _, lk| pelican(lk).then(|| json_of(t.fields.cpu)),
            have: |l, _, _| json_of(l.cpu.unwrap_or(0)),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |t, l| t.fields.cpu = l.cpu.unwrap_or(0),
        },
        Attr {
            name: "cpu_overallocate",
            compare: Compare::Always,
            want: |t, _, lk| pelican(lk).then(|| json_of(t.fields.cpu_overallocate)),
            have: |l, _, _| json_of(l.cpu_overallocate.unwrap_or(0)),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |t, l| t.fields.cpu_overallocate = l.cpu_overallocate.unwrap_or(0),
        },
        plain!("upload_size", upload_size, |l: &LiveNode| l.upload_size),
        plain!("daemon_listen", daemon_listen, |l: &LiveNode| l.daemon_listen),
        plain!("daemon_sftp", daemon_sftp, |l: &LiveNode| l.daemon_sftp),
        Attr {
            name: "daemon_connect",
            compare: Compare::Always,
            // A panel that does not report the field (before Pelican 1.0.0-beta22) has nothing
            // to compare or to set: not planned.
            want: |t, _, lk| {
                (pelican(lk) && t.reports_connect).then(|| json_of(t.fields.daemon_connect))
            },
            have: |l, _, _| json_of(l.daemon_connect.unwrap_or(l.daemon_listen)),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |t, l| {
                t.fields.daemon_connect = l.daemon_connect.unwrap_or(t.fields.daemon_listen)
            },
        },
        Attr {
            name: "daemon_sftp_alias",
            compare: Compare::Always,
            want: |t, _, lk| pelican(lk).then(|| json_of(&t.fields.daemon_sftp_alias)),
            have: |l, _, _| json_of(&l.daemon_sftp_alias),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |t, l| t.fields.daemon_sftp_alias = l.daemon_sftp_alias.clone(),
        },
        plain!("daemon_base", daemon_base, |l: &LiveNode| l.daemon_base.clone()),
    ],
    maps: &[],
};

/// Fields of `n` the panel's dialect does not have (manifests written with `dialect "auto"`).
fn dialect_checks(cx: &mut PlanCx, name: &str, n: &Node) {
    let origin = Some(n.origin);
    if cx.is_pelican() {
        if n.location.is_some() {
            cx.error(
                PlanError::new(
                    "roost::wrong-dialect",
                    format!("node `{name}` sets `location`, but the panel is Pelican"),
                    origin,
                )
                .help("Pelican replaced locations with tags: write `tags \"...\"`"),
            );
        }
        return;
    }
    if n.location.is_none() {
        cx.error(
            PlanError::new(
                "roost::missing-field",
                format!("node `{name}` has no `location`, which Pterodactyl requires"),
                origin,
            )
            .help("add `location \"SHORT\"` and declare the location"),
        );
    }
    let pelican_only = [
        ("tags", !n.tags.is_empty()),
        ("cpu", n.cpu != 0 || n.cpu_overallocate != 0),
        ("description", n.description.is_some()),
        ("daemon connect", n.daemon_connect.is_some()),
        ("daemon sftp-alias", n.daemon_sftp_alias.is_some()),
    ];
    for (field, set) in pelican_only {
        if set {
            cx.error(
                PlanError::new(
                    "roost::wrong-dialect",
                    format!("node `{name}` sets `{field}`, which Pterodactyl does not have"),
                    origin,
                )
                .help(format!(
                    "remove `{field}`, or point roost at a Pelican panel"
                )),
            );
        }
    }
}

/// The fields node `n` is to have, references resolved against the panel.
fn target(cx: &PlanCx, n: &Node, reports_connect: bool) -> NodeTarget {
    let location = n.location.as_ref().map(|short| {
        let id = match cx.lookup.locations_by_short.get(short.as_str()).map(Vec::as_slice) {
            Some([one]) => Some(one.id),
            _ => None,
        };
        cx.reference(id, || Address::new(Kind::Location, short))
    });
    let listen = i64::from(n.daemon_listen);
    let connect = match n.daemon_connect {
        Some(c) if reports_connect => i64::from(c),
        _ => listen,
    };
    NodeTarget {
        fields: NodeFields {
            name: n.name.clone(),
            description: n.description.clone(),
            location,
            tags: sorted(&n.tags),
            fqdn: n.fqdn.clone(),
            scheme: n.scheme.as_str().to_string(),
            public: n.public,
            behind_proxy: n.behind_proxy,
            maintenance_mode: n.maintenance,
            memory: n.memory as i64,
            memory_overallocate: n.memory_overallocate,
            disk: n.disk as i64,
            disk_overallocate: n.disk_overallocate,
            cpu: n.cpu as i64,
            cpu_overallocate: n.cpu_overallocate,
            upload_size: n.upload_size as i64,
            daemon_listen: listen,
            daemon_sftp: i64::from(n.daemon_sftp),
            daemon_connect: connect,
            daemon_sftp_alias: n.daemon_sftp_alias.clone(),
            daemon_base: n
                .daemon_base
                .clone()
                .unwrap_or_else(|| cx.dialect.default_daemon_base().to_string()),
        },
        location: n.location.clone(),
        reports_connect,
    }
}

pub(crate) fn plan(cx: &mut PlanCx) {
    let desired = cx.desired;
    let release = PelicanRelease::of_nodes(&cx.lookup.live.nodes);
    let mut connect_unreported: Vec<&str> = Vec::new();
    let mut tags_maybe_dropped: Vec<&str> = Vec::new();
    for (name, n) in &desired.nodes {
        let address = Address::new(Kind::Node, name);
        let origin = Some(n.origin);
        dialect_checks(cx, name, n);
        let live = match cx.lookup.nodes_by_name.get(name.as_str()).map(Vec::as_slice) {
            None | Some([]) => None,
            Some([live]) => Some(*live),
            Some(many) => {
                let ids: Vec<String> = many
                    .iter()
                    .map(|n| format!("id {} ({})", n.id, n.fqdn))
                    .collect();
                let e = PlanError::new("roost::ambiguous-identity", format!("node `{name}` matches {} nodes on the panel: {}", many.len(), ids.join(", ")), origin).help("node names identify nodes; rename the extra nodes in the panel so that the name is unique");
                cx.error(e);
                continue;
            }
        };
        let reports_connect = releases::reports_daemon_connect(live, release);
        if cx.is_pelican() && !reports_connect && n.daemon_connect.unwrap_or(n.daemon_listen) != n.daemon_listen {
            connect_unreported.push(name);
        }
        let mut target = target(cx, n, reports_connect);
        let mut diff = TABLE.diff(&target, live, &cx.lookup);
        if cx.is_pelican()
            && live.is_some()
            && releases::may_drop_node_tags(release)
            && diff.changed.iter().any(|a| a.name == "tags")
        {
            tags_maybe_dropped.push(name);
        }
        if cx.is_pelican() {
            let updating = live.is_some() && !diff.changed.is_empty();
            match releases::node_fqdn(name, &n.fqdn, live, updating, release) {
                Verdict::Fine => {}
                Verdict::Note(note) => cx.notes.push(note),
                Verdict::Refused(message, help) => {
                    cx.error(PlanError::new("roost::refused-by-panel", message, origin).help(help));
                }
            }
        }
        let c = match live {
            None => {
                let mut c = change(address, Action::Create, None, diff, origin);
                c.ops.push(Op::Create {
                    fields: Box::new(target.fields),
                }.into());
                c
            }
            Some(live) => {
                TABLE.settle(&mut diff, &mut target, live, cx.ignored(&address));
                let write = diff.needs(Write::Update);
                let mut c = change(address, Action::Update, Some(live.id), diff, origin);
                if target.fields.maintenance_mode && !live.maintenance_mode {
                    c.warnings.push("puts the node in maintenance mode: its servers become unreachable for players".into());
                }
                if write {
                    c.ops.push(
                        Op::Update {
                            id: live.id,
                            set: Box::new(target.fields),
                            was: Box::new(NodeFields::from_live(live)),
                        }
                        .into(),
                    );
                }
                c
            }
        };
        cx.push(c);
    }
    if !connect_unreported.is_empty() {
        cx.notes.push(format!(
            "this panel does not report `daemon_connect` ({}): `daemon connect=` of node(s) {} is not planned",
            release.describe().unwrap_or("an older Pelican"),
            connect_unreported.join(", ")
        ));
    }
    if !tags_maybe_dropped.is_empty() {
        cx.notes.push(format!(
            "this panel is {}: Pelican before 1.0.0-beta19 does not keep node `tags` sent through its API, so the tags of node(s) {} may show again after apply; if they do, add `ignore \"node.*.tags\"` to the panel block",
            release.describe().unwrap_or("an older Pelican"),
            tags_maybe_dropped.join(", ")
        ));
    }
    for n in &cx.lookup.live.nodes {
        if !desired.nodes.contains_key(&n.name) {
            cx.unmanaged.nodes.push(n.name.clone());
        }
    }
}
