//! Server databases: `database "NAME" { host id=N | host "NAME"; remote "%" }` in server and
//! template blocks.

use roost_manifest::{ManifestErrors, Sources, load, print_desired};
use roost_model::{Address, Database, DatabaseHostRef, Desired, Kind};
use std::sync::Arc;

/// A fleet for `dialect` with one node (two ports), one user, and `rest` (templates, servers).
fn fleet(dialect: &str, rest: &str) -> Sources {
    let text = format!(
        r#"panel {{ dialect "{dialect}"; }}
node "fra-1" {{
    fqdn "fra-1.example.com"
    memory 4096
    disk 4096
    allocations "10.0.0.5" 25565 25566
}}
user "alice" {{ email "alice@example.com"; }}
{rest}
"#
    );
    Sources {
        files: vec![("fleet.kdl".into(), Arc::from(text))],
    }
}

/// A server `key` on port `port` with `body` added to its block.
fn server(key: &str, port: u16, from: Option<&str>, body: &str) -> String {
    let from = from.map(|t| format!(" from=\"{t}\"")).unwrap_or_default();
    format!(
        r#"server "{key}"{from} {{
    owner "alice"
    node "fra-1"
    egg "Paper"
    limits memory=1024 disk=1024
    features databases=3
    allocation "10.0.0.5:{port}"
    {body}
}}"#
    )
}

fn desired(sources: Sources) -> Desired {
    match load(sources) {
        Ok(m) => m.desired,
        Err(e) => panic!("{}", roost_manifest::render_plain(&e, 100)),
    }
}

fn errors(sources: Sources) -> ManifestErrors {
    load(sources).expect_err("the manifests must not load")
}

/// (code, message) of each error.
fn codes(e: &ManifestErrors) -> Vec<(String, String)> {
    e.diagnostics
        .iter()
        .map(|d| (d.code_str().to_string(), d.message().to_string()))
        .collect()
}

#[test]
fn databases_fill_the_server_with_the_remote_defaulting_to_anywhere() {
    let sources = fleet(
        "auto",
        &server(
            "lobby",
            25565,
            None,
            r#"database "main" { host id=1; }
    database "stats_2024" { host "mysql-1"; remote "10.0.0.%"; }"#,
        ),
    );
    let text = sources.files[0].1.clone();
    let d = desired(sources);
    let dbs = &d.servers["lobby"].databases;
    assert_eq!(dbs.len(), 2);
    let main = &dbs["main"];
    assert_eq!(
        (main.name.as_str(), &main.host, main.remote.as_str()),
        ("main", &DatabaseHostRef::Id(1), "%")
    );
    let stats = &dbs["stats_2024"];
    assert_eq!(stats.host, DatabaseHostRef::Name("mysql-1".into()));
    assert_eq!(stats.remote, "10.0.0.%");
    // The origin points at the name in the block.
    assert!(text[main.origin.offset as usize..].starts_with("\"main\" { host id=1"));
    // Databases are addresses of their own, children of the server.
    let lobby = Address::new(Kind::Server, "lobby");
    assert!(
        d.addresses()
            .any(|a| a == Address::child(&lobby, Kind::Database, "main"))
    );
}

#[test]
fn a_host_name_is_pelican_only() {
    let body = r#"database "main" { host "mysql-1"; }"#;
    for dialect in ["auto", "pelican"] {
        let d = desired(fleet(dialect, &server("lobby", 25565, None, body)));
        assert_eq!(
            d.servers["lobby"].databases["main"].host,
            DatabaseHostRef::Name("mysql-1".into()),
            "{dialect}"
        );
    }
    // Pterodactyl needs a location on the node and names on the user; the host name is the
    // only other error.
    let text = format!(
        r#"panel {{ dialect "pterodactyl"; }}
location "fra"
node "fra-1" {{ location "fra"; fqdn "fra-1.example.com"; memory 4096; disk 4096; allocations "10.0.0.5" 25565; }}
user "alice" {{ email "alice@example.com"; first-name "A"; last-name "L"; }}
{}"#,
        server("lobby", 25565, None, body)
            .replace("egg \"Paper\"", "egg \"Paper\" nest=\"Minecraft\"")
    );
    let e = errors(Sources {
        files: vec![("fleet.kdl".into(), Arc::from(text))],
    });
    assert_eq!(
        codes(&e),
        [(
            "roost::wrong-dialect".to_string(),
            "a database host is named only on Pelican".to_string()
        )]
    );
}

