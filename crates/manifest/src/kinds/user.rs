//! `user "USERNAME" { ... }`: a panel user.

use crate::diag::Problem;
use crate::ignore;
use crate::number::UINT_MAX;
use crate::parse::{
    Fields, Rules, bool_field, check_len, dialect_only, fields, literal_secret, no_children,
    resource_name, string_field, strings_field,
};
use crate::print::{Out, q};
use crate::value::{Entries, Reader, Sp, expect_args};
use crate::read::KdlNode;
use roost_model::{AdoptUser, Dialect, DialectChoice, Kind, PasswordSpec, SecretRef, User};

pub const FIELDS: &[&str] = &[
    "email",
    "first-name",
    "last-name",
    "admin",
    "roles",
    "language",
    "external-id",
    "password",
    "protect",
    "adopt",
    "ignore",
];

#[derive(Debug, Clone)]
pub struct UserDecl {
    pub name: Sp<String>,
    pub user: User,
}

pub fn parse(r: &mut Reader, rules: Rules, node: &KdlNode) -> Option<UserDecl> {
    let name = resource_name(r, node, "user")?;
    Entries::of(r, node, &[]);
    check_name(r, rules, &name);
    let mut u = User {
        username: name.v.clone(),
        email: String::new(),
        first_name: None,
        last_name: None,
        admin: false,
        roles: Vec::new(),
        language: None,
        external_id: None,
        password: None,
        protect: false,
        adopt: None,
        ignore: Vec::new(),
        origin: name.span.origin(),
    };
    let found = fields(r, node, "user", FIELDS, &[]);
    for (field, child) in &found.list {
        parse_field(r, rules, field, child, &mut u);
    }
    require_fields(r, rules, node, &name, &found);
    // Pterodactyl's own rule above already refuses `:`, `/` and `!`.
    let marker_check = u.external_id.is_none() && !rules.pt();
    crate::ownership::check_username(r, &name, marker_check);
    Some(UserDecl { name, user: u })
}

fn parse_field(r: &mut Reader, rules: Rules, field: &str, child: &KdlNode, u: &mut User) {
    match field {
        "ignore" => u.ignore = ignore::parse_block_ignore(r, rules.attributes, child, Kind::User),
        "email" => parse_email(r, rules, child, u),
        "first-name" | "last-name"
            if dialect_only(
                r,
                rules,
                child,
                Dialect::Pterodactyl,
                "Pelican removed first and last names; remove the field",
            ) =>
        {
            let v = string_field(r, child, 1, 191, "first-name \"Alice\"").map(|s| s.v);
            if field == "first-name" {
                u.first_name = v
            } else {
                u.last_name = v
            }
        }
        "admin"
            if dialect_only(
                r,
                rules,
                child,
                Dialect::Pterodactyl,
                "Pelican grants admin rights through roles: write `roles \"Root Admin\"`",
            ) =>
        {
            u.admin = bool_field(r, child).map(|b| b.v).unwrap_or(false);
        }
        "roles"
            if dialect_only(
                r,
                rules,
                child,
                Dialect::Pelican,
                "Pterodactyl has no roles: write `admin #true` for a root admin",
            ) =>
        {
            u.roles = strings_field(r, child, "roles \"Root Admin\"")
                .into_iter()
                .map(|s| s.v)
                .collect();
        }
        "language" => {
            if let Some(s) = string_field(r, child, 1, 32, "language \"en\"") {
                if rules.pt() && s.v != "en" {
                    r.push(Problem::new("roost::bad-value", format!("Pterodactyl 1.11 only has the language \"en\", not \"{}\"", s.v), s.span, "not installed on Pterodactyl").help("write language \"en\", or set the panel's dialect to \"pelican\" if this is a Pelican panel"));
                } else {
                    u.language = Some(s.v);
                }
            }
        }
        "external-id" => {
            u.external_id =
                string_field(r, child, 1, rules.max_len(), "external-id \"billing-42\"")
                    .map(|s| s.v)
        }
        "password" => u.password = parse_password(r, child),
        "protect" => u.protect = bool_field(r, child).map(|b| b.v).unwrap_or(false),
        "adopt" => {
            // `adopt` alone takes over the panel user of this username; `adopt id=N` the
            // user of that id.
            no_children(r, child);
            let e = Entries::of(r, child, &["id"]);
            expect_args(r, child, &e.args, 0, "adopt id=12");
            u.adopt = match e.prop("id") {
                Some(id) => r
                    .int(id, 1, UINT_MAX, "adopt id", "adopt id=12")
                    .map(|v| AdoptUser::Id(v.v as u64)),
                None => Some(AdoptUser::Username),
            }
        }
        _ => {}
    }
}

fn check_name(r: &mut Reader, rules: Rules, name: &Sp<String>) {
    if check_len(r, name, "a username", 1, rules.max_len()).is_some() && rules.pt() {
        let lower = name.v.to_lowercase();
        let chars: Vec<char> = lower.chars().collect();
        let edge = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        let ok = chars.len() >= 3
            && edge(chars[0])
            && edge(chars[chars.len() - 1])
            && chars
                .iter()
                .all(|&c| edge(c) || matches!(c, '_' | '.' | '-'));
        if !ok {
            r.push(
                Problem::new("roost::bad-name", format!("username `{}` is not valid on Pterodactyl", name.v), name.span, "invalid username")
                    .help("Pterodactyl usernames are at least 3 characters of a-z, 0-9, `_`, `.`, `-`, starting and ending with a letter or digit"),
            );
        }
    }
}

