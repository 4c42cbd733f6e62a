//! Import from hand-built live states: what the files say, and that they load back.

use super::*;
use roost_model::{
    DatabaseHostRef, Dialect, LiveAllocation, LiveDatabase, LiveDatabaseHost, LiveEgg,
    LiveEggVariable, LiveFeatureLimits, LiveLimits, LiveLocation, LiveNest, LiveNode, LiveServer,
    LiveUser,
};

fn node(id: u64, name: &str) -> LiveNode {
    LiveNode {
        id,
        uuid: format!("node-uuid-{id}"),
        name: name.into(),
        description: None,
        location_id: Some(1),
        tags: Vec::new(),
        fqdn: format!("{name}.example.com"),
        scheme: "https".into(),
        behind_proxy: false,
        public: true,
        maintenance_mode: false,
        memory: 8192,
        memory_overallocate: 0,
        disk: 8192,
        disk_overallocate: 0,
        cpu: None,
        cpu_overallocate: None,
        upload_size: 100,
        daemon_listen: 8080,
        daemon_sftp: 2022,
        daemon_connect: None,
        daemon_sftp_alias: None,
        daemon_base: "/var/lib/pterodactyl/volumes".into(),
        allocated_memory: 0,
        allocated_disk: 0,
        allocated_cpu: None,
    }
}

fn server(id: u64, name: &str, node: u64, allocation: u64) -> LiveServer {
    LiveServer {
        id,
        uuid: format!("server-uuid-{id}"),
        identifier: format!("id{id}"),
        external_id: None,
        name: name.into(),
        description: String::new(),
        status: None,
        suspended: false,
        limits: LiveLimits {
            memory: 1024,
            swap: 0,
            disk: 1024,
            io: 500,
            cpu: 0,
            threads: None,
            oom_killer: false,
        },
        feature_limits: LiveFeatureLimits {
            databases: Some(2),
            allocations: Some(0),
            backups: Some(0),
        },
        user: 1,
        node,
        allocation: Some(allocation),
        allocations: vec![allocation],
        nest: Some(1),
        egg: 1,
        startup: "java -jar server.jar".into(),
        image: "ghcr.io/yolks:java_21".into(),
        environment: [("RCON_PASS".to_string(), "hunter2".to_string())].into(),
        installed: true,
    }
}

fn database(id: u64, server_id: u64, name: &str, host_id: u64, remote: &str) -> LiveDatabase {
    LiveDatabase {
        id,
        server_id,
        host_id,
        database: roost_model::panel_database_name(server_id, name),
        username: format!("u{server_id}_abcdefghij"),
        remote: remote.into(),
    }
}

/// One location, two nodes (whose names make the same file name), a user, an egg with a
/// secret variable, and two servers with databases.
fn live(dialect: Dialect) -> Live {
    let mut live = Live::empty(dialect);
    live.locations = vec![LiveLocation {
        id: 1,
        short: "fra".into(),
        long: None,
    }];
    live.nodes = vec![node(1, "Node A"), node(2, "node-a")];
    live.allocations = [(1, 1, 25565), (2, 2, 25565)]
        .into_iter()
        .map(|(id, node_id, port)| LiveAllocation {
            id,
            node_id,
            ip: "10.0.0.5".into(),
            alias: None,
            port,
            notes: None,
            assigned: true,
            server_id: Some(id),
        })
        .collect();
    live.users = vec![LiveUser {
        id: 1,
        uuid: "user-uuid-1".into(),
        external_id: None,
        username: "alice".into(),
        email: "alice@example.com".into(),
        first_name: Some("Alice".into()),
        last_name: Some("Liddell".into()),
        language: "en".into(),
        root_admin: false,
        role_ids: Vec::new(),
    }];
    live.nests = vec![LiveNest {
        id: 1,
        name: "Minecraft".into(),
    }];
    live.eggs = vec![LiveEgg {
        id: 1,
        uuid: "egg-uuid-1".into(),
        name: "Paper".into(),
        nest: Some(1),
        docker_images: vec![("Java 21".into(), "ghcr.io/yolks:java_21".into())],
        startup: "java -jar server.jar".into(),
        variables: vec![LiveEggVariable {
            name: "RCON password".into(),
            env_variable: "RCON_PASS".into(),
            default_value: String::new(),
            rules: Vec::new(),
            user_editable: true,
        }],
    }];
    live.servers = vec![server(1, "Lobby", 1, 1), server(2, "Survival", 2, 2)];
    live.databases = vec![
        database(1, 1, "main", 1, "%"),
        database(2, 1, "stats", 2, "10.0.0.%"),
        database(3, 2, "world", 3, "%"),
    ];
    live.database_hosts = vec![
        LiveDatabaseHost {
            id: 1,
            name: "mysql-1".into(),
            host: "10.0.0.10".into(),
            port: 3306,
        },
        // Two hosts of one name: only the id tells them apart.
        LiveDatabaseHost {
            id: 2,
            name: "shared".into(),
            host: "10.0.0.11".into(),
            port: 3306,
        },
        LiveDatabaseHost {
            id: 4,
            name: "shared".into(),
            host: "10.0.0.12".into(),
            port: 3306,
        },
    ];
    if dialect == Dialect::Pelican {
        for n in &mut live.nodes {
            n.location_id = None;
            n.daemon_base = dialect.default_daemon_base().into();
        }
        for s in &mut live.servers {
            s.nest = None;
        }
        live.eggs[0].nest = None;
        live.locations.clear();
        live.users[0].first_name = None;
        live.users[0].last_name = None;
    } else {
        // Pterodactyl's Application API lists no hosts.
        live.database_hosts.clear();
    }
    live
}

