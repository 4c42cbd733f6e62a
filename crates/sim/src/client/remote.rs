//! The panel's side of the daemon's own calls (`/api/remote/...`): the configuration Wings
//! fetches for a server, and what the panel records when Wings reports finished work
//! (PT `Api/Remote/Backups/BackupStatusController.php`).

use super::wings::{Report, ServerConfig, Wings};
use crate::state::{Server, SimState};
use serde_json::Value;

/// `GET /api/remote/servers/{uuid}`, reduced to what the emulated daemon uses.
pub fn server_config(st: &SimState, server: &Server, panel_url: &str) -> ServerConfig {
    let denylist = st
        .eggs
        .get(&server.egg_id)
        .and_then(|e| e.file_denylist.as_array())
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let node = st.nodes.get(&server.node_id);
    ServerConfig {
        uuid: server.uuid.clone(),
        suspended: server.status.as_deref() == Some("suspended"),
        memory_mb: server.memory,
        disk_mb: server.disk,
        denylist,
        node_token: node.map(|n| n.daemon_token.clone()).unwrap_or_default(),
        upload_limit_mb: node.map_or(100, |n| n.upload_size),
        panel_url: panel_url.to_string(),
    }
}

/// Records what the daemon reports; true when the state changed.
pub fn settle(st: &mut SimState, wings: &dyn Wings) -> bool {
    let reports = wings.settle(&st.settings.wings);
    let changed = !reports.is_empty();
    for r in reports {
        apply(st, r);
    }
    changed
}

fn apply(st: &mut SimState, r: Report) {
    match r {
        Report::BackupCompleted {
            server,
            backup,
            successful,
            checksum,
            size,
            at_ms,
        } => {
            let Some(sid) = st.idx.server_by_uuid.get(&server).copied() else {
                return;
            };
            let row = st
                .backups
                .values_mut()
                .find(|b| b.server_id == sid && b.uuid == backup && b.completed_at.is_none());
            if let Some(b) = row {
                b.is_successful = successful;
                b.checksum = successful.then_some(checksum);
                b.bytes = if successful { size } else { 0 };
                b.completed_at = Some(at_ms.div_euclid(1000));
                // A failed backup is also unlocked.
                b.is_locked &= successful;
            }
        }
        Report::RestoreCompleted { server, .. } => {
            let Some(sid) = st.idx.server_by_uuid.get(&server).copied() else {
                return;
            };
            if let Some(s) = st.servers.get_mut(&sid)
                && s.status.as_deref() == Some("restoring_backup")
            {
                s.status = None;
            }
        }
    }
}
