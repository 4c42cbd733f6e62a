//! One-off operations on a server's child or a node: `roost db rotate SEL/DATABASE`,
//! `roost schedule run SEL/SCHEDULE`, `roost node config NODE`. What they reveal (a new
//! database password, Wings' configuration with the node's daemon token) is a secret: shown
//! only when asked, and written to files readable by their owner alone.

use super::{Format, Reach, Session, json_text, open};
use crate::connect::{BoxDiag, ConnectOptions, connect, diag, panel_error};
use crate::exit;
use crate::output;
use roost_model::Secret;
use serde_json::json;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Give a server database's user a new password.
    Rotate {
        /// SERVER/DATABASE: e.g. server.lobby/main (the database's name, with or without the
        /// panel's `s<id>_` prefix; `database.main` also works).
        target: String,
        #[command(flatten)]
        reach: Reach,
        /// Print the new password on stdout.
        #[arg(long, conflicts_with = "password_file")]
        show_password: bool,
        /// Write the new password to FILE (created readable by its owner only).
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum ScheduleCommand {
    /// Run a schedule now, as the panel's "Run now" does.
    Run {
        /// SERVER/SCHEDULE: e.g. server.lobby/nightly (the schedule's name or id).
        target: String,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum NodeCommand {
    /// Wings' configuration for a node, as the panel generates it (JSON, which Wings reads as
    /// its config.yml). It holds the node's daemon token.
    Config {
        /// The node: node.NAME, its name, or its panel id.
        node: String,
        /// Directory of *.kdl manifests (for the panel block).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The panel: a URL, or sim:PATH (default: $ROOST_PANEL, then the manifests).
        #[arg(long)]
        panel: Option<String>,
        /// Write it to FILE (created readable by its owner only).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Print it even when stdout is a terminal.
        #[arg(long)]
        show: bool,
        /// Application API requests per minute (0 = off; default: the panel's own limit).
        #[arg(long)]
        rate_limit: Option<u32>,
        /// Output format of the report when -o writes the file (the configuration itself is
        /// JSON).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// `SEL/CHILD` split; `kind.` before the child is allowed (`database.main`).
fn split_child(target: &str, kind: &str) -> Result<(String, String), BoxDiag> {
    let usage = || {
        diag(
            "roost::usage",
            format!("`{target}` does not name a {kind}"),
            format!(
                "write SERVER/{}: e.g. server.lobby/main",
                kind.to_uppercase()
            ),
        )
    };
    let (server, child) = target.split_once('/').ok_or_else(usage)?;
    let child = child.strip_prefix(&format!("{kind}.")).unwrap_or(child);
    if server.is_empty() || child.is_empty() {
        return Err(usage());
    }
    Ok((server.to_string(), child.to_string()))
}

/// One server of a selector.
async fn one_server(reach: &Reach, server: &str) -> Result<(Session, String, String), BoxDiag> {
    let session = open(reach, &[server.to_string()]).await?;
    match session.targets.as_slice() {
        [t] => {
            let (label, handle) = (t.label.clone(), t.handle.clone());
            Ok((session, label, handle))
        }
        many => {
            let n = many.len();
            Session::close(session).await;
            Err(diag(
                "roost::selector",
                format!("`{server}` names {n} servers; this acts on one"),
                "name a single server",
            ))
        }
    }
}

pub async fn db(command: DbCommand) -> Result<u8, BoxDiag> {
    let DbCommand::Rotate {
        target,
        reach,
        show_password,
        password_file,
        format,
    } = command;
    let (server, name) = split_child(&target, "database")?;
    let (session, label, handle) = one_server(&reach, &server).await?;
    let rotated = async {
        let all = session.api.databases(&handle, false).await?;
        let Some(db) = all.iter().find(|d| d.name == name || d.is_named(&name)) else {
            return Ok(None);
        };
        session
            .api
            .rotate_database_password(&handle, &db.id)
            .await
            .map(Some)
    }
    .await;
    Session::close(session).await;
    let Some(db) = rotated.map_err(panel_error)? else {
        return Err(diag(
            "roost::db",
            format!("{label} has no database `{name}`"),
            "the panel names databases s<server id>_<name>; `roost plan` shows the declared ones",
        ));
    };
    let target = super::select::Target {
        label: label.clone(),
        handle: handle.clone(),
    };
    let report = |password_file: Option<&Path>, password: Option<&str>| {
        format.done(
            &target,
            "rotated",
            &format!(
                "new password for database {} (user {})",
                db.name, db.username
            ),
            json!({
                "database": db.name, "username": db.username,
                "password_file": password_file, "password": password,
            }),
        )
    };
    let Some(password) = &db.password else {
        report(None, None);
        output::status("The panel did not return the password (the key may not view passwords).");
        return Ok(exit::OK);
    };
    if let Some(file) = password_file {
        write_private(&file, &format!("{}\n", password.expose()))?;
        report(Some(&file), None);
        output::status(&format!("Password written to {}.", file.display()));
    } else if show_password {
        match format {
            Format::Text => {
                report(None, None);
                output::stdout(&format!("{}\n", password.expose()));
            }
            Format::Json => report(None, Some(password.expose())),
        }
    } else {
        report(None, None);
        output::status("Not shown: pass --show-password or --password-file FILE.");
    }
    Ok(exit::OK)
}

pub async fn schedule(command: ScheduleCommand) -> Result<u8, BoxDiag> {
    let ScheduleCommand::Run {
        target,
        reach,
        format,
    } = command;
    let (server, name) = split_child(&target, "schedule")?;
    let (session, label, handle) = one_server(&reach, &server).await?;
    let result = async {
        let all = session.api.schedules(&handle).await?;
        let found = all
            .iter()
            .find(|s| s.name == name || s.id.to_string() == name)
            .map(|s| (s.id, s.name.clone()));
        let Some((id, sname)) = found else {
            return Ok(Err(all.iter().map(|s| s.name.clone()).collect::<Vec<_>>()));
        };
        session.api.execute_schedule(&handle, id).await?;
        Ok(Ok(sname))
    }
    .await;
    Session::close(session).await;
    match result.map_err(panel_error)? {
        Ok(sname) => {
            let t = super::select::Target { label, handle };
            format.done(
                &t,
                "started",
                &format!("schedule `{sname}` started"),
                json!({ "schedule": sname }),
            );
            Ok(exit::OK)
        }
        Err(names) => Err(diag(
            "roost::schedule",
            format!("{label} has no schedule `{name}`"),
            format!(
                "its schedules: {}",
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            ),
        )),
    }
}

pub async fn node(command: NodeCommand) -> Result<u8, BoxDiag> {
    let NodeCommand::Config {
        node,
        dir,
        panel,
        output: file,
        show,
        rate_limit,
        format,
    } = command;
    if file.is_none() && !show && std::io::stdout().is_terminal() {
        return Err(diag(
            "roost::secret",
            "the configuration holds the node's daemon token: not printed to a terminal",
            "write it with -o FILE (created 0600), pipe it, or pass --show",
        ));
    }
    let manifest = if has_kdl(&dir) {
        Some(crate::planning::load(&dir)?)
    } else {
        None
    };
    let copts = ConnectOptions {
        panel,
        rate_limit,
        read_only: true,
        ..ConnectOptions::default()
    };
    let p = connect(&copts, manifest.as_ref()).await?;
    let wanted = node.strip_prefix("node.").unwrap_or(&node).to_string();
    let config = async {
        let nodes = p.client.list_nodes().await?;
        let Some(n) = nodes
            .iter()
            .find(|n| n.name == wanted || n.id.to_string() == wanted)
        else {
            return Ok(Err(nodes
                .iter()
                .map(|n| n.name.clone())
                .collect::<Vec<_>>()));
        };
        p.client.node_configuration(n.id).await.map(Ok)
    }
    .await;
    p.close().await;
    let config: Secret = match config.map_err(panel_error)? {
        Ok(c) => c,
        Err(names) => {
            return Err(diag(
                "roost::node",
                format!("the panel has no node `{wanted}`"),
                format!("its nodes: {}", names.join(", ")),
            ));
        }
    };
    match file {
        Some(f) => {
            write_private(&f, config.expose())?;
            match format {
                Format::Text => output::status(&format!(
                    "Wings configuration of {wanted} written to {} (0600).",
                    f.display()
                )),
                Format::Json => output::stdout(&json_text(&json!({
                    "format_version": 1, "node": wanted, "action": "written", "written_to": f,
                }))),
            }
        }
        None => output::stdout(config.expose()),
    }
    Ok(exit::OK)
}

fn has_kdl(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|e| {
        e.flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "kdl"))
    })
}

/// Writes `text` to `path`, readable and writable by its owner only (set before any byte is
/// written, so the secret is never readable by others, not even briefly).
fn write_private(path: &Path, text: &str) -> Result<(), BoxDiag> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let fail = |e: std::io::Error| {
        diag(
            "roost::write",
            format!("cannot write {}: {e}", path.display()),
            "check the path and its permissions",
        )
    };
    let mut f = options.open(path).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(fail)?;
    }
    f.write_all(text.as_bytes()).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_are_named_after_a_slash() {
        let (s, c) = split_child("server.lobby/database.main", "database").unwrap();
        assert_eq!((s.as_str(), c.as_str()), ("server.lobby", "main"));
        let (s, c) = split_child("1a2b3c4d/nightly", "schedule").unwrap();
        assert_eq!((s.as_str(), c.as_str()), ("1a2b3c4d", "nightly"));
        assert!(split_child("server.lobby", "database").is_err());
        assert!(split_child("server.lobby/", "database").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn secrets_are_written_for_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&p, "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
