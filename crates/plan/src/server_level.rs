//! Which servers' server-level state (schedules, subusers, files: read through the Client API) a
//! plan needs: only servers that declare such children, or whose children are pruned because the
//! server is roost's (files are never pruned: only servers declaring files read them). Pure: the
//! caller reads them (one request per server and kind; for files one listing per directory
//! holding declared files, plus what `roost_panel::read_files` needs) before planning.

use crate::identity::Identity;
use crate::lookup::Lookup;
use crate::ownership;
use roost_model::{Desired, FileWant, Kind, Live, ResolvedSecrets};
use std::collections::BTreeSet;

/// A live server whose server-level state the plan needs, and the kinds to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLevelNeed {
    pub server_id: u64,
    /// The Client API's name for it.
    pub identifier: String,
    pub uuid: String,
    /// Schedules, subusers: one listing each.
    pub kinds: Vec<Kind>,
    /// The declared files to read (`roost_panel::read_files`).
    pub files: Vec<FileWant>,
}

/// The reads `plan` needs from the Client API, in server order; each is one request per kind.
pub fn server_level_reads(desired: &Desired, live: &Live) -> Vec<ServerLevelNeed> {
    let desired = crate::normalize::as_panel_stores(desired);
    let secrets = ResolvedSecrets::default();
    let lookup = Lookup::new(live, BTreeSet::new(), &secrets);
    let identity = Identity::new(&desired, &lookup, &mut Vec::new());
    let prunes = |k: Kind| desired.panel.prune.contains(&k);
    let mut out: Vec<ServerLevelNeed> = desired
        .servers
        .iter()
        .filter_map(|(key, s)| {
            let l = identity.server(key)?;
            let ours = ownership::is_ours(&desired.panel, l.external_id.as_deref());
            let mut kinds = Vec::new();
            if !s.schedules.is_empty() || (ours && prunes(Kind::Schedule)) {
                kinds.push(Kind::Schedule);
            }
            if !s.subusers.is_empty() || (ours && prunes(Kind::Subuser)) {
                kinds.push(Kind::Subuser);
            }
            let files: Vec<FileWant> = s.files.values().map(FileWant::from).collect();
            (!kinds.is_empty() || !files.is_empty()).then(|| ServerLevelNeed {
                server_id: l.id,
                identifier: l.identifier.clone(),
                uuid: l.uuid.clone(),
                kinds,
                files,
            })
        })
        .collect();
    out.sort_by_key(|n| n.server_id);
    out.dedup_by_key(|n| n.server_id);
    out
}

/// The servers whose power state `plan` needs, as (panel id, Client-API identifier), in id
/// order: those that declare `power`, unless the manifests' `ignore` rules leave it alone (a
/// command line `--ignore "power"` still reads it: the read comes before the options). One
/// `GET …/resources` each.
pub fn power_reads(desired: &Desired, live: &Live) -> Vec<(u64, String)> {
    let desired = crate::normalize::as_panel_stores(desired);
    let secrets = ResolvedSecrets::default();
    let lookup = Lookup::new(live, BTreeSet::new(), &secrets);
    let identity = Identity::new(&desired, &lookup, &mut Vec::new());
    let ignores = crate::ignore::Ignores::new(&desired, &[]);
    let mut out: Vec<(u64, String)> = desired
        .servers
        .iter()
        .filter(|(key, s)| {
            s.power.is_some()
                && !ignores.ignores(&roost_model::Address::new(Kind::Server, *key), "power")
        })
        .filter_map(|(key, _)| identity.server(key).map(|l| (l.id, l.identifier.clone())))
        .collect();
    out.sort();
    out.dedup_by_key(|n| n.0);
    out
}
