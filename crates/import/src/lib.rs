//! `roost import`: turn a live panel into manifests a person would commit.
//!
//! Pure: it takes the live state the client read and returns files (path, KDL text). Resources
//! without roost's marker are adopted explicitly (`adopt id=N`), so the first apply only sets
//! the markers; foreign external ids are kept (`external-id "..."`). Templates are extracted
//! where several servers share egg, limits and features; port lists collapse into ranges;
//! comments carry the panel ids and uuids. Secrets are never exported: passwords and egg
//! variables named like secrets become references to environment variables, to be filled in.

mod env;

use roost_manifest::kdl_text::{port_ranges, size, string as q};
use roost_model::{
    Dialect, Kind, Live, LiveEgg, LiveNode, LiveServer, LiveUser, parse_marker, stored_username,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;

/// How the output is split into files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// `locations.kdl`, `nodes.kdl`, `users.kdl`, `templates.kdl`, `servers.kdl`.
    #[default]
    PerKind,
    /// `nodes/NODE.kdl` holding a node and its servers; users and templates on their own.
    PerNode,
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Kinds to import (empty: all). What the chosen resources need is included too.
    pub kinds: BTreeSet<Kind>,
    /// Only these nodes (and their servers).
    pub nodes: Vec<String>,
    /// Only servers of these owners (usernames).
    pub owners: Vec<String>,
    /// Only these servers (panel ids).
    pub server_ids: Vec<u64>,
    pub layout: Layout,
    pub namespace: String,
    pub panel_url: Option<String>,
    /// Servers sharing egg, limits and features become a template when at least this many.
    pub template_min: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            kinds: BTreeSet::new(),
            nodes: Vec::new(),
            owners: Vec::new(),
            server_ids: Vec::new(),
            layout: Layout::PerKind,
            namespace: "roost:".into(),
            panel_url: None,
            template_min: 3,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// Relative path → KDL text.
    pub files: Vec<(String, String)>,
    pub counts: BTreeMap<&'static str, usize>,
    /// Things not imported, and why.
    pub warnings: Vec<String>,
    /// Environment variables the manifests read secret egg variables from: the admin sets each
    /// to the value the panel holds (it is never written to a file).
    pub secrets: Vec<String>,
}

/// Longest key `slug` makes, in characters.
const SLUG_MAX: usize = 40;

/// A manifest name from a panel name: lower-case, runs of anything but letters, digits, `_`
/// and `.` become `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_matches('-').to_string();
    // A key is a handle, not the display name (which is kept in `name`): keep it short.
    if out.chars().count() > SLUG_MAX {
        let cut: String = out.chars().take(SLUG_MAX).collect();
        out = match cut.rfind('-') {
            Some(i) if i >= SLUG_MAX / 2 => cut[..i].to_string(),
            _ => cut.trim_end_matches('-').to_string(),
        };
    }
    if out.is_empty() { "server".into() } else { out }
}

/// A property key as KDL needs it: bare when it is a plain identifier, quoted otherwise.
pub(crate) fn prop_key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && !matches!(k, "true" | "false" | "null" | "inf" | "nan");
    if plain { k.to_string() } else { q(k) }
}

fn b(v: bool) -> &'static str {
    if v { "#true" } else { "#false" }
}

fn egg_of<'a>(live: &'a Live, s: &LiveServer) -> Option<&'a LiveEgg> {
    live.eggs.iter().find(|e| e.id == s.egg)
}

/// What a server shares with others of its kind: the template candidate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Shape {
    egg: u64,
    memory: i64,
    swap: i64,
    disk: i64,
    io: i64,
    cpu: i64,
    oom_killer: bool,
    databases: Option<i64>,
    allocations: Option<i64>,
    backups: Option<i64>,
}

fn shape(s: &LiveServer) -> Shape {
    Shape {
        egg: s.egg,
        memory: s.limits.memory,
        swap: s.limits.swap,
        disk: s.limits.disk,
        io: s.limits.io,
        cpu: s.limits.cpu,
        oom_killer: s.limits.oom_killer,
        databases: s.feature_limits.databases,
        allocations: s.feature_limits.allocations,
        backups: s.feature_limits.backups,
    }
}

