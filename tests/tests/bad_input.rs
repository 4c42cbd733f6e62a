//! Hostile and broken input, run through the `roost` process: every command ends with exit 1
//! and a report naming the place, never with a crash (exit 134, a stack overflow), a panic
//! (exit 101) or a hang.

mod common;

use common::cli::{Run, offline};
use common::p;
use std::path::Path;

/// A manifest directory holding `files`.
fn manifests(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn run(command: &str, dir: &Path) -> Run {
    offline(&[command, p(dir)])
}

/// Exit 1 with a manifest report holding `code`.
fn refused(run: Run, code: &str, what: &str) -> Run {
    let run = run.expect(1, what);
    assert!(
        run.stderr.contains(&format!("Error: {code}")),
        "{what}: no {code}:\n{}",
        run.show()
    );
    run
}

#[test]
fn deeply_nested_blocks_are_refused_by_every_command() {
    // 1,300 levels inside a `/-` (6.5 KB) aborted validate, fmt, graph and plan with a stack
    // overflow.
    let deep = format!("/-x {}{}\n", "a {".repeat(1_300), "}".repeat(1_300));
    let dir = manifests(&[("deep.kdl", deep.as_bytes())]);
    for command in ["validate", "fmt", "graph", "plan"] {
        let run = refused(run(command, dir.path()), "roost::too-deep", command);
        assert!(
            run.stderr.contains("blocks are nested more than 64 deep")
                && run.stderr.contains("[deep.kdl:1:"),
            "{command}:\n{}",
            run.show()
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("deep.kdl")).unwrap(),
        deep,
        "fmt left the file alone"
    );
}

#[test]
fn deeply_nested_comments_are_refused() {
    let text = format!("{}{}\n", "/*".repeat(5_000), "*/".repeat(5_000));
    let dir = manifests(&[("deep.kdl", text.as_bytes())]);
    refused(run("validate", dir.path()), "roost::too-deep", "validate");
}

#[test]
fn a_run_of_slashdashes_is_refused_at_once() {
    // `/- /- /- ...` took the parser time cubic in its length (300 of them: 3 s).
    let text = format!("{}a\n", "/- ".repeat(2_000));
    let dir = manifests(&[("dash.kdl", text.as_bytes())]);
    let run = refused(run("validate", dir.path()), "roost::kdl-syntax", "validate");
    assert!(
        run.stderr.contains("right after another `/-`"),
        "{}",
        run.show()
    );
}

#[test]
fn thousands_of_parse_errors_in_a_row_do_not_exhaust_the_stack() {
    // The parser recurses once per error it recovers from: 60,000 stray `)` overflowed the
    // main thread's 8 MiB.
    let text = format!("location \"fra\" {{\n}}\n{}\n", ")".repeat(60_000));
    let dir = manifests(&[("junk.kdl", text.as_bytes())]);
    let run = refused(run("validate", dir.path()), "roost::kdl-syntax", "validate");
    assert!(run.stderr.contains("[junk.kdl:3:"), "{}", run.show());
}

/// A fleet of `servers` servers from template `t` (written after `head`), on one node.
fn fleet(template: &str, servers: usize) -> String {
    let head = format!(
        r#"panel {{ dialect "pterodactyl"; }}
location "fra" {{ description "Frankfurt"; }}
node "fra-1" {{ location "fra"; fqdn "fra-1.example.com"; memory "320GiB"; disk "5000GiB"; allocations "10.0.0.5" "20000-26000"; }}
user "alice" {{ email "alice@example.com"; first-name "Alice"; last-name "Liddell"; }}
template "t" {{ owner "alice"; node "fra-1"; egg "Paper" nest="Minecraft"; limits memory=1024 disk=1024; {template} }}
"#
    );
    let servers: String = (0..servers)
        .map(|i| {
            format!(
                "server \"s{i}\" from=\"t\" {{ allocation {}; }}\n",
                20_000 + i
            )
        })
        .collect();
    head + &servers
}

#[test]
fn six_thousand_undefined_dependencies_are_reported_in_linear_time() {
    // Each "not declared" built the list of every address and scored each against the name:
    // 6,000 servers depending on a misspelt server took 91 s.
    let dir = manifests(&[(
        "fleet.kdl",
        fleet(
            "depends-on \"server.s1x\" \"allocation.fra-1/10.0.0.5:1\";",
            6_000,
        )
        .as_bytes(),
    )]);
    let run = run("validate", dir.path()).expect(1, "validate");
    for missing in ["server `s1x`", "allocation `fra-1/10.0.0.5:1`"] {
        let found = run
            .stderr
            .matches(&format!("depends on {missing}, which is not declared"))
            .count();
        assert_eq!(found, 6_000, "{missing}:\n{}", run.show());
    }
    assert!(
        run.stderr.contains("did you mean \"server.s1\"?"),
        "{}",
        run.show()
    );
}

#[test]
fn six_thousand_duplicates_are_reported_in_linear_time() {
    // A 6,000-server fleet copied into a second file: 6,000 duplicate-declaration errors took
    // 44 s (each label's line was found by scanning its file from the start). This test stays
    // in the suite at full size, so a return to quadratic reporting shows as a suite that
    // takes minutes.
    let head = r#"panel { dialect "pterodactyl"; }
location "fra" { description "Frankfurt"; }
node "fra-1" { location "fra"; fqdn "fra-1.example.com"; memory "320GiB"; disk "5000GiB"; allocations "10.0.0.5" "20000-26000"; }
user "alice" { email "alice@example.com"; first-name "Alice"; last-name "Liddell"; }
template "t" { owner "alice"; node "fra-1"; egg "Paper" nest="Minecraft"; limits memory=1024 disk=1024; }
"#;
    let servers: String = (0..6_000)
        .map(|i| {
            format!(
                "server \"s{i}\" from=\"t\" {{ allocation {}; }}\n",
                20_000 + i
            )
        })
        .collect();
    let dir = manifests(&[
        ("fleet.kdl", format!("{head}{servers}").as_bytes()),
        ("copy.kdl", servers.as_bytes()),
    ]);
    let run = run("validate", dir.path()).expect(1, "validate");
    assert!(
        run.stderr.contains("the manifests have 6000 errors"),
        "{}",
        run.show()
    );
    assert_eq!(run.stderr.matches("Error: roost::duplicate").count(), 6_000);
    for place in ["[fleet.kdl:6005:8]", "[copy.kdl:6000:8]"] {
        assert!(run.stderr.contains(place), "{place}:\n{}", run.show());
    }
}

/// `roost-test ARGS`, killed (and the test failed) if it runs for more than a minute.
fn run_bounded(args: &[&str]) -> Run {
    let mut child = common::cli::command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start roost-test");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("roost {args:?} hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Run::from(child.wait_with_output().expect("output"))
}

const VALID: &str = r#"location "fra" { description "Frankfurt"; }
"#;

#[cfg(unix)]
#[test]
fn a_fifo_named_like_a_manifest_is_skipped_with_a_warning() {
    let dir = manifests(&[("fleet.kdl", VALID.as_bytes())]);
    let fifo = dir.path().join("servers").join("pipe.kdl");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    for command in ["validate", "fmt", "graph"] {
        let run = run_bounded(&[command, p(dir.path())]).expect(0, command);
        assert!(
            run.stderr
                .contains("warning: skipped servers/pipe.kdl: a FIFO, not a regular file"),
            "{command}:\n{}",
            run.show()
        );
    }
}

#[test]
fn a_file_that_is_not_utf8_is_named_with_the_line_of_the_bad_bytes() {
    let mut latin1 = b"location \"fra\" {\n    description \"Frankfurt\"\n}\nlocation \"zrh\" {\n    description \"Z".to_vec();
    latin1.extend([0xFC]); // ü in Latin-1
    latin1.extend(b"rich\"\n}\n");
    let dir = manifests(&[
        ("a.kdl", VALID.as_bytes()),
        ("sites/zurich.kdl", &latin1),
        ("z.kdl", b"bad \xff\xfe\n"),
    ]);
    for command in ["validate", "fmt"] {
        let run = refused(
            run_bounded(&[command, p(dir.path())]),
            "roost::not-utf8",
            command,
        );
        for place in [
            "sites/zurich.kdl is not UTF-8: byte 0xFC at line 5, column 19",
            "[sites/zurich.kdl:5:19]",
            "z.kdl is not UTF-8: byte 0xFF at line 1, column 5",
        ] {
            assert!(
                run.stderr.contains(place),
                "{command}: {place}\n{}",
                run.show()
            );
        }
    }
}
