//! What a caller tells the planner besides the desired and the live state.

use crate::ignore::Ignore;
use roost_model::{Address, KeyOwner, ResolvedSecrets};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The manifests as they were at the base: classifies changes as intended or drift.
    pub base: Option<roost_model::Desired>,
    /// Limit the plan to these resources, what they depend on, and what lives inside them (a
    /// server's databases).
    pub targets: Vec<Address>,
    /// Requests per minute; default: the manifest's, then the dialect's limit.
    pub rate_limit: Option<u32>,
    pub ignore: Vec<Ignore>,
    /// Every secret the manifests refer to, read by the caller before planning (the planner
    /// does no IO): compared with the panel, never put into the plan.
    pub secrets: ResolvedSecrets,
    /// The user owning the API key in use, when the panel could tell (the Client API's
    /// `/account` for a client token): roost never deletes that user.
    pub key_owner: Option<KeyOwner>,
}
