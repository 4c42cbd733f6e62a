//! Subusers: a child kind (`server.lobby/subuser.mira@example.net`) managed through the Client
//! API, known by e-mail address (without case) under the server; the panel's handle is the
//! user's uuid. Permissions compare as a set (the panels add `websocket.connect` and Pelican
//! sorts). An invite for an address no panel user has makes the user, as the panels do. No
//! marker: a subuser the manifests do not declare is removed (the account stays) only when its
//! server carries roost's marker, `prune` lists `subusers` and the change is approved.

use crate::attr::{Attr, Compare, Table, json_of};
use crate::context::{PlanCx, change};
use crate::error::PlanError;
use crate::kinds::schedule::{client_call, server_label, server_level_state};
use crate::ops::{ApiCall, OpSpec, Ref, Retry};
use crate::ownership;
use crate::types::{Action, AttrChange, Change, Impact};
use roost_model::{
    Address, Kind, LiveServer, LiveSubuser, SecretRef, Server, Subuser,
    client_subuser_routes as routes, normalized_permissions,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Invites `email` (the panel makes the account when none has the address).
    Create {
        server: Ref,
        identifier: Option<String>,
        email: String,
        permissions: Vec<String>,
    },
    /// Replaces the permissions of the subuser whose user uuid is `uuid`.
    Update {
        identifier: String,
        uuid: String,
        permissions: Vec<String>,
    },
    /// Removes the subuser (the account stays).
    Delete { identifier: String, uuid: String },
}

impl OpSpec for Op {
    fn call(&self) -> Option<ApiCall> {
        Some(match self {
            Op::Create {
                server, identifier, ..
            } => client_call("POST", routes::list(server_label(server, identifier))),
            Op::Update {
                identifier, uuid, ..
            } => client_call("POST", routes::one(identifier, uuid)),
            Op::Delete { identifier, uuid } => client_call("DELETE", routes::one(identifier, uuid)),
        })
    }

    fn retry(&self) -> Retry {
        match self {
            // Re-read the server's subusers by e-mail before any second invite.
            Op::Create { .. } => Retry::ReadBack,
            _ => Retry::Idempotent,
        }
    }

    fn secrets(&self) -> Vec<&SecretRef> {
        Vec::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    Permissions,
}

pub(crate) struct SubuserTarget {
    pub email: String,
    pub permissions: Vec<String>,
}

pub(crate) const TABLE: Table<SubuserTarget, LiveSubuser, Write> = Table {
    attrs: &[
        Attr {
            name: "email",
            compare: Compare::CreateOnly,
            want: |t, _, _| Some(json_of(&t.email)),
            have: |l, _, _| json_of(&l.email),
            impact: Impact::None,
            sensitive: false,
            write: Write::Permissions,
            keep_live: |_, _| {},
        },
        Attr {
            name: "permissions",
            compare: Compare::Always,
            want: |t, _, _| Some(json_of(normalized_permissions(&t.permissions))),
            have: |l, _, _| json_of(normalized_permissions(&l.permissions)),
            impact: Impact::None,
            sensitive: false,
            write: Write::Permissions,
            keep_live: |t, l| t.permissions = l.permissions.clone(),
        },
    ],
    maps: &[],
};

pub(crate) fn plan(cx: &mut PlanCx) {
    let desired = cx.desired;
    let prune = desired.panel.prune.contains(&Kind::Subuser);
    for (key, s) in &desired.servers {
        if !cx.identity.servers.contains_key(key) {
            continue;
        }
        let parent = Address::new(Kind::Server, key);
        let live_server = cx
            .identity
            .server(key)
            .filter(|_| !cx.recreated.contains(&parent));
        let ours = live_server
            .is_some_and(|l| ownership::is_ours(&desired.panel, l.external_id.as_deref()));
        if s.subusers.is_empty() && !(prune && ours) {
            continue;
        }
        let Some(read) = server_level_state(
            cx,
            s,
            live_server,
            (Kind::Subuser, "subusers"),
            !s.subusers.is_empty(),
        )
        else {
            continue;
        };
        let live_list: Vec<&LiveSubuser> = match (read, live_server) {
            (true, Some(l)) => cx.lookup.live.subusers.iter().filter(|x| x.server_id == l.id).collect(),
            _ => Vec::new(),
        };
        let server_ref = cx.reference(live_server.map(|l| l.id), || parent.clone());
        let identifier = live_server.map(|l| l.identifier.clone());
        for (k, sub) in &s.subusers {
            let address = Address::child(&parent, Kind::Subuser, k);
            if owner_email(cx, s).is_some_and(|e| e.eq_ignore_ascii_case(&sub.email)) {
                cx.error(PlanError::new("roost::subuser-is-owner", format!("{address}: `{}` owns server `{key}`, and the panels refuse the owner as a subuser", sub.email), Some(sub.origin)).help("the owner holds every permission already: remove the subuser block, or give the server another owner"));
                continue;
            }
            let live = live_list.iter().copied().find(|x| x.email.eq_ignore_ascii_case(&sub.email));
            plan_one(cx, address, (&server_ref, &identifier), sub, live);
        }
        if let Some(l) = live_server {
            plan_undeclared(cx, s, &parent, l, &live_list, prune && ours);
        }
    }
}

/// The e-mail address of the server's owner, as declared.
fn owner_email<'a>(cx: &PlanCx<'a>, s: &Server) -> Option<&'a str> {
    cx.desired.users.get(&s.owner).map(|u| u.email.as_str())
}

