//! `roost import` against a messy, realistic simulated panel of each dialect: the output
//! validates, the first plan only adopts (sets roost's markers), one apply converges, filters
//! and layouts produce what was asked, and no secret leaves the panel.

mod common;

use common::{cli::*, manifests::*, messy::*, panel::*, redact::*, *};
use roost_sim::{Dialect, SimState};
use std::collections::BTreeSet;
use std::time::Instant;

/// What the panel holds apart from external ids and timestamps: the first apply must leave it.
fn comparable(st: &SimState) -> serde_json::Value {
    let mut st = st.clone();
    for s in st.servers.values_mut() {
        s.external_id = None;
        s.updated_at = 0;
        // Any write trims the name (the panel trims what it is sent); only the external id
        // is roost's doing.
        s.name = s.name.trim().to_string();
    }
    for u in st.users.values_mut() {
        u.external_id = None;
        u.updated_at = 0;
    }
    for n in st.nodes.values_mut() {
        n.updated_at = 0;
    }
    for l in st.locations.values_mut() {
        l.updated_at = 0;
    }
    serde_json::json!({
        "location": st.locations,
        "node": st.nodes,
        "allocation": st.allocations,
        "user": st.users,
        "server": st.servers,
    })
}

/// The differences between two states, as `table.id.field: before -> after` lines.
fn state_diff(before: &SimState, after: &SimState) -> Vec<String> {
    let (a, b) = (comparable(before), comparable(after));
    let mut out = Vec::new();
    let empty = serde_json::Map::new();
    for (table, rows) in a.as_object().expect("object") {
        let rows_b = b[table].as_object().unwrap_or(&empty);
        let rows_a = rows.as_object().unwrap_or(&empty);
        for (id, row) in rows_a {
            match rows_b.get(id) {
                None => out.push(format!("{table}.{id}: deleted")),
                Some(other) if other != row => {
                    for (field, v) in row.as_object().unwrap_or(&empty) {
                        if other.get(field) != Some(v) {
                            out.push(format!(
                                "{table}.{id}.{field}: {v} -> {}",
                                other.get(field).unwrap_or(&serde_json::Value::Null)
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        for id in rows_b.keys().filter(|k| !rows_a.contains_key(*k)) {
            out.push(format!("{table}.{id}: created"));
        }
    }
    out
}

fn import(panel: &Panel, out: &std::path::Path, extra: &[&str]) -> Run {
    let mut args = vec!["import", "--out", p(out)];
    args.extend_from_slice(extra);
    panel.roost(&args)
}

/// The plan as JSON; every change must be an adoption whose only attribute is `external_id`.
fn assert_adopt_only(panel: &Panel, dir: &std::path::Path) -> usize {
    let run = panel
        .roost(&["plan", p(dir), "--format", "json"])
        .expect(0, "plan of the imported manifests");
    let plan = run.json();
    let changes = plan["changes"].as_array().expect("changes");
    for c in changes {
        let names: Vec<&str> = c["attributes"]
            .as_array()
            .expect("attributes")
            .iter()
            .map(|a| a["name"].as_str().expect("name"))
            .collect();
        assert_eq!(
            (c["action"].as_str(), names.as_slice()),
            (Some("adopt"), ["external_id"].as_slice()),
            "{} ({}): an imported resource must only be adopted; change: {c:#}",
            c["address"],
            panel.dialect()
        );
        let new = c["attributes"][0]["new"]
            .as_str()
            .expect("a new external id");
        assert!(
            new.starts_with("roost:"),
            "{}: the adoption sets roost's marker, not {new:?}",
            c["address"]
        );
    }
    changes.len()
}

/// Import a messy panel of 300 servers, check what was written, then apply it: adoptions only,
/// and nothing left to change.
fn round_trip(dialect: Dialect) {
    let (panel, messy) = messy_panel_with_passwords(dialect);
    let before = panel.state();
    let out = tempfile::tempdir().expect("temp dir");

    let started = Instant::now();
    let run = import(&panel, out.path(), &[]).expect(0, "roost import");
    let import_secs = started.elapsed().as_secs_f64();
    let files = read_tree(out.path());
    assert_files_written(dialect, &run, &files);
    let all: String = files.values().cloned().collect();
    assert_everything_imported_once(&files, &all, &before);
    assert_panel_details_kept(dialect, &files, &all, &messy);
    assert_no_password_written(&all);

    offline(&["validate", p(out.path())]).expect(0, "roost validate of the imported manifests");
    offline(&["fmt", p(out.path()), "--check"]).expect(0, "imported manifests are formatted");

    let adoptions = assert_adopt_only(&panel, out.path());
    let unmarked_users = before
        .users
        .values()
        .filter(|u| u.external_id.is_none())
        .count();
    assert_eq!(
        adoptions,
        messy.bare.len() + unmarked_users,
        "one adoption per server and user without an external id"
    );

    let started = Instant::now();
    panel
        .roost(&["apply", p(out.path()), "--auto-approve", "--allow-destroy"])
        .expect(0, "apply of the imported manifests");
    let apply_secs = started.elapsed().as_secs_f64();
    let run = panel.roost(&["plan", p(out.path()), "--detailed-exitcode"]);
    assert_eq!(
        run.code,
        Some(0),
        "no changes after one apply:\n{}",
        run.show()
    );
    assert!(run.stdout.contains("No changes"), "{}", run.show());
    let diff = state_diff(&before, &panel.state());
    assert!(
        diff.is_empty(),
        "the first apply changed more than the external ids ({} differences):\n{}",
        diff.len(),
        diff.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
    eprintln!(
        "{dialect}: import of 300 servers into {} files ({} bytes) in {import_secs:.2}s; apply of {adoptions} adoptions in {apply_secs:.2}s",
        files.len(),
        all.len()
    );
}

/// A messy panel of 300 servers whose users have passwords (that must never reach the
/// manifests).
fn messy_panel_with_passwords(dialect: Dialect) -> (Panel, Messy) {
    let panel = Panel::start(dialect);
    let messy = panel.sim.mutate(|st| seed_messy(st, 300));
    assert_eq!(messy.servers, 300);
    // Passwords the panel stores must never reach the manifests.
    panel.sim.mutate(|st| {
        for (i, u) in st.users.values_mut().enumerate() {
            u.password = Some(format!("hunter2-secret-{i}"));
        }
    });
    (panel, messy)
}

/// One file per kind (locations on Pterodactyl only); the summary counts the servers.
fn assert_files_written(
    dialect: Dialect,
    run: &Run,
    files: &std::collections::BTreeMap<String, String>,
) {
    let names: BTreeSet<&str> = files.keys().map(String::as_str).collect();
    let mut expected: BTreeSet<&str> = [
        "panel.kdl",
        "nodes.kdl",
        "users.kdl",
        "templates.kdl",
        "servers.kdl",
    ]
    .into();
    if dialect == Dialect::Pterodactyl {
        expected.insert("locations.kdl");
    }
    assert_eq!(names, expected, "files written:\n{}", run.show());
    assert!(
        run.stderr.contains("300 servers"),
        "the summary counts the servers:\n{}",
        run.show()
    );
}

/// Every server, user and node is there, once, with its panel id and uuid in a comment.
fn assert_everything_imported_once(
    files: &std::collections::BTreeMap<String, String>,
    all: &str,
    before: &SimState,
) {
    let servers = files["servers.kdl"].matches("\nserver \"").count()
        + usize::from(files["servers.kdl"].starts_with("server \""));
    let server_blocks = all.lines().filter(|l| l.starts_with("server ")).count();
    assert_eq!(
        server_blocks, 300,
        "one block per server ({servers} in servers.kdl)"
    );
    let user_blocks = all.lines().filter(|l| l.starts_with("user ")).count();
    assert_eq!(user_blocks, before.users.len(), "one block per user");
    assert_eq!(all.lines().filter(|l| l.starts_with("node ")).count(), 4);
    // Comments carry the panel ids and uuids.
    for s in before.servers.values() {
        assert!(
            all.contains(&format!("uuid {}", s.uuid)),
            "server {} (id {}) has its uuid in a comment",
            s.name,
            s.id
        );
    }
}

/// Templates, port ranges, external ids and adoptions, and each odd setting of the messy
/// panel survive the import.
fn assert_panel_details_kept(
    dialect: Dialect,
    files: &std::collections::BTreeMap<String, String>,
    all: &str,
    messy: &Messy,
) {
    let from = all.lines().filter(|l| l.contains(" from=\"")).count();
    assert!(from > 150, "only {from} of 300 servers use a template");
    // Port ranges collapse: no node lists 200 ports one by one.
    assert!(
        all.contains("\"25565-"),
        "port ranges are collapsed:\n{}",
        files["nodes.kdl"]
    );
    // Foreign external ids are kept; servers without one are adopted by id.
    assert!(all.contains("external-id \"whmcs-1200\""));
    assert!(all.contains("external-id \"billing:srv/3\""));
    for id in &messy.bare {
        assert!(
            all.contains(&format!("adopt id={id}\n")),
            "server id {id} (no external id) is adopted explicitly"
        );
    }
    assert!(all.contains("suspended #true"));
    assert!(all.contains("threads=\"0-3\""));
    assert!(all.contains("\"unlimited\""));
    assert!(all.contains("additional-allocations"));
    assert!(all.contains("MINECRAFT_VERSION=\"1.20.4\""));
    assert!(all.contains("maintenance #true"));
    if dialect == Dialect::Pelican {
        assert!(all.contains("roles \"Moderator\""), "Pelican roles");
        assert!(all.contains("tags \"eu\""));
    } else {
        assert!(all.contains("location \"sgp\""));
        assert!(all.contains("admin #true"));
    }
}

/// Secrets: no password value; every user refers to an environment variable.
fn assert_no_password_written(all: &str) {
    assert!(
        !all.contains("hunter2"),
        "a password value leaked into the manifests"
    );
    for block in all.split("\nuser ").skip(1) {
        let block = &block[..block.find("\n}").expect("closed block")];
        assert!(
            block.contains("password env=\"ROOST_PASSWORD_"),
            "a user without a password reference:\nuser {block}"
        );
    }
}

#[test]
fn round_trip_pterodactyl() {
    round_trip(Dialect::Pterodactyl);
}

#[test]
fn round_trip_pelican() {
    round_trip(Dialect::Pelican);
}

/// The imported text of a small messy panel, every file under a `=== PATH` header, uuids
/// and the panel's port redacted.
fn imported_text(dialect: Dialect, servers: usize, extra: &[&str]) -> String {
    let panel = Panel::start(dialect);
    panel.sim.mutate(|st| seed_messy(st, servers));
    let out = tempfile::tempdir().expect("temp dir");
    import(&panel, out.path(), extra).expect(0, "roost import");
    offline(&["validate", p(out.path())]).expect(0, "validate");
    assert_adopt_only(&panel, out.path());
    read_tree(out.path())
        .into_iter()
        .map(|(path, text)| format!("=== {path}\n{text}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn snapshot(name: &str, text: &str) {
    import_snapshot_settings().bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn small_import_pterodactyl_reads_well() {
    snapshot(
        "import-small-pterodactyl",
        &imported_text(Dialect::Pterodactyl, 30, &[]),
    );
}

#[test]
fn small_import_pelican_reads_well() {
    snapshot(
        "import-small-pelican",
        &imported_text(Dialect::Pelican, 30, &[]),
    );
}

/// Blocks of a kind (`server`, `user`...) across the files: from the header line to the
/// closing `}` (or the header alone when it has no children).
fn blocks(files: &std::collections::BTreeMap<String, String>, kind: &str) -> Vec<String> {
    let head = format!("{kind} \"");
    let mut out = Vec::new();
    for text in files.values() {
        let mut current: Option<String> = None;
        for line in text.lines() {
            if let Some(block) = current.as_mut() {
                block.push('\n');
                block.push_str(line);
                if line == "}" {
                    out.extend(current.take());
                }
            } else if line.starts_with(&head) {
                if line.ends_with('{') {
                    current = Some(line.to_string());
                } else {
                    out.push(line.to_string());
                }
            }
        }
    }
    out
}

/// Import with `extra` flags into a fresh directory; it must validate and only adopt.
fn filtered(panel: &Panel, extra: &[&str]) -> std::collections::BTreeMap<String, String> {
    let out = tempfile::tempdir().expect("temp dir");
    import(panel, out.path(), extra).expect(0, &format!("roost import {extra:?}"));
    offline(&["validate", p(out.path())]).expect(0, &format!("validate of import {extra:?}"));
    assert_adopt_only(panel, out.path());
    read_tree(out.path())
}

fn filters_and_layouts(dialect: Dialect) {
    let panel = Panel::start(dialect);
    let messy = panel.sim.mutate(|st| seed_messy(st, 40));
    let st = panel.state();
    let pt = dialect == Dialect::Pterodactyl;

    // One file per node, holding the node and its servers.
    let files = filtered(&panel, &["--layout", "per-node"]);
    let slugs = ["fra-1", "fra-2", "nyc.edge_1", "sgp-node-3"];
    for ((_, name), slug) in messy.nodes.iter().zip(slugs) {
        let text = files
            .get(&format!("nodes/{slug}.kdl"))
            .unwrap_or_else(|| panic!("no nodes/{slug}.kdl in {:?}", files.keys()));
        let servers_here = st
            .servers
            .values()
            .filter(|s| st.nodes[&s.node_id].name == *name)
            .count();
        assert_eq!(
            text.lines().filter(|l| l.starts_with("server ")).count(),
            servers_here,
            "nodes/{slug}.kdl holds the servers of node {name}"
        );
        assert!(text.contains(&format!("node \"{name}\" {{")));
    }
    assert!(files.contains_key("users.kdl") && !files.contains_key("servers.kdl"));
    assert_eq!(blocks(&files, "server").len(), 40);

    // --kind users: the users, nothing else.
    let files = filtered(&panel, &["--kind", "users"]);
    assert_eq!(blocks(&files, "user").len(), st.users.len());
    assert!(blocks(&files, "server").is_empty() && blocks(&files, "node").is_empty());

    // --kind nodes: nodes with their allocations, and (Pterodactyl) the locations they need.
    let files = filtered(&panel, &["--kind", "nodes"]);
    assert_eq!(blocks(&files, "node").len(), 4);
    assert_eq!(blocks(&files, "location").len(), if pt { 3 } else { 0 });
    assert!(blocks(&files, "server").is_empty() && blocks(&files, "user").is_empty());

    assert_node_filter(&panel, &st, &messy);

    // --owner: that user's servers, the user, and their nodes.
    let files = filtered(&panel, &["--owner", "steve"]);
    let steve = *messy
        .users
        .iter()
        .find(|(_, n)| *n == "steve")
        .expect("steve")
        .0;
    let theirs = st.servers.values().filter(|s| s.user_id == steve).count();
    assert!(theirs > 0);
    let servers = blocks(&files, "server");
    assert_eq!(servers.len(), theirs);
    assert!(servers.iter().all(|b| b.contains("owner \"steve\"")));
    let users = blocks(&files, "user");
    assert_eq!(users.len(), 1);
    assert!(users[0].starts_with("user \"steve\""));

    // --server-id: exactly those servers.
    let ids: Vec<u64> = messy
        .bare
        .iter()
        .take(2)
        .chain(messy.foreign.iter().take(1))
        .copied()
        .collect();
    let list = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let files = filtered(&panel, &["--server-id", &list]);
    let servers = blocks(&files, "server");
    assert_eq!(servers.len(), 3, "{servers:?}");
    let all: String = files.values().cloned().collect();
    for id in &ids {
        assert!(all.contains(&format!(
            "// panel id {id}, uuid {}\nserver ",
            st.servers[id].uuid
        )));
    }
}

/// `--node`: that node, its servers and what they need (owners; on Pterodactyl its location).
fn assert_node_filter(panel: &Panel, st: &SimState, messy: &Messy) {
    let files = filtered(panel, &["--node", "fra-2"]);
    let nodes = blocks(&files, "node");
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    assert!(nodes[0].starts_with("node \"fra-2\""));
    let fra2 = messy.nodes[1].0;
    let want: Vec<u64> = st
        .servers
        .values()
        .filter(|s| s.node_id == fra2)
        .map(|s| s.id)
        .collect();
    let servers = blocks(&files, "server");
    assert_eq!(servers.len(), want.len());
    assert!(servers.iter().all(|b| b.contains("node \"fra-2\"")));
    let owners: BTreeSet<&String> = st
        .servers
        .values()
        .filter(|s| s.node_id == fra2)
        .map(|s| &messy.users[&s.user_id])
        .collect();
    for o in &owners {
        assert!(
            blocks(&files, "user")
                .iter()
                .any(|b| b.starts_with(&format!("user \"{o}\""))),
            "the owner {o} comes along"
        );
    }
    if st.dialect == Dialect::Pterodactyl {
        assert_eq!(
            blocks(&files, "location").len(),
            1,
            "the node's location comes along"
        );
    }
}

#[test]
fn filters_and_layouts_pterodactyl() {
    filters_and_layouts(Dialect::Pterodactyl);
}

#[test]
fn filters_and_layouts_pelican() {
    filters_and_layouts(Dialect::Pelican);
}
