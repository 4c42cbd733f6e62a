//! Conformance: the client against the simulator, in both dialects. Create, read, list across
//! pages, update and delete every kind; every error class; 429 handling; retries of idempotent
//! calls under injected faults; no re-send of an ambiguous POST.

use roost_panel::{
    AllocationBody, AllocationSpec, ClientConfig, Dialect, FeatureLimitsBody, LimitsBody,
    LocationBody, NodeBody, PanelClient, PanelError, RateLimit, RateLimitWait, Secret,
    ServerBuildBody, ServerCreateBody, ServerDetailsBody, ServerStartupBody, UserBody,
    WaitObserver, WaitReason,
};
use roost_sim::{FaultAction, FaultRule, Faults, Sim, SimConfig, SimHandle, UserParams};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Ctx {
    sim: SimHandle,
    client: PanelClient,
    waits: Arc<Mutex<Vec<RateLimitWait>>>,
}

fn config(sim: &SimHandle) -> ClientConfig {
    let mut c = ClientConfig::new(sim.url(), Secret::new(sim.token()));
    c.timeout = Duration::from_secs(5);
    c.max_retries = 3;
    c
}

async fn start(dialect: Dialect, tweak: impl FnOnce(&mut ClientConfig)) -> Ctx {
    let mut sc = SimConfig::new(dialect);
    // The panel-side limit is exercised with injected 429s; a real one-minute window would
    // make the suite slow.
    sc.rate_limit = None;
    let sim = Sim::start(sc).await.expect("sim starts");
    let waits = Arc::new(Mutex::new(Vec::new()));
    let w2 = waits.clone();
    let mut c = config(&sim);
    c.on_wait = Some(WaitObserver::new(move |w| w2.lock().unwrap().push(w)));
    tweak(&mut c);
    let client = PanelClient::new(c).expect("client");
    Ctx { sim, client, waits }
}

impl Ctx {
    /// Requests in the sim's log with this method whose path (below /api/application) starts
    /// with `prefix` and has nothing but a query after it.
    fn count(&self, method: &str, prefix: &str) -> usize {
        let full = format!("/api/application{prefix}");
        self.sim
            .request_log()
            .iter()
            .filter(|r| {
                r.method == method
                    && r.path.starts_with(&full)
                    && matches!(r.path[full.len()..].chars().next(), None | Some('?'))
            })
            .count()
    }

    fn fault(&self, method: &str, path: &str, times: u32, action: FaultAction) {
        self.sim.set_faults(Faults {
            rules: vec![FaultRule {
                method: Some(method.into()),
                path: path.into(),
                nth: 1,
                times,
                action,
            }],
            ..Faults::default()
        });
    }

    fn clear_faults(&self) {
        self.sim.set_faults(Faults::default());
    }
}

fn node_body(dialect: Dialect, name: &str, location_id: Option<u64>) -> NodeBody {
    NodeBody {
        name: name.into(),
        description: Some("conformance".into()),
        location_id: match dialect {
            Dialect::Pterodactyl => location_id,
            Dialect::Pelican => None,
        },
        tags: vec!["eu".into()],
        fqdn: format!("{name}.nodes.example.com"),
        scheme: "https".into(),
        public: true,
        behind_proxy: false,
        maintenance_mode: false,
        memory: 16384,
        memory_overallocate: 0,
        disk: 100_000,
        disk_overallocate: 0,
        cpu: 400,
        cpu_overallocate: 0,
        upload_size: 100,
        daemon_listen: 8080,
        daemon_sftp: 2022,
        daemon_connect: 8080,
        daemon_sftp_alias: None,
        daemon_base: "/srv/daemon-data".into(),
    }
}

fn user_body(name: &str) -> UserBody {
    UserBody {
        email: format!("{name}@example.com"),
        username: name.into(),
        first_name: Some("Conf".into()),
        last_name: Some("User".into()),
        external_id: Some(format!("ext-{name}")),
        language: "en".into(),
        root_admin: Some(false),
        password: Some(Secret::new("correct horse battery")),
    }
}

