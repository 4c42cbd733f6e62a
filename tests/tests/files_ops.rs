//! `roost files …` end to end, in both dialects, against the simulator's emulated Wings: text
//! and binary uploads (one with `--restart`), listing, reading back through the contents route
//! and through a signed download, rename, copy, chmod, folders, archives, and removal refused
//! without `--yes` in a script.

mod common;

use common::cli::Run;
use common::ops::{ops, ready};
use common::panel::Panel;
use roost_sim::Dialect;
use std::path::Path;

/// `roost files ARGS…` against `panel`.
fn run_files(panel: &Panel, args: &[&str]) -> Run {
    let mut all = vec!["files"];
    all.extend_from_slice(args);
    ops(panel, &all)
}

fn files(d: Dialect) {
    let panel = ready(d);
    let dir = tempfile::tempdir().unwrap();
    let motd = dir.path().join("motd.txt");
    std::fs::write(&motd, "Welcome to Alpha\n").unwrap();
    let jar = dir.path().join("Foo.jar");
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    std::fs::write(&jar, &binary).unwrap();
    let f = |args: &[&str]| run_files(&panel, args);

    f(&[
        "put",
        "server.alpha",
        motd.to_str().unwrap(),
        "config/motd.txt",
    ])
    .expect(0, "put text");
    let run = f(&[
        "put",
        "server.alpha",
        jar.to_str().unwrap(),
        "plugins/Foo.jar",
        "--restart",
    ])
    .expect(0, "put binary and restart");
    assert!(
        run.stdout.contains("wrote plugins/Foo.jar, restarting"),
        "{}",
        run.show()
    );

    let ls = f(&["ls", "server.alpha", "config", "--format", "json"]).expect(0, "ls");
    let names: Vec<String> = ls.json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["motd.txt"], "{d}");
    let cat = f(&["get", "server.alpha", "config/motd.txt", "-o", "-"]).expect(0, "get -o -");
    assert_eq!(cat.stdout, "Welcome to Alpha\n", "{d}");

    let back = dir.path().join("back.jar");
    f(&[
        "get",
        "server.alpha",
        "plugins/Foo.jar",
        "-o",
        back.to_str().unwrap(),
    ])
    .expect(0, "get");
    assert_eq!(
        std::fs::read(&back).unwrap(),
        binary,
        "{d}: the bytes round-trip"
    );
    edits(&panel, d);
    archives_and_removal(&panel, d, &motd, &back);
}

/// mv, cp, chmod and mkdir, reported as JSON where asked.
fn edits(panel: &Panel, d: Dialect) {
    let f = |args: &[&str]| run_files(panel, args);
    let moved = f(&[
        "mv",
        "server.alpha",
        "config/motd.txt",
        "config/welcome.txt",
        "--format",
        "json",
    ])
    .expect(0, "mv")
    .json();
    assert_eq!(
        (&moved["action"], &moved["server"], &moved["to"]),
        (
            &"moved".into(),
            &"server.alpha".into(),
            &"/config/welcome.txt".into()
        ),
        "{d}: {moved}"
    );
    f(&["cp", "server.alpha", "config/welcome.txt"]).expect(0, "cp");
    let changed = f(&[
        "chmod",
        "server.alpha",
        "600",
        "config/welcome.txt",
        "--format",
        "json",
    ])
    .expect(0, "chmod")
    .json();
    assert_eq!(changed["mode"], "600", "{d}: {changed}");
    let both = f(&[
        "get",
        "server.alpha",
        "config/welcome.txt",
        "-o",
        "-",
        "--format",
        "json",
    ]);
    assert_ne!(both.code, Some(0), "{d}: -o - and JSON both want stdout");
    assert!(both.stdout.is_empty(), "{}", both.show());
    f(&["mkdir", "server.alpha", "world/region"]).expect(0, "mkdir");
    let ls = f(&["ls", "server.alpha", "config", "--format", "json"]).expect(0, "ls");
    let entries = ls.json()["entries"].as_array().unwrap().clone();
    let mode_of = |n: &str| {
        entries
            .iter()
            .find(|e| e["name"] == n)
            .map(|e| e["mode"].as_str().unwrap().to_string())
    };
    assert_eq!(
        mode_of("welcome.txt").as_deref(),
        Some("600"),
        "{d}: {entries:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["name"].as_str().unwrap().contains("copy")),
        "{d}"
    );
    assert_eq!(mode_of("motd.txt"), None, "{d}: moved away");
}

/// compress, rm, decompress, JSON uploads, and removal refused without --yes.
fn archives_and_removal(panel: &Panel, d: Dialect, motd: &Path, back: &Path) {
    let f = |args: &[&str]| run_files(panel, args);
    let archive = f(&["compress", "server.alpha", "config/welcome.txt"]).expect(0, "compress");
    let name = archive.stdout.trim().to_string();
    assert!(!name.is_empty(), "{}", archive.show());
    f(&["rm", "server.alpha", "config/welcome.txt", "--yes"]).expect(0, "rm");
    f(&["decompress", "server.alpha", &format!("config/{name}")]).expect(0, "decompress");
    let cat = f(&["get", "server.alpha", "config/welcome.txt", "-o", "-"]).expect(0, "unpacked");
    assert_eq!(cat.stdout, "Welcome to Alpha\n", "{d}");

    let put = f(&[
        "put",
        "server.alpha",
        motd.to_str().unwrap(),
        "config/again.txt",
        "--format",
        "json",
    ])
    .expect(0, "put as JSON")
    .json();
    assert_eq!(put["results"][0]["bytes"], 17, "{d}: {put}");
    assert_eq!(put["results"][0]["path"], "/config/again.txt", "{d}: {put}");
    let removed = f(&[
        "rm",
        "server.alpha",
        "config/again.txt",
        "--yes",
        "--format",
        "json",
    ])
    .expect(0, "rm as JSON")
    .json();
    assert_eq!(removed["action"], "deleted", "{d}: {removed}");
    assert_eq!(removed["paths"][0], "/config/again.txt", "{d}: {removed}");

    let refused = f(&["rm", "server.alpha", "plugins/Foo.jar"]).expect(1, "rm without --yes");
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.show());
    f(&[
        "get",
        "server.alpha",
        "plugins/Foo.jar",
        "-o",
        back.to_str().unwrap(),
    ])
    .expect(0, "kept");
}

#[test]
fn files_pterodactyl() {
    files(Dialect::Pterodactyl);
}

#[test]
fn files_pelican() {
    files(Dialect::Pelican);
}
