//! Servers: identity is roost's marker in the external id (or `adopt`).

use crate::case::*;
use crate::common::{live_server, live_user, server_block, user_block};
use roost_model::{Desired, EnvValue, Live, LiveEgg, LiveEggVariable, Secret, SecretRef, Server};
use roost_plan::{OpSpec, Retry};

/// The user `bob` and the server `lobby` on 10.0.0.5:25566, with `extra` lines.
fn lobby(d: roost_model::Dialect, extra: &str) -> String {
    format!(
        "{}{}",
        user_block(d, "bob", "bob@example.com", ""),
        server_block(d, "lobby", "bob", 25566, extra)
    )
}

/// The user `bob` on the panel, with roost's marker.
fn bob(l: &mut Live) {
    let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
    if l.dialect == PL {
        u.first_name = None;
        u.last_name = None;
    }
    l.users.push(u);
}

/// `bob`, and `lobby` (id 7) as roost created it.
fn live_lobby(l: &mut Live) {
    bob(l);
    live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
}

fn server(d: &mut Desired) -> &mut Server {
    d.servers.get_mut("lobby").expect("lobby is declared")
}

/// The egg `Paper` with the variables `MOTD` (default "hi") and `RCON_PASS`.
fn variables(l: &mut Live) {
    let var = |name: &str, default: &str| LiveEggVariable {
        name: name.into(),
        env_variable: name.into(),
        default_value: default.into(),
        rules: Vec::new(),
        user_editable: true,
    };
    l.eggs[0].variables = vec![var("MOTD", "hi"), var("RCON_PASS", "")];
    for s in &mut l.servers {
        s.environment.insert("MOTD".into(), "hi".into());
        s.environment
            .insert("RCON_PASS".into(), "old-rcon-9d1e".into());
    }
}

