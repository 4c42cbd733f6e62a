//! Files end to end, in both dialects, through the Client API with the admin's client key:
//! text, binary, inline and sensitive files are written, then a plan shows no changes and reads
//! nothing but the listings (the checksum cache); edits of each converge; a file changed behind
//! roost's back shows in `plan` and `drift`; `restart-on-change` restarts a running server
//! after the writes; a sensitive file's content is never shown; a server still installing makes
//! its files wait; a path in the egg's denylist fails with an error naming server and file;
//! removing a file block deletes nothing.

mod common;

use common::cli::Run;
use common::manifests::Fleet;
use common::panel::Panel;
use common::{fleet, p};
use roost_sim::Dialect;
use std::path::Path;

const PT: Dialect = Dialect::Pterodactyl;
const PL: Dialect = Dialect::Pelican;

const SECRET_LINE: &str = "token: s3cret-file-content";

const FILES: &str = r#"    file "/server.properties" {
        source "files/server.properties"
        restart-on-change #true
    }
    file "/plugins/x.jar" { source "files/x.jar"; }
    file "/motd.txt" { content "hello\n"; }
    file "/config/secret.yml" {
        source "files/secret.yml"
        sensitive #true
    }
"#;

fn jar(version: u8) -> Vec<u8> {
    let mut b: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    b[100] = version;
    b
}

/// The fixture fleet with the lobby declaring `blocks`, and the sources beside it.
fn with_files(dialect: Dialect, blocks: &str) -> Fleet {
    let f = Fleet::copy(&fleet(dialect));
    f.edit(
        "servers.kdl",
        "    allocation 25565\n",
        &format!("    allocation 25565\n{blocks}"),
    );
    let files = f.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(
        files.join("server.properties"),
        "motd=Lobby\nmax-players=20\n",
    )
    .unwrap();
    std::fs::write(files.join("x.jar"), jar(1)).unwrap();
    std::fs::write(files.join("secret.yml"), format!("{SECRET_LINE}\n")).unwrap();
    f
}

/// `roost files ARGS --dir DIR` with the admin's client key: the file manager, outside apply.
fn files(panel: &Panel, dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["files"];
    all.extend_from_slice(args);
    all.extend(["--dir", p(dir)]);
    let token = panel.sim.client_token();
    panel.roost_env(&all, &[("ROOST_CLIENT_TOKEN", &token)])
}

fn read_back(panel: &Panel, dir: &Path, path: &str) -> Vec<u8> {
    let out = tempfile::tempdir().unwrap();
    let to = out.path().join("back");
    files(panel, dir, &["get", "server.lobby", path, "-o", p(&to)]).expect(0, "files get");
    std::fs::read(to).unwrap()
}

