//! Pass 2: each KDL node to a typed declaration, with spans, checking shapes, types, ranges and
//! dialect rules. Cross-references are checked later, in `resolve`.

use crate::diag::{Problem, Span, suggest};
use crate::number::{INT_MAX, UINT_MAX};
use crate::value::{Entries, Reader, Sp, env_value, expect_args, ip_or_cidr, port_range};
use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};
use roost_model::{
    Address, AdoptServer, AdoptUser, Dialect, DialectChoice, EggRef, EnvValue, Kind, Location,
    Node, PanelSettings, PasswordSpec, Scheme, SecretRef, User,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

pub const TOP_LEVEL: &[&str] = &["panel", "location", "node", "user", "template", "server"];
pub const PANEL_FIELDS: &[&str] = &[
    "url",
    "token-env",
    "dialect",
    "namespace",
    "prune",
    "rate-limit",
    "delete-threshold",
    "ignore",
    "allow-destroy",
];
pub const LOCATION_FIELDS: &[&str] = &["description", "ignore"];
pub const NODE_FIELDS: &[&str] = &[
    "description",
    "location",
    "tags",
    "fqdn",
    "scheme",
    "behind-proxy",
    "public",
    "maintenance",
    "memory",
    "disk",
    "cpu",
    "upload-size",
    "daemon",
    "allocations",
    "ignore",
];
pub const USER_FIELDS: &[&str] = &[
    "email",
    "first-name",
    "last-name",
    "admin",
    "roles",
    "language",
    "external-id",
    "password",
    "protect",
    "adopt",
    "ignore",
];
pub const SERVER_FIELDS: &[&str] = &[
    "name",
    "description",
    "owner",
    "node",
    "egg",
    "image",
    "startup",
    "limits",
    "features",
    "allocation",
    "additional-allocations",
    "env",
    "suspended",
    "external-id",
    "skip-scripts",
    "depends-on",
    "protect",
    "adopt",
    "ignore",
];
pub const LIMIT_PROPS: &[&str] = &[
    "memory",
    "swap",
    "disk",
    "io",
    "cpu",
    "threads",
    "oom-killer",
];
pub const FEATURE_PROPS: &[&str] = &["databases", "allocations", "backups"];
pub const DAEMON_PROPS: &[&str] = &["listen", "sftp", "base", "connect", "sftp-alias"];

/// Validation limits of the dialects the manifests target (the strictest of both under `auto`).
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub choice: DialectChoice,
}

impl Rules {
    pub fn pt(self) -> bool {
        self.choice.includes(Dialect::Pterodactyl)
    }
    pub fn pl(self) -> bool {
        self.choice.includes(Dialect::Pelican)
    }
    /// Max length of names, emails and external ids: 191 on Pterodactyl, 255 on Pelican.
    pub fn max_len(self) -> usize {
        if self.pt() { 191 } else { 255 }
    }
    pub fn min_port(self) -> u16 {
        if self.pt() { 1025 } else { 1024 }
    }
    pub fn min_cidr_prefix(self) -> u8 {
        if self.pt() { 27 } else { 25 }
    }
    pub fn min_io(self) -> i64 {
        if self.pt() { 10 } else { 0 }
    }
}

/// An allocation reference on a server: `"10.0.0.5:25565"`, or a bare port on the server's node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocSpec {
    Full(IpAddr, u16),
    Port(u16),
}

#[derive(Debug, Clone, Default)]
pub struct LimitsDraft {
    pub memory: Option<Sp<i64>>,
    pub swap: Option<Sp<i64>>,
    pub disk: Option<Sp<i64>>,
    pub io: Option<Sp<i64>>,
    pub cpu: Option<Sp<i64>>,
    pub threads: Option<Sp<Option<String>>>,
    pub oom_killer: Option<Sp<bool>>,
}

#[derive(Debug, Clone, Default)]
pub struct FeaturesDraft {
    pub databases: Option<Sp<Option<u64>>>,
    pub allocations: Option<Sp<Option<u64>>>,
    pub backups: Option<Sp<Option<u64>>>,
}

/// A server or template body before templates are merged: every field optional, with its span.
#[derive(Debug, Clone, Default)]
pub struct ServerDraft {
    pub name: Option<Sp<String>>,
    pub description: Option<Sp<String>>,
    pub owner: Option<Sp<String>>,
    pub node: Option<Sp<String>>,
    pub egg: Option<Sp<EggRef>>,
    pub image: Option<Sp<String>>,
    pub startup: Option<Sp<String>>,
    pub limits: LimitsDraft,
    pub features: FeaturesDraft,
    pub allocation: Option<Sp<AllocSpec>>,
    pub additional: Option<Vec<Sp<AllocSpec>>>,
    pub env: BTreeMap<String, Sp<EnvValue>>,
    pub suspended: Option<Sp<bool>>,
    pub external_id: Option<Sp<String>>,
    pub skip_scripts: Option<Sp<bool>>,
    pub depends_on: Option<Vec<Sp<Address>>>,
    pub protect: Option<Sp<bool>>,
    pub adopt: Option<Sp<AdoptServer>>,
    pub ignore: Option<Vec<String>>,
    /// Required fields that were written, even if with a typo or a rejected value: those
    /// problems are reported where they are, so the field is not reported as missing too.
    /// `limits memory` and `limits disk` stand for the two required limits.
    pub written: BTreeSet<&'static str>,
}