fn file<'a>(imported: &'a Imported, path: &str) -> &'a str {
    imported
        .files
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| panic!("no {path} in {:?}", imported.files))
}

/// The imported files, loaded as manifests.
fn load(imported: &Imported) -> roost_model::Desired {
    let sources = roost_manifest::Sources {
        files: imported
            .files
            .iter()
            .map(|(p, t)| (p.clone(), std::sync::Arc::from(t.as_str())))
            .collect(),
    };
    match roost_manifest::load(sources) {
        Ok(m) => m.desired,
        Err(e) => panic!(
            "{}\n{:#?}",
            roost_manifest::render_plain(&e, 100),
            imported.files
        ),
    }
}

#[test]
fn databases_are_written_with_their_host_by_id_on_pterodactyl() {
    let imported = import(&live(Dialect::Pterodactyl), &ImportOptions::default());
    let servers = file(&imported, "servers.kdl");
    assert!(
        servers.contains(
            "    database \"main\" {\n        host id=1\n        remote \"%\"\n    }\n    database \"stats\" {\n        host id=2\n        remote \"10.0.0.%\"\n    }\n}"
        ),
        "{servers}"
    );
    assert_eq!(imported.counts.get("databases"), Some(&3));
    let desired = load(&imported);
    let lobby = &desired.servers["lobby"].databases;
    assert_eq!(lobby["main"].host, DatabaseHostRef::Id(1));
    assert_eq!(lobby["stats"].remote, "10.0.0.%");
    assert_eq!(
        desired.servers["survival"].databases["world"].host,
        DatabaseHostRef::Id(3)
    );
}

#[test]
fn on_pelican_a_listed_host_is_written_by_its_name_when_it_is_unique() {
    let imported = import(&live(Dialect::Pelican), &ImportOptions::default());
    let desired = load(&imported);
    let lobby = &desired.servers["lobby"].databases;
    assert_eq!(lobby["main"].host, DatabaseHostRef::Name("mysql-1".into()));
    // Two hosts are named "shared": by id.
    assert_eq!(lobby["stats"].host, DatabaseHostRef::Id(2));
    // Host 3 is not listed: by id.
    assert_eq!(
        desired.servers["survival"].databases["world"].host,
        DatabaseHostRef::Id(3)
    );
    assert!(file(&imported, "servers.kdl").contains("host \"mysql-1\""));
}

#[test]
fn databases_a_manifest_cannot_declare_are_left_out_with_a_warning() {
    let mut live = live(Dialect::Pterodactyl);
    live.databases = vec![
        // Created outside the panel's naming.
        LiveDatabase {
            database: "legacy_db".into(),
            ..database(1, 1, "x", 1, "%")
        },
        // A remote only the Client API takes.
        database(2, 1, "wide", 1, "10.0.0.0/255.255.255.0"),
        database(3, 1, "ok", 1, "%"),
    ];
    let imported = import(&live, &ImportOptions::default());
    let desired = load(&imported);
    let names: Vec<&String> = desired.servers["lobby"].databases.keys().collect();
    assert_eq!(names, ["ok"]);
    assert_eq!(imported.warnings.len(), 2, "{:?}", imported.warnings);
    assert!(imported.warnings[0].contains("`legacy_db`"));
    assert!(imported.warnings[1].contains("`s1_wide`"));
    assert_eq!(imported.counts.get("databases"), Some(&1));
}

