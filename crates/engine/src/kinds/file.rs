//! Files, through the Client API's file manager: each write sends the bytes as the raw body of
//! `POST files/write` (binary safe; files.md names no size limit for it, and the manifests cap
//! a file at Wings' default upload limit), waits while the server is still installing, then
//! lists the directory to check the size the panel reports and remembers the checksum for that
//! (size, modified_at) in the run's checksum cache, so that the next plan reads nothing.
//! A `source` is read again here and refused when its checksum is not the plan's (the plan is
//! stale); its content never reaches an error or an event. The restart after a server's file
//! writes signals `restart` only to a server that is running (or starting): an offline server
//! picks the files up when it next starts.

use crate::context::ApplyCx;
use crate::server_level::{INSTALL_POLL, client_api, explain, identifier, when_installed};
use roost_model::{Address, file_directory, sha256_hex};
use roost_panel::{ClientApi, FileKey, PanelError, PowerSignal};
use roost_plan::Change;
use roost_plan::kinds::file::{Op, WriteContent};

pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
    let address = &change.address;
    let api = client_api(cx, address)?;
    match op {
        Op::Write {
            server,
            identifier: known,
            uuid,
            path,
            content,
            size,
            sha256,
        } => {
            let bytes = bytes_of(cx, content, *size, sha256, path)?;
            let ident = identifier(cx, server, known).await?;
            if known.is_none() {
                // A server this run created: Pelican lets an admin write files while it
                // installs, and the install script could then overwrite them.
                until_installed(cx, address, api, &ident).await?;
            }
            let absolute = format!("/{path}");
            when_installed(cx, address, api, &ident, || {
                api.write_file(&ident, &absolute, bytes.clone())
            })
            .await
            .map_err(|e| write_error(cx, address, &absolute, e))?;
            let written = Written {
                uuid: uuid.clone(),
                path,
                size: *size,
                sha256,
            };
            verify(cx, api, &ident, written).await
        }
        Op::Restart {
            server,
            identifier: known,
        } => {
            let ident = identifier(cx, server, known).await?;
            let stats = api.resources(&ident).await.map_err(|e| explain(cx, e))?;
            if !matches!(stats.current_state.as_str(), "running" | "starting") {
                return Ok(());
            }
            api.power(&ident, PowerSignal::Restart)
                .await
                .map_err(|e| format!("cannot restart the server after its file writes: {}", explain(cx, e)))
        }
    }
}

/// Waits, reading the server's details, until its install has finished.
async fn until_installed(
    cx: &ApplyCx,
    address: &Address,
    api: &ClientApi,
    ident: &str,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    loop {
        let d = api.server(ident).await.map_err(|e| explain(cx, e))?;
        match d.server.status.as_deref() {
            Some("installing") => {}
            Some(s @ ("install_failed" | "reinstall_failed")) => {
                return Err(format!("{address}: its server's install failed ({s}): nothing was written"));
            }
            _ if !d.server.is_installing => return Ok(()),
            _ => {}
        }
        if started.elapsed() + INSTALL_POLL > cx.install_wait {
            return Err(format!(
                "{address}: its server had not finished installing after {} s; run `roost apply` again once it has",
                cx.install_wait.as_secs()
            ));
        }
        cx.reporter.report(crate::Event::Waiting {
            seconds: INSTALL_POLL.as_secs_f64(),
            reason: format!("{address}: its server is still installing"),
                        cause: crate::WaitCause::Server,
        });
        tokio::time::sleep(INSTALL_POLL).await;
    }
}

/// The bytes to write: inline text, or the source read again and checked against the plan.
fn bytes_of(
    cx: &ApplyCx,
    content: &WriteContent,
    size: u64,
    sha256: &str,
    path: &str,
) -> Result<Vec<u8>, String> {
    let source = match content {
        WriteContent::Content { text } => return Ok(text.clone().into_bytes()),
        WriteContent::Source { source } => source,
    };
    let base = cx.manifests.clone().unwrap_or_default();
    let file = base.join(source);
    let bytes = std::fs::read(&file)
        .map_err(|e| format!("cannot read the source of /{path}, {}: {e}", file.display()))?;
    if bytes.len() as u64 != size || sha256_hex(&bytes) != sha256 {
        return Err(format!(
            "the source of /{path}, {}, changed since the plan was made (its checksum is not the plan's): make a new plan; nothing was written",
            file.display()
        ));
    }
    Ok(bytes)
}

/// A refused write, naming the file and what to do.
fn write_error(cx: &ApplyCx, address: &Address, path: &str, e: PanelError) -> String {
    let server = address.parent.as_deref().map(|p| p.name.as_str()).unwrap_or("?");
    let text = e.to_string();
    let hint = if e.status() == Some(403) || text.contains("denylist") {
        "; the egg's file denylist forbids writing it (Wings answers 403): remove the file block, or change the egg's `file_denylist`"
    } else if text.contains("disk space") {
        "; the server's disk is full (its `limits disk`): raise the limit or free space"
    } else {
        ""
    };
    format!(
        "writing {path} of server `{server}` failed: {}{hint}",
        explain(cx, e)
    )
}

/// Lists the file's directory: the size must be what was written; the listing's
/// (size, modified_at) then holds the written checksum in the cache.
struct Written<'a> {
    uuid: Option<String>,
    path: &'a str,
    size: u64,
    sha256: &'a str,
}

async fn verify(cx: &ApplyCx, api: &ClientApi, ident: &str, w: Written<'_>) -> Result<(), String> {
    let Written {
        uuid,
        path,
        size,
        sha256,
    } = w;
    let listing = api
        .list_files(ident, &file_directory(path))
        .await
        .map_err(|e| format!("cannot list /{path} after writing it: {e}"))?;
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some(entry) = listing.iter().find(|e| e.name == name && e.is_file) else {
        return Err(format!("/{path} was written, but the panel does not list it"));
    };
    if entry.size != size {
        return Err(format!(
            "/{path} was written with {size} bytes, but the panel lists {} bytes",
            entry.size
        ));
    }
    if let (Some(cache), Some(modified)) = (&cx.file_cache, &entry.modified_at) {
        let uuid = match uuid {
            Some(u) => u,
            None => api
                .server(ident)
                .await
                .map(|d| d.server.uuid)
                .map_err(|e| format!("cannot read the uuid of server {ident}: {e}"))?,
        };
        let key = FileKey {
            panel: api.base_url(),
            server_uuid: &uuid,
            path,
        };
        cache.put(&key, size, modified, sha256);
    }
    Ok(())
}
