//! `roost backup …`: a server's backups through the Client API. Wings makes a backup in the
//! background (the panel answers at once with a backup that has not completed); `--wait`
//! follows it to the end. Deleting and restoring are destructive: they ask at a terminal and
//! need `--yes` in scripts. A download goes through the single-use signed URL the panel hands
//! out, which is never printed.

use super::select::Target;
use super::{Format, Progress, Reach, Session, confirm, each, open};
use crate::connect::{BoxDiag, diag, panel_error};
use crate::exit;
use crate::output;
use roost_panel::{Backup, BackupBody, ClientApi};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Subcommand)]
pub enum BackupCommand {
    /// The backups of servers.
    List {
        /// Servers: server.KEY, a glob such as server.mc-*, or panel identifiers.
        servers: Vec<String>,
        #[command(flatten)]
        reach: Reach,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Start a backup of each server; --wait follows it until Wings finishes.
    Create {
        /// Servers: server.KEY, a glob such as server.mc-*, or panel identifiers.
        servers: Vec<String>,
        #[command(flatten)]
        reach: Reach,
        /// The backup's name (default: the panel's, a timestamp).
        #[arg(long)]
        name: Option<String>,
        /// Files to leave out, one pattern a line as in .pteroignore.
        #[arg(long)]
        ignore: Option<String>,
        /// Lock the backup: it cannot be deleted until unlocked.
        #[arg(long)]
        locked: bool,
        /// Wait until the backup has completed (or failed).
        #[arg(long)]
        wait: bool,
        /// How long --wait waits for each backup.
        #[arg(long, default_value = "30m", value_parser = super::parse_duration)]
        timeout: Duration,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Lock a backup against deletion.
    Lock(OneBackup),
    /// Unlock a backup.
    Unlock(OneBackup),
    /// Delete a backup (asks; --yes in scripts).
    Delete {
        #[command(flatten)]
        one: OneBackup,
        /// Confirm without a prompt (needed in scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Restore a backup over the server's files (asks; --yes in scripts).
    Restore {
        #[command(flatten)]
        one: OneBackup,
        /// Delete every file of the server before restoring.
        #[arg(long)]
        truncate: bool,
        /// Confirm without a prompt (needed in scripts).
        #[arg(long)]
        yes: bool,
        /// Wait until the restore has finished.
        #[arg(long)]
        wait: bool,
        /// How long --wait waits.
        #[arg(long, default_value = "30m", value_parser = super::parse_duration)]
        timeout: Duration,
    },
    /// Download a backup's archive.
    Download {
        #[command(flatten)]
        one: OneBackup,
        /// Where to write it (default: SERVER-NAME.tar.gz here).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// One backup of one server.
#[derive(Debug, Clone, clap::Args)]
pub struct OneBackup {
    /// The server: server.KEY or a panel identifier.
    pub server: String,
    /// The backup: its uuid, its name (if no other backup of the server has it), or `latest`
    /// (the newest completed one).
    pub backup: String,
    #[command(flatten)]
    pub reach: Reach,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub async fn run(command: BackupCommand) -> Result<u8, BoxDiag> {
    match command {
        BackupCommand::List {
            servers,
            reach,
            format,
        } => list(&reach, &servers, format).await,
        BackupCommand::Create {
            servers,
            reach,
            name,
            ignore,
            locked,
            wait,
            timeout,
            format,
        } => {
            let body = BackupBody {
                name,
                is_locked: locked.then_some(true),
                ignored: ignore,
            };
            create(&reach, &servers, body, wait.then_some(timeout), format).await
        }
        BackupCommand::Lock(one) => lock(&one, true).await,
        BackupCommand::Unlock(one) => lock(&one, false).await,
        BackupCommand::Delete { one, yes } => delete(&one, yes).await,
        BackupCommand::Restore {
            one,
            truncate,
            yes,
            wait,
            timeout,
        } => restore(&one, truncate, yes, wait.then_some(timeout)).await,
        BackupCommand::Download { one, output } => download(&one, output).await,
    }
}

async fn list(reach: &Reach, servers: &[String], format: Format) -> Result<u8, BoxDiag> {
    let session = open(reach, servers).await?;
    let lists = each(&session.targets, 8, |t| {
        let api = session.api.clone();
        async move { (api.backups(&t.handle).await, t) }
    })
    .await;
    Session::close(session).await;
    let mut failed = false;
    let mut docs = Vec::new();
    let mut text = String::new();
    for (result, t) in lists {
        match result {
            Ok(l) => {
                text.push_str(&format!("{} ({} backups)\n", t.label, l.backups.len()));
                for b in &l.backups {
                    text.push_str(&format!("  {}\n", backup_line(b)));
                }
                let backups: Vec<_> = l.backups.iter().map(backup_json).collect();
                docs.push(json!({ "server": t.label, "identifier": t.handle, "backups": backups }));
            }
            Err(e) => {
                failed = true;
                text.push_str(&format!("{}: {e}\n", t.label));
                docs.push(
                    json!({ "server": t.label, "identifier": t.handle, "error": e.to_string() }),
                );
            }
        }
    }
    match format {
        Format::Text => output::stdout(&text),
        Format::Json => output::stdout(&pretty(json!({ "format_version": 1, "servers": docs }))),
    }
    Ok(if failed { exit::ERROR } else { exit::OK })
}

fn pretty(v: serde_json::Value) -> String {
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

fn state(b: &Backup) -> &'static str {
    match (&b.completed_at, b.is_successful) {
        (None, _) => "pending",
        (Some(_), true) => "completed",
        (Some(_), false) => "failed",
    }
}

fn backup_line(b: &Backup) -> String {
    format!(
        "{}  {:<9}  {:>10}  {}{}",
        b.uuid,
        state(b),
        size(b.bytes),
        b.name,
        if b.is_locked { "  (locked)" } else { "" }
    )
}

fn backup_json(b: &Backup) -> serde_json::Value {
    json!({
        "uuid": b.uuid, "name": b.name, "state": state(b), "bytes": b.bytes,
        "locked": b.is_locked, "checksum": b.checksum, "created_at": b.created_at,
        "completed_at": b.completed_at,
    })
}

fn size(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    match n as f64 / MIB {
        m if m >= 1024.0 => format!("{:.1} GiB", m / 1024.0),
        m => format!("{m:.1} MiB"),
    }
}

async fn create(
    reach: &Reach,
    servers: &[String],
    body: BackupBody,
    wait: Option<Duration>,
    format: Format,
) -> Result<u8, BoxDiag> {
    let session = open(reach, servers).await?;
    let progress = Progress::new(session.targets.len());
    let results = each(&session.targets, 4, |t| {
        let (api, body, progress) = (session.api.clone(), body.clone(), &progress);
        async move {
            let r = create_one(&api, &t, &body, wait).await;
            match &r {
                Ok(b) => progress.tick(
                    state(b) != "failed",
                    &format!("{}: {}", t.label, backup_line(b)),
                ),
                Err(e) => progress.tick(false, &format!("{}: backup failed: {e}", t.label)),
            }
            (r, t)
        }
    })
    .await;
    Session::close(session).await;
    progress.summary();
    let mut failed = false;
    let mut docs = Vec::new();
    for (r, t) in results {
        match r {
            Ok(b) => {
                failed |= state(&b) == "failed";
                if let Format::Text = format {
                    output::stdout(&format!("{}: {}\n", t.label, backup_line(&b)));
                }
                docs.push(json!({ "server": t.label, "backup": backup_json(&b) }));
            }
            Err(e) => {
                failed = true;
                if let Format::Text = format {
                    output::stdout(&format!("{}: backup failed: {e}\n", t.label));
                }
                docs.push(json!({ "server": t.label, "error": e }));
            }
        }
    }
    if let Format::Json = format {
        output::stdout(&pretty(json!({ "format_version": 1, "results": docs })));
    }
    Ok(if failed { exit::ERROR } else { exit::OK })
}

async fn create_one(
    api: &ClientApi,
    t: &Target,
    body: &BackupBody,
    wait: Option<Duration>,
) -> Result<Backup, String> {
    let b = api
        .create_backup(&t.handle, body)
        .await
        .map_err(|e| e.to_string())?;
    let Some(limit) = wait else { return Ok(b) };
    let started = Instant::now();
    loop {
        let now = api
            .backup(&t.handle, &b.uuid)
            .await
            .map_err(|e| e.to_string())?;
        if now.completed_at.is_some() {
            return Ok(now);
        }
        if started.elapsed() > limit {
            return Err(format!(
                "backup {} not completed within {} s",
                b.uuid,
                limit.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The server and the backup `one` names.
async fn find(one: &OneBackup) -> Result<(Session, Target, Backup), BoxDiag> {
    let session = open(&one.reach, std::slice::from_ref(&one.server)).await?;
    let [t] = session.targets.as_slice() else {
        let n = session.targets.len();
        Session::close(session).await;
        return Err(diag(
            "roost::selector",
            format!(
                "`{}` names {n} servers; a backup is one server's",
                one.server
            ),
            "name a single server",
        ));
    };
    let t = t.clone();
    let backups = match session.api.backups(&t.handle).await {
        Ok(l) => l.backups,
        Err(e) => {
            Session::close(session).await;
            return Err(panel_error(e));
        }
    };
    match pick(&backups, &one.backup) {
        Ok(b) => Ok((session, t, b.clone())),
        Err(message) => {
            Session::close(session).await;
            Err(diag(
                "roost::backup",
                format!("{}: {message}", t.label),
                "`roost backup list` shows the server's backups",
            ))
        }
    }
}

/// The backup `which` names: a uuid, a unique name, or `latest` (newest completed).
fn pick<'a>(backups: &'a [Backup], which: &str) -> Result<&'a Backup, String> {
    if which == "latest" {
        return backups
            .iter()
            .filter(|b| state(b) == "completed")
            .max_by(|a, b| a.completed_at.cmp(&b.completed_at))
            .ok_or_else(|| "no completed backup".to_string());
    }
    if let Some(b) = backups.iter().find(|b| b.uuid == which) {
        return Ok(b);
    }
    let named: Vec<&Backup> = backups.iter().filter(|b| b.name == which).collect();
    match named.as_slice() {
        [b] => Ok(b),
        [] => Err(format!("no backup with the uuid or name `{which}`")),
        many => Err(format!(
            "{} backups are named `{which}`: name one by uuid ({})",
            many.len(),
            many.iter()
                .map(|b| b.uuid.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

async fn lock(one: &OneBackup, locked: bool) -> Result<u8, BoxDiag> {
    let (session, t, b) = find(one).await?;
    let r = session
        .api
        .set_backup_locked(&t.handle, &b.uuid, locked)
        .await;
    Session::close(session).await;
    let b = r.map_err(panel_error)?;
    match one.format {
        Format::Text => output::stdout(&format!("{}: {}\n", t.label, backup_line(&b))),
        Format::Json => one.format.done(
            &t,
            if locked { "locked" } else { "unlocked" },
            "",
            json!({ "backup": backup_json(&b) }),
        ),
    }
    Ok(exit::OK)
}

async fn delete(one: &OneBackup, yes: bool) -> Result<u8, BoxDiag> {
    let (session, t, b) = find(one).await?;
    if b.is_locked {
        Session::close(session).await;
        return Err(diag(
            "roost::backup",
            format!("{}: backup `{}` is locked", t.label, b.name),
            format!(
                "unlock it first: roost backup unlock {} {}",
                one.server, b.uuid
            ),
        ));
    }
    let question = format!("Delete backup `{}` ({}) of {}", b.name, b.uuid, t.label);
    if !confirm(&question, yes)? {
        Session::close(session).await;
        output::status("Cancelled: nothing was deleted.");
        return Ok(exit::ERROR);
    }
    let r = session.api.delete_backup(&t.handle, &b.uuid).await;
    Session::close(session).await;
    r.map_err(panel_error)?;
    one.format.done(
        &t,
        "deleted",
        &format!("backup `{}` deleted", b.name),
        json!({ "backup": backup_json(&b) }),
    );
    Ok(exit::OK)
}

async fn restore(
    one: &OneBackup,
    truncate: bool,
    yes: bool,
    wait: Option<Duration>,
) -> Result<u8, BoxDiag> {
    let (session, t, b) = find(one).await?;
    let what = if truncate {
        "deleting every file of the server first"
    } else {
        "over the server's files"
    };
    let question = format!("Restore backup `{}` of {} ({what})", b.name, t.label);
    if !confirm(&question, yes)? {
        Session::close(session).await;
        output::status("Cancelled: nothing was restored.");
        return Ok(exit::ERROR);
    }
    let mut r = session
        .api
        .restore_backup(&t.handle, &b.uuid, truncate)
        .await
        .map_err(panel_error);
    if r.is_ok()
        && let Some(limit) = wait
    {
        r = until_restored(&session.api, &t, limit).await;
    }
    Session::close(session).await;
    r?;
    let (action, done) = if wait.is_some() {
        ("restored", "restored")
    } else {
        ("restore_started", "restore started")
    };
    one.format.done(
        &t,
        action,
        &format!("backup `{}` {done}", b.name),
        json!({ "backup": backup_json(&b), "truncated": truncate }),
    );
    Ok(exit::OK)
}

/// Waits while the panel reports the server as restoring a backup.
async fn until_restored(api: &ClientApi, t: &Target, limit: Duration) -> Result<(), BoxDiag> {
    let started = Instant::now();
    loop {
        let s = api.server(&t.handle).await.map_err(panel_error)?;
        if s.server.status.as_deref() != Some("restoring_backup") {
            return Ok(());
        }
        if started.elapsed() > limit {
            return Err(diag(
                "roost::backup",
                format!("{}: still restoring after {} s", t.label, limit.as_secs()),
                "`roost server status` shows when it is done",
            ));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn download(one: &OneBackup, output_path: Option<PathBuf>) -> Result<u8, BoxDiag> {
    let (session, t, b) = find(one).await?;
    let dest = output_path.unwrap_or_else(|| {
        let server = t.label.trim_start_matches("server.");
        PathBuf::from(format!("{}-{}.tar.gz", safe(server), safe(&b.name)))
    });
    let r = async {
        let url = session.api.backup_download_url(&t.handle, &b.uuid).await?;
        session.api.download_signed(&url, &dest).await
    }
    .await;
    Session::close(session).await;
    let bytes = r.map_err(panel_error)?;
    one.format.done(
        &t,
        "downloaded",
        &format!("wrote {} ({bytes} bytes)", dest.display()),
        json!({ "backup": backup_json(&b), "written_to": dest, "bytes": bytes }),
    );
    Ok(exit::OK)
}

/// A name made safe for a file name.
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(uuid: &str, name: &str, completed: Option<&str>) -> Backup {
        serde_json::from_value(json!({
            "uuid": uuid, "name": name, "is_successful": completed.is_some(),
            "completed_at": completed, "bytes": 0
        }))
        .unwrap()
    }

    #[test]
    fn backups_are_named_by_uuid_unique_name_or_latest() {
        let l = [
            backup("u1", "nightly", Some("2026-12-01T04:00:00Z")),
            backup("u2", "nightly", Some("2026-12-02T04:00:00Z")),
            backup("u3", "before-update", Some("2026-11-30T10:00:00Z")),
            backup("u4", "running", None),
        ];
        assert_eq!(pick(&l, "u3").unwrap().uuid, "u3");
        assert_eq!(pick(&l, "before-update").unwrap().uuid, "u3");
        assert_eq!(pick(&l, "latest").unwrap().uuid, "u2");
        let e = pick(&l, "nightly").unwrap_err();
        assert!(e.contains("u1, u2"), "{e}");
        assert!(pick(&l, "weekly").is_err());
        assert!(pick(&[], "latest").is_err());
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(safe("Before update/2"), "Before_update_2");
    }
}
