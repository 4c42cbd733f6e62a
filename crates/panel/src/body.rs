//! Request bodies.
//!
//! The panels' update endpoints are full replacements: omitted fields are reset (node
//! `daemon_base`, server `external_id`/`description`, PL build `allocation` ...). So every body
//! here carries *all* fields its endpoint takes, and `from_live` copies each of them from live
//! state: a caller changes only what it means to change and can never drop a field by accident.
//!
//! Both panels ignore unknown body keys, so bodies are union payloads that work on both dialects
//! (`shared/panel-api/dialects.md` §4): PT's `location_id` and user names travel next to PL's
//! `tags`, `cpu` and `daemon_connect`, and both OOM flags are always sent, derived from one field
//! so they cannot disagree.

use roost_model::{LiveLocation, LiveNode, LiveServer, LiveUser, Secret};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// `POST /locations`, `PATCH /locations/{id}` (Pterodactyl only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationBody {
    pub short: String,
    pub long: Option<String>,
}

impl LocationBody {
    pub fn from_live(l: &LiveLocation) -> Self {
        LocationBody {
            short: l.short.clone(),
            long: l.long.clone(),
        }
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

fn ser_secret<S: Serializer>(s: &Option<Secret>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(secret) => ser.serialize_str(secret.expose()),
        None => ser.serialize_none(),
    }
}

/// `POST /users`, `PATCH /users/{id}`. `email` and `username` are required on every PATCH
/// (and PT's names too); omitted optional fields keep their value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserBody {
    pub email: String,
    pub username: String,
    /// PT only (required there); PL ignores them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    pub external_id: Option<String>,
    pub language: String,
    /// PT only (PL derives it from roles and ignores it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_admin: Option<bool>,
    /// Write-only. `None` leaves the password unchanged (on create: the panel mails a
    /// set-password link).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_secret")]
    pub password: Option<Secret>,
}

impl UserBody {
    pub fn from_live(u: &LiveUser) -> Self {
        UserBody {
            email: u.email.clone(),
            username: u.username.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            external_id: u.external_id.clone(),
            language: u.language.clone(),
            root_admin: Some(u.root_admin),
            password: None,
        }
    }
}

/// `PATCH /users/{id}/roles/assign|remove` (Pelican only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolesBody {
    /// JSON integers: PL compares the Root Admin role id strictly.
    pub roles: Vec<u64>,
}

/// Server `limits` as sent (the OOM flag lives on the enclosing body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitsBody {
    pub memory: i64,
    pub swap: i64,
    pub disk: i64,
    /// PT requires 10–1000.
    pub io: i64,
    pub cpu: i64,
    pub threads: Option<String>,
}

/// Server `feature_limits`; `None` is sent as an explicit `null` (the keys are required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeatureLimitsBody {
    pub databases: Option<i64>,
    pub allocations: Option<i64>,
    pub backups: Option<i64>,
}

impl LimitsBody {
    pub fn from_live(s: &LiveServer) -> Self {
        LimitsBody {
            memory: s.limits.memory,
            swap: s.limits.swap,
            disk: s.limits.disk,
            io: s.limits.io,
            cpu: s.limits.cpu,
            threads: s.limits.threads.clone(),
        }
    }
}

impl FeatureLimitsBody {
    pub fn from_live(s: &LiveServer) -> Self {
        FeatureLimitsBody {
            databases: s.feature_limits.databases,
            allocations: s.feature_limits.allocations,
            backups: s.feature_limits.backups,
        }
    }
}

/// Wire form of limits plus both OOM flags, derived from the one `oom_killer` field.
#[derive(Serialize)]
struct LimitsWire<'a> {
    #[serde(flatten)]
    limits: &'a LimitsBody,
    oom_disabled: bool,
    oom_killer: bool,
}

/// `allocation` block of a server create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllocationSpec {
    pub default: u64,
    pub additional: Vec<u64>,
}

/// `deploy` block of a server create: both PT's `locations` and PL's `tags` are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploySpec {
    pub locations: Vec<u64>,
    pub tags: Vec<String>,
    pub dedicated_ip: bool,
    pub port_range: Vec<String>,
}

/// `POST /servers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCreateBody {
    pub name: String,
    pub user: u64,
    pub egg: u64,
    /// Required on PT; always sent.
    pub docker_image: String,
    /// Required on PT; always sent.
    pub startup: String,
    /// Every egg variable: omitted ones are stored as `""`, not their default.
    pub environment: BTreeMap<String, String>,
    pub external_id: Option<String>,
    pub description: Option<String>,
    pub skip_scripts: bool,
    pub start_on_completion: bool,
    /// Sent as PL `oom_killer` and PT `oom_disabled = !oom_killer`.
    pub oom_killer: bool,
    pub limits: LimitsBody,
    pub feature_limits: FeatureLimitsBody,
    /// Explicit placement; exactly one of `allocation` and `deploy` should be set.
    pub allocation: Option<AllocationSpec>,
    pub deploy: Option<DeploySpec>,
}

