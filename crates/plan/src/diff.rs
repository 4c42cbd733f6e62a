//! Desired vs live → changes. Pure.

use crate::types::*;
use roost_graph::Graph;
use roost_model::{
    Address, AdoptServer, Dialect, Endpoint, KeyOwner, Kind, Live, LiveAllocation, LiveEgg,
    LiveServer, LiveUser, Origin, Server,
};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

/// An attribute another tool owns: never compared (`ignore` in the manifest, `--ignore`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignore {
    /// `None` ignores the attribute on every resource of `kind`.
    pub address: Option<Address>,
    pub kind: Kind,
    pub attribute: String,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The manifests as they were at the base: classifies changes as intended or drift.
    pub base: Option<roost_model::Desired>,
    /// Limit the plan to these resources and what they depend on.
    pub targets: Vec<Address>,
    /// Requests per minute; default: the manifest's, then the dialect's limit.
    pub rate_limit: Option<u32>,
    pub ignore: Vec<Ignore>,
    /// Every secret the manifests refer to, read by the caller before planning (the planner
    /// does no IO): compared with the panel, never put into the plan.
    pub secrets: roost_model::ResolvedSecrets,
    /// The user owning the API key in use, when the panel could tell (the Client API's
    /// `/account` for a client token): roost never deletes that user.
    pub key_owner: Option<KeyOwner>,
}

/// A reason the plan cannot be made. The planner never guesses; it says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// Where in the manifests, when the problem belongs to a declared resource.
    pub origin: Option<Origin>,
}

impl PlanError {
    pub(crate) fn new(
        code: &'static str,
        message: impl Into<String>,
        origin: Option<Origin>,
    ) -> Self {
        PlanError {
            code,
            message: message.into(),
            help: None,
            origin,
        }
    }
    pub(crate) fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn sorted(list: &[String]) -> Vec<String> {
    let mut l = list.to_vec();
    l.sort();
    l.dedup();
    l
}

pub(crate) fn v<T: Serialize>(x: T) -> Value {
    serde_json::to_value(x).unwrap_or(Value::Null)
}

/// Collects attribute changes of one resource.
#[derive(Default)]
pub(crate) struct Attrs {
    pub(crate) changed: Vec<AttrChange>,
    pub(crate) unchanged: usize,
}

impl Attrs {
    pub(crate) fn cmp(&mut self, name: &str, old: Value, new: Value, impact: Impact) {
        if old == new {
            self.unchanged += 1;
        } else {
            self.changed.push(AttrChange {
                name: name.into(),
                old: Some(old),
                new: Some(new),
                sensitive: false,
                impact,
                cause: None,
            });
        }
    }
    pub(crate) fn set(&mut self, name: &str, new: Value) {
        if !new.is_null() {
            self.changed.push(AttrChange {
                name: name.into(),
                old: None,
                new: Some(new),
                sensitive: false,
                impact: Impact::None,
                cause: None,
            });
        }
    }
    /// A create shows the new value; an update compares it with the live one.
    pub(crate) fn pair(&mut self, name: &str, old: Option<Value>, new: Value, impact: Impact) {
        match old {
            None => self.set(name, new),
            Some(old) => self.cmp(name, old, new, impact),
        }
    }
    pub(crate) fn sensitive(&mut self, name: &str) {
        self.sensitive_change(name, Impact::None);
    }
    /// A change of a value no plan shows.
    pub(crate) fn sensitive_change(&mut self, name: &str, impact: Impact) {
        self.changed.push(AttrChange {
            name: name.into(),
            old: None,
            new: None,
            sensitive: true,
            impact,
            cause: None,
        });
    }
    pub(crate) fn any(&self, names: &[&str]) -> bool {
        self.changed
            .iter()
            .any(|a| names.contains(&a.name.as_str()))
    }
    pub(crate) fn impact(&self) -> Impact {
        self.changed
            .iter()
            .map(|a| a.impact)
            .max()
            .unwrap_or_default()
    }
    pub(crate) fn drop_ignored(&mut self, ignore: &[Ignore], address: &Address) {
        self.changed.retain(|a| {
            !ignore.iter().any(|i| {
                i.kind == address.kind
                    && i.attribute == a.name
                    && i.address.as_ref().is_none_or(|x| x == address)
            })
        });
    }
}

pub(crate) struct Ctx<'a> {
    pub(crate) d: &'a roost_model::Desired,
    pub(crate) live: &'a Live,
    /// Egg variables whose values the plan never shows.
    pub(crate) sensitive: BTreeSet<String>,
    pub(crate) secrets: &'a roost_model::ResolvedSecrets,
    pub(crate) dialect: Dialect,
    pub(crate) errors: Vec<PlanError>,
    pub(crate) notes: Vec<String>,
    pub(crate) changes: Vec<Change>,
    /// Live allocation lookup: (node id, ip, port).
    alloc_by_key: HashMap<(u64, IpAddr, u16), &'a LiveAllocation>,
    alloc_by_id: HashMap<u64, &'a LiveAllocation>,
    node_by_name: HashMap<&'a str, Vec<&'a roost_model::LiveNode>>,
    node_by_id: HashMap<u64, &'a roost_model::LiveNode>,
    user_by_id: HashMap<u64, &'a LiveUser>,
    /// Declared username -> the panel id of the user it was identified with.
    pub(crate) user_ids: HashMap<String, u64>,
    /// The user owning the API key in use, when the panel could say (client token).
    pub(crate) key_owner: Option<&'a KeyOwner>,
    /// Servers deleted by this plan (their allocations and owners are freed).
    pub(crate) deleted_servers: HashSet<u64>,
    /// Live allocations that a server's update gives up (its desired allocations exclude them).
    released_allocations: HashSet<u64>,
    /// Live servers whose update gives them another owner.
    pub(crate) reassigned_servers: HashSet<u64>,
    /// Declared allocations that exist as declared (not turned into changes at all).
    unchanged_allocations: usize,
}

/// Make the plan, or say every reason it cannot be made.
pub fn plan(
    desired: &roost_model::Desired,
    live: &Live,
    opts: &Options,
) -> Result<Plan, Vec<PlanError>> {
    let mut plan = plan_inner(desired, live, opts)?;
    if let Some(base) = &opts.base {
        // Plan the base against the same panel: whatever the base would change too is drift.
        let base_plan = plan_inner(
            base,
            live,
            &Options {
                base: None,
                ..opts.clone()
            },
        )
        .ok();
        classify(&mut plan, base_plan.as_ref(), base);
        plan.has_base = true;
    }
    if !opts.targets.is_empty() {
        restrict(&mut plan, desired, &opts.targets);
    }
    (plan.threshold, plan.user_threshold) = crate::rails::thresholds(desired, live, &plan);
    summarise(&mut plan);
    Ok(plan)
}

/// The desired state as the panel will store it: both panels trim every string they receive
/// and turn empty strings into null (Laravel's TrimStrings and ConvertEmptyStringsToNull), so
/// comparing the manifests' text as written would show differences that never go away.
fn as_panel_stores(d: &roost_model::Desired) -> roost_model::Desired {
    fn t(s: &mut String) {
        let trimmed = s.trim();
        if trimmed.len() != s.len() {
            *s = trimmed.to_string();
        }
    }
    fn opt(s: &mut Option<String>) {
        if let Some(x) = s {
            t(x);
            if x.is_empty() {
                *s = None;
            }
        }
    }
    let mut d = d.clone();
    for l in d.locations.values_mut() {
        opt(&mut l.description);
    }
    for n in d.nodes.values_mut() {
        t(&mut n.fqdn);
        opt(&mut n.description);
        opt(&mut n.daemon_sftp_alias);
        opt(&mut n.daemon_base);
        n.tags.iter_mut().for_each(t);
    }
    for a in d.allocations.values_mut() {
        opt(&mut a.alias);
    }
    for u in d.users.values_mut() {
        t(&mut u.email);
        opt(&mut u.first_name);
        opt(&mut u.last_name);
        opt(&mut u.language);
        opt(&mut u.external_id);
    }
    for s in d.servers.values_mut() {
        t(&mut s.name);
        t(&mut s.description);
        opt(&mut s.image);
        opt(&mut s.startup);
        opt(&mut s.external_id);
        for val in s.environment.values_mut() {
            if let roost_model::EnvValue::Literal(x) = val {
                t(x);
            }
        }
    }
    d
}