#[derive(Debug, Clone)]
pub struct ServerDecl {
    pub key: Sp<String>,
    pub from: Option<Sp<String>>,
    pub draft: ServerDraft,
    /// The whole node, for "missing field" problems.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct AllocBlock {
    pub ips: Vec<IpAddr>,
    pub ports: Vec<Sp<(u16, u16)>>,
    pub alias: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NodeDecl {
    pub name: Sp<String>,
    pub node: Node,
    pub location: Option<Sp<String>>,
    pub allocations: Vec<AllocBlock>,
}

#[derive(Debug, Clone)]
pub struct UserDecl {
    pub name: Sp<String>,
    pub user: User,
}

#[derive(Debug, Clone)]
pub struct LocationDecl {
    pub name: Sp<String>,
    pub location: Location,
}

#[derive(Debug, Default)]
pub struct Decls {
    pub panel: Option<(PanelSettings, Span)>,
    pub locations: Vec<LocationDecl>,
    pub nodes: Vec<NodeDecl>,
    pub users: Vec<UserDecl>,
    pub templates: Vec<ServerDecl>,
    pub servers: Vec<ServerDecl>,
}

/// The first argument of a resource node: its name.
fn resource_name(r: &mut Reader, node: &KdlNode, kind: &str) -> Option<Sp<String>> {
    let example = format!("{kind} \"name\" {{ ... }}");
    match node.entries().iter().find(|e| e.name().is_none()) {
        Some(e) => {
            let s = r.string(e, &example)?;
            if s.v.trim().is_empty() {
                r.push(Problem::new(
                    "roost::missing-value",
                    format!("a {kind} needs a name"),
                    s.span,
                    "empty name",
                ));
                return None;
            }
            Some(s)
        }
        None => {
            let span = r.span(node.name().span());
            r.push(
                Problem::new(
                    "roost::missing-value",
                    format!("a {kind} needs a name"),
                    span,
                    "name missing",
                )
                .help(format!("write it like this: {example}")),
            );
            None
        }
    }
}

/// Reports a field `parent` does not have; returns the field it was probably meant to be, so
/// that the caller does not also report that field as missing.
fn unknown_field(
    r: &mut Reader,
    child: &KdlNode,
    parent: &str,
    known: &[&'static str],
) -> Option<&'static str> {
    let name = child.name().value();
    let span = r.span(child.name().span());
    let mut p = Problem::new(
        "roost::unknown-field",
        format!("`{parent}` has no field `{name}`"),
        span,
        "unknown field",
    );
    let suggestion = suggest(name, known.iter().copied());
    p = match suggestion {
        Some(s) => p.help(format!("did you mean `{s}`?")),
        None => p.help(format!("fields of `{parent}`: {}", known.join(", "))),
    };
    r.push(p);
    suggestion
}

fn duplicate_field(r: &mut Reader, child: &KdlNode, first: Span) {
    let span = r.span(child.name().span());
    r.push(
        Problem::new(
            "roost::duplicate",
            format!("`{}` is set twice", child.name().value()),
            span,
            "set again here",
        )
        .label(first, "first set here")
        .help("keep one of them"),
    );
}

/// Children must not have their own blocks unless stated; a block here is a typo'd nesting.
pub(crate) fn no_children(r: &mut Reader, child: &KdlNode) {
    if let Some(doc) = child.children() {
        let span = r.span(doc.span());
        r.push(
            Problem::new(
                "roost::unexpected-block",
                format!("`{}` takes no block", child.name().value()),
                span,
                "unexpected block",
            )
            .help("write the values on the same line, as arguments or key=value properties"),
        );
    }
}

/// A dialect's name as the panel spells it (labels and messages start with a capital).
fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Pterodactyl => "Pterodactyl",
        Dialect::Pelican => "Pelican",
    }
}

/// A field that one dialect does not have.
fn dialect_only(r: &mut Reader, rules: Rules, child: &KdlNode, only: Dialect, help: &str) -> bool {
    if rules.choice.includes(only) {
        return true;
    }
    let span = r.span(child.name().span());
    let other = if only == Dialect::Pelican {
        "Pterodactyl"
    } else {
        "Pelican"
    };
    r.push(
        Problem::new(
            "roost::wrong-dialect",
            format!("`{}` does not exist on {other}", child.name().value()),
            span,
            format!("{} only", dialect_name(only)),
        )
        .help(help.to_string()),
    );
    false
}

/// A single string value with length bounds.
fn string_field(
    r: &mut Reader,
    child: &KdlNode,
    min: usize,
    max: usize,
    example: &str,
) -> Option<Sp<String>> {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    if !expect_args(r, child, &e.args, 1, example) {
        return None;
    }
    let s = r.string(e.args[0], example)?;
    check_len(r, &s, child.name().value(), min, max)?;
    Some(s)
}

pub(crate) fn check_len(
    r: &mut Reader,
    s: &Sp<String>,
    what: &str,
    min: usize,
    max: usize,
) -> Option<()> {
    let n = s.v.trim().chars().count();
    if n < min {
        r.push(Problem::new(
            "roost::missing-value",
            format!("{what} must not be empty"),
            s.span,
            "empty",
        ));
        return None;
    }
    if n > max {
        r.push(
            Problem::new(
                "roost::too-long",
                format!("{what} is {n} characters long; the panel allows {max}"),
                s.span,
                format!("{n} > {max} characters"),
            )
            .help(format!("shorten it to at most {max} characters")),
        );
        return None;
    }
    Some(())
}

fn bool_field(r: &mut Reader, child: &KdlNode) -> Option<Sp<bool>> {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    let example = format!("{} #true", child.name().value());
    if !expect_args(r, child, &e.args, 1, &example) {
        return None;
    }
    r.boolean(e.args[0], &example)
}

fn strings_field(r: &mut Reader, child: &KdlNode, example: &str) -> Vec<Sp<String>> {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    e.args.iter().filter_map(|a| r.string(a, example)).collect()
}

