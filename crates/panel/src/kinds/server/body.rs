//! Request bodies of the server endpoints. `limits` travels with both OOM flags, derived from
//! one `oom_killer` field so they cannot disagree; creates carry both PT's `locations` and PL's
//! `tags` in `deploy`.

use roost_model::LiveServer;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

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
            environment: s.environment.to_btree_map(),
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
            environment: s.environment.to_btree_map(),
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
            environment: roost_model::VecMap::from([("A".to_string(), "1".to_string())]),
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
}