/// A node with `ports` allocations (and on PT its location); returns (node id, allocation ids).
async fn node_with_allocations(c: &Ctx, name: &str, ports: &[u16]) -> (u64, Vec<u64>) {
    let d = c.client.ensure_dialect().await.unwrap();
    let loc = match d {
        Dialect::Pterodactyl => Some(
            c.client
                .create_location(&LocationBody {
                    short: format!("loc-{name}"),
                    long: None,
                })
                .await
                .unwrap()
                .id,
        ),
        Dialect::Pelican => None,
    };
    let node = c
        .client
        .create_node(&node_body(d, name, loc))
        .await
        .unwrap();
    c.client
        .create_allocations(node.id, &AllocationBody::new("10.0.0.1", None, ports))
        .await
        .unwrap();
    let allocs = c.client.list_node_allocations(node.id).await.unwrap();
    (node.id, allocs.iter().map(|a| a.id).collect())
}

async fn server_body(
    c: &Ctx,
    user: u64,
    alloc: u64,
    extra: Vec<u64>,
    ext: &str,
) -> ServerCreateBody {
    let eggs = c.client.list_eggs().await.unwrap();
    let egg = eggs
        .iter()
        .find(|e| e.name == "Paper")
        .or(eggs.first())
        .expect("the sim ships stock eggs")
        .clone();
    let environment: BTreeMap<String, String> = egg
        .variables
        .iter()
        .map(|v| (v.env_variable.clone(), v.default_value.clone()))
        .collect();
    ServerCreateBody {
        name: format!("srv-{ext}"),
        user,
        egg: egg.id,
        docker_image: egg.docker_images[0].1.clone(),
        startup: egg.startup.clone(),
        environment,
        external_id: Some(ext.into()),
        description: Some("conformance server".into()),
        skip_scripts: false,
        start_on_completion: false,
        oom_killer: false,
        limits: LimitsBody {
            memory: 1024,
            swap: 0,
            disk: 5000,
            io: 500,
            cpu: 100,
            threads: None,
        },
        feature_limits: FeatureLimitsBody {
            databases: Some(1),
            allocations: Some(3),
            backups: Some(1),
        },
        allocation: Some(AllocationSpec {
            default: alloc,
            additional: extra,
        }),
        deploy: None,
    }
}

