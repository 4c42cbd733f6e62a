//! Reading declared files (`read_files`) against the sim's emulated Wings, both dialects: the
//! first read hashes what it must (text through `contents`, a binary through a signed download),
//! a second read with the same cache needs the listings only, a write that changes the
//! modification time invalidates the cached checksum, and a size that differs is a change
//! proven without reading.

use crate::client_common::*;
use roost_model::{FileWant, Live, ServerLevelRead, sha256_hex};
use roost_panel::{ChecksumCache, Dialect, FilesToRead, read_files};
use std::time::Duration;

const TEXT: &[u8] = b"motd=hello\n";

fn binary(v: u8) -> Vec<u8> {
    vec![0, 1, 2, v, 0, 255]
}

fn want(path: &str, bytes: &[u8], text: bool) -> FileWant {
    FileWant {
        path: path.into(),
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
        text,
        diff: text,
    }
}

#[tokio::test]
async fn checksums_are_read_once_then_cached_until_the_listing_moves() {
    for d in Dialect::ALL {
        let p = panel_emulated(sim_config(d)).await;
        let (c, _) = api(&p, &p.admin_key);
        let id = p.ident();
        c.write_file(&id, "/server.properties", TEXT.to_vec())
            .await
            .unwrap();
        c.write_file(&id, "/plugins/x.jar", binary(1))
            .await
            .unwrap();
        let cache = ChecksumCache::open(None);
        let read = |wants: Vec<FileWant>| {
            let (c, cache, id, uuid) = (c.clone(), cache.clone(), id.clone(), p.uuid.clone());
            async move {
                let mut live = Live::empty(d);
                let s = FilesToRead {
                    server_id: 1,
                    identifier: id,
                    uuid,
                    files: wants,
                };
                read_files(&c, &cache, &[s], &mut live).await.unwrap();
                live
            }
        };
        let wants = vec![
            want("server.properties", TEXT, true),
            want("plugins/x.jar", &binary(1), false),
            want("missing.txt", b"x", true),
        ];
        let first = read(wants.clone()).await;
        assert_eq!(
            first.server_level[&1],
            ServerLevelRead::Read(vec![roost_model::Kind::File])
        );
        // Listings of / and /plugins, the text, the download (URL + fetch).
        assert_eq!(first.refresh_requests, 5, "{d}");
        let text = first
            .files
            .iter()
            .find(|f| f.path == "server.properties")
            .unwrap();
        assert_eq!(text.text.as_deref(), Some("motd=hello\n"), "{d}");
        let jar = first
            .files
            .iter()
            .find(|f| f.path == "plugins/x.jar")
            .unwrap();
        assert_eq!(
            jar.sha256.as_deref(),
            Some(sha256_hex(&binary(1)).as_str()),
            "{d}"
        );
        assert_eq!(first.files.len(), 2, "{d}: a missing file is absent");

        let second = read(wants.clone()).await;
        assert_eq!(second.refresh_requests, 2, "{d}: the listings only");
        assert!(
            second
                .files
                .iter()
                .all(|f| f.sha256.is_some() && f.text.is_none()),
            "{d}"
        );

        // Rewritten a second later with the same size: the cached checksum no longer holds.
        p.sim.advance_clock(Duration::from_secs(2));
        c.write_file(&id, "/plugins/x.jar", binary(2))
            .await
            .unwrap();
        let third = read(wants.clone()).await;
        assert_eq!(third.refresh_requests, 4, "{d}: the binary is hashed again");
        let jar = third
            .files
            .iter()
            .find(|f| f.path == "plugins/x.jar")
            .unwrap();
        assert_eq!(
            jar.sha256.as_deref(),
            Some(sha256_hex(&binary(2)).as_str()),
            "{d}"
        );

        // Another size proves a change without reading (nothing to diff for a binary).
        c.write_file(&id, "/plugins/x.jar", vec![7; 10])
            .await
            .unwrap();
        let fourth = read(wants).await;
        assert_eq!(fourth.refresh_requests, 2, "{d}");
        let jar = fourth
            .files
            .iter()
            .find(|f| f.path == "plugins/x.jar")
            .unwrap();
        assert_eq!((jar.size, jar.sha256.as_deref()), (10, None), "{d}");
        p.shutdown().await;
    }
}
