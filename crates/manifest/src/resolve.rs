//! Pass 3: merge templates, resolve references, expand allocations, and check the fleet as a
//! whole (duplicates, dangling references, allocations claimed twice).

use crate::diag::{Problem, Span, suggest};
use crate::parse::{AllocSpec, Decls, Rules, ServerDecl, ServerDraft};
use crate::value::Sp;
use roost_model::{
    Address, Allocation, AllocationKey, Desired, Endpoint, FeatureLimits, Limits, Server,
};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

fn duplicate(kind: &str, name: &str, first: Span, again: Span) -> Problem {
    let p = Problem::new(
        "roost::duplicate",
        format!("{kind} `{name}` is declared twice"),
        again,
        "declared again here",
    )
    .help(format!(
        "{kind} names are global across all manifest files; rename or remove one"
    ));
    if first.file == again.file {
        p.label(first, "first declared here")
    } else {
        p.related(Problem::new(
            "roost::duplicate",
            format!("{kind} `{name}` first declared here"),
            first,
            "first declaration",
        ))
    }
}

fn undefined(kind: &str, name: &str, at: Span, known: &[&str], how: &str) -> Problem {
    let p = Problem::new(
        "roost::undefined-reference",
        format!("{kind} `{name}` is not declared"),
        at,
        format!("no such {kind}"),
    )
    .undeclared(name);
    match suggest(name, known.iter().copied()) {
        Some(s) => p.help(format!("did you mean `{s}`?")),
        None => p.help(how.to_string()),
    }
}

