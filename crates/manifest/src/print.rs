//! Desired state → canonical KDL: what `roost validate --print` shows (templates merged, units
//! resolved, defaults filled in) and what `roost import` writes.

use roost_model::{Desired, Endpoint, EnvValue, FeatureLimits, Node, SecretRef, Server, User};
use std::fmt::Write;

/// A KDL string literal.
pub fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An egg variable's value as a manifest writes it: `"value"`, `(env)"VAR"` or `(file)"PATH"`.
pub fn env_value(v: &EnvValue) -> String {
    match v {
        EnvValue::Literal(s) => q(s),
        EnvValue::Secret(SecretRef::Env(var)) => format!("(env){}", q(var)),
        EnvValue::Secret(SecretRef::File(path)) => format!("(file){}", q(path)),
    }
}

fn b(v: bool) -> &'static str {
    if v { "#true" } else { "#false" }
}

/// Sizes in MiB, printed with the largest binary unit that divides them exactly.
// `%` rather than `is_multiple_of`, which needs Rust 1.87 (the workspace declares 1.85).
#[allow(clippy::manual_is_multiple_of)]
pub fn size(mib: u64) -> String {
    if mib != 0 && mib % (1024 * 1024) == 0 {
        format!("\"{}TiB\"", mib / (1024 * 1024))
    } else if mib != 0 && mib % 1024 == 0 {
        format!("\"{}GiB\"", mib / 1024)
    } else {
        mib.to_string()
    }
}

/// Collapse sorted ports into `25565` and `"25570-25600"` items.
pub fn port_ranges(ports: &[u16]) -> Vec<String> {
    let mut sorted = ports.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("\"{start}-{end}\"")
        });
        i += 1;
    }
    out
}

fn endpoint(e: &Endpoint) -> String {
    q(&e.to_string())
}

/// The whole desired state as one KDL document.
pub fn print_desired(d: &Desired) -> String {
    let mut o = String::new();
    let p = &d.panel;
    o.push_str("panel {\n");
    if let Some(url) = &p.url {
        let _ = writeln!(o, "    url {}", q(url));
    }
    let _ = writeln!(o, "    token-env {}", q(&p.token_env));
    let dialect = match p.dialect {
        roost_model::DialectChoice::Auto => "auto",
        roost_model::DialectChoice::Pterodactyl => "pterodactyl",
        roost_model::DialectChoice::Pelican => "pelican",
    };
    let _ = writeln!(o, "    dialect {}", q(dialect));
    match &p.previous_namespace {
        Some(prev) => {
            let _ = writeln!(o, "    namespace {} previous={}", q(&p.namespace), q(prev));
        }
        None => {
            let _ = writeln!(o, "    namespace {}", q(&p.namespace));
        }
    }
    if !p.prune.is_empty() {
        let kinds: Vec<String> = p.prune.iter().map(|k| q(k.plural())).collect();
        let _ = writeln!(o, "    prune {}", kinds.join(" "));
    }
    if let Some(r) = p.rate_limit {
        let _ = writeln!(o, "    rate-limit {r}");
    }
    if p.allow_destroy {
        o.push_str("    allow-destroy #true\n");
    }
    let t = &p.delete_threshold;
    if t.percent != 10 || t.count.is_some() {
        let _ = write!(o, "    delete-threshold percent={}", t.percent);
        if let Some(c) = t.count {
            let _ = write!(o, " count={c}");
        }
        o.push('\n');
    }
    ignore_line(&mut o, &p.ignore);
    o.push_str("}\n");
    for (name, l) in &d.locations {
        let _ = writeln!(o, "\nlocation {} {{", q(name));
        if let Some(desc) = &l.description {
            let _ = writeln!(o, "    description {}", q(desc));
        }
        ignore_line(&mut o, &l.ignore);
        o.push_str("}\n");
    }
    for n in d.nodes.values() {
        print_node(&mut o, d, n);
    }
    for u in d.users.values() {
        print_user(&mut o, u);
    }
    for s in d.servers.values() {
        print_server(&mut o, s);
    }
    o
}

