//! The shipped examples, and `roost fmt`, as a user runs them.
//!
//! Every directory under `examples/` must validate, be formatted, draw a graph with every
//! server in it, and survive `validate --print`: the printed form, validated again, resolves to
//! the same desired state.

mod common;

use common::cli::{Run, offline};
use common::p;
use std::path::{Path, PathBuf};

fn roost(args: &[&str], dir: &Path) -> Run {
    let mut all = args.to_vec();
    all.push(p(dir));
    offline(&all)
}

fn ok(args: &[&str], dir: &Path) -> Run {
    let run = roost(args, dir);
    assert_eq!(
        run.code,
        Some(0),
        "roost {args:?} {} failed:\n{}",
        dir.display(),
        run.stderr
    );
    run
}

fn examples() -> Vec<PathBuf> {
    let root = common::repo().join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("examples/ exists")
        .map(|e| e.unwrap().path())
        // examples/ci/ holds CI pipelines, not manifests (tested by ci_examples.rs).
        .filter(|p| p.is_dir() && !p.ends_with("ci"))
        .flat_map(|p| common::example_sets(&p))
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 3,
        "expected the shipped examples, found {dirs:?}"
    );
    dirs
}

/// The desired state as JSON, without the template each server came from: the printed form
/// has templates merged in (it only names them in a comment), so that field cannot survive it.
fn json_without_templates(text: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(text).expect("--format json prints JSON");
    if let Some(servers) = v.get_mut("servers").and_then(|s| s.as_object_mut()) {
        for server in servers.values_mut() {
            server
                .as_object_mut()
                .expect("a server is an object")
                .remove("template");
        }
    }
    v
}

/// `validate --print` written to a fresh directory validates again to the same state.
fn assert_print_round_trips(dir: &Path) {
    let printed = ok(&["validate", "--print"], dir).stdout;
    let json = ok(&["validate", "--print", "--format", "json"], dir).stdout;
    let tmp = tempfile::tempdir().unwrap();
    // `file` sources, which the printed form names from the manifest directory.
    common::manifests::copy_non_kdl(dir, tmp.path());
    std::fs::write(tmp.path().join("printed.kdl"), &printed).unwrap();
    let again = ok(&["validate", "--print", "--format", "json"], tmp.path()).stdout;
    let (again, json) = (
        json_without_templates(&again),
        json_without_templates(&json),
    );
    if again != json {
        let a = serde_json::to_string_pretty(&again).unwrap();
        let b = serde_json::to_string_pretty(&json).unwrap();
        panic!(
            "{}: the printed manifest resolves differently: {}",
            dir.display(),
            first_difference(&a, &b)
        );
    }
    // And printing the printed form changes nothing but the `// from template` notes, which
    // the printed form (templates merged in) no longer has.
    let reprinted = ok(&["validate", "--print"], tmp.path()).stdout;
    let code = |t: &str| {
        t.lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (again, first) = (code(&reprinted), code(&printed));
    assert!(
        again == first,
        "{}: --print is not stable: {}",
        dir.display(),
        first_difference(&again, &first)
    );
}

/// The first line where two texts differ, for a readable failure.
fn first_difference(a: &str, b: &str) -> String {
    let (mut la, mut lb) = (a.lines(), b.lines());
    let mut n = 1;
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => n += 1,
            (x, y) => return format!("line {n}: {x:?} vs {y:?}"),
        }
    }
}

#[test]
fn examples_validate() {
    for dir in examples() {
        let run = ok(&["validate"], &dir);
        assert!(
            run.stderr.starts_with("valid: "),
            "{}: {}",
            dir.display(),
            run.stderr
        );
    }
}

