//! `database "NAME" { host id=N; remote "%" }` inside a server or template block: a MySQL or
//! MariaDB database the panel creates for the server on a database host (`host "NAME"` names
//! the host instead, on Pelican, whose Application API lists hosts). Templates pass their
//! databases on name by name; the server's block of the same name wins.

use crate::diag::Problem;
use crate::number::UINT_MAX;
use crate::parse::{Rules, check_len, fields, no_children, resource_name, string_field};
use crate::print::{Out, q};
use crate::value::{Entries, Reader, Sp};
use crate::read::KdlNode;
use roost_model::{DATABASE_NAME_MAX, Database, DatabaseHostRef};
use std::collections::BTreeMap;

pub const FIELDS: &[&str] = &["host", "remote"];

/// Where clients may connect from when the block does not say: anywhere.
pub const DEFAULT_REMOTE: &str = "%";
/// The Application API's rule for `remote`: `^[0-9%.]{1,15}$`.
const REMOTE_MAX: usize = 15;

#[derive(Debug, Clone)]
pub struct DatabaseDecl {
    pub name: Sp<String>,
    /// `None` when the block has an error (reported); its name still counts as declared, so
    /// that a `depends-on` naming it is not reported as well.
    pub database: Option<Database>,
}

/// A `database` block of a server or template (`owner`: its kind and name, for messages).
pub(crate) fn parse(
    r: &mut Reader,
    rules: Rules,
    node: &KdlNode,
    owner: (&str, &str),
) -> Option<DatabaseDecl> {
    let name = resource_name(r, node, "database")?;
    let e = Entries::of(r, node, &[]);
    if let Some(extra) = e.args.get(1) {
        let span = r.span(extra.span());
        r.push(
            Problem::new(
                "roost::extra-value",
                "a database has one name",
                span,
                "unexpected value",
            )
            .help("write it like this: database \"main\" { host id=1 }"),
        );
    }
    let mut valid = check_name(r, &name);
    let found = fields(r, node, "database", FIELDS, &[]);
    let mut host = None;
    let mut remote = None;
    for (field, child) in &found.list {
        match *field {
            "host" => {
                host = parse_host(r, rules, child);
                valid &= host.is_some();
            }
            "remote" => {
                remote = parse_remote(r, child);
                valid &= remote.is_some();
            }
            _ => {}
        }
    }
    if !found.seen.contains("host") && !found.misspelt.contains("host") {
        let span = r.span(node.name().span());
        let (kind, owner) = owner;
        r.push(
            Problem::new(
                "roost::missing-field",
                format!("database `{}` of {kind} `{owner}` has no `host`", name.v),
                span,
                "`host` missing",
            )
            .help("name the database host: host id=1 (or, on Pelican, host \"mysql-1\")"),
        );
    }
    let database = match (valid, host) {
        (true, Some(host)) => Some(Database {
            name: name.v.clone(),
            host,
            remote: remote.unwrap_or_else(|| DEFAULT_REMOTE.to_string()),
            origin: name.span.origin(),
        }),
        _ => None,
    };
    Some(DatabaseDecl { name, database })
}

/// The panel's `alpha_dash` rule, 1 to 48 characters.
fn check_name(r: &mut Reader, name: &Sp<String>) -> bool {
    if check_len(r, name, "a database's name", 1, DATABASE_NAME_MAX).is_none() {
        return false;
    }
    let ok = name
        .v
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if !ok {
        r.push(
            Problem::new(
                "roost::bad-name",
                format!("database name `{}` has characters the panel rejects", name.v),
                name.span,
                "invalid database name",
            )
            .help("a database name is letters, digits, `-` and `_` (the panel stores it as s<server id>_<name>)"),
        );
    }
    ok
}

/// `host id=1`, or `host "mysql-1"` (Pelican only).
fn parse_host(r: &mut Reader, rules: Rules, child: &KdlNode) -> Option<DatabaseHostRef> {
    no_children(r, child);
    let e = Entries::of(r, child, &["id"]);
    let help = "write host id=1 (the host's panel id), or on Pelican host \"mysql-1\" (its name)";
    match (e.prop("id"), e.args.as_slice()) {
        (Some(id), []) => r
            .int(id, 1, UINT_MAX, "host id", "host id=1")
            .map(|v| DatabaseHostRef::Id(v.v as u64)),
        (None, [name]) => host_name(r, rules, name),
        (None, []) => {
            let span = r.span(child.name().span());
            r.push(
                Problem::new(
                    "roost::missing-value",
                    "`host` needs a host id or a host name",
                    span,
                    "value missing",
                )
                .help(help),
            );
            None
        }
        (Some(_), [extra, ..]) | (None, [_, extra, ..]) => {
            let span = r.span(extra.span());
            r.push(
                Problem::new(
                    "roost::extra-value",
                    "`host` takes one host: an id or a name",
                    span,
                    "unexpected value",
                )
                .help(help),
            );
            None
        }
    }
}

fn host_name(r: &mut Reader, rules: Rules, entry: &crate::read::KdlEntry) -> Option<DatabaseHostRef> {
    let s = r.string(entry, "host \"mysql-1\"")?;
    check_len(r, &s, "a database host's name", 1, 255)?;
    if !rules.pl() {
        r.push(
            Problem::new(
                "roost::wrong-dialect",
                "a database host is named only on Pelican",
                s.span,
                "Pelican only",
            )
            .help("Pterodactyl's Application API lists no database hosts: write host id=N, the host's id in the admin area"),
        );
        return None;
    }
    Some(DatabaseHostRef::Name(s.v))
}

/// `remote "%"`: where clients may connect from, as the Application API takes it.
fn parse_remote(r: &mut Reader, child: &KdlNode) -> Option<String> {
    let s = string_field(r, child, 1, REMOTE_MAX, "remote \"%\"")?;
    if s.v.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '%') {
        return Some(s.v);
    }
    r.push(
        Problem::new(
            "roost::bad-value",
            format!("`{}` is not a remote the panel accepts", s.v),
            s.span,
            "invalid remote",
        )
        .help("the Application API takes up to 15 digits, `.` and `%`: \"%\" (anywhere), \"10.0.0.%\", \"192.168.1.5\""),
    );
    None
}

/// Adds `db` to a block's databases, reporting a name declared twice in the block.
pub(crate) fn insert_once(
    r: &mut Reader,
    databases: &mut BTreeMap<String, DatabaseDecl>,
    db: DatabaseDecl,
    owner: (&str, &str),
) {
    if let Some(first) = databases.get(&db.name.v) {
        let (kind, owner) = owner;
        r.push(
            Problem::new(
                "roost::duplicate",
                format!("database `{}` is declared twice in {kind} `{owner}`", db.name.v),
                db.name.span,
                "declared again here",
            )
            .label(first.name.span, "first declared here")
            .help("the databases of a server have distinct names; rename or remove one"),
        );
        return;
    }
    databases.insert(db.name.v.clone(), db);
}

/// The valid databases of a merged server.
pub(crate) fn resolved(databases: BTreeMap<String, DatabaseDecl>) -> BTreeMap<String, Database> {
    databases
        .into_iter()
        .filter_map(|(name, d)| d.database.map(|db| (name, db)))
        .collect()
}

pub(crate) fn print(o: &mut Out, db: &Database) {
    o.open("database", &q(&db.name));
    match &db.host {
        DatabaseHostRef::Id(id) => o.field("host", format!("id={id}")),
        DatabaseHostRef::Name(name) => o.field("host", q(name)),
    }
    o.field("remote", q(&db.remote));
    o.close();
}
