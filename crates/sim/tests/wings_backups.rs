//! Backups through the emulated Wings: created in the background (pending → completed on the
//! sim's clock, with the daemon's checksum and size), locked, deleted, downloaded once and
//! restored (409 while the restore runs, the files back as they were).

mod common;

use common::both;
use common::client::{World, world};
use reqwest::Method;
use serde_json::{Value, json};

fn no_throttle(w: &World) {
    w.t.sim.mutate(|s| s.settings.backup_throttle_period = 0);
}

async fn write(w: &World, file: &str, content: &str) {
    let url = format!("{}{}", w.t.sim.url(), w.srv("/files/write"));
    let r =
        w.t.c
            .post(url)
            .query(&[("file", file)])
            .bearer_auth(&w.owner_key)
            .header("Content-Type", "text/plain")
            .body(content.to_string())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 204);
}

async fn create(w: &World) -> Value {
    let r = w
        .post(&w.owner_key, &w.srv("/backups"), json!({"name": "nightly"}))
        .await;
    assert_eq!(r.code(), 200, "{}", r.text);
    r.json()["attributes"].clone()
}

async fn get(w: &World, uuid: &str) -> Value {
    let r = w
        .get(&w.owner_key, &w.srv(&format!("/backups/{uuid}")))
        .await;
    assert_eq!(r.code(), 200, "{}", r.text);
    r.json()["attributes"].clone()
}

async fn completed(w: &World) -> String {
    let b = create(w).await;
    w.advance(6);
    let uuid = b["uuid"].as_str().unwrap().to_string();
    assert_eq!(get(w, &uuid).await["is_successful"], true);
    uuid
}

#[tokio::test]
async fn a_backup_completes_on_the_clock_with_checksum_and_size() {
    for d in both() {
        let w = world(d).await;
        write(&w, "world/level.dat", "level").await;
        let b = create(&w).await;
        assert_eq!(
            (
                &b["is_successful"],
                &b["checksum"],
                &b["bytes"],
                &b["completed_at"]
            ),
            (&json!(false), &Value::Null, &json!(0), &Value::Null),
            "{d}"
        );
        let uuid = b["uuid"].as_str().unwrap();
        w.advance(4);
        assert_eq!(
            get(&w, uuid).await["completed_at"],
            Value::Null,
            "{d}: still running"
        );
        w.advance(2);
        let done = get(&w, uuid).await;
        assert_eq!(done["is_successful"], true, "{d}");
        let checksum = done["checksum"].as_str().unwrap();
        assert!(
            checksum.starts_with("sha1:") && checksum.len() == 45,
            "{checksum}"
        );
        assert!(done["bytes"].as_i64().unwrap() > 5, "{d}");
        assert!(done["completed_at"].is_string());
        let r = w.get(&w.owner_key, &w.srv("/backups")).await;
        assert_eq!(r.json()["meta"]["backup_count"], 1);
    }
}

#[tokio::test]
async fn locked_backups_stay_and_unlocked_ones_go() {
    for d in both() {
        let w = world(d).await;
        no_throttle(&w);
        let uuid = completed(&w).await;
        let lock = w.srv(&format!("/backups/{uuid}/lock"));
        let r = w.post(&w.owner_key, &lock, json!({})).await;
        assert_eq!(r.json()["attributes"]["is_locked"], true, "{d}");
        let path = w.srv(&format!("/backups/{uuid}"));
        let r = w.call(&w.owner_key, Method::DELETE, &path, None).await;
        assert_eq!(
            (r.code(), r.errors()[0].0.as_str()),
            (400, "BackupLockedException"),
            "{d}"
        );
        w.post(&w.owner_key, &lock, json!({})).await;
        let r = w.call(&w.owner_key, Method::DELETE, &path, None).await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        assert_eq!(w.get(&w.owner_key, &path).await.code(), 404);
    }
}

#[tokio::test]
async fn a_backup_downloads_once() {
    for d in both() {
        let w = world(d).await;
        write(&w, "a.txt", "a").await;
        let uuid = completed(&w).await;
        let r = w
            .get(&w.owner_key, &w.srv(&format!("/backups/{uuid}/download")))
            .await;
        let url = r.json()["attributes"]["url"].as_str().unwrap().to_string();
        assert!(url.starts_with(&format!("{}/download/backup?token=", w.t.sim.url())));
        let first = w.t.c.get(&url).send().await.unwrap();
        assert_eq!(first.status(), 200, "{d}");
        let bytes = first.bytes().await.unwrap();
        assert_eq!(
            bytes.len() as i64,
            get(&w, &uuid).await["bytes"].as_i64().unwrap()
        );
        assert_eq!(w.t.c.get(&url).send().await.unwrap().status(), 404, "{d}");
    }
}

#[tokio::test]
async fn a_restore_answers_409_until_the_daemon_is_done_and_brings_the_files_back() {
    for d in both() {
        let w = world(d).await;
        no_throttle(&w);
        write(&w, "config.yml", "v1").await;
        let uuid = completed(&w).await;
        write(&w, "config.yml", "v2").await;
        write(&w, "new.txt", "later").await;
        let restore = w.srv(&format!("/backups/{uuid}/restore"));
        let pending = create(&w).await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!(
                    "/backups/{}/restore",
                    pending["uuid"].as_str().unwrap()
                )),
                json!({"truncate": true}),
            )
            .await;
        assert_eq!(
            r.code(),
            400,
            "{d}: a running backup cannot be restored: {}",
            r.text
        );
        let r = w
            .post(&w.owner_key, &restore, json!({"truncate": true}))
            .await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        assert_eq!(
            w.t.sim.state().servers[&w.server].status.as_deref(),
            Some("restoring_backup")
        );
        let r = w.get(&w.owner_key, &w.srv("/files/list")).await;
        assert_eq!(r.code(), 409, "{d}: {}", r.text);
        w.advance(6);
        let r = w
            .get(&w.owner_key, &w.srv("/files/contents?file=config.yml"))
            .await;
        assert_eq!((r.code(), r.text.as_str()), (200, "v1"), "{d}");
        let r = w
            .get(&w.owner_key, &w.srv("/files/contents?file=new.txt"))
            .await;
        assert_ne!(r.code(), 200, "{d}: truncated first");
        assert_eq!(w.t.sim.state().servers[&w.server].status, None);
    }
}

/// A restore without truncation keeps files the backup does not have.
#[tokio::test]
async fn a_restore_without_truncate_overlays() {
    for d in both() {
        let w = world(d).await;
        write(&w, "config.yml", "v1").await;
        let uuid = completed(&w).await;
        write(&w, "config.yml", "v2").await;
        write(&w, "new.txt", "later").await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv(&format!("/backups/{uuid}/restore")),
                json!({"truncate": false}),
            )
            .await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        w.advance(6);
        for (file, expected) in [("config.yml", "v1"), ("new.txt", "later")] {
            let path = w.srv(&format!("/files/contents?file={file}"));
            assert_eq!(w.get(&w.owner_key, &path).await.text, expected, "{d}");
        }
    }
}
