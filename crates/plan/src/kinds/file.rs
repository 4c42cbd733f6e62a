//! Files: a child kind (`server.lobby/file.config/paper.yml`) written through the Client API's
//! file manager. Identity is the normalised path under the server. A file is created or
//! updated, never deleted: an undeclared file, or one whose block left the manifests, stays as
//! it is (there is no `prune "files"`). An unchanged file is never written again.
//!
//! What is compared comes from the reading layer (`roost_panel::read_files`): the live size,
//! and the sha256 when it was needed (text read, cached checksum, streamed download). A text
//! file shows as a line diff (`content`); a binary one as `size` and `sha256`, old -> new; a
//! sensitive one as checksums only — its content never reaches the plan: the operation names
//! its `source` and checksum, and apply re-reads the source and refuses a different checksum.
//!
//! `restart-on-change #true`: when such a file changes, one restart of its server follows all
//! of the server's file writes (a change of its own, `server.NAME/file./`, waiting for them).

use crate::attr::{Attr, Compare, Table, json_of};
use crate::context::PlanCx;
use crate::error::PlanError;
use crate::kinds::schedule::{client_call, server_label, server_level_state};
use crate::ops::{ApiCall, OpSpec, Ref, Retry};
use crate::types::{Action, AttrChange, Change, Impact};
use roost_model::{
    Address, Dialect, FileSource, Kind, LiveFile, SecretRef, Server, ServerFile,
    client_file_routes, client_server_routes,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The name of a server's restart after its file writes (`server.lobby/file./`): no declared
/// file can have it (paths are normalised, never the root).
pub const RESTART_NAME: &str = "/";

/// What a write sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum WriteContent {
    /// Inline text from the manifest (never a sensitive file's).
    Content { text: String },
    /// A file beside the manifests, relative to the manifest directory: read again at apply
    /// time and refused when its checksum is not the plan's.
    Source { source: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `POST files/write` (raw body), then a listing to check the size.
    Write {
        server: Ref,
        identifier: Option<String>,
        /// The server's uuid (the checksum cache's key), when it exists at plan time.
        uuid: Option<String>,
        /// Normalised (no leading `/`).
        path: String,
        content: WriteContent,
        size: u64,
        sha256: String,
    },
    /// The `restart` power signal, after the server's file writes.
    Restart {
        server: Ref,
        identifier: Option<String>,
    },
}

impl OpSpec for Op {
    fn call(&self) -> Option<ApiCall> {
        Some(match self {
            Op::Write {
                server, identifier, ..
            } => client_call(
                "POST",
                client_file_routes::action(server_label(server, identifier), "write"),
            ),
            Op::Restart { server, identifier } => client_call(
                "POST",
                client_server_routes::power(server_label(server, identifier)),
            ),
        })
    }

    fn retry(&self) -> Retry {
        match self {
            // The same bytes written twice leave the same file.
            Op::Write { .. } => Retry::Idempotent,
            Op::Restart { .. } => Retry::Never,
        }
    }

    fn secrets(&self) -> Vec<&SecretRef> {
        Vec::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    File,
}

/// `content` is the one attribute `ignore` may name: a file another tool owns.
pub(crate) const TABLE: Table<ServerFile, LiveFile, Write> = Table {
    attrs: &[Attr {
        name: "content",
        compare: Compare::Always,
        want: |t, _, _| Some(json_of(&t.body.sha256)),
        have: |l, _, _| json_of(&l.sha256),
        impact: Impact::None,
        sensitive: false,
        write: Write::File,
        keep_live: |_, _| {},
    }],
    maps: &[],
};

pub(crate) fn plan(cx: &mut PlanCx) {
    let desired = cx.desired;
    for (key, s) in &desired.servers {
        if s.files.is_empty() || !cx.identity.servers.contains_key(key) {
            continue;
        }
        let parent = Address::new(Kind::Server, key);
        let live_server = cx
            .identity
            .server(key)
            .filter(|_| !cx.recreated.contains(&parent));
        let Some(read) = server_level_state(cx, s, live_server, (Kind::File, "files"), true) else {
            continue;
        };
        // Pelican lets an admin's key reach the files of a server that is installing (the
        // install script may still overwrite them): wait for the install either way.
        if let Some(l) = live_server.filter(|l| !l.installed) {
            cx.error(PlanError::new("roost::server-level-unreadable", format!("the files of server `{key}` wait for its install to finish (the panel reports it {})", l.status.as_deref().unwrap_or("not installed")), Some(s.origin)).help("a server that is still installing has its files planned once it has installed: run `roost plan` again in a minute"));
            continue;
        }
        let live_files: Vec<&LiveFile> = match (read, live_server) {
            (true, Some(l)) => cx
                .lookup
                .live
                .files
                .iter()
                .filter(|x| x.server_id == l.id)
                .collect(),
            _ => Vec::new(),
        };
        let server = FileServer {
            server: cx.reference(live_server.map(|l| l.id), || parent.clone()),
            identifier: live_server.map(|l| l.identifier.clone()),
            uuid: live_server.map(|l| l.uuid.clone()),
        };
        let mut restart_after = Vec::new();
        for (path, f) in &s.files {
            let address = Address::child(&parent, Kind::File, path);
            if cx.ignored(&address)("content") {
                cx.unchanged += 1;
                continue;
            }
            if f.body.size == 0 && cx.dialect == Dialect::Pterodactyl {
                cx.error(PlanError::new("roost::empty-file", format!("{address} is empty, and Pterodactyl's Wings refuses to write an empty file (Missing Content-Length)"), Some(f.origin)).help("give the file some content (a comment or a newline), or leave it out of the manifests"));
                continue;
            }
            let live = live_files.iter().copied().find(|x| &x.path == path);
            if let Some(c) = plan_one(&address, &server, f, live) {
                if f.restart_on_change {
                    restart_after.push(c.address.clone());
                }
                cx.push(c);
            } else {
                cx.unchanged += 1;
            }
        }
        if !restart_after.is_empty()
            && let Some(l) = live_server
        {
            cx.push(restart(s, &parent, &server, l.identifier.clone(), restart_after));
        }
    }
}

/// The server a file lives on, as its operations name it.
struct FileServer {
    server: Ref,
    identifier: Option<String>,
    uuid: Option<String>,
}

/// The change of one declared file, `None` when the panel holds it as declared.
fn plan_one(
    address: &Address,
    server: &FileServer,
    f: &ServerFile,
    live: Option<&LiveFile>,
) -> Option<Change> {
    let same = live.is_some_and(|l| l.size == f.body.size && l.sha256.as_ref() == Some(&f.body.sha256));
    if same {
        return None;
    }
    let action = if live.is_some() {
        Action::Update
    } else {
        Action::Create
    };
    let content = match &f.source {
        FileSource::Content(text) => WriteContent::Content { text: text.clone() },
        FileSource::Source(source) => WriteContent::Source {
            source: source.clone(),
        },
    };
    let mut warnings = Vec::new();
    if live.is_some_and(|l| l.sha256.is_none() && l.size == f.body.size) {
        warnings.push(format!("/{} is not a regular file on the server (a directory?): the write will fail", f.path));
    }
    Some(Change {
        address: address.clone(),
        action,
        id: None,
        attributes: attributes(f, live),
        unchanged: 0,
        impact: Impact::None,
        cause: None,
        ops: vec![
            Op::Write {
                server: server.server.clone(),
                identifier: server.identifier.clone(),
                uuid: server.uuid.clone(),
                path: f.path.clone(),
                content,
                size: f.body.size,
                sha256: f.body.sha256.clone(),
            }
            .into(),
        ],
        calls: Vec::new(),
        depends_on: Vec::new(),
        warnings,
        origin: Some(f.origin),
    })
}

fn attr(name: &str, old: Option<serde_json::Value>, new: serde_json::Value) -> AttrChange {
    AttrChange {
        name: name.into(),
        old,
        new: Some(new),
        sensitive: false,
        impact: Impact::None,
        cause: None,
    }
}

/// What a reviewer sees: a text diff when both sides are text and the file is not sensitive,
/// else size and checksum, old -> new.
fn attributes(f: &ServerFile, live: Option<&LiveFile>) -> Vec<AttrChange> {
    let text = f.body.text.as_ref().filter(|_| !f.sensitive);
    match (text, live) {
        (Some(t), None) => return vec![attr("content", None, json_of(t))],
        (Some(t), Some(l)) if l.text.is_some() => {
            return vec![attr("content", l.text.as_ref().map(json_of), json_of(t))];
        }
        _ => {}
    }
    let size = attr("size", live.map(|l| json_of(l.size)), json_of(f.body.size));
    let old_sha = live.map(|l| match &l.sha256 {
        Some(s) => json_of(s),
        None => json_of("not read (the size differs)"),
    });
    let sha = attr("sha256", old_sha, json_of(&f.body.sha256));
    match live {
        Some(l) if l.size == f.body.size => vec![sha],
        _ => vec![size, sha],
    }
}

/// One restart of server `s` after the writes of `after` (its changed files that ask for it).
fn restart(
    s: &Server,
    parent: &Address,
    server: &FileServer,
    identifier: String,
    after: Vec<Address>,
) -> Change {
    let names: Vec<String> = after.iter().map(|a| format!("/{}", a.name)).collect();
    Change {
        address: Address::child(parent, Kind::File, RESTART_NAME),
        action: Action::Update,
        id: None,
        attributes: vec![attr(
            "power",
            None,
            json_of("restart"),
        )],
        unchanged: 0,
        impact: Impact::Restart,
        cause: None,
        ops: vec![
            Op::Restart {
                server: server.server.clone(),
                identifier: Some(identifier),
            }
            .into(),
        ],
        calls: Vec::new(),
        depends_on: after,
        warnings: vec![format!(
            "restarts server `{}` after writing {} (restart-on-change)",
            s.key,
            names.join(", ")
        )],
        origin: Some(s.origin),
    }
}
