//! Game servers: identity is roost's marker in the external id (or `adopt`). The attribute
//! table is in `table.rs`, egg variables in `environment.rs`, the checks a server must pass in
//! `checks.rs`, the change and its operations in `change.rs`, and the deletes in `delete.rs`.

mod change;
mod checks;
mod delete;
mod environment;
mod notes;
pub(crate) mod power;
mod rename;
mod table;

pub use notes::attribute as allocation_notes_attribute;
pub(crate) use table::TABLE;

use crate::context::PlanCx;
use crate::error::PlanError;
use crate::ops::{ApiCall, OpSpec, Ref, Retry};
use roost_model::{
    Address, Desired, Kind, LiveServer, PowerState, SecretRef, client_server_routes,
    server_routes as routes,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Resource limits as the panel takes them (the OOM flag included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Limits {
    pub memory: i64,
    pub swap: i64,
    pub disk: i64,
    pub io: i64,
    pub cpu: i64,
    pub threads: Option<String>,
    pub oom_killer: bool,
}

/// Feature limits; `None` is unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FeatureLimits {
    pub databases: Option<i64>,
    pub allocations: Option<i64>,
    pub backups: Option<i64>,
}

impl FeatureLimits {
    /// The panel stores an unlimited (null) feature limit as 0 on create.
    pub fn any_unlimited(&self) -> bool {
        self.databases.is_none() || self.allocations.is_none() || self.backups.is_none()
    }
}

/// Egg variables to write: plain values, values read from secrets by the engine, and
/// variables whose value the engine keeps as the panel has it when it writes (ignored ones).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    pub values: BTreeMap<String, String>,
    /// Read by the engine when it writes; the plan holds only where from.
    pub secrets: BTreeMap<String, SecretRef>,
    /// Ignored variables: the engine sends the value the panel has at apply time.
    pub keep_panel: Vec<String>,
}

/// A new server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CreateFields {
    pub name: String,
    pub description: String,
    pub external_id: Option<String>,
    pub owner: Ref,
    pub egg: u64,
    pub image: String,
    pub startup: String,
    pub environment: Environment,
    pub limits: Limits,
    pub feature_limits: FeatureLimits,
    /// The primary allocation: the panel places a new server by it.
    pub allocation: Ref,
    pub additional_allocations: Vec<Ref>,
    pub skip_scripts: bool,
}

/// `PATCH /servers/{id}/details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Details {
    pub name: String,
    pub owner: Ref,
    pub external_id: Option<String>,
    pub description: String,
}

/// `PATCH /servers/{id}/build`, the limits part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Build {
    pub limits: Limits,
    pub feature_limits: FeatureLimits,
}

/// The build of a server as planned against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BuildWas {
    pub build: Build,
    pub allocation: Option<u64>,
    /// Every allocation it holds, the primary included.
    pub allocations: Vec<u64>,
}

/// `PATCH /servers/{id}/startup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Startup {
    pub startup: String,
    pub image: String,
    pub egg: u64,
    pub environment: Environment,
    pub skip_scripts: bool,
}

/// The startup of a server as planned against; sensitive variables redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StartupWas {
    pub startup: String,
    pub image: String,
    pub egg: u64,
    pub environment: BTreeMap<String, String>,
}

/// What apply does to a server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Create {
        fields: Box<CreateFields>,
    },
    /// Name, owner, external id and description; `was` as planned against.
    Details {
        id: u64,
        set: Box<Details>,
        was: Box<Details>,
    },
    /// Limits, feature limits and allocations. `was` is `None` right after a create (which
    /// stored unlimited feature limits as 0): then nothing is added or removed.
    Build {
        server: Ref,
        set: Box<Build>,
        allocation: Option<Ref>,
        additional_allocations: Vec<Ref>,
        was: Option<Box<BuildWas>>,
    },
    /// Egg, image, startup command and egg variables; `was` as planned against.
    Startup {
        id: u64,
        set: Box<Startup>,
        was: Box<StartupWas>,
    },
    Suspend { server: Ref },
    Unsuspend { id: u64 },
    /// Runs the egg's install script again (the egg changed).
    Reinstall { id: u64 },
    /// One allocation's notes, through the Client API (the Application API cannot write them):
    /// `server` is pending (and `identifier` unknown) when this run creates it; `notes` `None`
    /// clears them; `endpoint` is the allocation as shown (`allocation_notes.ENDPOINT`).
    AllocationNotes {
        server: Ref,
        identifier: Option<String>,
        allocation: Ref,
        endpoint: String,
        notes: Option<String>,
        was: Option<String>,
    },
    Delete { id: u64 },
    /// Brings the server to its declared power state through the Client API (`POST
    /// /client/servers/{identifier}/power`, start or stop), then waits until Wings reports it.
    /// Always a change's last operation, run after every other change of the server
    /// (`OpSpec::runs_last`). `identifier` is `None` for a server this run creates; `was` is
    /// the state read when planning (`None`: it could not be read, the server was installing).
    Power {
        server: Ref,
        identifier: Option<String>,
        want: PowerState,
        was: Option<String>,
    },
}

