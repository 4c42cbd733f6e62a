//! The file routes through `ClientApi`, both dialects, against a fake daemon with an in-memory
//! disk: every operation and its effect read back, the signed URLs, and how each dialect
//! reports a daemon failure (Pterodactyl passes Wings' status on or 504, Pelican a generic 500).

use crate::client_common::*;
use roost_panel::{
    ArchiveFormat, ChmodEntry, ClientApi, CompressBody, Dialect, PanelError, PowerSignal, PullBody,
    RenameEntry, WingsFailure,
};
use roost_sim::{WingsCall, WingsError};

fn names(list: &[roost_panel::FileObject]) -> Vec<String> {
    let mut n: Vec<String> = list.iter().map(|f| f.name.clone()).collect();
    n.sort();
    n
}

#[tokio::test]
async fn write_read_list_rename_copy_chmod_and_delete() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        c.write_file(&id, "/server.properties", b"motd=hello".to_vec())
            .await
            .unwrap();
        assert_eq!(
            c.file_contents(&id, "/server.properties").await.unwrap(),
            b"motd=hello",
            "{d}"
        );
        c.create_folder(&id, "/", "plugins").await.unwrap();
        let root = c.list_files(&id, "/").await.unwrap();
        assert_eq!(names(&root), ["plugins", "server.properties"], "{d}");
        let folder = root.iter().find(|f| f.name == "plugins").unwrap();
        assert!(!folder.is_file);
        let file = root.iter().find(|f| f.name == "server.properties").unwrap();
        assert_eq!((file.size, file.is_file), (10, true));
        let rename = [RenameEntry {
            from: "server.properties".into(),
            to: "old.properties".into(),
        }];
        c.rename_files(&id, "/", &rename).await.unwrap();
        c.copy_file(&id, "/old.properties").await.unwrap();
        let root = c.list_files(&id, "/").await.unwrap();
        assert_eq!(
            names(&root),
            ["old copy.properties", "old.properties", "plugins"],
            "{d}"
        );
        let chmod = [ChmodEntry {
            file: "old.properties".into(),
            mode: 0o600,
        }];
        c.chmod_files(&id, "/", &chmod).await.unwrap();
        assert_eq!(p.disk.file("/old.properties").unwrap().1, 0o600, "{d}");
        c.delete_files(&id, "/", &["old copy.properties".into()])
            .await
            .unwrap();
        let root = c.list_files(&id, "/").await.unwrap();
        assert_eq!(names(&root), ["old.properties", "plugins"], "{d}: deleted");
        p.shutdown().await;
    }
}

#[tokio::test]
async fn compress_decompress_pull_and_signed_urls() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        c.write_file(&id, "/world/level.dat", b"lvl".to_vec())
            .await
            .unwrap();
        let archive = c
            .compress_files(
                &id,
                &CompressBody {
                    root: "/world".into(),
                    files: vec!["level.dat".into()],
                    name: None,
                    format: Some(ArchiveFormat::TarGz),
                },
            )
            .await
            .unwrap();
        assert!(archive.name.ends_with(".tar.gz"), "{d}: {}", archive.name);
        let listed = c.list_files(&id, "/world").await.unwrap();
        assert!(names(&listed).contains(&archive.name), "{d}");
        c.decompress_file(&id, "/world", &archive.name)
            .await
            .unwrap();
        let unpacked = format!("/world/{}.d/unpacked.txt", archive.name);
        assert!(p.disk.file(&unpacked).is_some(), "{d}: decompressed");
        c.pull_file(
            &id,
            &PullBody {
                url: "https://example.com/plugin.jar".into(),
                directory: Some("/plugins".into()),
                filename: Some("plugin.jar".into()),
                use_header: false,
                foreground: false,
            },
        )
        .await
        .unwrap();
        assert!(p.disk.file("/plugins/plugin.jar").is_some(), "{d}: pulled");
        let down = c.file_download_url(&id, "/world/level.dat").await.unwrap();
        assert!(
            down.expose().contains("/download/file?token="),
            "{d}: {}",
            down.expose()
        );
        let up = c.file_upload_url(&id).await.unwrap();
        assert!(up.expose().contains("/upload/file?token="), "{d}");
        // The signed URLs are secrets: never shown in a debug print.
        assert!(!format!("{down:?}").contains("token="), "{d}");
        p.shutdown().await;
    }
}

