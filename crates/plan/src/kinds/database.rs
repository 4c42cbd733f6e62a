//! Server databases: a child kind (`server.lobby/database.main`). Identity is the server's
//! live id and the name the panel gives it (`s<id>_<name>`). They carry no marker of their
//! own: roost deletes one only when its server carries roost's marker and `prune` lists
//! `databases` (and `apply` is approved for destructive changes); the databases of servers
//! roost does not manage are never touched. The Application API cannot change a database's
//! host or remote: a change of either deletes it (its data with it) and creates it again.

use crate::attr::{Attr, Compare, Table, json_of};
use crate::context::{PlanCx, change};
use crate::error::PlanError;
use crate::kinds;
use crate::ops::{ApiCall, OpSpec, Ref, Retry};
use crate::ownership;
use crate::types::{Action, AttrChange, Change, Impact};
use roost_model::{
    Address, Database, DatabaseHostRef, Dialect, Kind, LiveDatabase, LiveServer, SecretRef,
    Server, database_routes as routes, panel_database_name,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What apply does to a database. The password is never asked for: the panel makes it, and
/// whoever needs it reads it in the panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `name` as declared; the panel names it `s<server id>_<name>`.
    Create {
        server: Ref,
        name: String,
        host: u64,
        remote: String,
    },
    Delete { server: u64, id: u64 },
}

impl OpSpec for Op {
    fn call(&self) -> Option<ApiCall> {
        Some(match self {
            Op::Create { server, .. } => ApiCall::new("POST", &routes::list(server)),
            Op::Delete { server, id } => ApiCall::new("DELETE", &routes::one(server, id)),
        })
    }

    fn retry(&self) -> Retry {
        match self {
            // Re-read the server's databases by name before any second attempt.
            Op::Create { .. } => Retry::ReadBack,
            Op::Delete { .. } => Retry::Idempotent,
        }
    }

    fn secrets(&self) -> Vec<&SecretRef> {
        Vec::new()
    }
}

/// A database cannot change in place: any change recreates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    Recreate,
}

pub(crate) struct DatabaseTarget {
    pub name: String,
    pub host: u64,
    pub remote: String,
}

pub(crate) const TABLE: Table<DatabaseTarget, LiveDatabase, Write> = Table {
    attrs: &[
        Attr {
            name: "name",
            compare: Compare::CreateOnly,
            want: |t, _, _| Some(json_of(&t.name)),
            have: |l, _, _| json_of(l.declared_name()),
            impact: Impact::None,
            sensitive: false,
            write: Write::Recreate,
            keep_live: |_, _| {},
        },
        Attr {
            name: "host",
            compare: Compare::Always,
            want: |t, _, lk| Some(lk.host_label(t.host)),
            have: |l, _, lk| lk.host_label(l.host_id),
            impact: Impact::Destroy,
            sensitive: false,
            write: Write::Recreate,
            keep_live: |t, l| t.host = l.host_id,
        },
        Attr {
            name: "remote",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(&t.remote)),
            have: |l, _, _| json_of(&l.remote),
            impact: Impact::Destroy,
            sensitive: false,
            write: Write::Recreate,
            keep_live: |t, l| t.remote = l.remote.clone(),
        },
    ],
    maps: &[],
};

/// The panel id of the database host `db` names; an error when the panel has none such.
fn host_id(cx: &mut PlanCx, address: &Address, db: &Database) -> Option<u64> {
    let name = match &db.host {
        DatabaseHostRef::Id(id) => return Some(*id),
        DatabaseHostRef::Name(name) => name,
    };
    let hosts = &cx.lookup.live.database_hosts;
    if let Some(h) = hosts.iter().find(|h| &h.name == name) {
        return Some(h.id);
    }
    let help = match cx.dialect {
        Dialect::Pterodactyl => "Pterodactyl's Application API lists no database hosts: write `host id=N` with the id shown in the panel (Admin → Databases)".to_string(),
        Dialect::Pelican => {
            let names: Vec<String> = hosts.iter().map(|h| format!("\"{}\" (id {})", h.name, h.id)).collect();
            format!(
                "database hosts on the panel: {}; hosts are created in the panel, not by roost",
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            )
        }
    };
    cx.error(
        PlanError::new(
            "roost::undefined-reference",
            format!("{address} uses the database host \"{name}\", which the panel does not have"),
            Some(db.origin),
        )
        .help(help),
    );
    None
}

