//! Nodes: wire type (with the included allocations), body and endpoints.

use crate::client::{PanelClient, q};
use crate::endpoint::required_items;
use crate::error::PanelError;
use crate::kinds::allocation::AllocationAttributes;
use crate::lenient::*;
use crate::pagination::HasId;
use crate::retry::Idempotency;
use crate::wire::Relation;
use reqwest::Method;
use roost_model::{LiveAllocation, LiveNode, node_routes};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AllocatedResources {
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub memory: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub disk: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub cpu: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NodeRelationships {
    #[serde(default)]
    pub allocations: Option<Relation<AllocationAttributes>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NodeAttributes {
    pub id: u64,
    #[serde(default)]
    pub uuid: String,
    #[serde(default = "yes", deserialize_with = "de_bool_lenient")]
    pub public: bool,
    pub name: String,
    /// Absent from PL create responses unless sent.
    #[serde(default)]
    pub description: Option<String>,
    /// PT only.
    #[serde(default)]
    pub location_id: Option<u64>,
    /// PL only.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    pub fqdn: String,
    pub scheme: String,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub behind_proxy: bool,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub maintenance_mode: bool,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub memory: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub memory_overallocate: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub disk: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub disk_overallocate: i64,
    /// PL@b3+.
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub cpu: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub cpu_overallocate: Option<i64>,
    /// Absent from PL create responses unless sent.
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub upload_size: Option<i64>,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub daemon_listen: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub daemon_sftp: i64,
    /// PL@b4+.
    #[serde(default)]
    pub daemon_sftp_alias: Option<String>,
    #[serde(default)]
    pub daemon_base: Option<String>,
    /// PL@b22+.
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub daemon_connect: Option<i64>,
    #[serde(default)]
    pub allocated_resources: Option<AllocatedResources>,
    /// `GET /nodes/deployable` extras: PT `sum_*`, PL `servers_sum_*`; ints, numeric strings or
    /// null (MySQL returns SUM as DECIMAL).
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub sum_memory: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub sum_disk: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub servers_sum_memory: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub servers_sum_disk: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub servers_sum_cpu: Option<i64>,
    #[serde(default)]
    pub relationships: NodeRelationships,
}

/// The panels' database default, used only when a PL create response omits `upload_size`.
const DEFAULT_UPLOAD_SIZE: i64 = 100;

impl NodeAttributes {
    /// The live node; its strings are moved, not copied. Its included allocations are left
    /// behind (see [`NodeAttributes::take_allocations`]).
    pub fn into_live(self) -> LiveNode {
        let alloc = self.allocated_resources.unwrap_or_default();
        LiveNode {
            id: self.id,
            uuid: self.uuid,
            name: self.name,
            description: self.description,
            location_id: self.location_id,
            tags: self.tags.unwrap_or_default(),
            fqdn: self.fqdn,
            scheme: self.scheme,
            behind_proxy: self.behind_proxy,
            public: self.public,
            maintenance_mode: self.maintenance_mode,
            memory: self.memory,
            memory_overallocate: self.memory_overallocate,
            disk: self.disk,
            disk_overallocate: self.disk_overallocate,
            cpu: self.cpu,
            cpu_overallocate: self.cpu_overallocate,
            upload_size: self.upload_size.unwrap_or(DEFAULT_UPLOAD_SIZE),
            daemon_listen: self.daemon_listen,
            daemon_sftp: self.daemon_sftp,
            daemon_connect: self.daemon_connect,
            daemon_sftp_alias: self.daemon_sftp_alias,
            daemon_base: self.daemon_base.unwrap_or_default(),
            allocated_memory: alloc.memory.unwrap_or(0),
            allocated_disk: alloc.disk.unwrap_or(0),
            allocated_cpu: alloc.cpu,
        }
    }

    /// The included allocations (`include=allocations`), taken out of the node: an error when
    /// the panel withheld them or ignored the include.
    pub(crate) fn take_allocations(&mut self) -> Result<Vec<LiveAllocation>, PanelError> {
        let node = self.id;
        let allocations = required_items(
            self.relationships.allocations.take(),
            "allocations",
            "/nodes",
        )?;
        Ok(allocations
            .into_iter()
            .map(|a| a.into_live(node))
            .collect())
    }
}

impl HasId for NodeAttributes {
    fn id(&self) -> Option<u64> {
        Some(self.id)
    }
}

/// `POST /nodes`, `PATCH /nodes/{id}`: both dialects' required fields together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeBody {
    pub name: String,
    /// PL only (PT ignores it: not settable through PT's API).
    pub description: Option<String>,
    /// PT only, required there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<u64>,
    /// PL only.
    pub tags: Vec<String>,
    pub fqdn: String,
    /// `http` or `https` (PL enforces the set).
    pub scheme: String,
    pub public: bool,
    pub behind_proxy: bool,
    pub maintenance_mode: bool,
    pub memory: i64,
    pub memory_overallocate: i64,
    pub disk: i64,
    pub disk_overallocate: i64,
    /// PL only, required there (0 = unlimited).
    pub cpu: i64,
    pub cpu_overallocate: i64,
    /// 1–1024 on PT.
    pub upload_size: i64,
    pub daemon_listen: i64,
    pub daemon_sftp: i64,
    /// PL only (PL@b22+), required there.
    pub daemon_connect: i64,
    /// PL only.
    pub daemon_sftp_alias: Option<String>,
    /// Always sent: both panels reset it to their default when it is omitted.
    pub daemon_base: String,
}

impl NodeBody {
    pub fn from_live(n: &LiveNode) -> Self {
        NodeBody {
            name: n.name.clone(),
            description: n.description.clone(),
            location_id: n.location_id,
            tags: n.tags.clone(),
            fqdn: n.fqdn.clone(),
            scheme: n.scheme.clone(),
            public: n.public,
            behind_proxy: n.behind_proxy,
            maintenance_mode: n.maintenance_mode,
            memory: n.memory,
            memory_overallocate: n.memory_overallocate,
            disk: n.disk,
            disk_overallocate: n.disk_overallocate,
            cpu: n.cpu.unwrap_or(0),
            cpu_overallocate: n.cpu_overallocate.unwrap_or(0),
            upload_size: n.upload_size,
            daemon_listen: n.daemon_listen,
            daemon_sftp: n.daemon_sftp,
            // Without a proxy in between the panel dials the port Wings listens on.
            daemon_connect: n.daemon_connect.unwrap_or(n.daemon_listen),
            daemon_sftp_alias: n.daemon_sftp_alias.clone(),
            daemon_base: n.daemon_base.clone(),
        }
    }
}

impl PanelClient {
    /// Wings' configuration for node `id`, as the panel generates it (a plain JSON object,
    /// which Wings reads as its YAML `config.yml`). It carries the node's daemon token: a
    /// secret as a whole.
    pub async fn node_configuration(&self, id: u64) -> Result<roost_model::Secret, PanelError> {
        let req = crate::client::Req::get(node_routes::configuration(id), Vec::new());
        let value: serde_json::Value = self.send_json(&req).await?;
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        Ok(roost_model::Secret::new(text + "\n"))
    }

    /// Every node (without allocations).
    pub async fn list_nodes(&self) -> Result<Vec<LiveNode>, PanelError> {
        self.list_all_into(node_routes::list(), Vec::new(), 0, |n: NodeAttributes| {
            Ok(n.into_live())
        })
        .await
    }

    /// Every node with its allocations, for `read_live`.
    pub(crate) async fn list_nodes_with_allocations(
        &self,
        expected: u64,
    ) -> Result<Vec<(LiveNode, Vec<LiveAllocation>)>, PanelError> {
        // Includes are not paginated: one page of nodes brings all their allocations.
        self.list_all_into(
            node_routes::list(),
            vec![q("include", "allocations")],
            expected,
            |mut n: NodeAttributes| {
                let allocations = n.take_allocations()?;
                Ok((n.into_live(), allocations))
            },
        )
        .await
    }

    pub async fn get_node(&self, id: u64) -> Result<LiveNode, PanelError> {
        let n: NodeAttributes = self.get_item(node_routes::one(id), Vec::new()).await?;
        Ok(n.into_live())
    }

    pub async fn create_node(&self, body: &NodeBody) -> Result<LiveNode, PanelError> {
        let n: NodeAttributes = self
            .write_item(
                Method::POST,
                node_routes::list(),
                Vec::new(),
                body,
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(n.into_live())
    }

    /// Full replacement. PL answers 200 with the *pre-update* node when it could not reach
    /// Wings (the change may or may not have been kept), so on a mismatch the node is re-read.
    pub async fn update_node(&self, id: u64, body: &NodeBody) -> Result<LiveNode, PanelError> {
        let n: NodeAttributes = self
            .write_item(
                Method::PATCH,
                node_routes::one(id),
                Vec::new(),
                body,
                Idempotency::Idempotent,
            )
            .await?;
        let live = n.into_live();
        if node_reflects(&live, body) {
            Ok(live)
        } else {
            self.get_node(id).await
        }
    }

    /// Fails with [`PanelError::Conflict`] (`HasActiveServersException`) while servers remain.
    /// The node's allocations go with it.
    pub async fn delete_node(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::DELETE,
            node_routes::one(id),
            None,
            Idempotency::Idempotent,
        )
        .await
    }
}

/// Whether a node returned by a PATCH shows the values that were sent (PL returns the old node
/// when the Wings update failed). `fqdn` is not compared: PL shows the new one either way.
fn node_reflects(n: &LiveNode, b: &NodeBody) -> bool {
    n.name == b.name
        && n.scheme == b.scheme
        && n.public == b.public
        && n.behind_proxy == b.behind_proxy
        && n.maintenance_mode == b.maintenance_mode
        && n.memory == b.memory
        && n.memory_overallocate == b.memory_overallocate
        && n.disk == b.disk
        && n.disk_overallocate == b.disk_overallocate
        && n.upload_size == b.upload_size
        && n.daemon_listen == b.daemon_listen
        && n.daemon_sftp == b.daemon_sftp
        && n.daemon_base == b.daemon_base
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn node_body_always_has_daemon_base_and_both_dialects_fields() {
        let n = LiveNode {
            id: 1,
            uuid: "u".into(),
            name: "n".into(),
            description: None,
            location_id: Some(2),
            tags: vec![],
            fqdn: "f".into(),
            scheme: "https".into(),
            behind_proxy: false,
            public: true,
            maintenance_mode: false,
            memory: 1,
            memory_overallocate: 0,
            disk: 1,
            disk_overallocate: 0,
            cpu: None,
            cpu_overallocate: None,
            upload_size: 100,
            daemon_listen: 8080,
            daemon_sftp: 2022,
            daemon_connect: None,
            daemon_sftp_alias: None,
            daemon_base: "/srv".into(),
            allocated_memory: 0,
            allocated_disk: 0,
            allocated_cpu: None,
        };
        let v = serde_json::to_value(NodeBody::from_live(&n)).unwrap();
        assert_eq!(v["daemon_base"], json!("/srv"));
        assert_eq!(v["location_id"], json!(2));
        assert_eq!(v["daemon_connect"], json!(8080));
        assert_eq!(v["cpu"], json!(0));
        assert_eq!(v["tags"], json!([]));
    }
}
