//! What every kind shares: targets with parents, the base, the order, the summary.

use crate::case::*;
use crate::common::{live_server, live_user, server_block, user_block};
use roost_model::{Database, DatabaseHostRef, Desired, Live};

fn fleet(d: roost_model::Dialect) -> String {
    format!(
        "{}{}{}",
        user_block(d, "bob", "bob@example.com", ""),
        server_block(d, "lobby", "bob", 25566, ""),
        server_block(d, "hub", "bob", 25567, "")
    )
}

fn live_fleet(l: &mut Live) {
    l.users
        .push(live_user(2, "bob", "bob@example.com", Some("roost:bob")));
    live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
    live_server(l, 8, "hub", 2, 25567, Some("roost:hub"));
}

fn lobby_database(d: &mut Desired) {
    let s = d.servers.get_mut("lobby").unwrap();
    s.features.databases = Some(1);
    s.databases.insert(
        "main".into(),
        Database {
            name: "main".into(),
            host: DatabaseHostRef::Id(1),
            remote: "%".into(),
            origin: Default::default(),
        },
    );
}

fn bigger(d: &mut Desired) {
    for s in d.servers.values_mut() {
        s.limits.memory = 2048;
    }
}

cases! {
    a_server_target_takes_its_databases_along: Case {
        kdl: fleet,
        live: live_fleet,
        desired: |d| {
            bigger(d);
            lobby_database(d);
        },
        options: |o| o.targets = vec!["server.lobby".parse().unwrap()],
        plan: &["~ server.lobby (restart) [server build]", "+ server.lobby/database.main [database create]"],
        check: |p| assert_eq!(p.targets[0].to_string(), "server.lobby"),
        ..CASE
    };
    a_database_target_takes_its_server_along: Case {
        kdl: fleet,
        live: live_fleet,
        desired: |d| {
            bigger(d);
            lobby_database(d);
        },
        options: |o| o.targets = vec!["server.lobby/database.main".parse().unwrap()],
        plan: &["~ server.lobby (restart) [server build]", "+ server.lobby/database.main [database create]"],
        ..CASE
    };
    an_unrelated_target_leaves_the_rest_out: Case {
        kdl: fleet,
        live: live_fleet,
        desired: bigger,
        options: |o| o.targets = vec!["server.hub".parse().unwrap()],
        plan: &["~ server.hub (restart) [server build]"],
        ..CASE
    };
    changes_are_classified_against_a_base: Case {
        kdl: fleet,
        live: |l| {
            live_fleet(l);
            // Someone raised the hub's memory in the panel.
            l.servers[1].limits.memory = 4096;
        },
        desired: |d| d.servers.get_mut("lobby").unwrap().limits.memory = 2048,
        options: |o| {
            let text = format!("{}{}", crate::common::head(PT, ""), fleet(PT));
            o.base = Some(crate::common::desired(&text));
        },
        plan: &["~ server.hub (restart) [server build]", "~ server.lobby (restart) [server build]"],
        check: |p| {
            use roost_plan::Cause;
            assert_eq!(p.changes[0].cause, Some(Cause::Drift));
            assert_eq!(p.changes[1].cause, Some(Cause::Intended));
            assert_eq!((p.summary.intended, p.summary.drift), (1, 1));
        },
        ..CASE
    };
    impacts_are_counted_in_the_summary: Case {
        kdl: |d| fleet(d).replace("limits memory=1024", "limits memory=2048") + "location \"eu\"\n",
        live: live_fleet,
        check: |p| {
            assert_eq!((p.summary.create, p.summary.update, p.summary.restart), (1, 2, 2));
            assert_eq!(p.summary.requests, 3);
        },
        plan: &[
            "+ location.eu [location create]",
            "~ server.hub (restart) [server build]",
            "~ server.lobby (restart) [server build]",
        ],
        ..CASE
    };
    manifests_for_the_other_dialect_are_refused: Case {
        live: |l| l.dialect = PL,
        error: Some("roost::dialect-mismatch"),
        ..CASE
    };
    servers_are_deleted_first_and_users_last: Case {
        panel: "    prune \"servers\" \"users\"",
        live: |l| {
            l.users.push(live_user(2, "old", "old@example.com", Some("roost:old")));
            live_server(l, 7, "gone", 2, 25566, Some("roost:gone"));
        },
        kdl: |_| "location \"eu\"\n".into(),
        plan: &[
            "- server.gone (destroy) [server delete]",
            "+ location.eu [location create]",
            "- user.old [user delete]",
        ],
        check: |p| {
            let user = &p.changes[2];
            assert_eq!(user.depends_on.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["server.gone"]);
        },
        ..CASE
    };
}
