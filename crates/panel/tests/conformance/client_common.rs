//! What the Client-API conformance tests share: a simulator seeded with a small panel (a node
//! with allocations, an owner with one server, a subuser, a stranger, the root admin), a
//! [`ClientApi`] per key, and a fake Wings daemon with an in-memory disk behind the sim's seam.

use roost_panel::{
    ClientApi, ClientBuckets, ClientConfig, Dialect, PanelError, RateLimitWait, Secret,
    WaitObserver,
};
use roost_sim::{
    Node, NodeParams, Server, ServerParams, Sim, SimConfig, SimHandle, Subuser, UserParams, Wings,
    WingsAnswer, WingsCall, WingsError,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A seeded panel and the keys of its users.
pub struct Panel {
    pub sim: SimHandle,
    pub node: u64,
    pub allocs: Vec<u64>,
    pub owner: u64,
    pub sub: u64,
    pub server: u64,
    pub uuid: String,
    pub owner_key: String,
    pub sub_key: String,
    pub stranger_key: String,
    pub admin_key: String,
    pub disk: Arc<FakeWings>,
}

/// A sim with both panel-side limits off (the limit tests turn them on).
pub fn sim_config(d: Dialect) -> SimConfig {
    let mut c = SimConfig::new(d);
    c.rate_limit = None;
    c.client_rate_limit = None;
    c
}

pub async fn panel(d: Dialect) -> Panel {
    panel_with(sim_config(d)).await
}

pub async fn panel_with(cfg: SimConfig) -> Panel {
    let p = panel_emulated(cfg).await;
    p.sim.set_wings(p.disk.clone());
    p
}

/// [`panel_with`], the daemon being the sim's emulated Wings (file times, signed downloads).
pub async fn panel_emulated(cfg: SimConfig) -> Panel {
    let sim = Sim::start(cfg).await.expect("sim starts");
    let (node, allocs, owner, sub, stranger, server) = sim.mutate(seed);
    let key = |u| sim.mint_client_key(u).expect("user exists");
    let (owner_key, sub_key, stranger_key) = (key(owner), key(sub), key(stranger));
    let admin_key = sim.client_token();
    let uuid = sim.state().servers[&server].uuid.clone();
    let disk = FakeWings::new();
    Panel {
        node,
        allocs,
        owner,
        sub,
        server,
        uuid,
        owner_key,
        sub_key,
        stranger_key,
        admin_key,
        disk,
        sim,
    }
}

type Ids = (u64, Vec<u64>, u64, u64, u64, u64);

fn seed(s: &mut roost_sim::SimState) -> Ids {
    let node = s.add_node(NodeParams {
        name: "de-fra-01".into(),
        fqdn: "node1.example.com".into(),
        ..Default::default()
    });
    let allocs: Vec<u64> = (0..6)
        .map(|i| s.add_allocation(node, "203.0.113.10", 25565 + i, None))
        .collect();
    let mut user = |name: &str| {
        s.add_user(UserParams {
            username: name.into(),
            email: format!("{name}@example.com"),
            ..Default::default()
        })
    };
    let (owner, sub, stranger) = (user("owner"), user("helper"), user("stranger"));
    let egg = s
        .eggs
        .values()
        .find(|e| e.name == "Paper")
        .map(|e| e.id)
        .unwrap_or(1);
    let server = s.add_server(ServerParams {
        name: "Survival SMP".into(),
        description: "Main survival world".into(),
        user_id: owner,
        egg_id: egg,
        allocation_id: Some(allocs[0]),
        additional_allocations: vec![allocs[1]],
        databases: Some(2),
        allocations: Some(3),
        backups: Some(5),
        ..Default::default()
    });
    let now = s.now();
    s.insert_subuser(Subuser {
        id: 1,
        user_id: sub,
        server_id: server,
        permissions: json!(["websocket.connect"]),
        created_at: now,
        updated_at: now,
    });
    s.counters.subuser = 1;
    (node, allocs, owner, sub, stranger, server)
}

/// A client for `key` with a fresh bucket registry and its waits recorded.
pub fn api(p: &Panel, key: &str) -> (ClientApi, Waits) {
    api_in(p, key, ClientBuckets::new(), |_| {})
}

pub type Waits = Arc<Mutex<Vec<RateLimitWait>>>;

/// A client for `key` counting in `buckets`, its configuration changed by `tweak`.
pub fn api_in(
    p: &Panel,
    key: &str,
    buckets: ClientBuckets,
    tweak: impl FnOnce(&mut ClientConfig),
) -> (ClientApi, Waits) {
    let waits: Waits = Arc::new(Mutex::new(Vec::new()));
    let w2 = waits.clone();
    let mut c = ClientConfig::new(p.sim.url(), Secret::new(key));
    c.timeout = Duration::from_secs(5);
    c.max_retries = 2;
    c.retry_budget = Duration::from_secs(2);
    c.on_wait = Some(WaitObserver::new(move |w| w2.lock().unwrap().push(w)));
    tweak(&mut c);
    (ClientApi::with_buckets(c, buckets).expect("client"), waits)
}

impl Panel {
    pub fn owner(&self) -> ClientApi {
        api(self, &self.owner_key).0
    }

    pub fn ident(&self) -> String {
        self.uuid[..8].to_string()
    }

    /// Replaces the subuser's permissions.
    pub fn grant(&self, perms: &[&str]) {
        let (sub, server, perms) = (self.sub, self.server, json!(perms));
        self.sim.mutate(move |s| {
            if let Some(x) = s
                .subusers
                .values_mut()
                .find(|x| x.user_id == sub && x.server_id == server)
            {
                x.permissions = perms;
            }
        });
    }

    /// Sets the server's status (`None`: installed).
    pub fn set_status(&self, status: Option<&str>) {
        let (server, status) = (self.server, status.map(str::to_string));
        self.sim.mutate(move |s| {
            if let Some(x) = s.servers.get_mut(&server) {
                x.status = status;
            }
        });
    }

    pub fn advance(&self, secs: u64) {
        self.sim.advance_clock(Duration::from_secs(secs));
    }

    /// Requests the sim logged with `method` whose path contains `part`.
    pub fn logged(&self, method: &str, part: &str) -> usize {
        self.sim
            .request_log()
            .iter()
            .filter(|r| r.method == method && r.path.contains(part))
            .count()
    }

    pub async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}

/// Asserts the typed 403 naming `permission`.
pub fn missing(e: PanelError, permission: &str) {
    match &e {
        PanelError::MissingPermission { permission: p, .. } => assert_eq!(p, permission, "{e}"),
        other => panic!("expected the missing permission {permission}, got {other:?}"),
    }
    assert!(e.to_string().contains(permission), "{e}");
}

/// What the fake daemon fails, and how.
#[derive(Clone)]
pub struct FailRule {
    /// A Wings file route (`write`, `list-directory` ...) or `power`, `command`, `backup`.
    pub route: &'static str,
    pub error: WingsError,
}

/// A daemon with an in-memory disk: files (path → content, mode) and folders, the calls it
/// got, and failures to script.
#[derive(Default)]
pub struct FakeWings {
    pub files: Mutex<BTreeMap<String, (String, u32)>>,
    pub dirs: Mutex<Vec<String>>,
    pub calls: Mutex<Vec<WingsCall>>,
    pub fail: Mutex<Vec<FailRule>>,
}

impl FakeWings {
    pub fn new() -> Arc<FakeWings> {
        Arc::new(FakeWings::default())
    }

    pub fn fail(&self, route: &'static str, error: WingsError) {
        self.fail.lock().unwrap().push(FailRule { route, error });
    }

    pub fn heal(&self) {
        self.fail.lock().unwrap().clear();
    }

    pub fn calls(&self) -> Vec<WingsCall> {
        self.calls.lock().unwrap().clone()
    }

    pub fn file(&self, path: &str) -> Option<(String, u32)> {
        self.files.lock().unwrap().get(path).cloned()
    }

    fn route_of(call: &WingsCall) -> &'static str {
        match call {
            WingsCall::Details => "details",
            WingsCall::Power { .. } => "power",
            WingsCall::Command { .. } => "command",
            WingsCall::Reinstall => "reinstall",
            WingsCall::Backup { .. } => "backup",
            WingsCall::DeleteBackup { .. } => "delete-backup",
            WingsCall::RestoreBackup { .. } => "restore",
            WingsCall::DenyTokens { .. } => "deny-tokens",
            WingsCall::DeauthorizeUser => "deauthorize-user",
            WingsCall::Files { route, .. } => route,
        }
    }

    fn files_call(&self, route: &str, b: &Value) -> WingsAnswer {
        let s = |k: &str| b[k].as_str().unwrap_or_default().to_string();
        let root = s("root");
        let join = |dir: &str, name: &str| {
            format!(
                "{}/{}",
                dir.trim_end_matches('/'),
                name.trim_start_matches('/')
            )
        };
        let mut files = self.files.lock().unwrap();
        match route {
            "write" => {
                files.insert(s("file"), (s("content"), 0o644));
            }
            "contents" => {
                return WingsAnswer::Text(files.get(&s("file")).cloned().unwrap_or_default().0);
            }
            "list-directory" => return WingsAnswer::Json(self.listing(&files, &s("directory"))),
            "create-directory" => self.dirs.lock().unwrap().push(join(&root, &s("name"))),
            "rename" => each(b, |f| {
                let from = join(&root, f["from"].as_str().unwrap_or_default());
                let to = join(&root, f["to"].as_str().unwrap_or_default());
                if let Some(x) = files.remove(&from) {
                    files.insert(to, x);
                }
            }),
            "copy" => {
                let from = s("location");
                if let Some(x) = files.get(&from).cloned() {
                    let (stem, ext) = from.rsplit_once('.').unwrap_or((&from, ""));
                    files.insert(format!("{stem} copy.{ext}"), x);
                }
            }
            "delete" => each(b, |f| {
                files.remove(&join(&root, f.as_str().unwrap_or_default()));
            }),
            "chmod" => each(b, |f| {
                let path = join(&root, f["file"].as_str().unwrap_or_default());
                // Wings binds a string of octal digits only (client/files.md).
                let mode = f["mode"]
                    .as_str()
                    .and_then(|m| u32::from_str_radix(m, 8).ok());
                let mode = mode.unwrap_or(0);
                if let Some(x) = files.get_mut(&path) {
                    x.1 = mode;
                }
            }),
            "compress" => {
                let name = "archive-2026-01-01T000000Z.tar.gz";
                files.insert(join(&root, name), ("tgz".into(), 0o644));
                return WingsAnswer::Json(stat(name, 3, 0o644, true));
            }
            "decompress" => {
                let file = join(&root, &s("file"));
                files.insert(format!("{file}.d/unpacked.txt"), ("x".into(), 0o644));
            }
            "pull" => {
                let name = b["filename"].as_str().unwrap_or("pulled.bin");
                files.insert(join(&s("directory"), name), ("pulled".into(), 0o644));
            }
            _ => {}
        }
        WingsAnswer::Accepted
    }

    fn listing(&self, files: &BTreeMap<String, (String, u32)>, dir: &str) -> Value {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let mut out: Vec<Value> = files
            .iter()
            .filter_map(|(path, (content, mode))| {
                let name = path.strip_prefix(&prefix)?;
                (!name.contains('/')).then(|| stat(name, content.len() as u64, *mode, true))
            })
            .collect();
        for d in self.dirs.lock().unwrap().iter() {
            if let Some(name) = d.strip_prefix(&prefix).filter(|n| !n.contains('/')) {
                out.push(stat(name, 4096, 0o755, false));
            }
        }
        Value::Array(out)
    }
}