/// A daemon refusing (4xx), failing (5xx) and unreachable, on a file route, per dialect.
#[tokio::test]
async fn daemon_failures_on_file_routes_are_typed_per_dialect() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        p.disk.fail("write", status(403, "present in egg denylist"));
        let e = c
            .write_file(&id, "/eula.txt", b"x".to_vec())
            .await
            .unwrap_err();
        match d {
            Dialect::Pterodactyl => {
                let refused = WingsFailure::Refused { wings_status: 403 };
                assert!(wings_failure(&e, 403, refused), "{e:?}");
                assert!(e.to_string().contains("denylist"), "{e}");
            }
            Dialect::Pelican => assert!(wings_failure(&e, 500, WingsFailure::Unspecified)),
        }
        p.disk.heal();
        p.disk.fail("list-directory", status(500, "disk on fire"));
        let e = c.list_files(&id, "/").await.unwrap_err();
        let failed = match d {
            Dialect::Pterodactyl => WingsFailure::Failed { wings_status: 500 },
            Dialect::Pelican => WingsFailure::Unspecified,
        };
        assert!(wings_failure(&e, 500, failed), "{d}: {e:?}");
        p.disk.heal();
        p.disk.fail("delete", WingsError::Unreachable);
        let e = c.delete_files(&id, "/", &["a".into()]).await.unwrap_err();
        let expected = if d == Dialect::Pterodactyl { 504 } else { 500 };
        assert!(
            matches!(e, PanelError::DaemonUnreachable { status, .. } if status == expected),
            "{d}: {e:?}"
        );
        // Wings unreachable: a read is tried again (the client allows 2 retries here), a
        // write is not (it may have reached Wings before the connection failed).
        p.disk.fail("list-directory", WingsError::Unreachable);
        let before = p.logged("GET", "/files/list");
        let e = c.list_files(&id, "/").await.unwrap_err();
        assert!(
            matches!(e, PanelError::DaemonUnreachable { status, .. } if status == expected),
            "{d}: {e:?}"
        );
        assert_eq!(
            p.logged("GET", "/files/list") - before,
            3,
            "{d}: tried 3 times"
        );
        p.disk.fail("copy", WingsError::Unreachable);
        let before = p.logged("POST", "/files/copy");
        let e = c.copy_file(&id, "/eula.txt").await.unwrap_err();
        assert_eq!(
            p.logged("POST", "/files/copy") - before,
            1,
            "{d}: sent once: {e}"
        );
        p.shutdown().await;
    }
}

pub fn status(status: u16, error: &str) -> WingsError {
    WingsError::Status {
        status,
        error: error.into(),
        request_id: Some("req-1".into()),
    }
}

pub fn wings_failure(e: &PanelError, status_is: u16, failure_is: WingsFailure) -> bool {
    matches!(e, PanelError::Wings { status, failure, .. } if *status == status_is && *failure == failure_is)
}

/// Power, console and backups through a failing daemon: the same shapes, and a refused command
/// to a stopped server is Pterodactyl's 502 (Pelican swallows it).
#[tokio::test]
async fn daemon_failures_on_power_command_and_backups() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c: ClientApi = p.owner();
        let id = p.ident();
        p.disk.fail("power", WingsError::Unreachable);
        // Unreachable or timed out (the panels say the same for both): the signal may have
        // arrived, so it is reported as unknown, naming the daemon, and not sent again.
        let e = c.power(&id, PowerSignal::Start).await.unwrap_err();
        assert!(matches!(e, PanelError::Ambiguous { .. }), "{d}: {e:?}");
        assert!(
            e.to_string().contains("could not reach the node daemon"),
            "{e}"
        );
        assert_eq!(p.logged("POST", "/power"), 1, "{d}: power is never re-sent");
        p.disk.fail(
            "command",
            status(502, "Cannot send commands to a stopped server instance."),
        );
        let r = c.command(&id, "list").await;
        match d {
            Dialect::Pterodactyl => {
                let e = r.unwrap_err();
                assert!(
                    matches!(
                        e,
                        PanelError::Wings {
                            failure: WingsFailure::ServerOffline,
                            status: 502,
                            ..
                        }
                    ),
                    "{e:?}"
                );
            }
            Dialect::Pelican => r.unwrap(),
        }
        p.disk.fail("backup", status(500, "no space left"));
        let e = c.create_backup(&id, &Default::default()).await.unwrap_err();
        // A failed create leaves no backup: re-read, sent again once (the throttle allows two
        // per 600 s), then reported with the daemon's failure, not only the throttle.
        let PanelError::NotResent { cause, reread, .. } = &e else {
            panic!("{d}: {e:?}")
        };
        let named = match d {
            Dialect::Pterodactyl => "failed with 500",
            Dialect::Pelican => "answered an error the panel does not show",
        };
        assert!(cause.contains(named), "{d}: {cause}");
        assert!(reread.contains("the backup throttle"), "{d}: {reread}");
        assert_eq!(p.logged("POST", "/backups"), 2, "{d}");
        assert!(c.backups(&id).await.unwrap().backups.is_empty(), "{d}");
        let tries = p
            .disk
            .calls()
            .iter()
            .filter(|c| matches!(c, WingsCall::Backup { .. }))
            .count();
        assert_eq!(tries, 2, "{d}");
        p.shutdown().await;
    }
}
