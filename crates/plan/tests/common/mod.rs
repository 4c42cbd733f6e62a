//! Planner tests without a panel: manifests as KDL text, the live state built by hand.
#![allow(dead_code)]

use roost_model::{
    Desired, Dialect, KeyOwner, Live, LiveAllocation, LiveEgg, LiveFeatureLimits, LiveLimits,
    LiveNode, LiveRole, LiveServer, LiveUser,
};
use roost_plan::{Action, Change, Options, Plan, PlanError};
use std::sync::Arc;

/// The desired state of one manifest file; panics with the report when it does not validate.
pub fn desired(kdl: &str) -> Desired {
    let sources = roost_manifest::Sources {
        files: vec![("fleet.kdl".into(), Arc::from(kdl))],
    };
    // `ignore` rules may name what the planner's attribute tables declare, as in the CLI.
    let options = roost_manifest::LoadOptions {
        attributes: roost_manifest::AttributeNames {
            known: roost_plan::attribute_known,
            names: roost_plan::attribute_names,
        },
        sources: None,
        // The planner's cases write no `mcp-allow`.
        mcp_tools: None,
    };
    match roost_manifest::load_with(sources, &options) {
        Ok(m) => m.desired,
        Err(e) => panic!(
            "the manifests do not validate:\n{}",
            roost_manifest::render_plain(&e, 100)
        ),
    }
}

/// A panel of `dialect` with one node `n1` (id 1) holding 10.0.0.5:25565-25575 (ids 1..), the
/// egg `Paper` (id 1; nest `Minecraft` on Pterodactyl), and Pelican's Root Admin role (id 1).
pub fn panel(dialect: Dialect) -> Live {
    let pt = dialect == Dialect::Pterodactyl;
    let mut live = Live::empty(dialect);
    if pt {
        live.locations.push(roost_model::LiveLocation {
            id: 1,
            short: "fra".into(),
            long: None,
        });
        live.nests.push(roost_model::LiveNest {
            id: 1,
            name: "Minecraft".into(),
        });
    } else {
        live.roles.push(LiveRole {
            id: 1,
            name: "Root Admin".into(),
        });
    }
    live.nodes.push(LiveNode {
        id: 1,
        uuid: "node-1".into(),
        name: "n1".into(),
        description: None,
        location_id: pt.then_some(1),
        tags: Vec::new(),
        fqdn: "n1.example.com".into(),
        scheme: "https".into(),
        behind_proxy: false,
        public: true,
        maintenance_mode: false,
        memory: 65536,
        memory_overallocate: 0,
        disk: 1_000_000,
        disk_overallocate: 0,
        cpu: (!pt).then_some(0),
        cpu_overallocate: (!pt).then_some(0),
        upload_size: 100,
        daemon_listen: 8080,
        daemon_sftp: 2022,
        daemon_connect: (!pt).then_some(8080),
        daemon_sftp_alias: None,
        daemon_base: dialect.default_daemon_base().into(),
        allocated_memory: 0,
        allocated_disk: 0,
        allocated_cpu: None,
    });
    for (i, port) in (25565..=25575).enumerate() {
        live.allocations.push(LiveAllocation {
            id: i as u64 + 1,
            node_id: 1,
            ip: "10.0.0.5".into(),
            alias: None,
            port,
            notes: None,
            assigned: false,
            server_id: None,
        });
    }
    live.eggs.push(LiveEgg {
        id: 1,
        uuid: "egg-1".into(),
        name: "Paper".into(),
        nest: pt.then_some(1),
        docker_images: vec![("Java 21".into(), "ghcr.io/java:21".into())],
        startup: "java -jar server.jar".into(),
        variables: Vec::new(),
    });
    live
}

/// The manifest head for `dialect`: panel block with `panel_extra`, location, node `n1`.
pub fn head(dialect: Dialect, panel_extra: &str) -> String {
    match dialect {
        Dialect::Pterodactyl => format!(
            "panel {{\n    dialect \"pterodactyl\"\n{panel_extra}\n}}\nlocation \"fra\"\nnode \"n1\" {{\n    location \"fra\"\n    fqdn \"n1.example.com\"\n    memory \"64GiB\"\n    disk 1000000\n    allocations \"10.0.0.5\" \"25565-25575\"\n}}\n"
        ),
        Dialect::Pelican => format!(
            "panel {{\n    dialect \"pelican\"\n{panel_extra}\n}}\nnode \"n1\" {{\n    fqdn \"n1.example.com\"\n    memory \"64GiB\"\n    disk 1000000\n    allocations \"10.0.0.5\" \"25565-25575\"\n}}\n"
        ),
    }
}

/// A user block with the dialect's required fields and `extra` lines.
pub fn user_block(dialect: Dialect, name: &str, email: &str, extra: &str) -> String {
    let names = if dialect == Dialect::Pterodactyl {
        "    first-name \"A\"\n    last-name \"B\"\n"
    } else {
        ""
    };
    format!("user \"{name}\" {{\n    email \"{email}\"\n{names}{extra}\n}}\n")
}