impl ServerCreateBody {
    /// A create body reproducing `s` (same allocations; they must be free again).
    pub fn from_live(s: &LiveServer) -> Self {
        ServerCreateBody {
            name: s.name.clone(),
            user: s.user,
            egg: s.egg,
            docker_image: s.image.clone(),
            startup: s.startup.clone(),
            environment: s.environment.clone(),
            external_id: s.external_id.clone(),
            description: Some(s.description.clone()),
            skip_scripts: false,
            start_on_completion: false,
            oom_killer: s.limits.oom_killer,
            limits: LimitsBody::from_live(s),
            feature_limits: FeatureLimitsBody::from_live(s),
            allocation: s.allocation.map(|default| AllocationSpec {
                default,
                additional: s
                    .allocations
                    .iter()
                    .copied()
                    .filter(|a| *a != default)
                    .collect(),
            }),
            deploy: None,
        }
    }
}

impl Serialize for ServerCreateBody {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            name: &'a str,
            user: u64,
            egg: u64,
            docker_image: &'a str,
            startup: &'a str,
            environment: &'a BTreeMap<String, String>,
            external_id: &'a Option<String>,
            description: &'a Option<String>,
            skip_scripts: bool,
            start_on_completion: bool,
            oom_disabled: bool,
            oom_killer: bool,
            limits: LimitsWire<'a>,
            feature_limits: &'a FeatureLimitsBody,
            #[serde(skip_serializing_if = "Option::is_none")]
            allocation: &'a Option<AllocationSpec>,
            #[serde(skip_serializing_if = "Option::is_none")]
            deploy: &'a Option<DeploySpec>,
        }
        Wire {
            name: &self.name,
            user: self.user,
            egg: self.egg,
            docker_image: &self.docker_image,
            startup: &self.startup,
            environment: &self.environment,
            external_id: &self.external_id,
            description: &self.description,
            skip_scripts: self.skip_scripts,
            start_on_completion: self.start_on_completion,
            oom_disabled: !self.oom_killer,
            oom_killer: self.oom_killer,
            limits: LimitsWire {
                limits: &self.limits,
                oom_disabled: !self.oom_killer,
                oom_killer: self.oom_killer,
            },
            feature_limits: &self.feature_limits,
            allocation: &self.allocation,
            deploy: &self.deploy,
        }
        .serialize(ser)
    }
}

/// `PATCH /servers/{id}/details`: omitting `external_id` clears it and omitting `description`
/// blanks it, so both are always sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerDetailsBody {
    pub name: String,
    /// Owner user id.
    pub user: u64,
    pub external_id: Option<String>,
    pub description: String,
}

impl ServerDetailsBody {
    pub fn from_live(s: &LiveServer) -> Self {
        ServerDetailsBody {
            name: s.name.clone(),
            user: s.user,
            external_id: s.external_id.clone(),
            description: s.description.clone(),
        }
    }
}

/// `PATCH /servers/{id}/build`: not a partial update. `allocation`, the full `limits`, all three
/// feature limits and both OOM flags are always sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerBuildBody {
    /// Primary allocation. PT requires a value; on PL `None` clears the primary.
    pub allocation: Option<u64>,
    pub oom_killer: bool,
    pub limits: LimitsBody,
    pub feature_limits: FeatureLimitsBody,
    /// Free allocations on the server's node to add.
    pub add_allocations: Vec<u64>,
    /// Allocations of this server to release.
    pub remove_allocations: Vec<u64>,
}

impl ServerBuildBody {
    pub fn from_live(s: &LiveServer) -> Self {
        ServerBuildBody {
            allocation: s.allocation,
            oom_killer: s.limits.oom_killer,
            limits: LimitsBody::from_live(s),
            feature_limits: FeatureLimitsBody::from_live(s),
            add_allocations: Vec::new(),
            remove_allocations: Vec::new(),
        }
    }
}

impl Serialize for ServerBuildBody {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            // Always present, `null` included: PL answers 500 when the key is missing.
            allocation: Option<u64>,
            oom_disabled: bool,
            oom_killer: bool,
            limits: LimitsWire<'a>,
            feature_limits: &'a FeatureLimitsBody,
            add_allocations: &'a [u64],
            remove_allocations: &'a [u64],
        }
        Wire {
            allocation: self.allocation,
            oom_disabled: !self.oom_killer,
            oom_killer: self.oom_killer,
            // The flags are also sent inside `limits`: both panels ignore unknown keys there,
            // and it keeps a reader of either location correct.
            limits: LimitsWire {
                limits: &self.limits,
                oom_disabled: !self.oom_killer,
                oom_killer: self.oom_killer,
            },
            feature_limits: &self.feature_limits,
            add_allocations: &self.add_allocations,
            remove_allocations: &self.remove_allocations,
        }
        .serialize(ser)
    }
}