/// Keep the first declaration of each name, reporting the others.
fn dedup<T>(
    kind: &str,
    items: Vec<T>,
    name: impl Fn(&T) -> &Sp<String>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, T> {
    let mut out: BTreeMap<String, T> = BTreeMap::new();
    for item in items {
        let n = name(&item).clone();
        if let Some(first) = out.get(&n.v) {
            problems.push(duplicate(kind, &n.v, name(first).span, n.span));
        } else {
            out.insert(n.v, item);
        }
    }
    out
}

pub fn resolve(decls: Decls, rules: Rules, problems: &mut Vec<Problem>) -> Desired {
    let mut desired = Desired::default();
    if let Some((panel, _)) = decls.panel {
        desired.panel = panel;
    }
    let locations = dedup("location", decls.locations, |l| &l.name, problems);
    let nodes = dedup("node", decls.nodes, |n| &n.name, problems);
    let users = dedup("user", decls.users, |u| &u.name, problems);
    let templates = dedup("template", decls.templates, |t| &t.key, problems);
    let servers = dedup("server", decls.servers, |s| &s.key, problems);

    let location_names: Vec<&str> = locations.keys().map(String::as_str).collect();
    // ip -> node names, and (node, ip, port) -> declaring span, for allocation checks.
    let mut alloc_spans: HashMap<AllocationKey, Span> = HashMap::new();
    let mut ips_by_node: HashMap<&str, Vec<IpAddr>> = HashMap::new();
    for (name, decl) in &nodes {
        if let Some(loc) = &decl.location
            && !locations.contains_key(&loc.v)
        {
            problems.push(undefined(
                "location",
                &loc.v,
                loc.span,
                &location_names,
                &format!(
                    "declare it: location \"{}\" {{ description \"...\" }}",
                    loc.v
                ),
            ));
        }
        let mut node = decl.node.clone();
        node.location = decl.location.as_ref().map(|l| l.v.clone());
        for block in &decl.allocations {
            for ip in &block.ips {
                let ips = ips_by_node.entry(name.as_str()).or_default();
                if !ips.contains(ip) {
                    ips.push(*ip);
                }
                for range in &block.ports {
                    for port in range.v.0..=range.v.1 {
                        let key = AllocationKey {
                            node: name.clone(),
                            ip: *ip,
                            port,
                        };
                        if let Some(first) = alloc_spans.get(&key) {
                            let p = Problem::new(
                                "roost::duplicate",
                                format!(
                                    "allocation {ip}:{port} is declared twice on node `{name}`"
                                ),
                                range.span,
                                "declared again here",
                            )
                            .help("each ip:port may appear once per node; remove the overlap");
                            problems.push(if first.file == range.span.file {
                                p.label(*first, "first declared here")
                            } else {
                                p.related(Problem::new(
                                    "roost::duplicate",
                                    "first declared here",
                                    *first,
                                    "first declaration",
                                ))
                            });
                            continue;
                        }
                        alloc_spans.insert(key.clone(), range.span);
                        desired.allocations.insert(
                            key,
                            Allocation {
                                node: name.clone(),
                                ip: *ip,
                                port,
                                alias: block.alias.clone(),
                                origin: range.span.origin(),
                            },
                        );
                    }
                }
            }
        }
        desired.nodes.insert(name.clone(), node);
    }
    for (name, decl) in locations {
        desired.locations.insert(name, decl.location);
    }
    for (name, decl) in users {
        desired.users.insert(name, decl.user);
    }

    // Templates: resolve each chain once, reporting unknown parents and cycles.
    let template_names: Vec<&str> = templates.keys().map(String::as_str).collect();
    let mut merged_templates: HashMap<String, Option<ServerDraft>> = HashMap::new();
    for name in templates.keys() {
        merge_chain(
            name,
            &templates,
            &template_names,
            &mut merged_templates,
            &mut Vec::new(),
            problems,
        );
    }

    let node_names: Vec<&str> = nodes.keys().map(String::as_str).collect();
    let user_names: Vec<&str> = desired.users.keys().map(String::as_str).collect();
    let mut claimed: HashMap<AllocationKey, (String, Span)> = HashMap::new();
    let mut external_ids: HashMap<String, (String, Span)> = HashMap::new();
    for (key, decl) in &servers {
        let draft = match &decl.from {
            Some(from) => match merged_templates.get(&from.v) {
                Some(Some(base)) => overlay(base.clone(), decl.draft.clone()),
                Some(None) => continue, // the template itself is broken and already reported
                None => {
                    problems.push(undefined(
                        "template",
                        &from.v,
                        from.span,
                        &template_names,
                        &format!("declare it: template \"{}\" {{ ... }}", from.v),
                    ));
                    continue;
                }
            },
            None => decl.draft.clone(),
        };
        if let Some(server) = build_server(
            key,
            decl,
            draft,
            rules,
            &desired,
            &ips_by_node,
            &node_names,
            &user_names,
            &mut claimed,
            problems,
        ) {
            let ext = desired.server_external_id(&server);
            let max = rules.max_len();
            let ext_span = decl
                .draft
                .external_id
                .as_ref()
                .map(|e| e.span)
                .unwrap_or(decl.key.span);
            if ext.chars().count() > max {
                problems.push(Problem::new("roost::too-long", format!("the external id `{ext}` is longer than the panel's {max} characters"), ext_span, "external id too long").help("shorten the server's name or the panel namespace, or set a shorter `external-id`"));
            }
            if let Some((other, first)) = external_ids.get(&ext) {
                problems.push(
                    Problem::new(
                        "roost::duplicate",
                        format!("servers `{other}` and `{key}` share the external id `{ext}`"),
                        ext_span,
                        "same external id",
                    )
                    .label(*first, "also here")
                    .help("external ids identify servers on the panel and must be unique"),
                );
            } else {
                external_ids.insert(ext, (key.clone(), ext_span));
            }
            desired.servers.insert(key.clone(), server);
        }
    }

    crate::depends::check(&servers, &merged_templates, &desired, problems);
    desired
}

fn merge_chain(
    name: &str,
    templates: &BTreeMap<String, ServerDecl>,
    names: &[&str],
    done: &mut HashMap<String, Option<ServerDraft>>,
    stack: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) -> Option<ServerDraft> {
    if let Some(d) = done.get(name) {
        return d.clone();
    }
    let decl = &templates[name];
    if let Some(pos) = stack.iter().position(|s| s == name) {
        let cycle: Vec<String> = stack[pos..]
            .iter()
            .cloned()
            .chain([name.to_string()])
            .collect();
        let mut p = Problem::new(
            "roost::template-cycle",
            format!(
                "templates inherit from each other in a circle: {}",
                cycle.join(" -> ")
            ),
            decl.from.as_ref().map(|f| f.span).unwrap_or(decl.key.span),
            "the circle closes here",
        )
        .help("a template may extend another, but the chain must end; remove one `from=`");
        for t in &stack[pos..] {
            if t != name
                && let Some(f) = &templates[t].from
                && f.span.file == decl.key.span.file
            {
                p = p.label(f.span, format!("`{t}` extends `{}`", f.v));
            }
        }
        problems.push(p);
        for t in &stack[pos..] {
            done.insert(t.clone(), None);
        }
        return None;
    }
    let merged = match &decl.from {
        None => Some(decl.draft.clone()),
        Some(from) => {
            if !templates.contains_key(&from.v) {
                problems.push(undefined(
                    "template",
                    &from.v,
                    from.span,
                    names,
                    &format!("declare it: template \"{}\" {{ ... }}", from.v),
                ));
                None
            } else {
                stack.push(name.to_string());
                let base = merge_chain(&from.v, templates, names, done, stack, problems);
                stack.pop();
                base.map(|b| overlay(b, decl.draft.clone()))
            }
        }
    };
    if !done.contains_key(name) {
        done.insert(name.to_string(), merged.clone());
    }
    done.get(name).cloned().flatten()
}

/// Fields set in `over` win; limits, features and env merge key by key.
fn overlay(base: ServerDraft, over: ServerDraft) -> ServerDraft {
    let mut env = base.env;
    env.extend(over.env);
    let mut written = base.written;
    written.extend(over.written);
    ServerDraft {
        name: over.name.or(base.name),
        description: over.description.or(base.description),
        owner: over.owner.or(base.owner),
        node: over.node.or(base.node),
        egg: over.egg.or(base.egg),
        image: over.image.or(base.image),
        startup: over.startup.or(base.startup),
        limits: crate::parse::LimitsDraft {
            memory: over.limits.memory.or(base.limits.memory),
            swap: over.limits.swap.or(base.limits.swap),
            disk: over.limits.disk.or(base.limits.disk),
            io: over.limits.io.or(base.limits.io),
            cpu: over.limits.cpu.or(base.limits.cpu),
            threads: over.limits.threads.or(base.limits.threads),
            oom_killer: over.limits.oom_killer.or(base.limits.oom_killer),
        },
        features: crate::parse::FeaturesDraft {
            databases: over.features.databases.or(base.features.databases),
            allocations: over.features.allocations.or(base.features.allocations),
            backups: over.features.backups.or(base.features.backups),
        },
        allocation: over.allocation.or(base.allocation),
        additional: over.additional.or(base.additional),
        env,
        suspended: over.suspended.or(base.suspended),
        external_id: over.external_id.or(base.external_id),
        skip_scripts: over.skip_scripts.or(base.skip_scripts),
        depends_on: over.depends_on.or(base.depends_on),
        protect: over.protect.or(base.protect),
        ignore: match (base.ignore, over.ignore) {
            (Some(mut b), Some(o)) => {
                b.extend(o);
                b.sort();
                b.dedup();
                Some(b)
            }
            (b, o) => o.or(b),
        },
        adopt: over.adopt.or(base.adopt),
        written,
    }
}

#[allow(clippy::too_many_arguments)]
fn build_server(
    key: &str,
    decl: &ServerDecl,
    d: ServerDraft,
    rules: Rules,
    desired: &Desired,
    ips_by_node: &HashMap<&str, Vec<IpAddr>>,
    node_names: &[&str],
    user_names: &[&str],
    claimed: &mut HashMap<AllocationKey, (String, Span)>,
    problems: &mut Vec<Problem>,
) -> Option<Server> {
    let before = problems.len();
    // A field written with a typo or a rejected value is reported where it is written, not
    // again as missing.
    let written = &d.written;
    let missing = |field: &str, example: &str| {
        (!written.contains(field)).then(|| {
            Problem::new(
                "roost::missing-field",
                format!("server `{key}` has no `{field}`"),
                decl.span,
                format!("`{field}` missing"),
            )
            .help(format!("add it to the server or its template: {example}"))
        })
    };
    let owner = match &d.owner {
        Some(o) if desired.users.contains_key(&o.v) => Some(o.v.clone()),
        Some(o) => {
            problems.push(undefined(
                "user",
                &o.v,
                o.span,
                user_names,
                &format!("declare it: user \"{}\" {{ email \"...\" }}", o.v),
            ));
            None
        }
        None => {
            problems.extend(missing("owner", "owner \"alice\""));
            None
        }
    };
    let node = match &d.node {
        Some(n) if desired.nodes.contains_key(&n.v) => Some(n.clone()),
        Some(n) => {
            problems.push(undefined(
                "node",
                &n.v,
                n.span,
                node_names,
                &format!("declare it: node \"{}\" {{ ... }}", n.v),
            ));
            None
        }
        None => {
            problems.extend(missing("node", "node \"fra-1\""));
            None
        }
    };
    if d.egg.is_none() {
        problems.extend(missing("egg", "egg \"Paper\" nest=\"Minecraft\""));
    }
    if d.limits.memory.is_none() {
        problems.extend(missing(
            "limits memory",
            "limits memory=\"4GiB\" disk=\"20GiB\"",
        ));
    }
    if d.limits.disk.is_none() {
        problems.extend(missing(
            "limits disk",
            "limits memory=\"4GiB\" disk=\"20GiB\"",
        ));
    }
    if d.allocation.is_none() && rules.choice == roost_model::DialectChoice::Pterodactyl {
        problems.extend(
            missing("allocation", "allocation \"10.0.0.5:25565\"").map(|p| {
                p.help(
                "Pterodactyl servers need a primary allocation: add allocation \"10.0.0.5:25565\"",
            )
            }),
        );
    }
    if d.allocation.is_none() && d.additional.as_ref().is_some_and(|a| !a.is_empty()) {
        problems.extend(
            missing("allocation", "allocation \"10.0.0.5:25565\"")
                .map(|p| p.help("a server with additional allocations needs a primary one")),
        );
    }

    let mut resolve_alloc = |spec: &Sp<AllocSpec>, node: &Sp<String>| -> Option<Endpoint> {
        let node_ips = ips_by_node
            .get(node.v.as_str())
            .cloned()
            .unwrap_or_default();
        let ep = match spec.v {
            AllocSpec::Full(ip, port) => Endpoint { ip, port },
            AllocSpec::Port(port) => {
                let with_port: Vec<IpAddr> = node_ips
                    .iter()
                    .copied()
                    .filter(|ip| {
                        desired.allocations.contains_key(&AllocationKey {
                            node: node.v.clone(),
                            ip: *ip,
                            port,
                        })
                    })
                    .collect();
                match with_port.as_slice() {
                    [ip] => Endpoint { ip: *ip, port },
                    [] => {
                        problems.push(Problem::new("roost::undefined-reference", format!("node `{}` declares no allocation with port {port}", node.v), spec.span, "no such allocation").label(node.span, "on this node").help(format!("add the port to the node's `allocations`, e.g. allocations \"10.0.0.5\" {port}")));
                        return None;
                    }
                    many => {
                        let list: Vec<String> = many
                            .iter()
                            .map(|ip| Endpoint { ip: *ip, port }.to_string())
                            .collect();
                        problems.push(
                            Problem::new(
                                "roost::ambiguous-allocation",
                                format!("port {port} exists on several IPs of node `{}`", node.v),
                                spec.span,
                                "which IP?",
                            )
                            .help(format!(
                                "write the full address: one of {}",
                                list.join(", ")
                            )),
                        );
                        return None;
                    }
                }
            }
        };
        let k = AllocationKey {
            node: node.v.clone(),
            ip: ep.ip,
            port: ep.port,
        };
        if !desired.allocations.contains_key(&k) {
            let elsewhere: Vec<&str> = desired
                .allocations
                .keys()
                .filter(|o| o.ip == ep.ip && o.port == ep.port)
                .map(|o| o.node.as_str())
                .collect();
            let p = if let Some(other) = elsewhere.first() {
                Problem::new(
                    "roost::allocation-not-on-node",
                    format!(
                        "allocation {ep} belongs to node `{other}`, not to the server's node `{}`",
                        node.v
                    ),
                    spec.span,
                    format!("on node `{other}`"),
                )
                .label(node.span, "the server's node")
                .help(format!(
                    "move the server to node `{other}`, or use an allocation of `{}`",
                    node.v
                ))
            } else {
                Problem::new(
                    "roost::undefined-reference",
                    format!("allocation {ep} is not declared on node `{}`", node.v),
                    spec.span,
                    "no such allocation",
                )
                .label(node.span, "the server's node")
                .help(format!(
                    "add it to the node: allocations \"{}\" {}",
                    ep.ip, ep.port
                ))
            };
            problems.push(p);
            return None;
        }
        if let Some((other, first)) = claimed.get(&k) {
            let p = Problem::new(
                "roost::allocation-claimed-twice",
                format!("allocation {ep} is claimed by servers `{other}` and `{key}`"),
                spec.span,
                format!("also claimed by `{other}`"),
            )
            .help("an allocation belongs to one server; give one of them another port");
            problems.push(if first.file == spec.span.file {
                p.label(*first, format!("claimed by `{other}`"))
            } else {
                p.related(Problem::new(
                    "roost::allocation-claimed-twice",
                    format!("`{other}` claims it here"),
                    *first,
                    "first claim",
                ))
            });
            return None;
        }
        claimed.insert(k, (key.to_string(), spec.span));
        Some(ep)
    };

    let mut allocation = None;
    let mut additional = Vec::new();
    if let Some(node) = &node {
        if let Some(a) = &d.allocation {
            allocation = resolve_alloc(a, node);
        }
        for a in d.additional.iter().flatten() {
            if let Some(ep) = resolve_alloc(a, node) {
                additional.push(ep);
            }
        }
    }
    if problems.len() != before {
        return None;
    }
    let egg = d.egg?.v;
    Some(Server {
        databases: Default::default(),
        key: key.to_string(),
        name: d.name.map(|n| n.v).unwrap_or_else(|| key.to_string()),
        description: d
            .description
            .map(|x| x.v.trim_end().to_string())
            .unwrap_or_default(),
        owner: owner?,
        node: node?.v,
        egg,
        image: d.image.map(|x| x.v),
        startup: d.startup.map(|x| x.v),
        limits: Limits {
            memory: d.limits.memory?.v as u64,
            swap: d.limits.swap.map(|x| x.v).unwrap_or(0),
            disk: d.limits.disk?.v as u64,
            io: d.limits.io.map(|x| x.v as u64).unwrap_or(500),
            cpu: d.limits.cpu.map(|x| x.v as u64).unwrap_or(0),
            threads: d.limits.threads.and_then(|x| x.v),
            oom_killer: d.limits.oom_killer.map(|x| x.v).unwrap_or(false),
        },
        features: FeatureLimits {
            databases: d.features.databases.map(|x| x.v).unwrap_or(Some(0)),
            allocations: d.features.allocations.map(|x| x.v).unwrap_or(Some(0)),
            backups: d.features.backups.map(|x| x.v).unwrap_or(Some(0)),
        },
        allocation,
        additional_allocations: additional,
        environment_origins: d
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.span.origin()))
            .collect(),
        environment: d.env.into_iter().map(|(k, v)| (k, v.v)).collect(),
        suspended: d.suspended.map(|x| x.v).unwrap_or(false),
        external_id: d.external_id.map(|x| x.v),
        skip_scripts: d.skip_scripts.map(|x| x.v).unwrap_or(false),
        depends_on_origins: d
            .depends_on
            .iter()
            .flatten()
            .map(|a| a.span.origin())
            .collect(),
        depends_on: d
            .depends_on
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.v)
            .collect::<Vec<Address>>(),
        template: decl.from.as_ref().map(|f| f.v.clone()),
        protect: d.protect.map(|x| x.v).unwrap_or(false),
        adopt: d.adopt.map(|x| x.v),
        ignore: d.ignore.unwrap_or_default(),
        origin: decl.key.span.origin(),
    })
}

