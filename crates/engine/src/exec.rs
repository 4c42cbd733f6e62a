//! Carrying out one change: the API calls, in the order the panels need, with the payloads
//! built from live state plus the change.

use crate::checked;
use crate::verify::json;
use crate::{Event, Reporter, SecretResolver};
use roost_model::{
    Address, Dialect, Kind, LiveAllocation, LiveLocation, LiveNode, LiveServer, LiveUser,
};
use roost_panel::{
    AllocationBody, AllocationSpec, FeatureLimitsBody, LimitsBody, LocationBody, NodeBody,
    PanelClient, PanelError, ServerBuildBody, ServerCreateBody, ServerDetailsBody,
    ServerStartupBody, UserBody,
};
use roost_plan::{Action, AllocationRef, Change, Desired, LiveObject, Plan, ServerTarget};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Panel ids of the resources the plan touches, filled as creates complete.
#[derive(Debug, Default)]
pub struct Ids {
    map: HashMap<Address, u64>,
}

impl Ids {
    pub fn from_plan(plan: &Plan) -> Self {
        let mut ids = Ids::default();
        for c in &plan.changes {
            if let (Some(id), true) = (c.id, c.action != Action::Delete) {
                ids.map.insert(c.address.clone(), id);
            }
            if let Some(Desired::Server(s)) = &c.desired {
                if let Some(id) = s.owner_id {
                    ids.map.insert(s.owner.clone(), id);
                }
                if let Some(id) = s.node_id {
                    ids.map.insert(s.node.clone(), id);
                }
                for r in s.allocation.iter().chain(&s.additional_allocations) {
                    if let Some(id) = r.id {
                        ids.map.insert(r.address.clone(), id);
                    }
                }
            }
            if let Some(Desired::Node(n)) = &c.desired
                && let (Some(id), Some(loc)) = (n.location_id, &n.node.location)
            {
                ids.map.insert(Address::new(Kind::Location, loc), id);
            }
            // New allocations on a node the plan does not otherwise touch: the node's id is
            // only in the call the planner wrote (`POST /nodes/7/allocations`).
            if let Some(Desired::Allocation(a)) = &c.desired {
                let node = Address::new(Kind::Node, &a.node);
                for call in &c.calls {
                    if let Some(id) = node_id_in(&call.path) {
                        ids.map.entry(node.clone()).or_insert(id);
                    }
                }
            }
        }
        ids
    }
}

/// The node id in `/nodes/ID/allocations`, when it is a number (not `{node.NAME}`).
fn node_id_in(path: &str) -> Option<u64> {
    path.strip_prefix("/nodes/")?
        .strip_suffix("/allocations")?
        .parse()
        .ok()
}

pub struct Ctx {
    pub client: Arc<PanelClient>,
    pub ids: Mutex<Ids>,
    pub secrets: SecretResolver,
    pub reporter: Arc<dyn Reporter>,
    pub dialect: Dialect,
    /// Fields the panel did not keep (`checked.rs`).
    pub not_kept: Mutex<crate::checked::NotKept>,
    /// The panel's release as far as the plan's live objects tell, for messages.
    pub panel_release: Option<&'static str>,
}

impl Ctx {
    fn id(&self, a: &Address) -> Result<u64, String> {
        self.ids
            .lock()
            .map_err(|_| "internal error: poisoned id map".to_string())?
            .map
            .get(a)
            .copied()
            .ok_or_else(|| format!("the panel id of {a} is not known (was it created?)"))
    }

    fn set_id(&self, a: &Address, id: u64) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.map.insert(a.clone(), id);
        }
    }

    fn alloc_id(&self, r: &AllocationRef) -> Result<u64, String> {
        match r.id {
            Some(id) => Ok(id),
            None => self.id(&r.address),
        }
    }
}

fn err(e: PanelError) -> String {
    e.to_string()
}

/// Run the changes of one task, reporting each.
pub async fn run_task(ctx: &Ctx, changes: &[Change]) -> Result<(), String> {
    let started = Instant::now();
    for c in changes {
        ctx.reporter.report(Event::Started {
            address: c.address.clone(),
            action: c.action,
        });
    }
    let result = match (changes[0].address.kind, changes[0].action) {
        (Kind::Allocation, Action::Create) => create_allocations(ctx, changes).await,
        _ => run_change(ctx, &changes[0]).await,
    };
    for c in changes {
        match &result {
            Ok(()) => ctx.reporter.report(Event::Finished {
                address: c.address.clone(),
                action: c.action,
                elapsed: started.elapsed(),
            }),
            Err(e) => ctx.reporter.report(Event::Failed {
                address: c.address.clone(),
                action: c.action,
                error: e.clone(),
            }),
        }
    }
    result
}

