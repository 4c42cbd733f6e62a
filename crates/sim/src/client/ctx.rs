//! One Client API request as the handlers see it: who asks, the decoded query, the normalised
//! JSON input, the daemon to hand work to, and what the handler changed.

use super::access::Access;
use super::activity::Event;
use super::wings::{Wings, WingsAnswer, WingsCall, WingsError};
use crate::render::Inc;
use crate::response::ApiErr;
use crate::rules::{as_number, get_path, php_string, truthy};
use crate::state::SimState;
use roost_model::Dialect;
use serde_json::Value;

pub struct Cx<'a> {
    pub d: Dialect,
    /// The panel root, e.g. `http://127.0.0.1:PORT`.
    pub base: &'a str,
    /// Path after `/api/client`, without query.
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub input: Value,
    /// The acting user (the key's owner).
    pub user: u64,
    /// The account key used (activity entries mark API use).
    pub key: Option<u64>,
    /// The client's IP address.
    pub ip: String,
    pub wings: &'a dyn Wings,
    /// The raw request body (file writes send the content as is).
    pub body_text: String,
    pub body_raw: Vec<u8>,
    /// Set by handlers that changed state.
    pub changed: bool,
    /// Activity entries the request logged.
    pub events: Vec<Event>,
}

impl Cx<'_> {
    pub fn q(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(qk, _)| qk == k)
            .map(|(_, v)| v.as_str())
    }

    /// `include` from the query (comma list or `include[]`), else from the input.
    pub fn includes(&self) -> Inc {
        let mut items: Vec<String> = self
            .query
            .iter()
            .filter(|(k, _)| k == "include" || k.starts_with("include["))
            .map(|(_, v)| v.clone())
            .collect();
        if items.is_empty() {
            match self.input.get("include") {
                Some(Value::String(s)) => items.push(s.clone()),
                Some(Value::Array(a)) => {
                    items.extend(a.iter().filter_map(|v| v.as_str().map(String::from)))
                }
                _ => {}
            }
        }
        Inc::parse(items.iter().map(String::as_str))
    }

    /// `filter[name]=value` pairs of the query.
    pub fn filters(&self) -> Vec<(String, String)> {
        self.query
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("filter[")
                    .and_then(|r| r.strip_suffix(']'))
                    .map(|n| (n.to_string(), v.clone()))
            })
            .collect()
    }

    /// `{base}/api/client{rest}`.
    pub fn url(&self, rest: &str) -> String {
        format!("{}/api/client{}", self.base, rest)
    }

    /// The input value, whether or not it is null.
    pub fn raw(&self, k: &str) -> Option<&Value> {
        get_path(&self.input, k)
    }
    pub fn has(&self, k: &str) -> bool {
        self.raw(k).is_some()
    }
    pub fn get(&self, k: &str) -> Option<&Value> {
        self.raw(k).filter(|v| !v.is_null())
    }
    pub fn str(&self, k: &str) -> Option<String> {
        self.get(k).map(php_string)
    }
    /// Laravel's `$request->boolean()`.
    pub fn boolean(&self, k: &str) -> bool {
        self.get(k).is_some_and(|v| match v {
            Value::String(s) => matches!(s.to_lowercase().as_str(), "1" | "true" | "on" | "yes"),
            other => truthy(other),
        })
    }
    /// Laravel's `$request->integer()`: the input as an integer, `default` when absent.
    pub fn integer(&self, k: &str, default: i64) -> i64 {
        match self.get(k) {
            None => default,
            Some(v) => as_number(v).map(|f| f as i64).unwrap_or(0),
        }
    }

    /// The acting user's standing on a server (the server exists: bindings ran first).
    pub fn access<'s>(&self, st: &'s SimState, server_id: u64) -> Result<Access<'s>, ApiErr> {
        Access::of(st, self.user, server_id).ok_or_else(ApiErr::not_found)
    }

    /// One call to the server's daemon.
    pub fn wings(
        &self,
        st: &SimState,
        server_id: u64,
        call: WingsCall,
    ) -> Result<WingsAnswer, WingsError> {
        let Some(server) = st.servers.get(&server_id) else {
            return Err(WingsError::Unreachable);
        };
        let Some(node) = st.nodes.get(&server.node_id) else {
            return Err(WingsError::Unreachable);
        };
        self.wings
            .sync(&super::remote::server_config(st, server, self.base));
        self.wings.call(node, server, call)
    }

    /// Where the node's daemon is reached: the sim's own address when it serves the daemon,
    /// else the node's connection address.
    pub fn daemon_address(&self, node: &crate::state::Node) -> String {
        self.wings
            .address()
            .unwrap_or_else(|| super::jwt::connection_address(self.d, node))
    }

    /// Records an activity entry (`server:...` entries name their server).
    pub fn log(&mut self, event: &str, server: Option<u64>, properties: Value) {
        self.events.push(Event {
            event: event.to_string(),
            server,
            properties,
        });
    }
}
