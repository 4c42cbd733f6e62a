//! What every conformance test needs: a simulator and a client talking to it, and bodies that
//! the simulator accepts in both dialects.

use roost_model::LiveServer;
use roost_panel::{
    AllocationBody, AllocationSpec, ClientConfig, Dialect, FeatureLimitsBody, LimitsBody,
    LocationBody, NodeBody, PanelClient, PanelError, RateLimitWait, Secret, ServerCreateBody,
    UserBody, WaitObserver,
};
use roost_sim::{FaultAction, FaultRule, Faults, Sim, SimConfig, SimHandle};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Ctx {
    pub sim: SimHandle,
    pub client: PanelClient,
    pub waits: Arc<Mutex<Vec<RateLimitWait>>>,
}

pub fn config(sim: &SimHandle) -> ClientConfig {
    let mut c = ClientConfig::new(sim.url(), Secret::new(sim.token()));
    c.timeout = Duration::from_secs(5);
    c.max_retries = 3;
    c
}

pub async fn start(dialect: Dialect, tweak: impl FnOnce(&mut ClientConfig)) -> Ctx {
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
    pub fn count(&self, method: &str, prefix: &str) -> usize {
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

    pub fn fault(&self, method: &str, path: &str, times: u32, action: FaultAction) {
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

    pub fn clear_faults(&self) {
        self.sim.set_faults(Faults::default());
    }
}

pub fn node_body(dialect: Dialect, name: &str, location_id: Option<u64>) -> NodeBody {
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

pub fn user_body(name: &str) -> UserBody {
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
pub async fn node_with_allocations(c: &Ctx, name: &str, ports: &[u16]) -> (u64, Vec<u64>) {
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

pub async fn server_body(
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

/// Asserts a refusal because of state (400) with the panel's exception class.
pub fn conflict(e: PanelError, code: &str) {
    assert!(
        matches!(e, PanelError::Conflict { status: 400, .. }),
        "{e:?}"
    );
    assert_eq!(e.code(), Some(code), "{e}");
}

/// A node with allocations, a user and a server holding the first allocation.
pub struct Fleet {
    pub node: u64,
    pub allocations: Vec<u64>,
    pub user: u64,
    pub server: LiveServer,
}

/// A small fleet on a new node `name`: `ports` allocations, a user `<name>-owner`, and a server
/// (external id `<name>-srv`) on the first allocation.
pub async fn small_fleet(c: &Ctx, name: &str, ports: &[u16]) -> Fleet {
    let (node, allocations) = node_with_allocations(c, name, ports).await;
    let user = c
        .client
        .create_user(&user_body(&format!("{name}-owner")))
        .await
        .unwrap()
        .id;
    let body = server_body(c, user, allocations[0], vec![], &format!("{name}-srv")).await;
    let server = c.client.create_server(&body).await.unwrap();
    Fleet {
        node,
        allocations,
        user,
        server,
    }
}
