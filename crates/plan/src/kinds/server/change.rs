//! One declared server against the panel: its target, its attributes compared, and the
//! operations that reach it (create; update through details, build, startup and suspension;
//! replace when it moves to another node).

use super::table::{ServerTarget, TABLE};
use super::{
    Build, BuildWas, CreateFields, Details, Environment, FeatureLimits, Limits, Op, Startup,
    StartupWas, Write, checks, notes,
};
use crate::context::{PlanCx, change};
use crate::error::PlanError;
use crate::kinds;
use crate::ops::Ref;
use crate::ownership;
use crate::sensitive::{ServerEnvironment, redact_environment};
use crate::types::{Action, Impact};
use roost_model::{Address, Endpoint, Kind, LiveEgg, LiveServer, Server};

/// The state server `s` is to reach on the panel, references resolved: egg defaults fill what
/// the manifest leaves out.
fn target(cx: &PlanCx, s: &Server, egg: &LiveEgg, live: Option<&LiveServer>) -> ServerTarget {
    let egg_changed = live.is_some_and(|l| l.egg != egg.id);
    let image = match (&s.image, live) {
        (Some(i), _) => i.clone(),
        (None, Some(l)) if !egg_changed => l.image.clone(),
        _ => egg
            .docker_images
            .first()
            .map(|(_, i)| i.clone())
            .unwrap_or_default(),
    };
    let startup = match (&s.startup, live) {
        (Some(x), _) => x.clone(),
        (None, Some(l)) if !egg_changed => l.startup.clone(),
        _ => egg.startup.clone(),
    };
    let env = ServerEnvironment::of(egg, s);
    let owner_id = cx.identity.user_ids.get(&s.owner).copied();
    let allocation = |ep: &Endpoint| {
        let id = cx.lookup.allocation_at(&s.node, *ep).map(|a| a.id);
        cx.reference(id, || Address::allocation(&s.node, ep.ip, ep.port))
    };
    let mut additional_shown: Vec<String> = s
        .additional_allocations
        .iter()
        .map(Endpoint::to_string)
        .collect();
    additional_shown.sort();
    let l = &s.limits;
    let feature = |x: Option<u64>| x.map(|n| n as i64);
    ServerTarget {
        name: s.name.clone(),
        description: s.description.clone(),
        external_id: Some(cx.desired.server_external_id(s)),
        owner: s.owner.clone(),
        owner_ref: cx.reference(owner_id, || Address::new(Kind::User, &s.owner)),
        owner_id,
        node: s.node.clone(),
        egg: egg.id,
        egg_changed,
        image,
        startup,
        environment: Environment {
            values: env.plain,
            secrets: env.secret,
            keep_panel: Vec::new(),
        },
        limits: Limits {
            memory: l.memory as i64,
            swap: l.swap,
            disk: l.disk as i64,
            io: l.io as i64,
            cpu: l.cpu as i64,
            threads: l.threads.clone(),
            oom_killer: l.oom_killer,
        },
        feature_limits: FeatureLimits {
            databases: feature(s.features.databases),
            allocations: feature(s.features.allocations),
            backups: feature(s.features.backups),
        },
        allocation_shown: s.allocation.as_ref().map(Endpoint::to_string),
        allocation: s.allocation.as_ref().map(allocation),
        additional_shown,
        additional_allocations: s.additional_allocations.iter().map(allocation).collect(),
        allocation_notes: notes::targets(cx, s),
        suspended: s.suspended,
        skip_scripts: s.skip_scripts,
        power: s.power,
    }
}

pub(super) fn plan_server(cx: &mut PlanCx, s: &Server, egg: &LiveEgg, live: Option<&LiveServer>) {
    let address = Address::new(Kind::Server, &s.key);
    let origin = Some(s.origin);
    let mut t = target(cx, s, egg, live);
    let wanted: Vec<(&Endpoint, &Ref)> = s
        .allocation
        .iter()
        .chain(&s.additional_allocations)
        .zip(t.allocation.iter().chain(&t.additional_allocations))
        .collect();
    checks::allocations_free(cx, s, &wanted, live);
    checks::unreadable_secrets(cx, s, egg);
    let mut diff = TABLE.diff(&t, live, &cx.lookup);
    let Some(live) = live else {
        let ops = create_ops(cx, s, &address, &t);
        let mut c = change(address, Action::Create, None, diff, origin);
        c.ops = ops;
        super::power::plan(cx, s, None, &mut c);
        cx.push(c);
        return;
    };
    TABLE.settle(&mut diff, &mut t, live, cx.ignored(&address));
    if diff.needs(Write::Move) {
        let mut ops = vec![Op::Delete { id: live.id }.into()];
        ops.extend(create_ops(cx, s, &address, &t));
        let mut c = change(address.clone(), Action::Replace, Some(live.id), diff, origin);
        c.ops = ops;
        c.impact = Impact::Destroy;
        c.warnings.push(format!("moving to node `{}` destroys the server and its files and creates it again: the panel's API cannot move a server", s.node));
        if s.protect {
            cx.error(PlanError::new("roost::protected", format!("server `{}` is protected, but this plan would replace it (its node changes)", s.key), origin).help("remove `protect #true` if the data loss is intended, or keep the server on its node"));
        }
        cx.recreated.insert(address);
        super::power::plan(cx, s, None, &mut c);
        cx.push(c);
        return;
    }
    // Taking it over, or re-marking it under a new namespace, is an adoption; toggling
    // `protect` only rewrites the marker.
    let action = if ownership::server_is_marked(cx.desired, s, live.external_id.as_deref()) {
        Action::Update
    } else {
        Action::Adopt
    };
    let mut ops = update_ops(cx, &diff, &t, live);
    let notes_warning = diff
        .needs(Write::AllocationNotes)
        .then(|| notes::insert_update_ops(cx, s, &t, live, &mut ops))
        .flatten();
    let mut c = change(address, action, Some(live.id), diff, origin);
    c.ops = ops;
    c.warnings.extend(notes_warning);
    super::power::plan(cx, s, Some(live), &mut c);
    if t.egg_changed {
        c.warnings.push(format!(
            "changing the egg reinstalls server `{}`: its files are at risk",
            s.name
        ));
    }
    cx.push(c);
}

