//! Subusers: a child kind (`server.lobby/subuser.EMAIL`) read and written through the Client
//! API, known by e-mail address without case; permissions compared as a set. No marker: removed
//! only under the child-ownership rule (`prune "subusers"`).

use crate::case::*;
use crate::common::{live_server, live_user, server_block, user_block};
use roost_model::{Live, LiveSubuser, ServerLevelRead};

const MIRA: &str = r#"    subuser "Mira@example.net" {
        permissions "control.console" "file.read"
    }"#;

fn lobby(d: roost_model::Dialect, extra: &str) -> String {
    format!(
        "{}{}",
        user_block(d, "bob", "bob@example.com", ""),
        server_block(d, "lobby", "bob", 25566, extra)
    )
}

fn with_mira(d: roost_model::Dialect) -> String {
    lobby(d, MIRA)
}

fn live_lobby(l: &mut Live) {
    let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
    if l.dialect == PL {
        u.first_name = None;
        u.last_name = None;
    }
    l.users.push(u);
    live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
    l.client_key = true;
    l.server_level
        .insert(7, ServerLevelRead::Read(vec![roost_model::Kind::Subuser]));
}

fn live_subuser(l: &mut Live, email: &str, permissions: &[&str]) {
    l.subusers.push(LiveSubuser {
        server_id: 7,
        uuid: format!("uuid-{email}"),
        username: "someone".into(),
        email: email.into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
    });
}

/// Mira is also a user the manifests create.
fn with_mira_declared(d: roost_model::Dialect) -> String {
    format!(
        "{}{}",
        user_block(d, "mira", "mira@example.net", ""),
        with_mira(d)
    )
}

cases! {
    a_subuser_who_is_a_declared_user_waits_for_that_user: Case {
        kdl: with_mira_declared,
        live: live_lobby,
        plan: &[
            "+ user.mira [user create]",
            "+ server.lobby/subuser.mira@example.net [subuser create]",
        ],
        check: |p| {
            let c = crate::common::change(p, "server.lobby/subuser.mira@example.net");
            assert!(
                c.depends_on.iter().any(|a| a.to_string() == "user.mira"),
                "invited only once the user exists: {:?}",
                c.depends_on
            );
        },
        ..CASE
    };
    a_declared_subuser_is_invited: Case {
        kdl: with_mira,
        live: live_lobby,
        plan: &["+ server.lobby/subuser.mira@example.net [subuser create]"],
        check: |p| {
            let op = op(p, "server.lobby/subuser.mira@example.net", 0);
            assert_eq!(op["email"], "Mira@example.net");
            assert_eq!(op["identifier"], "srv00007");
            assert_eq!(op["permissions"], serde_json::json!(["control.console", "file.read"]));
            let c = crate::common::change(p, "server.lobby/subuser.mira@example.net");
            assert_eq!(c.calls[0].to_string(), "POST /client/servers/srv00007/users");
        },
        ..CASE
    };
    the_same_permissions_in_another_order_and_case_of_address_are_no_change: Case {
        dialect: PL,
        kdl: with_mira,
        live: |l| {
            live_lobby(l);
            // The panel adds websocket.connect and Pelican sorts.
            live_subuser(l, "mira@EXAMPLE.net", &["file.read", "control.console", "websocket.connect"]);
        },
        ..CASE
    };
    changed_permissions_replace_the_list: Case {
        kdl: |d| lobby(d, &MIRA.replace("\"file.read\"", "\"file.read\" \"file.update\"")),
        live: |l| {
            live_lobby(l);
            live_subuser(l, "mira@example.net", &["control.console", "file.read", "websocket.connect"]);
        },
        plan: &["~ server.lobby/subuser.mira@example.net [subuser update]"],
        check: |p| {
            let op = op(p, "server.lobby/subuser.mira@example.net", 0);
            assert_eq!(op["uuid"], "uuid-mira@example.net");
            assert_eq!(op["permissions"], serde_json::json!(["control.console", "file.read", "file.update"]));
        },
        ..CASE
    };
    ignored_permissions_are_no_change: Case {
        panel: "    ignore \"subuser.*.permissions\"",
        kdl: with_mira,
        live: |l| {
            live_lobby(l);
            live_subuser(l, "mira@example.net", &["control.console", "websocket.connect"]);
        },
        ..CASE
    };
    an_undeclared_subuser_is_left_alone_without_prune: Case {
        kdl: with_mira,
        live: |l| {
            live_lobby(l);
            live_subuser(l, "mira@example.net", &["control.console", "file.read"]);
            live_subuser(l, "Friend@example.net", &["control.console"]);
        },
        check: |p| assert_eq!(p.unmanaged.subusers, ["server.lobby/subuser.friend@example.net"]),
        ..CASE
    };
    an_undeclared_subuser_is_removed_when_pruned: Case {
        panel: "    prune \"subusers\"",
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            live_subuser(l, "friend@example.net", &["control.console"]);
        },
        plan: &["- server.lobby/subuser.friend@example.net (destroy) [subuser delete]"],
        check: |p| {
            assert!(roost_plan::rails::is_destructive(&p.changes[0]));
            assert_eq!(p.changes[0].calls[0].to_string(), "DELETE /client/servers/srv00007/users/uuid-friend@example.net");
        },
        ..CASE
    };
    the_owner_as_a_subuser_is_refused: Case {
        kdl: |d| lobby(d, "    subuser \"bob@example.com\" { permissions \"file.read\"; }"),
        live: live_lobby,
        error: Some("roost::subuser-is-owner"),
        ..CASE
    };
    subusers_without_a_client_key_are_a_plan_error: Case {
        kdl: with_mira,
        live: |l| { live_lobby(l); l.client_key = false; },
        error: Some("roost::no-client-key"),
        ..CASE
    };
}