async fn crud_every_kind(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    assert_eq!(cl.detect_dialect().await.unwrap(), dialect);
    assert_eq!(cl.dialect(), Some(dialect));

    // Locations (PT) / their absence (PL).
    let location = match dialect {
        Dialect::Pterodactyl => {
            let l = cl
                .create_location(&LocationBody {
                    short: "eu-fra".into(),
                    long: Some("Frankfurt".into()),
                })
                .await
                .unwrap();
            let mut b = LocationBody::from_live(&l);
            b.long = Some("Frankfurt am Main".into());
            let l2 = cl.update_location(l.id, &b).await.unwrap();
            assert_eq!(l2.long.as_deref(), Some("Frankfurt am Main"));
            assert_eq!(cl.get_location(l.id).await.unwrap(), l2);
            Some(l2)
        }
        Dialect::Pelican => {
            let before = cl.requests_sent();
            let e = cl.list_locations().await.unwrap_err();
            assert!(matches!(e, PanelError::Unsupported { .. }), "{e}");
            assert_eq!(
                cl.requests_sent(),
                before,
                "no request for an unsupported call"
            );
            None
        }
    };

    // Nodes.
    let node = cl
        .create_node(&node_body(
            dialect,
            "fra-01",
            location.as_ref().map(|l| l.id),
        ))
        .await
        .unwrap();
    assert_eq!(node.daemon_base, "/srv/daemon-data");
    if dialect == Dialect::Pelican {
        assert_eq!(node.tags, vec!["eu"]);
        assert_eq!(node.cpu, Some(400));
    } else {
        assert_eq!(node.location_id, location.as_ref().map(|l| l.id));
    }
    let mut nb = NodeBody::from_live(&node);
    nb.memory = 32768;
    let node2 = cl.update_node(node.id, &nb).await.unwrap();
    assert_eq!(node2.memory, 32768);
    assert_eq!(
        node2.daemon_base, "/srv/daemon-data",
        "daemon_base survives a PATCH"
    );
    assert_eq!(cl.get_node(node.id).await.unwrap().memory, 32768);

    // Allocations.
    cl.create_allocations(
        node.id,
        &AllocationBody::new(
            "10.0.0.1",
            Some("mc.example.com".into()),
            &[25565, 25566, 25567, 25568],
        ),
    )
    .await
    .unwrap();
    let allocs = cl.list_node_allocations(node.id).await.unwrap();
    assert_eq!(allocs.len(), 4);
    assert!(
        allocs
            .iter()
            .all(|a| !a.assigned && a.server_id.is_none() && a.node_id == node.id)
    );
    let a: Vec<u64> = allocs.iter().map(|a| a.id).collect();

    // Users (and PL roles).
    let user = cl.create_user(&user_body("confuser")).await.unwrap();
    assert_eq!(user.username, "confuser");
    match dialect {
        Dialect::Pterodactyl => assert_eq!(user.first_name.as_deref(), Some("Conf")),
        Dialect::Pelican => assert_eq!(user.first_name, None),
    }
    let found = cl
        .find_user_by_username("confuser")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(found.id, user.id);
    assert!(
        cl.find_user_by_username("confuse").await.unwrap().is_none(),
        "exact match only"
    );
    let mut ub = UserBody::from_live(&user);
    ub.email = "changed@example.com".into();
    let user2 = cl.update_user(user.id, &ub).await.unwrap();
    assert_eq!(user2.email, "changed@example.com");
    assert_eq!(user2.external_id.as_deref(), Some("ext-confuser"));
    assert_eq!(
        cl.get_user(user.id).await.unwrap().email,
        "changed@example.com"
    );
    if dialect == Dialect::Pelican {
        let role = c.sim.mutate(|s| s.add_role("Operators"));
        let with = cl.assign_roles(user.id, &[role]).await.unwrap();
        assert_eq!(with.role_ids, vec![role]);
        assert!(cl.list_roles().await.unwrap().iter().any(|r| r.id == role));
        let without = cl.remove_roles(user.id, &[role]).await.unwrap();
        assert!(without.role_ids.is_empty());
        assert_eq!(
            cl.get_user(user.id).await.unwrap().role_ids,
            Vec::<u64>::new()
        );
    } else {
        assert!(matches!(
            cl.assign_roles(user.id, &[1]).await,
            Err(PanelError::Unsupported { .. })
        ));
        assert!(!cl.list_nests().await.unwrap().is_empty());
    }

    // Servers.
    let body = server_body(&c, user.id, a[0], vec![a[1]], "conf-1").await;
    let server = cl.create_server(&body).await.unwrap();
    assert_eq!(server.external_id.as_deref(), Some("conf-1"));
    assert_eq!(server.allocation, Some(a[0]));
    assert!(!server.limits.oom_killer);
    for key in body.environment.keys() {
        assert!(server.environment.contains_key(key), "{key}");
    }
    assert!(
        !server.environment.contains_key("STARTUP")
            && !server.environment.contains_key("P_SERVER_UUID")
    );
    let server = cl.get_server(server.id).await.unwrap();
    assert_eq!(server.allocations, vec![a[0], a[1]]);
    let by_ext = cl
        .find_server_by_external_id("conf-1")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(by_ext.id, server.id);
    assert!(
        cl.find_server_by_external_id("no such/thing?")
            .await
            .unwrap()
            .is_none()
    );

    let mut details = ServerDetailsBody::from_live(&server);
    details.description = "renamed".into();
    let s2 = cl.update_server_details(server.id, &details).await.unwrap();
    assert_eq!(s2.description, "renamed");
    assert_eq!(
        s2.external_id.as_deref(),
        Some("conf-1"),
        "external id kept"
    );

    let mut build = ServerBuildBody::from_live(&s2);
    build.limits.memory = 2048;
    build.oom_killer = true;
    build.add_allocations = vec![a[2]];
    cl.update_server_build(server.id, &build).await.unwrap();
    let s3 = cl.get_server(server.id).await.unwrap();
    assert_eq!(s3.limits.memory, 2048);
    assert!(s3.limits.oom_killer);
    assert_eq!(s3.allocations, vec![a[0], a[1], a[2]]);
    assert_eq!(s3.feature_limits, s2.feature_limits, "feature limits kept");

    let mut startup = ServerStartupBody::from_live(&s3);
    let var = startup
        .environment
        .keys()
        .next()
        .cloned()
        .expect("egg has variables");
    startup.environment.insert(var.clone(), "paper.jar".into());
    cl.update_server_startup(server.id, &startup).await.unwrap();
    let s4 = cl.get_server(server.id).await.unwrap();
    assert_eq!(s4.environment[&var], "paper.jar");
    assert_eq!(
        s4.environment.len(),
        s3.environment.len(),
        "no variable lost"
    );

    cl.suspend_server(server.id).await.unwrap();
    cl.suspend_server(server.id).await.unwrap();
    assert!(cl.get_server(server.id).await.unwrap().suspended);
    cl.unsuspend_server(server.id).await.unwrap();
    assert!(!cl.get_server(server.id).await.unwrap().suspended);
    cl.reinstall_server(server.id).await.unwrap();

    // The whole state at once.
    let live = cl.read_live().await.unwrap();
    assert_eq!(live.dialect, dialect);
    assert_eq!(live.servers.len(), 1);
    assert_eq!(live.servers[0].allocations, vec![a[0], a[1], a[2]]);
    let held: Vec<(u64, Option<u64>)> = live
        .allocations
        .iter()
        .map(|x| (x.id, x.server_id))
        .collect();
    assert_eq!(
        held,
        vec![
            (a[0], Some(server.id)),
            (a[1], Some(server.id)),
            (a[2], Some(server.id)),
            (a[3], None)
        ]
    );
    assert_eq!(live.nodes.len(), 1);
    assert!(live.users.iter().any(|u| u.id == user.id));
    assert!(!live.eggs.is_empty() && live.eggs.iter().any(|e| !e.variables.is_empty()));
    match dialect {
        Dialect::Pterodactyl => {
            assert_eq!(live.locations.len(), 1);
            assert!(!live.nests.is_empty() && live.eggs.iter().all(|e| e.nest.is_some()));
        }
        Dialect::Pelican => {
            assert!(live.locations.is_empty() && live.nests.is_empty());
            assert!(live.roles.iter().any(|r| r.name == "Root Admin"));
        }
    }

    // Refusals because of state.
    let conflict = |e: PanelError, code: &str| {
        assert!(
            matches!(e, PanelError::Conflict { status: 400, .. }),
            "{e:?}"
        );
        assert_eq!(e.code(), Some(code), "{e}");
    };
    conflict(
        cl.delete_node(node.id).await.unwrap_err(),
        "HasActiveServersException",
    );
    conflict(
        cl.delete_allocation(node.id, a[0]).await.unwrap_err(),
        "ServerUsingAllocationException",
    );
    conflict(
        cl.delete_user(user.id).await.unwrap_err(),
        "DisplayException",
    );
    if let Some(l) = &location {
        conflict(
            cl.delete_location(l.id).await.unwrap_err(),
            "HasActiveNodesException",
        );
    }

    // Deletes.
    cl.delete_server(server.id, false).await.unwrap();
    assert!(matches!(
        cl.get_server(server.id).await,
        Err(PanelError::NotFound { .. })
    ));
    cl.delete_allocation(node.id, a[3]).await.unwrap();
    assert_eq!(cl.list_node_allocations(node.id).await.unwrap().len(), 3);
    cl.delete_node(node.id).await.unwrap();
    cl.delete_user(user.id).await.unwrap();
    if let Some(l) = &location {
        cl.delete_location(l.id).await.unwrap();
    }
    let live = cl.read_live().await.unwrap();
    assert!(live.nodes.is_empty() && live.servers.is_empty() && live.allocations.is_empty());
    assert!(live.locations.is_empty());

    // A force delete too.
    let (n2, a2) = node_with_allocations(&c, "fra-02", &[26000]).await;
    let u2 = cl.create_user(&user_body("second")).await.unwrap();
    let s = cl
        .create_server(&server_body(&c, u2.id, a2[0], vec![], "conf-2").await)
        .await
        .unwrap();
    cl.delete_server(s.id, true).await.unwrap();
    assert!(
        cl.find_server_by_external_id("conf-2")
            .await
            .unwrap()
            .is_none()
    );
    cl.delete_node(n2).await.unwrap();
    assert!(
        c.waits.lock().unwrap().is_empty(),
        "no waits without faults"
    );
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_crud_every_kind() {
    crud_every_kind(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_crud_every_kind() {
    crud_every_kind(Dialect::Pelican).await;
}

async fn pagination(dialect: Dialect) {
    let c = start(dialect, |cfg| cfg.page_size = 5).await;
    c.sim.mutate(|s| {
        for i in 0..23 {
            s.add_user(UserParams {
                username: format!("user{i:02}"),
                email: format!("user{i:02}@example.com"),
                ..Default::default()
            });
        }
    });
    c.client.ensure_dialect().await.unwrap();
    c.sim.clear_request_log();
    let users = c.client.list_users().await.unwrap();
    assert_eq!(users.len(), 24, "admin + 23");
    let mut ids: Vec<u64> = users.iter().map(|u| u.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 24, "no duplicates");
    let log = c.sim.request_log();
    assert_eq!(log.len(), 5, "ceil(24 / 5) pages: {log:?}");
    for (i, r) in log.iter().enumerate() {
        assert!(
            r.path.contains("per_page=5"),
            "query re-appended on every page: {}",
            r.path
        );
        assert!(r.path.contains(&format!("page={}", i + 1)), "{}", r.path);
        if dialect == Dialect::Pelican {
            assert!(r.path.contains("include=roles"), "{}", r.path);
        }
    }

    // read_live across several pages of every kind.
    let (n1, a1) = node_with_allocations(&c, "n1", &(27000..27012).collect::<Vec<_>>()).await;
    let (_n2, a2) = node_with_allocations(&c, "n2", &[28000, 28001]).await;
    for i in 0..7 {
        let alloc = if i < 6 { a1[i * 2] } else { a2[0] };
        let extra = if i < 6 { vec![a1[i * 2 + 1]] } else { vec![] };
        let body = server_body(&c, 1, alloc, extra, &format!("p-{i}")).await;
        c.client.create_server(&body).await.unwrap();
    }
    for i in 0..6 {
        c.sim.mutate(|s| {
            s.add_node(roost_sim::NodeParams {
                name: format!("extra-{i}"),
                ..Default::default()
            })
        });
    }
    let live = c.client.read_live().await.unwrap();
    assert_eq!(live.servers.len(), 7);
    assert_eq!(live.nodes.len(), 8);
    assert_eq!(live.users.len(), 24);
    assert_eq!(live.allocations.len(), 14);
    assert_eq!(
        live.allocations
            .iter()
            .filter(|a| a.server_id.is_some())
            .count(),
        13
    );
    assert!(
        live.allocations
            .iter()
            .filter(|a| a.node_id == n1)
            .all(|a| a.server_id.is_some())
    );
    assert!(c.count("GET", "/servers") >= 2 && c.count("GET", "/nodes") >= 2);
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_pagination() {
    pagination(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_pagination() {
    pagination(Dialect::Pelican).await;
}

#[tokio::test]
async fn read_live_takes_one_request_per_kind() {
    for dialect in Dialect::ALL {
        let c = start(dialect, |_| {}).await;
        let live = c.client.read_live().await.unwrap();
        assert!(!live.eggs.is_empty());
        // One probe, then five listings.
        assert_eq!(
            c.client.requests_sent(),
            6,
            "{dialect}: {:?}",
            c.sim.request_log()
        );
        let log = c.sim.request_log();
        assert_eq!(log.len(), 6);
        assert!(log.iter().all(|r| r.method == "GET"));
        // A second read needs no probe.
        c.client.read_live().await.unwrap();
        assert_eq!(c.client.requests_sent(), 11);
        c.sim.shutdown().await;
    }
}

#[tokio::test]
async fn dialect_detection_and_mismatch() {
    for dialect in Dialect::ALL {
        let other = match dialect {
            Dialect::Pterodactyl => Dialect::Pelican,
            Dialect::Pelican => Dialect::Pterodactyl,
        };
        let c = start(dialect, |_| {}).await;
        assert_eq!(c.client.detect_dialect().await.unwrap(), dialect);
        assert_eq!(c.client.requests_sent(), 1, "one probe");

        // The probe works before authentication: a bad key still tells the dialect.
        let mut cfg = config(&c.sim);
        cfg.token = Secret::new("not-a-key");
        let bad = PanelClient::new(cfg).unwrap();
        assert_eq!(bad.detect_dialect().await.unwrap(), dialect);

        let mut cfg = config(&c.sim);
        cfg.dialect = Some(other);
        let wrong = PanelClient::new(cfg).unwrap();
        let e = wrong.read_live().await.unwrap_err();
        assert!(matches!(e, PanelError::DialectMismatch { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(dialect.as_str()) && msg.contains(other.as_str()),
            "{msg}"
        );
        c.sim.shutdown().await;
    }
}

async fn error_classes(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    cl.ensure_dialect().await.unwrap();

    // 401, and the token never shows up in the error.
    let mut cfg = config(&c.sim);
    cfg.token = Secret::new("ptla_wrongwrongwrong");
    let bad = PanelClient::new(cfg).unwrap();
    let e = bad.list_nodes().await.unwrap_err();
    assert!(matches!(e, PanelError::Unauthorized { .. }), "{e:?}");
    assert!(!e.to_string().contains("wrongwrong") && !format!("{e:?}").contains("wrongwrong"));
    assert!(!e.to_string().contains(&c.sim.token()));

    // 404 with method and path.
    let e = cl.get_server(4242).await.unwrap_err();
    assert!(matches!(e, PanelError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("GET /servers/4242"), "{e}");

    // 422 with per-field messages.
    let mut ub = user_body("bad");
    ub.email = "not-an-email".into();
    match cl.create_user(&ub).await.unwrap_err() {
        PanelError::Validation {
            errors,
            method,
            path,
        } => {
            assert_eq!(
                (method.as_str(), path.starts_with("/users")),
                ("POST", true)
            );
            assert!(errors.iter().any(|f| f.field == "email"), "{errors:?}");
        }
        other => panic!("{other:?}"),
    }

    // 403: PL refuses to delete a Root Admin (body `[]`); elsewhere injected.
    if dialect == Dialect::Pelican {
        let root = c.sim.mutate(|s| {
            s.add_user(UserParams {
                username: "root2".into(),
                email: "root2@example.com".into(),
                root_admin: true,
                ..Default::default()
            })
        });
        let e = cl.delete_user(root).await.unwrap_err();
        assert!(matches!(e, PanelError::Forbidden { .. }), "{e:?}");
    } else {
        c.fault(
            "GET",
            "/nodes",
            1,
            FaultAction::Status {
                status: 403,
                after_commit: false,
            },
        );
        assert!(matches!(
            cl.list_nodes().await,
            Err(PanelError::Forbidden { .. })
        ));
        c.clear_faults();
    }

    // The daemon unreachable during a delete (PT 504, PL 500).
    let (_node, allocs) = node_with_allocations(&c, "d-01", &[25565]).await;
    let s = cl
        .create_server(&server_body(&c, 1, allocs[0], vec![], "d-1").await)
        .await
        .unwrap();
    let status = if dialect == Dialect::Pterodactyl {
        504
    } else {
        500
    };
    let path = format!("/servers/{}", s.id);
    c.fault(
        "DELETE",
        &path,
        10,
        FaultAction::Status {
            status,
            after_commit: false,
        },
    );
    let mut cfg = config(&c.sim);
    cfg.max_retries = 1;
    cfg.dialect = Some(dialect);
    let once = PanelClient::new(cfg).unwrap();
    let e = once.delete_server(s.id, false).await.unwrap_err();
    assert!(matches!(e, PanelError::DaemonUnreachable { .. }), "{e:?}");
    assert!(e.is_transient());
    c.clear_faults();

    // Any other 5xx on a GET: reported, not retried.
    c.sim.clear_request_log();
    c.fault(
        "GET",
        "/users",
        1,
        FaultAction::Status {
            status: 500,
            after_commit: false,
        },
    );
    let e = cl.list_users().await.unwrap_err();
    assert!(
        matches!(
            e,
            PanelError::Server { status: 500, .. }
                | PanelError::DaemonUnreachable { status: 500, .. }
        ),
        "{e:?}"
    );
    assert_eq!(c.count("GET", "/users"), 1);
    c.clear_faults();

    // 429 beyond the retry budget.
    c.fault(
        "GET",
        "/nodes",
        10,
        FaultAction::RateLimit { retry_after: 1 },
    );
    let mut cfg = config(&c.sim);
    cfg.max_retries = 1;
    cfg.dialect = Some(dialect);
    let impatient = PanelClient::new(cfg).unwrap();
    let e = impatient.list_nodes().await.unwrap_err();
    assert!(
        matches!(
            e,
            PanelError::RateLimited {
                retry_after: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_transient());
    c.clear_faults();

    // Timeout (idempotent, no retries left) and an ambiguous POST after a timeout.
    let mut cfg = config(&c.sim);
    cfg.timeout = Duration::from_millis(300);
    cfg.max_retries = 0;
    cfg.dialect = Some(dialect);
    let hasty = PanelClient::new(cfg).unwrap();
    hasty.ensure_dialect().await.unwrap();
    c.fault("GET", "/nodes", 1, FaultAction::Delay { ms: 1000 });
    let e = hasty.list_nodes().await.unwrap_err();
    assert!(matches!(e, PanelError::Timeout { .. }), "{e:?}");
    c.sim.clear_request_log();
    c.fault("POST", "/users", 1, FaultAction::Delay { ms: 1000 });
    let e = hasty.create_user(&user_body("slowpoke")).await.unwrap_err();
    assert!(matches!(e, PanelError::Ambiguous { .. }), "{e:?}");
    assert!(e.to_string().contains("re-read"), "{e}");
    c.clear_faults();
    assert_eq!(c.count("POST", "/users"), 1, "never re-sent");

    // Transport: nothing listens (connect refused), retried then reported.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut cfg = ClientConfig::new(format!("http://127.0.0.1:{port}"), Secret::new("ptla_x"));
    cfg.max_retries = 2;
    cfg.dialect = Some(dialect);
    let nowhere = PanelClient::new(cfg).unwrap();
    let e = nowhere.detect_dialect().await.unwrap_err();
    assert!(
        matches!(e, PanelError::Transport { connect: true, .. }),
        "{e:?}"
    );
    assert_eq!(nowhere.requests_sent(), 3);
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_error_classes() {
    error_classes(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_error_classes() {
    error_classes(Dialect::Pelican).await;
}

async fn retries_and_ambiguity(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    cl.ensure_dialect().await.unwrap();
    let (node, allocs) = node_with_allocations(&c, "r-01", &[25565, 25566, 25567]).await;
    let user = cl.create_user(&user_body("retry")).await.unwrap();

    // 429 once: the limiter waits Retry-After and recovers; the wait is reported.
    c.sim.clear_request_log();
    c.fault(
        "GET",
        "/nodes",
        1,
        FaultAction::RateLimit { retry_after: 1 },
    );
    let started = std::time::Instant::now();
    assert_eq!(cl.list_nodes().await.unwrap().len(), 1);
    assert!(started.elapsed() >= Duration::from_secs(1));
    let statuses: Vec<u16> = c.sim.request_log().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 200]);
    assert!(
        c.waits
            .lock()
            .unwrap()
            .iter()
            .any(|w| w.reason == WaitReason::RetryAfter && w.wait > Duration::from_millis(500))
    );

    // Idempotent calls ride out 5xx and dropped connections.
    c.sim.clear_request_log();
    c.fault(
        "GET",
        "/nodes",
        2,
        FaultAction::Status {
            status: 503,
            after_commit: false,
        },
    );
    cl.list_nodes().await.unwrap();
    assert_eq!(c.count("GET", "/nodes"), 3);
    assert!(
        c.waits
            .lock()
            .unwrap()
            .iter()
            .any(|w| matches!(w.reason, WaitReason::Backoff { .. }))
    );

    c.fault(
        "GET",
        &format!("/nodes/{node}"),
        1,
        FaultAction::Drop {
            after_commit: false,
        },
    );
    cl.get_node(node).await.unwrap();

    let server = cl
        .create_server(&server_body(&c, user.id, allocs[0], vec![], "r-1").await)
        .await
        .unwrap();
    let path = format!("/servers/{}", server.id);
    c.sim.clear_request_log();
    c.fault(
        "PATCH",
        &format!("{path}/details"),
        1,
        FaultAction::Status {
            status: 502,
            after_commit: true,
        },
    );
    let mut details = ServerDetailsBody::from_live(&server);
    details.name = "renamed".into();
    assert_eq!(
        cl.update_server_details(server.id, &details)
            .await
            .unwrap()
            .name,
        "renamed"
    );
    assert_eq!(c.count("PATCH", &format!("{path}/details")), 2);

    // Suspend is a no-op when repeated, so it is retried even though it is a POST.
    c.fault(
        "POST",
        &format!("{path}/suspend"),
        1,
        FaultAction::Drop { after_commit: true },
    );
    cl.suspend_server(server.id).await.unwrap();
    assert!(cl.get_server(server.id).await.unwrap().suspended);
    assert_eq!(c.count("POST", &format!("{path}/suspend")), 2);

    // A creating POST that fails after commit is never re-sent.
    for (i, action) in [
        FaultAction::Status {
            status: 500,
            after_commit: true,
        },
        FaultAction::Drop { after_commit: true },
        FaultAction::Status {
            status: 503,
            after_commit: false,
        },
    ]
    .into_iter()
    .enumerate()
    {
        c.sim.clear_request_log();
        c.fault("POST", "/servers", 1, action.clone());
        let ext = format!("amb-{i}");
        let body = server_body(&c, user.id, allocs[1], vec![], &ext).await;
        let e = cl.create_server(&body).await.unwrap_err();
        assert!(
            matches!(e, PanelError::Ambiguous { .. }),
            "{action:?}: {e:?}"
        );
        assert!(!e.is_transient());
        assert_eq!(
            c.count("POST", "/servers"),
            1,
            "{action:?}: exactly one POST"
        );
        c.clear_faults();
        if let Some(s) = cl.find_server_by_external_id(&ext).await.unwrap() {
            cl.delete_server(s.id, true).await.unwrap();
        }
    }
    c.fault(
        "POST",
        &format!("/nodes/{node}/allocations"),
        1,
        FaultAction::Drop { after_commit: true },
    );
    let e = cl
        .create_allocations(node, &AllocationBody::new("10.0.0.2", None, &[30000]))
        .await
        .unwrap_err();
    assert!(matches!(e, PanelError::Ambiguous { .. }), "{e:?}");
    c.clear_faults();

    // A DELETE whose answer was lost and whose retry finds nothing has succeeded.
    c.sim.clear_request_log();
    c.fault("DELETE", &path, 1, FaultAction::Drop { after_commit: true });
    cl.delete_server(server.id, false).await.unwrap();
    assert_eq!(c.count("DELETE", &path), 2);
    assert!(matches!(
        cl.get_server(server.id).await,
        Err(PanelError::NotFound { .. })
    ));
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_retries_and_ambiguity() {
    retries_and_ambiguity(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_retries_and_ambiguity() {
    retries_and_ambiguity(Dialect::Pelican).await;
}

#[tokio::test]
async fn client_limiter_follows_the_panels_headers() {
    // A panel limit of 100/min: the client adopts it from X-RateLimit-Limit.
    let mut sc = SimConfig::new(Dialect::Pelican);
    sc.rate_limit = Some(100);
    let sim = Sim::start(sc).await.unwrap();
    let mut cfg = config(&sim);
    cfg.rate_limit = RateLimit::Default;
    let client = PanelClient::new(cfg).unwrap();
    client.read_live().await.unwrap();
    assert_eq!(client.rate_limit(), Some(100));
    let mut cfg = config(&sim);
    cfg.rate_limit = RateLimit::Off;
    let off = PanelClient::new(cfg).unwrap();
    assert_eq!(off.rate_limit(), None);
    sim.shutdown().await;
}

#[tokio::test]
async fn read_live_at_fleet_scale_stays_at_one_request_per_kind() {
    for dialect in Dialect::ALL {
        let c = start(dialect, |_| {}).await;
        let egg = c
            .sim
            .state()
            .eggs
            .keys()
            .next()
            .copied()
            .expect("stock eggs");
        c.sim.mutate(|s| {
            for n in 0..20u16 {
                let node = s.add_node(roost_sim::NodeParams {
                    name: format!("node-{n}"),
                    ..Default::default()
                });
                for p in 0..20u16 {
                    let alloc = s.add_allocation(node, "10.1.0.1", 20000 + n * 100 + p, None);
                    if p < 15 {
                        s.add_server(roost_sim::ServerParams {
                            name: format!("s-{n}-{p}"),
                            user_id: 1,
                            egg_id: egg,
                            allocation_id: Some(alloc),
                            ..Default::default()
                        });
                    }
                }
            }
            for u in 0..100 {
                s.add_user(UserParams {
                    username: format!("player{u}"),
                    email: format!("player{u}@example.com"),
                    ..Default::default()
                });
            }
        });
        let started = std::time::Instant::now();
        let live = c.client.read_live().await.unwrap();
        let took = started.elapsed();
        assert_eq!(live.servers.len(), 300);
        assert_eq!(live.allocations.len(), 400);
        assert_eq!(
            live.allocations
                .iter()
                .filter(|a| a.server_id.is_some())
                .count(),
            300
        );
        assert_eq!(c.client.requests_sent(), 6, "probe + one page per kind");
        assert!(
            took < Duration::from_secs(5),
            "{dialect}: read_live took {took:?}"
        );
        c.sim.shutdown().await;
    }
}