fn mib(v: i64) -> String {
    if v < 0 { v.to_string() } else { size(v as u64) }
}

fn feature(v: Option<i64>) -> String {
    v.map(|n| n.to_string())
        .unwrap_or_else(|| "\"unlimited\"".into())
}

pub fn import(live: &Live, opts: &ImportOptions) -> Imported {
    let mut out = Imported::default();
    let ns = opts.namespace.as_str();
    let pt = live.dialect == Dialect::Pterodactyl;
    let want = |k: Kind| opts.kinds.is_empty() || opts.kinds.contains(&k);
    let node_by_id: HashMap<u64, &LiveNode> = live.nodes.iter().map(|n| (n.id, n)).collect();
    let user_by_id: HashMap<u64, &LiveUser> = live.users.iter().map(|u| (u.id, u)).collect();

    // Which servers, then which nodes, users and locations (what the servers need is included).
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
                || user_by_id.get(&s.user).is_some_and(|u| {
                    opts.owners
                        .iter()
                        .any(|o| o.eq_ignore_ascii_case(&u.username))
                })
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
                .filter(|u| {
                    opts.owners
                        .iter()
                        .any(|o| o.eq_ignore_ascii_case(&u.username))
                })
                .map(|u| u.id),
        );
    }
    let mut location_ids: BTreeSet<u64> = node_ids
        .iter()
        .filter_map(|id| node_by_id.get(id).and_then(|n| n.location_id))
        .collect();
    if want(Kind::Location) && opts.nodes.is_empty() && !server_filtered && !opts.kinds.is_empty() {
        location_ids.extend(live.locations.iter().map(|l| l.id));
    }
    if opts.kinds.is_empty() && opts.nodes.is_empty() && !server_filtered {
        location_ids.extend(live.locations.iter().map(|l| l.id));
    }

    // panel.kdl
    let mut panel =
        String::from("// Imported by `roost import`. Review, then commit.\n\npanel {\n");
    if let Some(url) = &opts.panel_url
        && url.starts_with("http")
    {
        let _ = writeln!(panel, "    url {}", q(url));
    }
    let _ = writeln!(panel, "    dialect {}", q(live.dialect.as_str()));
    let _ = writeln!(panel, "    namespace {}", q(ns));
    panel.push_str("}\n");
    out.files.push(("panel.kdl".into(), panel));

    // Locations.
    let mut locations = String::new();
    for l in live
        .locations
        .iter()
        .filter(|l| location_ids.contains(&l.id))
    {
        let _ = write!(
            locations,
            "\n// panel id {}\nlocation {}",
            l.id,
            q(&l.short)
        );
        match l.long.as_deref().filter(|d| !d.is_empty()) {
            Some(long) => {
                let _ = writeln!(locations, " {{\n    description {}\n}}", q(long));
            }
            None => locations.push('\n'),
        }
        *out.counts.entry("locations").or_default() += 1;
    }

    // Users: keys are the usernames (lower-cased, as the panel stores them).
    let role_name: HashMap<u64, &str> =
        live.roles.iter().map(|r| (r.id, r.name.as_str())).collect();
    let mut users = String::new();
    for u in live.users.iter().filter(|u| user_ids.contains(&u.id)) {
        let name = stored_username(&u.username);
        let _ = writeln!(
            users,
            "\n// panel id {}, uuid {}\nuser {} {{",
            u.id,
            u.uuid,
            q(&name)
        );
        let _ = writeln!(users, "    email {}", q(&u.email));
        if pt {
            if let Some(f) = u.first_name.as_deref().filter(|f| !f.trim().is_empty()) {
                let _ = writeln!(users, "    first-name {}", q(f));
            }
            if let Some(l) = u.last_name.as_deref().filter(|l| !l.trim().is_empty()) {
                let _ = writeln!(users, "    last-name {}", q(l));
            }
            if u.root_admin {
                users.push_str("    admin #true\n");
            }
        } else {
            let mut roles: Vec<&str> = u
                .role_ids
                .iter()
                .filter_map(|id| role_name.get(id).copied())
                .collect();
            roles.sort_unstable();
            if !roles.is_empty() {
                let list: Vec<String> = roles.iter().map(|r| q(r)).collect();
                let _ = writeln!(users, "    roles {}", list.join(" "));
            }
        }
        if u.language != "en" {
            let _ = writeln!(users, "    language {}", q(&u.language));
        }
        let env_name: String = format!(
            "ROOST_PASSWORD_{}",
            name.chars()
                .map(|c| if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                })
                .collect::<String>()
        );
        let _ = writeln!(users, "    password env={}", q(&env_name));
        match u.external_id.as_deref() {
            Some(e) => match parse_marker(ns, e) {
                Some((k, protected)) if stored_username(k) == name => {
                    if protected {
                        users.push_str("    protect #true\n");
                    }
                }
                _ => {
                    let _ = writeln!(users, "    external-id {}", q(e));
                }
            },
            None => {
                let _ = writeln!(users, "    adopt id={}", u.id);
            }
        }
        users.push_str("}\n");
        *out.counts.entry("users").or_default() += 1;
    }

    // Templates from recurring shapes.
    let mut groups: BTreeMap<Shape, Vec<u64>> = BTreeMap::new();
    for s in &servers {
        groups.entry(shape(s)).or_default().push(s.id);
    }
    let mut template_of: HashMap<u64, String> = HashMap::new();
    let mut templates = String::new();
    let mut used_names: HashSet<String> = HashSet::new();
    for (sh, ids) in groups
        .iter()
        .filter(|(_, ids)| ids.len() >= opts.template_min.max(2))
    {
        let Some(egg) = live.eggs.iter().find(|e| e.id == sh.egg) else {
            continue;
        };
        // One shape of an egg: the egg's name; several: the memory tells them apart.
        let shapes_of_egg = groups
            .iter()
            .filter(|(s, ids)| s.egg == sh.egg && ids.len() >= opts.template_min.max(2))
            .count();
        let base = if shapes_of_egg > 1 {
            format!("{}-{}", slug(&egg.name), slug(&mib(sh.memory)))
        } else {
            slug(&egg.name)
        };
        let mut name = base.clone();
        let mut n = 2;
        while !used_names.insert(name.clone()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        let _ = writeln!(
            templates,
            "\n// Shared by {} servers.\ntemplate {} {{",
            ids.len(),
            q(&name)
        );
        write_egg(&mut templates, live, egg);
        let _ = writeln!(
            templates,
            "    limits memory={} swap={} disk={} io={} cpu={} oom-killer={}",
            mib(sh.memory),
            if sh.swap < 0 {
                "\"unlimited\"".to_string()
            } else {
                mib(sh.swap)
            },
            mib(sh.disk),
            sh.io,
            sh.cpu,
            b(sh.oom_killer)
        );
        let _ = writeln!(
            templates,
            "    features databases={} allocations={} backups={}",
            feature(sh.databases),
            feature(sh.allocations),
            feature(sh.backups)
        );
        templates.push_str("}\n");
        for id in ids {
            template_of.insert(*id, name.clone());
        }
        *out.counts.entry("templates").or_default() += 1;
    }

    // Servers, keyed by roost's marker when present, else by a slug of the name.
    let mut keys: HashSet<String> = HashSet::new();
    for s in &servers {
        if let Some((k, _)) = s.external_id.as_deref().and_then(|e| parse_marker(ns, e)) {
            keys.insert(k.to_string());
        }
    }
    let alloc_by_id: HashMap<u64, &roost_model::LiveAllocation> =
        live.allocations.iter().map(|a| (a.id, a)).collect();
    let endpoint = |id: u64| -> Option<String> {
        let a = alloc_by_id.get(&id)?;
        let ip: std::net::IpAddr = a.ip.parse().ok()?;
        Some(roost_model::Endpoint { ip, port: a.port }.to_string())
    };
    let mut server_text: BTreeMap<u64, String> = BTreeMap::new();
    for s in &servers {
        let Some(egg) = egg_of(live, s) else {
            out.warnings.push(format!(
                "server \"{}\" (id {}) uses egg id {}, which the panel did not list: not imported",
                s.name, s.id, s.egg
            ));
            continue;
        };
        let Some(owner) = user_by_id.get(&s.user) else {
            out.warnings.push(format!("server \"{}\" (id {}) has an owner (user id {}) the panel did not list: not imported", s.name, s.id, s.user));
            continue;
        };
        let Some(node) = node_by_id.get(&s.node) else {
            out.warnings.push(format!("server \"{}\" (id {}) is on node id {}, which the panel did not list: not imported", s.name, s.id, s.node));
            continue;
        };
        let marker = s.external_id.as_deref().and_then(|e| parse_marker(ns, e));
        let key = match marker {
            Some((k, _)) => k.to_string(),
            None => {
                let base = slug(&s.name);
                let mut k = base.clone();
                if keys.contains(&k) {
                    k = format!("{base}-{}", s.id);
                }
                keys.insert(k.clone());
                k
            }
        };
        let mut t = String::new();
        let from = template_of
            .get(&s.id)
            .map(|n| format!(" from={}", q(n)))
            .unwrap_or_default();
        let _ = writeln!(
            t,
            "\n// panel id {}, uuid {}\nserver {}{from} {{",
            s.id,
            s.uuid,
            q(&key)
        );
        // The panel trims what it is sent: surrounding whitespace would not survive a write.
        let display = s.name.trim();
        if display != key {
            let _ = writeln!(t, "    name {}", q(display));
        }
        let description = s.description.trim_end();
        if !description.is_empty() {
            let _ = writeln!(t, "    description {}", text_block(description, 4));
        }
        let _ = writeln!(t, "    owner {}", q(&stored_username(&owner.username)));
        let _ = writeln!(t, "    node {}", q(&node.name));
        if from.is_empty() {
            write_egg(&mut t, live, egg);
            let l = &s.limits;
            let threads = l
                .threads
                .as_deref()
                .filter(|x| !x.is_empty())
                .map(|x| format!(" threads={}", q(x)))
                .unwrap_or_default();
            let _ = writeln!(
                t,
                "    limits memory={} swap={} disk={} io={} cpu={}{threads} oom-killer={}",
                mib(l.memory),
                if l.swap < 0 {
                    "\"unlimited\"".to_string()
                } else {
                    mib(l.swap)
                },
                mib(l.disk),
                l.io,
                l.cpu,
                b(l.oom_killer)
            );
            let f = &s.feature_limits;
            let _ = writeln!(
                t,
                "    features databases={} allocations={} backups={}",
                feature(f.databases),
                feature(f.allocations),
                feature(f.backups)
            );
        }
        if let Some(threads) = s
            .limits
            .threads
            .as_deref()
            .filter(|x| !x.is_empty() && !from.is_empty())
        {
            let _ = writeln!(t, "    limits threads={}", q(threads));
        }
        if egg.docker_images.first().map(|(_, i)| i.as_str()) != Some(s.image.as_str()) {
            let _ = writeln!(t, "    image {}", q(&s.image));
        }
        if egg.startup != s.startup {
            let _ = writeln!(t, "    startup {}", q(&s.startup));
        }
        if let Some(primary) = s.allocation {
            match endpoint(primary) {
                Some(ep) => {
                    let _ = writeln!(t, "    allocation {}", q(&ep));
                }
                None => out.warnings.push(format!(
                    "server \"{}\": its primary allocation id {primary} is not a literal ip:port",
                    s.name
                )),
            }
        }
        let extra: Vec<String> = s
            .allocations
            .iter()
            .filter(|id| Some(**id) != s.allocation)
            .filter_map(|id| endpoint(*id))
            .map(|e| q(&e))
            .collect();
        if !extra.is_empty() {
            let _ = writeln!(t, "    additional-allocations {}", extra.join(" "));
        }
        let secret_vars = env::write_env(&mut t, egg, s, &key);
        out.secrets.extend(secret_vars);
        if s.suspended || s.status.as_deref() == Some("suspended") {
            t.push_str("    suspended #true\n");
        }
        match (marker, s.external_id.as_deref()) {
            (Some((_, true)), _) => t.push_str("    protect #true\n"),
            (Some(_), _) => {}
            (None, Some(foreign)) => {
                let _ = writeln!(t, "    external-id {}", q(foreign));
            }
            (None, None) => {
                let _ = writeln!(t, "    adopt id={}", s.id);
            }
        }
        t.push_str("}\n");
        server_text.insert(s.id, t);
        *out.counts.entry("servers").or_default() += 1;
    }

    // Nodes with their allocations.
    let mut node_text: BTreeMap<u64, String> = BTreeMap::new();
    for n in live.nodes.iter().filter(|n| node_ids.contains(&n.id)) {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "\n// panel id {}, uuid {}\nnode {} {{",
            n.id,
            n.uuid,
            q(&n.name)
        );
        if pt {
            match n
                .location_id
                .and_then(|id| live.locations.iter().find(|l| l.id == id))
            {
                Some(l) => {
                    let _ = writeln!(t, "    location {}", q(&l.short));
                }
                None => out.warnings.push(format!(
                    "node \"{}\" has no location the panel listed",
                    n.name
                )),
            }
        } else {
            if let Some(d) = n.description.as_deref().filter(|d| !d.is_empty()) {
                let _ = writeln!(t, "    description {}", q(d));
            }
            if !n.tags.is_empty() {
                let tags: Vec<String> = n.tags.iter().map(|x| q(x)).collect();
                let _ = writeln!(t, "    tags {}", tags.join(" "));
            }
        }
        let _ = writeln!(t, "    fqdn {}", q(&n.fqdn));
        let _ = writeln!(t, "    scheme {}", q(&n.scheme));
        if n.behind_proxy {
            t.push_str("    behind-proxy #true\n");
        }
        if !n.public {
            t.push_str("    public #false\n");
        }
        if n.maintenance_mode {
            t.push_str("    maintenance #true\n");
        }
        let _ = writeln!(
            t,
            "    memory {} overallocate={}",
            mib(n.memory),
            n.memory_overallocate
        );
        let _ = writeln!(
            t,
            "    disk {} overallocate={}",
            mib(n.disk),
            n.disk_overallocate
        );
        if !pt && (n.cpu.unwrap_or(0) != 0 || n.cpu_overallocate.unwrap_or(0) != 0) {
            let _ = writeln!(
                t,
                "    cpu {} overallocate={}",
                n.cpu.unwrap_or(0),
                n.cpu_overallocate.unwrap_or(0)
            );
        }
        if n.upload_size != 100 {
            let _ = writeln!(t, "    upload-size {}", n.upload_size);
        }
        let mut daemon = format!(
            "    daemon listen={} sftp={}",
            n.daemon_listen, n.daemon_sftp
        );
        if !pt {
            if let Some(c) = n.daemon_connect.filter(|c| *c != n.daemon_listen) {
                let _ = write!(daemon, " connect={c}");
            }
            if let Some(a) = n.daemon_sftp_alias.as_deref().filter(|a| !a.is_empty()) {
                let _ = write!(daemon, " sftp-alias={}", q(a));
            }
        }
        if n.daemon_base != live.dialect.default_daemon_base() {
            let _ = write!(daemon, " base={}", q(&n.daemon_base));
        }
        t.push_str(&daemon);
        t.push('\n');
        let mut by_group: BTreeMap<(String, Option<String>), Vec<u16>> = BTreeMap::new();
        for a in live.allocations.iter().filter(|a| a.node_id == n.id) {
            if a.ip.parse::<std::net::IpAddr>().is_err() {
                out.warnings.push(format!(
                    "node \"{}\": allocation {}:{} has no literal IP; not imported",
                    n.name, a.ip, a.port
                ));
                continue;
            }
            by_group
                .entry((a.ip.clone(), a.alias.clone()))
                .or_default()
                .push(a.port);
        }
        for ((ip, alias), ports) in by_group {
            let mut line = format!(
                "    allocations {} {}",
                q(&ip),
                port_ranges(&ports).join(" ")
            );
            if let Some(alias) = alias {
                let _ = write!(line, " alias={}", q(&alias));
            }
            t.push_str(&line);
            t.push('\n');
            *out.counts.entry("allocations").or_default() += ports.len();
        }
        t.push_str("}\n");
        node_text.insert(n.id, t);
        *out.counts.entry("nodes").or_default() += 1;
    }

    let mut push = |path: &str, body: String| {
        if !body.trim().is_empty() {
            out.files.push((
                path.to_string(),
                roost_manifest::format_kdl(body.trim_start_matches('\n')),
            ));
        }
    };
    out.secrets.sort();
    push("locations.kdl", locations);
    if !users.is_empty() {
        users.insert_str(
            0,
            "// Passwords are never exported: each user's `password` names an environment\n\
             // variable, read only when roost must set a password (a new user, or rotate=#true).\n",
        );
    }
    push("users.kdl", users);
    push("templates.kdl", templates);
    match opts.layout {
        Layout::PerKind => {
            push("nodes.kdl", node_text.values().cloned().collect());
            push("servers.kdl", server_text.values().cloned().collect());
        }
        Layout::PerNode => {
            let mut per_node: BTreeMap<u64, String> = node_text.clone();
            for s in &servers {
                if let Some(t) = server_text.get(&s.id) {
                    per_node.entry(s.node).or_default().push_str(t);
                }
            }
            for (id, body) in per_node {
                let name = node_by_id
                    .get(&id)
                    .map(|n| slug(&n.name))
                    .unwrap_or_else(|| id.to_string());
                push(&format!("nodes/{name}.kdl"), body);
            }
        }
    }
    out
}

