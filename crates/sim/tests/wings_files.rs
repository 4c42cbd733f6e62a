//! Each file operation against the emulated Wings' in-memory volume, through the panel's
//! routes, in both dialects: the denylist, the disk limit, the edit size limit, the encoding,
//! and the signed download/upload URLs (single use, expiring, Pelican's scopes).

mod common;

use common::client::{World, world};
use common::{Resp, both};
use reqwest::Method;
use roost_sim::Dialect;
use serde_json::{Value, json};

/// `POST /files/write?file=...` with a raw body.
async fn write(w: &World, file: &str, content: &str, content_type: &str) -> Resp {
    let url = format!("{}{}", w.t.sim.url(), w.srv("/files/write"));
    let r =
        w.t.c
            .post(url)
            .query(&[("file", file)])
            .bearer_auth(&w.owner_key)
            .header("Accept", "application/json")
            .header("Content-Type", content_type)
            .body(content.to_string())
            .send()
            .await
            .unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    Resp {
        status,
        headers,
        text: r.text().await.unwrap(),
    }
}

async fn ok_write(w: &World, file: &str, content: &str) {
    let r = write(w, file, content, "text/plain").await;
    assert_eq!(r.code(), 204, "write {file}: {}", r.text);
}

async fn list(w: &World, dir: &str) -> Vec<Value> {
    let r = w
        .get(
            &w.owner_key,
            &w.srv(&format!("/files/list?directory={dir}")),
        )
        .await;
    assert_eq!(r.code(), 200, "list {dir}: {}", r.text);
    r.json()["data"].as_array().unwrap().clone()
}

fn names(items: &[Value]) -> Vec<String> {
    let mut n: Vec<String> = items
        .iter()
        .map(|i| i["attributes"]["name"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

async fn contents(w: &World, file: &str) -> Resp {
    w.get(
        &w.owner_key,
        &w.srv(&format!("/files/contents?file={file}")),
    )
    .await
}

/// What each panel makes of a daemon error: Pterodactyl passes the status and message
/// through, Pelican answers 500.
fn assert_daemon_error(d: Dialect, r: &Resp, status: u16, message: &str) {
    match d {
        Dialect::Pterodactyl => {
            assert_eq!(r.code(), status, "{}", r.text);
            let detail = r.json()["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(detail.contains(message), "{detail}");
        }
        Dialect::Pelican => assert_eq!(r.code(), 500, "{}", r.text),
    }
}

#[tokio::test]
async fn write_list_and_read_back() {
    for d in both() {
        let w = world(d).await;
        ok_write(&w, "/config/server.properties", "motd=hi\n").await;
        let root = list(&w, "/").await;
        assert_eq!(names(&root), ["config"], "{d}");
        let dir = &root[0]["attributes"];
        assert_eq!(dir["is_file"], false);
        assert_eq!(dir["mimetype"], "inode/directory");
        let files = list(&w, "/config").await;
        let f = &files[0]["attributes"];
        assert_eq!(
            (
                f["name"].as_str(),
                f["size"].as_i64(),
                f["mode"].as_str(),
                f["mode_bits"].as_str()
            ),
            (
                Some("server.properties"),
                Some(8),
                Some("-rw-r--r--"),
                Some("644")
            ),
            "{d}"
        );
        assert_eq!(f["is_file"], true);
        let r = contents(&w, "config/server.properties").await;
        assert_eq!((r.code(), r.text.as_str()), (200, "motd=hi\n"), "{d}");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("text/plain; charset=utf-8")
        );
        let r = w
            .get(&w.owner_key, &w.srv("/files/list?directory=/nope"))
            .await;
        assert_daemon_error(d, &r, 404, "not found");
        let r = contents(&w, "missing.txt").await;
        assert_daemon_error(
            d,
            &r,
            404,
            "The requested resources was not found on the system.",
        );
    }
}

#[tokio::test]
async fn empty_files_and_json_bodies() {
    for d in both() {
        let w = world(d).await;
        let r = write(&w, "empty.txt", "", "text/plain").await;
        match d {
            Dialect::Pterodactyl => assert_daemon_error(d, &r, 400, "Missing Content-Length."),
            Dialect::Pelican => assert_eq!(r.code(), 204, "{}", r.text),
        }
        let r = write(&w, "a.txt", "not json", "application/json").await;
        assert_eq!(r.code(), 400, "{d}: {}", r.text);
        assert_eq!(r.errors()[0].0, "BadRequestHttpException");
    }
}

#[tokio::test]
async fn folders_rename_and_copy() {
    for d in both() {
        let w = world(d).await;
        let folder = |root: &str, name: &str| json!({"root": root, "name": name});
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/create-folder"),
                folder("/", "a/b/c"),
            )
            .await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        assert_eq!(names(&list(&w, "/a/b").await), ["c"]);
        ok_write(&w, "a/file.txt", "x").await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/create-folder"),
                folder("/a", "file.txt/sub"),
            )
            .await;
        assert_daemon_error(d, &r, 400, "(ENOTDIR)");
        let rename =
            |from: &str, to: &str| json!({"root": "/a", "files": [{"from": from, "to": to}]});
        let r = w
            .call(
                &w.owner_key,
                Method::PUT,
                &w.srv("/files/rename"),
                Some(rename("file.txt", "b/moved.txt")),
            )
            .await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        assert_eq!(names(&list(&w, "/a/b").await), ["c", "moved.txt"]);
        let r = w
            .call(
                &w.owner_key,
                Method::PUT,
                &w.srv("/files/rename"),
                Some(rename("gone.txt", "x.txt")),
            )
            .await;
        assert_eq!(r.code(), 204, "{d}: a missing source is skipped");
        let r = w
            .call(
                &w.owner_key,
                Method::PUT,
                &w.srv("/files/rename"),
                Some(rename("b/moved.txt", "b/c")),
            )
            .await;
        assert_daemon_error(d, &r, 400, "destination already exists");
        for expected in ["moved copy.txt", "moved copy 1.txt"] {
            let r = w
                .post(
                    &w.owner_key,
                    &w.srv("/files/copy"),
                    json!({"location": "/a/b/moved.txt"}),
                )
                .await;
            assert_eq!(r.code(), 204, "{d}: {}", r.text);
            assert!(names(&list(&w, "/a/b").await).contains(&expected.to_string()));
        }
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/copy"),
                json!({"location": "/a/b/c"}),
            )
            .await;
        assert_daemon_error(d, &r, 404, "not found");
    }
}

