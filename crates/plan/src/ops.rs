//! Typed operations: what the engine carries out for a change. The planner decides them; the
//! engine executes them and never re-derives or parses anything. The API calls a reviewer sees
//! (`-v`, Markdown, the JSON plan's `calls`) are rendered from them.

use roost_model::{Address, Route, SecretRef};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A panel id, or the address of a resource created earlier in the same run (its id is known
/// only once that create has happened).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Ref {
    Id(u64),
    Pending(Address),
}

impl Ref {
    /// The id when the plan knows it.
    pub fn known(&self) -> Option<u64> {
        match self {
            Ref::Id(id) => Some(*id),
            Ref::Pending(_) => None,
        }
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Id(id) => write!(f, "{id}"),
            Ref::Pending(a) => write!(f, "{{{a}}}"),
        }
    }
}

/// An HTTP call as a reviewer reads it, e.g. `PATCH /servers/12/build`. Ids not known until an
/// earlier change runs are written as the address in braces: `/servers/{server.lobby}/build`.
/// Rendered from an [`OpSpec`]; nothing reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiCall {
    pub method: String,
    pub path: String,
}

impl ApiCall {
    pub fn new(method: &str, route: &Route) -> Self {
        ApiCall {
            method: method.to_string(),
            path: route.to_string(),
        }
    }
}

impl fmt::Display for ApiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// What may be done when an operation's outcome is unknown (a timeout, a dropped connection, a
/// 5xx after the panel may have acted). A property of the operation, not of its HTTP verb: the
/// Client API updates with POST, and a power signal must never be re-sent blindly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Retry {
    /// Sending it again cannot act twice (a full-replacement update, a delete, a suspend).
    Idempotent,
    /// It may have acted: re-read by the resource's identity, and send it again only if the
    /// re-read proves it did not (creates).
    ReadBack,
    /// Never sent twice: a reinstall (its effect cannot be checked), a power signal (the
    /// engine reads the state afterwards instead).
    Never,
}

/// What every kind's operation type tells the rest of roost. One default method only,
/// `runs_last` (false for nearly every operation); a kind that forgets another does not
/// compile.
pub trait OpSpec {
    /// The request a reviewer sees; `None` for an operation carried out by another change's
    /// request (an allocation created in the same batch as another).
    fn call(&self) -> Option<ApiCall>;
    fn retry(&self) -> Retry;
    /// The secrets the engine reads to carry it out (never their values).
    fn secrets(&self) -> Vec<&SecretRef>;
    /// Whether the operation runs after every other change within its resource (a server's
    /// power signal, after the server's schedules, subusers, databases, files): the planner puts
    /// it last in its change, and the engine holds it back until the changes of the resource's
    /// children are over.
    fn runs_last(&self) -> bool {
        false
    }
}
