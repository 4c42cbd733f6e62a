//! Pass 2's shared readers: what every block's parser (`kinds/<kind>.rs`) uses to read names,
//! fields and values, checking shapes, types, ranges and dialect rules. Cross-references are
//! checked later, in `resolve`.

use crate::diag::{Problem, Span, suggest};
use crate::ignore::AttributeNames;
use crate::kinds::location::LocationDecl;
use crate::kinds::node::NodeDecl;
use crate::kinds::server::ServerDecl;
use crate::kinds::user::UserDecl;
use crate::read::{KdlDocument, KdlNode};
use crate::value::{Entries, Reader, Sp, expect_args};
use roost_model::{Dialect, DialectChoice, PanelSettings};
use std::collections::{BTreeMap, BTreeSet};

pub const TOP_LEVEL: &[&str] = &[
    "panel", "location", "node", "user", "template", "server", "include",
];

/// Validation limits of the dialects the manifests target (the strictest of both under `auto`),
/// and the attribute names `ignore` rules may use.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub choice: DialectChoice,
    pub attributes: AttributeNames,
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

/// Every declaration of the manifest set, before references are resolved.
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
pub(crate) fn resource_name(r: &mut Reader, node: &KdlNode, kind: &str) -> Option<Sp<String>> {
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

/// The fields of a block, each known field with its node in the order written. Unknown fields
/// are reported (with the field they were probably meant to be), and so are fields set twice,
/// except the `repeatable` ones.
#[derive(Default)]
pub(crate) struct Fields<'n> {
    pub list: Vec<(&'static str, &'n KdlNode)>,
    /// The known fields written.
    pub seen: BTreeSet<&'static str>,
    /// Known fields that unknown ones were probably meant to be (already reported, so not to be
    /// reported as missing too).
    pub misspelt: BTreeSet<&'static str>,
}

pub(crate) fn fields<'n>(
    r: &mut Reader,
    node: &'n KdlNode,
    block: &str,
    known: &[&'static str],
    repeatable: &[&str],
) -> Fields<'n> {
    let mut out = Fields::default();
    let mut first: BTreeMap<&'static str, Span> = BTreeMap::new();
    for child in node.children().map(KdlDocument::nodes).unwrap_or_default() {
        let name = child.name().value();
        let Some(field) = known.iter().copied().find(|f| *f == name) else {
            out.misspelt.extend(unknown_field(r, child, block, known));
            continue;
        };
        if !repeatable.contains(&field) {
            if let Some(at) = first.get(field) {
                duplicate_field(r, child, *at);
                continue;
            }
            first.insert(field, r.span(child.name().span()));
        }
        out.seen.insert(field);
        out.list.push((field, child));
    }
    out
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
pub(crate) fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Pterodactyl => "Pterodactyl",
        Dialect::Pelican => "Pelican",
    }
}

/// A field that one dialect does not have.
pub(crate) fn dialect_only(
    r: &mut Reader,
    rules: Rules,
    child: &KdlNode,
    only: Dialect,
    help: &str,
) -> bool {
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
pub(crate) fn string_field(
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

pub(crate) fn bool_field(r: &mut Reader, child: &KdlNode) -> Option<Sp<bool>> {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    let example = format!("{} #true", child.name().value());
    if !expect_args(r, child, &e.args, 1, &example) {
        return None;
    }
    r.boolean(e.args[0], &example)
}

pub(crate) fn strings_field(r: &mut Reader, child: &KdlNode, example: &str) -> Vec<Sp<String>> {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    e.args.iter().filter_map(|a| r.string(a, example)).collect()
}

pub(crate) fn literal_secret(span: Span, example: &str, what: &str) -> Problem {
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
