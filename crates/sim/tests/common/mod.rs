#![allow(dead_code)]
//! Shared helpers: start a sim and talk to it with reqwest.

pub mod client;
pub mod fixtures;
pub mod shape;

use reqwest::{Client, Method, StatusCode};
use roost_sim::{Dialect, Sim, SimConfig, SimHandle};
use serde_json::Value;

pub struct T {
    pub sim: SimHandle,
    pub c: Client,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not json ({e}): {}", self.text))
    }
    pub fn code(&self) -> u16 {
        self.status.as_u16()
    }
    pub fn header(&self, k: &str) -> Option<String> {
        self.headers.get(k).map(|v| v.to_str().unwrap().to_string())
    }
    /// `(code, status, source_field, rule)` of every error entry.
    pub fn errors(&self) -> Vec<(String, String, String, String)> {
        let j = self.json();
        j["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors: {}", self.text))
            .iter()
            .map(|e| {
                (
                    e["code"].as_str().unwrap().to_string(),
                    e["status"].as_str().unwrap().to_string(),
                    e["meta"]["source_field"].as_str().unwrap_or("").to_string(),
                    e["meta"]["rule"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }
    pub fn rules(&self) -> Vec<(String, String)> {
        self.errors().into_iter().map(|e| (e.2, e.3)).collect()
    }
}

pub fn config(d: Dialect) -> SimConfig {
    let mut c = SimConfig::new(d);
    c.rate_limit = None;
    c
}

pub async fn start(d: Dialect) -> T {
    start_with(config(d)).await
}

pub async fn start_with(cfg: SimConfig) -> T {
    let sim = Sim::start(cfg).await.expect("sim starts");
    T {
        sim,
        c: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
    }
}

impl T {
    pub fn pt(&self) -> bool {
        self.sim.dialect() == Dialect::Pterodactyl
    }
    pub async fn raw(
        &self,
        m: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
        accept: bool,
    ) -> Resp {
        let url = if path.starts_with("/__sim") || path.starts_with("/api") {
            format!("{}{}", self.sim.url(), path)
        } else {
            format!("{}/api/application{}", self.sim.url(), path)
        };
        let mut rb = self.c.request(m, url);
        if accept {
            rb = rb.header("Accept", "application/json");
        }
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("request sent");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        Resp {
            status,
            headers,
            text,
        }
    }
    pub async fn req(&self, m: Method, path: &str, body: Option<Value>) -> Resp {
        let tok = self.sim.token();
        self.raw(m, path, body, Some(&tok), true).await
    }
    pub async fn get(&self, path: &str) -> Resp {
        self.req(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, b: Value) -> Resp {
        self.req(Method::POST, path, Some(b)).await
    }
    pub async fn patch(&self, path: &str, b: Value) -> Resp {
        self.req(Method::PATCH, path, Some(b)).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.req(Method::DELETE, path, None).await
    }
}

pub fn both() -> [Dialect; 2] {
    Dialect::ALL
}

/// The `panel-api` folder: `$ROOST_PANEL_API_DIR`, else `shared/panel-api` beside the checkout
/// (where CI has it).
pub fn panel_api_dir() -> std::path::PathBuf {
    match std::env::var_os("ROOST_PANEL_API_DIR") {
        Some(d) => d.into(),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/panel-api"),
    }
}

/// A body of `shared/panel-api/fixtures/<dialect>/<name>.json`.
pub fn panel_fixture(d: Dialect, name: &str) -> Value {
    let path = panel_api_dir().join(format!("fixtures/{}/{name}.json", d.as_str()));
    let s = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Asserts `ours` has the fixture's shape: the same keys at every level and the same JSON type
/// for every value (each item of an array against the fixture's first item).
pub fn assert_same_shape(ours: &Value, fixture: &Value, at: &str) {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    assert_eq!(
        kind(ours),
        kind(fixture),
        "type of {at}: {ours} vs {fixture}"
    );
    match (ours, fixture) {
        (Value::Object(o), Value::Object(f)) => {
            let ok: Vec<&String> = o.keys().collect();
            let fk: Vec<&String> = f.keys().collect();
            let mut ok_sorted = ok.clone();
            let mut fk_sorted = fk.clone();
            ok_sorted.sort();
            fk_sorted.sort();
            assert_eq!(ok_sorted, fk_sorted, "keys of {at}");
            for (k, v) in o {
                assert_same_shape(v, &f[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(o), Value::Array(f)) => {
            if let Some(first) = f.first() {
                for (i, v) in o.iter().enumerate() {
                    assert_same_shape(v, first, &format!("{at}[{i}]"));
                }
            }
        }
        _ => {}
    }
}
