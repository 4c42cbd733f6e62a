//! Bodies of `shared/panel-api/client/fixtures/<dialect>/`, and data that mirrors them.

use super::client::World;
use roost_sim::{Backup, Dialect};
use serde_json::Value;

/// A body of `shared/panel-api/client/fixtures/<dialect>/<name>.json`.
pub fn client_fixture(d: Dialect, name: &str) -> Value {
    let path = super::panel_api_dir().join(format!("client/fixtures/{}/{name}.json", d.as_str()));
    let s = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("client fixture {}: {e}", path.display()));
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("client fixture {name}: {e}"))
}

/// Every fixture file name of a dialect (without `.json`).
pub fn client_fixture_names(d: Dialect) -> Vec<String> {
    let path = super::panel_api_dir().join(format!("client/fixtures/{}", d.as_str()));
    let dir = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("client fixtures {}: {e}", path.display()));
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// A backup row for seeding.
pub fn backup(server: u64, id: u64, now: i64, kind: BackupKind) -> Backup {
    let (successful, completed, checksum, bytes) = match kind {
        BackupKind::Successful => (true, Some(now - 60), Some("sha1:9d4e".to_string()), 1024),
        BackupKind::Failed => (false, Some(now - 30), None, 0),
        BackupKind::Running => (false, None, None, 0),
    };
    Backup {
        id,
        server_id: server,
        uuid: format!("00000000-0000-4000-8000-{id:012}"),
        name: format!("backup {id}"),
        ignored_files: vec!["logs".into()],
        disk: "wings".into(),
        checksum,
        bytes,
        is_successful: successful,
        is_locked: false,
        is_scheduled: false,
        created_at: now - 120,
        completed_at: completed,
        deleted_at: None,
    }
}

#[derive(Clone, Copy)]
pub enum BackupKind {
    Successful,
    Failed,
    Running,
}

impl World {
    /// Sets the notes and alias of the server's two allocations.
    pub fn allocation_labels(&self, notes: Option<&str>, alias: Option<&str>) {
        let (a, b) = (self.allocs[0], self.allocs[1]);
        let notes = notes.map(str::to_string);
        let alias = alias.map(str::to_string);
        self.t.sim.mutate(move |s| {
            for id in [a, b] {
                if let Some(x) = s.allocations.get_mut(&id) {
                    x.alias = alias.clone();
                }
            }
            if let Some(x) = s.allocations.get_mut(&b) {
                x.notes = notes.clone();
            }
        });
    }
}