fn plan_inner(
    d: &roost_model::Desired,
    live: &Live,
    opts: &Options,
) -> Result<Plan, Vec<PlanError>> {
    let normalized = as_panel_stores(d);
    let d = &normalized;
    let mut cx = Ctx {
        d,
        live,
        sensitive: crate::sensitive::sensitive_variables(d, live),
        secrets: &opts.secrets,
        dialect: live.dialect,
        errors: Vec::new(),
        notes: Vec::new(),
        changes: Vec::new(),
        alloc_by_key: HashMap::new(),
        alloc_by_id: live.allocations.iter().map(|a| (a.id, a)).collect(),
        node_by_name: HashMap::new(),
        node_by_id: live.nodes.iter().map(|n| (n.id, n)).collect(),
        user_by_id: live.users.iter().map(|u| (u.id, u)).collect(),
        user_ids: HashMap::new(),
        key_owner: opts.key_owner.as_ref(),
        deleted_servers: HashSet::new(),
        unchanged_allocations: 0,
        released_allocations: HashSet::new(),
        reassigned_servers: HashSet::new(),
    };
    for a in &live.allocations {
        if let Some(ip) = a.ip_addr() {
            cx.alloc_by_key.insert((a.node_id, ip, a.port), a);
        }
    }
    for n in &live.nodes {
        cx.node_by_name.entry(n.name.as_str()).or_default().push(n);
    }
    if let Some(expected) = d.panel.dialect.known()
        && expected != live.dialect
    {
        cx.errors.push(
            PlanError::new(
                "roost::dialect-mismatch",
                format!(
                    "the manifests are written for {expected}, but the panel is {}",
                    live.dialect
                ),
                None,
            )
            .help(format!(
                "point --panel at a {expected} panel, or change `dialect` in the panel block"
            )),
        );
        return Err(cx.errors);
    }
    let mut unmanaged = Unmanaged::default();
    let mut deletes: Vec<Change> = Vec::new();
    plan_servers_delete(&mut cx, &mut deletes, &mut unmanaged);
    plan_locations(&mut cx, &mut unmanaged);
    plan_nodes(&mut cx, &mut unmanaged);
    release_by_updates(&mut cx);
    plan_allocations(&mut cx, &mut deletes, &mut unmanaged);
    crate::users::plan_users(&mut cx, &mut deletes, &mut unmanaged);
    plan_servers(&mut cx);
    for c in &mut cx.changes {
        c.attributes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    for c in &mut deletes {
        c.attributes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let ignore = effective_ignores(d, &opts.ignore);
    for c in cx.changes.iter_mut() {
        // Ignored attributes matter only for what exists: a create still sets everything.
        if !matches!(c.action, Action::Update | Action::Adopt) {
            continue;
        }
        let before: Vec<String> = c.attributes.iter().map(|a| a.name.clone()).collect();
        let mut attrs = Attrs {
            changed: std::mem::take(&mut c.attributes),
            unchanged: c.unchanged,
        };
        attrs.drop_ignored(&ignore, &c.address);
        let dropped: Vec<&str> = before
            .iter()
            .map(String::as_str)
            .filter(|n| !attrs.changed.iter().any(|a| a.name == *n))
            .collect();
        c.unchanged += dropped.len();
        c.attributes = attrs.changed;
        if let (Some(target), Some(live)) = (c.desired.as_mut(), c.live.as_ref()) {
            keep_live(target, live, &dropped);
        }
        c.impact = c
            .attributes
            .iter()
            .map(|a| a.impact)
            .max()
            .unwrap_or_default();
        prune_calls(c);
    }
    let before = cx.changes.len();
    cx.changes
        .retain(|c| c.action != Action::Update || !c.attributes.is_empty());
    let unchanged = before - cx.changes.len() + cx.unchanged_allocations;
    preflight(&mut cx);
    let passwords = crate::sensitive::unreadable_passwords(&cx.changes, cx.secrets);
    cx.errors.extend(passwords);
    if !cx.errors.is_empty() {
        cx.errors
            .sort_by_key(|e| e.origin.map(|o| (o.file, o.offset)));
        return Err(cx.errors);
    }

    // Order: deletes (dependents first), then creates/updates in dependency order.
    let graph = Graph::from_desired(d);
    let order: HashMap<Address, usize> = match graph.create_order() {
        Ok(o) => o.into_iter().enumerate().map(|(i, a)| (a, i)).collect(),
        Err(e) => {
            return Err(vec![PlanError::new(
                "roost::dependency-cycle",
                e.to_string(),
                None,
            )]);
        }
    };
    let changed: HashSet<Address> = cx.changes.iter().map(|c| c.address.clone()).collect();
    for c in &mut cx.changes {
        c.depends_on = graph
            .dependencies(&c.address)
            .into_iter()
            .filter(|a| changed.contains(*a))
            .cloned()
            .collect();
    }
    cx.changes
        .sort_by_key(|c| order.get(&c.address).copied().unwrap_or(usize::MAX));
    // Server deletes run first (they free allocations and owners); deletes of everything else
    // run last, after the updates that stop using them.
    deletes.sort_by(|a, b| {
        (delete_rank(a.address.kind), &a.address).cmp(&(delete_rank(b.address.kind), &b.address))
    });
    let late = deletes.split_off(
        deletes
            .iter()
            .position(|c| c.address.kind != Kind::Server)
            .unwrap_or(deletes.len()),
    );
    let mut changes = deletes;
    changes.append(&mut cx.changes);
    changes.extend(late);
    crate::sensitive::redact_changes(&mut changes, &cx.sensitive);

    let rate_limit = opts
        .rate_limit
        .or(d.panel.rate_limit)
        .unwrap_or_else(|| live.dialect.default_rate_limit());
    unmanaged.users.sort();
    unmanaged.nodes.sort();
    unmanaged.locations.sort();
    unmanaged.servers.sort_by_key(|s| s.id);
    let mut notes = cx.notes;
    notes.sort();
    notes.dedup();
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        panel: None,
        dialect: live.dialect,
        changes,
        unmanaged,
        summary: Summary {
            unchanged,
            ..Summary::default()
        },
        has_base: false,
        rate_limit,
        fingerprints: crate::fingerprint::fingerprints(live, &cx.sensitive),
        sensitive_variables: cx.sensitive.iter().cloned().collect(),
        manifests: None,
        notes,
        threshold: None,
        user_threshold: None,
        allow_destroy: d.panel.allow_destroy,
        targets: Vec::new(),
    })
}

fn delete_rank(k: Kind) -> u8 {
    match k {
        Kind::Server => 0,
        Kind::Allocation => 1,
        Kind::User => 2,
        Kind::Node => 3,
        Kind::Location => 4,
        Kind::Database => 5,
    }
}

pub(crate) fn change(
    address: Address,
    action: Action,
    id: Option<u64>,
    attrs: Attrs,
    calls: Vec<ApiCall>,
    origin: Option<Origin>,
) -> Change {
    let impact = attrs.impact();
    Change {
        address,
        action,
        id,
        impact,
        unchanged: attrs.unchanged,
        attributes: attrs.changed,
        cause: None,
        calls,
        depends_on: Vec::new(),
        warnings: Vec::new(),
        desired: None,
        live: None,
        origin,
    }
}

// ---------------------------------------------------------------------------------------------
// Locations

