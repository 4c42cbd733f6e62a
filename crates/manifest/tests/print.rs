//! The printer writes what the parser reads: a printed desired state loads back the same.

use roost_manifest::{LoadOptions, SourceReader, Sources, load_with, print_desired};
use roost_model::Desired;
use std::path::Path;
use std::sync::Arc;

/// Loads `text` as the one file of a manifest directory `dir` (where `file` sources are read).
fn load_text(name: &str, text: String, dir: &Path) -> Desired {
    let sources = Sources {
        files: vec![(name.to_string(), Arc::from(text.as_str()))],
    };
    let read = |rel: &str, limit: u64| roost_manifest::read_source_in(dir, rel, limit);
    let options = LoadOptions {
        sources: Some(SourceReader(&read)),
        ..LoadOptions::default()
    };
    match load_with(sources, &options) {
        Ok(m) => m.desired,
        Err(e) => panic!(
            "{name} does not load:\n{}\n{text}",
            roost_manifest::render_plain(&e, 100)
        ),
    }
}

/// The desired state as JSON (origins are not part of it), without what only the source
/// spelling decides: the template a server was built from.
fn comparable(d: &Desired) -> serde_json::Value {
    let mut d = d.clone();
    for s in d.servers.values_mut() {
        s.template = None;
    }
    serde_json::to_value(&d).unwrap()
}

fn round_trip(what: &str, desired: &Desired, dir: &Path) {
    let printed = print_desired(desired);
    // Named as a file of `dir` itself, so that `source` paths resolve from `dir`.
    eprintln!("{what}: loading its printed form");
    let again = load_text("printed.kdl", printed.clone(), dir);
    assert_eq!(
        comparable(&again),
        comparable(desired),
        "{what}: printed as\n{printed}"
    );
    // Printing is stable (but for the comments naming the templates, merged away).
    let mut merged = desired.clone();
    merged.servers.values_mut().for_each(|s| s.template = None);
    assert_eq!(print_desired(&again), print_desired(&merged), "{what}");
}

#[test]
fn examples_and_valid_fixtures_print_and_load_back_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs = Vec::new();
    for parent in ["examples", "tests/fixtures/valid"] {
        for entry in std::fs::read_dir(root.join(parent)).unwrap() {
            let path = entry.unwrap().path();
            // examples/ci/ holds CI pipelines, not manifests; examples/environments/ one set
            // per environment (common/ is included by them).
            if path.ends_with("examples/environments") {
                dirs.push(path.join("staging"));
                dirs.push(path.join("production"));
            } else if path.is_dir() && !path.ends_with("examples/ci") {
                dirs.push(path);
            }
        }
    }
    dirs.sort();
    assert!(dirs.len() >= 8, "{dirs:?}");
    for dir in dirs {
        let desired = roost_manifest::load_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {}", dir.display(), e))
            .desired;
        round_trip(&dir.display().to_string(), &desired, &dir);
    }
}

/// Values the canonical form has to take care with: odd variable names, multi-line text, a
/// location with nothing more to say, databases, adoption and ignore lists.
#[test]
fn tricky_values_print_and_load_back_the_same() {
    let text = r#"panel {
    dialect "auto"
    token-env "MY_TOKEN"
    client-token-env "MY_CLIENT_TOKEN"
    ignore "server.*.description"
    prune "servers" "databases"
}
node "fra-1" {
    fqdn "fra-1.example.com"
    memory 1536
    disk "1TiB"
    upload-size 512
    daemon listen=8443 sftp=2222 sftp-alias="sftp.example.com"
    allocations "10.0.0.10" 25565 25567 alias="play.example.com"
    allocations "10.0.0.9" "25565-25570"
    ignore "fqdn"
}
user "alice" {
    email "alice@example.com"
    roles "Moderator" "Admin"
    external-id "billing-1"
    password file="secrets/alice.txt" rotate=#true
    adopt
}
server "lobby" {
    name "Lobby \"Main\""
    description "First line\n\nThird line"
    owner "alice"
    node "fra-1"
    egg "Paper"
    limits memory="2GiB" disk="10GiB" swap="unlimited" threads="0-1,3"
    features databases="unlimited" backups=2
    allocation "10.0.0.10:25565"
    additional-allocations "10.0.0.9:25566"
    env "MY VAR"="a b" "1ST"="x" RCON_PASS=(env)"LOBBY_RCON" KEY=(file)"secrets/key"
    depends-on "server.proxy/database.main"
    adopt uuid="9c8b7a6d-0000-0000-0000-000000000000"
    ignore "limits.memory" "environment.MY VAR"
}
server "proxy" {
    owner "alice"
    node "fra-1"
    egg "Velocity"
    limits memory=512 disk=1024
    features databases=2
    allocation "10.0.0.10:25567"
    protect #true
    database "main" { host "mysql-1"; }
    database "logs" { host id=2; remote "10.0.%"; }
}
"#;
    let desired = load_text("tricky.kdl", text.to_string(), Path::new("."));
    round_trip("tricky.kdl", &desired, Path::new("."));
    let printed = print_desired(&desired);
    for expected in [
        "env \"1ST\"=\"x\" KEY=(file)\"secrets/key\" \"MY VAR\"=\"a b\" RCON_PASS=(env)\"LOBBY_RCON\"",
        "    description #\"\"\"\n        First line\n\n        Third line\n        \"\"\"#\n",
        "    allocations \"10.0.0.9\" \"25565-25570\"\n    allocations \"10.0.0.10\" 25565 25567 alias=\"play.example.com\"\n",
    ] {
        assert!(printed.contains(expected), "{expected}\nnot in\n{printed}");
    }
}

#[test]
fn a_location_without_a_description_has_no_empty_block() {
    let desired = load_text(
        "fleet.kdl",
        r#"panel { dialect "pterodactyl"; }
location "fra"
location "nyc" { description "New York"; }
"#
        .to_string(),
        Path::new("."),
    );
    let printed = print_desired(&desired);
    assert!(
        printed.contains(
            "\nlocation \"fra\"\n\nlocation \"nyc\" {\n    description \"New York\"\n}\n"
        ),
        "{printed}"
    );
    round_trip("fleet.kdl", &desired, Path::new("."));
}
