//! Servers: create (re-read by external id after an unknown outcome), the details, build and
//! startup updates (each a full replacement, checked against what the panel reports), the
//! suspension, the reinstall (never sent twice) and the delete.

use crate::context::ApplyCx;
use crate::run::{failed, gone_is_done};
use crate::allocation_notes::NotesWrite;
use crate::verify::json;
use crate::{checked, create};
use roost_model::LiveServer;
use roost_panel::{
    AllocationSpec, FeatureLimitsBody, LimitsBody, ServerBuildBody, ServerCreateBody,
    ServerDetailsBody, ServerStartupBody,
};
use roost_plan::Change;
use roost_plan::kinds::server::{
    Build, BuildWas, CreateFields, Details, Environment, FeatureLimits, Limits, Op, Startup,
    StartupWas,
};
use roost_plan::Ref;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
    match op {
        Op::Create { fields } => create(cx, change, fields).await,
        Op::Details { id, set, was } => details(cx, change, *id, set, was).await,
        Op::Build {
            server,
            set,
            allocation,
            additional_allocations,
            was,
        } => {
            let id = cx.resolve(server)?;
            let primary = allocation.as_ref().map(|r| cx.resolve(r)).transpose()?;
            match was {
                Some(was) => {
                    let additional = resolve_all(cx, additional_allocations)?;
                    build(cx, change, id, set, primary, additional, was).await
                }
                // Right after the create: only the limits it could not set.
                None => {
                    let body = ServerBuildBody {
                        allocation: primary,
                        oom_killer: set.limits.oom_killer,
                        limits: limits_body(&set.limits),
                        feature_limits: features_body(&set.feature_limits),
                        add_allocations: Vec::new(),
                        remove_allocations: Vec::new(),
                    };
                    let sent = cx.client.update_server_build(id, &body).await;
                    sent.map(|_| ()).map_err(|e| failed(op, e))
                }
            }
        }
        Op::Startup { id, set, was } => startup(cx, change, *id, set, was).await,
        Op::Suspend { server } => {
            let id = cx.resolve(server)?;
            cx.client.suspend_server(id).await.map_err(|e| failed(op, e))
        }
        Op::Unsuspend { id } => cx.client.unsuspend_server(*id).await.map_err(|e| failed(op, e)),
        Op::Power {
            server,
            identifier,
            want,
            ..
        } => crate::power::execute(cx, &change.address, server, identifier, *want).await,
        Op::Reinstall { id } => cx.client.reinstall_server(*id).await.map_err(|e| failed(op, e)),
        Op::Delete { id } => gone_is_done(op, cx.client.delete_server(*id, false).await),
        Op::AllocationNotes {
            server,
            identifier,
            allocation,
            endpoint,
            notes,
            was,
        } => {
            let w = NotesWrite {
                server,
                identifier,
                allocation,
                endpoint,
                notes,
                was,
            };
            crate::allocation_notes::write(cx, change, w).await
        }
    }
}

fn resolve_all(cx: &ApplyCx, refs: &[Ref]) -> Result<Vec<u64>, String> {
    refs.iter().map(|r| cx.resolve(r)).collect()
}

fn limits_body(l: &Limits) -> LimitsBody {
    LimitsBody {
        memory: l.memory,
        swap: l.swap,
        disk: l.disk,
        io: l.io,
        cpu: l.cpu,
        threads: l.threads.clone(),
    }
}

fn features_body(f: &FeatureLimits) -> FeatureLimitsBody {
    FeatureLimitsBody {
        databases: f.databases,
        allocations: f.allocations,
        backups: f.backups,
    }
}

/// The complete set of egg variables to send (the panels rewrite every variable): the plan's
/// values, the secrets read now, and for ignored variables the value the panel has now (`id`:
/// the server, when it exists). Secret values live only in this request.
async fn environment(
    cx: &ApplyCx,
    env: &Environment,
    id: Option<u64>,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = env.values.clone();
    for (var, source) in &env.secrets {
        let secret = (cx.secrets)(source).map_err(|e| format!("egg variable {var}: {e}"))?;
        out.insert(var.clone(), secret.expose().to_string());
    }
    if let (Some(id), false) = (id, env.keep_panel.is_empty()) {
        let now = cx.client.get_server(id).await.map_err(|e| e.to_string())?;
        for var in &env.keep_panel {
            if let Some(v) = now.environment.get(var) {
                out.insert(var.clone(), v.clone());
            }
        }
    }
    Ok(out)
}

