//! `subuser "EMAIL" { permissions "control.console" "file.read" … }` inside a server or template
//! block: a panel user given access to the server. Permission names are checked against the
//! dialect's list (the panels drop unknown names silently), with a did-you-mean; the dialects
//! spell one differently (`database.view_password` on Pterodactyl, `database.view-password` on
//! Pelican), so under `dialect "auto"` a name must be known to both. Templates pass their
//! subusers on by address; the server's block of the same address wins.

use crate::diag::{Problem, suggest};
use crate::parse::{Rules, check_len, fields, no_children, resource_name};
use crate::print::{Out, q};
use crate::value::{Entries, Reader, Sp};
use crate::read::KdlNode;
use roost_model::{Dialect, PELICAN_PERMISSIONS, PTERODACTYL_PERMISSIONS, Subuser};
use std::collections::BTreeMap;

pub const FIELDS: &[&str] = &["permissions"];
const EXAMPLE: &str = "subuser \"mira@example.net\" { permissions \"control.console\" \"file.read\" }";

#[derive(Debug, Clone)]
pub struct SubuserDecl {
    pub email: Sp<String>,
    /// `None` when the block has an error (reported).
    pub subuser: Option<Subuser>,
}

/// The key a subuser is known by under its server: its e-mail address without case.
pub fn subuser_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub(crate) fn parse(
    r: &mut Reader,
    rules: Rules,
    node: &KdlNode,
    owner: (&str, &str),
) -> Option<SubuserDecl> {
    let email = resource_name(r, node, "subuser")?;
    let mut valid = check_email(r, rules, &email);
    let e = Entries::of(r, node, &[]);
    if let Some(extra) = e.args.get(1) {
        let span = r.span(extra.span());
        r.push(
            Problem::new("roost::extra-value", "a subuser has one e-mail address", span, "unexpected value")
                .help(format!("write it like this: {EXAMPLE}")),
        );
        valid = false;
    }
    let found = fields(r, node, "subuser", FIELDS, &[]);
    let mut permissions = None;
    for (field, child) in &found.list {
        if *field == "permissions" {
            permissions = parse_permissions(r, rules, child);
            valid &= permissions.is_some();
        }
    }
    if !found.seen.contains("permissions") && !found.misspelt.contains("permissions") {
        let span = r.span(node.name().span());
        let (kind, owner) = owner;
        r.push(
            Problem::new(
                "roost::missing-field",
                format!("subuser `{}` of {kind} `{owner}` has no `permissions`", email.v),
                span,
                "`permissions` missing",
            )
            .help(format!("list what the user may do: {EXAMPLE}")),
        );
        valid = false;
    }
    let subuser = match (valid, permissions) {
        (true, Some(permissions)) => Some(Subuser {
            email: email.v.trim().to_string(),
            permissions,
            origin: email.span.origin(),
        }),
        _ => None,
    };
    Some(SubuserDecl { email, subuser })
}

fn check_email(r: &mut Reader, rules: Rules, email: &Sp<String>) -> bool {
    if check_len(r, email, "a subuser's e-mail address", 3, rules.max_len()).is_none() {
        return false;
    }
    let v = email.v.trim();
    let ok = v.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) && !v.chars().any(char::is_whitespace);
    if !ok {
        r.push(
            Problem::new(
                "roost::bad-value",
                format!("`{v}` is not an e-mail address"),
                email.span,
                "not an e-mail address",
            )
            .help(format!("a subuser is named by the e-mail address of the panel user (the panel invites it when no user has it): {EXAMPLE}")),
        );
    }
    ok
}