fn parse_email(r: &mut Reader, rules: Rules, child: &KdlNode, u: &mut User) {
    let Some(s) = string_field(r, child, 1, rules.max_len(), "email \"alice@example.com\"")
    else {
        return;
    };
    let valid = s.v.split_once('@').is_some_and(|(a, d)| {
        !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
    }) && !s.v.contains(char::is_whitespace);
    if valid {
        u.email = s.v;
    } else {
        r.push(
            Problem::new(
                "roost::bad-value",
                format!("`{}` is not an e-mail address", s.v),
                s.span,
                "invalid e-mail",
            )
            .help("write it like this: email \"alice@example.com\""),
        );
    }
}

/// The fields a user cannot do without, unless written with a typo (already reported).
fn require_fields(r: &mut Reader, rules: Rules, node: &KdlNode, name: &Sp<String>, found: &Fields) {
    let node_span = r.span(node.name().span());
    let written = |field: &str| found.seen.contains(field) || found.misspelt.contains(field);
    if !written("email") {
        r.push(
            Problem::new(
                "roost::missing-field",
                format!("user `{}` has no `email`", name.v),
                node_span,
                "`email` missing",
            )
            .help("add it to the user's block: email \"alice@example.com\""),
        );
    }
    if rules.choice == DialectChoice::Pterodactyl {
        for (field, example) in [
            ("first-name", "first-name \"Alice\""),
            ("last-name", "last-name \"Liddell\""),
        ] {
            if !written(field) {
                r.push(
                    Problem::new(
                        "roost::missing-field",
                        format!("user `{}` has no `{field}`", name.v),
                        node_span,
                        format!("`{field}` missing"),
                    )
                    .help(format!("Pterodactyl requires names: add {example}")),
                );
            }
        }
    }
}

fn parse_password(r: &mut Reader, child: &KdlNode) -> Option<PasswordSpec> {
    no_children(r, child);
    let e = Entries::of(r, child, &["env", "file", "rotate"]);
    let example = "password env=\"ALICE_PASSWORD\"";
    if let Some(arg) = e.args.first() {
        let span = r.span(arg.span());
        r.push(literal_secret(span, example, "a password"));
        return None;
    }
    let rotate = e
        .prop("rotate")
        .and_then(|x| r.boolean(x, "rotate=#true"))
        .map(|b| b.v)
        .unwrap_or(false);
    match (e.prop("env"), e.prop("file")) {
        (Some(env), None) => r.string(env, example).map(|s| PasswordSpec {
            source: SecretRef::Env(s.v),
            rotate,
            origin: s.span.origin(),
        }),
        (None, Some(file)) => r
            .string(file, "password file=\"secrets/alice.txt\"")
            .map(|s| PasswordSpec {
                source: SecretRef::File(s.v),
                rotate,
                origin: s.span.origin(),
            }),
        (Some(_), Some(file)) => {
            let span = r.span(file.span());
            r.push(
                Problem::new(
                    "roost::bad-value",
                    "a password comes from `env` or `file`, not both",
                    span,
                    "second source",
                )
                .help("keep one of them"),
            );
            None
        }
        (None, None) => {
            let span = r.span(child.name().span());
            r.push(
                Problem::new(
                    "roost::missing-value",
                    "`password` needs a source",
                    span,
                    "source missing",
                )
                .help(format!(
                    "write it like this: {example} or password file=\"secrets/alice.txt\""
                )),
            );
            None
        }
    }
}

pub(crate) fn print(o: &mut Out, u: &User) {
    o.open("user", &q(&u.username));
    o.field("email", q(&u.email));
    if let Some(f) = &u.first_name {
        o.field("first-name", q(f));
    }
    if let Some(l) = &u.last_name {
        o.field("last-name", q(l));
    }
    if u.admin {
        o.flag("admin", true);
    }
    if !u.roles.is_empty() {
        let roles: Vec<String> = u.roles.iter().map(|r| q(r)).collect();
        o.field("roles", roles.join(" "));
    }
    if let Some(l) = &u.language {
        o.field("language", q(l));
    }
    if let Some(e) = &u.external_id {
        o.field("external-id", q(e));
    }
    if let Some(p) = &u.password {
        let mut v = match &p.source {
            SecretRef::Env(v) => format!("env={}", q(v)),
            SecretRef::File(f) => format!("file={}", q(f)),
        };
        if p.rotate {
            v.push_str(" rotate=#true");
        }
        o.field("password", v);
    }
    if u.protect {
        o.flag("protect", true);
    }
    match u.adopt {
        Some(AdoptUser::Id(id)) => o.field("adopt", format!("id={id}")),
        Some(AdoptUser::Username) => o.field("adopt", ""),
        None => {}
    }
    o.ignore(&u.ignore);
    o.close();
}
