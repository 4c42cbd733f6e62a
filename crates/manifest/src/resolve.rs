//! Pass 3: merge templates, resolve references, expand allocations, and check the fleet as a
//! whole (duplicates, dangling references, allocations claimed twice). Each kind's part lives
//! in its module; this is the order they run in.

use crate::diag::{Problem, Span, suggest};
use crate::kinds::allocation::Expander;
use crate::kinds::location::LocationDecl;
use crate::kinds::node::NodeDecl;
use crate::kinds::server::{self, ServerContext, ServerDecl, ServerDraft};
use crate::kinds::template;
use crate::parse::{Decls, Rules};
use crate::value::Sp;
use roost_model::{Desired, Server};
use std::collections::{BTreeMap, HashMap};

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

pub(crate) fn undefined(kind: &str, name: &str, at: Span, known: &[&str], how: &str) -> Problem {
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

/// Keep the first declaration of each name, reporting the others. The map is built from the
/// names sorted (a bulk build), not one insert at a time: a declaration is large, and a B-tree
/// node shifts its values on every insert (a fifth of loading 10,000 servers).
fn dedup<T>(
    kind: &str,
    items: Vec<T>,
    name: impl Fn(&T) -> &Sp<String>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, T> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Stable: among equal names, the first declared stays first.
    order.sort_by(|&a, &b| name(&items[a]).v.cmp(&name(&items[b]).v));
    let mut kept: Vec<usize> = Vec::with_capacity(items.len());
    for i in order {
        match kept.last() {
            Some(&first) if name(&items[first]).v == name(&items[i]).v => {
                let (first, again) = (name(&items[first]), name(&items[i]));
                problems.push(duplicate(kind, &again.v, first.span, again.span));
            }
            _ => kept.push(i),
        }
    }
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    kept.into_iter()
        .filter_map(|i| slots[i].take())
        .map(|item| (name(&item).v.clone(), item))
        .collect()
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

    let mut expander = Expander::new();
    resolve_nodes(&nodes, &locations, &mut expander, &mut desired, problems);
    for (name, decl) in locations {
        desired.locations.insert(name, decl.location);
    }
    for (name, decl) in users {
        desired.users.insert(name, decl.user);
    }
    let merged_templates = template::merge_all(&templates, problems);
    let template_names: Vec<&str> = templates.keys().map(String::as_str).collect();
    let built = {
        let mut cx = ServerContext {
            rules,
            desired: &desired,
            ips_by_node: &expander.ips_by_node,
            node_names: nodes.keys().map(String::as_str).collect(),
            user_names: desired.users.keys().map(String::as_str).collect(),
            claimed: HashMap::new(),
        };
        build_servers(
            &servers,
            &merged_templates,
            &template_names,
            &mut cx,
            problems,
        )
    };
    let mut external_ids: HashMap<String, (String, Span)> = HashMap::new();
    for (decl, server) in built {
        check_external_id(&desired, rules, decl, &server, &mut external_ids, problems);
        desired.servers.insert(server.key.clone(), server);
    }
    crate::depends::check(&servers, &merged_templates, &desired, problems);
    desired
}

/// Nodes with their locations checked and their allocations expanded.
fn resolve_nodes<'a>(
    nodes: &'a BTreeMap<String, NodeDecl>,
    locations: &BTreeMap<String, LocationDecl>,
    expander: &mut Expander<'a>,
    desired: &mut Desired,
    problems: &mut Vec<Problem>,
) {
    let location_names: Vec<&str> = locations.keys().map(String::as_str).collect();
    for (name, decl) in nodes {
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
        expander.expand(name, &decl.allocations, desired, problems);
        desired.nodes.insert(name.clone(), node);
    }
}

/// Every server merged with its template and built, in name order.
fn build_servers<'s>(
    servers: &'s BTreeMap<String, ServerDecl>,
    merged_templates: &HashMap<String, Option<ServerDraft>>,
    template_names: &[&str],
    cx: &mut ServerContext,
    problems: &mut Vec<Problem>,
) -> Vec<(&'s ServerDecl, Server)> {
    let mut built = Vec::new();
    for (key, decl) in servers {
        let draft = match &decl.from {
            Some(from) => match merged_templates.get(&from.v) {
                Some(Some(base)) => template::overlay(base.clone(), decl.draft.clone()),
                Some(None) => continue, // the template itself is broken and already reported
                None => {
                    problems.push(undefined(
                        "template",
                        &from.v,
                        from.span,
                        template_names,
                        &format!("declare it: template \"{}\" {{ ... }}", from.v),
                    ));
                    continue;
                }
            },
            None => decl.draft.clone(),
        };
        if let Some(server) = server::build(key, decl, draft, cx, problems) {
            built.push((decl, server));
        }
    }
    built
}

/// A server's external id fits the panel and is unique.
fn check_external_id(
    desired: &Desired,
    rules: Rules,
    decl: &ServerDecl,
    server: &Server,
    external_ids: &mut HashMap<String, (String, Span)>,
    problems: &mut Vec<Problem>,
) {
    let key = &server.key;
    let ext = desired.server_external_id(server);
    let max = rules.max_len();
    let ext_span = decl
        .draft
        .external_id
        .as_ref()
        .map(|e| e.span)
        .unwrap_or(decl.key.span);
    if ext.chars().count() > max {
        problems.push(
            Problem::new(
                "roost::too-long",
                format!("the external id `{ext}` is longer than the panel's {max} characters"),
                ext_span,
                "external id too long",
            )
            .help(
                "shorten the server's name or the panel namespace, or set a shorter `external-id`",
            ),
        );
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
