//! A server block as KDL; with a template, only what the template does not already say.

use crate::kinds::{database, file, schedule, subuser};
use crate::print::{Out, Template, b, endpoint, env_value, prop_key, q, size, text_block};
use roost_model::{AdoptServer, EggRef, FeatureLimits, Limits, Server};

pub(crate) fn print(o: &mut Out, s: &Server, from: Option<&Template>) {
    let mut head = q(&s.key);
    if let Some(t) = from {
        head.push_str(&format!(" from={}", q(&t.name)));
    }
    o.open("server", &head);
    if s.name != s.key {
        o.field("name", q(&s.name));
    }
    if !s.description.is_empty() {
        let text = text_block(&s.description, o.indent());
        o.field("description", text);
    }
    o.field("owner", q(&s.owner));
    o.field("node", q(&s.node));
    if from.and_then(|t| t.egg.as_ref()) != Some(&s.egg) {
        o.field("egg", print_egg(&s.egg));
    }
    if let Some(i) = &s.image {
        o.field("image", q(i));
    }
    if let Some(st) = &s.startup {
        o.field("startup", q(st));
    }
    let limits = limit_props(&s.limits);
    match from.and_then(|t| t.limits.as_ref()) {
        Some(base) => o.field_unless_empty("limits", differing(&limits, &limit_props(base))),
        None => o.field("limits", joined(&limits)),
    }
    let features = feature_props(&s.features);
    match from.and_then(|t| t.features.as_ref()) {
        Some(base) => o.field_unless_empty("features", differing(&features, &feature_props(base))),
        None => o.field("features", joined(&features)),
    }
    if let Some(a) = &s.allocation {
        o.field("allocation", endpoint(a) + &super::notes::primary_suffix(s));
    }
    if !s.additional_allocations.is_empty() {
        let list: Vec<String> = s.additional_allocations.iter().map(endpoint).collect();
        o.field("additional-allocations", list.join(" "));
    }
    super::notes::print(o, s);
    if !s.environment.is_empty() {
        let vars: Vec<String> = s
            .environment
            .iter()
            .map(|(k, v)| format!("{}={}", prop_key(k), env_value(v)))
            .collect();
        o.field("env", vars.join(" "));
    }
    print_flags_and_identity(o, s);
    for db in s.databases.values() {
        database::print(o, db);
    }
    for s in s.schedules.values() {
        schedule::print(o, s);
    }
    for u in s.subusers.values() {
        subuser::print(o, u);
    }
    for f in s.files.values() {
        file::print(o, f);
    }
    o.close();
}

fn print_flags_and_identity(o: &mut Out, s: &Server) {
    if s.suspended {
        o.flag("suspended", true);
    }
    if let Some(e) = &s.external_id {
        o.field("external-id", q(e));
    }
    if s.skip_scripts {
        o.flag("skip-scripts", true);
    }
    if let Some(p) = s.power {
        o.field("power", q(p.as_str()));
    }
    if !s.depends_on.is_empty() {
        let deps: Vec<String> = s.depends_on.iter().map(|a| q(&a.to_string())).collect();
        o.field("depends-on", deps.join(" "));
    }
    if s.protect {
        o.flag("protect", true);
    }
    match &s.adopt {
        Some(AdoptServer::Id(id)) => o.field("adopt", format!("id={id}")),
        Some(AdoptServer::Uuid(u)) => o.field("adopt", format!("uuid={}", q(u))),
        None => {}
    }
    if let Some(old) = &s.moved_from {
        o.field("moved", format!("from={}", q(&format!("server.{old}"))));
    }
    o.ignore(&s.ignore);
}

pub(crate) fn print_egg(e: &EggRef) -> String {
    match &e.nest {
        Some(nest) => format!("{} nest={}", q(&e.name), q(nest)),
        None => q(&e.name),
    }
}

/// The `limits` properties, each with its value as written (`threads` as `#null` when unset).
pub(crate) fn limit_props(l: &Limits) -> Vec<(&'static str, String)> {
    let swap = if l.swap < 0 {
        "\"unlimited\"".to_string()
    } else {
        size(l.swap as u64)
    };
    vec![
        ("memory", size(l.memory)),
        ("swap", swap),
        ("disk", size(l.disk)),
        ("io", l.io.to_string()),
        ("cpu", l.cpu.to_string()),
        ("threads", l.threads.as_deref().map(q).unwrap_or("#null".into())),
        ("oom-killer", b(l.oom_killer).to_string()),
    ]
}

/// The `features` properties (`"unlimited"` for no limit).
pub(crate) fn feature_props(f: &FeatureLimits) -> Vec<(&'static str, String)> {
    let v = |x: Option<u64>| {
        x.map(|n| n.to_string())
            .unwrap_or_else(|| "\"unlimited\"".into())
    };
    vec![
        ("databases", v(f.databases)),
        ("allocations", v(f.allocations)),
        ("backups", v(f.backups)),
    ]
}

/// Properties as `key=value`, those that only say "none" (`threads=#null`) left out.
pub(crate) fn joined(props: &[(&'static str, String)]) -> String {
    props
        .iter()
        .filter(|(_, v)| v != "#null")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The properties of `props` whose value differs from `base`'s, as `key=value`.
fn differing(props: &[(&'static str, String)], base: &[(&'static str, String)]) -> String {
    props
        .iter()
        .zip(base)
        .filter(|((_, v), (_, w))| v != w)
        .map(|((k, v), _)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}
