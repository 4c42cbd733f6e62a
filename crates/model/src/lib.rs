//! Domain types shared by every roost crate.
//!
//! * [`Desired`]: the fleet as the manifests declare it (after templates are merged).
//! * [`Live`]: the fleet as a panel reports it, in dialect-neutral form.
//! * [`Address`]: the stable name of one resource, such as `server.lobby`.
//!
//! This crate does no IO and knows nothing about KDL or HTTP.

mod address;
mod client_routes;
#[macro_use]
mod registry;
mod desired;
mod dialect;
mod kinds;
mod live;
mod marker;
mod route;
mod secret;
mod vec_map;

/// Panel releases: what the live state proves, and rules only some releases enforce.
pub mod release;

pub use address::{Address, AddressParseError, Kind};
pub use client_routes::*;
pub use desired::*;
pub use dialect::{Dialect, DialectChoice};
pub use kinds::*;
pub use live::*;
pub use marker::{NAMESPACE_SEPARATORS, is_marker_key, marker, namespace_problem, parse_marker};
pub use route::Route;
mod username;
pub use secret::{ResolvedSecrets, Secret, SecretRef, looks_secret};
pub use username::stored_username;
pub use vec_map::VecMap;

/// JSON Schema of the typed desired state (`schemas/manifest.schema.json`).
pub fn desired_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Desired)).unwrap_or_default()
}
