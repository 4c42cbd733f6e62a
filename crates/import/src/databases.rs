//! A server's databases, from the databases the panel lists with the servers. The host is named
//! by id, or by name on Pelican when the panel lists the host under a name no other host has.

use crate::Imported;
use roost_model::{
    DATABASE_NAME_MAX, Database, DatabaseHostRef, Dialect, Live, LiveDatabase, LiveServer,
    panel_database_name,
};
use std::collections::BTreeMap;

pub(crate) fn of_server(
    live: &Live,
    s: &LiveServer,
    out: &mut Imported,
) -> BTreeMap<String, Database> {
    let mut databases = BTreeMap::new();
    for db in live.databases.iter().filter(|d| d.server_id == s.id) {
        let name = db.declared_name();
        if let Some(why) = not_declarable(db, name) {
            out.warnings.push(format!(
                "server \"{}\" (id {}): database `{}` {why}; not imported (roost leaves it alone unless `prune` lists databases)",
                s.name, s.id, db.database
            ));
            continue;
        }
        let database = Database {
            name: name.to_string(),
            host: host(live, db.host_id),
            remote: db.remote.clone(),
            origin: Default::default(),
        };
        databases.insert(name.to_string(), database);
        out.count("databases", 1);
    }
    databases
}

/// Why a manifest cannot declare `db` (named `name` there), if it cannot.
fn not_declarable(db: &LiveDatabase, name: &str) -> Option<&'static str> {
    if panel_database_name(db.server_id, name) != db.database {
        return Some(
            "is not named as the panel names the databases it creates (s<server id>_NAME)",
        );
    }
    let alpha_dash = name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if name.is_empty() || name.chars().count() > DATABASE_NAME_MAX || !alpha_dash {
        return Some("has a name the Application API does not accept");
    }
    let remote_ok = (1..=15).contains(&db.remote.len())
        && db
            .remote
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '%');
    if !remote_ok {
        return Some("allows a remote the Application API does not accept");
    }
    None
}

/// The host by name when the panel lists it (Pelican) and no other host has that name; by id
/// otherwise.
fn host(live: &Live, id: u64) -> DatabaseHostRef {
    if live.dialect == Dialect::Pelican
        && let Some(h) = live.database_hosts.iter().find(|h| h.id == id)
        && !h.name.trim().is_empty()
        && live
            .database_hosts
            .iter()
            .filter(|o| o.name == h.name)
            .count()
            == 1
    {
        return DatabaseHostRef::Name(h.name.clone());
    }
    DatabaseHostRef::Id(id)
}