#[tokio::test]
async fn delete_and_chmod() {
    for d in both() {
        let w = world(d).await;
        ok_write(&w, "dir/one.txt", "1").await;
        ok_write(&w, "two.txt", "2").await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/delete"),
                json!({"root": "/", "files": ["dir", "two.txt"]}),
            )
            .await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        assert!(list(&w, "/").await.is_empty(), "{d}: recursive");
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/delete"),
                json!({"root": "/", "files": ["ghost"]}),
            )
            .await;
        match d {
            Dialect::Pterodactyl => assert_eq!(r.code(), 204),
            Dialect::Pelican => assert_eq!(r.code(), 500, "{}", r.text),
        }
        ok_write(&w, "run.sh", "#!/bin/sh").await;
        let chmod = |mode: Value| json!({"root": "/", "files": [{"file": "run.sh", "mode": mode}]});
        let r = w
            .post(&w.owner_key, &w.srv("/files/chmod"), chmod(json!("755")))
            .await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        let f = &list(&w, "/").await[0]["attributes"];
        assert_eq!(
            (f["mode_bits"].as_str(), f["mode"].as_str()),
            (Some("755"), Some("-rwxr-xr-x"))
        );
        let r = w
            .post(&w.owner_key, &w.srv("/files/chmod"), chmod(json!(755)))
            .await;
        assert_daemon_error(d, &r, 400, "cannot unmarshal number");
        let r = w
            .post(&w.owner_key, &w.srv("/files/chmod"), chmod(json!("999")))
            .await;
        assert_daemon_error(d, &r, 400, "Invalid file mode.");
    }
}

