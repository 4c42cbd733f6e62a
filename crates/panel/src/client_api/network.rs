//! A server's allocations through the Client API (client/network.md): assign one more (the
//! panel picks it), notes, the primary, release.

use crate::client_api::ClientApi;
use crate::client_api::exec::ClientReq;
use crate::client_api::ops::ClientOp;
use crate::client_api::schedules::unverifiable;
use crate::error::PanelError;
use roost_model::client_network_routes;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashSet;

/// An `allocation` as the Client API shows it (no node, no `assigned` flag).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClientAllocation {
    pub id: u64,
    pub ip: String,
    #[serde(default)]
    pub ip_alias: Option<String>,
    pub port: u16,
    #[serde(default)]
    pub notes: Option<String>,
    /// The server's primary allocation.
    #[serde(default)]
    pub is_default: bool,
}

impl ClientApi {
    pub async fn allocations(&self, server: &str) -> Result<Vec<ClientAllocation>, PanelError> {
        let req =
            ClientReq::new(ClientOp::Allocations, client_network_routes::list(server)).on(server);
        self.list(&req).await
    }

    /// Assigns one more allocation, picked by the panel (it must allow it: a numeric limit
    /// above the current count, and the feature switched on). Pelican: 2 per minute per
    /// server, planned. The allocations are read first: after an unknown outcome a new one is
    /// taken as assigned, and none allows sending again.
    pub async fn assign_allocation(&self, server: &str) -> Result<ClientAllocation, PanelError> {
        let before: Option<HashSet<u64>> = self
            .allocations(server)
            .await
            .ok()
            .map(|l| l.iter().map(|a| a.id).collect());
        let req = ClientReq::new(
            ClientOp::AllocationAssign,
            client_network_routes::list(server),
        )
        .on(server);
        let verified = self
            .send_verified(&req, "", || async {
                let Some(before) = &before else {
                    return Err(unverifiable("the allocations"));
                };
                let now = self.allocations(server).await.map_err(|e| e.to_string())?;
                Ok(now.into_iter().find(|a| !before.contains(&a.id)))
            })
            .await?;
        self.take(&req, verified)
    }

    /// Sets (or with `None` clears) an allocation's notes.
    pub async fn set_allocation_notes(
        &self,
        server: &str,
        id: u64,
        notes: Option<&str>,
    ) -> Result<ClientAllocation, PanelError> {
        let req = ClientReq::new(
            ClientOp::AllocationNotes,
            client_network_routes::one(server, id),
        )
        .on(server)
        .json(&json!({ "notes": notes }))?;
        self.item(&req).await
    }

    /// Makes one of the server's allocations its primary.
    pub async fn set_primary_allocation(
        &self,
        server: &str,
        id: u64,
    ) -> Result<ClientAllocation, PanelError> {
        let req = ClientReq::new(
            ClientOp::AllocationPrimary,
            client_network_routes::primary(server, id),
        )
        .on(server);
        self.item(&req).await
    }

    /// Releases an allocation (it stays on the node). Pterodactyl refuses the primary.
    pub async fn release_allocation(&self, server: &str, id: u64) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::AllocationDelete,
            client_network_routes::one(server, id),
        )
        .on(server);
        self.send(&req).await.map(|_| ())
    }
}