impl OpSpec for Op {
    fn call(&self) -> Option<ApiCall> {
        Some(match self {
            Op::Create { .. } => ApiCall::new("POST", &routes::list()),
            Op::Details { id, .. } => ApiCall::new("PATCH", &routes::details(id)),
            Op::Build { server, .. } => ApiCall::new("PATCH", &routes::build(server)),
            Op::Startup { id, .. } => ApiCall::new("PATCH", &routes::startup(id)),
            Op::Suspend { server } => ApiCall::new("POST", &routes::suspend(server)),
            Op::Unsuspend { id } => ApiCall::new("POST", &routes::unsuspend(id)),
            Op::Reinstall { id } => ApiCall::new("POST", &routes::reinstall(id)),
            Op::Delete { id } => ApiCall::new("DELETE", &routes::one(id)),
            Op::AllocationNotes {
                server,
                identifier,
                allocation,
                ..
            } => crate::kinds::schedule::client_call(
                "POST",
                roost_model::client_network_routes::one(
                    crate::kinds::schedule::server_label(server, identifier),
                    allocation,
                ),
            ),
            Op::Power {
                server, identifier, ..
            } => crate::kinds::schedule::client_call(
                "POST",
                client_server_routes::power(crate::kinds::schedule::server_label(
                    server, identifier,
                )),
            ),
        })
    }

    fn runs_last(&self) -> bool {
        matches!(self, Op::Power { .. })
    }

    fn retry(&self) -> Retry {
        match self {
            // Re-read by external id before any second attempt.
            Op::Create { .. } => Retry::ReadBack,
            // Full replacements; suspending a suspended server does nothing.
            Op::Details { .. }
            | Op::Build { .. }
            | Op::Startup { .. }
            | Op::Suspend { .. }
            | Op::Unsuspend { .. }
            | Op::AllocationNotes { .. }
            | Op::Delete { .. } => Retry::Idempotent,
            // A second reinstall would wipe and install again; a signal is sent once, and
            // after an unknown outcome the state read afterwards tells whether it acted.
            Op::Reinstall { .. } | Op::Power { .. } => Retry::Never,
        }
    }

    fn secrets(&self) -> Vec<&SecretRef> {
        match self {
            Op::Create { fields } => fields.environment.secrets.values().collect(),
            Op::Startup { set, .. } => set.environment.secrets.values().collect(),
            Op::Details { .. }
            | Op::Build { .. }
            | Op::Suspend { .. }
            | Op::Unsuspend { .. }
            | Op::Reinstall { .. }
            | Op::AllocationNotes { .. }
            | Op::Delete { .. }
            | Op::Power { .. } => Vec::new(),
        }
    }
}

/// The writes of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    Details,
    Build,
    Startup,
    Suspension,
    /// Allocation notes, through the Client API (`notes.rs`).
    AllocationNotes,
    /// The power state: a signal through the Client API (`power.rs`).
    Power,
    /// The panel's API cannot move a server: delete it and create it again.
    Move,
}

/// The address a live server has in the manifests' namespace (or by its id when foreign).
pub(crate) fn address_of(d: &Desired, s: &LiveServer) -> Address {
    match s
        .external_id
        .as_deref()
        .and_then(|e| roost_model::parse_marker(&d.panel.namespace, e))
    {
        Some((key, _)) => Address::new(Kind::Server, key),
        None => Address::new(Kind::Server, format!("#{}", s.id)),
    }
}

pub(crate) fn plan(cx: &mut PlanCx) {
    delete::plan(cx);
    let desired = cx.desired;
    let mut created = Vec::new();
    for (key, s) in &desired.servers {
        let origin = Some(s.origin);
        if !cx.is_pelican() && s.allocation.is_none() {
            cx.error(
                PlanError::new(
                    "roost::missing-field",
                    format!("server `{key}` has no `allocation`, which Pterodactyl requires"),
                    origin,
                )
                .help("add allocation \"IP:PORT\""),
            );
            continue;
        }
        let Some(egg) = checks::find_egg(cx, s) else {
            continue;
        };
        checks::unknown_variables(cx, s, egg);
        let Some(live) = cx.identity.servers.get(key).copied() else {
            continue;
        };
        if live.is_none() {
            created.push((s, egg.id));
            checks::adoption_notes(cx, s);
            if s.allocation.is_none() {
                cx.error(PlanError::new("roost::missing-field", format!("server `{key}` has no `allocation`, so roost cannot create it on node `{}`", s.node), origin).help("the panel places a new server by its primary allocation (Pelican's tag-based placement cannot pin a node): add allocation \"IP:PORT\""));
                continue;
            }
        }
        if !checks::required_variables(cx, s, egg) {
            continue;
        }
        change::plan_server(cx, s, egg, live);
    }
    rename::hints(cx, &created);
    rename::moved_notes(cx);
}