#[test]
fn names_follow_the_panels_alpha_dash_rule_up_to_48_characters() {
    for ok in ["main", "a", "stats-2024_eu", "données", &"x".repeat(48)] {
        let body = format!(r#"database "{ok}" {{ host id=1; }}"#);
        let d = desired(fleet("auto", &server("lobby", 25565, None, &body)));
        assert!(d.servers["lobby"].databases.contains_key(ok), "{ok}");
    }
    for (bad, code) in [
        ("world data", "roost::bad-name"),
        ("main!", "roost::bad-name"),
        ("s.main", "roost::bad-name"),
        ("", "roost::missing-value"),
        (&"x".repeat(49), "roost::too-long"),
    ] {
        let body = format!(r#"database "{bad}" {{ host id=1; }}"#);
        let e = errors(fleet("auto", &server("lobby", 25565, None, &body)));
        let found = codes(&e);
        assert_eq!(found.len(), 1, "{bad}: {found:?}");
        assert_eq!(found[0].0, code, "{bad}: {found:?}");
    }
}

#[test]
fn remote_follows_the_application_apis_rule() {
    for ok in ["%", "10.0.0.%", "192.168.1.5", "255.255.255.255"] {
        let body = format!(r#"database "main" {{ host id=1; remote "{ok}"; }}"#);
        let d = desired(fleet("auto", &server("lobby", 25565, None, &body)));
        assert_eq!(d.servers["lobby"].databases["main"].remote, ok);
    }
    for (bad, code) in [
        ("10.0.0.0/24", "roost::bad-value"),
        ("db.example.com", "roost::bad-value"),
        ("::1", "roost::bad-value"),
        ("", "roost::missing-value"),
        ("1234567890123456", "roost::too-long"),
    ] {
        let body = format!(r#"database "main" {{ host id=1; remote "{bad}"; }}"#);
        let e = errors(fleet("auto", &server("lobby", 25565, None, &body)));
        let found = codes(&e);
        assert_eq!(found.len(), 1, "{bad}: {found:?}");
        assert_eq!(found[0].0, code, "{bad}: {found:?}");
    }
}

#[test]
fn a_host_is_one_id_or_one_name() {
    for (host, code) in [
        ("host", "roost::missing-value"),
        ("host id=1 \"mysql-1\"", "roost::extra-value"),
        ("host \"a\" \"b\"", "roost::extra-value"),
        ("host id=0", "roost::out-of-range"),
        ("host id=\"1\"", "roost::wrong-type"),
        ("host name=\"mysql-1\"", "roost::unknown-property"),
        ("host id=1 { }", "roost::unexpected-block"),
    ] {
        let body = format!(r#"database "main" {{ {host}; }}"#);
        let e = errors(fleet("auto", &server("lobby", 25565, None, &body)));
        let found = codes(&e);
        assert!(found.iter().any(|(c, _)| c == code), "{host}: {found:?}");
        assert!(
            found.iter().all(|(c, _)| c != "roost::missing-field"),
            "{host}: a written host is not also missing: {found:?}"
        );
    }
    let e = errors(fleet(
        "auto",
        &server("lobby", 25565, None, r#"database "main" { remote "%"; }"#),
    ));
    assert_eq!(
        codes(&e),
        [(
            "roost::missing-field".to_string(),
            "database `main` of server `lobby` has no `host`".to_string()
        )]
    );
}

#[test]
fn a_name_declared_twice_in_one_server_points_at_both() {
    let body = r#"database "main" { host id=1; }
    database "main" { host id=2; }"#;
    let e = errors(fleet("auto", &server("lobby", 25565, None, body)));
    assert_eq!(e.diagnostics.len(), 1);
    let d = &e.diagnostics[0];
    assert_eq!(d.code_str(), "roost::duplicate");
    assert_eq!(
        d.message(),
        "database `main` is declared twice in server `lobby`"
    );
    let labels: Vec<String> = miette::Diagnostic::labels(d)
        .into_iter()
        .flatten()
        .filter_map(|l| l.label().map(str::to_string))
        .collect();
    assert_eq!(labels, ["first declared here", "declared again here"]);
    // Twice in a template is the same mistake.
    let e = errors(fleet(
        "auto",
        &format!(
            "template \"t\" {{ {body} }}\n{}",
            server("lobby", 25565, Some("t"), "")
        ),
    ));
    assert_eq!(
        e.diagnostics[0].message(),
        "database `main` is declared twice in template `t`"
    );
}

#[test]
fn templates_pass_databases_on_by_name_and_the_servers_block_wins() {
    let text = format!(
        r#"template "base" {{
    database "main" {{ host id=1; remote "10.0.0.%"; }}
    database "logs" {{ host id=1; }}
}}
template "paper" from="base" {{
    database "stats" {{ host id=3; }}
}}
{}
{}"#,
        server(
            "lobby",
            25565,
            Some("paper"),
            r#"database "main" { host id=2; }"#
        ),
        server("bare", 25566, None, "")
    );
    let d = desired(fleet("auto", &text));
    let dbs = &d.servers["lobby"].databases;
    let hosts: Vec<(&str, &DatabaseHostRef, &str)> = dbs
        .values()
        .map(|db| (db.name.as_str(), &db.host, db.remote.as_str()))
        .collect();
    assert_eq!(
        hosts,
        [
            ("logs", &DatabaseHostRef::Id(1), "%"),
            // The whole block is the server's: its remote is not merged with the template's.
            ("main", &DatabaseHostRef::Id(2), "%"),
            ("stats", &DatabaseHostRef::Id(3), "%"),
        ]
    );
    assert!(d.servers["bare"].databases.is_empty());
}

#[test]
fn depends_on_a_database_resolves_against_the_declared_ones() {
    let text = format!(
        r#"template "t" {{ database "stats" {{ host id=1; }} }}
{}
{}"#,
        server("db", 25565, Some("t"), r#"database "main" { host id=1; }"#),
        server(
            "lobby",
            25566,
            None,
            r#"depends-on "server.db/database.main" "server.db/database.stats""#
        )
    );
    let d = desired(fleet("auto", &text));
    assert_eq!(d.servers["lobby"].depends_on.len(), 2);
    // A database that is not declared, of a server that is: a typo of one that is.
    let text = format!(
        "{}\n{}",
        server("db", 25565, None, r#"database "main" { host id=1; }"#),
        server(
            "lobby",
            25566,
            None,
            r#"depends-on "server.db/database.mian" "server.lobby/database.main""#
        )
    );
    let e = errors(fleet("auto", &text));
    let found: Vec<(String, String, String)> = e
        .diagnostics
        .iter()
        .map(|d| {
            let help = miette::Diagnostic::help(d)
                .map(|h| h.to_string())
                .unwrap_or_default();
            (d.code_str().to_string(), d.message().to_string(), help)
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "roost::undefined-reference".to_string(),
                "server `lobby` depends on database `mian` of server `db`, which is not declared"
                    .to_string(),
                "did you mean \"server.db/database.main\"?".to_string()
            ),
            (
                "roost::undefined-reference".to_string(),
                "server `lobby` depends on database `main` of server `lobby`, which is not declared"
                    .to_string(),
                "declare the database or remove it from `depends-on`".to_string()
            ),
        ]
    );
}

#[test]
fn printed_databases_load_back_the_same() {
    let d = desired(fleet(
        "auto",
        &server(
            "lobby",
            25565,
            None,
            r#"database "main" { host id=1; }
    database "stats" { host "mysql-1"; remote "10.0.0.%"; }"#,
        ),
    ));
    let text = print_desired(&d);
    assert!(
        text.contains(
            "    database \"main\" {\n        host id=1\n        remote \"%\"\n    }\n    database \"stats\" {\n        host \"mysql-1\"\n        remote \"10.0.0.%\"\n    }\n}"
        ),
        "{text}"
    );
    let again = desired(Sources {
        files: vec![("printed.kdl".into(), Arc::from(text))],
    });
    let strip = |d: &Desired| -> Vec<Database> {
        d.servers["lobby"]
            .databases
            .values()
            .cloned()
            .map(|mut db| {
                db.origin = Default::default();
                db
            })
            .collect()
    };
    assert_eq!(strip(&again), strip(&d));
}