#[tokio::test]
async fn compress_and_decompress() {
    for d in both() {
        let w = world(d).await;
        ok_write(&w, "world/level.dat", "level").await;
        ok_write(&w, "world/region/r.0.0.mca", "region").await;
        let mut body = json!({"root": "/", "files": ["world"]});
        if d == Dialect::Pelican {
            body["name"] = json!("backup-world");
            body["extension"] = json!("zip");
        }
        let r = w.post(&w.owner_key, &w.srv("/files/compress"), body).await;
        assert_eq!(r.code(), 200, "{d}: {}", r.text);
        let archive = r.json()["attributes"].clone();
        let name = archive["name"].as_str().unwrap().to_string();
        match d {
            Dialect::Pterodactyl => {
                assert!(
                    name.starts_with("archive-") && name.ends_with(".tar.gz"),
                    "{name}"
                );
                assert_eq!(archive["mimetype"], "application/tar+gzip");
            }
            Dialect::Pelican => assert_eq!(name, "backup-world.zip"),
        }
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/delete"),
                json!({"root": "/", "files": ["world"]}),
            )
            .await;
        assert_eq!(r.code(), 204);
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/decompress"),
                json!({"root": "/", "file": name}),
            )
            .await;
        assert_eq!(r.code(), 204, "{d}: {}", r.text);
        assert_eq!(contents(&w, "world/region/r.0.0.mca").await.text, "region");
        ok_write(&w, "fake.zip", "PK not really").await;
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/decompress"),
                json!({"root": "/", "file": "fake.zip"}),
            )
            .await;
        assert_daemon_error(d, &r, 400, "a format Wings does not understand");
    }
}

#[tokio::test]
async fn the_egg_denylist() {
    for d in both() {
        let w = world(d).await;
        ok_write(&w, "server.jar", "jar").await;
        let egg = w.t.sim.state().servers[&w.server].egg_id;
        w.t.sim
            .mutate(|s| s.eggs.get_mut(&egg).unwrap().file_denylist = json!(["*.jar"]));
        let r = write(&w, "plugins/x.jar", "jar", "text/plain").await;
        assert_daemon_error(
            d,
            &r,
            403,
            "This file cannot be modified: present in egg denylist.",
        );
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/copy"),
                json!({"location": "server.jar"}),
            )
            .await;
        assert_daemon_error(d, &r, 403, "denylist");
        let r = contents(&w, "server.jar").await;
        match d {
            // Pterodactyl's Wings reads denylisted files.
            Dialect::Pterodactyl => assert_eq!((r.code(), r.text.as_str()), (200, "jar")),
            Dialect::Pelican => assert_eq!(r.code(), 500, "{}", r.text),
        }
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/delete"),
                json!({"root": "/", "files": ["server.jar"]}),
            )
            .await;
        assert_eq!(r.code(), 204);
        let kept = names(&list(&w, "/").await).contains(&"server.jar".to_string());
        // WPT does not check the denylist on delete; WPL silently keeps the file.
        assert_eq!(kept, d == Dialect::Pelican, "{d}");
    }
}

#[tokio::test]
async fn the_disk_limit_and_the_edit_size_limit() {
    for d in both() {
        let w = world(d).await;
        let server = w.server;
        w.t.sim
            .mutate(|s| s.servers.get_mut(&server).unwrap().disk = 1);
        ok_write(&w, "half.bin", &"a".repeat(600 * 1024)).await;
        let r = write(&w, "more.bin", &"b".repeat(600 * 1024), "text/plain").await;
        assert_daemon_error(
            d,
            &r,
            400,
            "There is not enough disk space available to perform that action.",
        );
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/copy"),
                json!({"location": "half.bin"}),
            )
            .await;
        assert_daemon_error(d, &r, 400, "not enough disk space");
        let r = w
            .post(
                &w.owner_key,
                &w.srv("/files/compress"),
                json!({"root": "/", "files": ["half.bin"]}),
            )
            .await;
        assert_daemon_error(
            d,
            &r,
            409,
            "enough available disk space to generate a compressed archive",
        );
        w.t.sim.mutate(|s| s.settings.files_max_edit_size = 1024);
        let r = contents(&w, "half.bin").await;
        assert_eq!(r.code(), 400, "{d}: {}", r.text);
        assert_eq!(r.errors()[0].0, "FileSizeTooLargeException");
    }
}