async fn run_change(ctx: &Ctx, c: &Change) -> Result<(), String> {
    match (c.address.kind, c.action, &c.desired, &c.live) {
        (_, Action::Delete, _, Some(live)) => delete(ctx, live).await,
        (Kind::Location, _, Some(Desired::Location(l)), live) => {
            let body = LocationBody {
                short: l.short.clone(),
                long: l.description.clone().or_else(|| match live {
                    Some(LiveObject::Location(x)) => x.long.clone(),
                    _ => None,
                }),
            };
            match (c.action, c.id) {
                (Action::Create, _) => {
                    let a = c.address.clone();
                    let short = l.short.clone();
                    let created = create_once(
                        ctx,
                        &a,
                        || ctx.client.create_location(&body),
                        || async {
                            Ok(ctx
                                .client
                                .list_locations()
                                .await?
                                .into_iter()
                                .find(|x| x.short == short))
                        },
                    )
                    .await?;
                    ctx.set_id(&c.address, created.id);
                    Ok(())
                }
                (_, Some(id)) => update_location(ctx, c, id, &body).await,
                _ => Err("no panel id for the location".into()),
            }
        }
        (Kind::Node, _, Some(Desired::Node(t)), _) => {
            let location_id = match (&t.node.location, t.location_id) {
                (_, Some(id)) => Some(id),
                (Some(loc), None) => Some(ctx.id(&Address::new(Kind::Location, loc))?),
                (None, None) => None,
            };
            let n = &t.node;
            let body = NodeBody {
                name: n.name.clone(),
                description: n.description.clone(),
                location_id,
                tags: n.tags.clone(),
                fqdn: n.fqdn.clone(),
                scheme: n.scheme.as_str().to_string(),
                public: n.public,
                behind_proxy: n.behind_proxy,
                maintenance_mode: n.maintenance,
                memory: n.memory as i64,
                memory_overallocate: n.memory_overallocate,
                disk: n.disk as i64,
                disk_overallocate: n.disk_overallocate,
                cpu: n.cpu as i64,
                cpu_overallocate: n.cpu_overallocate,
                upload_size: n.upload_size as i64,
                daemon_listen: i64::from(n.daemon_listen),
                daemon_sftp: i64::from(n.daemon_sftp),
                daemon_connect: i64::from(n.daemon_connect.unwrap_or(n.daemon_listen)),
                daemon_sftp_alias: n.daemon_sftp_alias.clone(),
                daemon_base: t.daemon_base.clone(),
            };
            match (c.action, c.id) {
                (Action::Create, _) => {
                    let name = n.name.clone();
                    let created = create_once(
                        ctx,
                        &c.address,
                        || ctx.client.create_node(&body),
                        || async {
                            Ok(ctx
                                .client
                                .list_nodes()
                                .await?
                                .into_iter()
                                .find(|x| x.name == name))
                        },
                    )
                    .await?;
                    ctx.set_id(&c.address, created.id);
                    Ok(())
                }
                (_, Some(id)) => update_node(ctx, c, id, &body).await,
                _ => Err("no panel id for the node".into()),
            }
        }
        (Kind::Allocation, Action::Replace, Some(_), Some(LiveObject::Allocation(live))) => {
            ctx.client
                .delete_allocation(live.node_id, live.id)
                .await
                .map_err(err)?;
            create_allocations(ctx, std::slice::from_ref(c)).await
        }
        (Kind::User, _, Some(Desired::User(u)), live) => {
            let password = if u.set_password {
                match &u.password {
                    Some(spec) => Some((ctx.secrets)(&spec.source)?),
                    None => None,
                }
            } else {
                None
            };
            let pt = ctx.dialect == Dialect::Pterodactyl;
            let body = UserBody {
                email: u.email.clone(),
                username: u.username.clone(),
                first_name: u.first_name.clone().filter(|_| pt),
                last_name: u.last_name.clone().filter(|_| pt),
                external_id: u.external_id.clone(),
                language: u.language.clone(),
                root_admin: pt.then_some(u.admin),
                password,
            };
            let (id, held): (u64, Vec<u64>) = match (c.action, c.id, live) {
                (Action::Create, _, _) => {
                    let name = u.username.clone();
                    let created = create_once(
                        ctx,
                        &c.address,
                        || ctx.client.create_user(&body),
                        || async { ctx.client.find_user_by_username(&name).await },
                    )
                    .await?;
                    ctx.set_id(&c.address, created.id);
                    (created.id, created.role_ids)
                }
                (_, Some(id), Some(LiveObject::User(l))) => {
                    if c.calls
                        .iter()
                        .any(|x| x.method == "PATCH" && x.path == format!("/users/{id}"))
                    {
                        update_user(ctx, c, id, l, &body).await?;
                    }
                    (id, l.role_ids.clone())
                }
                _ => return Err("no panel id for the user".into()),
            };
            if ctx.dialect == Dialect::Pelican {
                let held: BTreeSet<u64> = held.into_iter().collect();
                let want: BTreeSet<u64> = u.role_ids.iter().copied().collect();
                let add: Vec<u64> = want.difference(&held).copied().collect();
                let remove: Vec<u64> = held.difference(&want).copied().collect();
                if !add.is_empty() {
                    ctx.client.assign_roles(id, &add).await.map_err(err)?;
                }
                if !remove.is_empty() {
                    ctx.client.remove_roles(id, &remove).await.map_err(err)?;
                }
            }
            Ok(())
        }
        (Kind::Server, Action::Create, Some(Desired::Server(t)), _) => {
            create_server(ctx, &c.address, t).await
        }
        (
            Kind::Server,
            Action::Replace,
            Some(Desired::Server(t)),
            Some(LiveObject::Server(live)),
        ) => {
            // The panel cannot move a server: delete it, then create it on the new node.
            ctx.client
                .delete_server(live.id, false)
                .await
                .map_err(err)?;
            let mut t = t.clone();
            // The old allocations are freed by the delete; new ones are named by address.
            t.allocation = t.allocation.map(|r| AllocationRef {
                id: r.id.filter(|id| !live.allocations.contains(id)),
                ..r
            });
            create_server(ctx, &c.address, &t).await
        }
        (
            Kind::Server,
            Action::Update | Action::Adopt,
            Some(Desired::Server(t)),
            Some(LiveObject::Server(live)),
        ) => update_server(ctx, c, t, live).await,
        _ => Err(format!(
            "internal error: no way to {:?} {}",
            c.action, c.address
        )),
    }
}

