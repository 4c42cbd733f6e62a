//! Locations (Pterodactyl only): grouping of nodes, identified by short code. The desired and live
//! types of the kind, and where the panel serves it.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Pterodactyl location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Short code, the location's identity (`short` on the panel).
    pub short: String,
    pub description: Option<String>,
    /// Attributes roost never compares on this resource (owned by another tool).
    pub ignore: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveLocation {
    pub id: u64,
    pub short: String,
    pub long: Option<String>,
}

/// Where the Application API serves locations.
pub mod location_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list() -> Route {
        route!["locations"]
    }
    pub fn one(id: impl Display) -> Route {
        route!["locations", id]
    }
}
