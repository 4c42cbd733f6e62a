//! A server's backups (client/backups.md), by backup uuid: list (paginated, with the count
//! that counts against the limit), create (throttled 2 per 600 s per server, planned), lock,
//! restore, download URL, Pelican's rename, delete.

use crate::client_api::ClientApi;
use crate::client_api::exec::ClientReq;
use crate::client_api::files::SignedUrl;
use crate::client_api::ops::ClientOp;
use crate::client_api::schedules::unverifiable;
use crate::error::PanelError;
use crate::lenient::de_bool_lenient;
use crate::wire::{Item, ListMeta};
use roost_model::{Secret, client_backup_routes};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;

/// A `backup`. Running: `completed_at` null; failed: completed but not successful.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Backup {
    pub uuid: String,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub is_successful: bool,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub is_locked: bool,
    /// Pelican: made by a schedule.
    #[serde(default)]
    pub is_scheduled: Option<bool>,
    pub name: String,
    #[serde(default)]
    pub ignored_files: Vec<String>,
    /// `sha1:<hash>` once successful.
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default)]
    pub bytes: u64,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// Every backup, and how many count against the limit (running and successful ones). Decodes
/// one page of `GET /backups`.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "BackupPage")]
pub struct BackupList {
    pub backups: Vec<Backup>,
    pub backup_count: u64,
}

#[derive(Deserialize)]
struct BackupPage {
    data: Vec<Item<Backup>>,
    #[serde(default)]
    meta: Option<BackupMeta>,
}

impl From<BackupPage> for BackupList {
    fn from(p: BackupPage) -> Self {
        BackupList {
            backup_count: p.meta.and_then(|m| m.backup_count).unwrap_or(0),
            backups: p.data.into_iter().map(|i| i.attributes).collect(),
        }
    }
}

#[derive(Deserialize)]
struct BackupMeta {
    #[serde(flatten)]
    list: ListMeta,
    #[serde(default)]
    backup_count: Option<u64>,
}

/// `POST /backups`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct BackupBody {
    /// Empty: `Backup at <time>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Ignored unless the user holds `backup.delete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_locked: Option<bool>,
    /// Newline-separated ignore patterns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
}

impl ClientApi {
    /// Every page of the server's backups (50 a page, the panels' maximum).
    pub async fn backups(&self, server: &str) -> Result<BackupList, PanelError> {
        let base = ClientReq::new(ClientOp::Backups, client_backup_routes::list(server)).on(server);
        let mut backups = Vec::new();
        let mut backup_count = 0;
        let mut page = 1u64;
        loop {
            let req = base.clone().query("per_page", 50).query("page", page);
            let p: BackupPage = self.json(&req).await?;
            let got = p.data.len();
            backups.extend(p.data.into_iter().map(|i| i.attributes));
            let meta = p.meta;
            if page == 1 {
                backup_count = meta.as_ref().and_then(|m| m.backup_count).unwrap_or(0);
            }
            let total = meta
                .and_then(|m| m.list.pagination)
                .map(|p| p.total_pages)
                .unwrap_or(1);
            if got == 0 || page >= total {
                return Ok(BackupList {
                    backups,
                    backup_count,
                });
            }
            page += 1;
        }
    }

    pub async fn backup(&self, server: &str, uuid: &str) -> Result<Backup, PanelError> {
        let req =
            ClientReq::new(ClientOp::Backup, client_backup_routes::one(server, uuid)).on(server);
        self.item(&req).await
    }

    /// Starts a backup (Wings works in the background: poll [`backup`](Self::backup) until
    /// `completed_at`). The backups are read first; after an unknown outcome a new one (of
    /// this name, when named) is taken as started, and none allows sending again.
    pub async fn create_backup(
        &self,
        server: &str,
        body: &BackupBody,
    ) -> Result<Backup, PanelError> {
        let before: Option<HashSet<String>> = self
            .backups(server)
            .await
            .ok()
            .map(|l| l.backups.into_iter().map(|b| b.uuid).collect());
        let req = ClientReq::new(ClientOp::BackupCreate, client_backup_routes::list(server))
            .on(server)
            .json(body)?;
        let verified = self
            .send_verified(&req, "", || async {
                let Some(before) = &before else {
                    return Err(unverifiable("the backups"));
                };
                let now = self.backups(server).await.map_err(|e| e.to_string())?;
                Ok(now.backups.into_iter().find(|b| {
                    !before.contains(&b.uuid)
                        && body
                            .name
                            .as_ref()
                            .is_none_or(|n| n.is_empty() || *n == b.name)
                }))
            })
            .await?;
        self.take(&req, verified)
    }

    /// Locks or unlocks a backup. The panel's route toggles, so the backup is read first and
    /// the toggle sent only when needed; after an unknown outcome it is read again and the
    /// toggle re-sent only if it did not flip.
    pub async fn set_backup_locked(
        &self,
        server: &str,
        uuid: &str,
        locked: bool,
    ) -> Result<Backup, PanelError> {
        let now = self.backup(server, uuid).await?;
        if now.is_locked == locked {
            return Ok(now);
        }
        let req = ClientReq::new(
            ClientOp::BackupLock,
            client_backup_routes::lock(server, uuid),
        )
        .on(server);
        let verified = self
            .send_verified(&req, "", || async {
                let b = self.backup(server, uuid).await.map_err(|e| e.to_string())?;
                Ok((b.is_locked == locked).then_some(b))
            })
            .await?;
        let b: Backup = self.take(&req, verified)?;
        if b.is_locked == locked {
            return Ok(b);
        }
        // Someone else toggled it in between: report rather than toggle again.
        Err(PanelError::NotResent {
            method: "POST".into(),
            path: format!("/api/client{}", client_backup_routes::lock(server, uuid)),
            cause: format!(
                "the backup is {}locked after the toggle",
                if b.is_locked { "" } else { "un" }
            ),
            reread: "another client toggled it at the same time; not sent again".into(),
        })
    }

    /// Restores a backup (`truncate`: delete every file first). The server answers 409 until
    /// Wings finishes. Pelican: 3 per 15 minutes per server, planned. Never sent twice.
    pub async fn restore_backup(
        &self,
        server: &str,
        uuid: &str,
        truncate: bool,
    ) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::BackupRestore,
            client_backup_routes::restore(server, uuid),
        )
        .on(server)
        .json(&json!({ "truncate": truncate }))?;
        self.send(&req).await.map(|_| ())
    }

    /// A download URL of a backup (single-use, 15 minutes; a credential).
    pub async fn backup_download_url(
        &self,
        server: &str,
        uuid: &str,
    ) -> Result<Secret, PanelError> {
        let req = ClientReq::new(
            ClientOp::BackupDownload,
            client_backup_routes::download(server, uuid),
        )
        .on(server);
        let url: SignedUrl = self.item(&req).await?;
        Ok(url.url)
    }

    /// Renames a backup (Pelican only).
    pub async fn rename_backup(
        &self,
        server: &str,
        uuid: &str,
        name: &str,
    ) -> Result<Backup, PanelError> {
        let req = ClientReq::new(
            ClientOp::BackupRename,
            client_backup_routes::rename(server, uuid),
        )
        .on(server)
        .json(&json!({ "name": name }))?;
        self.item(&req).await
    }

    /// Deletes a backup (a locked successful one is refused: unlock it first).
    pub async fn delete_backup(&self, server: &str, uuid: &str) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::BackupDelete,
            client_backup_routes::one(server, uuid),
        )
        .on(server);
        self.send(&req).await.map(|_| ())
    }
}