fn print_node(o: &mut String, d: &Desired, n: &Node) {
    let _ = writeln!(o, "\nnode {} {{", q(&n.name));
    if let Some(desc) = &n.description {
        let _ = writeln!(o, "    description {}", q(desc));
    }
    if let Some(loc) = &n.location {
        let _ = writeln!(o, "    location {}", q(loc));
    }
    if !n.tags.is_empty() {
        let tags: Vec<String> = n.tags.iter().map(|t| q(t)).collect();
        let _ = writeln!(o, "    tags {}", tags.join(" "));
    }
    let _ = writeln!(o, "    fqdn {}", q(&n.fqdn));
    let _ = writeln!(o, "    scheme {}", q(n.scheme.as_str()));
    let _ = writeln!(o, "    behind-proxy {}", b(n.behind_proxy));
    let _ = writeln!(o, "    public {}", b(n.public));
    let _ = writeln!(o, "    maintenance {}", b(n.maintenance));
    let _ = writeln!(
        o,
        "    memory {} overallocate={}",
        size(n.memory),
        n.memory_overallocate
    );
    let _ = writeln!(
        o,
        "    disk {} overallocate={}",
        size(n.disk),
        n.disk_overallocate
    );
    if n.cpu != 0 || n.cpu_overallocate != 0 {
        let _ = writeln!(o, "    cpu {} overallocate={}", n.cpu, n.cpu_overallocate);
    }
    let _ = writeln!(o, "    upload-size {}", n.upload_size);
    let mut daemon = format!(
        "    daemon listen={} sftp={}",
        n.daemon_listen, n.daemon_sftp
    );
    if let Some(c) = n.daemon_connect {
        let _ = write!(daemon, " connect={c}");
    }
    if let Some(a) = &n.daemon_sftp_alias {
        let _ = write!(daemon, " sftp-alias={}", q(a));
    }
    if let Some(base) = &n.daemon_base {
        let _ = write!(daemon, " base={}", q(base));
    }
    o.push_str(&daemon);
    o.push('\n');
    // Group the node's allocations by (ip, alias) and collapse the ports into ranges.
    let mut groups: std::collections::BTreeMap<(std::net::IpAddr, Option<String>), Vec<u16>> =
        Default::default();
    for a in d.allocations.values().filter(|a| a.node == n.name) {
        groups
            .entry((a.ip, a.alias.clone()))
            .or_default()
            .push(a.port);
    }
    for ((ip, alias), ports) in groups {
        let mut line = format!(
            "    allocations {} {}",
            q(&ip.to_string()),
            port_ranges(&ports).join(" ")
        );
        if let Some(alias) = alias {
            let _ = write!(line, " alias={}", q(&alias));
        }
        o.push_str(&line);
        o.push('\n');
    }
    ignore_line(o, &n.ignore);
    o.push_str("}\n");
}

fn print_user(o: &mut String, u: &User) {
    let _ = writeln!(o, "\nuser {} {{", q(&u.username));
    let _ = writeln!(o, "    email {}", q(&u.email));
    if let Some(f) = &u.first_name {
        let _ = writeln!(o, "    first-name {}", q(f));
    }
    if let Some(l) = &u.last_name {
        let _ = writeln!(o, "    last-name {}", q(l));
    }
    if u.admin {
        o.push_str("    admin #true\n");
    }
    if !u.roles.is_empty() {
        let roles: Vec<String> = u.roles.iter().map(|r| q(r)).collect();
        let _ = writeln!(o, "    roles {}", roles.join(" "));
    }
    if let Some(l) = &u.language {
        let _ = writeln!(o, "    language {}", q(l));
    }
    if let Some(e) = &u.external_id {
        let _ = writeln!(o, "    external-id {}", q(e));
    }
    if let Some(p) = &u.password {
        let src = match &p.source {
            roost_model::SecretRef::Env(v) => format!("env={}", q(v)),
            roost_model::SecretRef::File(f) => format!("file={}", q(f)),
        };
        let rotate = if p.rotate { " rotate=#true" } else { "" };
        let _ = writeln!(o, "    password {src}{rotate}");
    }
    if u.protect {
        o.push_str("    protect #true\n");
    }
    match u.adopt {
        Some(roost_model::AdoptUser::Id(id)) => {
            let _ = writeln!(o, "    adopt id={id}");
        }
        Some(roost_model::AdoptUser::Username) => o.push_str("    adopt\n"),
        None => {}
    }
    ignore_line(o, &u.ignore);
    o.push_str("}\n");
}