#[cfg(test)]
mod tests {
    use crate::{Sources, load};
    use miette::Diagnostic;
    use std::sync::Arc;

    const BASE: &str = r#"
panel { dialect "pterodactyl"; }
location "fra" { description "Frankfurt"; }
node "fra-1" {
    location "fra"
    fqdn "fra-1.example.com"
    memory "32GiB"
    disk "500GiB"
    allocations "10.0.0.5" "25565-25570"
}
user "alice" { email "alice@example.com"; first-name "Alice"; last-name "Liddell"; }
"#;

    /// (code, message, help) of every problem in `servers`, loaded after `BASE`.
    fn problems(servers: &str) -> Vec<(String, String, String)> {
        let sources = Sources {
            files: vec![("fleet.kdl".into(), Arc::from(format!("{BASE}{servers}")))],
        };
        match load(sources) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .diagnostics
                .iter()
                .map(|d| {
                    let help = d.help().map(|h| h.to_string()).unwrap_or_default();
                    (d.code_str().to_string(), d.message().to_string(), help)
                })
                .collect(),
        }
    }

    #[test]
    fn a_misspelt_or_rejected_field_is_not_also_missing() {
        for body in [
            r#"ower "alice"; node "fra-1"; egg "Paper" nest="Minecraft"; limits memory="2GiB" disk="1GiB"; allocation 25565"#,
            r#"owner "alice"; node "fra-1"; egg "Paper" nest="Minecraft"; limits memroy="2GiB" disk="1GiB"; allocation 25565"#,
            r#"owner "alice"; node "fra-1"; egg "Paper" nest="Minecraft"; limits memory="2GB" disk="1GiB"; allocation 25565"#,
            r#"owner "alice"; node "fra-1"; egg "Paper" nest="Minecraft"; limts memory="2GiB" disk="1GiB"; allocation 25565"#,
            r#"owner 42; node "fra-1"; egg "Paper" nest="Minecraft"; limits memory="2GiB" disk="1GiB"; allocation 25565"#,
        ] {
            let found = problems(&format!("server \"lobby\" {{ {body}; }}"));
            assert_eq!(found.len(), 1, "{body}: {found:#?}");
            assert_ne!(found[0].0, "roost::missing-field", "{body}: {found:#?}");
        }
        // A field that is really absent is still missing, also next to a typo in another one.
        let found = problems(
            r#"server "lobby" { ower "alice"; node "fra-1"; limits memory="2GiB" disk="1GiB"; allocation 25565; }"#,
        );
        let codes: Vec<&str> = found.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            codes,
            ["roost::missing-field", "roost::unknown-field"],
            "{found:#?}"
        );
        assert!(found[0].1.contains("`egg`"), "{found:#?}");
    }

    #[test]
    fn a_template_typo_is_not_reported_as_missing_in_its_servers() {
        let found = problems(
            r#"template "t" { ower "alice"; egg "Paper" nest="Minecraft"; limits memory="2GiB" disk="1GiB"; }
server "lobby" from="t" { node "fra-1"; allocation 25565; }"#,
        );
        let codes: Vec<&str> = found.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(codes, ["roost::unknown-field"], "{found:#?}");
    }

    #[test]
    fn a_misspelt_node_or_user_field_is_not_also_missing() {
        let sources = Sources {
            files: vec![(
                "infra.kdl".into(),
                Arc::from(
                    r#"panel { dialect "pterodactyl"; }
location "fra" { description "Frankfurt"; }
node "fra-1" { location "fra"; fqnd "fra-1.example.com"; memory "32GiB"; disk "500GiB"; }
user "alice" { emial "alice@example.com"; first-name "Alice"; last-name "Liddell"; }
"#,
                ),
            )],
        };
        let err = load(sources).unwrap_err();
        let codes: Vec<&str> = err.diagnostics.iter().map(|d| d.code_str()).collect();
        assert_eq!(codes, ["roost::unknown-field", "roost::unknown-field"]);
    }

    #[test]
    fn an_undefined_dependency_suggests_the_closest_address() {
        let found = problems(
            r#"server "proxy" { owner "alice"; node "fra-1"; egg "Bungeecord" nest="Minecraft"; limits memory="1GiB" disk="1GiB"; allocation 25565; }
server "lobby" { owner "alice"; node "fra-1"; egg "Paper" nest="Minecraft"; limits memory="1GiB" disk="1GiB"; allocation 25566; depends-on "server.proxxy"; }"#,
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, "roost::undefined-reference");
        assert_eq!(found[0].2, "did you mean \"server.proxy\"?");
    }
}