pub fn parse_panel(r: &mut Reader, node: &KdlNode) -> PanelSettings {
    let mut panel = PanelSettings::default();
    let e = Entries::of(r, node, &[]);
    if let Some(a) = e.args.first() {
        let span = r.span(a.span());
        r.push(
            Problem::new(
                "roost::extra-value",
                "`panel` takes no name",
                span,
                "unexpected value",
            )
            .help("write `panel { url \"...\" }`"),
        );
    }
    let Some(children) = node.children() else {
        return panel;
    };
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for child in children.nodes() {
        let name = child.name().value();
        if !PANEL_FIELDS.contains(&name) {
            let _ = unknown_field(r, child, "panel", PANEL_FIELDS);
            continue;
        }
        if let Some(first) = seen.get(name) {
            duplicate_field(r, child, *first);
            continue;
        }
        seen.insert(name, r.span(child.name().span()));
        match name {
            "url" => {
                if let Some(s) =
                    string_field(r, child, 1, 2048, "url \"https://panel.example.com\"")
                {
                    if !(s.v.starts_with("http://") || s.v.starts_with("https://")) {
                        r.push(
                            Problem::new(
                                "roost::bad-url",
                                format!("`{}` is not an http(s) URL", s.v),
                                s.span,
                                "not a URL",
                            )
                            .help("write the panel's root URL, e.g. \"https://panel.example.com\""),
                        );
                    } else {
                        panel.url = Some(s.v.trim_end_matches('/').to_string());
                    }
                }
            }
            "token-env" => {
                if let Some(s) = string_field(r, child, 1, 255, "token-env \"ROOST_TOKEN\"") {
                    if s.v.len() >= 40
                        && !s
                            .v
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    {
                        r.push(literal_secret(
                            s.span,
                            "token-env \"ROOST_TOKEN\"",
                            "the API token",
                        ));
                    } else {
                        panel.token_env = s.v;
                    }
                }
            }
            "dialect" => {
                if let Some(s) = string_field(r, child, 1, 32, "dialect \"pelican\"") {
                    match s.v.as_str() {
                        "auto" => panel.dialect = DialectChoice::Auto,
                        other => match Dialect::parse(other) {
                            Some(d) => panel.dialect = d.into(),
                            None => {
                                let mut p = Problem::new(
                                    "roost::bad-value",
                                    format!("unknown dialect `{other}`"),
                                    s.span,
                                    "unknown dialect",
                                );
                                p = match suggest(other, ["pterodactyl", "pelican", "auto"]) {
                                    Some(sug) => p.help(format!("did you mean \"{sug}\"?")),
                                    None => {
                                        p.help("choose \"pterodactyl\", \"pelican\" or \"auto\"")
                                    }
                                };
                                r.push(p);
                            }
                        },
                    }
                }
            }
            "namespace" => crate::ownership::parse_namespace(r, child, &mut panel),
            "prune" => {
                for s in strings_field(r, child, "prune \"servers\" \"users\"") {
                    match Kind::parse(&s.v) {
                        Some(k) => {
                            panel.prune.insert(k);
                        }
                        None => {
                            let plurals: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
                            let mut p = Problem::new(
                                "roost::bad-value",
                                format!("`{}` is not a kind of resource", s.v),
                                s.span,
                                "unknown kind",
                            );
                            p = match suggest(&s.v, plurals.iter().copied()) {
                                Some(sug) => p.help(format!("did you mean \"{sug}\"?")),
                                None => p.help(format!("kinds: {}", plurals.join(", "))),
                            };
                            r.push(p);
                        }
                    }
                }
            }
            "rate-limit" => {
                no_children(r, child);
                let e = Entries::of(r, child, &[]);
                if expect_args(r, child, &e.args, 1, "rate-limit 240")
                    && let Some(v) = r.int(e.args[0], 1, 100_000, "rate-limit", "rate-limit 240")
                {
                    panel.rate_limit = Some(v.v as u32);
                }
            }
            "allow-destroy" => {
                panel.allow_destroy = bool_field(r, child).map(|b| b.v).unwrap_or(false)
            }
            "delete-threshold" => {
                no_children(r, child);
                let e = Entries::of(r, child, &["percent", "count"]);
                expect_args(r, child, &e.args, 0, "delete-threshold percent=10 count=20");
                if let Some(p) = e
                    .prop("percent")
                    .and_then(|p| r.int(p, 0, 100, "percent", "percent=10"))
                {
                    panel.delete_threshold.percent = p.v as u32;
                }
                if let Some(c) = e
                    .prop("count")
                    .and_then(|c| r.int(c, 0, 1_000_000, "count", "count=20"))
                {
                    panel.delete_threshold.count = Some(c.v as u32);
                }
                panel.delete_threshold.origin = Some(r.span(child.span()).origin());
            }
            "ignore" => {
                for s in strings_field(r, child, "ignore \"server.*.description\"") {
                    if check_ignore_pattern(r, &s) {
                        panel.ignore.push(s.v);
                    }
                }
            }
            _ => {}
        }
    }
    panel
}

pub fn parse_location(r: &mut Reader, rules: Rules, node: &KdlNode) -> Option<LocationDecl> {
    let name = resource_name(r, node, "location")?;
    Entries::of(r, node, &[]);
    if !rules.pt() {
        r.push(
            Problem::new("roost::wrong-dialect", "locations do not exist on Pelican", r.span(node.name().span()), "Pterodactyl only")
                .help("Pelican groups nodes by tags: remove the location and write `tags \"...\"` in the nodes"),
        );
        return None;
    }
    check_len(r, &name, "a location's short code", 1, 60);
    let mut location = Location {
        short: name.v.clone(),
        description: None,
        ignore: Vec::new(),
        origin: name.span.origin(),
    };
    if let Some(children) = node.children() {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for child in children.nodes() {
            let field = child.name().value();
            if !LOCATION_FIELDS.contains(&field) {
                let _ = unknown_field(r, child, "location", LOCATION_FIELDS);
                continue;
            }
            if let Some(first) = seen.get(field) {
                duplicate_field(r, child, *first);
                continue;
            }
            seen.insert(field, r.span(child.name().span()));
            if field == "ignore" {
                location.ignore = parse_ignore(r, child, Kind::Location);
            } else if field == "description" {
                location.description =
                    string_field(r, child, 1, 191, "description \"Frankfurt, Germany\"")
                        .map(|s| s.v);
            }
        }
    }
    Some(LocationDecl { name, location })
}

