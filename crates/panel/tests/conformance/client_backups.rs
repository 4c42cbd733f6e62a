//! Backups through `ClientApi`, both dialects: create, list, read, lock, download URL, rename
//! (Pelican only: Pterodactyl's client refuses it typed), restore and delete, each read back.

use crate::client_common::*;
use roost_panel::{BackupBody, Dialect, PanelError, Refusal, ServerState};
use roost_sim::WingsCall;

/// Marks a backup completed, as Wings' report would.
fn complete(p: &Panel, uuid: &str) {
    let uuid = uuid.to_string();
    p.sim.mutate(move |s| {
        let now = s.now();
        if let Some(b) = s.backups.values_mut().find(|b| b.uuid == uuid) {
            b.is_successful = true;
            b.completed_at = Some(now);
            b.bytes = 4096;
        }
    });
}

#[tokio::test]
async fn backups_create_read_lock_rename_download_and_delete() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        let body = BackupBody {
            name: Some("before update".into()),
            is_locked: None,
            ignored: Some("logs\n*.tmp".into()),
        };
        let made = c.create_backup(&id, &body).await.unwrap();
        assert_eq!(made.name, "before update", "{d}");
        assert!(!made.is_successful && made.completed_at.is_none());
        let sent = p.disk.calls().iter().any(|w| {
            matches!(w, WingsCall::Backup { uuid, ignore, .. } if *uuid == made.uuid && ignore.contains("*.tmp"))
        });
        assert!(sent, "{d}: Wings asked to make it");
        complete(&p, &made.uuid);
        let list = c.backups(&id).await.unwrap();
        assert_eq!((list.backups.len(), list.backup_count), (1, 1), "{d}");
        let read = c.backup(&id, &made.uuid).await.unwrap();
        assert!(read.is_successful && read.bytes == 4096, "{d}");
        let locked = c.set_backup_locked(&id, &made.uuid, true).await.unwrap();
        assert!(locked.is_locked);
        assert!(c.backup(&id, &made.uuid).await.unwrap().is_locked, "{d}");
        // Locking again is a no-op, not a toggle back.
        let still = c.set_backup_locked(&id, &made.uuid, true).await.unwrap();
        assert!(still.is_locked, "{d}");
        let e = c.delete_backup(&id, &made.uuid).await.unwrap_err();
        assert!(
            matches!(
                e,
                PanelError::Refused {
                    reason: Refusal::BackupLocked,
                    ..
                }
            ),
            "{d}: {e:?}"
        );
        c.set_backup_locked(&id, &made.uuid, false).await.unwrap();
        let url = c.backup_download_url(&id, &made.uuid).await.unwrap();
        assert!(url.expose().contains("token="), "{d}");
        let renamed = c.rename_backup(&id, &made.uuid, "kept").await;
        match d {
            Dialect::Pelican => {
                assert_eq!(renamed.unwrap().name, "kept");
                assert_eq!(c.backup(&id, &made.uuid).await.unwrap().name, "kept");
            }
            Dialect::Pterodactyl => {
                let e = renamed.unwrap_err();
                assert!(matches!(e, PanelError::Unsupported { .. }), "{e:?}");
                assert_eq!(p.logged("PUT", "/rename"), 0, "nothing sent");
            }
        }
        c.delete_backup(&id, &made.uuid).await.unwrap();
        assert!(c.backups(&id).await.unwrap().backups.is_empty(), "{d}");
        let gone = p
            .disk
            .calls()
            .iter()
            .any(|w| matches!(w, WingsCall::DeleteBackup { uuid } if *uuid == made.uuid));
        assert!(gone, "{d}");
        p.shutdown().await;
    }
}

/// A restore reaches Wings and puts the server in `restoring_backup`: until Wings reports,
/// the server's routes answer the typed 409.
#[tokio::test]
async fn restore_then_the_server_is_restoring() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        let made = c.create_backup(&id, &BackupBody::default()).await.unwrap();
        // Not finished yet: the panel refuses the restore.
        let e = c.restore_backup(&id, &made.uuid, false).await.unwrap_err();
        assert!(matches!(e, PanelError::Refused { .. }), "{d}: {e:?}");
        complete(&p, &made.uuid);
        c.restore_backup(&id, &made.uuid, true).await.unwrap();
        let asked = p.disk.calls().iter().any(|w| {
            matches!(w, WingsCall::RestoreBackup { uuid, truncate: true, .. } if *uuid == made.uuid)
        });
        assert!(asked, "{d}");
        let e = c.schedules(&id).await.unwrap_err();
        assert!(
            matches!(
                e,
                PanelError::StateConflict {
                    state: ServerState::RestoringBackup,
                    ..
                }
            ),
            "{d}: {e:?}"
        );
        p.shutdown().await;
    }
}
