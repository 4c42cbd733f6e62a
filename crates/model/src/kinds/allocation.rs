//! Allocations: ip:port pairs on a node. The desired and live
//! types of the kind, and where the panel serves it.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Identity of an allocation: node, ip and port.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct AllocationKey {
    pub node: String,
    pub ip: IpAddr,
    pub port: u16,
}

impl AllocationKey {
    pub fn address(&self) -> Address {
        Address::allocation(&self.node, self.ip, self.port)
    }
}

// JSON object keys must be strings: serialise the key as its address name.
impl std::fmt::Display for AllocationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.address().name)
    }
}

/// One ip:port on a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    pub node: String,
    pub ip: IpAddr,
    pub port: u16,
    pub alias: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

impl Allocation {
    pub fn key(&self) -> AllocationKey {
        AllocationKey {
            node: self.node.clone(),
            ip: self.ip,
            port: self.port,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveAllocation {
    pub id: u64,
    pub node_id: u64,
    pub ip: String,
    pub alias: Option<String>,
    pub port: u16,
    pub notes: Option<String>,
    pub assigned: bool,
    /// The server holding it, when known (from `include=server`, or from the server side).
    pub server_id: Option<u64>,
}

impl LiveAllocation {
    /// The ip parsed, when the panel stored a literal address.
    pub fn ip_addr(&self) -> Option<IpAddr> {
        self.ip.parse().ok()
    }
}

/// Where the Application API serves allocations (always below their node).
pub mod allocation_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list(node: impl Display) -> Route {
        route!["nodes", node, "allocations"]
    }
    pub fn one(node: impl Display, id: impl Display) -> Route {
        route!["nodes", node, "allocations", id]
    }
}