async fn create(cx: &ApplyCx, change: &Change, t: &CreateFields) -> Result<(), String> {
    let body = ServerCreateBody {
        name: t.name.clone(),
        user: cx.resolve(&t.owner)?,
        egg: t.egg,
        docker_image: t.image.clone(),
        startup: t.startup.clone(),
        environment: environment(cx, &t.environment, None).await?,
        external_id: t.external_id.clone(),
        description: Some(t.description.clone()),
        skip_scripts: t.skip_scripts,
        start_on_completion: false,
        oom_killer: t.limits.oom_killer,
        limits: limits_body(&t.limits),
        feature_limits: features_body(&t.feature_limits),
        allocation: Some(AllocationSpec {
            default: cx.resolve(&t.allocation)?,
            additional: resolve_all(cx, &t.additional_allocations)?,
        }),
        deploy: None,
    };
    let created = create::once(
        cx,
        &change.address,
        || cx.client.create_server(&body),
        || find_after_ambiguous_create(cx, t.external_id.as_deref()),
    )
    .await?;
    cx.set_id(&change.address, created.id);
    Ok(())
}

/// The server of that external id, if the panel has it.
async fn find_after_ambiguous_create(
    cx: &ApplyCx,
    external_id: Option<&str>,
) -> Result<Option<LiveServer>, roost_panel::PanelError> {
    match external_id {
        Some(e) => cx.client.find_server_by_external_id(e).await,
        None => Ok(None),
    }
}

fn details_body(cx: &ApplyCx, d: &Details) -> Result<ServerDetailsBody, String> {
    Ok(ServerDetailsBody {
        name: d.name.clone(),
        user: cx.resolve(&d.owner)?,
        external_id: d.external_id.clone(),
        description: d.description.clone(),
    })
}

async fn details(cx: &ApplyCx, change: &Change, id: u64, set: &Details, was: &Details) -> Result<(), String> {
    let body = details_body(cx, set)?;
    let as_body = |s: LiveServer| json(&ServerDetailsBody::from_live(&s));
    checked::update(
        cx,
        change,
        json(&body),
        json(&details_body(cx, was)?),
        || async { cx.client.update_server_details(id, &body).await.map(as_body) },
        || async { cx.client.get_server(id).await.map(as_body) },
    )
    .await
}

/// `PATCH /servers/{id}/build`: the limits, and the allocations to add and remove so that the
/// server holds exactly the ones wanted. The allocation limit and the new allocations go in one
/// request: the Application API applies both together and does not hold one against the other.
async fn build(
    cx: &ApplyCx,
    change: &Change,
    id: u64,
    set: &Build,
    primary: Option<u64>,
    additional: Vec<u64>,
    was: &BuildWas,
) -> Result<(), String> {
    let mut want: BTreeSet<u64> = additional.into_iter().collect();
    want.extend(primary);
    let held: BTreeSet<u64> = was.allocations.iter().copied().chain(was.allocation).collect();
    let body = ServerBuildBody {
        allocation: primary.or(was.allocation),
        oom_killer: set.limits.oom_killer,
        limits: limits_body(&set.limits),
        feature_limits: features_body(&set.feature_limits),
        add_allocations: want.difference(&held).copied().collect(),
        remove_allocations: held.difference(&want).copied().collect(),
    };
    let before = ServerBuildBody {
        allocation: was.allocation,
        oom_killer: was.build.limits.oom_killer,
        limits: limits_body(&was.build.limits),
        feature_limits: features_body(&was.build.feature_limits),
        add_allocations: Vec::new(),
        remove_allocations: Vec::new(),
    };
    checked::update(
        cx,
        change,
        build_state(&body, &want),
        build_state(&before, &held),
        || async {
            cx.client
                .update_server_build(id, &body)
                .await
                .map(|s| build_state_of(&s))
        },
        || async { cx.client.get_server(id).await.map(|s| build_state_of(&s)) },
    )
    .await
}

/// A build body as the state it asks for: the allocation additions and removals become the
/// set of allocations held afterwards, comparable with what the panel reports.
fn build_state(body: &ServerBuildBody, held: &BTreeSet<u64>) -> serde_json::Value {
    let mut v = json(body);
    if let Some(m) = v.as_object_mut() {
        m.remove("add_allocations");
        m.remove("remove_allocations");
        m.insert("allocations".into(), json(held));
    }
    v
}

fn build_state_of(s: &LiveServer) -> serde_json::Value {
    let held: BTreeSet<u64> = s.allocations.iter().copied().chain(s.allocation).collect();
    build_state(&ServerBuildBody::from_live(s), &held)
}

async fn startup(
    cx: &ApplyCx,
    change: &Change,
    id: u64,
    set: &Startup,
    was: &StartupWas,
) -> Result<(), String> {
    let body = ServerStartupBody {
        startup: set.startup.clone(),
        image: set.image.clone(),
        egg: set.egg,
        skip_scripts: set.skip_scripts,
        environment: environment(cx, &set.environment, Some(id)).await?,
    };
    let before = ServerStartupBody {
        startup: was.startup.clone(),
        image: was.image.clone(),
        egg: was.egg,
        skip_scripts: false,
        environment: was.environment.clone(),
    };
    let as_body = |s: LiveServer| json(&ServerStartupBody::from_live(&s));
    checked::update(
        cx,
        change,
        json(&body),
        json(&before),
        || async { cx.client.update_server_startup(id, &body).await.map(as_body) },
        || async { cx.client.get_server(id).await.map(as_body) },
    )
    .await
}