/// `PATCH /locations/{id}`, checked (`checked.rs`).
async fn update_location(
    ctx: &Ctx,
    c: &Change,
    id: u64,
    body: &LocationBody,
) -> Result<(), String> {
    let before = match &c.live {
        Some(LiveObject::Location(x)) => json(&LocationBody::from_live(x)),
        _ => serde_json::Value::Null,
    };
    let as_body = |l: LiveLocation| json(&LocationBody::from_live(&l));
    checked::update(
        ctx,
        c,
        json(body),
        before,
        || async { ctx.client.update_location(id, body).await.map(as_body) },
        || async { ctx.client.get_location(id).await.map(as_body) },
    )
    .await
}

/// `PATCH /nodes/{id}`, checked (`checked.rs`).
async fn update_node(ctx: &Ctx, c: &Change, id: u64, body: &NodeBody) -> Result<(), String> {
    let before = match &c.live {
        Some(LiveObject::Node(x)) => json(&NodeBody::from_live(x)),
        _ => serde_json::Value::Null,
    };
    let as_body = |n: LiveNode| json(&NodeBody::from_live(&n));
    let write = || async {
        match ctx.client.update_node(id, body).await {
            // Pterodactyl saved the node but could not push the new configuration to Wings
            // (400 ConfigurationNotPersistedException): the change is made; say what is left
            // to do rather than fail the run.
            Err(e) if e.code() == Some("ConfigurationNotPersistedException") => {
                ctx.reporter.report(Event::Recovered {
                    address: c.address.clone(),
                    note: "saved, but the panel could not update Wings: copy the node's new configuration to the machine (Wings' config.yml) and restart Wings".into(),
                });
                ctx.client.get_node(id).await.map(as_body)
            }
            other => other.map(as_body),
        }
    };
    checked::update(ctx, c, json(body), before, write, || async {
        ctx.client.get_node(id).await.map(as_body)
    })
    .await
}

