//! `server "KEY" [from="TEMPLATE"] { ... }` and `template "NAME" [from="OTHER"] { ... }`: a
//! game server, and reusable server settings. Both parse into a [`ServerDraft`] (every field
//! optional, with its span); templates are merged in `kinds/template.rs`, and a server's draft
//! becomes a `roost_model::Server` in `build.rs`.

mod build;
mod endpoints;
mod fields;
mod notes;
mod print;

pub(crate) use build::{ServerContext, build};
pub(crate) use notes::{NoteDecl, overlay as overlay_notes};
pub(crate) use print::{feature_props, joined, limit_props, print, print_egg};

use crate::diag::Problem;
use crate::ignore;
use crate::kinds::database::{self, DatabaseDecl};
use crate::kinds::schedule::{self, ScheduleDecl};
use crate::kinds::file::{self, FileDecl};
use crate::kinds::subuser::{self, SubuserDecl};
use crate::parse::{Rules, bool_field, fields as block_fields, resource_name, string_field};
use crate::value::{Entries, Reader, Sp};
use crate::read::KdlNode;
use roost_model::{AdoptServer, Address, EggRef, EnvValue, Kind, PowerState};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

pub const FIELDS: &[&str] = &[
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
    "allocation-note",
    "env",
    "suspended",
    "external-id",
    "skip-scripts",
    "power",
    "depends-on",
    "protect",
    "adopt",
    "moved",
    "ignore",
    "database",
    "schedule",
    "subuser",
    "file",
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
    /// `notes=` on the `allocation` line: part of that line (a block's `allocation` replaces a
    /// template's, notes included).
    pub primary_note: Option<Sp<String>>,
    /// The `allocation-note` lines, merged with a template's allocation by allocation.
    pub allocation_notes: Vec<NoteDecl>,
    pub env: BTreeMap<String, Sp<EnvValue>>,
    pub suspended: Option<Sp<bool>>,
    pub external_id: Option<Sp<String>>,
    pub skip_scripts: Option<Sp<bool>>,
    pub power: Option<Sp<PowerState>>,
    pub depends_on: Option<Vec<Sp<Address>>>,
    pub protect: Option<Sp<bool>>,
    pub adopt: Option<Sp<AdoptServer>>,
    /// `moved from="server.OLD"`: the old key.
    pub moved_from: Option<Sp<String>>,
    pub ignore: Option<Vec<String>>,
    /// The `database` blocks, by name.
    pub databases: BTreeMap<String, DatabaseDecl>,
    /// The `schedule` blocks, by name.
    pub schedules: BTreeMap<String, ScheduleDecl>,
    /// The `subuser` blocks, by e-mail address in lower case.
    pub subusers: BTreeMap<String, SubuserDecl>,
    /// The `file` blocks, by normalised path.
    pub files: BTreeMap<String, FileDecl>,
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
    pub span: crate::diag::Span,
}

/// A `server` block, or with `template` a `template` block.
pub fn parse(r: &mut Reader, rules: Rules, node: &KdlNode, template: bool) -> Option<ServerDecl> {
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
    if !template {
        check_key(r, &key);
    }
    let mut d = ServerDraft::default();
    let found = block_fields(
        r,
        node,
        kind,
        FIELDS,
        &["database", "schedule", "subuser", "allocation-note", "file"],
    );
    for meant in &found.misspelt {
        match *meant {
            "limits" => d.written.extend(["limits memory", "limits disk"]),
            other => {
                d.written.insert(other);
            }
        }
    }
    for (field, child) in &found.list {
        if *field != "limits" {
            d.written.insert(*field);
        }
        if template && matches!(*field, "adopt" | "external-id" | "moved") {
            let span = r.span(child.name().span());
            r.push(
                Problem::new(
                    "roost::bad-value",
                    format!("`{field}` cannot be set in a template"),
                    span,
                    "unique per server",
                )
                .help(format!(
                    "`{field}` identifies one server; set it in the server's own block"
                )),
            );
            continue;
        }
        parse_field(r, rules, field, child, &mut d, (kind, &key.v));
    }
    Some(ServerDecl {
        key,
        from,
        draft: d,
        span: r.span(node.name().span()),
    })
}