fn features(f: &FeatureLimits) -> String {
    let v = |x: Option<u64>| {
        x.map(|n| n.to_string())
            .unwrap_or_else(|| "\"unlimited\"".into())
    };
    format!(
        "features databases={} allocations={} backups={}",
        v(f.databases),
        v(f.allocations),
        v(f.backups)
    )
}

fn print_server(o: &mut String, s: &Server) {
    match &s.template {
        Some(t) => {
            let _ = writeln!(o, "\n// from template {}", q(t));
        }
        None => o.push('\n'),
    }
    let _ = writeln!(o, "server {} {{", q(&s.key));
    if s.name != s.key {
        let _ = writeln!(o, "    name {}", q(&s.name));
    }
    if !s.description.is_empty() {
        let _ = writeln!(o, "    description {}", q(&s.description));
    }
    let _ = writeln!(o, "    owner {}", q(&s.owner));
    let _ = writeln!(o, "    node {}", q(&s.node));
    match &s.egg.nest {
        Some(nest) => {
            let _ = writeln!(o, "    egg {} nest={}", q(&s.egg.name), q(nest));
        }
        None => {
            let _ = writeln!(o, "    egg {}", q(&s.egg.name));
        }
    }
    if let Some(i) = &s.image {
        let _ = writeln!(o, "    image {}", q(i));
    }
    if let Some(st) = &s.startup {
        let _ = writeln!(o, "    startup {}", q(st));
    }
    let l = &s.limits;
    let swap = if l.swap < 0 {
        "\"unlimited\"".to_string()
    } else {
        size(l.swap as u64)
    };
    let mut limits = format!(
        "    limits memory={} swap={} disk={} io={} cpu={}",
        size(l.memory),
        swap,
        size(l.disk),
        l.io,
        l.cpu
    );
    if let Some(t) = &l.threads {
        let _ = write!(limits, " threads={}", q(t));
    }
    let _ = write!(limits, " oom-killer={}", b(l.oom_killer));
    o.push_str(&limits);
    o.push('\n');
    let _ = writeln!(o, "    {}", features(&s.features));
    if let Some(a) = &s.allocation {
        let _ = writeln!(o, "    allocation {}", endpoint(a));
    }
    if !s.additional_allocations.is_empty() {
        let list: Vec<String> = s.additional_allocations.iter().map(endpoint).collect();
        let _ = writeln!(o, "    additional-allocations {}", list.join(" "));
    }
    if !s.environment.is_empty() {
        let vars: Vec<String> = s
            .environment
            .iter()
            .map(|(k, v)| format!("{k}={}", env_value(v)))
            .collect();
        let _ = writeln!(o, "    env {}", vars.join(" "));
    }
    if s.suspended {
        o.push_str("    suspended #true\n");
    }
    if let Some(e) = &s.external_id {
        let _ = writeln!(o, "    external-id {}", q(e));
    }
    if s.skip_scripts {
        o.push_str("    skip-scripts #true\n");
    }
    if !s.depends_on.is_empty() {
        let deps: Vec<String> = s.depends_on.iter().map(|a| q(&a.to_string())).collect();
        let _ = writeln!(o, "    depends-on {}", deps.join(" "));
    }
    if s.protect {
        o.push_str("    protect #true\n");
    }
    match &s.adopt {
        Some(roost_model::AdoptServer::Id(id)) => {
            let _ = writeln!(o, "    adopt id={id}");
        }
        Some(roost_model::AdoptServer::Uuid(u)) => {
            let _ = writeln!(o, "    adopt uuid={}", q(u));
        }
        None => {}
    }
    ignore_line(o, &s.ignore);
    o.push_str("}\n");
}

fn ignore_line(o: &mut String, list: &[String]) {
    if !list.is_empty() {
        let items: Vec<String> = list.iter().map(|i| q(i)).collect();
        let _ = writeln!(o, "    ignore {}", items.join(" "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_collapse_into_ranges() {
        assert_eq!(
            port_ranges(&[25567, 25565, 25566, 25600, 27015, 27016]),
            vec!["\"25565-25567\"", "25600", "\"27015-27016\""]
        );
    }

    #[test]
    fn sizes_use_exact_binary_units() {
        assert_eq!(size(4096), "\"4GiB\"");
        assert_eq!(size(1536), "1536");
        assert_eq!(size(2 * 1024 * 1024), "\"2TiB\"");
        assert_eq!(size(0), "0");
    }
}
