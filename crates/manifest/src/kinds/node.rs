//! `node "NAME" { ... }`: a node (a machine running Wings), with its allocations.

use crate::diag::Problem;
use crate::ignore;
use crate::kinds::allocation::{self, AllocBlock};
use crate::number::{INT_MAX, UINT_MAX};
use crate::parse::{
    Rules, bool_field, check_len, dialect_only, fields, no_children, resource_name, string_field,
    strings_field,
};
use crate::print::{Out, Style, q, size};
use crate::value::{Entries, Reader, Sp, expect_args};
use crate::read::{KdlEntry, KdlNode};
use roost_model::{Allocation, Dialect, DialectChoice, Kind, Node, Scheme};

pub const FIELDS: &[&str] = &[
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
pub const DAEMON_PROPS: &[&str] = &["listen", "sftp", "base", "connect", "sftp-alias"];

#[derive(Debug, Clone)]
pub struct NodeDecl {
    pub name: Sp<String>,
    pub node: Node,
    pub location: Option<Sp<String>>,
    pub allocations: Vec<AllocBlock>,
}

/// A node with every optional setting at the panel's default.
fn new_node(name: &Sp<String>) -> Node {
    Node {
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
    }
}

pub fn parse(r: &mut Reader, rules: Rules, node: &KdlNode) -> Option<NodeDecl> {
    let name = resource_name(r, node, "node")?;
    Entries::of(r, node, &[]);
    check_name(r, rules, &name);
    let mut n = new_node(&name);
    let mut location = None;
    let mut allocations = Vec::new();
    let found = fields(r, node, "node", FIELDS, &["allocations"]);
    for (field, child) in &found.list {
        let child = *child;
        match *field {
            "ignore" => n.ignore = ignore::parse_block_ignore(r, rules.attributes, child, Kind::Node),
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
            "fqdn" => parse_fqdn(r, rules, child, &mut n),
            "scheme" => parse_scheme(r, child, &mut n),
            "behind-proxy" => n.behind_proxy = bool_field(r, child).map(|b| b.v).unwrap_or(false),
            "public" => n.public = bool_field(r, child).map(|b| b.v).unwrap_or(true),
            "maintenance" => n.maintenance = bool_field(r, child).map(|b| b.v).unwrap_or(false),
            "memory" | "disk" | "cpu" => parse_capacity(r, rules, child, field, &mut n),
            "upload-size" => parse_upload_size(r, rules, child, &mut n),
            "daemon" => parse_daemon(r, rules, child, &mut n),
            "allocations" => allocations.extend(allocation::parse(r, rules, child)),
            _ => {}
        }
    }
    require_fields(r, rules, node, &name, &found);
    Some(NodeDecl {
        name,
        node: n,
        location,
        allocations,
    })
}

fn check_name(r: &mut Reader, rules: Rules, name: &Sp<String>) {
    if check_len(r, name, "a node's name", 1, 100).is_some() && rules.pt() {
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
}

/// The fields a node cannot do without, unless written with a typo (already reported).
fn require_fields(
    r: &mut Reader,
    rules: Rules,
    node: &KdlNode,
    name: &Sp<String>,
    found: &crate::parse::Fields,
) {
    let node_span = r.span(node.name().span());
    let mut require = |field: &str, example: &str| {
        if !found.seen.contains(field) && !found.misspelt.contains(field) {
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
    require("fqdn", "fqdn \"node1.example.com\"");
    require("memory", "memory \"64GiB\"");
    require("disk", "disk \"1TiB\"");
    if rules.choice == DialectChoice::Pterodactyl {
        require("location", "location \"fra\"");
    }
}

fn parse_fqdn(r: &mut Reader, rules: Rules, child: &KdlNode, n: &mut Node) {
    let Some(s) = string_field(r, child, 1, 255, "fqdn \"node1.example.com\"") else {
        return;
    };
    // Only some releases refuse it (roost_model::release): a warning here; the planner refuses
    // it where the panel is known to.
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

fn parse_scheme(r: &mut Reader, child: &KdlNode, n: &mut Node) {
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

/// `memory`, `disk` (sizes) or `cpu` (percent), each with `overallocate=`.
fn parse_capacity(r: &mut Reader, rules: Rules, child: &KdlNode, field: &str, n: &mut Node) {
    if field == "cpu"
        && !dialect_only(
            r,
            rules,
            child,
            Dialect::Pelican,
            "Pterodactyl nodes have no CPU capacity; remove `cpu`",
        )
    {
        return;
    }
    no_children(r, child);
    let e = Entries::of(r, child, &["overallocate"]);
    let example = match field {
        "memory" => "memory \"64GiB\" overallocate=0",
        "disk" => "disk \"1TiB\" overallocate=0",
        _ => "cpu 800 overallocate=0",
    };
    if !expect_args(r, child, &e.args, 1, example) {
        return;
    }
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

fn parse_upload_size(r: &mut Reader, rules: Rules, child: &KdlNode, n: &mut Node) {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    if expect_args(r, child, &e.args, 1, "upload-size 100") {
        let max = if rules.pt() { 1024 } else { UINT_MAX };
        if let Some(v) = r.size(e.args[0], 1, max, "upload-size") {
            n.upload_size = v.v as u64;
        }
    }
}

fn parse_daemon(r: &mut Reader, rules: Rules, child: &KdlNode, n: &mut Node) {
    no_children(r, child);
    let e = Entries::of(r, child, DAEMON_PROPS);
    expect_args(r, child, &e.args, 0, "daemon listen=8080 sftp=2022");
    for (key, entry) in &e.props {
        match *key {
            "listen" | "sftp" | "connect" => daemon_port(r, rules, key, entry, n),
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
            "base" => daemon_base(r, entry, n),
            _ => {}
        }
    }
}

fn daemon_port(r: &mut Reader, rules: Rules, key: &str, entry: &KdlEntry, n: &mut Node) {
    if key == "connect" && !rules.pl() {
        let span = r.span(entry.span());
        r.push(
            Problem::new(
                "roost::wrong-dialect",
                "`connect` does not exist on Pterodactyl",
                span,
                "Pelican only",
            )
            .help("Pterodactyl dials the daemon on `listen`; remove `connect`"),
        );
        return;
    }
    if let Some(p) = r.int(
        entry,
        1,
        65535,
        &format!("daemon {key}"),
        "daemon listen=8080",
    ) {
        match key {
            "listen" => n.daemon_listen = p.v as u16,
            "sftp" => n.daemon_sftp = p.v as u16,
            _ => n.daemon_connect = Some(p.v as u16),
        }
    }
}

fn daemon_base(r: &mut Reader, entry: &KdlEntry, n: &mut Node) {
    let Some(s) = r.string(entry, "base=\"/var/lib/pterodactyl/volumes\"") else {
        return;
    };
    let ok = s.v.starts_with('/')
        && s.v.len() > 1
        && s.v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'));
    if ok {
        n.daemon_base = Some(s.v);
    } else {
        r.push(
            Problem::new(
                "roost::bad-value",
                format!("`{}` is not an absolute path the panel accepts", s.v),
                s.span,
                "invalid path",
            )
            .help("an absolute path of letters, digits, `_`, `.`, `-` and `/`"),
        );
    }
}

pub(crate) fn print(o: &mut Out, n: &Node, allocations: &[Allocation]) {
    let resolved = o.style == Style::Resolved;
    o.open("node", &q(&n.name));
    if let Some(desc) = &n.description {
        o.field("description", q(desc));
    }
    if let Some(loc) = &n.location {
        o.field("location", q(loc));
    }
    if !n.tags.is_empty() {
        let tags: Vec<String> = n.tags.iter().map(|t| q(t)).collect();
        o.field("tags", tags.join(" "));
    }
    o.field("fqdn", q(&n.fqdn));
    o.field("scheme", q(n.scheme.as_str()));
    if resolved || n.behind_proxy {
        o.flag("behind-proxy", n.behind_proxy);
    }
    if resolved || !n.public {
        o.flag("public", n.public);
    }
    if resolved || n.maintenance {
        o.flag("maintenance", n.maintenance);
    }
    o.field(
        "memory",
        format!("{} overallocate={}", size(n.memory), n.memory_overallocate),
    );
    o.field(
        "disk",
        format!("{} overallocate={}", size(n.disk), n.disk_overallocate),
    );
    if n.cpu != 0 || n.cpu_overallocate != 0 {
        o.field("cpu", format!("{} overallocate={}", n.cpu, n.cpu_overallocate));
    }
    if resolved || n.upload_size != 100 {
        o.field("upload-size", n.upload_size);
    }
    let mut daemon = format!("listen={} sftp={}", n.daemon_listen, n.daemon_sftp);
    if let Some(c) = n.daemon_connect {
        daemon.push_str(&format!(" connect={c}"));
    }
    if let Some(a) = &n.daemon_sftp_alias {
        daemon.push_str(&format!(" sftp-alias={}", q(a)));
    }
    if let Some(base) = &n.daemon_base {
        daemon.push_str(&format!(" base={}", q(base)));
    }
    o.field("daemon", daemon);
    allocation::print(o, allocations);
    o.ignore(&n.ignore);
    o.close();
}