pub(crate) fn plan(cx: &mut PlanCx) {
    let desired = cx.desired;
    for (key, s) in &desired.servers {
        // The server could not be identified (its error says why), or it has no databases,
        // declared or on the panel.
        let Some(live) = cx.identity.servers.get(key) else {
            continue;
        };
        let on_panel = live.is_some_and(|l| cx.lookup.databases_by_server.contains_key(&l.id));
        if s.databases.is_empty() && !on_panel {
            continue;
        }
        let parent = Address::new(Kind::Server, key);
        // A server this plan creates (again) has no databases yet.
        let live_server = cx
            .identity
            .server(key)
            .filter(|_| !cx.recreated.contains(&parent));
        let live_dbs: Vec<&LiveDatabase> = live_server
            .and_then(|l| cx.lookup.databases_by_server.get(&l.id))
            .cloned()
            .unwrap_or_default();
        let server_ref = cx.reference(live_server.map(|l| l.id), || parent.clone());
        for (name, db) in &s.databases {
            let address = Address::child(&parent, Kind::Database, name);
            let Some(host) = host_id(cx, &address, db) else {
                continue;
            };
            let live = live_server.and_then(|l| {
                let full = panel_database_name(l.id, name);
                live_dbs.iter().copied().find(|x| x.database == full)
            });
            let target = DatabaseTarget {
                name: name.clone(),
                host,
                remote: db.remote.clone(),
            };
            plan_one(cx, s, address, server_ref.clone(), target, live, db);
        }
        if let Some(l) = live_server {
            plan_undeclared(cx, s, &parent, l, &live_dbs);
        }
    }
}

fn plan_one(
    cx: &mut PlanCx,
    s: &Server,
    address: Address,
    server: Ref,
    mut target: DatabaseTarget,
    live: Option<&LiveDatabase>,
    db: &Database,
) {
    let origin = Some(db.origin);
    let mut diff = TABLE.diff(&target, live, &cx.lookup);
    let create = |t: &DatabaseTarget| -> kinds::Op {
        Op::Create {
            server: server.clone(),
            name: t.name.clone(),
            host: t.host,
            remote: t.remote.clone(),
        }
        .into()
    };
    let Some(live) = live else {
        let mut c = change(address, Action::Create, None, diff, origin);
        c.ops.push(create(&target));
        cx.push(c);
        return;
    };
    TABLE.settle(&mut diff, &mut target, live, cx.ignored(&address));
    let mut c = change(address.clone(), Action::Replace, Some(live.id), diff, origin);
    if c.attributes.is_empty() {
        cx.push(c);
        return;
    }
    c.impact = Impact::Destroy;
    c.warnings.push(format!(
        "drops database `{}` and its data: the panel cannot change a database's host or remote, so roost deletes it and creates it again, empty",
        live.database
    ));
    if s.protect {
        cx.error(PlanError::new("roost::protected", format!("{address} would be replaced (its host or remote changes), which drops its data, but server `{}` is protected", s.key), origin).help("keep the database's host and remote, or remove `protect #true` from the server if the data loss is intended"));
    }
    c.ops.push(
        Op::Delete {
            server: live.server_id,
            id: live.id,
        }
        .into(),
    );
    c.ops.push(create(&target));
    cx.recreated.insert(address);
    cx.push(c);
}

/// Databases of a declared server that the manifests do not declare. Deleted only when the
/// server carries roost's marker and `prune` lists `databases`; else left alone and listed.
fn plan_undeclared(
    cx: &mut PlanCx,
    s: &Server,
    parent: &Address,
    server: &LiveServer,
    live_dbs: &[&LiveDatabase],
) {
    let prune = cx.desired.panel.prune.contains(&Kind::Database);
    let ours = ownership::is_ours(&cx.desired.panel, server.external_id.as_deref());
    for db in live_dbs {
        let name = db.declared_name();
        if s.databases.contains_key(name) {
            continue;
        }
        let address = Address::child(parent, Kind::Database, name);
        if !prune || !ours {
            cx.unmanaged.databases.push(address.to_string());
            continue;
        }
        if s.protect {
            cx.error(PlanError::new("roost::protected", format!("{address} left the manifests and would be pruned, which drops its data, but server `{}` is protected", s.key), Some(s.origin)).help("declare the database again, or remove `protect #true` from the server if the data loss is intended"));
            continue;
        }
        cx.push(Change {
            address,
            action: Action::Delete,
            id: Some(db.id),
            attributes: vec![AttrChange {
                name: "remote".into(),
                old: Some(json_of(&db.remote)),
                new: None,
                sensitive: false,
                impact: Impact::Destroy,
                cause: None,
            }],
            unchanged: 0,
            impact: Impact::Destroy,
            cause: None,
            ops: vec![
                Op::Delete {
                    server: server.id,
                    id: db.id,
                }
                .into(),
            ],
            calls: Vec::new(),
            depends_on: Vec::new(),
            warnings: vec![format!(
                "drops database `{}` of server `{}` and its data",
                db.database, s.key
            )],
            origin: None,
        });
    }
}