/// `PATCH /users/{id}`, checked (`checked.rs`). The password is write-only: never compared,
/// never put in a JSON value.
async fn update_user(
    ctx: &Ctx,
    c: &Change,
    id: u64,
    live: &LiveUser,
    body: &UserBody,
) -> Result<(), String> {
    let sent = json(&UserBody {
        password: None,
        ..body.clone()
    });
    let as_body = |u: LiveUser| json(&UserBody::from_live(&u));
    checked::update(
        ctx,
        c,
        sent,
        json(&UserBody::from_live(live)),
        || async { ctx.client.update_user(id, body).await.map(as_body) },
        || async { ctx.client.get_user(id).await.map(as_body) },
    )
    .await
}

async fn delete(ctx: &Ctx, live: &LiveObject) -> Result<(), String> {
    let r = match live {
        LiveObject::Server(s) => ctx.client.delete_server(s.id, false).await,
        LiveObject::Allocation(a) => ctx.client.delete_allocation(a.node_id, a.id).await,
        LiveObject::User(u) => ctx.client.delete_user(u.id).await,
        LiveObject::Node(n) => ctx.client.delete_node(n.id).await,
        LiveObject::Location(l) => ctx.client.delete_location(l.id).await,
    };
    match r {
        // Already gone (an earlier, interrupted run got there): the goal is reached.
        Err(PanelError::NotFound { .. }) => Ok(()),
        other => other.map_err(err),
    }
}

/// Run a create; if its outcome is unknown, re-read by identity before trying again, so that
/// nothing is created twice. A create proven absent is sent again after a backoff with jitter
/// (the client's retry policy decides how long and how often): concurrent creates that met a
/// database lock together do not meet it again together.
async fn create_once<T, F, Fut, R, RFut>(
    ctx: &Ctx,
    address: &Address,
    post: F,
    reread: R,
) -> Result<T, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, PanelError>>,
    R: Fn() -> RFut,
    RFut: std::future::Future<Output = Result<Option<T>, PanelError>>,
{
    let request = format!("create {address}");
    let mut resent = 0u32;
    loop {
        let last = match post().await {
            Ok(t) => return Ok(t),
            Err(e @ PanelError::Ambiguous { .. }) => e.to_string(),
            Err(e) => return Err(err(e)),
        };
        match reread().await {
            Ok(Some(t)) => {
                ctx.reporter.report(Event::Recovered {
                    address: address.clone(),
                    note: "the panel had created it before the error; not created again".into(),
                });
                return Ok(t);
            }
            Ok(None) => {
                if !ctx
                    .client
                    .pause_before_resend(resent, &request, &last)
                    .await
                {
                    return Err(format!(
                        "{last} (gave up after {} attempts, each verified not to have created it)",
                        resent + 1
                    ));
                }
                resent += 1;
            }
            Err(e) => return Err(format!("{last}; and re-reading the panel failed: {e}")),
        }
    }
}