pub fn parse_node(r: &mut Reader, rules: Rules, node: &KdlNode) -> Option<NodeDecl> {
    let name = resource_name(r, node, "node")?;
    Entries::of(r, node, &[]);
    if check_len(r, &name, "a node's name", 1, 100).is_some() && rules.pt() {
        let ok = name
            .v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '.' | '-'));
        if !ok {
            r.push(
                Problem::new(
                    "roost::bad-name",
                    format!("node name `{}` has characters Pterodactyl rejects", name.v),
                    name.span,
                    "invalid node name",
                )
                .help("Pterodactyl allows letters, digits, spaces, `_`, `.` and `-` in node names"),
            );
        }
    }
    let mut n = Node {
        name: name.v.clone(),
        description: None,
        location: None,
        tags: Vec::new(),
        fqdn: String::new(),
        scheme: Scheme::Https,
        behind_proxy: false,
        public: true,
        maintenance: false,
        memory: 0,
        memory_overallocate: 0,
        disk: 0,
        disk_overallocate: 0,
        cpu: 0,
        cpu_overallocate: 0,
        upload_size: 100,
        daemon_listen: 8080,
        daemon_sftp: 2022,
        daemon_connect: None,
        daemon_sftp_alias: None,
        daemon_base: None,
        ignore: Vec::new(),
        origin: name.span.origin(),
    };
    let mut location = None;
    let mut allocations = Vec::new();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    // Fields written with a typo: already reported, so not reported as missing too.
    let mut misspelt: BTreeSet<&str> = BTreeSet::new();
    let empty = KdlDocument::new();
    for child in node.children().unwrap_or(&empty).nodes() {
        let field = child.name().value();
        if !NODE_FIELDS.contains(&field) {
            misspelt.extend(unknown_field(r, child, "node", NODE_FIELDS));
            continue;
        }
        if field != "allocations" {
            if let Some(first) = seen.get(field) {
                duplicate_field(r, child, *first);
                continue;
            }
            seen.insert(field, r.span(child.name().span()));
        }
        match field {
            "ignore" => n.ignore = parse_ignore(r, child, Kind::Node),
            "description"
                if dialect_only(
                    r,
                    rules,
                    child,
                    Dialect::Pelican,
                    "Pterodactyl ignores node descriptions sent through its API; set it in the panel or remove it",
                ) =>
            {
                n.description =
                    string_field(r, child, 0, 65535, "description \"...\"").map(|s| s.v);
            }
            "location"
                if dialect_only(
                    r,
                    rules,
                    child,
                    Dialect::Pterodactyl,
                    "Pelican replaced locations with tags: write `tags \"...\"` instead",
                ) =>
            {
                location = string_field(r, child, 1, 60, "location \"fra\"");
            }
            "tags"
                if dialect_only(
                    r,
                    rules,
                    child,
                    Dialect::Pelican,
                    "Pterodactyl has no node tags: group nodes with `location \"...\"` instead",
                ) =>
            {
                n.tags = strings_field(r, child, "tags \"eu\" \"ssd\"")
                    .into_iter()
                    .map(|s| s.v)
                    .collect();
            }
            "fqdn" => {
                if let Some(s) = string_field(r, child, 1, 255, "fqdn \"node1.example.com\"") {
                    // Only some releases refuse it (roost_model::release): a warning here; the
                    // planner refuses it where the panel is known to.
                    if rules.pl() && roost_model::release::is_local_fqdn(&s.v) {
                        let since = roost_model::release::PELICAN_LOCAL_FQDN.since;
                        r.push(
                            Problem::new(
                                "roost::release-dependent",
                                format!("Pelican {since} and later refuse `{}` as a node's fqdn", s.v),
                                s.span,
                                "refused by newer Pelican releases",
                            )
                            .help("older panels hold such nodes and roost manages them as they are; a new node needs the address the panel reaches Wings at")
                            .as_warning(),
                        );
                    }
                    n.fqdn = s.v;
                }
            }
            "scheme" => {
                if let Some(s) = string_field(r, child, 1, 5, "scheme \"https\"") {
                    match s.v.as_str() {
                        "http" => n.scheme = Scheme::Http,
                        "https" => n.scheme = Scheme::Https,
                        _ => r.push(Problem::new(
                            "roost::bad-value",
                            format!("scheme must be \"http\" or \"https\", not \"{}\"", s.v),
                            s.span,
                            "unknown scheme",
                        )),
                    }
                }
            }
            "behind-proxy" => n.behind_proxy = bool_field(r, child).map(|b| b.v).unwrap_or(false),
            "public" => n.public = bool_field(r, child).map(|b| b.v).unwrap_or(true),
            "maintenance" => n.maintenance = bool_field(r, child).map(|b| b.v).unwrap_or(false),
            "memory" | "disk" | "cpu" => {
                if field == "cpu"
                    && !dialect_only(
                        r,
                        rules,
                        child,
                        Dialect::Pelican,
                        "Pterodactyl nodes have no CPU capacity; remove `cpu`",
                    )
                {
                    continue;
                }
                no_children(r, child);
                let e = Entries::of(r, child, &["overallocate"]);
                let example = match field {
                    "memory" => "memory \"64GiB\" overallocate=0",
                    "disk" => "disk \"1TiB\" overallocate=0",
                    _ => "cpu 800 overallocate=0",
                };
                if expect_args(r, child, &e.args, 1, example) {
                    let min = if field != "cpu" && rules.pt() { 1 } else { 0 };
                    let v = if field == "cpu" {
                        r.int(e.args[0], 0, UINT_MAX, "cpu", example)
                    } else {
                        r.size(e.args[0], min, UINT_MAX, &format!("node {field}"))
                    };
                    let over = e
                        .prop("overallocate")
                        .and_then(|o| r.int(o, -1, INT_MAX, "overallocate", "overallocate=10"))
                        .map(|o| o.v)
                        .unwrap_or(0);
                    if let Some(v) = v {
                        match field {
                            "memory" => (n.memory, n.memory_overallocate) = (v.v as u64, over),
                            "disk" => (n.disk, n.disk_overallocate) = (v.v as u64, over),
                            _ => (n.cpu, n.cpu_overallocate) = (v.v as u64, over),
                        }
                    }
                }
            }
            "upload-size" => {
                no_children(r, child);
                let e = Entries::of(r, child, &[]);
                if expect_args(r, child, &e.args, 1, "upload-size 100") {
                    let max = if rules.pt() { 1024 } else { UINT_MAX };
                    if let Some(v) = r.size(e.args[0], 1, max, "upload-size") {
                        n.upload_size = v.v as u64;
                    }
                }
            }
            "daemon" => {
                no_children(r, child);
                let e = Entries::of(r, child, DAEMON_PROPS);
                expect_args(r, child, &e.args, 0, "daemon listen=8080 sftp=2022");
                for (key, entry) in &e.props {
                    match *key {
                        "listen" | "sftp" | "connect" => {
                            if *key == "connect" && !rules.pl() {
                                let span = r.span(entry.span());
                                r.push(Problem::new("roost::wrong-dialect", "`connect` does not exist on Pterodactyl", span, "Pelican only").help("Pterodactyl dials the daemon on `listen`; remove `connect`"));
                                continue;
                            }
                            if let Some(p) = r.int(
                                entry,
                                1,
                                65535,
                                &format!("daemon {key}"),
                                "daemon listen=8080",
                            ) {
                                match *key {
                                    "listen" => n.daemon_listen = p.v as u16,
                                    "sftp" => n.daemon_sftp = p.v as u16,
                                    _ => n.daemon_connect = Some(p.v as u16),
                                }
                            }
                        }
                        "sftp-alias" => {
                            if !rules.pl() {
                                let span = r.span(entry.span());
                                r.push(
                                    Problem::new(
                                        "roost::wrong-dialect",
                                        "`sftp-alias` does not exist on Pterodactyl",
                                        span,
                                        "Pelican only",
                                    )
                                    .help("remove `sftp-alias`"),
                                );
                                continue;
                            }
                            n.daemon_sftp_alias = r
                                .string(entry, "sftp-alias=\"sftp.example.com\"")
                                .map(|s| s.v);
                        }
                        "base" => {
                            if let Some(s) =
                                r.string(entry, "base=\"/var/lib/pterodactyl/volumes\"")
                            {
                                let ok = s.v.starts_with('/')
                                    && s.v.len() > 1
                                    && s.v.chars().all(|c| {
                                        c.is_ascii_alphanumeric()
                                            || matches!(c, '_' | '.' | '-' | '/')
                                    });
                                if ok {
                                    n.daemon_base = Some(s.v);
                                } else {
                                    r.push(Problem::new("roost::bad-value", format!("`{}` is not an absolute path the panel accepts", s.v), s.span, "invalid path").help("an absolute path of letters, digits, `_`, `.`, `-` and `/`"));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            "allocations" => {
                if let Some(block) = parse_allocations(r, rules, child) {
                    allocations.push(block);
                }
            }
            _ => {}
        }
    }
    let node_span = r.span(node.name().span());
    let mut require = |present: bool, field: &str, example: &str| {
        if !present && !misspelt.contains(field) {
            r.push(
                Problem::new(
                    "roost::missing-field",
                    format!("node `{}` has no `{field}`", name.v),
                    node_span,
                    format!("`{field}` missing"),
                )
                .help(format!("add it to the node's block: {example}")),
            );
        }
    };
    require(
        seen.contains_key("fqdn"),
        "fqdn",
        "fqdn \"node1.example.com\"",
    );
    require(seen.contains_key("memory"), "memory", "memory \"64GiB\"");
    require(seen.contains_key("disk"), "disk", "disk \"1TiB\"");
    if rules.choice == DialectChoice::Pterodactyl {
        require(
            seen.contains_key("location"),
            "location",
            "location \"fra\"",
        );
    }
    Some(NodeDecl {
        name,
        node: n,
        location,
        allocations,
    })
}

fn parse_allocations(r: &mut Reader, rules: Rules, child: &KdlNode) -> Option<AllocBlock> {
    no_children(r, child);
    let e = Entries::of(r, child, &["alias"]);
    let example = "allocations \"10.0.0.5\" 25565 \"25570-25600\"";
    let Some(first) = e.args.first() else {
        let span = r.span(child.name().span());
        r.push(
            Problem::new(
                "roost::missing-value",
                "`allocations` needs an IP and ports",
                span,
                "values missing",
            )
            .help(format!("write it like this: {example}")),
        );
        return None;
    };
    let ip = r.string(first, example)?;
    let ips = ip_or_cidr(r, &ip, rules.min_cidr_prefix());
    if e.args.len() == 1 {
        let span = r.span(child.name().span());
        r.push(
            Problem::new(
                "roost::missing-value",
                "`allocations` lists no ports",
                span,
                "ports missing",
            )
            .help(format!("write it like this: {example}")),
        );
    }
    let ports: Vec<_> = e.args[1..]
        .iter()
        .filter_map(|p| port_range(r, p, rules.min_port()))
        .collect();
    let alias = match e.prop("alias") {
        Some(a) => {
            let s = r.string(a, "alias=\"play.example.com\"")?;
            let max = if rules.pt() { 191 } else { 255 };
            check_len(r, &s, "an allocation alias", 1, max)?;
            Some(s.v)
        }
        None => None,
    };
    Some(AllocBlock {
        ips: ips?,
        ports,
        alias,
    })
}

fn literal_secret(span: Span, example: &str, what: &str) -> Problem {
    Problem::new(
        "roost::literal-secret",
        format!("{what} must not be written in a manifest"),
        span,
        "secret written literally",
    )
    .help(format!(
        "manifests live in git; read the secret at apply time instead: {example}"
    ))
}

pub fn parse_user(r: &mut Reader, rules: Rules, node: &KdlNode) -> Option<UserDecl> {
    let name = resource_name(r, node, "user")?;
    Entries::of(r, node, &[]);
    if check_len(r, &name, "a username", 1, rules.max_len()).is_some() && rules.pt() {
        let lower = name.v.to_lowercase();
        let chars: Vec<char> = lower.chars().collect();
        let edge = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        let ok = chars.len() >= 3
            && edge(chars[0])
            && edge(chars[chars.len() - 1])
            && chars
                .iter()
                .all(|&c| edge(c) || matches!(c, '_' | '.' | '-'));
        if !ok {
            r.push(
                Problem::new("roost::bad-name", format!("username `{}` is not valid on Pterodactyl", name.v), name.span, "invalid username")
                    .help("Pterodactyl usernames are at least 3 characters of a-z, 0-9, `_`, `.`, `-`, starting and ending with a letter or digit"),
            );
        }
    }
    let mut u = User {
        username: name.v.clone(),
        email: String::new(),
        first_name: None,
        last_name: None,
        admin: false,
        roles: Vec::new(),
        language: None,
        external_id: None,
        password: None,
        protect: false,
        adopt: None,
        ignore: Vec::new(),
        origin: name.span.origin(),
    };
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    // Fields written with a typo: already reported, so not reported as missing too.
    let mut misspelt: BTreeSet<&str> = BTreeSet::new();
    let empty = KdlDocument::new();
    for child in node.children().unwrap_or(&empty).nodes() {
        let field = child.name().value();
        if !USER_FIELDS.contains(&field) {
            misspelt.extend(unknown_field(r, child, "user", USER_FIELDS));
            continue;
        }
        if let Some(first) = seen.get(field) {
            duplicate_field(r, child, *first);
            continue;
        }
        seen.insert(field, r.span(child.name().span()));
        match field {
            "ignore" => u.ignore = parse_ignore(r, child, Kind::User),
            "email" => {
                if let Some(s) =
                    string_field(r, child, 1, rules.max_len(), "email \"alice@example.com\"")
                {
                    let valid = s.v.split_once('@').is_some_and(|(a, d)| {
                        !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
                    }) && !s.v.contains(char::is_whitespace);
                    if valid {
                        u.email = s.v;
                    } else {
                        r.push(
                            Problem::new(
                                "roost::bad-value",
                                format!("`{}` is not an e-mail address", s.v),
                                s.span,
                                "invalid e-mail",
                            )
                            .help("write it like this: email \"alice@example.com\""),
                        );
                    }
                }
            }
            "first-name" | "last-name"
                if dialect_only(
                    r,
                    rules,
                    child,
                    Dialect::Pterodactyl,
                    "Pelican removed first and last names; remove the field",
                ) =>
            {
                let v = string_field(r, child, 1, 191, "first-name \"Alice\"").map(|s| s.v);
                if field == "first-name" {
                    u.first_name = v
                } else {
                    u.last_name = v
                }
            }
            "admin"
                if dialect_only(
                    r,
                    rules,
                    child,
                    Dialect::Pterodactyl,
                    "Pelican grants admin rights through roles: write `roles \"Root Admin\"`",
                ) =>
            {
                u.admin = bool_field(r, child).map(|b| b.v).unwrap_or(false);
            }
            "roles"
                if dialect_only(
                    r,
                    rules,
                    child,
                    Dialect::Pelican,
                    "Pterodactyl has no roles: write `admin #true` for a root admin",
                ) =>
            {
                u.roles = strings_field(r, child, "roles \"Root Admin\"")
                    .into_iter()
                    .map(|s| s.v)
                    .collect();
            }
            "language" => {
                if let Some(s) = string_field(r, child, 1, 32, "language \"en\"") {
                    if rules.pt() && s.v != "en" {
                        r.push(Problem::new("roost::bad-value", format!("Pterodactyl 1.11 only has the language \"en\", not \"{}\"", s.v), s.span, "not installed on Pterodactyl").help("write language \"en\", or set the panel's dialect to \"pelican\" if this is a Pelican panel"));
                    } else {
                        u.language = Some(s.v);
                    }
                }
            }
            "external-id" => {
                u.external_id =
                    string_field(r, child, 1, rules.max_len(), "external-id \"billing-42\"")
                        .map(|s| s.v)
            }
            "password" => u.password = parse_password(r, child),
            "protect" => u.protect = bool_field(r, child).map(|b| b.v).unwrap_or(false),
            "adopt" => {
                // `adopt` alone takes over the panel user of this username; `adopt id=N` the
                // user of that id.
                no_children(r, child);
                let e = Entries::of(r, child, &["id"]);
                expect_args(r, child, &e.args, 0, "adopt id=12");
                u.adopt = match e.prop("id") {
                    Some(id) => r
                        .int(id, 1, UINT_MAX, "adopt id", "adopt id=12")
                        .map(|v| AdoptUser::Id(v.v as u64)),
                    None => Some(AdoptUser::Username),
                }
            }
            _ => {}
        }
    }
    let node_span = r.span(node.name().span());
    if !seen.contains_key("email") && !misspelt.contains("email") {
        r.push(
            Problem::new(
                "roost::missing-field",
                format!("user `{}` has no `email`", name.v),
                node_span,
                "`email` missing",
            )
            .help("add it to the user's block: email \"alice@example.com\""),
        );
    }
    if rules.choice == DialectChoice::Pterodactyl {
        for (field, example) in [
            ("first-name", "first-name \"Alice\""),
            ("last-name", "last-name \"Liddell\""),
        ] {
            if !seen.contains_key(field) && !misspelt.contains(field) {
                r.push(
                    Problem::new(
                        "roost::missing-field",
                        format!("user `{}` has no `{field}`", name.v),
                        node_span,
                        format!("`{field}` missing"),
                    )
                    .help(format!("Pterodactyl requires names: add {example}")),
                );
            }
        }
    }
    // Pterodactyl's own rule above already refuses `:`, `/` and `!`.
    let marker_check = u.external_id.is_none() && !rules.pt();
    crate::ownership::check_username(r, &name, marker_check);
    Some(UserDecl { name, user: u })
}

fn parse_password(r: &mut Reader, child: &KdlNode) -> Option<PasswordSpec> {
    no_children(r, child);
    let e = Entries::of(r, child, &["env", "file", "rotate"]);
    let example = "password env=\"ALICE_PASSWORD\"";
    if let Some(arg) = e.args.first() {
        let span = r.span(arg.span());
        r.push(literal_secret(span, example, "a password"));
        return None;
    }
    let rotate = e
        .prop("rotate")
        .and_then(|x| r.boolean(x, "rotate=#true"))
        .map(|b| b.v)
        .unwrap_or(false);
    match (e.prop("env"), e.prop("file")) {
        (Some(env), None) => r.string(env, example).map(|s| PasswordSpec {
            source: SecretRef::Env(s.v),
            rotate,
            origin: s.span.origin(),
        }),
        (None, Some(file)) => r
            .string(file, "password file=\"secrets/alice.txt\"")
            .map(|s| PasswordSpec {
                source: SecretRef::File(s.v),
                rotate,
                origin: s.span.origin(),
            }),
        (Some(_), Some(file)) => {
            let span = r.span(file.span());
            r.push(
                Problem::new(
                    "roost::bad-value",
                    "a password comes from `env` or `file`, not both",
                    span,
                    "second source",
                )
                .help("keep one of them"),
            );
            None
        }
        (None, None) => {
            let span = r.span(child.name().span());
            r.push(
                Problem::new(
                    "roost::missing-value",
                    "`password` needs a source",
                    span,
                    "source missing",
                )
                .help(format!(
                    "write it like this: {example} or password file=\"secrets/alice.txt\""
                )),
            );
            None
        }
    }
}

pub fn parse_server(
    r: &mut Reader,
    rules: Rules,
    node: &KdlNode,
    template: bool,
) -> Option<ServerDecl> {
    let kind = if template { "template" } else { "server" };
    let key = resource_name(r, node, kind)?;
    let e = Entries::of(r, node, &["from"]);
    if e.args.len() > 1 {
        let span = r.span(e.args[1].span());
        r.push(
            Problem::new(
                "roost::extra-value",
                format!("a {kind} has one name"),
                span,
                "unexpected value",
            )
            .help(format!(
                "write it like this: {kind} \"name\" from=\"template\" {{ ... }}"
            )),
        );
    }
    let from = e.prop("from").and_then(|f| r.string(f, "from=\"paper\""));
    if !template && key.v.ends_with('!') {
        r.push(Problem::new("roost::bad-name", format!("server name `{}` ends with `!`", key.v), key.span, "reserved character").help("roost marks protected servers on the panel with a trailing `!` in their external id; drop the `!` from the name"));
    }
    if !template {
        crate::ownership::check_server_key(r, &key);
        let ok = key.v.chars().all(|c| !c.is_whitespace() && !c.is_control());
        if !ok {
            r.push(Problem::new("roost::bad-name", format!("server name `{}` contains whitespace", key.v), key.span, "invalid server name").help("the manifest name is roost's handle (`server.NAME`); use `-` or `_`, and put the display name in `name \"...\"`"));
        }
    }
    let mut d = ServerDraft::default();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let empty = KdlDocument::new();
    for child in node.children().unwrap_or(&empty).nodes() {
        let field = child.name().value();
        if !SERVER_FIELDS.contains(&field) {
            match unknown_field(r, child, kind, SERVER_FIELDS) {
                Some("limits") => d.written.extend(["limits memory", "limits disk"]),
                Some(meant) => {
                    d.written.insert(meant);
                }
                None => {}
            }
            continue;
        }
        if let Some(first) = seen.get(field) {
            duplicate_field(r, child, *first);
            continue;
        }
        let field_span = r.span(child.name().span());
        seen.insert(field, field_span);
        if let Some(known) = SERVER_FIELDS.iter().find(|f| **f == field)
            && *known != "limits"
        {
            d.written.insert(known);
        }
        if template && matches!(field, "adopt" | "external-id") {
            r.push(
                Problem::new(
                    "roost::bad-value",
                    format!("`{field}` cannot be set in a template"),
                    field_span,
                    "unique per server",
                )
                .help(format!(
                    "`{field}` identifies one server; set it in the server's own block"
                )),
            );
            continue;
        }
        match field {
            "ignore" => d.ignore = Some(parse_ignore(r, child, Kind::Server)),
            "name" => d.name = string_field(r, child, 1, rules.max_len(), "name \"Survival #1\""),
            "description" => {
                d.description = string_field(r, child, 0, 65535, "description \"...\"")
            }
            "owner" => d.owner = string_field(r, child, 1, 255, "owner \"alice\""),
            "node" => d.node = string_field(r, child, 1, 100, "node \"fra-1\""),
            "egg" => {
                no_children(r, child);
                let e = Entries::of(r, child, &["nest"]);
                if expect_args(r, child, &e.args, 1, "egg \"Paper\" nest=\"Minecraft\"")
                    && let Some(name) = r.string(e.args[0], "egg \"Paper\"")
                {
                    let nest = match e.prop("nest") {
                        Some(n) => {
                            if !rules.pt() {
                                let span = r.span(n.span());
                                r.push(
                                    Problem::new(
                                        "roost::wrong-dialect",
                                        "`nest` does not exist on Pelican",
                                        span,
                                        "Pterodactyl only",
                                    )
                                    .help("Pelican eggs have no nests: write egg \"Paper\""),
                                );
                                None
                            } else {
                                r.string(n, "nest=\"Minecraft\"").map(|s| s.v)
                            }
                        }
                        None => None,
                    };
                    d.egg = Some(Sp::new(EggRef { name: name.v, nest }, name.span));
                }
            }
            "image" => {
                if let Some(s) = string_field(
                    r,
                    child,
                    1,
                    rules.max_len(),
                    "image \"ghcr.io/pterodactyl/yolks:java_21\"",
                ) {
                    if rules.pt()
                        && !s.v.chars().all(|c| {
                            c.is_ascii_alphanumeric()
                                || matches!(c, '_' | '.' | '/' | '-' | ':' | '@' | ' ')
                        })
                    {
                        r.push(
                            Problem::new(
                                "roost::bad-value",
                                format!("`{}` is not a Docker image name Pterodactyl accepts", s.v),
                                s.span,
                                "invalid image",
                            )
                            .help("letters, digits and `_ . / - : @` only"),
                        );
                    } else {
                        d.image = Some(s);
                    }
                }
            }
            "startup" => {
                d.startup = string_field(
                    r,
                    child,
                    1,
                    65535,
                    "startup \"java -jar {{SERVER_JARFILE}}\"",
                )
            }
            "limits" => parse_limits(r, rules, child, &mut d.limits, &mut d.written),
            "features" => parse_features(r, child, &mut d.features),
            "allocation" => {
                no_children(r, child);
                let e = Entries::of(r, child, &[]);
                if expect_args(r, child, &e.args, 1, "allocation \"10.0.0.5:25565\"") {
                    d.allocation = alloc_spec(r, e.args[0]);
                }
            }
            "additional-allocations" => {
                no_children(r, child);
                let e = Entries::of(r, child, &[]);
                d.additional = Some(e.args.iter().filter_map(|a| alloc_spec(r, a)).collect());
            }
            "env" => {
                no_children(r, child);
                for entry in child.entries() {
                    match entry.name() {
                        None => {
                            let span = r.span(entry.span());
                            r.push(
                                Problem::new(
                                    "roost::bad-value",
                                    "egg variables are written as NAME=\"value\"",
                                    span,
                                    "missing NAME=",
                                )
                                .help("write it like this: env SERVER_JARFILE=\"server.jar\""),
                            );
                        }
                        Some(k) => {
                            let value = env_value(r, entry);
                            let span = r.span(entry.span());
                            if let Some(prev) = d.env.get(k.value()) {
                                r.push(
                                    Problem::new(
                                        "roost::duplicate",
                                        format!("variable `{}` is set twice", k.value()),
                                        span,
                                        "set again here",
                                    )
                                    .label(prev.span, "first set here"),
                                );
                            } else if let Some(v) = value {
                                d.env.insert(k.value().to_string(), Sp::new(v, span));
                            }
                        }
                    }
                }
            }
            "suspended" => d.suspended = bool_field(r, child),
            "external-id" => {
                d.external_id =
                    string_field(r, child, 1, rules.max_len(), "external-id \"billing-42\"")
            }
            "skip-scripts" => d.skip_scripts = bool_field(r, child),
            "protect" => d.protect = bool_field(r, child),
            "depends-on" => {
                let list = strings_field(r, child, "depends-on \"server.proxy\"");
                let mut out = Vec::new();
                for s in list {
                    match s.v.parse::<Address>() {
                        Ok(a) => out.push(Sp::new(a, s.span)),
                        Err(err) => r.push(
                            Problem::new(
                                "roost::bad-value",
                                err.to_string(),
                                s.span,
                                "not an address",
                            )
                            .help("write it like this: depends-on \"server.proxy\""),
                        ),
                    }
                }
                d.depends_on = Some(out);
            }
            "adopt" => {
                no_children(r, child);
                let e = Entries::of(r, child, &["id", "uuid"]);
                expect_args(r, child, &e.args, 0, "adopt id=42");
                d.adopt = match (e.prop("id"), e.prop("uuid")) {
                    (Some(id), None) => r
                        .int(id, 1, UINT_MAX, "adopt id", "adopt id=42")
                        .map(|v| Sp::new(AdoptServer::Id(v.v as u64), v.span)),
                    (None, Some(uuid)) => r
                        .string(uuid, "adopt uuid=\"...\"")
                        .map(|s| Sp::new(AdoptServer::Uuid(s.v), s.span)),
                    _ => {
                        r.push(
                            Problem::new(
                                "roost::bad-value",
                                "`adopt` takes exactly one of `id` or `uuid`",
                                field_span,
                                "adopt what?",
                            )
                            .help("write adopt id=42 or adopt uuid=\"9c8b7a6d-...\""),
                        );
                        None
                    }
                };
            }
            _ => {}
        }
    }
    Some(ServerDecl {
        key,
        from,
        draft: d,
        span: r.span(node.name().span()),
    })
}

fn alloc_spec(r: &mut Reader, entry: &KdlEntry) -> Option<Sp<AllocSpec>> {
    let span = r.span(entry.span());
    let bad = |what: &str| {
        Problem::new("roost::bad-allocation", format!("`{what}` is not an allocation"), span, "expected ip:port")
            .help("write \"10.0.0.5:25565\" (\"[2001:db8::5]:25565\" for IPv6), or just the port when the node has one IP with it")
    };
    match entry.value() {
        KdlValue::Integer(p) => {
            if (1..=65535).contains(p) {
                Some(Sp::new(AllocSpec::Port(*p as u16), span))
            } else {
                r.push(Problem::new(
                    "roost::bad-port",
                    format!("port {p} is not between 1 and 65535"),
                    span,
                    "port out of range",
                ));
                None
            }
        }
        KdlValue::String(s) => match s.parse::<std::net::SocketAddr>() {
            Ok(sa) => Some(Sp::new(AllocSpec::Full(sa.ip(), sa.port()), span)),
            Err(_) => match s.parse::<u16>() {
                Ok(p) => Some(Sp::new(AllocSpec::Port(p), span)),
                Err(_) => {
                    r.push(bad(s));
                    None
                }
            },
        },
        _ => {
            r.wrong_type(entry, "an allocation", "allocation \"10.0.0.5:25565\"");
            None
        }
    }
}

fn parse_limits(
    r: &mut Reader,
    rules: Rules,
    child: &KdlNode,
    l: &mut LimitsDraft,
    written: &mut BTreeSet<&'static str>,
) {
    no_children(r, child);
    let e = Entries::of(r, child, LIMIT_PROPS);
    for key in e
        .props
        .iter()
        .map(|(k, _)| *k)
        .chain(e.misspelt.iter().copied())
    {
        match key {
            "memory" => written.insert("limits memory"),
            "disk" => written.insert("limits disk"),
            _ => false,
        };
    }
    expect_args(
        r,
        child,
        &e.args,
        0,
        "limits memory=\"4GiB\" disk=\"20GiB\" cpu=200",
    );
    for (key, entry) in &e.props {
        match *key {
            "memory" => l.memory = r.size(entry, 0, UINT_MAX, "memory"),
            "disk" => l.disk = r.size(entry, 0, UINT_MAX, "disk"),
            "swap" => {
                l.swap = match entry.value() {
                    KdlValue::String(s) if s == "unlimited" => {
                        Some(Sp::new(-1, r.span(entry.span())))
                    }
                    _ => r.size(entry, -1, INT_MAX, "swap"),
                }
            }
            "io" => l.io = r.int(entry, rules.min_io(), 1000, "io", "io=500"),
            "cpu" => l.cpu = r.int(entry, 0, UINT_MAX, "cpu", "cpu=200"),
            "threads" => {
                l.threads = match entry.value() {
                    KdlValue::Null => Some(Sp::new(None, r.span(entry.span()))),
                    _ => r.string(entry, "threads=\"0-1,3\"").and_then(|s| {
                        if !s.v.is_empty()
                            && s.v
                                .chars()
                                .all(|c| c.is_ascii_digit() || c == '-' || c == ',')
                        {
                            Some(Sp::new(Some(s.v), s.span))
                        } else {
                            r.push(
                                Problem::new(
                                    "roost::bad-value",
                                    format!("`{}` is not a CPU list", s.v),
                                    s.span,
                                    "invalid threads",
                                )
                                .help("write core numbers and ranges: threads=\"0-1,3\""),
                            );
                            None
                        }
                    }),
                }
            }
            "oom-killer" => l.oom_killer = r.boolean(entry, "oom-killer=#true"),
            _ => {}
        }
    }
}

fn parse_features(r: &mut Reader, child: &KdlNode, f: &mut FeaturesDraft) {
    no_children(r, child);
    let e = Entries::of(r, child, FEATURE_PROPS);
    expect_args(
        r,
        child,
        &e.args,
        0,
        "features databases=1 allocations=2 backups=3",
    );
    for (key, entry) in &e.props {
        let span = r.span(entry.span());
        let v = match entry.value() {
            KdlValue::Null => Some(Sp::new(None, span)),
            KdlValue::String(s) if s == "unlimited" => Some(Sp::new(None, span)),
            _ => r
                .int(
                    entry,
                    0,
                    UINT_MAX,
                    key,
                    &format!("{key}=2 (or \"unlimited\")"),
                )
                .map(|v| Sp::new(Some(v.v as u64), v.span)),
        };
        match *key {
            "databases" => f.databases = v,
            "allocations" => f.allocations = v,
            "backups" => f.backups = v,
            _ => {}
        }
    }
}

/// `KIND.*.FIELD` or `KIND.NAME.FIELD`, FIELD being an attribute plans show for KIND.
fn check_ignore_pattern(r: &mut Reader, s: &Sp<String>) -> bool {
    let bad = |msg: String| {
        Problem::new("roost::bad-value", msg, s.span, "not an ignore rule")
            .help("write KIND.*.FIELD (every resource of a kind) or KIND.NAME.FIELD, e.g. \"server.*.description\"")
    };
    let Some((kind, rest)) = s.v.split_once('.') else {
        r.push(bad(format!("`{}` names no kind", s.v)));
        return false;
    };
    let Some(kind) = Kind::parse(kind) else {
        r.push(bad(format!("`{kind}` is not a kind of resource")));
        return false;
    };
    // FIELD may itself contain a dot (limits.memory): try every split after the name.
    let known = |f: &str| roost_model::attributes::is_known(kind, f);
    let ok = rest.match_indices('.').any(|(i, _)| known(&rest[i + 1..]));
    if !ok {
        r.push(
            bad(format!("`{}` names no attribute of a {kind}", s.v)).help(format!(
                "attributes of a {kind}: {}",
                roost_model::attributes::of(kind).join(", ")
            )),
        );
    }
    ok
}

/// `ignore "description" "limits.memory"` inside a resource block.
fn parse_ignore(r: &mut Reader, child: &KdlNode, kind: Kind) -> Vec<String> {
    let mut out = Vec::new();
    for s in strings_field(r, child, "ignore \"description\"") {
        if roost_model::attributes::is_known(kind, &s.v) {
            out.push(s.v);
        } else {
            let known = roost_model::attributes::of(kind);
            let mut p = Problem::new(
                "roost::unknown-attribute",
                format!("a {kind} has no attribute `{}` to ignore", s.v),
                s.span,
                "unknown attribute",
            );
            p = match suggest(&s.v, known.iter().copied()) {
                Some(sug) => p.help(format!("did you mean \"{sug}\"?")),
                None => p.help(format!("attributes of a {kind}: {}", known.join(", "))),
            };
            r.push(p);
        }
    }
    out
}