/// `permissions "a" "b" …`: at least one, each known to the dialects the manifests target.
fn parse_permissions(r: &mut Reader, rules: Rules, child: &KdlNode) -> Option<Vec<String>> {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    if e.args.is_empty() {
        let span = r.span(child.name().span());
        r.push(
            Problem::new("roost::missing-value", "`permissions` needs at least one permission", span, "no permission")
                .help("the panels refuse an empty list; the least a subuser can have is `permissions \"websocket.connect\"` (the console's connection)"),
        );
        return None;
    }
    let mut out = Vec::new();
    let mut valid = true;
    for a in &e.args {
        let Some(name) = r.string(a, "permissions \"control.console\"") else {
            valid = false;
            continue;
        };
        if let Some(p) = unknown_permission(rules, &name) {
            r.push(p);
            valid = false;
            continue;
        }
        if !out.contains(&name.v) {
            out.push(name.v);
        }
    }
    valid.then_some(out)
}

/// Why `name` is not a permission of the targeted dialects, with a fix.
fn unknown_permission(rules: Rules, name: &Sp<String>) -> Option<Problem> {
    let pt = PTERODACTYL_PERMISSIONS.contains(&name.v.as_str());
    let pl = PELICAN_PERMISSIONS.contains(&name.v.as_str());
    let (wants_pt, wants_pl) = (rules.pt(), rules.pl());
    if (pt || !wants_pt) && (pl || !wants_pl) {
        return None;
    }
    let dialect = match (wants_pt, wants_pl) {
        (true, false) => Some(Dialect::Pterodactyl),
        (false, true) => Some(Dialect::Pelican),
        _ => None,
    };
    let list: Vec<&str> = match dialect {
        Some(d) => roost_model::subuser_permissions(d).to_vec(),
        None => PTERODACTYL_PERMISSIONS
            .iter()
            .copied()
            .filter(|p| PELICAN_PERMISSIONS.contains(p))
            .collect(),
    };
    let label;
    let help = if pt || pl {
        let (has, lacks) = if pt { ("Pterodactyl", "Pelican") } else { ("Pelican", "Pterodactyl") };
        label = format!("{lacks} has no such permission");
        match suggest(&name.v, list.iter().copied()) {
            Some(s) => format!("`{}` is {has}'s; {lacks} spells it \"{s}\" (set `dialect` in the panel block to the panel's)", name.v),
            None => format!("`{}` exists only on {has}: set `dialect` in the panel block to the panel's", name.v),
        }
    } else {
        label = "unknown permission".to_string();
        match suggest(&name.v, list.iter().copied()) {
            Some(s) => format!("did you mean \"{s}\"? (the panels drop unknown names silently)"),
            None => format!("the permissions of the panel: {}", list.join(", ")),
        }
    };
    Some(
        Problem::new(
            "roost::unknown-permission",
            format!("`{}` is not a subuser permission", name.v),
            name.span,
            label,
        )
        .help(help),
    )
}

/// Adds `s` to a block's subusers, reporting an address declared twice in the block.
pub(crate) fn insert_once(
    r: &mut Reader,
    subusers: &mut BTreeMap<String, SubuserDecl>,
    s: SubuserDecl,
    owner: (&str, &str),
) {
    let key = subuser_key(&s.email.v);
    if let Some(first) = subusers.get(&key) {
        let (kind, owner) = owner;
        r.push(
            Problem::new(
                "roost::duplicate",
                format!("subuser `{}` is declared twice in {kind} `{owner}`", s.email.v),
                s.email.span,
                "declared again here",
            )
            .label(first.email.span, "first declared here")
            .help("a user is a subuser of a server once (addresses compare without case); merge the permissions into one block"),
        );
        return;
    }
    subusers.insert(key, s);
}

/// The valid subusers of a merged server, by key.
pub(crate) fn resolved(subusers: BTreeMap<String, SubuserDecl>) -> BTreeMap<String, Subuser> {
    subusers
        .into_iter()
        .filter_map(|(key, d)| d.subuser.map(|s| (key, s)))
        .collect()
}

pub(crate) fn print(o: &mut Out, s: &Subuser) {
    o.open("subuser", &q(&s.email));
    let list: Vec<String> = s.permissions.iter().map(|p| q(p)).collect();
    o.field("permissions", list.join(" "));
    o.close();
}