/// Create every allocation of a (node, ip, alias) group with one request, then learn the new
/// ids by listing the node's allocations.
async fn create_allocations(ctx: &Ctx, changes: &[Change]) -> Result<(), String> {
    let Some(Desired::Allocation(first)) = &changes[0].desired else {
        return Err("internal error: allocation change without a target".into());
    };
    let node = Address::new(Kind::Node, &first.node);
    let node_id = match ctx.id(&node) {
        Ok(id) => id,
        // A plan from elsewhere may not say: the node exists (nothing here created it), so
        // look it up by name.
        Err(unknown) => {
            let found = ctx
                .client
                .list_nodes()
                .await
                .map_err(err)?
                .into_iter()
                .find(|n| n.name == first.node)
                .ok_or(unknown)?;
            ctx.set_id(&node, found.id);
            found.id
        }
    };
    let wanted: Vec<u16> = changes
        .iter()
        .filter_map(|c| match &c.desired {
            Some(Desired::Allocation(a)) => Some(a.port),
            _ => None,
        })
        .collect();
    let ip = first.ip;
    let record = |list: &[LiveAllocation]| -> Vec<u16> {
        let mut found = Vec::new();
        for a in list.iter().filter(|a| a.ip_addr() == Some(ip)) {
            if wanted.contains(&a.port) {
                ctx.set_id(&Address::allocation(&first.node, ip, a.port), a.id);
                found.push(a.port);
            }
        }
        found
    };
    let mut missing = wanted.clone();
    let mut resent = 0u32;
    let request = format!("create {}", changes[0].address);
    loop {
        let body = AllocationBody::new(ip.to_string(), first.alias.clone(), &missing);
        let result = ctx.client.create_allocations(node_id, &body).await;
        if let Err(e) = &result
            && !matches!(e, PanelError::Ambiguous { .. })
        {
            return Err(err(result.unwrap_err()));
        }
        // Success or unknown outcome: the listing says which exist now.
        let list = ctx
            .client
            .list_node_allocations(node_id)
            .await
            .map_err(err)?;
        let found = record(&list);
        missing.retain(|p| !found.contains(p));
        if missing.is_empty() {
            if result.is_err() {
                ctx.reporter.report(Event::Recovered {
                    address: changes[0].address.clone(),
                    note: "the panel had created the allocations before the error".into(),
                });
            }
            return Ok(());
        }
        if result.is_ok() {
            return Err(format!(
                "the panel accepted the allocations but {} of them are missing afterwards",
                missing.len()
            ));
        }
        let cause = result.err().map(err).unwrap_or_default();
        if !ctx
            .client
            .pause_before_resend(resent, &request, &cause)
            .await
        {
            return Err(format!(
                "could not create {} allocation(s) after {} attempts: {cause}",
                missing.len(),
                resent + 1
            ));
        }
        resent += 1;
    }
}

fn limits_body(t: &ServerTarget) -> LimitsBody {
    let l = &t.limits;
    LimitsBody {
        memory: l.memory as i64,
        swap: l.swap,
        disk: l.disk as i64,
        io: l.io as i64,
        cpu: l.cpu as i64,
        threads: l.threads.clone(),
    }
}

fn features_body(t: &ServerTarget) -> FeatureLimitsBody {
    let f = |x: Option<u64>| x.map(|n| n as i64);
    FeatureLimitsBody {
        databases: f(t.databases),
        allocations: f(t.allocations_limit),
        backups: f(t.backups),
    }
}

/// The complete set of egg variables to send (the panels rewrite every variable): the plan's
/// values, the secrets read now, and for ignored variables the value the panel has now (`id`:
/// the server, when it exists). Secret values live only in this request.
async fn environment(
    ctx: &Ctx,
    t: &ServerTarget,
    id: Option<u64>,
) -> Result<BTreeMap<String, String>, String> {
    let mut env = t.environment.clone();
    for (var, source) in &t.secret_environment {
        let secret = (ctx.secrets)(source).map_err(|e| format!("egg variable {var}: {e}"))?;
        env.insert(var.clone(), secret.expose().to_string());
    }
    if let (Some(id), false) = (id, t.panel_environment.is_empty()) {
        let now = ctx.client.get_server(id).await.map_err(err)?;
        for var in &t.panel_environment {
            if let Some(v) = now.environment.get(var) {
                env.insert(var.clone(), v.clone());
            }
        }
    }
    Ok(env)
}

async fn create_server(ctx: &Ctx, address: &Address, t: &ServerTarget) -> Result<(), String> {
    let owner = match t.owner_id {
        Some(id) => id,
        None => ctx.id(&t.owner)?,
    };
    let allocation = match &t.allocation {
        Some(r) => Some(AllocationSpec {
            default: ctx.alloc_id(r)?,
            additional: t
                .additional_allocations
                .iter()
                .map(|r| ctx.alloc_id(r))
                .collect::<Result<_, _>>()?,
        }),
        None => {
            return Err(
                "roost places a server by its primary allocation: give it `allocation`".into(),
            );
        }
    };
    let body = ServerCreateBody {
        name: t.name.clone(),
        user: owner,
        egg: t.egg_id,
        docker_image: t.image.clone(),
        startup: t.startup.clone(),
        environment: environment(ctx, t, None).await?,
        external_id: Some(t.external_id.clone()),
        description: Some(t.description.clone()),
        skip_scripts: t.skip_scripts,
        start_on_completion: false,
        oom_killer: t.limits.oom_killer,
        limits: limits_body(t),
        feature_limits: features_body(t),
        allocation,
        deploy: None,
    };
    let ext = t.external_id.clone();
    let created = create_once(
        ctx,
        address,
        || ctx.client.create_server(&body),
        || async { ctx.client.find_server_by_external_id(&ext).await },
    )
    .await?;
    ctx.set_id(address, created.id);
    // The panel stores unlimited (null) feature limits as 0 on create.
    let f = features_body(t);
    if f != FeatureLimitsBody::from_live(&created) {
        let mut build = ServerBuildBody::from_live(&created);
        build.feature_limits = f;
        ctx.client
            .update_server_build(created.id, &build)
            .await
            .map_err(err)?;
    }
    if t.suspended {
        ctx.client.suspend_server(created.id).await.map_err(err)?;
    }
    Ok(())
}

