//! What every operation of a run shares: the client, the ids learnt from the run's creates,
//! the secrets resolver, the reporter.

use crate::checked::NotKept;
use crate::{Reporter, SecretResolver};
use roost_model::Address;
use roost_panel::PanelClient;
use roost_plan::Ref;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(crate) struct ApplyCx {
    pub client: Arc<PanelClient>,
    /// Panel ids of what this run created, by address.
    pub ids: Mutex<HashMap<Address, u64>>,
    pub secrets: SecretResolver,
    pub reporter: Arc<dyn Reporter>,
    /// Fields the panel did not keep (`checked.rs`).
    pub not_kept: Mutex<NotKept>,
    /// The panel's release as far as the plan tells, for messages.
    pub panel_release: Option<String>,
    /// The Client API (the client key's), for server-level children such as schedules.
    pub client_api: Option<roost_panel::ClientApi>,
    /// Client-API identifiers of servers this run created, by panel id (learnt once each).
    pub identifiers: Mutex<HashMap<u64, String>>,
    /// How long a server-level write waits for its server to finish installing.
    pub install_wait: std::time::Duration,
    /// The manifest directory the plan was made from: `file` sources are read from it.
    pub manifests: Option<std::path::PathBuf>,
    /// Checksums of the files this run writes, for the next plan.
    pub file_cache: Option<roost_panel::ChecksumCache>,
    /// How long a power operation waits for its server to reach the declared state.
    pub power_timeout: std::time::Duration,
}

impl ApplyCx {
    /// The panel id `r` names: its own, or the one the run's create of that address learnt.
    pub fn resolve(&self, r: &Ref) -> Result<u64, String> {
        match r {
            Ref::Id(id) => Ok(*id),
            Ref::Pending(a) => self.created(a).ok_or_else(|| {
                format!("the panel id of {a} is not known: this run did not create it")
            }),
        }
    }

    /// The id a create of this run learnt for `a`.
    pub fn created(&self, a: &Address) -> Option<u64> {
        self.ids.lock().ok()?.get(a).copied()
    }

    /// A create of this run made `a` with panel id `id`.
    pub fn set_id(&self, a: &Address, id: u64) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.insert(a.clone(), id);
        }
    }
}