#[test]
fn secret_variables_are_references_with_a_note_above_env() {
    let imported = import(&live(Dialect::Pterodactyl), &ImportOptions::default());
    let servers = file(&imported, "servers.kdl");
    assert!(
        servers.contains(
            "    // Not exported: set ROOST_SECRET_LOBBY_RCON_PASS to the value the panel holds.\n    env RCON_PASS=(env)\"ROOST_SECRET_LOBBY_RCON_PASS\"\n"
        ),
        "{servers}"
    );
    assert!(!servers.contains("hunter2"));
    assert_eq!(
        imported.secrets,
        [
            "ROOST_SECRET_LOBBY_RCON_PASS",
            "ROOST_SECRET_SURVIVAL_RCON_PASS"
        ]
    );
}

#[test]
fn nodes_whose_names_make_one_file_name_share_the_file() {
    let opts = ImportOptions {
        layout: Layout::PerNode,
        ..ImportOptions::default()
    };
    let imported = import(&live(Dialect::Pterodactyl), &opts);
    let paths: Vec<&str> = imported.files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "panel.kdl",
            "locations.kdl",
            "users.kdl",
            "nodes/node-a.kdl"
        ]
    );
    let text = file(&imported, "nodes/node-a.kdl");
    for block in [
        "node \"Node A\"",
        "node \"node-a\"",
        "server \"lobby\"",
        "server \"survival\"",
    ] {
        assert!(text.contains(block), "{block} in\n{text}");
    }
    let desired = load(&imported);
    assert_eq!(desired.nodes.len(), 2);
    assert_eq!(desired.servers.len(), 2);
}

#[test]
fn the_panel_block_and_the_users_file_say_what_to_do() {
    let opts = ImportOptions {
        panel_url: Some("https://panel.example.com".into()),
        ..ImportOptions::default()
    };
    let imported = import(&live(Dialect::Pterodactyl), &opts);
    assert_eq!(
        file(&imported, "panel.kdl"),
        "// Imported by `roost import`. Review, then commit.\n\npanel {\n    url \"https://panel.example.com\"\n    dialect \"pterodactyl\"\n    namespace \"roost:\"\n}\n"
    );
    assert!(file(&imported, "users.kdl").starts_with(
        "// Passwords are never exported: each user's `password` names an environment\n// variable, read only when roost must set a password (a new user, or rotate=#true).\n\n// panel id 1, uuid user-uuid-1\nuser \"alice\" {\n"
    ));
    assert_eq!(
        file(&imported, "locations.kdl"),
        "// panel id 1\nlocation \"fra\"\n"
    );
}

#[test]
fn allocation_notes_are_written_for_the_servers_allocations_that_have_one() {
    let mut live = live(Dialect::Pterodactyl);
    live.allocations[0].notes = Some("  game port ".into());
    let extra = |id: u64, notes: &str, server_id: Option<u64>| LiveAllocation {
        id,
        node_id: 1,
        ip: "10.0.0.5".into(),
        alias: None,
        port: 25564 + id as u16,
        notes: Some(notes.into()),
        assigned: server_id.is_some(),
        server_id,
    };
    // 25567 holds a note but is no server's; 25568 is the lobby's, with an empty note.
    live.allocations.push(extra(3, "query port", Some(1)));
    live.allocations.push(extra(4, "spare", None));
    live.allocations.push(extra(5, "", Some(1)));
    live.servers[0].allocations.extend([3, 5]);
    let imported = import(&live, &ImportOptions::default());
    let servers = file(&imported, "servers.kdl");
    assert!(
        servers.contains("allocation \"10.0.0.5:25565\" notes=\"game port\"\n"),
        "{servers}"
    );
    assert!(
        servers.contains("allocation-note \"10.0.0.5:25567\" \"query port\"\n"),
        "{servers}"
    );
    assert!(!servers.contains("spare"), "{servers}");
    assert!(!servers.contains("25569\" \"\""), "{servers}");
    let desired = load(&imported);
    let notes: Vec<(String, String)> = desired.servers["lobby"]
        .allocation_notes
        .iter()
        .map(|n| (n.endpoint.to_string(), n.notes.clone()))
        .collect();
    assert_eq!(
        notes,
        [
            ("10.0.0.5:25565".to_string(), "game port".to_string()),
            ("10.0.0.5:25567".to_string(), "query port".to_string())
        ]
    );
    assert!(desired.servers["survival"].allocation_notes.is_empty());
}
