//! Backups on the daemon's side (WPT `server/backup.go`, `router/router_server_backup.go`):
//! an archive is written in the background and reported to the panel when the clock passes its
//! due time (checksum `sha1`, size), deleted, or restored (the server stays `restoring_backup`
//! in the panel until the daemon reports the restore done).

use super::archive::{self, Entries};
use super::console::Event;
use super::files::{extract, fail};
use super::tree::denied;
use super::{Box_, Report};
use crate::client::digest::sha1_hex;
use crate::client::wings::{WingsAnswer, WingsError};
use serde_json::json;

/// A finished archive.
#[derive(Debug, Clone)]
pub struct Archive {
    pub entries: Entries,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Pending {
    pub uuid: String,
    pub ignore: Vec<String>,
    pub due_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Restoring {
    pub backup: String,
    pub truncate: bool,
    pub due_ms: i64,
}

const MISSING: &str = "The requested backup was not found on this server.";

impl Box_ {
    pub fn start_backup(
        &mut self,
        uuid: &str,
        ignore: &str,
        due_ms: i64,
    ) -> Result<WingsAnswer, WingsError> {
        self.pending.push(Pending {
            uuid: uuid.to_string(),
            ignore: ignore
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect(),
            due_ms,
        });
        Ok(WingsAnswer::Accepted)
    }

    pub fn delete_backup(&mut self, uuid: &str) -> Result<WingsAnswer, WingsError> {
        let pending = self.pending.len();
        self.pending.retain(|p| p.uuid != uuid);
        if self.archives.remove(uuid).is_none() && self.pending.len() == pending {
            return Err(fail(404, MISSING));
        }
        Ok(WingsAnswer::Accepted)
    }

    pub fn start_restore(
        &mut self,
        uuid: &str,
        truncate: bool,
        due_ms: i64,
    ) -> Result<WingsAnswer, WingsError> {
        if !self.archives.contains_key(uuid) {
            return Err(fail(404, MISSING));
        }
        self.restoring = Some(Restoring {
            backup: uuid.to_string(),
            truncate,
            due_ms,
        });
        self.console.push(Event::DaemonMessage(
            "Starting restoration process for server backup using wings driver".into(),
        ));
        Ok(WingsAnswer::Accepted)
    }

    /// Completes the backups and the restore whose time has come.
    pub fn settle_backups(&mut self, now: i64, reports: &mut Vec<Report>) {
        let (due, rest): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.due_ms <= now);
        self.pending = rest;
        for p in due {
            let entries =
                archive::collect(&self.tree, "", &[String::new()], |k| !denied(&p.ignore, k));
            let bytes = archive::pack(&entries);
            let checksum = sha1_hex(&bytes);
            let size = bytes.len() as i64;
            let event = json!({
                "uuid": p.uuid, "is_successful": true, "checksum": checksum,
                "checksum_type": "sha1", "file_size": size,
            });
            self.console.push(Event::BackupCompleted(event.to_string()));
            reports.push(Report::BackupCompleted {
                server: self.config.uuid.clone(),
                backup: p.uuid.clone(),
                successful: true,
                checksum: format!("sha1:{checksum}"),
                size,
                at_ms: p.due_ms,
            });
            self.archives.insert(p.uuid, Archive { entries, bytes });
        }
        let Some(r) = self.restoring.take_if(|r| r.due_ms <= now) else {
            return;
        };
        if let Some(a) = self.archives.get(&r.backup) {
            if r.truncate {
                self.tree.entries.clear();
            }
            extract(&mut self.tree, "", a.entries.clone(), r.due_ms / 1000);
        }
        self.console.push(Event::BackupRestoreCompleted);
        reports.push(Report::RestoreCompleted {
            server: self.config.uuid.clone(),
            backup: r.backup,
        });
    }
}