async fn update_server(
    ctx: &Ctx,
    c: &Change,
    t: &ServerTarget,
    live: &LiveServer,
) -> Result<(), String> {
    let id = live.id;
    let wants = |suffix: &str| {
        c.calls.iter().any(|x| {
            x.path == format!("/servers/{id}/{suffix}")
                || (suffix.is_empty() && x.path == format!("/servers/{id}"))
        })
    };
    if wants("details") {
        let owner = match t.owner_id {
            Some(o) => o,
            None => ctx.id(&t.owner)?,
        };
        let body = ServerDetailsBody {
            name: t.name.clone(),
            user: owner,
            external_id: Some(t.external_id.clone()),
            description: t.description.clone(),
        };
        let as_body = |s: LiveServer| json(&ServerDetailsBody::from_live(&s));
        checked::update(
            ctx,
            c,
            json(&body),
            json(&ServerDetailsBody::from_live(live)),
            || async {
                ctx.client
                    .update_server_details(id, &body)
                    .await
                    .map(as_body)
            },
            || async { ctx.client.get_server(id).await.map(as_body) },
        )
        .await?;
    }
    if wants("build") {
        let mut body = ServerBuildBody::from_live(live);
        body.limits = limits_body(t);
        body.oom_killer = t.limits.oom_killer;
        body.feature_limits = features_body(t);
        let primary = t.allocation.as_ref().map(|r| ctx.alloc_id(r)).transpose()?;
        let mut want: BTreeSet<u64> = t
            .additional_allocations
            .iter()
            .map(|r| ctx.alloc_id(r))
            .collect::<Result<_, _>>()?;
        want.extend(primary);
        let held: BTreeSet<u64> = live
            .allocations
            .iter()
            .copied()
            .chain(live.allocation)
            .collect();
        body.add_allocations = want.difference(&held).copied().collect();
        body.remove_allocations = held.difference(&want).copied().collect();
        // The allocation limit and the new allocations go in one request: the Application API
        // applies both together and does not hold the one against the other.
        body.allocation = primary.or(live.allocation);
        checked::update(
            ctx,
            c,
            build_state(&body, &want),
            build_state(&ServerBuildBody::from_live(live), &held),
            || async {
                ctx.client
                    .update_server_build(id, &body)
                    .await
                    .map(|s| build_state_of(&s))
            },
            || async { ctx.client.get_server(id).await.map(|s| build_state_of(&s)) },
        )
        .await?;
    }
    if wants("startup") {
        let body = ServerStartupBody {
            startup: t.startup.clone(),
            image: t.image.clone(),
            egg: t.egg_id,
            skip_scripts: t.skip_scripts,
            environment: environment(ctx, t, Some(id)).await?,
        };
        let as_body = |s: LiveServer| json(&ServerStartupBody::from_live(&s));
        checked::update(
            ctx,
            c,
            json(&body),
            json(&ServerStartupBody::from_live(live)),
            || async {
                ctx.client
                    .update_server_startup(id, &body)
                    .await
                    .map(as_body)
            },
            || async { ctx.client.get_server(id).await.map(as_body) },
        )
        .await?;
    }
    if wants("suspend") {
        ctx.client.suspend_server(id).await.map_err(err)?;
    }
    if wants("unsuspend") {
        ctx.client.unsuspend_server(id).await.map_err(err)?;
    }
    if wants("reinstall") {
        ctx.client.reinstall_server(id).await.map_err(err)?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::node_id_in;

    #[test]
    fn node_ids_are_read_from_allocation_calls() {
        assert_eq!(node_id_in("/nodes/7/allocations"), Some(7));
        assert_eq!(node_id_in("/nodes/{node.fra-1}/allocations"), None);
        assert_eq!(node_id_in("/nodes/7"), None);
        assert_eq!(node_id_in("/servers/7/allocations"), None);
    }
}
