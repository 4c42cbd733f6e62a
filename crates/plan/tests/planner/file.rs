//! Files: a child kind (`server.lobby/file.PATH`) written through the Client API, compared by
//! size and sha256 (text shown as a diff, binaries and sensitive files as checksums); created or
//! updated, never deleted; a restart after the server's writes when a `restart-on-change` file
//! changes.

use crate::case::*;
use crate::common::{live_server, live_user, server_block, user_block};
use roost_model::{Desired, FileBody, FileSource, Live, LiveFile, ServerLevelRead, sha256_hex};
use roost_plan::render::{TextOptions, markdown, text};

const PROPS: &str = "    file \"/server.properties\" { content \"motd=hi\\nmax-players=20\\n\"; }";
const NEW: &str = "motd=hi\nmax-players=20\n";

fn lobby(d: roost_model::Dialect, extra: &str) -> String {
    format!(
        "{}{}",
        user_block(d, "bob", "bob@example.com", ""),
        server_block(d, "lobby", "bob", 25566, extra)
    )
}

fn with_props(d: roost_model::Dialect) -> String {
    lobby(d, PROPS)
}

fn live_lobby(l: &mut Live) {
    let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
    if l.dialect == PL {
        u.first_name = None;
        u.last_name = None;
    }
    l.users.push(u);
    live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
    l.client_key = true;
    l.server_level
        .insert(7, ServerLevelRead::Read(vec![roost_model::Kind::File]));
}

/// A live file as the reader reports it: the text when `text`, else the checksum of `bytes`
/// (`None`: the size differs, so nothing was read).
fn live_file(l: &mut Live, path: &str, bytes: &[u8], text: bool, sha: bool) {
    l.files.push(LiveFile {
        server_id: 7,
        path: path.into(),
        size: bytes.len() as u64,
        modified_at: "2026-12-04T10:00:00+00:00".into(),
        mode: "644".into(),
        sha256: sha.then(|| sha256_hex(bytes)),
        text: text.then(|| String::from_utf8(bytes.to_vec()).unwrap()),
    });
}

const JAR: &[u8] = b"PK\x03\x04\x00jar-v2";

/// `server.properties` becomes a binary `plugins/x.jar` read from a source (the manifest
/// language reads sources from disk; the planner only sees the loaded body).
fn binary(d: &mut Desired) {
    let files = &mut d.servers.get_mut("lobby").unwrap().files;
    let mut f = files.remove("server.properties").unwrap();
    f.path = "plugins/x.jar".into();
    f.source = FileSource::Source("files/x.jar".into());
    f.body = FileBody::of(JAR);
    files.insert(f.path.clone(), f);
}

fn sensitive(d: &mut Desired) {
    let f = d
        .servers
        .get_mut("lobby")
        .unwrap()
        .files
        .get_mut("server.properties")
        .unwrap();
    f.source = FileSource::Source("secrets/server.properties".into());
    f.sensitive = true;
}

fn restarting(d: roost_model::Dialect) -> String {
    lobby(
        d,
        &format!(
            "{}\n    file \"/eula.txt\" {{ content \"eula=true\"; restart-on-change #true; }}",
            PROPS
        ),
    )
}