cases! {
    a_server_as_declared_is_no_change: Case {
        kdl: |d| lobby(d, ""),
        live: live_lobby,
        ..CASE
    };
    a_new_server_is_created_on_its_allocation: Case {
        kdl: |d| lobby(d, ""),
        live: bob,
        plan: &["+ server.lobby [server create]"],
        attrs: &["server.lobby allocation: _ -> \"10.0.0.5:25566\"", "server.lobby egg: _ -> \"Paper (Minecraft)\""],
        check: |p| {
            let fields = &op(p, "server.lobby", 0)["fields"];
            assert_eq!(fields["owner"], 2);
            assert_eq!(fields["allocation"], 2);
            assert_eq!(fields["external_id"], "roost:lobby");
            assert_eq!(fields["image"], "ghcr.io/java:21", "the egg's first image");
            assert!(p.changes[0].depends_on.is_empty(), "what it needs exists already");
        },
        ..CASE
    };
    a_new_server_of_a_new_owner_names_the_owner_by_address: Case {
        kdl: |d| lobby(d, ""),
        plan: &["+ user.bob [user create]", "+ server.lobby [server create]"],
        check: |p| {
            assert_eq!(op(p, "server.lobby", 0)["fields"]["owner"], "user.bob");
            let s = crate::common::change(p, "server.lobby");
            assert_eq!(s.depends_on.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["user.bob"]);
        },
        ..CASE
    };
    unlimited_feature_limits_are_set_after_the_create: Case {
        kdl: |d| lobby(d, ""),
        live: bob,
        desired: |d| server(d).features.databases = None,
        plan: &["+ server.lobby [server create, server build]"],
        check: |p| {
            let build = op(p, "server.lobby", 1);
            assert_eq!(build["server"], "server.lobby");
            assert_eq!(build["was"], serde_json::Value::Null);
            assert_eq!(build["set"]["feature_limits"]["databases"], serde_json::Value::Null);
            assert_eq!(p.changes[0].calls[1].to_string(), "PATCH /servers/{server.lobby}/build");
        },
        ..CASE
    };
    a_suspended_server_is_suspended_after_the_create: Case {
        kdl: |d| lobby(d, "    suspended #true"),
        live: bob,
        plan: &["+ server.lobby [server create, server suspend]"],
        attrs: &["server.lobby suspended: _ -> true"],
        ..CASE
    };
    new_limits_are_a_build_update_needing_a_restart: Case {
        kdl: |d| lobby(d, ""),
        live: live_lobby,
        desired: |d| server(d).limits.memory = 2048,
        plan: &["~ server.lobby (restart) [server build]"],
        attrs: &["server.lobby limits.memory: 1024 -> 2048"],
        check: |p| {
            let build = op(p, "server.lobby", 0);
            assert_eq!(build["set"]["limits"]["memory"], 2048);
            assert_eq!(build["was"]["build"]["limits"]["memory"], 1024);
            assert_eq!(build["was"]["allocations"], serde_json::json!([2]));
        },
        ..CASE
    };
    a_new_name_is_a_details_update: Case {
        kdl: |d| lobby(d, "    name \"Lobby 2\""),
        live: live_lobby,
        plan: &["~ server.lobby [server details]"],
        attrs: &["server.lobby name: \"lobby\" -> \"Lobby 2\""],
        check: |p| assert_eq!(op(p, "server.lobby", 0)["set"]["owner"], 2),
        ..CASE
    };
    a_new_node_replaces_the_server: Case {
        kdl: |d| format!(
            "node \"n2\" {{\n    location \"fra\"\n    fqdn \"n2.example.com\"\n    memory \"8GiB\"\n    disk 10000\n    allocations \"10.0.0.6\" \"25565\"\n}}\n{}{}",
            user_block(d, "bob", "bob@example.com", ""),
            server_block(d, "lobby", "bob", 25566, "").replace("node \"n1\"", "node \"n2\"").replace("10.0.0.5:25566", "10.0.0.6:25565"),
        ),
        live: live_lobby,
        plan: &[
            "+ node.n2 [node create]",
            "+ allocation.n2/10.0.0.6:25565 [allocation create]",
            "-/+ server.lobby (destroy) [server delete, server create]",
        ],
        attrs: &["server.lobby node: \"n1\" -> \"n2\""],
        check: |p| {
            let s = crate::common::change(p, "server.lobby");
            assert!(s.warnings[0].contains("destroys the server"), "{:?}", s.warnings);
            assert!(roost_plan::rails::is_destructive(s));
            assert_eq!(op(p, "server.lobby", 1)["fields"]["allocation"], "allocation.n2/10.0.0.6:25565");
        },
        ..CASE
    };
    moving_a_protected_server_is_refused: Case {
        kdl: |d| lobby(d, "    protect #true"),
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby!"));
        },
        desired: |d| {
            server(d).node = "n2".into();
            let n2 = roost_model::Node { name: "n2".into(), ..d.nodes["n1"].clone() };
            d.nodes.insert("n2".into(), n2);
        },
        error: Some("roost::protected"),
        ..CASE
    };
    a_new_egg_reinstalls_and_is_never_sent_twice: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            let mut vanilla: LiveEgg = l.eggs[0].clone();
            vanilla.id = 2;
            vanilla.name = "Vanilla".into();
            l.eggs.push(vanilla);
        },
        desired: |d| server(d).egg.name = "Vanilla".into(),
        plan: &["~ server.lobby (reinstall) [server startup, server reinstall]"],
        attrs: &["server.lobby egg: \"Paper (Minecraft)\" -> \"Vanilla (Minecraft)\""],
        check: |p| {
            let c = &p.changes[0];
            assert_eq!(c.ops[1].retry(), Retry::Never);
            assert_eq!(c.ops[0].retry(), Retry::Idempotent);
            assert!(c.warnings[0].contains("reinstalls"));
        },
        ..CASE
    };
    a_server_without_a_marker_is_adopted_when_told: Case {
        kdl: |d| lobby(d, "    adopt id=7"),
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, None);
        },
        plan: &["<= server.lobby [server details]"],
        attrs: &["server.lobby external_id: null -> \"roost:lobby\""],
        ..CASE
    };
    toggling_protect_only_rewrites_the_marker: Case {
        kdl: |d| lobby(d, "    protect #true"),
        live: live_lobby,
        plan: &["~ server.lobby [server details]"],
        attrs: &["server.lobby external_id: \"roost:lobby\" -> \"roost:lobby!\""],
        ..CASE
    };
    an_owned_server_that_left_is_deleted_when_told: Case {
        panel: "    prune \"servers\"",
        kdl: |d| user_block(d, "bob", "bob@example.com", ""),
        live: live_lobby,
        plan: &["- server.lobby (destroy) [server delete]"],
        check: |p| assert_eq!(p.changes[0].calls[0].to_string(), "DELETE /servers/7"),
        ..CASE
    };
    a_foreign_server_is_never_deleted: Case {
        panel: "    prune \"servers\"",
        kdl: |d| user_block(d, "bob", "bob@example.com", ""),
        live: |l| {
            bob(l);
            live_server(l, 7, "billing", 2, 25566, Some("billing-1042"));
        },
        check: |p| assert_eq!(p.unmanaged.servers.len(), 1),
        ..CASE
    };
    a_protected_server_is_not_pruned: Case {
        panel: "    prune \"servers\"",
        kdl: |d| user_block(d, "bob", "bob@example.com", ""),
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby!"));
        },
        error: Some("roost::protected"),
        ..CASE
    };
    an_ignored_description_keeps_the_panel_value: Case {
        kdl: |d| lobby(d, "    name \"Lobby 2\"\n    description \"ours\"\n    ignore \"description\""),
        live: |l| {
            live_lobby(l);
            l.servers[0].description = "from billing".into();
        },
        plan: &["~ server.lobby [server details]"],
        check: |p| {
            let set = &op(p, "server.lobby", 0)["set"];
            assert_eq!(set["description"], "from billing");
            assert_eq!(set["name"], "Lobby 2");
        },
        ..CASE
    };
    an_ignored_variable_keeps_the_panel_value: Case {
        kdl: |d| lobby(d, "    image \"ghcr.io/java:22\"\n    env MOTD=\"ours\"\n    ignore \"environment.MOTD\""),
        live: |l| {
            live_lobby(l);
            variables(l);
        },
        plan: &["~ server.lobby (restart) [server startup]"],
        check: |p| {
            let env = &op(p, "server.lobby", 0)["set"]["environment"];
            assert_eq!(env["keep_panel"], serde_json::json!(["MOTD"]));
            assert!(env["values"].get("MOTD").is_none(), "{env}");
        },
        ..CASE
    };
    a_secret_variable_is_compared_but_never_shown: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby(l);
            variables(l);
        },
        desired: |d| {
            server(d).environment.insert("RCON_PASS".into(), EnvValue::Secret(SecretRef::Env("RCON".into())));
        },
        options: |o| {
            o.secrets.insert(SecretRef::Env("RCON".into()), Ok(Secret::new("new-rcon-5c2b")));
        },
        plan: &["~ server.lobby (restart) [server startup]"],
        attrs: &["server.lobby environment.RCON_PASS: (sensitive) -> (sensitive)"],
        check: |p| {
            let startup = op(p, "server.lobby", 0);
            assert_eq!(startup["set"]["environment"]["secrets"]["RCON_PASS"], serde_json::json!({"env": "RCON"}));
            assert_eq!(startup["was"]["environment"]["RCON_PASS"], roost_plan::REDACTED);
            let json = serde_json::to_string(p).unwrap();
            assert!(!json.contains("new-rcon-5c2b") && !json.contains("old-rcon-9d1e"));
        },
        ..CASE
    };
    a_variable_the_egg_lacks_is_refused: Case {
        kdl: |d| lobby(d, "    env NOPE=\"1\""),
        live: live_lobby,
        error: Some("roost::unknown-variable"),
        ..CASE
    };
    an_allocation_another_server_holds_is_refused: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            bob(l);
            live_server(l, 9, "theirs", 2, 25566, None);
        },
        error: Some("roost::allocation-taken"),
        ..CASE
    };
    suspending_is_its_own_request: Case {
        kdl: |d| lobby(d, "    suspended #true"),
        live: live_lobby,
        plan: &["~ server.lobby (restart) [server suspend]"],
        check: |p| assert_eq!(p.changes[0].calls[0].to_string(), "POST /servers/7/suspend"),
        ..CASE
    };
    a_missing_egg_is_refused: Case {
        kdl: |d| lobby(d, ""),
        live: live_lobby,
        desired: |d| server(d).egg.name = "Papr".into(),
        error: Some("roost::undefined-reference"),
        ..CASE
    };
    a_server_over_its_nodes_capacity_is_refused: Case {
        kdl: |d| lobby(d, ""),
        live: bob,
        desired: |d| server(d).limits.memory = 100_000,
        error: Some("roost::over-capacity"),
        ..CASE
    };
    a_new_server_on_a_node_in_maintenance_is_refused: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            bob(l);
            l.nodes[0].maintenance_mode = true;
        },
        desired: |d| d.nodes.get_mut("n1").unwrap().maintenance = true,
        error: Some("roost::node-in-maintenance"),
        ..CASE
    };
    a_server_on_a_recreated_allocation_names_it_by_address: Case {
        kdl: |d| lobby(d, ""),
        live: bob,
        desired: |d| {
            let a = d.allocations.values_mut().find(|a| a.port == 25566).unwrap();
            a.alias = Some("play.example.com".into());
        },
        plan: &[
            "-/+ allocation.n1/10.0.0.5:25566 [allocation delete, allocation create]",
            "+ server.lobby [server create]",
        ],
        check: |p| assert_eq!(op(p, "server.lobby", 0)["fields"]["allocation"], "allocation.n1/10.0.0.5:25566"),
        ..CASE
    };
    a_moved_allocation_is_a_build_update: Case {
        kdl: |d| lobby(d, "").replace("10.0.0.5:25566", "10.0.0.5:25567"),
        live: live_lobby,
        plan: &["~ server.lobby (restart) [server build]"],
        attrs: &["server.lobby allocation: \"10.0.0.5:25566\" -> \"10.0.0.5:25567\""],
        check: |p| assert_eq!(op(p, "server.lobby", 0)["allocation"], 3),
        ..CASE
    };
}