fn plan_locations(cx: &mut Ctx, unmanaged: &mut Unmanaged) {
    let d = cx.d;
    if cx.dialect == Dialect::Pelican {
        for l in d.locations.values() {
            cx.errors.push(
                PlanError::new("roost::wrong-dialect", format!("location `{}` cannot exist: the panel is Pelican, which has no locations", l.short), Some(l.origin))
                    .help("remove the location blocks and group nodes with `tags`, or set `dialect \"pterodactyl\"` and point roost at a Pterodactyl panel"),
            );
        }
        return;
    }
    let mut by_short: HashMap<&str, Vec<&roost_model::LiveLocation>> = HashMap::new();
    for l in &cx.live.locations {
        by_short.entry(l.short.as_str()).or_default().push(l);
    }
    for (short, loc) in &d.locations {
        let address = Address::new(Kind::Location, short);
        let mut attrs = Attrs::default();
        match by_short
            .get(short.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            [] => {
                attrs.set("short", v(short));
                attrs.set("description", v(&loc.description));
                let mut c = change(
                    address,
                    Action::Create,
                    None,
                    attrs,
                    vec![ApiCall::new("POST", "/locations")],
                    Some(loc.origin),
                );
                c.desired = Some(Desired::Location(loc.clone()));
                cx.changes.push(c);
            }
            [live] => {
                if loc.description.is_some() {
                    attrs.cmp(
                        "description",
                        v(&live.long),
                        v(&loc.description),
                        Impact::None,
                    );
                }
                let mut c = change(
                    address,
                    Action::Update,
                    Some(live.id),
                    attrs,
                    vec![ApiCall::new("PATCH", format!("/locations/{}", live.id))],
                    Some(loc.origin),
                );
                c.desired = Some(Desired::Location(loc.clone()));
                c.live = Some(LiveObject::Location((*live).clone()));
                cx.changes.push(c);
            }
            many => {
                let ids: Vec<String> = many.iter().map(|l| format!("id {}", l.id)).collect();
                cx.errors.push(PlanError::new("roost::ambiguous-identity", format!("location `{short}` matches {} locations on the panel ({})", many.len(), ids.join(", ")), Some(loc.origin)).help("rename or delete the extra locations in the panel so that each short code is unique"));
            }
        }
    }
    for l in &cx.live.locations {
        if !d.locations.contains_key(&l.short) {
            unmanaged.locations.push(l.short.clone());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Nodes

fn plan_nodes(cx: &mut Ctx, unmanaged: &mut Unmanaged) {
    let d = cx.d;
    let pl = cx.dialect == Dialect::Pelican;
    let release = roost_model::release::PelicanRelease::of_nodes(&cx.live.nodes);
    let mut connect_unreported: Vec<&str> = Vec::new();
    let loc_by_id: HashMap<u64, &str> = cx
        .live
        .locations
        .iter()
        .map(|l| (l.id, l.short.as_str()))
        .collect();
    let loc_by_short: HashMap<&str, u64> = cx
        .live
        .locations
        .iter()
        .map(|l| (l.short.as_str(), l.id))
        .collect();
    for (name, n) in &d.nodes {
        let address = Address::new(Kind::Node, name);
        let origin = Some(n.origin);
        // Fields the other dialect lacks (manifests written with `dialect "auto"`).
        if pl && n.location.is_some() {
            cx.errors.push(
                PlanError::new(
                    "roost::wrong-dialect",
                    format!("node `{name}` sets `location`, but the panel is Pelican"),
                    origin,
                )
                .help("Pelican replaced locations with tags: write `tags \"...\"`"),
            );
        }
        if !pl {
            if n.location.is_none() {
                cx.errors.push(
                    PlanError::new(
                        "roost::missing-field",
                        format!("node `{name}` has no `location`, which Pterodactyl requires"),
                        origin,
                    )
                    .help("add `location \"SHORT\"` and declare the location"),
                );
            }
            let pl_only = [
                ("tags", !n.tags.is_empty()),
                ("cpu", n.cpu != 0 || n.cpu_overallocate != 0),
                ("description", n.description.is_some()),
                ("daemon connect", n.daemon_connect.is_some()),
                ("daemon sftp-alias", n.daemon_sftp_alias.is_some()),
            ];
            for (field, set) in pl_only {
                if set {
                    cx.errors.push(
                        PlanError::new(
                            "roost::wrong-dialect",
                            format!(
                                "node `{name}` sets `{field}`, which Pterodactyl does not have"
                            ),
                            origin,
                        )
                        .help(format!(
                            "remove `{field}`, or point roost at a Pelican panel"
                        )),
                    );
                }
            }
        }
        let daemon_base = n
            .daemon_base
            .clone()
            .unwrap_or_else(|| cx.dialect.default_daemon_base().to_string());
        let location_id = n
            .location
            .as_ref()
            .and_then(|s| loc_by_short.get(s.as_str()).copied());
        let mut target = NodeTarget {
            node: n.clone(),
            location_id,
            daemon_base: daemon_base.clone(),
        };
        let mut tags = n.tags.clone();
        tags.sort();
        tags.dedup();
        let connect = n.daemon_connect.unwrap_or(n.daemon_listen);
        let live = match cx
            .node_by_name
            .get(name.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            [] => None,
            [live] => Some(*live),
            many => {
                let ids: Vec<String> = many
                    .iter()
                    .map(|n| format!("id {} ({})", n.id, n.fqdn))
                    .collect();
                cx.errors.push(PlanError::new("roost::ambiguous-identity", format!("node `{name}` matches {} nodes on the panel: {}", many.len(), ids.join(", ")), origin).help("node names identify nodes; rename the extra nodes in the panel so that the name is unique"));
                continue;
            }
        };
        // One list of attributes serves both a create (new values) and an update (old -> new).
        let l = live;
        let mut attrs = Attrs::default();
        if l.is_none() {
            attrs.set("name", v(name));
        }
        if !pl {
            attrs.pair(
                "location",
                l.map(|l| v(l.location_id.and_then(|id| loc_by_id.get(&id).copied()))),
                v(&n.location),
                Impact::None,
            );
        } else {
            // Pterodactyl cannot set descriptions; on Pelican an undeclared one is left alone.
            if n.description.is_some() {
                attrs.pair(
                    "description",
                    l.map(|l| v(&l.description)),
                    v(&n.description),
                    Impact::None,
                );
            }
            attrs.pair(
                "tags",
                l.map(|l| v(sorted(&l.tags))),
                v(&tags),
                Impact::None,
            );
            attrs.pair(
                "cpu",
                l.map(|l| v(l.cpu.unwrap_or(0))),
                json!(n.cpu),
                Impact::None,
            );
            attrs.pair(
                "cpu_overallocate",
                l.map(|l| v(l.cpu_overallocate.unwrap_or(0))),
                json!(n.cpu_overallocate),
                Impact::None,
            );
            // A panel that does not report the field (before Pelican 1.0.0-beta22) has nothing
            // to compare or to set: not planned, and said once.
            if crate::releases::reports_daemon_connect(l, release) {
                attrs.pair(
                    "daemon_connect",
                    l.map(|l| v(l.daemon_connect.unwrap_or(l.daemon_listen))),
                    json!(connect),
                    Impact::None,
                );
            } else {
                target.node.daemon_connect = None;
                if connect != n.daemon_listen {
                    connect_unreported.push(name);
                }
            }
            attrs.pair(
                "daemon_sftp_alias",
                l.map(|l| v(&l.daemon_sftp_alias)),
                v(&n.daemon_sftp_alias),
                Impact::None,
            );
        }
        attrs.pair("fqdn", l.map(|l| v(&l.fqdn)), v(&n.fqdn), Impact::None);
        attrs.pair(
            "scheme",
            l.map(|l| v(&l.scheme)),
            v(n.scheme.as_str()),
            Impact::None,
        );
        attrs.pair(
            "behind_proxy",
            l.map(|l| json!(l.behind_proxy)),
            json!(n.behind_proxy),
            Impact::None,
        );
        attrs.pair(
            "public",
            l.map(|l| json!(l.public)),
            json!(n.public),
            Impact::None,
        );
        attrs.pair(
            "maintenance_mode",
            l.map(|l| json!(l.maintenance_mode)),
            json!(n.maintenance),
            Impact::None,
        );
        attrs.pair(
            "memory",
            l.map(|l| json!(l.memory)),
            json!(n.memory),
            Impact::None,
        );
        attrs.pair(
            "memory_overallocate",
            l.map(|l| json!(l.memory_overallocate)),
            json!(n.memory_overallocate),
            Impact::None,
        );
        attrs.pair(
            "disk",
            l.map(|l| json!(l.disk)),
            json!(n.disk),
            Impact::None,
        );
        attrs.pair(
            "disk_overallocate",
            l.map(|l| json!(l.disk_overallocate)),
            json!(n.disk_overallocate),
            Impact::None,
        );
        attrs.pair(
            "upload_size",
            l.map(|l| json!(l.upload_size)),
            json!(n.upload_size),
            Impact::None,
        );
        attrs.pair(
            "daemon_listen",
            l.map(|l| json!(l.daemon_listen)),
            json!(n.daemon_listen),
            Impact::None,
        );
        attrs.pair(
            "daemon_sftp",
            l.map(|l| json!(l.daemon_sftp)),
            json!(n.daemon_sftp),
            Impact::None,
        );
        attrs.pair(
            "daemon_base",
            l.map(|l| v(&l.daemon_base)),
            v(&daemon_base),
            Impact::None,
        );
        if pl {
            let updating = l.is_some() && !attrs.changed.is_empty();
            match crate::releases::node_fqdn(name, &n.fqdn, l, updating, release) {
                crate::releases::Verdict::Fine => {}
                crate::releases::Verdict::Note(note) => cx.notes.push(note),
                crate::releases::Verdict::Refused(message, help) => {
                    cx.errors.push(
                        PlanError::new("roost::refused-by-panel", message, origin).help(help),
                    );
                }
            }
        }
        let mut c = match live {
            None => change(
                address,
                Action::Create,
                None,
                attrs,
                vec![ApiCall::new("POST", "/nodes")],
                origin,
            ),
            Some(live) => {
                let mut c = change(
                    address,
                    Action::Update,
                    Some(live.id),
                    attrs,
                    vec![ApiCall::new("PATCH", format!("/nodes/{}", live.id))],
                    origin,
                );
                if n.maintenance && !live.maintenance_mode {
                    c.warnings.push("puts the node in maintenance mode: its servers become unreachable for players".into());
                }
                c.live = Some(LiveObject::Node(live.clone()));
                c
            }
        };
        c.desired = Some(Desired::Node(target));
        cx.changes.push(c);
    }
    if !connect_unreported.is_empty() {
        cx.notes.push(format!(
            "this panel does not report `daemon_connect` ({}): `daemon connect=` of node(s) {} is not planned",
            release.describe().unwrap_or("an older Pelican"),
            connect_unreported.join(", ")
        ));
    }
    for n in &cx.live.nodes {
        if !d.nodes.contains_key(&n.name) {
            unmanaged.nodes.push(n.name.clone());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Allocations

fn plan_allocations(cx: &mut Ctx, deletes: &mut Vec<Change>, unmanaged: &mut Unmanaged) {
    let d = cx.d;
    let prune = d.panel.prune.contains(&Kind::Allocation);
    // One POST creates every port of a (node, ip, alias) group: only the first change of a
    // group carries the call.
    let mut groups_seen: HashSet<(String, IpAddr, Option<String>)> = HashSet::new();
    let mut declared: HashSet<u64> = HashSet::new();
    for (key, a) in &d.allocations {
        let address = key.address();
        let live_node = cx
            .node_by_name
            .get(key.node.as_str())
            .and_then(|v| (v.len() == 1).then(|| v[0]));
        let live = live_node.and_then(|n| cx.alloc_by_key.get(&(n.id, key.ip, key.port)).copied());
        let node_ref = live_node
            .map(|n| n.id.to_string())
            .unwrap_or_else(|| format!("{{node.{}}}", key.node));
        let mut attrs = Attrs::default();
        let post = |groups: &mut HashSet<(String, IpAddr, Option<String>)>| {
            if groups.insert((key.node.clone(), key.ip, a.alias.clone())) {
                vec![ApiCall::new(
                    "POST",
                    format!("/nodes/{node_ref}/allocations"),
                )]
            } else {
                Vec::new()
            }
        };
        match live {
            None => {
                attrs.set("ip", v(key.ip.to_string()));
                attrs.set("port", json!(key.port));
                attrs.set("alias", v(&a.alias));
                let calls = post(&mut groups_seen);
                let mut c = change(address, Action::Create, None, attrs, calls, Some(a.origin));
                c.desired = Some(Desired::Allocation(a.clone()));
                cx.changes.push(c);
            }
            Some(live) => {
                declared.insert(live.id);
                attrs.cmp("alias", v(&live.alias), v(&a.alias), Impact::None);
                if attrs.changed.is_empty() {
                    cx.unchanged_allocations += 1;
                    continue;
                }
                if live.assigned
                    && !live
                        .server_id
                        .is_some_and(|s| cx.deleted_servers.contains(&s))
                {
                    cx.errors.push(
                        PlanError::new("roost::cannot-change-in-place", format!("the alias of allocation {} cannot change: it is assigned to a server", Endpoint { ip: key.ip, port: key.port }), Some(a.origin))
                            .help("the panel cannot edit an allocation; roost would have to delete and recreate it, which it cannot do while a server holds it. Move the server to another allocation first, or keep the alias"),
                    );
                    continue;
                }
                let mut calls = vec![ApiCall::new(
                    "DELETE",
                    format!("/nodes/{}/allocations/{}", live.node_id, live.id),
                )];
                calls.extend(post(&mut groups_seen));
                let mut c = change(
                    address,
                    Action::Replace,
                    Some(live.id),
                    attrs,
                    calls,
                    Some(a.origin),
                );
                c.desired = Some(Desired::Allocation(a.clone()));
                c.live = Some(LiveObject::Allocation(live.clone()));
                cx.changes.push(c);
            }
        }
    }
    // Allocations on managed nodes that the manifests do not declare.
    let managed_nodes: HashSet<u64> = d
        .nodes
        .keys()
        .filter_map(|n| {
            cx.node_by_name
                .get(n.as_str())
                .and_then(|v| (v.len() == 1).then(|| v[0].id))
        })
        .collect();
    for a in &cx.live.allocations {
        if !managed_nodes.contains(&a.node_id) || declared.contains(&a.id) {
            continue;
        }
        // Free once its server is deleted, or once the server's update lets go of it: deletes
        // of allocations and users run after the updates.
        let freed = a.server_id.is_some_and(|s| cx.deleted_servers.contains(&s))
            || cx.released_allocations.contains(&a.id);
        if prune && (!a.assigned || freed) {
            let node = &cx.node_by_id[&a.node_id].name;
            let address = match a.ip_addr() {
                Some(ip) => Address::allocation(node, ip, a.port),
                None => Address::new(Kind::Allocation, format!("{node}/{}:{}", a.ip, a.port)),
            };
            let mut attrs = Attrs::default();
            attrs.changed.push(AttrChange {
                name: "alias".into(),
                old: Some(v(&a.alias)),
                new: None,
                sensitive: false,
                impact: Impact::None,
                cause: None,
            });
            let mut c = change(
                address,
                Action::Delete,
                Some(a.id),
                attrs,
                vec![ApiCall::new(
                    "DELETE",
                    format!("/nodes/{}/allocations/{}", a.node_id, a.id),
                )],
                None,
            );
            if let Some(s) = a.server_id.filter(|_| freed)
                && let Some(srv) = cx.live.servers.iter().find(|x| x.id == s)
            {
                c.depends_on.push(server_address(cx.d, srv));
            }
            c.live = Some(LiveObject::Allocation(a.clone()));
            deletes.push(c);
        } else {
            unmanaged.allocations += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Servers

/// The address a live server has in the manifests' namespace (or by its id when foreign).
pub(crate) fn server_address(d: &roost_model::Desired, s: &LiveServer) -> Address {
    match s
        .external_id
        .as_deref()
        .and_then(|e| roost_model::parse_marker(&d.panel.namespace, e))
    {
        Some((key, _)) => Address::new(Kind::Server, key),
        None => Address::new(Kind::Server, format!("#{}", s.id)),
    }
}

/// Owned servers that left the manifests: deleted when pruning is on. Runs first so that the
/// other kinds know which allocations and owners this plan frees.
fn plan_servers_delete(cx: &mut Ctx, deletes: &mut Vec<Change>, unmanaged: &mut Unmanaged) {
    let d = cx.d;
    // Every external id of a declared server (either protection, the previous namespace).
    let wanted: HashSet<String> = d
        .servers
        .values()
        .flat_map(|s| crate::ownership::server_ids(d, s))
        .collect();
    let adopted: HashSet<u64> = d
        .servers
        .values()
        .filter_map(|s| match &s.adopt {
            Some(AdoptServer::Id(id)) => Some(*id),
            Some(AdoptServer::Uuid(u)) => {
                cx.live.servers.iter().find(|l| &l.uuid == u).map(|l| l.id)
            }
            None => None,
        })
        .collect();
    let prune = d.panel.prune.contains(&Kind::Server);
    let gone: Vec<&LiveServer> = cx
        .live
        .servers
        .iter()
        .filter(|s| {
            !adopted.contains(&s.id) && !s.external_id.as_ref().is_some_and(|e| wanted.contains(e))
        })
        .collect();
    // Two servers with one marker: roost cannot tell which it created, so it deletes neither.
    let twice = crate::ownership::claimed_twice(
        &d.panel,
        gone.iter().map(|s| {
            (
                s.external_id.as_deref(),
                format!(
                    "id {} \"{}\" (external id `{}`)",
                    s.id,
                    s.name,
                    s.external_id.as_deref().unwrap_or_default()
                ),
            )
        }),
    );
    if prune {
        for (key, list) in &twice {
            cx.errors.push(crate::ownership::claimed_twice_error(
                "server", key, list, None,
            ));
        }
    }
    for s in gone {
        let marker = match crate::ownership::claim(&d.panel, s.external_id.as_deref()) {
            crate::ownership::Claim::Ours { key, protected } => Some((key, protected)),
            _ => None,
        };
        let owned = marker.is_some();
        if marker.is_some_and(|(key, _)| twice.contains_key(key)) && prune {
            continue;
        }
        if marker.is_some_and(|(_, protected)| protected) && prune {
            cx.errors.push(PlanError::new("roost::protected", format!("server `{}` (id {}) left the manifests and would be pruned, but the panel marks it protected (external id `{}`)", s.name, s.id, s.external_id.as_deref().unwrap_or_default()), None).help("put its block back in the manifests; to really delete it, first apply it with `protect #false`, then remove the block"));
            continue;
        }
        if owned && prune {
            cx.deleted_servers.insert(s.id);
            deletes.push(delete_server(d, s));
        } else {
            unmanaged.servers.push(UnmanagedServer {
                id: s.id,
                name: s.name.clone(),
                external_id: s.external_id.clone(),
                owned,
            });
        }
    }
}

fn delete_server(d: &roost_model::Desired, s: &LiveServer) -> Change {
    let mut attrs = Attrs::default();
    attrs.changed.push(AttrChange {
        name: "name".into(),
        old: Some(v(&s.name)),
        new: None,
        sensitive: false,
        impact: Impact::Destroy,
        cause: None,
    });
    let mut c = change(
        server_address(d, s),
        Action::Delete,
        Some(s.id),
        attrs,
        vec![ApiCall::new("DELETE", format!("/servers/{}", s.id))],
        None,
    );
    c.impact = Impact::Destroy;
    c.warnings
        .push(format!("destroys server `{}` and its files", s.name));
    c.live = Some(LiveObject::Server(Box::new(s.clone())));
    c
}

fn find_egg<'a>(cx: &mut Ctx<'a>, s: &Server) -> Option<&'a LiveEgg> {
    let live = cx.live;
    let nest_id = match &s.egg.nest {
        Some(nest) if cx.dialect == Dialect::Pelican => {
            cx.errors.push(PlanError::new("roost::wrong-dialect", format!("server `{}` names the nest `{nest}`, but the panel is Pelican, which has no nests", s.key), Some(s.origin)).help(format!("write egg \"{}\" without nest=", s.egg.name)));
            return None;
        }
        Some(nest) => match live.nests.iter().find(|n| &n.name == nest) {
            Some(n) => Some(n.id),
            None => {
                let names: Vec<&str> = live.nests.iter().map(|n| n.name.as_str()).collect();
                cx.errors.push(
                    PlanError::new(
                        "roost::undefined-reference",
                        format!(
                            "server `{}` uses the nest `{nest}`, which the panel does not have",
                            s.key
                        ),
                        Some(s.origin),
                    )
                    .help(format!("nests on the panel: {}", names.join(", "))),
                );
                return None;
            }
        },
        None => None,
    };
    let candidates: Vec<&LiveEgg> = live
        .eggs
        .iter()
        .filter(|e| e.name == s.egg.name && nest_id.is_none_or(|n| e.nest == Some(n)))
        .collect();
    match candidates.as_slice() {
        [one] => Some(*one),
        [] => {
            let names: Vec<&str> = live
                .eggs
                .iter()
                .filter(|e| nest_id.is_none_or(|n| e.nest == Some(n)))
                .map(|e| e.name.as_str())
                .collect();
            let close = names
                .iter()
                .copied()
                .min_by_key(|n| levenshtein(n, &s.egg.name))
                .filter(|n| levenshtein(n, &s.egg.name) <= 3);
            let help = match close {
                Some(c) => format!("did you mean \"{c}\"?"),
                None => format!(
                    "eggs on the panel: {}; eggs are imported in the panel, not by roost",
                    names.join(", ")
                ),
            };
            cx.errors.push(
                PlanError::new(
                    "roost::undefined-reference",
                    format!(
                        "server `{}` uses the egg `{}`, which the panel does not have",
                        s.key, s.egg.name
                    ),
                    Some(s.origin),
                )
                .help(help),
            );
            None
        }
        many => {
            let ids: Vec<String> = many
                .iter()
                .map(|e| format!("id {} ({})", e.id, e.uuid))
                .collect();
            cx.errors.push(
                PlanError::new(
                    "roost::ambiguous-identity",
                    format!(
                        "server `{}` names the egg `{}`, which matches {} eggs: {}",
                        s.key,
                        s.egg.name,
                        many.len(),
                        ids.join(", ")
                    ),
                    Some(s.origin),
                )
                .help(if cx.dialect == Dialect::Pterodactyl {
                    "add nest=\"...\" to pick one"
                } else {
                    "rename the duplicate egg in the panel"
                }),
            );
            None
        }
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

fn endpoint_of(a: &LiveAllocation) -> String {
    match a.ip_addr() {
        Some(ip) => Endpoint { ip, port: a.port }.to_string(),
        None => format!("{}:{}", a.ip, a.port),
    }
}

fn plan_servers(cx: &mut Ctx) {
    // Servers without any external id, by name: adoption candidates worth a note.
    let mut unmarked_by_name: HashMap<&str, Vec<&LiveServer>> = HashMap::new();
    for l in cx.live.servers.iter().filter(|l| l.external_id.is_none()) {
        unmarked_by_name.entry(l.name.as_str()).or_default().push(l);
    }
    let d = cx.d;
    let mut by_ext: HashMap<&str, Vec<&LiveServer>> = HashMap::new();
    for s in &cx.live.servers {
        if let Some(e) = &s.external_id {
            by_ext.entry(e.as_str()).or_default().push(s);
        }
    }
    let pl = cx.dialect == Dialect::Pelican;
    for (key, s) in &d.servers {
        let address = Address::new(Kind::Server, key);
        let origin = Some(s.origin);
        let ext = d.server_external_id(s);
        if !pl && s.allocation.is_none() {
            cx.errors.push(
                PlanError::new(
                    "roost::missing-field",
                    format!("server `{key}` has no `allocation`, which Pterodactyl requires"),
                    origin,
                )
                .help("add allocation \"IP:PORT\""),
            );
            continue;
        }
        let Some(egg) = find_egg(cx, s) else { continue };
        for var in s.environment.keys() {
            if !egg.variables.iter().any(|v| &v.env_variable == var) {
                let known: Vec<&str> = egg
                    .variables
                    .iter()
                    .map(|v| v.env_variable.as_str())
                    .collect();
                cx.errors.push(
                    PlanError::new(
                        "roost::unknown-variable",
                        format!(
                            "server `{key}` sets `{var}`, which the egg `{}` does not have",
                            egg.name
                        ),
                        origin,
                    )
                    .help(format!(
                        "the panel would ignore it; variables of `{}`: {}",
                        egg.name,
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    )),
                );
            }
        }
        // Which live server is this?
        // Its marker, the other protection's (toggled since the last apply), and the previous
        // namespace's: all the same server.
        let by_key: Vec<&LiveServer> = crate::ownership::server_ids(d, s)
            .iter()
            .flat_map(|id| by_ext.get(id.as_str()).cloned().unwrap_or_default())
            .collect();
        let live: Option<&LiveServer> = match &s.adopt {
            Some(how) => {
                let found = match how {
                    AdoptServer::Id(id) => cx.live.servers.iter().find(|l| l.id == *id),
                    AdoptServer::Uuid(u) => cx.live.servers.iter().find(|l| &l.uuid == u),
                };
                let Some(found) = found else {
                    let what = match how {
                        AdoptServer::Id(id) => format!("id {id}"),
                        AdoptServer::Uuid(u) => format!("uuid {u}"),
                    };
                    cx.errors.push(PlanError::new("roost::adopt-missing", format!("server `{key}` adopts the panel server with {what}, which does not exist"), origin).help("check the id in the panel, or remove `adopt` to create the server"));
                    continue;
                };
                if let Some(other) = by_key.iter().find(|l| l.id != found.id) {
                    cx.errors.push(PlanError::new("roost::ambiguous-identity", format!("server `{key}` adopts server id {} but server id {} (\"{}\") already carries its external id `{ext}`", found.id, other.id, other.name), origin).help(format!("remove `adopt` to keep managing id {}, or clear the external id of id {} in the panel", other.id, other.id)));
                    continue;
                }
                if let Some(fe) = &found.external_id
                    && fe != &ext
                    && roost_model::parse_marker(&d.panel.namespace, fe)
                        .is_some_and(|(k, _)| k != key)
                {
                    cx.errors.push(PlanError::new("roost::ambiguous-identity", format!("server `{key}` adopts server id {}, which roost already manages as `{fe}`", found.id), origin).help("a server is managed by one manifest entry; remove the other entry or this `adopt`"));
                    continue;
                }
                Some(found)
            }
            None => match by_key.as_slice() {
                [] => None,
                [one] => Some(*one),
                many => {
                    let list: Vec<String> = many
                        .iter()
                        .map(|l| format!("id {} \"{}\" (uuid {})", l.id, l.name, l.uuid))
                        .collect();
                    cx.errors.push(PlanError::new("roost::ambiguous-identity", format!("server `{key}`: {} panel servers carry the external id `{ext}`: {}", many.len(), list.join(", ")), origin).help("roost will not guess: pick one with `adopt id=N` and clear the external id of the others in the panel"));
                    continue;
                }
            },
        };
        if live.is_none() {
            // Likely candidates for adoption: same name, same node, no external id.
            for l in unmarked_by_name.get(s.name.as_str()).into_iter().flatten() {
                cx.notes.push(format!("server `{key}` will be created, but the panel already has a server named \"{}\" without an external id (id {}); to take it over instead, add `adopt id={}`", l.name, l.id, l.id));
            }
            let namesakes = crate::ownership::namesake_notes(d, s, &cx.live.servers);
            cx.notes.extend(namesakes);
        }
        if live.is_none() && s.allocation.is_none() {
            cx.errors.push(PlanError::new("roost::missing-field", format!("server `{key}` has no `allocation`, so roost cannot create it on node `{}`", s.node), origin).help("the panel places a new server by its primary allocation (Pelican's tag-based placement cannot pin a node): add allocation \"IP:PORT\""));
            continue;
        }
        // Pre-flight: the panel rejects a required egg variable left empty (422).
        let mut missing_var = false;
        for var in &egg.variables {
            // A secret is never empty: an empty one fails the plan on its own.
            let empty = match s.environment.get(&var.env_variable) {
                Some(roost_model::EnvValue::Literal(x)) => x.is_empty(),
                Some(roost_model::EnvValue::Secret(_)) => false,
                None => var.default_value.is_empty(),
            };
            if empty && var.rules.iter().any(|r| r == "required") {
                missing_var = true;
                cx.errors.push(
                    PlanError::new(
                        "roost::missing-variable",
                        format!(
                            "server `{key}`: the egg `{}` requires `{}` ({}), which has no default",
                            egg.name, var.env_variable, var.name
                        ),
                        origin,
                    )
                    .help(format!("set it: env {}=\"...\"", var.env_variable)),
                );
            }
        }
        if missing_var {
            continue;
        }
        build_server_change(cx, key, s, egg, live, address, ext);
    }
}

#[allow(clippy::too_many_arguments)]
fn build_server_change(
    cx: &mut Ctx,
    key: &str,
    s: &Server,
    egg: &LiveEgg,
    live: Option<&LiveServer>,
    address: Address,
    ext: String,
) {
    let d = cx.d;
    let origin = Some(s.origin);
    let node_live = cx
        .node_by_name
        .get(s.node.as_str())
        .and_then(|v| (v.len() == 1).then(|| v[0]));
    // The owner's panel id, as the users' planning identified it (None: created by this plan).
    let owner_id = cx.user_ids.get(&s.owner).copied();
    let alloc_ref = |ep: &Endpoint| -> AllocationRef {
        let id = node_live
            .and_then(|n| cx.alloc_by_key.get(&(n.id, ep.ip, ep.port)))
            .map(|a| a.id);
        AllocationRef {
            address: Address::allocation(&s.node, ep.ip, ep.port),
            id,
        }
    };
    let allocation = s.allocation.as_ref().map(alloc_ref);
    let additional: Vec<AllocationRef> = s.additional_allocations.iter().map(alloc_ref).collect();
    // Allocations held by another server the plan does not delete: the panel would refuse.
    for r in allocation.iter().chain(&additional) {
        if let Some(a) = r.id.and_then(|id| cx.alloc_by_id.get(&id))
            && let Some(holder) = a.server_id
            && Some(holder) != live.map(|l| l.id)
            && !cx.deleted_servers.contains(&holder)
        {
            let hname = cx
                .live
                .servers
                .iter()
                .find(|x| x.id == holder)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            cx.errors.push(PlanError::new("roost::allocation-taken", format!("server `{key}` wants {}, but the panel has given it to server id {holder} (\"{hname}\")", r.address.name), origin).help("free it in the panel, adopt that server, or choose another port"));
        }
    }
    // Egg defaults fill what the manifest leaves out.
    let egg_changed = live.is_some_and(|l| l.egg != egg.id);
    let default_image = egg
        .docker_images
        .first()
        .map(|(_, i)| i.clone())
        .unwrap_or_default();
    let image = match (&s.image, live) {
        (Some(i), _) => i.clone(),
        (None, Some(l)) if !egg_changed => l.image.clone(),
        _ => default_image,
    };
    let startup = match (&s.startup, live) {
        (Some(x), _) => x.clone(),
        (None, Some(l)) if !egg_changed => l.startup.clone(),
        _ => egg.startup.clone(),
    };
    let environment = crate::sensitive::ServerEnvironment::of(egg, s);
    let target = ServerTarget {
        name: s.name.clone(),
        description: s.description.clone(),
        external_id: ext.clone(),
        owner: Address::new(Kind::User, &s.owner),
        owner_id,
        node: Address::new(Kind::Node, &s.node),
        node_id: node_live.map(|n| n.id),
        egg_id: egg.id,
        nest_id: egg.nest,
        image: image.clone(),
        startup: startup.clone(),
        environment: environment.plain.clone(),
        secret_environment: environment.secret.clone(),
        panel_environment: Vec::new(),
        limits: s.limits.clone(),
        databases: s.features.databases,
        allocations_limit: s.features.allocations,
        backups: s.features.backups,
        allocation: allocation.clone(),
        additional_allocations: additional.clone(),
        suspended: s.suspended,
        skip_scripts: s.skip_scripts,
        reinstall: egg_changed,
    };
    let egg_label = |id: u64| -> Value {
        match cx.live.eggs.iter().find(|e| e.id == id) {
            Some(e) => match e
                .nest
                .and_then(|n| cx.live.nests.iter().find(|x| x.id == n))
            {
                Some(n) => json!(format!("{} ({})", e.name, n.name)),
                None => json!(e.name),
            },
            None => json!(format!("egg id {id}")),
        }
    };
    let l = &s.limits;
    let ep_str = |r: &AllocationRef| {
        r.address
            .name
            .split_once('/')
            .map(|(_, e)| e.to_string())
            .unwrap_or_default()
    };
    // One list of attributes serves both a create (new values) and an update (old -> new).
    let mut attrs = Attrs::default();
    let lv = live;
    let live_owner = |l: &LiveServer| {
        cx.user_by_id
            .get(&l.user)
            .map(|u| u.username.clone())
            .unwrap_or_else(|| format!("user id {}", l.user))
    };
    let live_node = |l: &LiveServer| {
        cx.node_by_id
            .get(&l.node)
            .map(|n| n.name.clone())
            .unwrap_or_else(|| format!("node id {}", l.node))
    };
    // The panel trims every string it is sent (Laravel's TrimStrings): a name that differs
    // only by surrounding whitespace cannot be written, so it is no change.
    attrs.pair(
        "name",
        lv.map(|l| v(l.name.trim())),
        v(&s.name),
        Impact::None,
    );
    if lv.is_some() || !s.description.is_empty() {
        attrs.pair(
            "description",
            lv.map(|l| v(l.description.trim_end())),
            v(&s.description),
            Impact::None,
        );
    }
    attrs.pair(
        "external_id",
        lv.map(|l| v(&l.external_id)),
        v(&ext),
        Impact::None,
    );
    // The owner is a user, not a name: when it is the same panel user (renamed, or spelt in
    // another case), nothing changes.
    attrs.pair(
        "owner",
        lv.map(|l| {
            if owner_id == Some(l.user) {
                v(&s.owner)
            } else {
                v(live_owner(l))
            }
        }),
        v(&s.owner),
        Impact::None,
    );
    attrs.pair(
        "node",
        lv.map(|l| v(live_node(l))),
        v(&s.node),
        Impact::Destroy,
    );
    attrs.pair(
        "egg",
        lv.map(|l| egg_label(l.egg)),
        egg_label(egg.id),
        Impact::Reinstall,
    );
    attrs.pair("image", lv.map(|l| v(&l.image)), v(&image), Impact::Restart);
    attrs.pair(
        "startup",
        lv.map(|l| v(&l.startup)),
        v(&startup),
        Impact::Restart,
    );
    // Variables come and go with the egg; sensitive ones are compared but never shown.
    let unreadable = crate::sensitive::compare_environment(
        &mut attrs,
        &environment,
        lv,
        egg_changed,
        &cx.sensitive,
        cx.secrets,
    );
    for (var, why) in unreadable {
        let at = s.environment_origins.get(&var).copied().unwrap_or(s.origin);
        cx.errors.push(crate::sensitive::unreadable_secret(
            format!("server `{key}`: the egg variable `{var}`"),
            &why,
            at,
        ));
    }
    attrs.pair(
        "limits.memory",
        lv.map(|l| json!(l.limits.memory)),
        json!(l.memory),
        Impact::Restart,
    );
    attrs.pair(
        "limits.swap",
        lv.map(|l| json!(l.limits.swap)),
        json!(l.swap),
        Impact::Restart,
    );
    attrs.pair(
        "limits.disk",
        lv.map(|l| json!(l.limits.disk)),
        json!(l.disk),
        Impact::Restart,
    );
    attrs.pair(
        "limits.io",
        lv.map(|l| json!(l.limits.io)),
        json!(l.io),
        Impact::Restart,
    );
    attrs.pair(
        "limits.cpu",
        lv.map(|l| json!(l.limits.cpu)),
        json!(l.cpu),
        Impact::Restart,
    );
    attrs.pair(
        "limits.threads",
        lv.map(|l| v(l.limits.threads.as_deref().filter(|t| !t.is_empty()))),
        v(&l.threads),
        Impact::Restart,
    );
    attrs.pair(
        "limits.oom_killer",
        lv.map(|l| json!(l.limits.oom_killer)),
        json!(l.oom_killer),
        Impact::Restart,
    );
    attrs.pair(
        "feature_limits.databases",
        lv.map(|l| feature_live(l.feature_limits.databases)),
        feature(s.features.databases),
        Impact::None,
    );
    attrs.pair(
        "feature_limits.allocations",
        lv.map(|l| feature_live(l.feature_limits.allocations)),
        feature(s.features.allocations),
        Impact::None,
    );
    attrs.pair(
        "feature_limits.backups",
        lv.map(|l| feature_live(l.feature_limits.backups)),
        feature(s.features.backups),
        Impact::None,
    );
    let live_primary = |l: &LiveServer| {
        v(l.allocation
            .and_then(|id| cx.alloc_by_id.get(&id))
            .map(|a| endpoint_of(a)))
    };
    attrs.pair(
        "allocation",
        lv.map(live_primary),
        v(allocation.as_ref().map(ep_str)),
        Impact::Restart,
    );
    let live_extra = |l: &LiveServer| {
        let mut e: Vec<String> = l
            .allocations
            .iter()
            .filter(|id| Some(**id) != l.allocation)
            .filter_map(|id| cx.alloc_by_id.get(id))
            .map(|a| endpoint_of(a))
            .collect();
        e.sort();
        v(e)
    };
    let mut want_extra: Vec<String> = additional.iter().map(ep_str).collect();
    want_extra.sort();
    if lv.is_some() || !want_extra.is_empty() {
        attrs.pair(
            "additional_allocations",
            lv.map(live_extra),
            v(want_extra),
            Impact::Restart,
        );
    }
    if lv.is_some() || s.suspended {
        attrs.pair(
            "suspended",
            lv.map(|l| json!(l.suspended || l.status.as_deref() == Some("suspended"))),
            json!(s.suspended),
            Impact::Restart,
        );
    }
    match live {
        None => {
            let mut calls = vec![ApiCall::new("POST", "/servers")];
            // The panel stores "unlimited" (null) feature limits as 0 on create: a build PATCH
            // afterwards sets them for real.
            if s.features.databases.is_none()
                || s.features.allocations.is_none()
                || s.features.backups.is_none()
            {
                calls.push(ApiCall::new(
                    "PATCH",
                    format!("/servers/{{server.{key}}}/build"),
                ));
            }
            if s.suspended {
                calls.push(ApiCall::new(
                    "POST",
                    format!("/servers/{{server.{key}}}/suspend"),
                ));
            }
            let mut c = change(address, Action::Create, None, attrs, calls, origin);
            c.desired = Some(Desired::Server(Box::new(target)));
            cx.changes.push(c);
        }
        Some(live) => {
            let replace = attrs.any(&["node"]);
            // Taking it over, or re-marking it under a new namespace, is an adoption; toggling
            // `protect` only rewrites the marker.
            let adopting = !crate::ownership::server_is_marked(d, s, live.external_id.as_deref());
            let mut calls = Vec::new();
            if replace {
                calls.push(ApiCall::new("DELETE", format!("/servers/{}", live.id)));
                calls.push(ApiCall::new("POST", "/servers"));
            } else {
                if attrs.any(&["name", "description", "external_id", "owner"]) {
                    calls.push(ApiCall::new(
                        "PATCH",
                        format!("/servers/{}/details", live.id),
                    ));
                }
                let build = attrs.changed.iter().any(|a| {
                    a.name.starts_with("limits.")
                        || a.name.starts_with("feature_limits.")
                        || a.name.ends_with("allocation")
                        || a.name == "additional_allocations"
                });
                if build {
                    calls.push(ApiCall::new("PATCH", format!("/servers/{}/build", live.id)));
                }
                if attrs.changed.iter().any(|a| {
                    a.name == "egg"
                        || a.name == "image"
                        || a.name == "startup"
                        || a.name.starts_with("environment.")
                }) {
                    calls.push(ApiCall::new(
                        "PATCH",
                        format!("/servers/{}/startup", live.id),
                    ));
                }
                if attrs.any(&["suspended"]) {
                    let what = if s.suspended { "suspend" } else { "unsuspend" };
                    calls.push(ApiCall::new("POST", format!("/servers/{}/{what}", live.id)));
                }
                if egg_changed {
                    calls.push(ApiCall::new(
                        "POST",
                        format!("/servers/{}/reinstall", live.id),
                    ));
                }
            }
            let action = if replace {
                Action::Replace
            } else if adopting {
                Action::Adopt
            } else {
                Action::Update
            };
            let mut c = change(address, action, Some(live.id), attrs, calls, origin);
            if replace {
                c.impact = Impact::Destroy;
                c.warnings.push(format!("moving to node `{}` destroys the server and its files and creates it again: the panel's API cannot move a server", s.node));
                if s.protect {
                    cx.errors.push(PlanError::new("roost::protected", format!("server `{key}` is protected, but this plan would replace it (its node changes)"), origin).help("remove `protect #true` if the data loss is intended, or keep the server on its node"));
                }
            } else if egg_changed {
                c.warnings.push(format!(
                    "changing the egg reinstalls server `{}`: its files are at risk",
                    s.name
                ));
            }
            c.desired = Some(Desired::Server(Box::new(target)));
            c.live = Some(LiveObject::Server(Box::new(live.clone())));
            cx.changes.push(c);
        }
    }
}

fn feature(x: Option<u64>) -> Value {
    match x {
        Some(n) => json!(n),
        None => json!("unlimited"),
    }
}

fn feature_live(x: Option<i64>) -> Value {
    match x {
        Some(n) => json!(n),
        None => json!("unlimited"),
    }
}

// ---------------------------------------------------------------------------------------------
// Base, targets, summary

fn classify(plan: &mut Plan, base_plan: Option<&Plan>, base: &roost_model::Desired) {
    let base_allocations: HashSet<Address> = base.allocations.keys().map(|k| k.address()).collect();
    let in_base = |a: &Address| -> bool {
        match a.kind {
            Kind::Location => base.locations.contains_key(&a.name),
            Kind::Node => base.nodes.contains_key(&a.name),
            Kind::User => base.users.contains_key(&a.name),
            Kind::Server => base.servers.contains_key(&a.name),
            Kind::Allocation => base_allocations.contains(a),
            Kind::Database => a.parent.as_deref().is_some_and(|p| {
                base.servers
                    .get(&p.name)
                    .is_some_and(|s| s.databases.contains_key(&a.name))
            }),
        }
    };
    let base_changes: HashMap<&Address, &Change> = base_plan
        .map(|p| p.changes.iter().map(|c| (&c.address, c)).collect())
        .unwrap_or_default();
    for c in &mut plan.changes {
        match base_changes.get(&c.address) {
            // The base would have made the same change: the panel moved, not the manifests.
            Some(b) if b.action == c.action => {
                for a in &mut c.attributes {
                    let same = b
                        .attributes
                        .iter()
                        .any(|x| x.name == a.name && x.new == a.new && x.sensitive == a.sensitive);
                    a.cause = Some(if same { Cause::Drift } else { Cause::Intended });
                }
            }
            Some(_) => {
                for a in &mut c.attributes {
                    a.cause = Some(Cause::Intended);
                }
            }
            None => {
                // The base would change nothing here: every difference comes from the manifests,
                // unless the base never declared it and the panel holds it (a delete of drift).
                let cause = if c.action == Action::Delete && !in_base(&c.address) {
                    Cause::Drift
                } else {
                    Cause::Intended
                };
                for a in &mut c.attributes {
                    a.cause = Some(cause);
                }
            }
        }
        let drift = c
            .attributes
            .iter()
            .filter(|a| a.cause == Some(Cause::Drift))
            .count();
        let intended = c
            .attributes
            .iter()
            .filter(|a| a.cause == Some(Cause::Intended))
            .count();
        c.cause = Some(match (intended, drift) {
            (_, 0) => Cause::Intended,
            (0, _) => Cause::Drift,
            _ => Cause::Mixed,
        });
    }
}

fn restrict(plan: &mut Plan, desired: &roost_model::Desired, targets: &[Address]) {
    let graph = Graph::from_desired(desired);
    let keep: HashSet<Address> = graph
        .closure_of(targets)
        .into_iter()
        .chain(targets.iter().cloned())
        .collect();
    plan.changes.retain(|c| keep.contains(&c.address));
    plan.targets = targets.to_vec();
}

fn summarise(plan: &mut Plan) {
    let mut s = Summary {
        unchanged: plan.summary.unchanged,
        ..Summary::default()
    };
    // One POST per allocation group is already reflected in the calls lists.
    for c in &plan.changes {
        match c.action {
            Action::Create => s.create += 1,
            Action::Update => s.update += 1,
            Action::Replace => s.replace += 1,
            Action::Delete => s.delete += 1,
            Action::Adopt => s.adopt += 1,
        }
        match c.impact {
            Impact::None => {}
            Impact::Restart => s.restart += 1,
            Impact::Reinstall => s.reinstall += 1,
            Impact::Destroy => s.destroy += 1,
        }
        match c.cause {
            Some(Cause::Intended) => s.intended += 1,
            Some(Cause::Drift) => s.drift += 1,
            Some(Cause::Mixed) => {
                s.intended += 1;
                s.drift += 1;
            }
            None => {}
        }
        s.requests += c.calls.len();
    }
    s.unmanaged = plan.unmanaged.count();
    s.seconds_at_rate_limit = (s.requests as u64 * 60).div_ceil(u64::from(plan.rate_limit.max(1)));
    plan.summary = s;
}

/// Parse an ignore rule: `KIND.*.FIELD` or `KIND.NAME.FIELD` (FIELD may contain dots, as in
/// `limits.memory`; NAME may too, so every split is tried against the known attributes).
pub fn parse_ignore(pattern: &str) -> Option<Ignore> {
    let (kind, rest) = pattern.split_once('.')?;
    let kind = Kind::parse(kind)?;
    for (i, _) in rest.match_indices('.') {
        let (name, field) = (&rest[..i], &rest[i + 1..]);
        if roost_model::attributes::is_known(kind, field) {
            let address = (name != "*").then(|| Address::new(kind, name));
            return Some(Ignore {
                address,
                kind,
                attribute: field.to_string(),
            });
        }
    }
    None
}

/// The run's ignores plus the manifests' own (panel-wide patterns and per-resource lists).
fn effective_ignores(d: &roost_model::Desired, extra: &[Ignore]) -> Vec<Ignore> {
    let mut out: Vec<Ignore> = extra.to_vec();
    out.extend(d.panel.ignore.iter().filter_map(|p| parse_ignore(p)));
    let mut per = |kind: Kind, name: &str, list: &[String]| {
        for f in list {
            out.push(Ignore {
                address: Some(Address::new(kind, name)),
                kind,
                attribute: f.clone(),
            });
        }
    };
    for (n, x) in &d.locations {
        per(Kind::Location, n, &x.ignore);
    }
    for (n, x) in &d.nodes {
        per(Kind::Node, n, &x.ignore);
    }
    for (n, x) in &d.users {
        per(Kind::User, n, &x.ignore);
    }
    for (n, x) in &d.servers {
        per(Kind::Server, n, &x.ignore);
    }
    out
}

/// For ignored attributes, the target keeps the live value: an update of other fields must
/// not overwrite what another tool owns (the panel's PATCHes replace whole objects).
fn keep_live(target: &mut Desired, live: &LiveObject, ignored: &[&str]) {
    if ignored.is_empty() {
        return;
    }
    match (target, live) {
        (Desired::Location(t), LiveObject::Location(l)) if ignored.contains(&"description") => {
            t.description = l.long.clone();
        }
        (Desired::Node(t), LiveObject::Node(l)) => {
            let n = &mut t.node;
            for f in ignored {
                match *f {
                    "description" => n.description = l.description.clone(),
                    "tags" => n.tags = l.tags.clone(),
                    "fqdn" => n.fqdn = l.fqdn.clone(),
                    "behind_proxy" => n.behind_proxy = l.behind_proxy,
                    "public" => n.public = l.public,
                    "maintenance_mode" => n.maintenance = l.maintenance_mode,
                    "memory" => n.memory = l.memory.max(0) as u64,
                    "memory_overallocate" => n.memory_overallocate = l.memory_overallocate,
                    "disk" => n.disk = l.disk.max(0) as u64,
                    "disk_overallocate" => n.disk_overallocate = l.disk_overallocate,
                    "cpu" => n.cpu = l.cpu.unwrap_or(0).max(0) as u64,
                    "cpu_overallocate" => n.cpu_overallocate = l.cpu_overallocate.unwrap_or(0),
                    "upload_size" => n.upload_size = l.upload_size.max(0) as u64,
                    "daemon_listen" => n.daemon_listen = l.daemon_listen as u16,
                    "daemon_sftp" => n.daemon_sftp = l.daemon_sftp as u16,
                    "daemon_connect" => n.daemon_connect = l.daemon_connect.map(|c| c as u16),
                    "daemon_sftp_alias" => n.daemon_sftp_alias = l.daemon_sftp_alias.clone(),
                    "daemon_base" => t.daemon_base = l.daemon_base.clone(),
                    "location" => t.location_id = l.location_id,
                    _ => {}
                }
            }
        }
        (Desired::User(t), LiveObject::User(l)) => {
            for f in ignored {
                match *f {
                    "email" => t.email = l.email.clone(),
                    "first_name" => t.first_name = l.first_name.clone(),
                    "last_name" => t.last_name = l.last_name.clone(),
                    "root_admin" => t.admin = l.root_admin,
                    "roles" => t.role_ids = l.role_ids.clone(),
                    "language" => t.language = l.language.clone(),
                    "external_id" => t.external_id = l.external_id.clone(),
                    "username" => t.username = l.username.clone(),
                    _ => {}
                }
            }
        }
        (Desired::Server(t), LiveObject::Server(l)) => {
            for f in ignored {
                match *f {
                    "name" => t.name = l.name.clone(),
                    "description" => t.description = l.description.clone(),
                    "external_id" => t.external_id = l.external_id.clone().unwrap_or_default(),
                    "owner" => t.owner_id = Some(l.user),
                    "image" => t.image = l.image.clone(),
                    "startup" => t.startup = l.startup.clone(),
                    "limits.memory" => t.limits.memory = l.limits.memory.max(0) as u64,
                    "limits.swap" => t.limits.swap = l.limits.swap,
                    "limits.disk" => t.limits.disk = l.limits.disk.max(0) as u64,
                    "limits.io" => t.limits.io = l.limits.io.max(0) as u64,
                    "limits.cpu" => t.limits.cpu = l.limits.cpu.max(0) as u64,
                    "limits.threads" => t.limits.threads = l.limits.threads.clone(),
                    "limits.oom_killer" => t.limits.oom_killer = l.limits.oom_killer,
                    "feature_limits.databases" => {
                        t.databases = l.feature_limits.databases.map(|x| x.max(0) as u64)
                    }
                    "feature_limits.allocations" => {
                        t.allocations_limit = l.feature_limits.allocations.map(|x| x.max(0) as u64)
                    }
                    "feature_limits.backups" => {
                        t.backups = l.feature_limits.backups.map(|x| x.max(0) as u64)
                    }
                    "suspended" => t.suspended = l.suspended,
                    other => {
                        if let Some(var) = other.strip_prefix("environment.") {
                            crate::sensitive::keep_panel_variable(t, var);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// Drop the API calls no remaining attribute needs (after ignores removed some).
fn prune_calls(c: &mut Change) {
    if c.address.kind != Kind::Server {
        if c.attributes.is_empty() {
            c.calls.clear();
        }
        return;
    }
    let has = |pred: &dyn Fn(&str) -> bool| c.attributes.iter().any(|a| pred(&a.name));
    let details = has(&|n| matches!(n, "name" | "description" | "external_id" | "owner"));
    let build = has(&|n| {
        n.starts_with("limits.")
            || n.starts_with("feature_limits.")
            || n == "allocation"
            || n == "additional_allocations"
    });
    let startup =
        has(&|n| n == "egg" || n == "image" || n == "startup" || n.starts_with("environment."));
    let suspend = has(&|n| n == "suspended");
    c.calls.retain(|call| {
        let p = call.path.as_str();
        if p.ends_with("/details") {
            details
        } else if p.ends_with("/build") {
            build
        } else if p.ends_with("/startup") {
            startup
        } else if p.ends_with("/suspend") || p.ends_with("/unsuspend") {
            suspend
        } else {
            true
        }
    });
}

/// Problems the panel would not catch, or would catch halfway through an apply: node capacity
/// after the change, and new servers on a node in maintenance.
fn preflight(cx: &mut Ctx) {
    let d = cx.d;
    // Which live servers stay unmanaged on each node (they count against its capacity).
    let managed_ids: HashSet<u64> = cx
        .changes
        .iter()
        .filter(|c| c.address.kind == Kind::Server)
        .filter_map(|c| c.id)
        .collect();
    #[derive(Default, Clone, Copy)]
    struct Use {
        memory: u64,
        disk: u64,
        cpu: u64,
    }
    let mut before: HashMap<String, Use> = HashMap::new();
    let mut after: HashMap<String, Use> = HashMap::new();
    let desired_ext: HashSet<String> = d
        .servers
        .values()
        .flat_map(|x| crate::ownership::server_ids(d, x))
        .collect();
    for s in &cx.live.servers {
        let Some(node) = cx.node_by_id.get(&s.node) else {
            continue;
        };
        let u = before.entry(node.name.clone()).or_default();
        u.memory += s.limits.memory.max(0) as u64;
        u.disk += s.limits.disk.max(0) as u64;
        u.cpu += s.limits.cpu.max(0) as u64;
        let declared = managed_ids.contains(&s.id)
            || s.external_id
                .as_deref()
                .is_some_and(|e| desired_ext.contains(e));
        if !declared && !cx.deleted_servers.contains(&s.id) {
            let u = after.entry(node.name.clone()).or_default();
            u.memory += s.limits.memory.max(0) as u64;
            u.disk += s.limits.disk.max(0) as u64;
            u.cpu += s.limits.cpu.max(0) as u64;
        }
    }
    for s in d.servers.values() {
        let u = after.entry(s.node.clone()).or_default();
        u.memory += s.limits.memory;
        u.disk += s.limits.disk;
        u.cpu += s.limits.cpu;
    }
    let pl = cx.dialect == Dialect::Pelican;
    for (name, n) in &d.nodes {
        let (b, a) = (
            before.get(name).copied().unwrap_or_default(),
            after.get(name).copied().unwrap_or_default(),
        );
        let mut check = |what: &str,
                         used_before: u64,
                         used_after: u64,
                         cap: u64,
                         over: i64,
                         unit: &str| {
            // -1 disables the check; Pelican also treats a capacity of 0 as unlimited.
            if over < 0 || (pl && cap == 0) || used_after <= used_before {
                return;
            }
            let limit = cap.saturating_mul((100 + over) as u64) / 100;
            if used_after > limit {
                cx.errors.push(
                    PlanError::new("roost::over-capacity", format!("node `{name}` would hold {used_after} {unit} of server {what}, over its capacity of {limit} {unit} ({cap} {unit} + {over}% overallocation)"), Some(n.origin))
                        .help(format!("raise the node's `{what}` or its overallocate=, lower the servers' limits, or move servers to another node (now {used_before} {unit} in use)")),
                );
            }
        };
        check(
            "memory",
            b.memory,
            a.memory,
            n.memory,
            n.memory_overallocate,
            "MiB",
        );
        check("disk", b.disk, a.disk, n.disk, n.disk_overallocate, "MiB");
        if pl {
            check("cpu", b.cpu, a.cpu, n.cpu, n.cpu_overallocate, "%");
        }
    }
    for c in &cx.changes {
        if c.address.kind != Kind::Server || !matches!(c.action, Action::Create | Action::Replace) {
            continue;
        }
        if let Some(Desired::Server(t)) = &c.desired {
            let node = &t.node.name;
            if d.nodes.get(node).is_some_and(|n| n.maintenance) {
                cx.errors.push(
                    PlanError::new("roost::node-in-maintenance", format!("{} would be {} on node `{node}`, which is in maintenance mode", c.address, c.action.verb()), c.origin)
                        .help("take the node out of maintenance (`maintenance #false`) first, or put the server on another node"),
                );
            }
        }
    }
}

/// Which live allocations and owners the servers' own updates let go of, so that pruning them
/// in the same plan is safe (their deletes run after the updates).
fn release_by_updates(cx: &mut Ctx) {
    let d = cx.d;
    let by_ext: HashMap<&str, &LiveServer> = cx
        .live
        .servers
        .iter()
        .filter_map(|s| s.external_id.as_deref().map(|e| (e, s)))
        .collect();
    for s in d.servers.values() {
        let live = match &s.adopt {
            Some(AdoptServer::Id(id)) => cx.live.servers.iter().find(|l| l.id == *id),
            Some(AdoptServer::Uuid(u)) => cx.live.servers.iter().find(|l| &l.uuid == u),
            None => crate::ownership::server_ids(d, s)
                .iter()
                .find_map(|id| by_ext.get(id.as_str()).copied()),
        };
        let Some(live) = live else { continue };
        let Some(node) = cx
            .node_by_name
            .get(s.node.as_str())
            .and_then(|v| (v.len() == 1).then(|| v[0]))
        else {
            continue;
        };
        let wanted: HashSet<u64> = s
            .allocation
            .iter()
            .chain(&s.additional_allocations)
            .filter_map(|ep| {
                cx.alloc_by_key
                    .get(&(node.id, ep.ip, ep.port))
                    .map(|a| a.id)
            })
            .collect();
        for id in live.allocations.iter().chain(live.allocation.iter()) {
            if !wanted.contains(id) {
                cx.released_allocations.insert(*id);
            }
        }
        let owner = cx
            .user_by_id
            .get(&live.user)
            .map(|u| u.username.to_lowercase());
        if owner.as_deref() != Some(s.owner.to_lowercase().as_str()) {
            cx.reassigned_servers.insert(live.id);
        }
    }
}