/// A server's key is roost's handle and part of its marker.
fn check_key(r: &mut Reader, key: &Sp<String>) {
    if key.v.ends_with('!') {
        r.push(Problem::new("roost::bad-name", format!("server name `{}` ends with `!`", key.v), key.span, "reserved character").help("roost marks protected servers on the panel with a trailing `!` in their external id; drop the `!` from the name"));
    }
    crate::ownership::check_server_key(r, key);
    let ok = key.v.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if !ok {
        r.push(Problem::new("roost::bad-name", format!("server name `{}` contains whitespace", key.v), key.span, "invalid server name").help("the manifest name is roost's handle (`server.NAME`); use `-` or `_`, and put the display name in `name \"...\"`"));
    }
}

/// One field of a server or template block (`owner`: the block's kind and name).
fn parse_field(
    r: &mut Reader,
    rules: Rules,
    field: &str,
    child: &KdlNode,
    d: &mut ServerDraft,
    owner: (&str, &str),
) {
    match field {
        "ignore" => {
            d.ignore = Some(ignore::parse_block_ignore(
                r,
                rules.attributes,
                child,
                Kind::Server,
            ))
        }
        "name" => d.name = string_field(r, child, 1, rules.max_len(), "name \"Survival #1\""),
        "description" => d.description = string_field(r, child, 0, 65535, "description \"...\""),
        "owner" => d.owner = string_field(r, child, 1, 255, "owner \"alice\""),
        "node" => d.node = string_field(r, child, 1, 100, "node \"fra-1\""),
        "egg" => d.egg = fields::egg(r, rules, child),
        "image" => d.image = fields::image(r, rules, child),
        "startup" => {
            d.startup = string_field(
                r,
                child,
                1,
                65535,
                "startup \"java -jar {{SERVER_JARFILE}}\"",
            )
        }
        "limits" => fields::limits(r, rules, child, &mut d.limits, &mut d.written),
        "features" => fields::features(r, child, &mut d.features),
        "allocation" => (d.allocation, d.primary_note) = fields::allocation(r, child),
        "allocation-note" => {
            if let Some(n) = notes::parse(r, child) {
                notes::insert_once(r, d, n);
            }
        }
        "additional-allocations" => d.additional = Some(fields::additional(r, child)),
        "env" => fields::env(r, child, &mut d.env),
        "suspended" => d.suspended = bool_field(r, child),
        "external-id" => {
            d.external_id =
                string_field(r, child, 1, rules.max_len(), "external-id \"billing-42\"")
        }
        "skip-scripts" => d.skip_scripts = bool_field(r, child),
        "power" => d.power = fields::power(r, child),
        "protect" => d.protect = bool_field(r, child),
        "depends-on" => d.depends_on = Some(fields::depends_on(r, child)),
        "adopt" => d.adopt = fields::adopt(r, child),
        "moved" => d.moved_from = fields::moved(r, child, owner.1),
        "database" => {
            if let Some(db) = database::parse(r, rules, child, owner) {
                database::insert_once(r, &mut d.databases, db, owner);
            }
        }
        "schedule" => {
            if let Some(s) = schedule::parse(r, rules, child, owner) {
                schedule::insert_once(r, &mut d.schedules, s, owner);
            }
        }
        "subuser" => {
            if let Some(s) = subuser::parse(r, rules, child, owner) {
                subuser::insert_once(r, &mut d.subusers, s, owner);
            }
        }
        "file" => {
            if let Some(f) = file::parse(r, rules, child, owner) {
                file::insert_once(r, &mut d.files, f, owner);
            }
        }
        _ => {}
    }
}