async fn signed_url(w: &World, path: &str) -> String {
    let r = w.get(&w.owner_key, &w.srv(path)).await;
    assert_eq!(r.code(), 200, "{path}: {}", r.text);
    r.json()["attributes"]["url"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn signed_downloads_are_single_use_and_expire() {
    for d in both() {
        let w = world(d).await;
        ok_write(&w, "logs/latest.log", "line one").await;
        let url = signed_url(&w, "/files/download?file=/logs/latest.log").await;
        assert!(
            url.starts_with(&format!("{}/download/file?token=", w.t.sim.url())),
            "{url}"
        );
        let r = w.t.c.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{d}");
        assert_eq!(r.headers()["content-type"], "application/octet-stream");
        assert_eq!(
            r.headers()["content-disposition"],
            "attachment; filename=\"latest.log\""
        );
        assert_eq!(r.text().await.unwrap(), "line one");
        let again = w.t.c.get(&url).send().await.unwrap();
        assert_eq!(again.status(), 404, "{d}: single use");
        assert_eq!(
            again.json::<Value>().await.unwrap()["error"],
            "The requested resource was not found on this server."
        );
        let url = signed_url(&w, "/files/download?file=/logs/latest.log").await;
        w.advance(15 * 60 + 1);
        let r = w.t.c.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 500, "{d}: expired");
        let tampered = format!("{url}x");
        let r = w.t.c.get(&tampered).send().await.unwrap();
        assert_eq!(r.status(), 500, "{d}: bad signature");
    }
}

fn multipart(name: &str, content: &str) -> (String, String) {
    let body = format!(
        "--B0UND\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n--B0UND--\r\n"
    );
    (body, "multipart/form-data; boundary=B0UND".into())
}

#[tokio::test]
async fn signed_uploads_write_files_once() {
    for d in both() {
        let w = world(d).await;
        let url = signed_url(&w, "/files/upload").await;
        let (body, ct) = multipart("plugin.yml", "name: x");
        let post = |url: String, body: String| {
            w.t.c
                .post(format!("{url}&directory=/plugins"))
                .header("Content-Type", ct.clone())
                .body(body)
                .send()
        };
        let r = post(url.clone(), body.clone()).await.unwrap();
        assert_eq!(r.status(), 200, "{d}: {}", r.text().await.unwrap());
        assert_eq!(contents(&w, "plugins/plugin.yml").await.text, "name: x");
        let r = post(url, body.clone()).await.unwrap();
        assert_eq!(r.status(), 404, "{d}: single use");
        let url = signed_url(&w, "/files/upload").await;
        let r =
            w.t.c
                .post(&url)
                .header("Content-Type", ct.clone())
                .body("--B0UND--\r\n")
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 400, "{d}: no files part");
        let egg = w.t.sim.state().servers[&w.server].egg_id;
        w.t.sim
            .mutate(|s| s.eggs.get_mut(&egg).unwrap().file_denylist = json!(["*.yml"]));
        let url = signed_url(&w, "/files/upload").await;
        let r = post(url, body).await.unwrap();
        assert_eq!(r.status(), 403, "{d}: denylisted target");
    }
}

/// Pelican's Wings wants the token's scope to match the route.
#[tokio::test]
async fn pelican_refuses_a_token_of_another_scope() {
    let w = world(Dialect::Pelican).await;
    ok_write(&w, "a.txt", "a").await;
    let download = signed_url(&w, "/files/download?file=a.txt").await;
    let token = download.split("token=").nth(1).unwrap();
    let (body, ct) = multipart("b.txt", "b");
    let r =
        w.t.c
            .post(format!(
                "{}/upload/file?token={token}&directory=/",
                w.t.sim.url()
            ))
            .header("Content-Type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 404);
}

/// A file that is not UTF-8: Pterodactyl passes its bytes through, Pelican converts them
/// (ISO-8859-1 as the fallback, UTF-16 by its byte-order mark).
#[tokio::test]
async fn contents_encoding_per_dialect() {
    for d in both() {
        let w = world(d).await;
        let url = signed_url(&w, "/files/upload").await;
        let mut body = b"--B0UND\r\nContent-Disposition: form-data; name=\"files\"; filename=\"motd.txt\"\r\n\r\n".to_vec();
        body.extend_from_slice(b"caf\xe9");
        body.extend_from_slice(b"\r\n--B0UND--\r\n");
        let r =
            w.t.c
                .post(format!("{url}&directory=/"))
                .header("Content-Type", "multipart/form-data; boundary=B0UND")
                .body(body)
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 200, "{d}");
        let r =
            w.t.c
                .get(format!(
                    "{}{}",
                    w.t.sim.url(),
                    w.srv("/files/contents?file=motd.txt")
                ))
                .bearer_auth(&w.owner_key)
                .send()
                .await
                .unwrap();
        assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
        let bytes = r.bytes().await.unwrap().to_vec();
        match d {
            Dialect::Pterodactyl => assert_eq!(bytes, b"caf\xe9", "raw"),
            Dialect::Pelican => assert_eq!(bytes, "café".as_bytes(), "converted"),
        }
    }
}
