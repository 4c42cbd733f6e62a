//! Allocations (always below their node): wire type, body and endpoints.

use crate::client::{PanelClient, q};
use crate::error::PanelError;
use crate::lenient::*;
use crate::pagination::HasId;
use crate::retry::Idempotency;
use crate::wire::Relation;
use reqwest::Method;
use roost_model::{LiveAllocation, allocation_routes};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AllocationRelationships {
    /// `include=server`: the holder, or a `null_resource` when unassigned.
    #[serde(default)]
    pub server: Option<Relation<ServerRef>>,
}

/// Just the id of an included server (the rest of it is not needed where this is used).
#[derive(Debug, Clone, Deserialize)]
pub struct ServerRef {
    pub id: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AllocationAttributes {
    pub id: u64,
    pub ip: String,
    #[serde(default)]
    pub alias: Option<String>,
    pub port: u16,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub assigned: bool,
    #[serde(default)]
    pub relationships: AllocationRelationships,
}

impl AllocationAttributes {
    /// The allocation object does not expose its server; `server_id` is taken from an
    /// `include=server` when present, otherwise the caller fills it from the server side. Its
    /// strings are moved, not copied.
    pub fn into_live(self, node_id: u64) -> LiveAllocation {
        let server_id = self
            .relationships
            .server
            .as_ref()
            .and_then(|r| r.attributes.as_ref())
            .map(|s| s.id);
        LiveAllocation {
            id: self.id,
            node_id,
            ip: self.ip,
            alias: self.alias,
            port: self.port,
            notes: self.notes,
            assigned: self.assigned,
            server_id,
        }
    }
}

impl HasId for AllocationAttributes {
    fn id(&self) -> Option<u64> {
        Some(self.id)
    }
}

/// `POST /nodes/{id}/allocations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllocationBody {
    /// An IP or a CIDR block (PT also resolves hostnames).
    pub ip: String,
    pub alias: Option<String>,
    /// JSON strings (`"25565"` or `"25565-25575"`): numbers fail validation.
    pub ports: Vec<String>,
}

impl AllocationBody {
    /// One entry per port, or per contiguous run of ports (`"25565-25570"`), so large ranges
    /// stay small on the wire. Ranges longer than the panels' 1000-port cap are split.
    pub fn new(ip: impl Into<String>, alias: Option<String>, ports: &[u16]) -> Self {
        AllocationBody {
            ip: ip.into(),
            alias,
            ports: port_ranges(ports),
        }
    }
}

/// The panels accept at most 1000 ports per range item.
const MAX_RANGE: u32 = 1000;

fn port_ranges(ports: &[u16]) -> Vec<String> {
    let mut sorted: Vec<u16> = ports.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len()
            && u32::from(sorted[i + 1]) == u32::from(end) + 1
            && u32::from(sorted[i + 1]) - u32::from(start) < MAX_RANGE
        {
            i += 1;
            end = sorted[i];
        }
        // Range items need 4–5 digit ends; a lone low port is sent on its own.
        if end == start || start < 1000 {
            for p in start..=end {
                out.push(p.to_string());
            }
        } else {
            out.push(format!("{start}-{end}"));
        }
        i += 1;
    }
    out
}

impl PanelClient {
    /// Every allocation of one node, with its holder (`include=server`).
    pub async fn list_node_allocations(
        &self,
        node_id: u64,
    ) -> Result<Vec<LiveAllocation>, PanelError> {
        let allocs: Vec<AllocationAttributes> = self
            .list_all(
                allocation_routes::list(node_id),
                vec![q("include", "server")],
            )
            .await?;
        Ok(allocs.into_iter().map(|a| a.into_live(node_id)).collect())
    }

    /// Creates allocations (204, nothing returned: list them afterwards). Not retried after an
    /// unknown outcome: PL answers a duplicate with 500.
    pub async fn create_allocations(
        &self,
        node_id: u64,
        body: &AllocationBody,
    ) -> Result<(), PanelError> {
        self.write_empty(
            Method::POST,
            allocation_routes::list(node_id),
            Some(body),
            Idempotency::NonIdempotent,
        )
        .await
    }

    /// Fails with [`PanelError::Conflict`] (`ServerUsingAllocationException`) while assigned.
    pub async fn delete_allocation(
        &self,
        node_id: u64,
        allocation_id: u64,
    ) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::DELETE,
            allocation_routes::one(node_id, allocation_id),
            None,
            Idempotency::Idempotent,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_strings_and_runs_become_ranges() {
        assert_eq!(port_ranges(&[25565]), vec!["25565"]);
        assert_eq!(
            port_ranges(&[25567, 25565, 25566, 25570]),
            vec!["25565-25567", "25570"]
        );
        let many: Vec<u16> = (20000..22500).collect();
        assert_eq!(
            port_ranges(&many),
            vec!["20000-20999", "21000-21999", "22000-22499"]
        );
    }
}
