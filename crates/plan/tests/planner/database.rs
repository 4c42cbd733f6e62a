//! Server databases: a child kind (`server.lobby/database.main`), identity is the server and
//! the panel's name `s<id>_<name>`. They carry no marker: roost deletes one only when its
//! server carries roost's marker and `prune` lists `databases`.

use crate::case::*;
use crate::common::{live_server, live_user, server_block, user_block};
use roost_model::{
    Database, DatabaseHostRef, Desired, Live, LiveDatabase, LiveDatabaseHost, panel_database_name,
};

fn lobby(d: roost_model::Dialect, extra: &str) -> String {
    format!(
        "{}{}",
        user_block(d, "bob", "bob@example.com", ""),
        server_block(d, "lobby", "bob", 25566, extra)
    )
}

fn bob(l: &mut Live) {
    let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
    if l.dialect == PL {
        u.first_name = None;
        u.last_name = None;
    }
    l.users.push(u);
}

fn live_lobby(l: &mut Live) {
    bob(l);
    live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
}

/// Declares database `name` of `lobby` on host `host`, and lets the server have five.
fn declare(d: &mut Desired, name: &str, host: DatabaseHostRef, remote: &str) {
    let s = d.servers.get_mut("lobby").expect("lobby is declared");
    s.features.databases = Some(5);
    s.databases.insert(
        name.into(),
        Database {
            name: name.into(),
            host,
            remote: remote.into(),
            origin: Default::default(),
        },
    );
}

fn main_on_host_1(d: &mut Desired) {
    declare(d, "main", DatabaseHostRef::Id(1), "%");
}

/// Database `name` of server `server` on the panel.
fn live_db(l: &mut Live, id: u64, server: u64, name: &str, remote: &str) {
    l.databases.push(LiveDatabase {
        id,
        server_id: server,
        host_id: 1,
        database: panel_database_name(server, name),
        username: format!("u{server}_x"),
        remote: remote.into(),
    });
}