fn plan_one(
    cx: &mut PlanCx,
    address: Address,
    (server, identifier): (&Ref, &Option<String>),
    sub: &Subuser,
    live: Option<&LiveSubuser>,
) {
    let origin = Some(sub.origin);
    let mut target = SubuserTarget {
        email: sub.email.clone(),
        permissions: sub.permissions.clone(),
    };
    let mut diff = TABLE.diff(&target, live, &cx.lookup);
    let Some(live) = live else {
        let mut c = change(address, Action::Create, None, diff, origin);
        c.ops.push(
            Op::Create {
                server: server.clone(),
                identifier: identifier.clone(),
                email: target.email,
                permissions: target.permissions,
            }
            .into(),
        );
        cx.push(c);
        return;
    };
    TABLE.settle(&mut diff, &mut target, live, cx.ignored(&address));
    let writes = !diff.writes.is_empty();
    let mut c = change(address, Action::Update, None, diff, origin);
    if writes {
        c.ops.push(
            Op::Update {
                identifier: identifier.clone().unwrap_or_default(),
                uuid: live.uuid.clone(),
                permissions: target.permissions,
            }
            .into(),
        );
    }
    cx.push(c);
}

fn plan_undeclared(
    cx: &mut PlanCx,
    s: &Server,
    parent: &Address,
    server: &LiveServer,
    live_list: &[&LiveSubuser],
    prune_here: bool,
) {
    for l in live_list {
        if s.subusers.values().any(|d| d.email.eq_ignore_ascii_case(&l.email)) {
            continue;
        }
        let address = Address::child(parent, Kind::Subuser, l.email.to_lowercase());
        if !prune_here {
            cx.unmanaged.subusers.push(address.to_string());
            continue;
        }
        if s.protect {
            cx.error(PlanError::new("roost::protected", format!("{address} left the manifests and would be removed, but server `{}` is protected", s.key), Some(s.origin)).help("declare the subuser again, or remove `protect #true` from the server if the removal is intended"));
            continue;
        }
        cx.push(Change {
            address,
            action: Action::Delete,
            id: None,
            attributes: vec![AttrChange {
                name: "permissions".into(),
                old: Some(json_of(normalized_permissions(&l.permissions))),
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
                    identifier: server.identifier.clone(),
                    uuid: l.uuid.clone(),
                }
                .into(),
            ],
            calls: Vec::new(),
            depends_on: Vec::new(),
            warnings: vec![format!(
                "takes server `{}` away from `{}` (the account stays)",
                s.key, l.email
            )],
            origin: None,
        });
    }
}
