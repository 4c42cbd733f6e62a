//! Files: `file "PATH" { source "…" | content "…"; sensitive; restart-on-change }` in server
//! and template blocks: paths normalised, sources read relative to the manifest file that names
//! them, every mistake reported with its place and a fix.

mod common;

use common::{fleet, report, server};
use roost_manifest::{LoadOptions, ManifestErrors, Sources, load_dir, load_with, print_desired};
use roost_model::{Desired, FileSource, sha256_hex};
use std::path::Path;
use std::sync::Arc;

/// The fleet written as `fleet.kdl` in `dir` (with `extra` files beside it), loaded from disk.
fn on_disk(
    dir: &Path,
    sources: Sources,
    extra: &[(&str, &[u8])],
) -> Result<Desired, ManifestErrors> {
    for (name, text) in &sources.files {
        std::fs::write(dir.join(name), text.as_bytes()).unwrap();
    }
    for (name, bytes) in extra {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    load_dir(dir).map(|m| m.desired)
}

fn lobby(body: &str) -> Sources {
    fleet("pelican", &server("lobby", 25565, None, body))
}

#[test]
fn text_and_binary_sources_and_inline_content_load_with_their_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let jar: &[u8] = b"PK\x03\x04\x00\x00binary";
    let body = r#"    file "/server.properties" { source "files/server.properties"; restart-on-change #true; }
    file "plugins//x.jar" { source "files/x.jar"; }
    file "./motd.txt" { content "hello\n"; }
    file "/secret.yml" { source "files/secret.yml"; sensitive #true; }"#;
    let d = on_disk(
        dir.path(),
        lobby(body),
        &[
            ("files/server.properties", b"motd=hi\n"),
            ("files/x.jar", jar),
            ("files/secret.yml", b"token: abc\n"),
        ],
    )
    .unwrap();
    let files = &d.servers["lobby"].files;
    let keys: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "motd.txt",
            "plugins/x.jar",
            "secret.yml",
            "server.properties"
        ]
    );
    let props = &files["server.properties"];
    assert_eq!(props.body.text.as_deref(), Some("motd=hi\n"));
    assert_eq!(props.body.sha256, sha256_hex(b"motd=hi\n"));
    assert!(props.restart_on_change);
    assert_eq!(
        props.source,
        FileSource::Source("files/server.properties".into())
    );
    let bin = &files["plugins/x.jar"];
    assert_eq!(bin.body.text, None);
    assert_eq!(bin.body.size, jar.len() as u64);
    assert_eq!(files["motd.txt"].body.text.as_deref(), Some("hello\n"));
    assert!(files["secret.yml"].sensitive);
    // Printed back and loaded again: the same files (inline text keeps its final newline).
    let printed = print_desired(&d);
    assert!(!printed.contains("token: abc"), "{printed}");
    let again = on_disk(
        dir.path(),
        Sources {
            files: vec![("fleet.kdl".into(), Arc::from(printed))],
        },
        &[],
    )
    .unwrap();
    let shape = |d: &Desired| {
        let files = &d.servers["lobby"].files;
        let bodies: Vec<_> = files.values().map(|f| f.body.clone()).collect();
        (serde_json::to_value(files).unwrap(), bodies)
    };
    assert_eq!(shape(&again), shape(&d));
}

#[test]
fn a_source_is_relative_to_the_manifest_file_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("servers")).unwrap();
    let text = lobby(r#"    file "/a.txt" { source "../files/a.txt"; }"#);
    let sources = Sources {
        files: vec![("servers/fleet.kdl".into(), text.files[0].1.clone())],
    };
    let d = on_disk(dir.path(), sources, &[("files/a.txt", b"a\n")]).unwrap();
    assert_eq!(
        d.servers["lobby"].files["a.txt"].source,
        FileSource::Source("files/a.txt".into())
    );
}

#[test]
fn every_mistake_is_reported_with_its_place_and_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"    file "/../etc/passwd" { content "x"; }
    file "/a.txt" { source "files/a.txt"; content "x"; }
    file "/b.txt" { }
    file "/c.txt" { source "files/missing.txt"; }
    file "/d.txt" { content "x"; sensitive #true; }
    file "d.txt" { content "y"; }
    file "/e.txt" { contnet "x"; }
    file "config/" { content "x"; }"#;
    let e = on_disk(dir.path(), lobby(body), &[("files/a.txt", b"a")]).unwrap_err();
    let (codes, text) = report(&e);
    let codes: Vec<&str> = codes.iter().map(|(c, _)| c.as_str()).collect();
    for want in [
        "roost::bad-path",
        "roost::conflict",
        "roost::missing-field",
        "roost::source-unreadable",
        "roost::sensitive-inline",
        "roost::duplicate",
        "roost::unknown-field",
    ] {
        assert!(codes.contains(&want), "{want} missing: {codes:?}\n{text}");
    }
    assert_eq!(
        codes.iter().filter(|c| **c == "roost::bad-path").count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("`..` would leave the server's directory"),
        "{text}"
    );
    assert!(text.contains("fleet.kdl:15:"), "{text}");
    assert!(text.contains("did you mean `content`?"), "{text}");
    assert!(text.contains("files/missing.txt"), "{text}");
    assert!(
        text.contains("move it to a file and write `source"),
        "{text}"
    );
}

#[test]
fn an_oversized_source_is_refused_before_it_is_read() {
    let read = |_: &str, limit: u64| Err(roost_manifest::SourceError::TooLarge(limit + 1));
    let options = LoadOptions {
        sources: Some(roost_manifest::SourceReader(&read)),
        ..LoadOptions::default()
    };
    let e = load_with(
        lobby(r#"    file "/world.zip" { source "world.zip"; }"#),
        &options,
    )
    .unwrap_err();
    let (codes, text) = report(&e);
    assert_eq!(codes[0].0, "roost::file-too-large", "{text}");
    assert!(text.contains("100 MiB"), "{text}");
}

#[test]
fn sources_need_a_directory_and_files_are_never_pruned() {
    let e = load_with(
        lobby(r#"    file "/a.txt" { source "a.txt"; }"#),
        &LoadOptions::default(),
    )
    .unwrap_err();
    let (codes, text) = report(&e);
    assert_eq!(codes[0].0, "roost::source-unreadable", "{text}");
    assert!(text.contains("not read from a directory"), "{text}");
    let text = lobby("").files[0]
        .1
        .replace("panel {", "panel { prune \"files\";");
    let e = load_with(
        Sources {
            files: vec![("fleet.kdl".into(), Arc::from(text))],
        },
        &LoadOptions::default(),
    )
    .unwrap_err();
    let (_, text) = report(&e);
    assert!(text.contains("roost never deletes files"), "{text}");
}

#[test]
fn templates_pass_their_files_on_and_the_server_wins() {
    let text = format!(
        r#"template "base" {{
    egg "Paper"
    file "/motd.txt" {{ content "from the template"; }}
    file "/eula.txt" {{ content "eula=true"; }}
}}
{}"#,
        server(
            "lobby",
            25565,
            Some("base"),
            r#"    file "motd.txt" { content "from the server"; }"#
        )
    );
    let d = common::desired(fleet("pelican", &text));
    let files = &d.servers["lobby"].files;
    assert_eq!(
        files["motd.txt"].source,
        FileSource::Content("from the server".into())
    );
    assert_eq!(files["eula.txt"].body.text.as_deref(), Some("eula=true"));
}