/// A server block on n1 owned by `owner` at port `port`.
pub fn server_block(dialect: Dialect, key: &str, owner: &str, port: u16, extra: &str) -> String {
    let nest = if dialect == Dialect::Pterodactyl {
        " nest=\"Minecraft\""
    } else {
        ""
    };
    format!(
        "server \"{key}\" {{\n    owner \"{owner}\"\n    node \"n1\"\n    egg \"Paper\"{nest}\n    limits memory=1024 disk=5120\n    allocation \"10.0.0.5:{port}\"\n{extra}\n}}\n"
    )
}

pub fn live_user(id: u64, username: &str, email: &str, external_id: Option<&str>) -> LiveUser {
    LiveUser {
        id,
        uuid: format!("uuid-user-{id}"),
        external_id: external_id.map(String::from),
        username: username.into(),
        email: email.into(),
        first_name: Some("A".into()),
        last_name: Some("B".into()),
        language: "en".into(),
        root_admin: false,
        role_ids: Vec::new(),
    }
}

/// A live server on n1 holding allocation `port`, as roost would have created it.
pub fn live_server(
    live: &mut Live,
    id: u64,
    name: &str,
    owner: u64,
    port: u16,
    external_id: Option<&str>,
) {
    let pt = live.dialect == Dialect::Pterodactyl;
    let alloc = live
        .allocations
        .iter_mut()
        .find(|a| a.port == port)
        .expect("a port of n1");
    alloc.assigned = true;
    alloc.server_id = Some(id);
    let alloc_id = alloc.id;
    live.servers.push(LiveServer {
        id,
        uuid: format!("uuid-server-{id}"),
        identifier: format!("srv{id:05}"),
        external_id: external_id.map(String::from),
        name: name.into(),
        description: String::new(),
        status: None,
        suspended: false,
        limits: LiveLimits {
            memory: 1024,
            swap: 0,
            disk: 5120,
            io: 500,
            cpu: 0,
            threads: None,
            oom_killer: false,
        },
        feature_limits: LiveFeatureLimits {
            databases: Some(0),
            allocations: Some(0),
            backups: Some(0),
        },
        user: owner,
        node: 1,
        allocation: Some(alloc_id),
        allocations: vec![alloc_id],
        nest: pt.then_some(1),
        egg: 1,
        startup: "java -jar server.jar".into(),
        image: "ghcr.io/java:21".into(),
        environment: Default::default(),
        installed: true,
    });
}

pub fn planned(d: &Desired, live: &Live) -> Result<Plan, Vec<PlanError>> {
    roost_plan::plan(d, live, &Options::default())
}

pub fn plan_with_owner(d: &Desired, live: &Live, owner: KeyOwner) -> Result<Plan, Vec<PlanError>> {
    roost_plan::plan(
        d,
        live,
        &Options {
            key_owner: Some(owner),
            ..Options::default()
        },
    )
}

/// The plan, or a panic listing its errors.
pub fn ok(r: Result<Plan, Vec<PlanError>>) -> Plan {
    r.unwrap_or_else(|errors| panic!("the plan fails: {}", show(&errors)))
}

/// The plan's errors, or a panic showing the plan.
pub fn errors(r: Result<Plan, Vec<PlanError>>) -> Vec<PlanError> {
    match r {
        Ok(p) => panic!(
            "the plan was made, but should fail; changes: {:?}",
            p.changes
                .iter()
                .map(|c| format!("{:?} {}", c.action, c.address))
                .collect::<Vec<_>>()
        ),
        Err(e) => e,
    }
}

pub fn show(errors: &[PlanError]) -> String {
    errors
        .iter()
        .map(|e| {
            format!(
                "{}: {} ({})",
                e.code,
                e.message,
                e.help.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The one error with `code`; panics otherwise.
pub fn the_error<'a>(errors: &'a [PlanError], code: &str) -> &'a PlanError {
    let found: Vec<&PlanError> = errors.iter().filter(|e| e.code == code).collect();
    assert_eq!(found.len(), 1, "one {code} error in:\n{}", show(errors));
    found[0]
}

pub fn change<'a>(plan: &'a Plan, address: &str) -> &'a Change {
    plan.changes
        .iter()
        .find(|c| c.address.to_string() == address)
        .unwrap_or_else(|| {
            panic!(
                "no change of {address}; changes: {:?}",
                plan.changes
                    .iter()
                    .map(|c| format!("{:?} {}", c.action, c.address))
                    .collect::<Vec<_>>()
            )
        })
}

pub fn actions(plan: &Plan) -> Vec<(Action, String)> {
    plan.changes
        .iter()
        .map(|c| (c.action, c.address.to_string()))
        .collect()
}

/// `(old, new)` of attribute `name` of `c`, as JSON text.
pub fn attr(c: &Change, name: &str) -> Option<(String, String)> {
    c.attributes.iter().find(|a| a.name == name).map(|a| {
        (
            a.old.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            a.new.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        )
    })
}
