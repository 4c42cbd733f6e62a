//! `roost files …`: a server's file manager through the Client API (the panel forwards each
//! operation to Wings, which applies the egg's denylist and the server's disk limit). Paths
//! are relative to the server's root. Removing files asks at a terminal and needs `--yes` in
//! scripts. `put … --restart` is the brief's "upload a plugin, then restart".

use super::select::Target;
use super::{Format, Progress, Reach, Session, confirm, each, json_text, open};
use crate::connect::{BoxDiag, diag, panel_error};
use crate::exit;
use crate::output;
use roost_panel::{ChmodEntry, ClientApi, CompressBody, PanelError, PowerSignal, RenameEntry};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum FilesCommand {
    /// List a directory.
    Ls {
        /// The server: server.KEY or a panel identifier.
        server: String,
        /// The directory (default: the server's root).
        #[arg(default_value = "/")]
        path: String,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Download a file (to stdout with `-o -`, for files up to the panel's 4 MiB edit limit).
    Get {
        /// The server: server.KEY or a panel identifier.
        server: String,
        /// The file on the server.
        path: String,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Where to write it (default: its name, here; `-` for stdout).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Upload a local file to each selected server (replacing what is there).
    Put {
        /// Servers: server.KEY, a glob such as server.mc-*, or a panel identifier.
        server: String,
        /// The local file.
        local: PathBuf,
        /// Where on the server (default: the local path as given, if relative; else its name).
        remote: Option<String>,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Restart each server after its upload.
        #[arg(long)]
        restart: bool,
    },
    /// Delete files or folders (asks; --yes in scripts).
    Rm {
        /// The server: server.KEY or a panel identifier.
        server: String,
        /// Paths to delete.
        #[arg(required = true)]
        paths: Vec<String>,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Confirm without a prompt (needed in scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Rename or move a file or folder.
    Mv {
        /// The server: server.KEY or a panel identifier.
        server: String,
        /// The path to move.
        from: String,
        /// Its new path.
        to: String,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Copy a file beside itself (Wings names the copy, e.g. `server copy.properties`).
    Cp {
        /// The server: server.KEY or a panel identifier.
        server: String,
        /// The file to copy.
        path: String,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Change the mode of files (octal, e.g. 644 or 755).
    Chmod {
        /// The server: server.KEY or a panel identifier.
        server: String,
        /// Octal mode, e.g. 755.
        mode: String,
        /// The files and folders to change.
        #[arg(required = true)]
        paths: Vec<String>,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Create a folder (and its parents).
    Mkdir {
        /// The server: server.KEY or a panel identifier.
        server: String,
        /// The folder to create.
        path: String,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Pack files into an archive beside them.
    Compress {
        /// The server: server.KEY or a panel identifier.
        server: String,
        /// The files and folders to pack.
        #[arg(required = true)]
        paths: Vec<String>,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Unpack an archive beside itself.
    Decompress {
        /// The server: server.KEY or a panel identifier.
        server: String,
        /// The archive to unpack.
        archive: String,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub async fn run(command: FilesCommand) -> Result<u8, BoxDiag> {
    match command {
        FilesCommand::Ls {
            server,
            path,
            reach,
            format,
        } => ls(&reach, &server, &path, format).await,
        FilesCommand::Get {
            server,
            path,
            reach,
            output,
            format,
        } => get(&reach, &server, &path, output, format).await,
        FilesCommand::Put {
            server,
            local,
            remote,
            reach,
            restart,
            format,
        } => put(&reach, &server, &local, remote, restart, format).await,
        FilesCommand::Rm {
            server,
            paths,
            reach,
            yes,
            format,
        } => {
            let (one, t) = single(&reach, &server).await?;
            let question = format!("Delete {} on {}", paths.join(", "), t.label);
            if !confirm(&question, yes)? {
                Session::close(one).await;
                output::status("Cancelled: nothing was deleted.");
                return Ok(exit::ERROR);
            }
            let files: Vec<String> = paths.iter().map(|p| rel(p)).collect();
            let shown: Vec<String> = paths.iter().map(|p| abs(p)).collect();
            let done = Done::new(format, "deleted", json!({ "paths": shown }));
            finish(one, &t, done, |api, h| async move {
                api.delete_files(&h, "/", &files).await
            })
            .await
        }
        cmd @ (FilesCommand::Mv { .. }
        | FilesCommand::Cp { .. }
        | FilesCommand::Chmod { .. }
        | FilesCommand::Mkdir { .. }) => edit(cmd).await,
        FilesCommand::Compress {
            server,
            paths,
            reach,
            format,
        } => {
            let (one, t) = single(&reach, &server).await?;
            let (root, files) = common_root(&paths);
            let body = CompressBody {
                root: root.clone(),
                files,
                ..CompressBody::default()
            };
            let r = one.api.compress_files(&t.handle, &body).await;
            Session::close(one).await;
            let archive = r.map_err(panel_error)?;
            match format {
                Format::Text => output::stdout(&format!("{}\n", archive.name)),
                Format::Json => format.done(
                    &t,
                    "compressed",
                    "",
                    json!({ "archive": abs(&format!("{}/{}", rel(&root), archive.name)), "size": archive.size }),
                ),
            }
            Ok(exit::OK)
        }
        FilesCommand::Decompress {
            server,
            archive,
            reach,
            format,
        } => {
            let (one, t) = single(&reach, &server).await?;
            let (root, name) = split(&archive);
            let done = Done::new(format, "unpacked", json!({ "archive": abs(&archive) }));
            finish(one, &t, done, |api, h| async move {
                api.decompress_file(&h, &root, &name).await
            })
            .await
        }
    }
}

/// The operations that change one path and answer nothing.
async fn edit(command: FilesCommand) -> Result<u8, BoxDiag> {
    match command {
        FilesCommand::Mv {
            server,
            from,
            to,
            reach,
            format,
        } => {
            let (one, t) = single(&reach, &server).await?;
            let entry = vec![RenameEntry {
                from: rel(&from),
                to: rel(&to),
            }];
            let done = Done::new(
                format,
                "moved",
                json!({ "from": abs(&from), "to": abs(&to) }),
            );
            finish(one, &t, done, |api, h| async move {
                api.rename_files(&h, "/", &entry).await
            })
            .await
        }
        FilesCommand::Cp {
            server,
            path,
            reach,
            format,
        } => {
            let (one, t) = single(&reach, &server).await?;
            let done = Done::new(format, "copied", json!({ "path": abs(&path) }));
            finish(one, &t, done, |api, h| async move {
                api.copy_file(&h, &abs(&path)).await
            })
            .await
        }
        FilesCommand::Chmod {
            server,
            mode,
            paths,
            reach,
            format,
        } => {
            let bits = u32::from_str_radix(&mode, 8)
                .ok()
                .filter(|m| *m <= 0o7777)
                .ok_or_else(|| {
                    diag(
                        "roost::usage",
                        format!("`{mode}` is not an octal mode"),
                        "write it as 644 or 755",
                    )
                })?;
            let (one, t) = single(&reach, &server).await?;
            let entries: Vec<ChmodEntry> = paths
                .iter()
                .map(|p| ChmodEntry {
                    file: rel(p),
                    mode: bits,
                })
                .collect();
            let paths: Vec<String> = paths.iter().map(|p| abs(p)).collect();
            let done = Done::new(
                format,
                "changed",
                json!({ "mode": format!("{bits:o}"), "paths": paths }),
            );
            finish(one, &t, done, |api, h| async move {
                api.chmod_files(&h, "/", &entries).await
            })
            .await
        }
        FilesCommand::Mkdir {
            server,
            path,
            reach,
            format,
        } => {
            let (one, t) = single(&reach, &server).await?;
            let done = Done::new(format, "created", json!({ "path": abs(&path) }));
            finish(one, &t, done, |api, h| async move {
                api.create_folder(&h, "/", &rel(&path)).await
            })
            .await
        }
        _ => Err(diag("roost::bug", "not a file edit", "report this")),
    }
}

/// One server, for the commands that act on one.
async fn single(reach: &Reach, server: &str) -> Result<(Session, Target), BoxDiag> {
    let session = open(reach, &[server.to_string()]).await?;
    match session.targets.as_slice() {
        [t] => {
            let t = t.clone();
            Ok((session, t))
        }
        many => {
            let n = many.len();
            Session::close(session).await;
            Err(diag(
                "roost::selector",
                format!("`{server}` names {n} servers; this command acts on one"),
                "name a single server",
            ))
        }
    }
}

/// How an operation that answers nothing reports what it did.
struct Done {
    format: Format,
    action: &'static str,
    details: serde_json::Value,
}

impl Done {
    fn new(format: Format, action: &'static str, details: serde_json::Value) -> Self {
        Done {
            format,
            action,
            details,
        }
    }
}

/// Runs one operation, closes the session, reports.
async fn finish<F, Fut>(session: Session, t: &Target, done: Done, op: F) -> Result<u8, BoxDiag>
where
    F: FnOnce(ClientApi, String) -> Fut,
    Fut: std::future::Future<Output = Result<(), PanelError>>,
{
    let r = op(session.api.clone(), t.handle.clone()).await;
    Session::close(session).await;
    r.map_err(panel_error)?;
    done.format.done(t, done.action, done.action, done.details);
    Ok(exit::OK)
}

/// A path relative to the server's root (`/a/b` and `a/b` are the same file).
fn rel(p: &str) -> String {
    p.trim_start_matches('/').to_string()
}

fn abs(p: &str) -> String {
    format!("/{}", rel(p))
}

/// A path's folder and name: `config/a.yml` → (`/config`, `a.yml`).
fn split(p: &str) -> (String, String) {
    let r = rel(p);
    match r.rsplit_once('/') {
        Some((dir, name)) => (format!("/{dir}"), name.to_string()),
        None => ("/".into(), r),
    }
}

/// The folder the paths share (the archive goes there) and the paths within it.
fn common_root(paths: &[String]) -> (String, Vec<String>) {
    let parts: Vec<(String, String)> = paths.iter().map(|p| split(p)).collect();
    match parts.first() {
        Some((root, _)) if parts.iter().all(|(r, _)| r == root) => {
            (root.clone(), parts.into_iter().map(|(_, n)| n).collect())
        }
        _ => ("/".into(), paths.iter().map(|p| rel(p)).collect()),
    }
}

async fn ls(reach: &Reach, server: &str, path: &str, format: Format) -> Result<u8, BoxDiag> {
    let (session, t) = single(reach, server).await?;
    let r = session.api.list_files(&t.handle, &abs(path)).await;
    Session::close(session).await;
    let mut entries = r.map_err(panel_error)?;
    entries.sort_by(|a, b| (a.is_file, &a.name).cmp(&(b.is_file, &b.name)));
    match format {
        Format::Json => {
            let list: Vec<_> = entries
                .iter()
                .map(|e| json!({ "name": e.name, "mode": e.mode_bits, "size": e.size, "is_file": e.is_file, "modified_at": e.modified_at }))
                .collect();
            let v = json!({ "format_version": 1, "server": t.label, "path": abs(path), "entries": list });
            output::stdout(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"));
        }
        Format::Text => {
            let mut out = String::new();
            for e in &entries {
                let name = if e.is_file {
                    e.name.clone()
                } else {
                    format!("{}/", e.name)
                };
                out.push_str(&format!("{}  {:>10}  {name}\n", e.mode, e.size));
            }
            output::stdout(&out);
        }
    }
    Ok(exit::OK)
}

async fn get(
    reach: &Reach,
    server: &str,
    path: &str,
    to: Option<PathBuf>,
    format: Format,
) -> Result<u8, BoxDiag> {
    let to_stdout = to.as_ref().is_some_and(|p| p.as_os_str() == "-");
    if to_stdout && matches!(format, Format::Json) {
        return Err(diag(
            "roost::usage",
            "`-o -` writes the file itself to stdout, where --format json would write its report",
            "write the file somewhere with -o FILE, or drop --format json",
        ));
    }
    let (session, t) = single(reach, server).await?;
    let api = session.api.clone();
    let file = abs(path);
    let result = match &to {
        Some(_) if to_stdout => api.file_contents(&t.handle, &file).await.map(|bytes| {
            use std::io::Write;
            let _ = std::io::stdout().lock().write_all(&bytes);
            None
        }),
        _ => {
            let dest = to.clone().unwrap_or_else(|| PathBuf::from(split(path).1));
            match api.file_download_url(&t.handle, &file).await {
                Ok(url) => api
                    .download_signed(&url, &dest)
                    .await
                    .map(|n| Some((dest, n))),
                Err(e) => Err(e),
            }
        }
    };
    Session::close(session).await;
    if let Some((dest, n)) = result.map_err(panel_error)? {
        format.done(
            &t,
            "downloaded",
            &format!("wrote {} ({n} bytes)", dest.display()),
            json!({ "path": file, "written_to": dest, "bytes": n }),
        );
    }
    Ok(exit::OK)
}

async fn put(
    reach: &Reach,
    server: &str,
    local: &std::path::Path,
    remote: Option<String>,
    restart: bool,
    format: Format,
) -> Result<u8, BoxDiag> {
    let content = std::fs::read(local).map_err(|e| {
        diag(
            "roost::files",
            format!("cannot read {}: {e}", local.display()),
            "check the local path",
        )
    })?;
    let remote = remote.unwrap_or_else(|| {
        if local.is_relative() {
            local.to_string_lossy().replace('\\', "/")
        } else {
            local
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        }
    });
    let session = open(reach, &[server.to_string()]).await?;
    let progress = Progress::new(session.targets.len());
    let results = each(&session.targets, 4, |t| {
        let (api, content, file) = (session.api.clone(), content.clone(), abs(&remote));
        let progress = &progress;
        async move {
            let r = async {
                api.write_file(&t.handle, &file, content).await?;
                if restart {
                    api.power(&t.handle, PowerSignal::Restart).await?;
                }
                Ok::<(), PanelError>(())
            }
            .await;
            let shown = rel(&file);
            let line = match &r {
                Ok(()) if restart => format!("{}: wrote {shown}, restarting", t.label),
                Ok(()) => format!("{}: wrote {shown}", t.label),
                Err(e) => format!("{}: failed: {e}", t.label),
            };
            progress.tick(r.is_ok(), &line);
            (t, r, line)
        }
    })
    .await;
    Session::close(session).await;
    let mut docs = Vec::new();
    for (t, r, line) in &results {
        match format {
            Format::Text => output::stdout(&format!("{line}\n")),
            Format::Json => docs.push(match r {
                Ok(()) => json!({
                    "server": t.label, "identifier": t.handle, "path": abs(&remote),
                    "bytes": content.len(), "restarted": restart,
                }),
                Err(e) => json!({
                    "server": t.label, "identifier": t.handle, "path": abs(&remote),
                    "error": e.to_string(),
                }),
            }),
        }
    }
    if let Format::Json = format {
        output::stdout(&json_text(&json!({ "format_version": 1, "results": docs })));
    }
    progress.summary();
    Ok(if progress.failed() > 0 {
        exit::ERROR
    } else {
        exit::OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_server_root() {
        assert_eq!(rel("/plugins/Foo.jar"), "plugins/Foo.jar");
        assert_eq!(abs("plugins"), "/plugins");
        assert_eq!(split("config/a.yml"), ("/config".into(), "a.yml".into()));
        assert_eq!(
            split("/server.properties"),
            ("/".into(), "server.properties".into())
        );
    }

    #[test]
    fn archives_go_into_the_folder_the_files_share() {
        let same = ["world/a".to_string(), "world/b".to_string()];
        assert_eq!(
            common_root(&same),
            ("/world".into(), vec!["a".into(), "b".into()])
        );
        let mixed = ["world/a".to_string(), "logs/b".to_string()];
        assert_eq!(
            common_root(&mixed),
            ("/".into(), vec!["world/a".into(), "logs/b".into()])
        );
    }
}