#[test]
fn examples_are_formatted() {
    for dir in examples() {
        let run = roost(&["fmt", "--check"], &dir);
        assert_eq!(
            run.code,
            Some(0),
            "{} needs `roost fmt`: {}{}",
            dir.display(),
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn examples_graph_has_every_server() {
    for dir in examples() {
        let dot = ok(&["graph"], &dir).stdout;
        assert!(
            dot.starts_with("digraph "),
            "{}: not DOT:\n{dot}",
            dir.display()
        );
        assert!(
            dot.trim_end().ends_with('}'),
            "{}: unterminated DOT",
            dir.display()
        );
        let manifest = roost_manifest::load_dir(&dir).expect("example loads");
        assert!(
            !manifest.desired.servers.is_empty(),
            "{}: no servers",
            dir.display()
        );
        for name in manifest.desired.servers.keys() {
            assert!(
                dot.contains(&format!("\"server.{name}\"")),
                "{}: server {name} is not in the graph",
                dir.display()
            );
        }
    }
}

#[test]
fn examples_print_round_trips() {
    for dir in examples() {
        assert_print_round_trips(&dir);
    }
}

#[test]
fn valid_fixtures_print_round_trips() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/valid");
    for entry in std::fs::read_dir(root).unwrap() {
        assert_print_round_trips(&entry.unwrap().path());
    }
}

/// The multi-node example is the big one: keep it big.
#[test]
fn multi_node_fleet_is_a_real_fleet() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/multi-node-fleet");
    let m = roost_manifest::load_dir(&dir).expect("loads");
    assert!(
        m.desired.servers.len() >= 24,
        "{} servers",
        m.desired.servers.len()
    );
    assert_eq!(m.desired.nodes.len(), 3);
    assert_eq!(m.desired.locations.len(), 2);
    assert!(
        m.desired.allocations.len() >= 200,
        "{} allocations",
        m.desired.allocations.len()
    );
    let files: std::collections::BTreeSet<u32> =
        m.desired.servers.values().map(|s| s.origin.file).collect();
    assert!(
        files.len() >= 3,
        "servers spread over {} files",
        files.len()
    );
    let nodes: std::collections::BTreeSet<&str> = m
        .desired
        .servers
        .values()
        .map(|s| s.node.as_str())
        .collect();
    assert_eq!(nodes.len(), 3, "servers on every node");
}

/// A badly laid out manifest: wrong indentation, trailing spaces, runs of blank lines,
/// comments everywhere, a multi-line string and a line continuation.
const MESSY: &str = r#"// messy but valid
panel   {
  dialect "pterodactyl"   // trailing comment
      token-env "ROOST_TOKEN"
}



location "fra" {

        description "Frankfurt"

}
node "fra-1" {
location "fra"
   fqdn "fra-1.example.com"
	memory "32GiB" overallocate=0
  disk "500GiB"
  /* ports for
     the lobby */
  allocations "10.0.0.5" 25565 \
        "25566-25570"
}
user "alice" {
 email "alice@example.com"
 first-name "Alice"
 last-name "Liddell"
    }
server "lobby" {
    owner "alice"
node "fra-1"
        egg "Paper" nest="Minecraft"
    description """
      Lobby, kept   exactly
        as written
      """
  limits memory="2GiB" disk="10GiB"
  allocation 25565
  startup "java -jar {{SERVER_JARFILE}} }"
}
"#;

#[test]
fn fmt_is_idempotent_and_keeps_meaning() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("fleet.kdl");
    std::fs::write(&file, MESSY).unwrap();
    let before = ok(&["validate", "--print", "--format", "json"], tmp.path()).stdout;

    let check = roost(&["fmt", "--check"], tmp.path());
    assert_eq!(
        check.code,
        Some(1),
        "--check must flag the messy file: {}",
        check.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        MESSY,
        "--check changed the file"
    );

    let first = ok(&["fmt"], tmp.path());
    assert_eq!(
        first.stdout, "fleet.kdl\n",
        "first run lists the changed file"
    );
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert_ne!(formatted, MESSY);
    assert!(
        formatted.contains("// trailing comment") && formatted.contains("/* ports for"),
        "comments kept:\n{formatted}"
    );
    assert!(
        formatted.contains("      Lobby, kept   exactly\n        as written\n"),
        "multi-line string kept:\n{formatted}"
    );

    let second = ok(&["fmt"], tmp.path());
    assert_eq!(second.stdout, "", "second run changes nothing");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), formatted);
    ok(&["fmt", "--check"], tmp.path());

    let after = ok(&["validate", "--print", "--format", "json"], tmp.path()).stdout;
    assert_eq!(after, before, "formatting changed what the manifest means");
}
