//! A small panel for Client API tests: a node with allocations, an owner with one server, a
//! subuser, a user without access, a root admin, and a client key for each.

use super::{Resp, T, config, start_with};
use reqwest::Method;
use roost_sim::{
    Dialect, Node, NodeParams, Server, ServerParams, SimConfig, Subuser, UserParams, Wings,
    WingsAnswer, WingsCall, WingsError,
};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Script = dyn Fn(&WingsCall) -> Result<WingsAnswer, WingsError> + Send + Sync;

/// A daemon for tests: answers each call with a script and remembers the calls.
pub struct FakeWings {
    script: Box<Script>,
    pub calls: Mutex<Vec<WingsCall>>,
}

impl Wings for FakeWings {
    fn call(&self, _: &Node, _: &Server, call: WingsCall) -> Result<WingsAnswer, WingsError> {
        let answer = (self.script)(&call);
        self.calls.lock().unwrap().push(call);
        answer
    }
}

/// A daemon answering every call with `script`.
pub fn fake_wings(
    script: impl Fn(&WingsCall) -> Result<WingsAnswer, WingsError> + Send + Sync + 'static,
) -> Arc<FakeWings> {
    Arc::new(FakeWings {
        script: Box::new(script),
        calls: Mutex::new(Vec::new()),
    })
}

/// A daemon that accepts everything.
pub fn accepting_wings() -> Arc<FakeWings> {
    fake_wings(|_| Ok(WingsAnswer::Accepted))
}

pub struct World {
    pub t: T,
    pub d: Dialect,
    pub node: u64,
    pub allocs: Vec<u64>,
    pub owner: u64,
    pub sub: u64,
    pub stranger: u64,
    pub admin: u64,
    pub server: u64,
    pub uuid: String,
    pub owner_key: String,
    pub sub_key: String,
    pub stranger_key: String,
    pub admin_key: String,
}

/// A sim with the client limit off (tests that count set it).
pub fn client_config(d: Dialect) -> SimConfig {
    let mut c = config(d);
    c.client_rate_limit = None;
    c
}

pub async fn world(d: Dialect) -> World {
    world_with(client_config(d)).await
}

pub async fn world_with(cfg: SimConfig) -> World {
    let d = cfg.dialect;
    let t = start_with(cfg).await;
    let ids = t.sim.mutate(|s| {
        let node = s.add_node(NodeParams {
            name: "de-fra-01".into(),
            fqdn: "node1.example.com".into(),
            ..Default::default()
        });
        let allocs: Vec<u64> = (0..6)
            .map(|i| s.add_allocation(node, "203.0.113.10", 25565 + i, None))
            .collect();
        let mut user = |name: &str, root: bool| {
            s.add_user(UserParams {
                username: name.into(),
                email: format!("{name}@example.com"),
                root_admin: root,
                ..Default::default()
            })
        };
        let owner = user("owner", false);
        let sub = user("helper", false);
        let stranger = user("stranger", false);
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
    });
    let (node, allocs, owner, sub, stranger, server) = ids;
    let key = |u| t.sim.mint_client_key(u).expect("user exists");
    let (owner_key, sub_key, stranger_key) = (key(owner), key(sub), key(stranger));
    let admin_key = t.sim.client_token();
    let uuid = t.sim.state().servers[&server].uuid.clone();
    World {
        d,
        node,
        allocs,
        owner,
        sub,
        stranger,
        admin: 1,
        server,
        uuid,
        owner_key,
        sub_key,
        stranger_key,
        admin_key,
        t,
    }
}

impl World {
    /// Swaps the emulated daemon for one that cannot be reached (tests of the panel's answers
    /// to a node that is down).
    pub fn without_wings(&self) {
        self.t.sim.set_wings(Arc::new(roost_sim::Unreachable));
    }

    pub fn pt(&self) -> bool {
        self.d == Dialect::Pterodactyl
    }

    /// The server's 8-character identifier.
    pub fn ident(&self) -> String {
        self.uuid[..8].to_string()
    }

    /// `/api/client/servers/{identifier}{rest}`.
    pub fn srv(&self, rest: &str) -> String {
        format!("/api/client/servers/{}{rest}", self.ident())
    }

    /// A Client API request with `key` (`path` starts with `/api/client`).
    pub async fn call(&self, key: &str, m: Method, path: &str, body: Option<Value>) -> Resp {
        self.t.raw(m, path, body, Some(key), true).await
    }

    pub async fn get(&self, key: &str, path: &str) -> Resp {
        self.call(key, Method::GET, path, None).await
    }

    pub async fn post(&self, key: &str, path: &str, body: Value) -> Resp {
        self.call(key, Method::POST, path, Some(body)).await
    }

    /// Replaces the subuser's permissions (`websocket.connect` is not added).
    pub fn grant(&self, perms: &[&str]) {
        let sub = self.sub;
        let server = self.server;
        let perms = json!(perms);
        self.t.sim.mutate(move |s| {
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
        let server = self.server;
        let status = status.map(str::to_string);
        self.t.sim.mutate(move |s| {
            if let Some(x) = s.servers.get_mut(&server) {
                x.status = status;
            }
        });
    }

    pub fn advance(&self, secs: u64) {
        self.t.sim.advance_clock(Duration::from_secs(secs));
    }
}