/// Requests since `from` in the sim's log that read file content.
fn content_reads(panel: &Panel, from: usize) -> Vec<String> {
    panel.log()[from..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .filter(|r| {
            r.contains("/files/contents")
                || r.contains("/download/file")
                || r.contains("/files/download")
        })
        .collect()
}

fn no_secret(run: &Run) {
    assert!(
        !run.stdout.contains("s3cret") && !run.stderr.contains("s3cret"),
        "{}",
        run.show()
    );
}

fn written_then_unchanged(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_files(dialect, FILES);
    let plan = panel.roost(&["plan", p(f.path())]).expect(0, "plan");
    no_secret(&plan);
    for created in [
        "file.server.properties",
        "file.plugins/x.jar",
        "file.motd.txt",
        "file.config/secret.yml",
    ] {
        assert!(
            plan.stdout
                .contains(&format!("server.lobby/{created} will be created")),
            "{created}\n{}",
            plan.show()
        );
    }
    assert!(plan.stdout.contains("+motd=Lobby"), "{}", plan.show());
    let json = panel
        .roost(&["plan", p(f.path()), "--format", "json"])
        .expect(0, "plan json");
    no_secret(&json);
    no_secret(&panel.apply_ok(f.path()));
    assert_eq!(
        read_back(&panel, f.path(), "server.properties"),
        b"motd=Lobby\nmax-players=20\n"
    );
    assert_eq!(
        read_back(&panel, f.path(), "plugins/x.jar"),
        jar(1),
        "{dialect}: binary safe"
    );
    assert_eq!(read_back(&panel, f.path(), "motd.txt"), b"hello\n");
    assert_eq!(
        read_back(&panel, f.path(), "config/secret.yml"),
        format!("{SECRET_LINE}\n").as_bytes()
    );
    // The next plan settles every file from the listings and the checksum cache.
    let from = panel.log().len();
    panel.assert_converged(f.path(), "after the writes");
    assert_eq!(
        content_reads(&panel, from),
        Vec::<String>::new(),
        "{dialect}: nothing read again"
    );

    // Edits of each: text (a diff), binary of the same size (checksums), sensitive (checksums).
    std::fs::write(
        f.path().join("files/server.properties"),
        "motd=Welcome\nmax-players=20\n",
    )
    .unwrap();
    std::fs::write(f.path().join("files/x.jar"), jar(2)).unwrap();
    std::fs::write(f.path().join("files/secret.yml"), "token: s3cret-rotated\n").unwrap();
    f.edit(
        "servers.kdl",
        "content \"hello\\n\"",
        "content \"hello again\\n\"",
    );
    let plan = panel.plan_detailed(f.path(), &[]);
    assert_eq!(plan.code, Some(2), "{}", plan.show());
    no_secret(&plan);
    for shown in [
        "-motd=Lobby",
        "+motd=Welcome",
        " max-players=20",
        "-hello",
        "+hello again",
        "~ sha256",
    ] {
        assert!(plan.stdout.contains(shown), "{shown}\n{}", plan.show());
    }
    assert!(
        plan.stdout.contains("server.lobby/file./ will be updated"),
        "{}",
        plan.show()
    );
    no_secret(&panel.apply_ok(f.path()));
    assert_eq!(read_back(&panel, f.path(), "plugins/x.jar"), jar(2));
    assert_eq!(
        read_back(&panel, f.path(), "config/secret.yml"),
        b"token: s3cret-rotated\n"
    );
    panel.assert_converged(f.path(), "after the edits");

    // Drift: the file changed behind roost's back (the file manager, not apply).
    let local = f.path().join("theirs.properties");
    std::fs::write(&local, "motd=Theirs\nmax-players=20\n").unwrap();
    files(
        &panel,
        f.path(),
        &["put", "server.lobby", p(&local), "server.properties"],
    )
    .expect(0, "put");
    let plan = panel.plan_detailed(f.path(), &[]);
    assert_eq!(plan.code, Some(2), "{}", plan.show());
    assert!(
        plan.stdout.contains("-motd=Theirs") && plan.stdout.contains("+motd=Welcome"),
        "{}",
        plan.show()
    );
    let drift = panel.roost(&["drift", p(f.path())]);
    assert_eq!(drift.code, Some(3), "{}", drift.show());
    panel.apply_ok(f.path());
    assert_eq!(
        read_back(&panel, f.path(), "server.properties"),
        b"motd=Welcome\nmax-players=20\n"
    );
    panel.assert_converged(f.path(), "after repairing the drift");

    // Removing the blocks deletes nothing.
    f.edit(
        "servers.kdl",
        &FILES.replace("\"hello\\n\"", "\"hello again\\n\""),
        "",
    );
    panel.assert_converged(f.path(), "without the file blocks");
    assert_eq!(read_back(&panel, f.path(), "motd.txt"), b"hello again\n");
}

#[test]
fn files_are_written_once_edited_and_repaired_on_pterodactyl() {
    written_then_unchanged(PT);
}

#[test]
fn files_are_written_once_edited_and_repaired_on_pelican() {
    written_then_unchanged(PL);
}

fn restart_on_change(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    panel.mutate(|s| {
        s.settings.wings.start_ms = 300;
        s.settings.wings.stop_ms = 300;
    });
    let f = with_files(dialect, FILES);
    panel.apply_ok(f.path());
    let token = panel.sim.client_token();
    panel
        .roost_env(
            &[
                "server",
                "power",
                "server.lobby",
                "start",
                "--wait",
                "--timeout",
                "20s",
                "--dir",
                p(f.path()),
            ],
            &[("ROOST_CLIENT_TOKEN", &token)],
        )
        .expect(0, "start the lobby");
    // Past the panel's 20-second cache of the server's state.
    panel.sim.advance_clock(std::time::Duration::from_secs(21));
    let from = panel.log().len();
    std::fs::write(f.path().join("files/server.properties"), "motd=Restarted\n").unwrap();
    let run = panel.apply_ok(f.path());
    let log: Vec<String> = panel.log()[from..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let write = log
        .iter()
        .position(|r| r.starts_with("POST") && r.contains("/files/write"));
    let restart = log
        .iter()
        .position(|r| r.starts_with("POST") && r.ends_with("/power"));
    assert!(
        write.is_some() && restart.is_some(),
        "{log:#?}\n{}",
        run.show()
    );
    assert!(write < restart, "the restart follows the write: {log:#?}");
    // An unchanged file restarts nothing.
    let from = panel.log().len();
    panel.assert_converged(f.path(), "after the restart");
    assert!(
        !panel.log()[from..]
            .iter()
            .any(|r| r.path.ends_with("/power"))
    );
}

#[test]
fn restart_on_change_restarts_after_the_writes_on_pterodactyl() {
    restart_on_change(PT);
}

#[test]
fn restart_on_change_restarts_after_the_writes_on_pelican() {
    restart_on_change(PL);
}

fn installing(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    panel.mutate(|s| s.settings.install_ms = 3_600_000);
    let bare = Fleet::copy(&fleet(dialect));
    panel.apply_ok(bare.path());
    let f = with_files(dialect, FILES);
    let plan = panel.roost(&["plan", p(f.path())]);
    assert_eq!(plan.code, Some(1), "{}", plan.show());
    assert!(
        plan.stderr.contains("roost::server-level-unreadable") && plan.stderr.contains("install"),
        "{}",
        plan.show()
    );
    if dialect == PT {
        // Pterodactyl answers the listing with 409; Pelican lets the admin list, and the
        // planner waits on the panel's install state instead.
        assert!(
            panel
                .log()
                .iter()
                .any(|r| r.path.contains("/files/list") && r.status == 409)
        );
    }
    panel
        .sim
        .advance_clock(std::time::Duration::from_secs(3_601));
    panel.apply_ok(f.path());
    panel.assert_converged(f.path(), "after the install");
}

#[test]
fn files_of_a_server_still_installing_wait_on_pterodactyl() {
    installing(PT);
}

#[test]
fn files_of_a_server_still_installing_wait_on_pelican() {
    installing(PL);
}

fn denylisted(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    panel.mutate(|s| {
        for egg in s.eggs.values_mut() {
            egg.file_denylist = serde_json::json!(["*.secret"]);
        }
    });
    let f = with_files(
        dialect,
        "    file \"/keys/api.secret\" { content \"k\"; }\n",
    );
    let run = panel.apply(f.path(), &["--auto-approve"]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("writing /keys/api.secret of server `lobby` failed"),
        "{}",
        run.show()
    );
    if dialect == PT {
        assert!(all.contains("denylist"), "{}", run.show());
    }
}

#[test]
fn a_denylisted_path_fails_naming_server_and_file_on_pterodactyl() {
    denylisted(PT);
}

#[test]
fn a_denylisted_path_fails_naming_server_and_file_on_pelican() {
    denylisted(PL);
}

fn import_round_trip(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_files(dialect, FILES);
    panel.apply_ok(f.path());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("imported");
    // Without --files no file is imported.
    let plain = out.path().join("plain");
    panel
        .roost(&["import", "--out", p(&plain)])
        .expect(0, "import");
    let text = common::manifests::read_tree(&plain)
        .into_values()
        .collect::<String>();
    assert!(!text.contains("file \""), "{text}");
    let run = panel.roost(&[
        "import",
        "--out",
        p(&dir),
        "--files",
        "server.properties,config/*.yml,plugins/*.jar,nothing/*.txt",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert!(
        run.stderr.contains("/plugins/x.jar: not a text file"),
        "{}",
        run.show()
    );
    let text = common::manifests::read_tree(&dir)
        .into_values()
        .collect::<String>();
    assert!(
        text.contains("file \"/server.properties\"")
            && text.contains("source \"files/lobby/server.properties\"")
            && text.contains("file \"/config/secret.yml\""),
        "{text}"
    );
    assert!(
        !text.contains("motd.txt") && !text.contains("x.jar"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("files/lobby/server.properties")).unwrap(),
        "motd=Lobby\nmax-players=20\n"
    );
    // The imported files plan as they are.
    let plan = panel.roost(&["plan", p(&dir)]);
    assert_eq!(plan.code, Some(0), "{}", plan.show());
    assert!(!plan.stdout.contains("file."), "{}", plan.show());
}

#[test]
fn import_writes_the_files_asked_for_on_pterodactyl() {
    import_round_trip(PT);
}

#[test]
fn import_writes_the_files_asked_for_on_pelican() {
    import_round_trip(PL);
}

#[test]
fn a_saved_plan_applies_its_sources_only_while_their_checksums_hold() {
    for dialect in [PT, PL] {
        let panel = Panel::with_client_key(dialect);
        let f = with_files(dialect, FILES);
        let out = tempfile::tempdir().unwrap();
        let saved = out.path().join("plan.json");
        panel
            .roost(&["plan", p(f.path()), "-o", p(&saved)])
            .expect(0, "plan -o");
        let json = std::fs::read_to_string(&saved).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        // The sensitive source changed after the plan: its write is refused, nothing written.
        std::fs::write(f.path().join("files/secret.yml"), "token: s3cret-newer\n").unwrap();
        let run = panel.roost(&["apply", p(&saved), "--auto-approve"]);
        assert_eq!(run.code, Some(1), "{}", run.show());
        no_secret(&run);
        assert!(
            run.stderr.contains("changed since the plan was made")
                || run.stdout.contains("changed since the plan was made"),
            "{}",
            run.show()
        );
        let out_dir = tempfile::tempdir().unwrap();
        let to = out_dir.path().join("back");
        files(
            &panel,
            f.path(),
            &["get", "server.lobby", "config/secret.yml", "-o", p(&to)],
        )
        .expect(1, "the stale write did not happen");
        // The other files of the plan were written as planned.
        assert_eq!(read_back(&panel, f.path(), "motd.txt"), b"hello\n");
    }
}

fn disk_full(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_files(
        dialect,
        "    file \"/world/big.bin\" { source \"files/big.bin\"; }\n",
    );
    f.edit("servers.kdl", "disk=\"10GiB\" cpu=100\n    features databases=0 allocations=0 backups=1\n    allocation 25565", "disk=\"1MiB\" cpu=100\n    features databases=0 allocations=0 backups=1\n    allocation 25565");
    std::fs::write(f.path().join("files/big.bin"), vec![7u8; 2 * 1024 * 1024]).unwrap();
    let run = panel.apply(f.path(), &["--auto-approve"]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("writing /world/big.bin of server `lobby` failed"),
        "{}",
        run.show()
    );
    if dialect == PT {
        // Pelican's panel reports every daemon failure as a generic 500.
        assert!(all.contains("disk is full"), "{}", run.show());
    }
}

#[test]
fn a_full_disk_fails_naming_server_and_file_on_pterodactyl() {
    disk_full(PT);
}

#[test]
fn a_full_disk_fails_naming_server_and_file_on_pelican() {
    disk_full(PL);
}
