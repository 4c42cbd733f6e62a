//! A server's files, from the declared-file reads the caller made for `roost import --files`
//! (text files only: their content is written beside the manifests as `source` files, at
//! `files/SERVER/PATH`; binary or too-large ones were skipped by the caller with a message).

use crate::Imported;
use roost_model::{FileBody, FileSource, Live, LiveServer, ServerFile};
use std::collections::BTreeMap;

pub(crate) fn of_server(
    live: &Live,
    s: &LiveServer,
    key: &str,
    out: &mut Imported,
) -> BTreeMap<String, ServerFile> {
    let mut files = BTreeMap::new();
    for l in live.files.iter().filter(|x| x.server_id == s.id) {
        let Some(text) = &l.text else {
            continue;
        };
        let rel = format!("files/{key}/{}", l.path);
        out.sources.push((rel.clone(), text.clone()));
        out.count("files", 1);
        files.insert(
            l.path.clone(),
            ServerFile {
                path: l.path.clone(),
                source: FileSource::Source(format!("{}{rel}", out.source_prefix)),
                sensitive: false,
                restart_on_change: false,
                body: FileBody::of(text.as_bytes()),
                origin: Default::default(),
                source_origin: Default::default(),
            },
        );
    }
    files
}