/// The operations that create the server: the create, then the build update that sets
/// unlimited feature limits (the panel stores them as 0 on create), then the suspension.
fn create_ops(cx: &mut PlanCx, s: &Server, address: &Address, t: &ServerTarget) -> Vec<kinds::Op> {
    let Some(allocation) = t.allocation.clone() else {
        cx.error(PlanError::new("roost::missing-field", format!("server `{}` has no `allocation`, so roost cannot create it on node `{}`", s.key, s.node), Some(s.origin)).help("the panel places a new server by its primary allocation (Pelican's tag-based placement cannot pin a node): add allocation \"IP:PORT\""));
        return Vec::new();
    };
    let build = Build {
        limits: t.limits.clone(),
        feature_limits: t.feature_limits.clone(),
    };
    let mut ops: Vec<kinds::Op> = vec![
        Op::Create {
            fields: Box::new(CreateFields {
                name: t.name.clone(),
                description: t.description.clone(),
                external_id: t.external_id.clone(),
                owner: t.owner_ref.clone(),
                egg: t.egg,
                image: t.image.clone(),
                startup: t.startup.clone(),
                environment: t.environment.clone(),
                limits: t.limits.clone(),
                feature_limits: t.feature_limits.clone(),
                allocation: allocation.clone(),
                additional_allocations: t.additional_allocations.clone(),
                skip_scripts: t.skip_scripts,
            }),
        }
        .into(),
    ];
    let created = Ref::Pending(address.clone());
    if t.feature_limits.any_unlimited() {
        ops.push(
            Op::Build {
                server: created.clone(),
                set: Box::new(build),
                allocation: Some(allocation),
                additional_allocations: Vec::new(),
                was: None,
            }
            .into(),
        );
    }
    // The notes go through the Client API, which refuses a suspended server: before the
    // suspension.
    ops.extend(notes::ops_for(cx, s, t, &created, None));
    if t.suspended {
        ops.push(Op::Suspend { server: created }.into());
    }
    ops
}

/// The writes an update needs, each a full replacement of its part of the server.
fn update_ops(
    cx: &PlanCx,
    diff: &crate::attr::Diff<Write>,
    t: &ServerTarget,
    live: &LiveServer,
) -> Vec<kinds::Op> {
    let id = live.id;
    let mut ops: Vec<kinds::Op> = Vec::new();
    if diff.needs(Write::Details) {
        ops.push(
            Op::Details {
                id,
                set: Box::new(Details {
                    name: t.name.clone(),
                    owner: t.owner_ref.clone(),
                    external_id: t.external_id.clone(),
                    description: t.description.clone(),
                }),
                was: Box::new(Details {
                    name: live.name.clone(),
                    owner: Ref::Id(live.user),
                    external_id: live.external_id.clone(),
                    description: live.description.clone(),
                }),
            }
            .into(),
        );
    }
    if diff.needs(Write::Build) {
        let l = &live.limits;
        let f = &live.feature_limits;
        ops.push(
            Op::Build {
                server: Ref::Id(id),
                set: Box::new(Build {
                    limits: t.limits.clone(),
                    feature_limits: t.feature_limits.clone(),
                }),
                allocation: t.allocation.clone(),
                additional_allocations: t.additional_allocations.clone(),
                was: Some(Box::new(BuildWas {
                    build: Build {
                        limits: Limits {
                            memory: l.memory,
                            swap: l.swap,
                            disk: l.disk,
                            io: l.io,
                            cpu: l.cpu,
                            threads: l.threads.clone(),
                            oom_killer: l.oom_killer,
                        },
                        feature_limits: FeatureLimits {
                            databases: f.databases,
                            allocations: f.allocations,
                            backups: f.backups,
                        },
                    },
                    allocation: live.allocation,
                    allocations: live.allocations.clone(),
                })),
            }
            .into(),
        );
    }
    if diff.needs(Write::Startup) {
        let mut environment = live.environment.to_btree_map();
        redact_environment(&mut environment, &cx.lookup.sensitive);
        ops.push(
            Op::Startup {
                id,
                set: Box::new(Startup {
                    startup: t.startup.clone(),
                    image: t.image.clone(),
                    egg: t.egg,
                    environment: t.environment.clone(),
                    skip_scripts: t.skip_scripts,
                }),
                was: Box::new(StartupWas {
                    startup: live.startup.clone(),
                    image: live.image.clone(),
                    egg: live.egg,
                    environment,
                }),
            }
            .into(),
        );
    }
    if diff.needs(Write::Suspension) {
        ops.push(match t.suspended {
            true => Op::Suspend {
                server: Ref::Id(id),
            }
            .into(),
            false => Op::Unsuspend { id }.into(),
        });
    }
    if t.egg_changed {
        ops.push(Op::Reinstall { id }.into());
    }
    ops
}
