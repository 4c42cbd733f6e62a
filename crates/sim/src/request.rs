//! One Application API request as the handlers see it: the decoded query, the normalised JSON
//! input and what the handler changed.

use crate::render::Inc;
use crate::response::ApiErr;
use crate::rules::{as_number, get_path, php_string, truthy};
use roost_model::Dialect;
use serde_json::Value;

/// A path id: anything but a number is a 404, as the panels' route-model binding answers.
pub fn parse_id(s: &str) -> Result<u64, ApiErr> {
    s.parse::<u64>().map_err(|_| ApiErr::not_found())
}

/// Route-model binding's answer: 404 unless the row was found.
pub fn exists(found: bool) -> Result<(), ApiErr> {
    if found {
        Ok(())
    } else {
        Err(ApiErr::not_found())
    }
}

pub struct Req<'a> {
    pub d: Dialect,
    pub base: &'a str,
    /// Path after `/api/application`, without query.
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub input: Value,
    /// Set by handlers that changed state.
    pub changed: bool,
    /// Servers whose install clock starts once the response is rendered.
    pub installed: Vec<u64>,
    /// An older Pelican (before beta19) that accepts local node fqdns.
    pub lenient_fqdn: bool,
}

impl Req<'_> {
    pub fn q(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(qk, _)| qk == k)
            .map(|(_, v)| v.as_str())
    }
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
    pub fn url(&self, rest: &str) -> String {
        format!("{}/api/application{}", self.base, rest)
    }
    pub fn has(&self, k: &str) -> bool {
        get_path(&self.input, k).is_some()
    }
    pub fn get(&self, k: &str) -> Option<&Value> {
        get_path(&self.input, k).filter(|v| !v.is_null())
    }
    pub fn str(&self, k: &str) -> Option<String> {
        self.get(k).map(php_string)
    }
    pub fn int(&self, k: &str) -> Option<i64> {
        self.get(k).and_then(as_number).map(|f| f.round() as i64)
    }
    pub fn boolean(&self, k: &str) -> Option<bool> {
        self.get(k).map(truthy)
    }
    pub fn ids(&self, k: &str) -> Vec<u64> {
        match self.get(k) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(as_number)
                .filter(|f| *f >= 0.0)
                .map(|f| f as u64)
                .collect(),
            _ => Vec::new(),
        }
    }
}
