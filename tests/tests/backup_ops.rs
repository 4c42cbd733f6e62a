//! `roost backup …` end to end, in both dialects, against the simulator's emulated Wings: a
//! backup created and followed to completion, listed, locked (and so not deletable), unlocked,
//! downloaded through its signed URL, restored, deleted; destructive steps refused without
//! `--yes` in a script.

mod common;

use common::ops::{ops, ready};
use common::panel::Panel;
use roost_sim::Dialect;

fn backups(d: Dialect) {
    let panel = ready(d);
    let run = ops(
        &panel,
        &[
            "backup",
            "create",
            "server.alpha",
            "--name",
            "before-update",
            "--wait",
            "--format",
            "json",
        ],
    )
    .expect(0, "create --wait");
    let created = &run.json()["results"][0]["backup"];
    assert_eq!(created["state"], "completed", "{d}: {}", run.show());
    assert!(
        created["checksum"].as_str().is_some_and(|c| !c.is_empty()),
        "{d}"
    );
    let uuid = created["uuid"].as_str().unwrap().to_string();

    let list = ops(&panel, &["backup", "list", "server.alpha"]).expect(0, "list");
    assert!(
        list.stdout.contains(&uuid) && list.stdout.contains("before-update"),
        "{}",
        list.show()
    );

    let lock = ops(
        &panel,
        &[
            "backup",
            "lock",
            "server.alpha",
            "before-update",
            "--format",
            "json",
        ],
    )
    .expect(0, "lock")
    .json();
    assert_eq!(
        (
            &lock["action"],
            &lock["backup"]["locked"],
            &lock["backup"]["uuid"]
        ),
        (&"locked".into(), &true.into(), &uuid.as_str().into()),
        "{d}: {lock}"
    );
    let locked = ops(
        &panel,
        &["backup", "delete", "server.alpha", &uuid, "--yes"],
    )
    .expect(1, "locked");
    assert!(locked.stderr.contains("is locked"), "{}", locked.show());
    ops(&panel, &["backup", "unlock", "server.alpha", &uuid]).expect(0, "unlock");
    download_restore_delete(&panel, d, &uuid);
}

/// The backup downloaded through its signed URL, restored (only with --yes), deleted.
fn download_restore_delete(panel: &Panel, d: Dialect, uuid: &str) {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("alpha.tar.gz");
    let archive_arg = archive.to_str().unwrap();
    let got = ops(
        panel,
        &[
            "backup",
            "download",
            "server.alpha",
            "latest",
            "-o",
            archive_arg,
        ],
    )
    .expect(0, "download");
    assert!(archive.metadata().unwrap().len() > 0, "{d}: {}", got.show());
    assert!(
        !got.stderr.contains("token="),
        "{d}: the signed URL is never printed"
    );

    let refused = ops(panel, &["backup", "restore", "server.alpha", uuid]).expect(1, "no --yes");
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.show());
    ops(
        panel,
        &["backup", "restore", "server.alpha", uuid, "--yes", "--wait"],
    )
    .expect(0, "restore");

    let deleted = ops(
        panel,
        &[
            "backup",
            "delete",
            "server.alpha",
            uuid,
            "--yes",
            "--format",
            "json",
        ],
    )
    .expect(0, "delete")
    .json();
    assert_eq!(deleted["action"], "deleted", "{d}: {deleted}");
    assert_eq!(deleted["format_version"], 1, "{d}: {deleted}");
    let after = ops(
        panel,
        &["backup", "list", "server.alpha", "--format", "json"],
    )
    .expect(0, "list");
    assert_eq!(
        after.json()["servers"][0]["backups"],
        serde_json::json!([]),
        "{d}"
    );
}

#[test]
fn backups_pterodactyl() {
    backups(Dialect::Pterodactyl);
}

#[test]
fn backups_pelican() {
    backups(Dialect::Pelican);
}
