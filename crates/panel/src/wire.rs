//! Wire types: the JSON the panels send, for both dialects, and their mapping into
//! [`roost_model`]'s dialect-neutral live types.
//!
//! One struct per resource serves both dialects: fields only one panel (or only some panel
//! versions) sends are `Option` or defaulted, and unknown fields are ignored, because panels
//! differ across versions (see `shared/panel-api/dialects.md`). Where a panel is known to vary a
//! field's JSON type (ints as strings, `0/1` for booleans, objects or arrays), a lenient
//! deserializer accepts every observed form.

use roost_model::{
    LiveAllocation, LiveEgg, LiveEggVariable, LiveFeatureLimits, LiveLimits, LiveLocation,
    LiveNest, LiveNode, LiveRole, LiveServer, LiveUser,
};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------

/// A single enveloped item: `{"object": "...", "attributes": {...}, "meta": {...}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Item<T> {
    // `object` (the resource name) is not read: serde skips it without allocating, which adds
    // up over tens of thousands of items in one refresh.
    pub attributes: T,
    /// Create responses of some resources carry `meta.resource`; nothing else relies on it.
    #[serde(default)]
    pub meta: Option<Value>,
}

/// A list, paginated (with `meta.pagination`) or not (no `meta`).
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    #[serde(default)]
    pub object: String,
    pub data: Vec<Item<T>>,
    #[serde(default)]
    pub meta: Option<ListMeta>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListMeta {
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Pagination {
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub total: u64,
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub count: u64,
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub per_page: u64,
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub current_page: u64,
    #[serde(default, deserialize_with = "de_u64_lenient")]
    pub total_pages: u64,
    #[serde(default, deserialize_with = "de_links")]
    pub links: Links,
}

/// `links` is `{}` when empty (an empty PHP array could also render as `[]`; accept both).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Links {
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default)]
    pub next: Option<String>,
}

/// Whether an `object` name is `null_resource`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NullResource(pub bool);

impl<'de> Deserialize<'de> for NullResource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = NullResource;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NullResource, E> {
                Ok(NullResource(v == "null_resource"))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<NullResource, E> {
                Ok(NullResource(false))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<NullResource, E> {
                Ok(NullResource(false))
            }
        }
        d.deserialize_any(V)
    }
}

/// An included relation: a list, an item, or a `null_resource` (include the key may not read).
#[derive(Debug, Clone, Deserialize)]
pub struct Relation<T> {
    /// Only whether it is a `null_resource` matters; read without allocating.
    #[serde(default, rename = "object")]
    pub null_resource: NullResource,
    #[serde(default = "Option::default")]
    pub data: Option<Vec<Item<T>>>,
    #[serde(default = "Option::default")]
    pub attributes: Option<Box<T>>,
}

impl<T> Relation<T> {
    pub fn is_null_resource(&self) -> bool {
        self.null_resource.0
    }

