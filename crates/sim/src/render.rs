//! What every transformer shares: the requested includes, the rendering context and the
//! envelope writers. Each resource's transformer lives in its module under [`crate::kinds`],
//! written straight into the response buffer with the dialect's attribute set and key order.

use crate::state::SimState;
use crate::util::W;
use roost_model::Dialect;
use std::collections::BTreeMap;

/// Requested includes as a tree (`servers.user` -> servers -> user), at most 2 levels deep.
#[derive(Debug, Default, Clone)]
pub struct Inc {
    pub children: BTreeMap<String, Inc>,
}

impl Inc {
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Inc {
        let mut root = Inc::default();
        for raw in items {
            for item in raw.split(',') {
                let item = item.trim();
                if item.is_empty() {
                    continue;
                }
                let mut cur = &mut root;
                for seg in item.split('.').take(2) {
                    cur = cur.children.entry(seg.trim().to_string()).or_default();
                }
            }
        }
        root
    }
    pub fn get(&self, name: &str) -> Option<&Inc> {
        self.children.get(name)
    }
    pub fn any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.children.contains_key(*n))
    }
}

pub struct Ctx<'a> {
    pub st: &'a SimState,
    pub d: Dialect,
}

pub fn open(w: &mut W, object: &str) {
    w.obj();
    w.k_str("object", object);
    w.key("attributes");
    w.obj();
}

pub fn close(w: &mut W) {
    w.end_obj();
    w.end_obj();
}

pub fn open_rels(w: &mut W) {
    w.key("relationships");
    w.obj();
}

pub fn list<T>(w: &mut W, items: impl Iterator<Item = T>, mut f: impl FnMut(&mut W, T)) {
    w.obj();
    w.k_str("object", "list");
    w.key("data");
    w.arr();
    for it in items {
        f(w, it);
    }
    w.end_arr();
    w.end_obj();
}

pub fn empty_list(w: &mut W) {
    list(w, std::iter::empty::<()>(), |_, _| {});
}