/// Text as KDL: a multi-line raw string when it has several lines (reads like the panel shows it),
/// a quoted string otherwise or when the text could not survive the block form unchanged.
fn text_block(text: &str, indent: usize) -> String {
    let plain = text.contains('\n')
        && !text.contains("\"\"\"#")
        && !text.chars().any(|c| c.is_control() && c != '\n')
        && text
            .lines()
            .all(|l| l == l.trim_end() && !l.starts_with(char::is_whitespace));
    if !plain {
        return q(text);
    }
    let pad = " ".repeat(indent + 4);
    let mut out = String::from("#\"\"\"\n");
    for line in text.lines() {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str(&pad);
    out.push_str("\"\"\"#");
    out
}

fn write_egg(t: &mut String, live: &Live, egg: &LiveEgg) {
    match egg.nest.and_then(|n| live.nests.iter().find(|x| x.id == n)) {
        Some(nest) if live.dialect == Dialect::Pterodactyl => {
            let _ = writeln!(t, "    egg {} nest={}", q(&egg.name), q(&nest.name));
        }
        _ => {
            let _ = writeln!(t, "    egg {}", q(&egg.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_text_becomes_a_block() {
        assert_eq!(text_block("one line", 4), "\"one line\"");
        assert_eq!(
            text_block("first\n\nthird", 4),
            "#\"\"\"\n        first\n\n        third\n        \"\"\"#"
        );
        // Leading whitespace would be eaten by the block's dedent: keep the quoted form.
        assert_eq!(text_block("a\n  b", 4), "\"a\\n  b\"");
    }

    #[test]
    fn slugs_are_manifest_names() {
        assert_eq!(slug("SMP #1 — Survival"), "smp-1-survival");
        assert_eq!(slug("Café Ünïcode"), "café-ünïcode");
        assert_eq!(slug("  !!  "), "server");
        assert_eq!(slug("a.b_c"), "a.b_c");
        let long = slug(&"A very long server name ".repeat(8));
        assert!(long.chars().count() <= SLUG_MAX, "{long}");
        assert!(long.starts_with("a-very-long-server-name-a-very") && !long.ends_with('-'));
    }

    #[test]
    fn property_keys_are_quoted_when_needed() {
        assert_eq!(prop_key("SERVER_JARFILE"), "SERVER_JARFILE");
        assert_eq!(prop_key("1ST"), "\"1ST\"");
        assert_eq!(prop_key("A B"), "\"A B\"");
    }
}
