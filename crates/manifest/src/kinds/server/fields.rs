//! The server fields that take more than a string or a boolean.

use super::{AllocSpec, FEATURE_PROPS, FeaturesDraft, LIMIT_PROPS, LimitsDraft};
use crate::diag::Problem;
use crate::number::{INT_MAX, UINT_MAX};
use crate::parse::{Rules, no_children, string_field, strings_field};
use crate::value::{Entries, Reader, Sp, env_value, expect_args};
use crate::read::{KdlEntry, KdlNode, KdlValue};
use roost_model::{AdoptServer, Address, EggRef, EnvValue, Kind, PowerState};
use std::collections::{BTreeMap, BTreeSet};

/// `egg "Paper" nest="Minecraft"` (nests: Pterodactyl only).
pub(super) fn egg(r: &mut Reader, rules: Rules, child: &KdlNode) -> Option<Sp<EggRef>> {
    no_children(r, child);
    let e = Entries::of(r, child, &["nest"]);
    if !expect_args(r, child, &e.args, 1, "egg \"Paper\" nest=\"Minecraft\"") {
        return None;
    }
    let name = r.string(e.args[0], "egg \"Paper\"")?;
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
    Some(Sp::new(EggRef { name: name.v, nest }, name.span))
}

pub(super) fn image(r: &mut Reader, rules: Rules, child: &KdlNode) -> Option<Sp<String>> {
    let s = string_field(
        r,
        child,
        1,
        rules.max_len(),
        "image \"ghcr.io/pterodactyl/yolks:java_21\"",
    )?;
    if rules.pt()
        && !s.v.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | ':' | '@' | ' ')
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
        return None;
    }
    Some(s)
}

/// `allocation "10.0.0.5:25565" [notes="game port"]`: the primary, and its notes.
pub(super) fn allocation(
    r: &mut Reader,
    child: &KdlNode,
) -> (Option<Sp<AllocSpec>>, Option<Sp<String>>) {
    no_children(r, child);
    let e = Entries::of(r, child, &["notes"]);
    let notes = e.prop("notes").and_then(|n| super::notes::notes_value(r, n));
    if expect_args(r, child, &e.args, 1, "allocation \"10.0.0.5:25565\"") {
        (alloc_spec(r, e.args[0]), notes)
    } else {
        (None, notes)
    }
}

pub(super) fn additional(r: &mut Reader, child: &KdlNode) -> Vec<Sp<AllocSpec>> {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    e.args.iter().filter_map(|a| alloc_spec(r, a)).collect()
}

pub(super) fn alloc_spec(r: &mut Reader, entry: &KdlEntry) -> Option<Sp<AllocSpec>> {
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

/// `env NAME="value" SECRET=(env)"VAR" ...`, each variable once.
pub(super) fn env(r: &mut Reader, child: &KdlNode, env: &mut BTreeMap<String, Sp<EnvValue>>) {
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
                if let Some(prev) = env.get(k.value()) {
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
                    env.insert(k.value().to_string(), Sp::new(v, span));
                }
            }
        }
    }
}

pub(super) fn depends_on(r: &mut Reader, child: &KdlNode) -> Vec<Sp<Address>> {
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
    out
}

pub(super) fn adopt(r: &mut Reader, child: &KdlNode) -> Option<Sp<AdoptServer>> {
    no_children(r, child);
    let e = Entries::of(r, child, &["id", "uuid"]);
    expect_args(r, child, &e.args, 0, "adopt id=42");
    match (e.prop("id"), e.prop("uuid")) {
        (Some(id), None) => r
            .int(id, 1, UINT_MAX, "adopt id", "adopt id=42")
            .map(|v| Sp::new(AdoptServer::Id(v.v as u64), v.span)),
        (None, Some(uuid)) => r
            .string(uuid, "adopt uuid=\"...\"")
            .map(|s| Sp::new(AdoptServer::Uuid(s.v), s.span)),
        _ => {
            let span = r.span(child.name().span());
            r.push(
                Problem::new(
                    "roost::bad-value",
                    "`adopt` takes exactly one of `id` or `uuid`",
                    span,
                    "adopt what?",
                )
                .help("write adopt id=42 or adopt uuid=\"9c8b7a6d-...\""),
            );
            None
        }
    }
}

/// `moved from="server.OLD"`: the server's previous key (a server address, not this one).
pub(super) fn moved(r: &mut Reader, child: &KdlNode, key: &str) -> Option<Sp<String>> {
    no_children(r, child);
    let e = Entries::of(r, child, &["from"]);
    expect_args(r, child, &e.args, 0, "moved from=\"server.old-name\"");
    let Some(from) = e.prop("from").and_then(|f| r.string(f, "moved from=\"server.old-name\""))
    else {
        let span = r.span(child.name().span());
        r.push(
            Problem::new("roost::bad-value", "`moved` needs `from`", span, "moved from where?")
                .help("write moved from=\"server.old-name\": the key this server had before"),
        );
        return None;
    };
    let old = match from.v.parse::<Address>() {
        Ok(a) if a.kind == Kind::Server && a.parent.is_none() => a.name,
        _ => {
            r.push(
                Problem::new(
                    "roost::bad-value",
                    format!("`moved from` takes a server address, not `{}`", from.v),
                    from.span,
                    "not a server address",
                )
                .help("write moved from=\"server.old-name\""),
            );
            return None;
        }
    };
    if old == key {
        r.push(
            Problem::new("roost::bad-value", format!("server `{key}` is moved from itself"), from.span, "the same key")
                .help("name the key the server had before, or remove `moved`"),
        );
        return None;
    }
    Some(Sp::new(old, from.span))
}

pub(super) fn limits(
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
            "threads" => l.threads = threads(r, entry),
            "oom-killer" => l.oom_killer = r.boolean(entry, "oom-killer=#true"),
            _ => {}
        }
    }
}

/// `threads="0-1,3"`, or `#null` for none.
fn threads(r: &mut Reader, entry: &KdlEntry) -> Option<Sp<Option<String>>> {
    if let KdlValue::Null = entry.value() {
        return Some(Sp::new(None, r.span(entry.span())));
    }
    let s = r.string(entry, "threads=\"0-1,3\"")?;
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
}

pub(super) fn features(r: &mut Reader, child: &KdlNode, f: &mut FeaturesDraft) {
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

/// `power "running"` or `power "stopped"`: the desired power state (opt-in).
pub(super) fn power(r: &mut Reader, child: &KdlNode) -> Option<Sp<PowerState>> {
    let s = string_field(r, child, 1, 64, "power \"running\"")?;
    if let Some(p) = PowerState::parse(&s.v) {
        return Some(Sp::new(p, s.span));
    }
    let help = match crate::diag::suggest(&s.v, PowerState::NAMES.iter().copied()) {
        Some(m) => format!("did you mean \"{m}\"? write `power \"running\"` or `power \"stopped\"`"),
        None => "write `power \"running\"` or `power \"stopped\"`, or leave `power` out to leave the server's state alone".to_string(),
    };
    r.push(
        Problem::new(
            "roost::bad-value",
            format!("`{}` is not a power state", s.v),
            s.span,
            "unknown power state",
        )
        .help(help),
    );
    None
}