/// `PATCH /servers/{id}/startup`: PT requires `startup`, `image`, `egg` and `skip_scripts`; a
/// non-empty `environment` rewrites every variable of the egg, so it is sent complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerStartupBody {
    pub startup: String,
    pub image: String,
    pub egg: u64,
    pub skip_scripts: bool,
    pub environment: BTreeMap<String, String>,
}

impl ServerStartupBody {
    pub fn from_live(s: &LiveServer) -> Self {
        ServerStartupBody {
            startup: s.startup.clone(),
            image: s.image.clone(),
            egg: s.egg,
            skip_scripts: false,
            environment: s.environment.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roost_model::{LiveFeatureLimits, LiveLimits};
    use serde_json::json;

    pub(crate) fn live_server() -> LiveServer {
        LiveServer {
            id: 5,
            uuid: "u".into(),
            identifier: "i".into(),
            external_id: Some("ext".into()),
            name: "lobby".into(),
            description: "d".into(),
            status: None,
            suspended: false,
            limits: LiveLimits {
                memory: 1024,
                swap: 0,
                disk: 2048,
                io: 500,
                cpu: 100,
                threads: None,
                oom_killer: true,
            },
            feature_limits: LiveFeatureLimits {
                databases: None,
                allocations: Some(2),
                backups: Some(0),
            },
            user: 3,
            node: 1,
            allocation: Some(10),
            allocations: vec![10, 11],
            nest: Some(1),
            egg: 4,
            startup: "java".into(),
            image: "img".into(),
            environment: BTreeMap::from([("A".to_string(), "1".to_string())]),
            installed: true,
        }
    }

    #[test]
    fn build_body_sends_everything_consistently() {
        let v = serde_json::to_value(ServerBuildBody::from_live(&live_server())).unwrap();
        assert_eq!(
            v,
            json!({
                "allocation": 10, "oom_disabled": false, "oom_killer": true,
                "limits": {"memory": 1024, "swap": 0, "disk": 2048, "io": 500, "cpu": 100,
                           "threads": null, "oom_disabled": false, "oom_killer": true},
                "feature_limits": {"databases": null, "allocations": 2, "backups": 0},
                "add_allocations": [], "remove_allocations": []
            })
        );
        let mut b = ServerBuildBody::from_live(&live_server());
        b.allocation = None;
        let v = serde_json::to_value(b).unwrap();
        assert!(v.as_object().unwrap().contains_key("allocation") && v["allocation"].is_null());
    }

    #[test]
    fn details_and_startup_bodies_are_complete() {
        let s = live_server();
        assert_eq!(
            serde_json::to_value(ServerDetailsBody::from_live(&s)).unwrap(),
            json!({"name": "lobby", "user": 3, "external_id": "ext", "description": "d"})
        );
        let mut s2 = s.clone();
        s2.external_id = None;
        let v = serde_json::to_value(ServerDetailsBody::from_live(&s2)).unwrap();
        assert!(v["external_id"].is_null() && v.as_object().unwrap().contains_key("external_id"));
        assert_eq!(
            serde_json::to_value(ServerStartupBody::from_live(&s)).unwrap(),
            json!({"startup": "java", "image": "img", "egg": 4, "skip_scripts": false,
                   "environment": {"A": "1"}})
        );
    }

    #[test]
    fn create_body_is_a_union_payload() {
        let v = serde_json::to_value(ServerCreateBody::from_live(&live_server())).unwrap();
        assert_eq!(v["oom_disabled"], json!(false));
        assert_eq!(v["oom_killer"], json!(true));
        assert_eq!(v["allocation"], json!({"default": 10, "additional": [11]}));
        assert!(v.get("deploy").is_none());
        assert_eq!(v["docker_image"], json!("img"));
        assert!(v["feature_limits"]["databases"].is_null());
    }

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

    #[test]
    fn user_password_is_sent_but_never_debug_printed() {
        let mut b = UserBody {
            email: "a@b.c".into(),
            username: "abc".into(),
            first_name: Some("A".into()),
            last_name: Some("B".into()),
            external_id: None,
            language: "en".into(),
            root_admin: Some(false),
            password: Some(Secret::new("hunter22")),
        };
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(v["password"], json!("hunter22"));
        assert!(!format!("{b:?}").contains("hunter22"));
        b.password = None;
        let v = serde_json::to_value(&b).unwrap();
        assert!(v.get("password").is_none());
    }

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