cases! {
    a_declared_database_is_created_on_its_server: Case {
        kdl: |d| lobby(d, ""),
        live: live_lobby,
        desired: main_on_host_1,
        plan: &["~ server.lobby [server build]", "+ server.lobby/database.main [database create]"],
        attrs: &["server.lobby/database.main remote: _ -> \"%\"", "server.lobby/database.main host: _ -> 1"],
        check: |p| {
            let db = crate::common::change(p, "server.lobby/database.main");
            let create = serde_json::to_value(&db.ops[0]).unwrap();
            assert_eq!(create["server"], 7);
            assert_eq!(create["name"], "main");
            assert_eq!(create["host"], 1);
            assert_eq!(db.calls[0].to_string(), "POST /servers/7/databases");
            // It waits for the update that raises the server's database limit.
            assert_eq!(db.depends_on.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["server.lobby"]);
        },
        ..CASE
    };
    a_database_of_a_new_server_names_it_by_address: Case {
        kdl: |d| lobby(d, ""),
        live: bob,
        desired: main_on_host_1,
        plan: &["+ server.lobby [server create]", "+ server.lobby/database.main [database create]"],
        check: |p| {
            assert_eq!(op(p, "server.lobby/database.main", 0)["server"], "server.lobby");
            let db = crate::common::change(p, "server.lobby/database.main");
            assert_eq!(db.calls[0].to_string(), "POST /servers/{server.lobby}/databases");
        },
        ..CASE
    };
    a_database_as_declared_is_no_change: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            l.servers[0].feature_limits.databases = Some(5);
            live_db(l, 40, 7, "main", "%");
        },
        desired: main_on_host_1,
        ..CASE
    };
    a_new_remote_replaces_the_database_and_drops_its_data: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            l.servers[0].feature_limits.databases = Some(5);
            live_db(l, 40, 7, "main", "10.0.0.%");
        },
        desired: main_on_host_1,
        plan: &["-/+ server.lobby/database.main (destroy) [database delete, database create]"],
        attrs: &["server.lobby/database.main remote: \"10.0.0.%\" -> \"%\""],
        check: |p| {
            let c = &p.changes[0];
            assert!(roost_plan::rails::is_destructive(c));
            assert!(c.warnings[0].contains("s7_main"), "{:?}", c.warnings);
            assert_eq!(c.calls[0].to_string(), "DELETE /servers/7/databases/40");
        },
        ..CASE
    };
    replacing_a_database_of_a_protected_server_is_refused: Case {
        kdl: |d| lobby(d, "    protect #true"),
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby!"));
            l.servers[0].feature_limits.databases = Some(5);
            live_db(l, 40, 7, "main", "10.0.0.%");
        },
        desired: main_on_host_1,
        error: Some("roost::protected"),
        ..CASE
    };
    an_ignored_remote_is_no_change: Case {
        panel: "    ignore \"database.*.remote\"",
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            l.servers[0].feature_limits.databases = Some(5);
            live_db(l, 40, 7, "main", "10.0.0.%");
        },
        desired: main_on_host_1,
        ..CASE
    };
    a_database_ignored_by_name_is_no_change_under_any_server: Case {
        panel: "    ignore \"database.main.remote\"",
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            l.servers[0].feature_limits.databases = Some(5);
            live_db(l, 40, 7, "main", "10.0.0.%");
        },
        desired: main_on_host_1,
        ..CASE
    };
    an_ignore_rule_names_a_database_by_its_address: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            l.servers[0].feature_limits.databases = Some(5);
            live_db(l, 40, 7, "main", "10.0.0.%");
        },
        desired: main_on_host_1,
        options: |o| o.ignore = vec![roost_plan::parse_ignore("server.lobby/database.main.remote").unwrap()],
        ..CASE
    };
    an_undeclared_database_is_pruned_only_when_told: Case {
        panel: "    prune \"databases\"",
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            live_db(l, 41, 7, "old", "%");
        },
        plan: &["- server.lobby/database.old (destroy) [database delete]"],
        check: |p| assert!(roost_plan::rails::is_destructive(&p.changes[0])),
        ..CASE
    };
    an_undeclared_database_is_left_alone_without_prune: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            live_db(l, 41, 7, "old", "%");
        },
        check: |p| assert_eq!(p.unmanaged.databases, ["server.lobby/database.old"]),
        ..CASE
    };
    databases_of_a_server_roost_does_not_manage_are_never_touched: Case {
        panel: "    prune \"databases\" \"servers\"",
        kdl: |d| user_block(d, "bob", "bob@example.com", ""),
        live: |l| {
            bob(l);
            live_server(l, 9, "theirs", 2, 25567, None);
            live_db(l, 42, 9, "shop", "%");
        },
        check: |p| {
            assert!(p.unmanaged.databases.is_empty());
            assert_eq!(p.unmanaged.servers.len(), 1);
        },
        ..CASE
    };
    databases_of_a_server_adopted_now_are_not_pruned: Case {
        panel: "    prune \"databases\"",
        kdl: |d| lobby(d, "    adopt id=7"),
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, None);
            live_db(l, 41, 7, "old", "%");
        },
        plan: &["<= server.lobby [server details]"],
        check: |p| assert_eq!(p.unmanaged.databases, ["server.lobby/database.old"]),
        ..CASE
    };
    a_deleted_server_takes_its_databases_with_it: Case {
        panel: "    prune \"databases\" \"servers\"",
        kdl: |d| user_block(d, "bob", "bob@example.com", ""),
        live: |l| {
            live_lobby(l);
            live_db(l, 41, 7, "main", "%");
        },
        plan: &["- server.lobby (destroy) [server delete]"],
        ..CASE
    };
    a_host_named_on_pelican_is_resolved: Case {
        dialect: PL,
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            l.servers[0].feature_limits.databases = Some(5);
            l.database_hosts.push(LiveDatabaseHost { id: 4, name: "mysql-1".into(), host: "10.0.0.9".into(), port: 3306 });
        },
        desired: |d| declare(d, "main", DatabaseHostRef::Name("mysql-1".into()), "%"),
        plan: &["+ server.lobby/database.main [database create]"],
        attrs: &["server.lobby/database.main host: _ -> \"mysql-1\""],
        check: |p| assert_eq!(op(p, "server.lobby/database.main", 0)["host"], 4),
        ..CASE
    };
    an_unknown_host_name_is_refused: Case {
        dialect: PL,
        kdl: |d| lobby(d, ""),
        live: live_lobby,
        desired: |d| declare(d, "main", DatabaseHostRef::Name("nope".into()), "%"),
        error: Some("roost::undefined-reference"),
        ..CASE
    };
    databases_over_the_feature_limit_are_refused: Case {
        kdl: |d| lobby(d, ""),
        live: live_lobby,
        desired: |d| {
            main_on_host_1(d);
            d.servers.get_mut("lobby").unwrap().features.databases = Some(0);
        },
        error: Some("roost::over-limit"),
        ..CASE
    };
    databases_kept_on_the_panel_count_toward_the_limit: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            l.servers[0].feature_limits.databases = Some(1);
            live_db(l, 41, 7, "old", "%");
        },
        desired: |d| {
            main_on_host_1(d);
            d.servers.get_mut("lobby").unwrap().features.databases = Some(1);
        },
        error: Some("roost::over-limit"),
        ..CASE
    };
}