cases! {
    a_declared_file_is_written: Case {
        kdl: with_props,
        live: live_lobby,
        plan: &["+ server.lobby/file.server.properties [file write]"],
        check: |p| {
            let op = op(p, "server.lobby/file.server.properties", 0);
            assert_eq!(op["path"], "server.properties");
            assert_eq!(op["identifier"], "srv00007");
            assert_eq!(op["uuid"], "uuid-server-7");
            assert_eq!(op["content"], serde_json::json!({"from": "content", "text": NEW}));
            assert_eq!(op["sha256"], sha256_hex(NEW.as_bytes()));
            let c = crate::common::change(p, "server.lobby/file.server.properties");
            assert_eq!(c.calls[0].to_string(), "POST /client/servers/srv00007/files/write");
            let shown = text(p, TextOptions::default());
            assert!(shown.contains("+motd=hi"), "{shown}");
        },
        ..CASE
    };
    the_same_text_is_never_written_again_pterodactyl: Case {
        kdl: with_props,
        live: |l| { live_lobby(l); live_file(l, "server.properties", NEW.as_bytes(), true, true); },
        ..CASE
    };
    the_same_text_is_never_written_again_pelican: Case {
        dialect: PL,
        kdl: with_props,
        // Settled by a cached checksum: no text was read.
        live: |l| { live_lobby(l); live_file(l, "server.properties", NEW.as_bytes(), false, true); },
        ..CASE
    };
    an_edited_text_shows_a_unified_diff: Case {
        kdl: with_props,
        live: |l| { live_lobby(l); live_file(l, "server.properties", b"motd=old\nmax-players=20\n", true, true); },
        plan: &["~ server.lobby/file.server.properties [file write]"],
        attrs: &["server.lobby/file.server.properties content: \"motd=old\\nmax-players=20\\n\" -> \"motd=hi\\nmax-players=20\\n\""],
        check: |p| {
            let shown = text(p, TextOptions::default());
            assert!(shown.contains("@@ -1,2 +1,2 @@"), "{shown}");
            assert!(shown.contains("-motd=old"), "{shown}");
            assert!(shown.contains("+motd=hi"), "{shown}");
            assert!(shown.contains(" max-players=20"), "{shown}");
            let md = markdown(p, roost_plan::render::MARKDOWN_BUDGET);
            assert!(md.contains("--- a/server.properties\n+++ b/server.properties\n@@ -1,2 +1,2 @@\n-motd=old\n+motd=hi\n max-players=20\n"), "{md}");
        },
        ..CASE
    };
    a_binary_of_another_size_shows_size_and_checksum_unread: Case {
        kdl: with_props,
        desired: binary,
        live: |l| { live_lobby(l); live_file(l, "plugins/x.jar", b"PK\x03\x04old", false, false); },
        plan: &["~ server.lobby/file.plugins/x.jar [file write]"],
        check: |p| {
            let lines = attr_lines(p);
            assert!(lines.contains(&"server.lobby/file.plugins/x.jar size: 7 -> 11".to_string()), "{lines:?}");
            assert!(lines.iter().any(|l| l.starts_with("server.lobby/file.plugins/x.jar sha256: \"not read (the size differs)\" -> \"")), "{lines:?}");
            let op = op(p, "server.lobby/file.plugins/x.jar", 0);
            assert_eq!(op["content"], serde_json::json!({"from": "source", "source": "files/x.jar"}));
        },
        ..CASE
    };
    a_binary_of_the_same_size_compares_by_checksum: Case {
        dialect: PL,
        kdl: with_props,
        desired: binary,
        live: |l| { live_lobby(l); live_file(l, "plugins/x.jar", b"PK\x03\x04\x00jar-v1", false, true); },
        plan: &["~ server.lobby/file.plugins/x.jar [file write]"],
        check: |p| {
            let lines = attr_lines(p);
            assert_eq!(lines.len(), 1, "{lines:?}");
            assert!(lines[0].contains(&sha256_hex(b"PK\x03\x04\x00jar-v1")), "{lines:?}");
            assert!(lines[0].contains(&sha256_hex(JAR)), "{lines:?}");
        },
        ..CASE
    };
    an_unchanged_binary_is_no_change: Case {
        kdl: with_props,
        desired: binary,
        live: |l| { live_lobby(l); live_file(l, "plugins/x.jar", JAR, false, true); },
        ..CASE
    };
    a_sensitive_file_shows_checksums_only: Case {
        kdl: with_props,
        desired: sensitive,
        live: |l| { live_lobby(l); live_file(l, "server.properties", b"motd=secret-old\n", false, true); },
        plan: &["~ server.lobby/file.server.properties [file write]"],
        check: |p| {
            let json = serde_json::to_string(p).unwrap();
            assert!(!json.contains("motd="), "{json}");
            assert!(json.contains(&sha256_hex(NEW.as_bytes())), "{json}");
            let shown = text(p, TextOptions::default());
            assert!(!shown.contains("motd="), "{shown}");
            let op = op(p, "server.lobby/file.server.properties", 0);
            assert_eq!(op["content"]["source"], "secrets/server.properties");
        },
        ..CASE
    };
    restart_on_change_restarts_after_all_writes: Case {
        kdl: restarting,
        live: live_lobby,
        plan: &[
            "+ server.lobby/file.eula.txt [file write]",
            "+ server.lobby/file.server.properties [file write]",
            "~ server.lobby/file./ (restart) [file restart]",
        ],
        check: |p| {
            let c = crate::common::change(p, "server.lobby/file./");
            let deps: Vec<String> = c.depends_on.iter().map(|a| a.to_string()).collect();
            assert_eq!(deps, ["server.lobby/file.eula.txt", "server.lobby/file.server.properties"]);
            assert_eq!(c.calls[0].to_string(), "POST /client/servers/srv00007/power");
            assert!(c.warnings[0].contains("restarts server `lobby` after writing /eula.txt"), "{:?}", c.warnings);
        },
        ..CASE
    };
    no_restart_when_the_restarting_file_is_unchanged: Case {
        kdl: restarting,
        live: |l| {
            live_lobby(l);
            live_file(l, "eula.txt", b"eula=true", true, true);
        },
        plan: &["+ server.lobby/file.server.properties [file write]"],
        ..CASE
    };
    an_empty_file_cannot_be_written_on_pterodactyl: Case {
        kdl: |d| lobby(d, "    file \"/empty.txt\" { content \"\"; }"),
        live: live_lobby,
        error: Some("roost::empty-file"),
        ..CASE
    };
    an_empty_file_is_written_on_pelican: Case {
        dialect: PL,
        kdl: |d| lobby(d, "    file \"/empty.txt\" { content \"\"; }"),
        live: live_lobby,
        plan: &["+ server.lobby/file.empty.txt [file write]"],
        ..CASE
    };
    ignored_content_is_no_change: Case {
        panel: "    ignore \"file.*.content\"",
        kdl: with_props,
        live: |l| { live_lobby(l); live_file(l, "server.properties", b"motd=theirs\n", true, true); },
        ..CASE
    };
    a_removed_file_block_deletes_nothing: Case {
        panel: "    prune \"servers\"",
        kdl: |d| lobby(d, ""),
        live: |l| { live_lobby(l); live_file(l, "server.properties", NEW.as_bytes(), true, true); },
        ..CASE
    };
    files_without_a_client_key_are_a_plan_error: Case {
        kdl: with_props,
        live: |l| { live_lobby(l); l.client_key = false; },
        error: Some("roost::no-client-key"),
        ..CASE
    };
    files_of_an_installing_server_wait_with_a_message: Case {
        kdl: with_props,
        live: |l| {
            live_lobby(l);
            l.server_level.insert(7, ServerLevelRead::Unreadable("the server is installing (409)".into()));
        },
        error: Some("roost::server-level-unreadable"),
        ..CASE
    };
    a_new_servers_files_follow_its_create: Case {
        dialect: PL,
        kdl: with_props,
        live: |l| {
            let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
            u.first_name = None;
            u.last_name = None;
            l.users.push(u);
            l.client_key = true;
        },
        plan: &[
            "+ server.lobby [server create]",
            "+ server.lobby/file.server.properties [file write]",
        ],
        check: |p| {
            let op = op(p, "server.lobby/file.server.properties", 0);
            assert_eq!(op["server"], "server.lobby");
            assert!(op["identifier"].is_null());
            let c = crate::common::change(p, "server.lobby/file.server.properties");
            assert_eq!(c.depends_on[0].to_string(), "server.lobby");
        },
        ..CASE
    };
}

#[test]
fn only_servers_declaring_files_read_them() {
    let text = format!(
        "{}{}{}",
        crate::common::head(PT, "    prune \"servers\""),
        with_props(PT),
        server_block(PT, "plain", "bob", 25567, "")
    );
    let d = crate::common::desired(&text);
    let mut live = crate::common::panel(PT);
    live_lobby(&mut live);
    live_server(&mut live, 8, "plain", 2, 25567, Some("roost:plain"));
    let reads = roost_plan::server_level_reads(&d, &live);
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0].server_id, 7);
    assert!(
        reads[0].kinds.is_empty(),
        "files are not a listing per kind"
    );
    assert_eq!(reads[0].uuid, "uuid-server-7");
    let f = &reads[0].files[0];
    assert_eq!(
        (f.path.as_str(), f.size),
        ("server.properties", NEW.len() as u64)
    );
    assert!(f.text && f.diff);
}