fn each(b: &Value, mut f: impl FnMut(&Value)) {
    for x in b["files"].as_array().into_iter().flatten() {
        f(x)
    }
}

/// A Wings stat object.
fn stat(name: &str, size: u64, mode: u32, file: bool) -> Value {
    json!({
        "name": name, "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z",
        "mode": if file { "-rw-r--r--" } else { "drwxr-xr-x" }, "mode_bits": format!("{mode:o}"),
        "size": size, "directory": !file, "file": file, "symlink": false,
        "mime": if file { "text/plain" } else { "inode/directory" },
    })
}

impl Wings for FakeWings {
    fn call(&self, _: &Node, _: &Server, call: WingsCall) -> Result<WingsAnswer, WingsError> {
        self.calls.lock().unwrap().push(call.clone());
        let route = Self::route_of(&call);
        if let Some(rule) = self.fail.lock().unwrap().iter().find(|r| r.route == route) {
            return Err(rule.error.clone());
        }
        Ok(match &call {
            WingsCall::Details => WingsAnswer::Json(json!({
                "state": "running", "is_suspended": false,
                "utilization": {"memory_bytes": 1024, "cpu_absolute": 1.5, "disk_bytes": 2048,
                    "network": {"rx_bytes": 1, "tx_bytes": 2}, "uptime": 60},
            })),
            WingsCall::Files { route, body, .. } => self.files_call(route, body),
            _ => WingsAnswer::Accepted,
        })
    }
}