    /// The included list's attributes, or `None` when the panel withheld it (null_resource)
    /// or sent a single item instead of a list.
    pub fn list(&self) -> Option<impl Iterator<Item = &T>> {
        self.data.as_ref().map(|d| d.iter().map(|i| &i.attributes))
    }
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

/// PT only.
#[derive(Debug, Clone, Deserialize)]
pub struct LocationAttributes {
    pub id: u64,
    pub short: String,
    #[serde(default)]
    pub long: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl LocationAttributes {
    pub fn to_live(&self) -> LiveLocation {
        LiveLocation {
            id: self.id,
            short: self.short.clone(),
            long: self.long.clone(),
        }
    }
}

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
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
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
    pub fn to_live(&self) -> LiveNode {
        let alloc = self.allocated_resources.clone().unwrap_or_default();
        LiveNode {
            id: self.id,
            uuid: self.uuid.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            location_id: self.location_id,
            tags: self.tags.clone().unwrap_or_default(),
            fqdn: self.fqdn.clone(),
            scheme: self.scheme.clone(),
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
            daemon_sftp_alias: self.daemon_sftp_alias.clone(),
            daemon_base: self.daemon_base.clone().unwrap_or_default(),
            allocated_memory: alloc.memory.unwrap_or(0),
            allocated_disk: alloc.disk.unwrap_or(0),
            allocated_cpu: alloc.cpu,
        }
    }
}

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
    /// `include=server` when present, otherwise the caller fills it from the server side.
    pub fn to_live(&self, node_id: u64) -> LiveAllocation {
        let server_id = self
            .relationships
            .server
            .as_ref()
            .and_then(|r| r.attributes.as_ref())
            .map(|s| s.id);
        LiveAllocation {
            id: self.id,
            node_id,
            ip: self.ip.clone(),
            alias: self.alias.clone(),
            port: self.port,
            notes: self.notes.clone(),
            assigned: self.assigned,
            server_id,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserRelationships {
    /// PL `include=roles`.
    #[serde(default)]
    pub roles: Option<Relation<RoleAttributes>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserAttributes {
    pub id: u64,
    #[serde(default)]
    pub external_id: Option<String>,
    /// PL@b30+.
    #[serde(default)]
    pub is_managed_externally: Option<bool>,
    #[serde(default)]
    pub uuid: String,
    pub username: String,
    pub email: String,
    /// PT only (PL removed names in b17).
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub root_admin: bool,
    /// PL@b6+.
    #[serde(default, rename = "2fa_enabled")]
    pub two_factor_enabled: Option<bool>,
    #[serde(default, rename = "2fa")]
    pub two_factor: Option<bool>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub relationships: UserRelationships,
}

impl UserAttributes {
    pub fn to_live(&self) -> LiveUser {
        let role_ids = self
            .relationships
            .roles
            .as_ref()
            .and_then(|r| r.list())
            .map(|roles| roles.filter_map(|r| r.id).collect())
            .unwrap_or_default();
        LiveUser {
            id: self.id,
            uuid: self.uuid.clone(),
            external_id: self.external_id.clone(),
            username: self.username.clone(),
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            language: self.language.clone().unwrap_or_else(|| "en".to_string()),
            root_admin: self.root_admin,
            role_ids,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerLimits {
    #[serde(deserialize_with = "de_i64_lenient")]
    pub memory: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub swap: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub disk: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub io: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub cpu: i64,
    #[serde(default)]
    pub threads: Option<String>,
    /// PT: the column. PL: `!oom_killer` (deprecated).
    #[serde(default, deserialize_with = "de_bool_opt_lenient")]
    pub oom_disabled: Option<bool>,
    /// PL@b2+.
    #[serde(default, deserialize_with = "de_bool_opt_lenient")]
    pub oom_killer: Option<bool>,
}

impl ServerLimits {
    /// PL's `oom_killer` wins; otherwise PT's `oom_disabled` inverted; with neither, PT's
    /// create default (`oom_disabled = true`, i.e. killer off).
    pub fn oom_killer(&self) -> bool {
        match (self.oom_killer, self.oom_disabled) {
            (Some(k), _) => k,
            (None, Some(d)) => !d,
            (None, None) => false,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerFeatureLimits {
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub databases: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub allocations: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub backups: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerContainer {
    #[serde(default)]
    pub startup_command: String,
    #[serde(default)]
    pub image: String,
    /// An int `0/1` on the wire (both panels); booleans accepted too.
    #[serde(default = "yes", deserialize_with = "de_bool_lenient")]
    pub installed: bool,
    /// Values are strings except PT's `P_SERVER_ALLOCATION_LIMIT` (int or null), so keep JSON.
    #[serde(default)]
    pub environment: BTreeMap<String, Value>,
}

/// Variables the panel adds to `container.environment` itself; they are not egg variables.
pub const PANEL_ENV_EXTRAS: [&str; 4] = [
    "STARTUP",
    "P_SERVER_UUID",
    "P_SERVER_LOCATION",
    "P_SERVER_ALLOCATION_LIMIT",
];

/// An included object of which only the id is read: serde skips the rest without building it,
/// which matters when every server of a large panel brings its allocations along.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct IdOnly {
    pub id: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerRelationships {
    /// Only the ids are needed: the allocations themselves come with their nodes.
    #[serde(default)]
    pub allocations: Option<Relation<IdOnly>>,
    #[serde(default)]
    pub variables: Option<Relation<EggVariableAttributes>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerAttributes {
    pub id: u64,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub identifier: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub suspended: bool,
    pub limits: ServerLimits,
    #[serde(default)]
    pub feature_limits: ServerFeatureLimits,
    pub user: u64,
    pub node: u64,
    /// Nullable on PL@b22+.
    #[serde(default)]
    pub allocation: Option<u64>,
    /// PT only.
    #[serde(default)]
    pub nest: Option<u64>,
    pub egg: u64,
    pub container: ServerContainer,
    #[serde(default)]
    pub relationships: ServerRelationships,
}

impl ServerAttributes {
    /// Allocation ids from `include=allocations` (`None` when it was not included or withheld).
    pub fn included_allocations(&self) -> Option<Vec<u64>> {
        self.relationships
            .allocations
            .as_ref()
            .and_then(|r| r.list())
            .map(|l| l.map(|a| a.id).collect())
    }

    pub fn to_live(&self) -> LiveServer {
        let mut allocations = self.included_allocations().unwrap_or_default();
        // The primary always belongs to the server, whether or not the include was sent.
        if let Some(primary) = self.allocation.filter(|p| !allocations.contains(p)) {
            allocations.insert(0, primary);
        }
        let status = self.status.clone();
        LiveServer {
            id: self.id,
            uuid: self.uuid.clone(),
            identifier: self.identifier.clone(),
            external_id: self.external_id.clone(),
            name: self.name.clone(),
            description: self.description.clone().unwrap_or_default(),
            suspended: self.suspended || status.as_deref() == Some("suspended"),
            status,
            limits: LiveLimits {
                memory: self.limits.memory,
                swap: self.limits.swap,
                disk: self.limits.disk,
                io: self.limits.io,
                cpu: self.limits.cpu,
                threads: self.limits.threads.clone(),
                oom_killer: self.limits.oom_killer(),
            },
            feature_limits: LiveFeatureLimits {
                databases: self.feature_limits.databases,
                allocations: self.feature_limits.allocations,
                backups: self.feature_limits.backups,
            },
            user: self.user,
            node: self.node,
            allocation: self.allocation,
            allocations,
            nest: self.nest,
            egg: self.egg,
            startup: self.container.startup_command.clone(),
            image: self.container.image.clone(),
            environment: egg_environment(&self.container.environment),
            installed: self.container.installed,
        }
    }
}

/// The egg variables of a server's environment, as strings, without the panel's extras.
pub fn egg_environment(env: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    env.iter()
        .filter(|(k, _)| !PANEL_ENV_EXTRAS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), value_to_env_string(v)))
        .collect()
}

fn value_to_env_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        // Laravel casts scalars to strings when it renders them into the container env.
        Value::Bool(true) => "1".to_string(),
        Value::Bool(false) => String::new(),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NestRelationships {
    #[serde(default)]
    pub eggs: Option<Relation<EggAttributes>>,
}

/// PT only.
#[derive(Debug, Clone, Deserialize)]
pub struct NestAttributes {
    pub id: u64,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub author: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub relationships: NestRelationships,
}

impl NestAttributes {
    pub fn to_live(&self) -> LiveNest {
        LiveNest {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EggRelationships {
    #[serde(default)]
    pub variables: Option<Relation<EggVariableAttributes>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EggAttributes {
    pub id: u64,
    #[serde(default)]
    pub uuid: String,
    pub name: String,
    /// PT only.
    #[serde(default)]
    pub nest: Option<u64>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// PL@b34+ (`image` in b28–b33).
    #[serde(default)]
    pub icon: Option<String>,
    /// PL@b20+; kept as JSON because nothing reads it and its shape is loose.
    #[serde(default)]
    pub features: Option<Value>,
    #[serde(default)]
    pub tags: Option<Value>,
    /// Deprecated first image.
    #[serde(default)]
    pub docker_image: Option<String>,
    /// `{label: image}` in panel order (an array of images is accepted too).
    #[serde(default, deserialize_with = "de_labelled")]
    pub docker_images: Vec<(String, String)>,
    #[serde(default)]
    pub startup: Option<String>,
    /// PL@b26+: `{label: command}` or an array.
    #[serde(default, deserialize_with = "de_labelled_opt")]
    pub startup_commands: Option<Vec<(String, String)>>,
    #[serde(default)]
    pub config: Option<Value>,
    #[serde(default)]
    pub script: Option<Value>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub relationships: EggRelationships,
}

impl EggAttributes {
    pub fn to_live(&self) -> LiveEgg {
        let mut docker_images = self.docker_images.clone();
        let fallback = self.docker_image.as_ref().filter(|s| !s.is_empty());
        if let (true, Some(img)) = (docker_images.is_empty(), fallback) {
            docker_images.push((img.clone(), img.clone()));
        }
        let startup = self
            .startup
            .clone()
            .filter(|s| !s.is_empty())
            .or_else(|| {
                self.startup_commands
                    .as_ref()
                    .and_then(|c| c.first())
                    .map(|(_, cmd)| cmd.clone())
            })
            .unwrap_or_default();
        let mut variables: Vec<&EggVariableAttributes> = self
            .relationships
            .variables
            .as_ref()
            .and_then(|r| r.list())
            .map(|l| l.collect())
            .unwrap_or_default();
        // PL orders variables by `sort`; PT by id. Keep a stable, panel-like order.
        variables.sort_by_key(|v| (v.sort.unwrap_or(i64::MAX), v.id));
        LiveEgg {
            id: self.id,
            uuid: self.uuid.clone(),
            name: self.name.clone(),
            nest: self.nest,
            docker_images,
            startup,
            variables: variables.into_iter().map(|v| v.to_live()).collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct EggVariableAttributes {
    #[serde(default)]
    pub id: u64,
    #[serde(default)]
    pub egg_id: Option<u64>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub env_variable: String,
    #[serde(default)]
    pub default_value: Option<String>,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub user_viewable: bool,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub user_editable: bool,
    /// PT `"required|string"`, PL `["required","string"]`.
    #[serde(default, deserialize_with = "de_rules")]
    pub rules: Vec<String>,
    /// PL only.
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub sort: Option<i64>,
    /// Only on `server_variable` (server `include=variables`).
    #[serde(default)]
    pub server_value: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl EggVariableAttributes {
    pub fn to_live(&self) -> LiveEggVariable {
        LiveEggVariable {
            name: self.name.clone(),
            env_variable: self.env_variable.clone(),
            default_value: self.default_value.clone().unwrap_or_default(),
            rules: self.rules.clone(),
            user_editable: self.user_editable,
        }
    }
}

/// PL only. PL@b9–b10 sent no `id`; such roles cannot be referenced and are skipped.
#[derive(Debug, Clone, Deserialize)]
pub struct RoleAttributes {
    #[serde(default)]
    pub id: Option<u64>,
    pub name: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl RoleAttributes {
    pub fn to_live(&self) -> Option<LiveRole> {
        self.id.map(|id| LiveRole {
            id,
            name: self.name.clone(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// An error body: the `{"errors": [...]}` envelope, or anything else (PL answers a Root Admin
/// delete with the literal body `[]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ErrorBody {
    Envelope { errors: Vec<ErrorEntry> },
    Other(Value),
}

impl ErrorBody {
    pub fn entries(&self) -> &[ErrorEntry] {
        match self {
            ErrorBody::Envelope { errors } => errors,
            ErrorBody::Other(_) => &[],
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ErrorEntry {
    #[serde(default)]
    pub code: String,
    /// The HTTP status as a string (kept lenient: an int is accepted too).
    #[serde(default, deserialize_with = "de_string_lenient")]
    pub status: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    /// Validation errors: `{source_field, rule}`; debug mode adds traces (ignored).
    #[serde(default)]
    pub meta: Option<ErrorMeta>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ErrorMeta {
    #[serde(default)]
    pub source_field: Option<String>,
    #[serde(default)]
    pub rule: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Lenient deserializers
// ---------------------------------------------------------------------------------------------

fn yes() -> bool {
    true
}

fn value_as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().map(|f| f as i64))
        }
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn de_i64_opt_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Value::deserialize(d)?;
    match v {
        Value::Null => Ok(None),
        other => value_as_i64(&other)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected an integer, got {other}"))),
    }
}

fn de_i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    de_i64_opt_lenient(d)?.ok_or_else(|| de::Error::custom("expected an integer, got null"))
}

fn de_u64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = de_i64_opt_lenient(d)?.unwrap_or(0);
    u64::try_from(n)
        .map_err(|_| de::Error::custom(format!("expected a non-negative integer, got {n}")))
}

fn value_as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => match s.trim() {
            "1" | "true" => Some(true),
            "0" | "false" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn de_bool_opt_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Value::deserialize(d)?;
    match v {
        Value::Null => Ok(None),
        other => value_as_bool(&other)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected a boolean, got {other}"))),
    }
}

fn de_bool_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(de_bool_opt_lenient(d)?.unwrap_or(false))
}

fn de_string_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

fn de_links<'de, D: Deserializer<'de>>(d: D) -> Result<Links, D::Error> {
    match Value::deserialize(d)? {
        Value::Object(map) => {
            Links::deserialize(Value::Object(map)).map_err(|e| de::Error::custom(e.to_string()))
        }
        // `[]` or null: an empty PHP array rendered as a list.
        _ => Ok(Links::default()),
    }
}

/// Egg variable rules: a pipe-separated string (PT) or an array (PL).
fn de_rules<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::String(s) => split_rules(&s),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        other => return Err(de::Error::custom(format!("unexpected rules value {other}"))),
    })
}

/// Splits a Laravel rule string on `|`, except inside a `regex:`/`not_regex:` pattern, whose
/// delimiters may enclose `|` (`regex:/^(a|b)$/`).
pub fn split_rules(s: &str) -> Vec<String> {
    let mut rules = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let end = if let Some(pat) = rest
            .strip_prefix("regex:")
            .or_else(|| rest.strip_prefix("not_regex:"))
        {
            let prefix_len = rest.len() - pat.len();
            regex_rule_end(pat).map(|e| prefix_len + e)
        } else {
            None
        };
        let end = end.or_else(|| rest.find('|')).unwrap_or(rest.len());
        let rule = rest[..end].trim();
        if !rule.is_empty() {
            rules.push(rule.to_string());
        }
        rest = rest.get(end + 1..).unwrap_or("");
    }
    rules
}

/// Byte offset just past a delimited regex and its flags, when it is followed by `|` or the end.
fn regex_rule_end(pat: &str) -> Option<usize> {
    let delim = pat.chars().next()?;
    if delim.is_alphanumeric() || delim == '\\' {
        return None;
    }
    let mut escaped = false;
    for (i, c) in pat.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == delim {
            let after = &pat[i + c.len_utf8()..];
            let flags = after.find('|').map(|p| &after[..p]).unwrap_or(after);
            if flags.chars().all(|f| f.is_ascii_alphabetic()) {
                return Some(i + c.len_utf8() + flags.len());
            }
        }
    }
    None
}

struct LabelledVisitor;

impl<'de> Visitor<'de> for LabelledVisitor {
    type Value = Option<Vec<(String, String)>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object {label: value}, an array of values, or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    // A map visitor keeps the panel's key order (serde_json's `Value` would sort it).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.push((k, value_to_env_string(&v)));
        }
        Ok(Some(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            let s = value_to_env_string(&v);
            out.push((s.clone(), s));
        }
        Ok(Some(out))
    }
}

fn de_labelled_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<(String, String)>>, D::Error> {
    d.deserialize_any(LabelledVisitor)
}

fn de_labelled<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    Ok(de_labelled_opt(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_split_on_pipes_but_not_inside_regexes() {
        assert_eq!(
            split_rules("required|string|max:20"),
            vec!["required", "string", "max:20"]
        );
        assert_eq!(
            split_rules("required|regex:/^(a|b)$/i|max:3"),
            vec!["required", "regex:/^(a|b)$/i", "max:3"]
        );
        assert_eq!(
            split_rules(r"nullable|regex:/^([\w\d._-]+)(\.jar)$/"),
            vec!["nullable", r"regex:/^([\w\d._-]+)(\.jar)$/"]
        );
        assert_eq!(split_rules(""), Vec::<String>::new());
        // An unterminated pattern falls back to plain splitting.
        assert_eq!(split_rules("regex:/a|b"), vec!["regex:/a", "b"]);
    }

    #[test]
    fn docker_images_keep_panel_order() {
        // Parsed from text: a `json!` value would already have sorted the keys.
        let egg: EggAttributes = serde_json::from_str(
            r#"{"id": 1, "name": "e", "docker_images": {"Zed": "z:1", "Alpha": "a:1"},
                "startup_commands": ["run"]}"#,
        )
        .unwrap();
        let live = egg.to_live();
        assert_eq!(
            live.docker_images,
            vec![("Zed".into(), "z:1".into()), ("Alpha".into(), "a:1".into())]
        );
        assert_eq!(live.startup, "run");
    }

    #[test]
    fn environment_drops_panel_extras() {
        let env: BTreeMap<String, Value> = serde_json::from_value(serde_json::json!({
            "A": "x", "N": 5, "Z": null, "STARTUP": "s", "P_SERVER_UUID": "u",
            "P_SERVER_LOCATION": "l", "P_SERVER_ALLOCATION_LIMIT": 3
        }))
        .unwrap();
        let out = egg_environment(&env);
        assert_eq!(out.len(), 3);
        assert_eq!(out["A"], "x");
        assert_eq!(out["N"], "5");
        assert_eq!(out["Z"], "");
    }
}
