//! Panel users. The desired and live
//! types of the kind, and where the panel serves it.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a password is set. The manifests name where the value is; roost reads it when planning
/// (to fail early) and again when applying, and never stores or shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordSpec {
    pub source: SecretRef,
    /// Set the password again on the next apply, even though the user exists.
    pub rotate: bool,
    /// Where the source is written in the manifests (not serialised).
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// A panel user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub username: String,
    pub email: String,
    /// Pterodactyl only (required there).
    pub first_name: Option<String>,
    /// Pterodactyl only (required there).
    pub last_name: Option<String>,
    /// Pterodactyl only: `root_admin`.
    pub admin: bool,
    /// Pelican only: role names.
    pub roles: Vec<String>,
    pub language: Option<String>,
    pub external_id: Option<String>,
    pub password: Option<PasswordSpec>,
    pub protect: bool,
    /// Take over an existing panel user instead of creating one.
    pub adopt: Option<AdoptUser>,
    /// Attributes roost never compares on this resource (owned by another tool).
    pub ignore: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// How an existing panel user is taken over: roost never adopts a user without being told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdoptUser {
    /// `adopt`: the panel user with this username.
    Username,
    /// `adopt id=N`: the panel user with this id (renamed to the manifest's username).
    Id(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveUser {
    pub id: u64,
    pub uuid: String,
    pub external_id: Option<String>,
    pub username: String,
    pub email: String,
    /// Pterodactyl only.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language: String,
    pub root_admin: bool,
    /// Pelican only: role ids, when read with `include=roles`.
    pub role_ids: Vec<u64>,
}

/// Where the Application API serves users.
pub mod user_routes {
    use crate::{Route, route};
    use std::fmt::Display;

    pub fn list() -> Route {
        route!["users"]
    }
    pub fn one(id: impl Display) -> Route {
        route!["users", id]
    }
    pub fn by_external_id(external_id: impl Display) -> Route {
        route!["users", "external", external_id]
    }
    /// Pelican only.
    pub fn assign_roles(id: impl Display) -> Route {
        route!["users", id, "roles", "assign"]
    }
    /// Pelican only.
    pub fn remove_roles(id: impl Display) -> Route {
        route!["users", id, "roles", "remove"]
    }
}
