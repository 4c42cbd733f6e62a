//! Routing, the per-dialect order of checks, and the Application API handlers.

use crate::render::{self, Ctx, Inc, NodeSums};
use crate::rules::{
    FieldError, Rule, Validator, as_number, get_path, is_integer, php_string, truthy,
};
use crate::state::*;
use crate::util::{W, now_unix, parse_query, random_alnum};
use roost_model::Dialect;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

pub const GENERIC_DETAIL: &str =
    "An unexpected error was encountered while processing this request, please try again.";
const NOT_FOUND_DETAIL: &str = "The requested resource could not be found on the server.";

/// A finished answer before transport concerns (headers, drop) are applied.
#[derive(Debug)]
pub struct Out {
    pub status: u16,
    pub body: Body,
}

#[derive(Debug)]
pub enum Body {
    Empty,
    Json(String),
}

impl Out {
    fn json(status: u16, s: String) -> Out {
        Out {
            status,
            body: Body::Json(s),
        }
    }
    fn empty() -> Out {
        Out {
            status: 204,
            body: Body::Empty,
        }
    }
}

#[derive(Debug)]
pub struct ApiErr {
    pub status: u16,
    pub code: &'static str,
    pub detail: String,
    pub fields: Vec<FieldError>,
    /// Literal body overriding the envelope (PL's `[]`).
    pub raw: Option<&'static str>,
}

impl ApiErr {
    pub fn new(status: u16, code: &'static str, detail: impl Into<String>) -> ApiErr {
        ApiErr {
            status,
            code,
            detail: detail.into(),
            fields: Vec::new(),
            raw: None,
        }
    }
    pub fn not_found() -> ApiErr {
        ApiErr::new(404, "NotFoundHttpException", NOT_FOUND_DETAIL)
    }
    pub fn display(code: &'static str, detail: impl Into<String>) -> ApiErr {
        ApiErr::new(400, code, detail)
    }
    pub fn server(code: &'static str) -> ApiErr {
        ApiErr::new(500, code, GENERIC_DETAIL)
    }
    pub fn validation(fields: Vec<FieldError>) -> ApiErr {
        ApiErr {
            fields,
            ..ApiErr::new(422, "ValidationException", "")
        }
    }
    /// Whether Laravel turns this into a redirect for clients that do not expect JSON.
    pub fn redirects(&self) -> bool {
        self.status == 401
            || self.status == 422
            || (self.status == 400
                && !matches!(
                    self.code,
                    "BadRequestHttpException" | "InvalidFilterQuery" | "InvalidSortQuery"
                ))
    }
    pub fn body(&self) -> String {
        if let Some(r) = self.raw {
            return r.to_string();
        }
        let errors: Vec<Value> = if self.fields.is_empty() {
            vec![
                json!({"code": self.code, "status": self.status.to_string(), "detail": self.detail}),
            ]
        } else {
            self.fields
                .iter()
                .map(|f| {
                    json!({"code": self.code, "status": self.status.to_string(), "detail": f.detail,
                           "meta": {"source_field": f.field, "rule": f.rule}})
                })
                .collect()
        };
        // Key order of the real body (code, status, detail, meta) via a tiny manual writer.
        let mut w = W::new();
        w.obj();
        w.key("errors");
        w.arr();
        for e in &errors {
            w.obj();
            for k in ["code", "status", "detail", "meta"] {
                if let Some(v) = e.get(k) {
                    w.k_value(k, v);
                }
            }
            w.end_obj();
        }
        w.end_arr();
        w.end_obj();
        w.s
    }
}

type Res = Result<Out, ApiErr>;

// ---------------------------------------------------------------------------------------------
// Routing

#[derive(Debug, Clone, PartialEq)]
pub enum R {
    LocList,
    LocCreate,
    LocGet(String),
    LocPatch(String),
    LocDelete(String),
    NodeList,
    NodeCreate,
    NodeDeployable,
    NodeGet(String),
    NodePatch(String),
    NodeDelete(String),
    NodeConfig(String),
    AllocList(String),
    AllocCreate(String),
    AllocDelete(String, String),
    UserList,
    UserCreate,
    UserExt(String),
    UserGet(String),
    UserPatch(String),
    UserDelete(String),
    UserRoles(String, bool),
    SrvList,
    SrvCreate,
    SrvExt(String),
    SrvGet(String),
    SrvDelete(String, bool),
    SrvDetails(String),
    SrvBuild(String),
    SrvStartup(String),
    SrvSuspend(String, bool),
    SrvReinstall(String),
    NestList,
    NestGet(String),
    NestEggs(String),
    NestEgg(String, String),
    EggList,
    EggGet(String),
    EggDelete(String),
    RoleList,
    RoleCreate,
    RoleGet(String),
    RolePatch(String),
    RoleDelete(String),
    /// PL only. The sim models no database hosts: the listing is always empty, which is all
    /// roost reads of it (its dialect probe).
    DbHostList,
}

pub enum RouteErr {
    NotFound,
    Method(Vec<&'static str>),
}

/// Candidate (method, route) pairs for a path, in Laravel's registration order.
fn candidates(d: Dialect, segs: &[&str]) -> Vec<(&'static str, R)> {
    let pt = d == Dialect::Pterodactyl;
    let s = |x: &str| x.to_string();
    match segs {
        ["locations"] if pt => vec![("GET", R::LocList), ("POST", R::LocCreate)],
        ["locations", id] if pt => vec![
            ("GET", R::LocGet(s(id))),
            ("PATCH", R::LocPatch(s(id))),
            ("DELETE", R::LocDelete(s(id))),
        ],
        ["nodes"] => vec![("GET", R::NodeList), ("POST", R::NodeCreate)],
        ["nodes", "deployable"] => vec![("GET", R::NodeDeployable)],
        ["nodes", id] => vec![
            ("GET", R::NodeGet(s(id))),
            ("PATCH", R::NodePatch(s(id))),
            ("DELETE", R::NodeDelete(s(id))),
        ],
        ["nodes", id, "configuration"] => vec![("GET", R::NodeConfig(s(id)))],
        ["nodes", id, "allocations"] => vec![
            ("GET", R::AllocList(s(id))),
            ("POST", R::AllocCreate(s(id))),
        ],
        ["nodes", id, "allocations", a] => vec![("DELETE", R::AllocDelete(s(id), s(a)))],
        ["users"] => vec![("GET", R::UserList), ("POST", R::UserCreate)],
        ["users", "external", ext] => vec![("GET", R::UserExt(s(ext)))],
        ["users", id] => vec![
            ("GET", R::UserGet(s(id))),
            ("PATCH", R::UserPatch(s(id))),
            ("DELETE", R::UserDelete(s(id))),
        ],
        ["users", id, "roles", "assign"] if !pt => vec![("PATCH", R::UserRoles(s(id), true))],
        ["users", id, "roles", "remove"] if !pt => vec![("PATCH", R::UserRoles(s(id), false))],
        ["servers"] => vec![("GET", R::SrvList), ("POST", R::SrvCreate)],
        ["servers", "external", ext] => vec![("GET", R::SrvExt(s(ext)))],
        ["servers", id] => vec![
            ("GET", R::SrvGet(s(id))),
            ("DELETE", R::SrvDelete(s(id), false)),
        ],
        ["servers", id, action] => {
            let mut v = match *action {
                "details" => vec![("PATCH", R::SrvDetails(s(id)))],
                "build" => vec![("PATCH", R::SrvBuild(s(id)))],
                "startup" => vec![("PATCH", R::SrvStartup(s(id)))],
                "suspend" => vec![("POST", R::SrvSuspend(s(id), true))],
                "unsuspend" => vec![("POST", R::SrvSuspend(s(id), false))],
                "reinstall" => vec![("POST", R::SrvReinstall(s(id)))],
                _ => vec![],
            };
            // `DELETE /servers/{server}/{force?}` matches any second segment.
            v.push(("DELETE", R::SrvDelete(s(id), *action == "force")));
            v
        }
        ["nests"] if pt => vec![("GET", R::NestList)],
        ["nests", id] if pt => vec![("GET", R::NestGet(s(id)))],
        ["nests", id, "eggs"] if pt => vec![("GET", R::NestEggs(s(id)))],
        ["nests", id, "eggs", e] if pt => vec![("GET", R::NestEgg(s(id), s(e)))],
        ["eggs"] if !pt => vec![("GET", R::EggList)],
        ["eggs", id] if !pt => vec![("GET", R::EggGet(s(id))), ("DELETE", R::EggDelete(s(id)))],
        ["database-hosts"] if !pt => vec![("GET", R::DbHostList)],
        ["roles"] if !pt => vec![("GET", R::RoleList), ("POST", R::RoleCreate)],
        ["roles", id] if !pt => vec![
            ("GET", R::RoleGet(s(id))),
            ("PATCH", R::RolePatch(s(id))),
            ("DELETE", R::RoleDelete(s(id))),
        ],
        _ => vec![],
    }
}

pub fn route(d: Dialect, method: &str, api_path: &str) -> Result<R, RouteErr> {
    let trimmed = api_path.trim_matches('/');
    let segs: Vec<&str> = if trimmed.is_empty() {
        vec![]
    } else {
        trimmed.split('/').collect()
    };
    if segs.iter().any(|s| s.is_empty()) {
        return Err(RouteErr::NotFound);
    }
    let c = candidates(d, &segs);
    if c.is_empty() {
        return Err(RouteErr::NotFound);
    }
    let m = if method == "HEAD" { "GET" } else { method };
    if let Some((_, r)) = c.iter().find(|(cm, _)| *cm == m) {
        return Ok(r.clone());
    }
    let mut allowed = Vec::new();
    for (cm, _) in &c {
        if !allowed.contains(cm) {
            allowed.push(*cm);
            if *cm == "GET" {
                allowed.push("HEAD");
            }
        }
    }
    Err(RouteErr::Method(allowed))
}

fn id(s: &str) -> Result<u64, ApiErr> {
    s.parse::<u64>().map_err(|_| ApiErr::not_found())
}

/// Route-model binding: every id in the path must exist (and children belong to their parent).
pub fn bind(st: &SimState, r: &R) -> Result<(), ApiErr> {
    let exists = |ok: bool| if ok { Ok(()) } else { Err(ApiErr::not_found()) };
    match r {
        R::LocGet(i) | R::LocPatch(i) | R::LocDelete(i) => {
            exists(st.locations.contains_key(&id(i)?))
        }
        R::NodeGet(i)
        | R::NodePatch(i)
        | R::NodeDelete(i)
        | R::NodeConfig(i)
        | R::AllocList(i)
        | R::AllocCreate(i) => exists(st.nodes.contains_key(&id(i)?)),
        R::AllocDelete(n, a) => {
            let n = id(n)?;
            exists(st.nodes.contains_key(&n))?;
            exists(st.allocations.get(&id(a)?).is_some_and(|a| a.node_id == n))
        }
        R::UserGet(i) | R::UserPatch(i) | R::UserDelete(i) | R::UserRoles(i, _) => {
            exists(st.users.contains_key(&id(i)?))
        }
        R::SrvGet(i)
        | R::SrvDelete(i, _)
        | R::SrvDetails(i)
        | R::SrvBuild(i)
        | R::SrvStartup(i)
        | R::SrvSuspend(i, _)
        | R::SrvReinstall(i) => exists(st.servers.contains_key(&id(i)?)),
        R::NestGet(i) | R::NestEggs(i) => exists(st.nests.contains_key(&id(i)?)),
        R::NestEgg(n, e) => {
            let n = id(n)?;
            exists(st.nests.contains_key(&n))?;
            exists(st.eggs.get(&id(e)?).is_some_and(|e| e.nest_id == Some(n)))
        }
        R::EggGet(i) | R::EggDelete(i) => exists(st.eggs.contains_key(&id(i)?)),
        R::RoleGet(i) | R::RolePatch(i) | R::RoleDelete(i) => {
            exists(st.roles.contains_key(&id(i)?))
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Request context

pub struct Req<'a> {
    pub d: Dialect,
    pub base: &'a str,
    /// Path after `/api/application`, without query.
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub input: Value,
    /// Set by handlers that changed state.
    pub changed: bool,
    /// Servers whose install should complete once the response is rendered.
    pub installed: Vec<u64>,
    /// An older Pelican (before beta19) that accepts local node fqdns.
    pub lenient_fqdn: bool,
}

impl Req<'_> {
    fn q(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(qk, _)| qk == k)
            .map(|(_, v)| v.as_str())
    }
    fn includes(&self) -> Inc {
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
    fn filters(&self) -> Vec<(String, String)> {
        self.query
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("filter[")
                    .and_then(|r| r.strip_suffix(']'))
                    .map(|n| (n.to_string(), v.clone()))
            })
            .collect()
    }
    fn url(&self, rest: &str) -> String {
        format!("{}/api/application{}", self.base, rest)
    }
    fn has(&self, k: &str) -> bool {
        get_path(&self.input, k).is_some()
    }
    fn get(&self, k: &str) -> Option<&Value> {
        get_path(&self.input, k).filter(|v| !v.is_null())
    }
    fn str(&self, k: &str) -> Option<String> {
        self.get(k).map(php_string)
    }
    fn int(&self, k: &str) -> Option<i64> {
        self.get(k).and_then(as_number).map(|f| f.round() as i64)
    }
    fn boolean(&self, k: &str) -> Option<bool> {
        self.get(k).map(truthy)
    }
    fn ids(&self, k: &str) -> Vec<u64> {
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

fn ctx(st: &SimState) -> Ctx<'_> {
    Ctx { st, d: st.dialect }
}

fn item(st: &SimState, status: u16, f: impl FnOnce(&mut W, &Ctx)) -> Out {
    let mut w = W::new();
    f(&mut w, &ctx(st));
    Out::json(status, w.s)
}

/// Wraps a single item and adds `meta.resource`.
fn item_with_resource(st: &SimState, url: String, f: impl FnOnce(&mut W, &Ctx)) -> Out {
    let mut w = W::new();
    f(&mut w, &ctx(st));
    // The item writer produced `{...}`; splice the meta before the closing brace.
    let mut s = w.s;
    s.pop();
    let mut m = W::new();
    m.obj();
    m.key("resource");
    m.str(&url);
    m.end_obj();
    s.push_str(",\"meta\":");
    s.push_str(&m.s);
    s.push('}');
    Out::json(201, s)
}

fn validate(v: Validator) -> Result<(), ApiErr> {
    if v.ok() {
        Ok(())
    } else {
        Err(ApiErr::validation(v.errors))
    }
}

// ---------------------------------------------------------------------------------------------
// Lists, filters, pagination

fn check_filters(filters: &[(String, String)], allowed: &[&str]) -> Result<(), ApiErr> {
    let bad: Vec<&str> = filters
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !allowed.contains(k))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(ApiErr::display(
            "InvalidFilterQuery",
            format!(
                "Requested filter(s) `{}` are not allowed. Allowed filter(s) are `{}`.",
                bad.join(", "),
                allowed.join(", ")
            ),
        ))
    }
}

/// Parsed `sort` parameter: (field, descending).
fn sorts(r: &Req, allowed: &[&str]) -> Result<Vec<(String, bool)>, ApiErr> {
    let Some(s) = r.q("sort") else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (f, desc) = match part.strip_prefix('-') {
            Some(f) => (f, true),
            None => (part, false),
        };
        if allowed.contains(&f) {
            out.push((f.to_string(), desc));
        } else {
            bad.push(f.to_string());
        }
    }
    if !bad.is_empty() {
        return Err(ApiErr::display(
            "InvalidSortQuery",
            format!(
                "Requested sort(s) `{}` is not allowed. Allowed sort(s) are `{}`.",
                bad.join(", "),
                allowed.join(", ")
            ),
        ));
    }
    Ok(out)
}

/// Partial, case-insensitive match; a comma splits into OR-ed values.
fn partial(col: Option<&str>, value: &str) -> bool {
    let Some(col) = col else { return false };
    let col = col.to_lowercase();
    value
        .split(',')
        .any(|v| col.contains(&v.trim().to_lowercase()))
}

fn exact(col: &str, value: &str) -> bool {
    value.split(',').any(|v| v.trim() == col)
}

/// Writes a paginated list of the given (already filtered and sorted) items.
fn paginate<T>(
    r: &Req,
    st: &SimState,
    items: &[T],
    default_pp: usize,
    mut f: impl FnMut(&mut W, &Ctx, &T),
) -> Res {
    let per_page = match r.q("per_page") {
        None => default_pp,
        Some(p) => match p.trim().parse::<i64>() {
            Ok(0) => 15,
            Ok(n) if n > 0 => n as usize,
            // Non-numeric/negative per_page breaks the SQL query in the real panels.
            _ if items.is_empty() => default_pp,
            _ => return Err(ApiErr::server("QueryException")),
        },
    };
    let page = r
        .q("page")
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1) as usize;
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    let c = ctx(st);
    let mut w = W::new();
    w.obj();
    w.k_str("object", "list");
    w.key("data");
    w.arr();
    for it in &items[start..end] {
        f(&mut w, &c, it);
    }
    w.end_arr();
    w.key("meta");
    w.obj();
    w.key("pagination");
    w.obj();
    w.k_i64("total", total as i64);
    w.k_i64("count", (end - start) as i64);
    w.k_i64("per_page", per_page as i64);
    w.k_i64("current_page", page as i64);
    w.k_i64("total_pages", total_pages as i64);
    w.key("links");
    w.obj();
    let base = r.url(r.path.trim_end_matches('/'));
    if page > 1 {
        w.k_str("previous", &format!("{base}?page={}", page - 1));
    }
    if page < total_pages {
        w.k_str("next", &format!("{base}?page={}", page + 1));
    }
    w.end_obj();
    w.end_obj();
    w.end_obj();
    w.end_obj();
    Ok(Out::json(200, w.s))
}

fn plain_list<T>(st: &SimState, items: &[T], mut f: impl FnMut(&mut W, &Ctx, &T)) -> Out {
    let c = ctx(st);
    let mut w = W::new();
    w.obj();
    w.k_str("object", "list");
    w.key("data");
    w.arr();
    for it in items {
        f(&mut w, &c, it);
    }
    w.end_arr();
    w.end_obj();
    Out::json(200, w.s)
}

// ---------------------------------------------------------------------------------------------
// Dispatch

pub fn handle(st: &mut SimState, r: &mut Req, route: R) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    match route {
        R::LocList => loc_list(st, r),
        R::LocGet(i) => {
            let inc = r.includes();
            let l = &st.locations[&id(&i)?];
            Ok(item(st, 200, |w, c| render::location(w, c, l, &inc)))
        }
        R::LocCreate => loc_save(st, r, None),
        R::LocPatch(i) => loc_save(st, r, Some(id(&i)?)),
        R::LocDelete(i) => {
            let i = id(&i)?;
            if st
                .idx
                .nodes_by_location
                .get(&i)
                .is_some_and(|s| !s.is_empty())
            {
                return Err(ApiErr::display(
                    "HasActiveNodesException",
                    "Cannot delete a location that has active nodes attached to it.",
                ));
            }
            st.locations.remove(&i);
            r.changed = true;
            Ok(Out::empty())
        }
        R::NodeList => node_list(st, r),
        R::NodeGet(i) => {
            let inc = r.includes();
            let n = &st.nodes[&id(&i)?];
            Ok(item(st, 200, |w, c| render::node(w, c, n, &inc, &[], None)))
        }
        R::NodeCreate => node_save(st, r, None),
        R::NodePatch(i) => node_save(st, r, Some(id(&i)?)),
        R::NodeDelete(i) => {
            let i = id(&i)?;
            if st
                .idx
                .servers_by_node
                .get(&i)
                .is_some_and(|s| !s.is_empty())
            {
                return Err(ApiErr::display(
                    "HasActiveServersException",
                    "A node must have no servers linked to it in order to be deleted.",
                ));
            }
            if let Some(n) = st.nodes.remove(&i)
                && let Some(l) = n.location_id
                && let Some(s) = st.idx.nodes_by_location.get_mut(&l)
            {
                s.remove(&i);
            }
            let allocs: Vec<u64> = st
                .idx
                .allocs_by_node
                .remove(&i)
                .map(|s| s.into_iter().collect())
                .unwrap_or_default();
            for a in allocs {
                st.remove_allocation(a);
            }
            r.changed = true;
            Ok(Out::empty())
        }
        R::NodeConfig(i) => Ok(node_config(st, r, id(&i)?)),
        R::NodeDeployable => node_deployable(st, r),
        R::AllocList(n) => alloc_list(st, r, id(&n)?),
        R::AllocCreate(n) => alloc_create(st, r, id(&n)?),
        R::AllocDelete(_, a) => {
            let a = id(&a)?;
            if st
                .allocations
                .get(&a)
                .is_some_and(|a| a.server_id.is_some())
            {
                return Err(ApiErr::display(
                    "ServerUsingAllocationException",
                    "A server is currently assigned to this allocation. An allocation can only be deleted if no server is currently assigned.",
                ));
            }
            st.remove_allocation(a);
            r.changed = true;
            Ok(Out::empty())
        }
        R::UserList => user_list(st, r),
        R::UserGet(i) => {
            let inc = r.includes();
            let u = &st.users[&id(&i)?];
            Ok(item(st, 200, |w, c| render::user(w, c, u, &inc)))
        }
        R::UserExt(ext) => {
            let inc = r.includes();
            let uid = st
                .idx
                .user_by_external
                .get(&ext)
                .copied()
                .ok_or_else(ApiErr::not_found)?;
            let u = st.users.get(&uid).ok_or_else(ApiErr::not_found)?;
            Ok(item(st, 200, |w, c| render::user(w, c, u, &inc)))
        }
        R::UserCreate => user_save(st, r, None),
        R::UserPatch(i) => user_save(st, r, Some(id(&i)?)),
        R::UserDelete(i) => user_delete(st, r, id(&i)?),
        R::UserRoles(i, assign) => user_roles(st, r, id(&i)?, assign),
        R::SrvList => server_list(st, r),
        R::SrvGet(i) => server_get(st, r, id(&i)?),
        R::SrvExt(ext) => {
            let sid = st
                .idx
                .server_by_external
                .get(&ext)
                .copied()
                .ok_or_else(ApiErr::not_found)?;
            server_get(st, r, sid)
        }
        R::SrvCreate => server_create(st, r),
        R::SrvDetails(i) => server_details(st, r, id(&i)?),
        R::SrvBuild(i) => server_build(st, r, id(&i)?),
        R::SrvStartup(i) => server_startup(st, r, id(&i)?),
        R::SrvSuspend(i, suspend) => {
            let i = id(&i)?;
            if let Some(s) = st.servers.get_mut(&i) {
                let is = s.status.as_deref() == Some("suspended");
                if is != suspend {
                    s.status = if suspend {
                        Some("suspended".into())
                    } else {
                        None
                    };
                    s.updated_at = now_unix();
                    r.changed = true;
                }
            }
            Ok(Out::empty())
        }
        R::SrvReinstall(i) => {
            let i = id(&i)?;
            if let Some(s) = st.servers.get_mut(&i) {
                s.status = Some("installing".into());
                s.updated_at = now_unix();
                r.changed = true;
                if st.auto_install {
                    r.installed.push(i);
                }
            }
            Ok(Out::empty())
        }
        R::SrvDelete(i, _force) => {
            let i = id(&i)?;
            let allocs: Vec<u64> = st
                .idx
                .allocs_by_server
                .get(&i)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default();
            for a in allocs {
                // PT releases through the FK (notes kept); PL clears notes explicitly.
                st.release_allocation(a, !pt);
            }
            st.idx.allocs_by_server.remove(&i);
            st.remove_server(i);
            r.changed = true;
            Ok(Out::empty())
        }
        R::NestList => {
            let inc = r.includes();
            let items: Vec<&Nest> = st.nests.values().collect();
            paginate(r, st, &items, 50, |w, c, n| render::nest(w, c, n, &inc))
        }
        R::NestGet(i) => {
            let inc = r.includes();
            let n = &st.nests[&id(&i)?];
            Ok(item(st, 200, |w, c| render::nest(w, c, n, &inc)))
        }
        R::NestEggs(i) => {
            let i = id(&i)?;
            let inc = r.includes();
            let items: Vec<&Egg> = st.eggs.values().filter(|e| e.nest_id == Some(i)).collect();
            Ok(plain_list(st, &items, |w, c, e| render::egg(w, c, e, &inc)))
        }
        R::NestEgg(_, e) | R::EggGet(e) => {
            let inc = r.includes();
            if !pt && inc.any(&["config", "script"]) {
                // Declared but unimplemented includes crash the PL transformer.
                return Err(ApiErr::server("BadMethodCallException"));
            }
            let e = &st.eggs[&id(&e)?];
            Ok(item(st, 200, |w, c| render::egg(w, c, e, &inc)))
        }
        R::EggList => {
            let inc = r.includes();
            if inc.any(&["config", "script"]) {
                return Err(ApiErr::server("BadMethodCallException"));
            }
            let items: Vec<&Egg> = st.eggs.values().collect();
            Ok(plain_list(st, &items, |w, c, e| render::egg(w, c, e, &inc)))
        }
        R::EggDelete(i) => {
            let i = id(&i)?;
            if st.idx.servers_by_egg.get(&i).is_some_and(|s| !s.is_empty()) {
                return Err(ApiErr::display(
                    "HasActiveServersException",
                    "An Egg with active servers attached to it cannot be deleted from the Panel.",
                ));
            }
            if st
                .eggs
                .values()
                .any(|e| e.config_extends == Some(i) || e.script_extends == Some(i))
            {
                return Err(ApiErr::display(
                    "HasChildrenException",
                    "This Egg is a parent to one or more other Eggs. Please delete those Eggs before deleting this Egg.",
                ));
            }
            st.eggs.remove(&i);
            r.changed = true;
            Ok(Out::empty())
        }
        R::RoleList => role_list(st, r),
        R::DbHostList => paginate(r, st, &[] as &[()], 10, |_, _, _| {}),
        R::RoleGet(i) => {
            let inc = r.includes();
            let role = &st.roles[&id(&i)?];
            Ok(item(st, 200, |w, _| render::role(w, role, &inc)))
        }
        R::RoleCreate => role_save(st, r, None),
        R::RolePatch(i) => role_save(st, r, Some(id(&i)?)),
        R::RoleDelete(i) => {
            let i = id(&i)?;
            if st.roles.get(&i).is_some_and(|x| x.name == "Root Admin") {
                return Err(ApiErr::server("PanelException"));
            }
            st.roles.remove(&i);
            for u in st.users.values_mut() {
                u.roles.retain(|x| *x != i);
            }
            r.changed = true;
            Ok(Out::empty())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Locations (PT)

fn loc_list(st: &SimState, r: &Req) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["short", "long"])?;
    let sort = sorts(r, &["id"])?;
    let inc = r.includes();
    let mut items: Vec<&Location> = st
        .locations
        .values()
        .filter(|l| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "short" => partial(Some(&l.short), v),
                _ => partial(l.long.as_deref(), v),
            })
        })
        .collect();
    if sort.first().is_some_and(|(_, d)| *d) {
        items.reverse();
    }
    paginate(r, st, &items, 50, |w, c, l| render::location(w, c, l, &inc))
}

fn loc_save(st: &mut SimState, r: &mut Req, existing: Option<u64>) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    let short_taken = |val: &Value| {
        let s = php_string(val).to_lowercase();
        !st.locations
            .values()
            .any(|l| l.short.to_lowercase() == s && Some(l.id) != existing)
    };
    v.check_with(
        "short",
        Some("Location Identifier"),
        "required|string|between:1,60",
        vec![Rule::Unique(Box::new(short_taken))],
    );
    v.check_with(
        "long",
        Some("Location Description"),
        "string|nullable|between:1,191",
        vec![],
    );
    validate(v)?;
    let short = r.str("short").unwrap_or_default();
    let now = now_unix();
    let lid = match existing {
        Some(i) => {
            if let Some(l) = st.locations.get_mut(&i) {
                l.short = short;
                if r.has("long") {
                    l.long = r.str("long");
                }
                l.updated_at = now;
            }
            i
        }
        None => {
            let long = r.str("long");
            st.add_location(&short, long.as_deref())
        }
    };
    r.changed = true;
    let inc = r.includes();
    let l = &st.locations[&lid];
    Ok(match existing {
        Some(_) => item(st, 200, |w, c| render::location(w, c, l, &inc)),
        None => item_with_resource(st, r.url(&format!("/locations/{lid}")), |w, c| {
            render::location(w, c, l, &inc)
        }),
    })
}

// ---------------------------------------------------------------------------------------------
// Nodes

fn node_list(st: &SimState, r: &Req) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    let filters = r.filters();
    check_filters(&filters, &["uuid", "name", "fqdn", "daemon_token_id"])?;
    let allowed: &[&str] = if pt {
        &["id", "uuid", "memory", "disk"]
    } else {
        &["id", "uuid", "memory", "disk", "cpu"]
    };
    let sort = sorts(r, allowed)?;
    let inc = r.includes();
    let mut items: Vec<&Node> = st
        .nodes
        .values()
        .filter(|n| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "uuid" => partial(Some(&n.uuid), v),
                "name" => partial(Some(&n.name), v),
                "fqdn" => partial(Some(&n.fqdn), v),
                _ => partial(Some(&n.daemon_token_id), v),
            })
        })
        .collect();
    for (f, desc) in sort.iter().rev() {
        items.sort_by(|a, b| {
            let o = match f.as_str() {
                "uuid" => a.uuid.cmp(&b.uuid),
                "memory" => a.memory.cmp(&b.memory),
                "disk" => a.disk.cmp(&b.disk),
                "cpu" => a.cpu.cmp(&b.cpu),
                _ => a.id.cmp(&b.id),
            };
            if *desc { o.reverse() } else { o }
        });
    }
    paginate(r, st, &items, 50, |w, c, n| {
        render::node(w, c, n, &inc, &[], None)
    })
}

fn node_save(st: &mut SimState, r: &mut Req, existing: Option<u64>) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    let mut v = Validator::new(r.d, &r.input);
    if pt {
        v.check("name", r"required|regex:/^([\w .-]{1,100})$/");
        v.check_with(
            "location_id",
            None,
            "required",
            vec![Rule::Exists(Box::new(|val: &Value| {
                is_integer(val)
                    && as_number(val).is_some_and(|f| st.locations.contains_key(&(f as u64)))
            }))],
        );
        v.check("public", "boolean");
        v.check("fqdn", "required|string");
        v.check("scheme", "required");
        v.check("behind_proxy", "boolean");
        v.check("memory", "required|numeric|min:1");
        v.check("memory_overallocate", "required|numeric|min:-1");
        v.check("disk", "required|numeric|min:1");
        v.check("disk_overallocate", "required|numeric|min:-1");
        v.check(
            "daemon_base",
            r"sometimes|required|regex:/^([\/][\d\w.\-\/]+)$/",
        );
        v.check("daemon_sftp", "required|numeric|between:1,65535");
        v.check("daemon_listen", "required|numeric|between:1,65535");
        v.check("maintenance_mode", "boolean");
        v.check("upload_size", "int|between:1,1024");
    } else {
        v.check("name", "required|string|min:1|max:100");
        v.check("description", "string|nullable");
        v.check("public", "boolean");
        v.check(
            "fqdn",
            if r.lenient_fqdn {
                "required|string"
            } else {
                "required|string|notIn:0.0.0.0,127.0.0.1,localhost"
            },
        );
        v.check("scheme", "required|string|in:http,https");
        v.check("behind_proxy", "boolean");
        v.check("memory", "required|numeric|min:0");
        v.check("memory_overallocate", "required|numeric|min:-1");
        v.check("disk", "required|numeric|min:0");
        v.check("disk_overallocate", "required|numeric|min:-1");
        v.check("cpu", "required|numeric|min:0");
        v.check("cpu_overallocate", "required|numeric|min:-1");
        v.check(
            "daemon_base",
            r"sometimes|required|regex:/^([\/][\d\w.\-\/]+)$/",
        );
        v.check("daemon_sftp", "required|numeric|between:1,65535");
        v.check("daemon_sftp_alias", "nullable|string");
        v.check("daemon_listen", "required|numeric|between:1,65535");
        v.check("daemon_connect", "required|numeric|between:1,65535");
        v.check("maintenance_mode", "boolean");
        v.check("upload_size", "int|min:1");
        v.check("tags", "array");
    }
    validate(v)?;
    let now = now_unix();
    let reset = r.input.get("reset_secret") == Some(&Value::Bool(true));
    let mut node = match existing {
        Some(i) => st.nodes[&i].clone(),
        None => {
            let uuid = st.new_uuid();
            Node {
                id: 0,
                uuid,
                public: true,
                name: String::new(),
                description: None,
                location_id: None,
                fqdn: String::new(),
                scheme: String::new(),
                behind_proxy: false,
                maintenance_mode: false,
                memory: 0,
                memory_overallocate: 0,
                disk: 0,
                disk_overallocate: 0,
                cpu: 0,
                cpu_overallocate: 0,
                upload_size: 100,
                daemon_listen: 8080,
                daemon_sftp: 2022,
                daemon_sftp_alias: None,
                daemon_base: String::new(),
                daemon_connect: 8080,
                tags: vec![],
                daemon_token_id: random_alnum(&mut st.rng, 16),
                daemon_token: random_alnum(&mut st.rng, 64),
                created_at: now,
                updated_at: now,
            }
        }
    };
    let old_location = node.location_id;
    node.name = r.str("name").unwrap_or_default();
    node.fqdn = r.str("fqdn").unwrap_or_default();
    node.scheme = r.str("scheme").unwrap_or_default();
    node.memory = r.int("memory").unwrap_or(0);
    node.memory_overallocate = r.int("memory_overallocate").unwrap_or(0);
    node.disk = r.int("disk").unwrap_or(0);
    node.disk_overallocate = r.int("disk_overallocate").unwrap_or(0);
    node.daemon_listen = r.int("daemon_listen").unwrap_or(8080);
    node.daemon_sftp = r.int("daemon_sftp").unwrap_or(2022);
    // (quirk) both request classes fill daemon_base with the default when it is omitted.
    node.daemon_base = r
        .str("daemon_base")
        .unwrap_or_else(|| r.d.default_daemon_base().to_string());
    if let Some(b) = r.boolean("public") {
        node.public = b;
    }
    if let Some(b) = r.boolean("behind_proxy") {
        node.behind_proxy = b;
    }
    if let Some(b) = r.boolean("maintenance_mode") {
        node.maintenance_mode = b;
    }
    if let Some(u) = r.int("upload_size") {
        node.upload_size = u;
    }
    if pt {
        node.location_id = r.int("location_id").map(|l| l as u64);
    } else {
        node.cpu = r.int("cpu").unwrap_or(0);
        node.cpu_overallocate = r.int("cpu_overallocate").unwrap_or(0);
        node.daemon_connect = r.int("daemon_connect").unwrap_or(8080);
        if r.has("description") {
            node.description = r.str("description");
        }
        if r.has("daemon_sftp_alias") {
            node.daemon_sftp_alias = r.str("daemon_sftp_alias");
        }
        if let Some(Value::Array(tags)) = r.get("tags") {
            node.tags = tags.iter().map(php_string).collect();
        } else if let Some(Value::Object(tags)) = r.get("tags") {
            node.tags = tags.values().map(php_string).collect();
        }
    }
    if reset {
        node.daemon_token_id = random_alnum(&mut st.rng, 16);
        node.daemon_token = random_alnum(&mut st.rng, 64);
    }
    node.updated_at = now;
    r.changed = true;
    let inc = r.includes();
    match existing {
        Some(i) => {
            if old_location != node.location_id
                && let Some(l) = old_location
                && let Some(s) = st.idx.nodes_by_location.get_mut(&l)
            {
                s.remove(&i);
            }
            st.insert_node(node);
            let n = &st.nodes[&i];
            Ok(item(st, 200, |w, c| render::node(w, c, n, &inc, &[], None)))
        }
        None => {
            node.id = SimState::next_id(&mut st.counters.node);
            let nid = node.id;
            st.insert_node(node);
            // PL does not re-read the row: attributes that were not sent are absent.
            let mut omit = Vec::new();
            if !pt {
                for k in ["description", "daemon_sftp_alias", "upload_size"] {
                    if !r.has(k) {
                        omit.push(k);
                    }
                }
            }
            let n = &st.nodes[&nid];
            Ok(item_with_resource(
                st,
                r.url(&format!("/nodes/{nid}")),
                |w, c| render::node(w, c, n, &inc, &omit, None),
            ))
        }
    }
}

fn node_config(st: &SimState, r: &Req, nid: u64) -> Out {
    let n = &st.nodes[&nid];
    let fq = n.fqdn.to_lowercase();
    let v = json!({
        "debug": false,
        "uuid": n.uuid,
        "token_id": n.daemon_token_id,
        "token": n.daemon_token,
        "api": {
            "host": "0.0.0.0",
            "port": n.daemon_listen,
            "ssl": {
                "enabled": n.scheme == "https" && !n.behind_proxy,
                "cert": format!("/etc/letsencrypt/live/{fq}/fullchain.pem"),
                "key": format!("/etc/letsencrypt/live/{fq}/privkey.pem"),
            },
            "upload_limit": n.upload_size,
        },
        "system": {"data": n.daemon_base, "sftp": {"bind_port": n.daemon_sftp}},
        "allowed_mounts": [],
        "remote": r.base,
    });
    Out::json(200, v.to_string())
}

fn node_deployable(st: &SimState, r: &mut Req) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    // Query-string values are validated like a body.
    let mut input = Map::new();
    for (k, v) in &r.query {
        if let Some(base) = k.strip_suffix("[]") {
            let e = input
                .entry(base.to_string())
                .or_insert_with(|| Value::Array(vec![]));
            if let Value::Array(a) = e {
                a.push(Value::String(v.clone()));
            }
        } else {
            input.insert(k.clone(), Value::String(v.clone()));
        }
    }
    let mut input = Value::Object(input);
    crate::rules::normalize(&mut input);
    let mut v = Validator::new(r.d, &input);
    v.check("memory", "required|integer|min:0");
    v.check("disk", "required|integer|min:0");
    if pt {
        v.check("location_ids", "array");
    } else {
        v.check("cpu", "sometimes|integer|min:0");
        v.check("tags", "array");
    }
    v.check("page", "integer");
    validate(v)?;
    let num = |k: &str| get_path(&input, k).and_then(as_number).unwrap_or(0.0) as i64;
    let (mem, disk, cpu) = (num("memory"), num("disk"), num("cpu"));
    let list_of = |k: &str| -> Vec<String> {
        match get_path(&input, k) {
            Some(Value::Array(a)) => a.iter().map(php_string).collect(),
            _ => vec![],
        }
    };
    let locs: Vec<u64> = list_of("location_ids")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let tags = list_of("tags");
    let mut found: Vec<(&Node, NodeSums)> = Vec::new();
    for n in st.nodes.values().filter(|n| n.public) {
        if pt && !locs.is_empty() && !n.location_id.is_some_and(|l| locs.contains(&l)) {
            continue;
        }
        if !pt && !tags.is_empty() && !n.tags.iter().any(|t| tags.contains(t)) {
            continue;
        }
        let (um, ud, uc) = st.node_usage(n.id);
        let fits = |used: i64, req: i64, cap: i64, over: i64, special: bool| {
            if special && (cap <= 0 || over < 0) {
                return true;
            }
            (used + req) as f64 <= cap as f64 * (1.0 + over as f64 / 100.0)
        };
        let ok = fits(um, mem, n.memory, n.memory_overallocate, !pt)
            && fits(ud, disk, n.disk, n.disk_overallocate, !pt)
            && (pt || fits(uc, cpu, n.cpu, n.cpu_overallocate, true));
        if ok {
            let has = st
                .idx
                .servers_by_node
                .get(&n.id)
                .is_some_and(|s| !s.is_empty());
            found.push((
                n,
                NodeSums {
                    memory: um,
                    disk: ud,
                    cpu: uc,
                    has_servers: has,
                },
            ));
        }
    }
    if pt && found.is_empty() {
        return Err(ApiErr::display(
            "NoViableNodeException",
            "No nodes satisfying the requirements specified for automatic deployment could be found.",
        ));
    }
    let inc = r.includes();
    if pt && r.q("page").is_some() {
        return paginate(r, st, &found, 50, |w, c, (n, s)| {
            render::node(w, c, n, &inc, &[], Some(s))
        });
    }
    Ok(plain_list(st, &found, |w, c, (n, s)| {
        render::node(w, c, n, &inc, &[], Some(s))
    }))
}

// ---------------------------------------------------------------------------------------------
// Allocations

fn alloc_list(st: &SimState, r: &Req, nid: u64) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["ip", "port", "ip_alias", "server_id"])?;
    let inc = r.includes();
    let items: Vec<&Allocation> = st
        .idx
        .allocs_by_node
        .get(&nid)
        .into_iter()
        .flatten()
        .filter_map(|a| st.allocations.get(a))
        .filter(|a| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "ip" => exact(&a.ip, v),
                "port" => exact(&a.port.to_string(), v),
                "ip_alias" => partial(a.alias.as_deref(), v),
                _ => {
                    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                        a.server_id.map(|s| s.to_string()).as_deref() == Some(v.as_str())
                    } else {
                        a.server_id.is_none()
                    }
                }
            })
        })
        .collect();
    paginate(r, st, &items, 50, |w, c, a| {
        render::allocation(w, c, a, &inc)
    })
}

fn alloc_create(st: &mut SimState, r: &mut Req, nid: u64) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    let mut v = Validator::new(r.d, &r.input);
    v.check("ip", "required|string");
    v.check(
        "alias",
        if pt {
            "sometimes|nullable|string|max:191"
        } else {
            "sometimes|nullable|string|max:255"
        },
    );
    v.check("ports", "required|array");
    let ports: Vec<Value> = match r.input.get("ports") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(o)) => o.values().cloned().collect(),
        _ => vec![],
    };
    let port_keys: Vec<String> = match r.input.get("ports") {
        Some(Value::Object(o)) => o.keys().cloned().collect(),
        _ => (0..ports.len()).map(|i| i.to_string()).collect(),
    };
    for (k, p) in port_keys.iter().zip(&ports) {
        v.run(
            &format!("ports.{k}"),
            None,
            Some(p),
            &crate::rules::parse_rules("string"),
        );
    }
    validate(v)?;
    let ip_raw = r.str("ip").unwrap_or_default();
    let alias = r.str("alias");
    let ips = expand_ip(&ip_raw, pt)?;
    let mut rows: Vec<(String, u16)> = Vec::new();
    for p in &ports {
        let p = php_string(p);
        let digits = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        let range = parse_range(&p);
        if !digits && range.is_none() {
            return Err(ApiErr::display(
                "InvalidPortMappingException",
                format!("The mapping provided for {p} was invalid and could not be processed."),
            ));
        }
        let (lo, hi) = match range {
            Some((a, b)) => (a.min(b), a.max(b)),
            None => {
                let n = p.parse::<u64>().unwrap_or(u64::MAX);
                (n, n)
            }
        };
        if hi - lo + 1 > 1000 {
            return Err(ApiErr::display(
                "TooManyPortsInRangeException",
                "Adding more than 1000 ports in a single range at once is not supported.",
            ));
        }
        let floor_ok = if pt { lo > 1024 } else { lo >= 1024 };
        if !floor_ok || hi > 65535 {
            return Err(ApiErr::display(
                "PortOutOfRangeException",
                if pt {
                    "Ports in an allocation must be greater than 1024 and less than or equal to 65535."
                } else {
                    "Ports in an allocation must be greater than or equal to 1024 and less than or equal to 65535."
                },
            ));
        }
        for ip in &ips {
            for port in lo..=hi {
                rows.push((ip.clone(), port as u16));
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (ip, port) in &rows {
        let dup =
            st.idx.alloc_pairs.contains(&(nid, ip.clone(), *port)) || !seen.insert((ip, *port));
        if dup && !pt {
            // Unique-index violation; the transaction rolls everything back.
            return Err(ApiErr::server("QueryException"));
        }
    }
    for (ip, port) in rows {
        // PT: INSERT IGNORE (add_allocation returns the existing row for duplicates).
        st.add_allocation(nid, &ip, port, alias.as_deref());
    }
    r.changed = true;
    Ok(Out::empty())
}

fn parse_range(p: &str) -> Option<(u64, u64)> {
    let (a, b) = p.split_once('-')?;
    let ok = |x: &str| (4..=5).contains(&x.len()) && x.bytes().all(|c| c.is_ascii_digit());
    if ok(a) && ok(b) {
        Some((a.parse().ok()?, b.parse().ok()?))
    } else {
        None
    }
}

fn expand_ip(raw: &str, pt: bool) -> Result<Vec<String>, ApiErr> {
    let parse_err = |why: &str| {
        ApiErr::display(
            "DisplayException",
            format!("Could not parse provided allocation IP address ({raw}): {why}"),
        )
    };
    let (addr, mask) = match raw.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (raw, None),
    };
    let ip: std::net::IpAddr = match addr.parse() {
        Ok(ip) => ip,
        // PT resolves hostnames; the sim only knows localhost (no DNS in tests).
        Err(_) if pt && mask.is_none() && addr.eq_ignore_ascii_case("localhost") => {
            return Ok(vec!["127.0.0.1".into()]);
        }
        Err(_) => return Err(parse_err("Invalid IP address format")),
    };
    let Some(mask) = mask else {
        return Ok(vec![ip.to_string()]);
    };
    let m: u32 = mask
        .parse()
        .map_err(|_| parse_err("Invalid IP address format"))?;
    let min = if pt { 27 } else { 25 };
    if !(min..=32).contains(&m) {
        return Err(ApiErr::display(
            "CidrOutOfRangeException",
            "CIDR notation only allows masks between /25 and /32.",
        ));
    }
    match ip {
        std::net::IpAddr::V4(v4) => {
            let base = u32::from(v4) & (u32::MAX << (32 - m)).wrapping_mul((m != 0) as u32);
            let n = 1u32 << (32 - m);
            Ok((0..n)
                .map(|i| std::net::Ipv4Addr::from(base + i).to_string())
                .collect())
        }
        std::net::IpAddr::V6(_) => Err(parse_err("Unsupported IPv6 range")),
    }
}

// ---------------------------------------------------------------------------------------------
// Users

fn user_list(st: &SimState, r: &Req) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["email", "uuid", "username", "external_id"])?;
    let sort = sorts(r, &["id", "uuid"])?;
    let inc = r.includes();
    let mut items: Vec<&User> = st
        .users
        .values()
        .filter(|u| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "email" => partial(Some(&u.email), v),
                "uuid" => partial(Some(&u.uuid), v),
                "username" => partial(Some(&u.username), v),
                _ => partial(u.external_id.as_deref(), v),
            })
        })
        .collect();
    for (f, desc) in sort.iter().rev() {
        items.sort_by(|a, b| {
            let o = if f == "uuid" {
                a.uuid.cmp(&b.uuid)
            } else {
                a.id.cmp(&b.id)
            };
            if *desc { o.reverse() } else { o }
        });
    }
    paginate(r, st, &items, 50, |w, c, u| render::user(w, c, u, &inc))
}

fn user_save(st: &mut SimState, r: &mut Req, existing: Option<u64>) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    let max = if pt { 191 } else { 255 };
    let mut v = Validator::new(r.d, &r.input);
    {
        let idx = &st.idx;
        let free = |map: &std::collections::HashMap<String, u64>, val: &Value| {
            map.get(&php_string(val).to_lowercase())
                .is_none_or(|id| Some(*id) == existing)
        };
        v.check_with(
            "external_id",
            None,
            &format!("sometimes|nullable|string|max:{max}"),
            vec![Rule::Unique(Box::new(|val: &Value| {
                idx.user_by_external
                    .get(&php_string(val))
                    .is_none_or(|id| Some(*id) == existing)
            }))],
        );
        if pt {
            v.check_with(
                "username",
                None,
                &format!("required|between:1,{max}"),
                vec![
                    Rule::Unique(Box::new(|val: &Value| free(&idx.user_by_username, val))),
                    Rule::PUsername,
                ],
            );
        } else {
            v.check_with(
                "username",
                None,
                &format!("required|between:1,{max}"),
                vec![Rule::Unique(Box::new(|val: &Value| {
                    free(&idx.user_by_username, val)
                }))],
            );
        }
        v.check_with(
            "email",
            None,
            &format!("required|email|between:1,{max}"),
            vec![Rule::Unique(Box::new(|val: &Value| {
                free(&idx.user_by_email, val)
            }))],
        );
        if pt {
            v.check("first_name", "required|string|between:1,191");
            v.check("last_name", "required|string|between:1,191");
        }
        v.check("password", "sometimes|nullable|string");
        if pt {
            v.check("root_admin", "boolean");
            v.check("language", "string|in:en");
        } else {
            v.check("is_managed_externally", "boolean");
            v.check("language", "string");
            v.check("timezone", "string");
        }
    }
    validate(v)?;
    let now = now_unix();
    let mut u = match existing {
        Some(i) => st.users[&i].clone(),
        None => {
            let uuid = st.new_uuid();
            User {
                id: 0,
                external_id: None,
                uuid,
                username: String::new(),
                email: String::new(),
                first_name: String::new(),
                last_name: String::new(),
                language: "en".into(),
                root_admin: false,
                use_totp: false,
                is_managed_externally: false,
                timezone: None,
                password: None,
                roles: vec![],
                created_at: now,
                updated_at: now,
            }
        }
    };
    let old = u.clone();
    u.username = r.str("username").unwrap_or_default().to_lowercase();
    let email = r.str("email").unwrap_or_default();
    u.email = if pt {
        email
    } else {
        email.trim().to_lowercase()
    };
    if r.has("external_id") {
        u.external_id = r.str("external_id");
    }
    if let Some(p) = r.str("password") {
        u.password = Some(p);
    } else if existing.is_none() {
        u.password = Some(random_alnum(&mut st.rng, 30));
    }
    if let Some(l) = r.str("language") {
        u.language = l;
    }
    if pt {
        u.first_name = r.str("first_name").unwrap_or_default();
        u.last_name = r.str("last_name").unwrap_or_default();
        if let Some(b) = r.boolean("root_admin") {
            u.root_admin = b;
        }
    } else {
        if let Some(b) = r.boolean("is_managed_externally") {
            u.is_managed_externally = b;
        }
        if let Some(t) = r.str("timezone") {
            u.timezone = Some(t);
        }
    }
    u.updated_at = now;
    r.changed = true;
    let inc = r.includes();
    match existing {
        Some(i) => {
            st.remove_user_index(&old);
            st.insert_user(u);
            let u = &st.users[&i];
            Ok(item(st, 200, |w, c| render::user(w, c, u, &inc)))
        }
        None => {
            u.id = SimState::next_id(&mut st.counters.user);
            let uid = u.id;
            st.insert_user(u);
            let u = &st.users[&uid];
            Ok(item_with_resource(
                st,
                r.url(&format!("/users/{uid}")),
                |w, c| render::user(w, c, u, &inc),
            ))
        }
    }
}

fn user_delete(st: &mut SimState, r: &mut Req, uid: u64) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    let u = st.users[&uid].clone();
    if !pt {
        if st.is_root_admin(&u) {
            return Err(ApiErr {
                raw: Some("[]"),
                ..ApiErr::new(403, "AccessDeniedHttpException", "")
            });
        }
        if uid == st.api_key_owner {
            return Err(ApiErr::display(
                "DisplayException",
                "Cannot delete your own user account.",
            ));
        }
    }
    if st
        .idx
        .servers_by_user
        .get(&uid)
        .is_some_and(|s| !s.is_empty())
    {
        return Err(ApiErr::display(
            "DisplayException",
            "Cannot delete a user with active servers attached to their account. Please delete their servers before continuing.",
        ));
    }
    st.remove_user_index(&u);
    st.users.remove(&uid);
    r.changed = true;
    Ok(Out::empty())
}

fn user_roles(st: &mut SimState, r: &mut Req, uid: u64, assign: bool) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    v.check("roles", "required|array");
    if let Some(Value::Array(items)) = r.input.get("roles") {
        for (i, it) in items.iter().enumerate() {
            v.run(
                &format!("roles.{i}"),
                None,
                Some(it),
                &[
                    Rule::Integer,
                    Rule::Exists(Box::new(|val: &Value| {
                        as_number(val).is_some_and(|f| st.roles.contains_key(&(f as u64)))
                    })),
                ],
            );
        }
    }
    validate(v)?;
    let root = st.root_admin_role();
    let is_root = st.users.get(&uid).is_some_and(|u| st.is_root_admin(u));
    if !is_root {
        let items = match r.input.get("roles") {
            Some(Value::Array(a)) => a.clone(),
            _ => vec![],
        };
        if let Some(u) = st.users.get_mut(&uid) {
            for it in items {
                // Strict comparison in PL: only a JSON integer equal to the id is skipped.
                if it.as_u64().is_some() && it.as_u64() == root {
                    continue;
                }
                let Some(rid) = as_number(&it).map(|f| f as u64) else {
                    continue;
                };
                if assign {
                    if !u.roles.contains(&rid) {
                        u.roles.push(rid);
                    }
                } else {
                    u.roles.retain(|x| *x != rid);
                }
            }
            u.updated_at = now_unix();
        }
        r.changed = true;
    }
    let inc = r.includes();
    let u = &st.users[&uid];
    Ok(item(st, 200, |w, c| render::user(w, c, u, &inc)))
}

// ---------------------------------------------------------------------------------------------
// Servers

fn check_server_includes(st: &SimState, inc: &Inc) -> Result<(), ApiErr> {
    let _ = st;
    if inc.get("transfer").is_some()
        || inc
            .get("variables")
            .is_some_and(|v| v.get("parent").is_some())
    {
        // Declared-but-broken includes crash the transformer in both panels.
        return Err(ApiErr::server("BadMethodCallException"));
    }
    Ok(())
}

fn server_get(st: &SimState, r: &Req, sid: u64) -> Res {
    let inc = r.includes();
    check_server_includes(st, &inc)?;
    let s = st.servers.get(&sid).ok_or_else(ApiErr::not_found)?;
    Ok(item(st, 200, |w, c| render::server(w, c, s, &inc)))
}

fn server_list(st: &SimState, r: &Req) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    let filters = r.filters();
    let short = if pt { "uuidShort" } else { "uuid_short" };
    check_filters(
        &filters,
        &["uuid", short, "name", "description", "image", "external_id"],
    )?;
    let sort = sorts(r, &["id", "uuid"])?;
    let inc = r.includes();
    check_server_includes(st, &inc)?;
    let mut items: Vec<&Server> = st
        .servers
        .values()
        .filter(|s| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "uuid" => partial(Some(&s.uuid), v),
                "name" => partial(Some(&s.name), v),
                "description" => partial(Some(&s.description), v),
                "image" => partial(Some(&s.image), v),
                "external_id" => partial(s.external_id.as_deref(), v),
                _ => partial(s.uuid.get(..8), v),
            })
        })
        .collect();
    for (f, desc) in sort.iter().rev() {
        items.sort_by(|a, b| {
            let o = if f == "uuid" {
                a.uuid.cmp(&b.uuid)
            } else {
                a.id.cmp(&b.id)
            };
            if *desc { o.reverse() } else { o }
        });
    }
    paginate(r, st, &items, 50, |w, c, s| render::server(w, c, s, &inc))
}

fn exists_user(st: &SimState) -> Rule<'_> {
    Rule::Exists(Box::new(move |v: &Value| {
        is_integer(v) && as_number(v).is_some_and(|f| st.users.contains_key(&(f as u64)))
    }))
}

fn exists_egg(st: &SimState) -> Rule<'_> {
    Rule::Exists(Box::new(move |v: &Value| {
        is_integer(v) && as_number(v).is_some_and(|f| st.eggs.contains_key(&(f as u64)))
    }))
}

/// Validates egg variables as the VariableValidatorService does; returns the values to store.
fn validate_variables(
    st: &SimState,
    d: Dialect,
    egg_id: u64,
    env: &Value,
) -> Result<Vec<(u64, String)>, ApiErr> {
    let Some(egg) = st.eggs.get(&egg_id) else {
        return Ok(vec![]);
    };
    let empty = Map::new();
    let env = env.as_object().unwrap_or(&empty);
    let mut v = Validator::new(d, &Value::Null);
    let mut out = Vec::new();
    for var in &egg.variables {
        let given = env.get(&var.env_variable);
        let value = match (given, d) {
            (Some(x), _) => x.clone(),
            (None, Dialect::Pterodactyl) => Value::Null,
            (None, Dialect::Pelican) => Value::String(var.default_value.clone()),
        };
        let rules: Vec<Rule> = var
            .rules
            .iter()
            .map(|r| crate::rules::parse_rule(r))
            .collect();
        v.run(
            &format!("environment.{}", var.env_variable),
            Some(&format!("{} variable", var.name)),
            Some(&value),
            &rules,
        );
        out.push((var.id, given.map(php_string).unwrap_or_default()));
    }
    validate(v)?;
    Ok(out)
}

fn limit_rules(v: &mut Validator, d: Dialect, prefix: &str, req: &str) {
    let pt = d == Dialect::Pterodactyl;
    v.check(&format!("{prefix}memory"), &format!("{req}|numeric|min:0"));
    v.check(&format!("{prefix}swap"), &format!("{req}|numeric|min:-1"));
    v.check(&format!("{prefix}disk"), &format!("{req}|numeric|min:0"));
    v.check(
        &format!("{prefix}io"),
        &format!("{req}|numeric|between:{},1000", if pt { 10 } else { 0 }),
    );
    v.check(&format!("{prefix}threads"), r"nullable|regex:/^[0-9-,]+$/");
    v.check(&format!("{prefix}cpu"), &format!("{req}|numeric|min:0"));
}

fn feature_rules(v: &mut Validator) {
    v.check("feature_limits", "required|array");
    v.check("feature_limits.databases", "present|nullable|integer|min:0");
    v.check(
        "feature_limits.allocations",
        "sometimes|nullable|integer|min:0",
    );
    v.check("feature_limits.backups", "present|nullable|integer|min:0");
}

fn free_alloc(st: &SimState) -> impl Fn(&Value) -> bool + '_ {
    move |v: &Value| {
        is_integer(v)
            && as_number(v)
                .and_then(|f| st.allocations.get(&(f as u64)))
                .is_some_and(|a| a.server_id.is_none())
    }
}

fn server_create(st: &mut SimState, r: &mut Req) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    let max = if pt { 191 } else { 255 };
    let deploy = r.get("deploy").is_some();
    {
        let stt: &SimState = st;
        let mut v = Validator::new(r.d, &r.input);
        v.check_with(
            "external_id",
            None,
            &format!("sometimes|nullable|string|between:1,{max}"),
            vec![Rule::Unique(Box::new(|val: &Value| {
                !stt.idx.server_by_external.contains_key(&php_string(val))
            }))],
        );
        v.check("name", &format!("required|string|min:1|max:{max}"));
        v.check("description", "nullable|string");
        v.check_with("user", None, "required|integer", vec![exists_user(stt)]);
        v.check_with("egg", None, "required", vec![exists_egg(stt)]);
        if pt {
            v.check("docker_image", r"required|max:191|regex:/^[\w\.\/\-:@ ]*$/");
            v.check("startup", "required|string");
        } else {
            v.check("docker_image", "string|nullable");
            v.check("startup", "string|nullable");
        }
        v.check("environment", "present|array");
        v.check("skip_scripts", "sometimes|boolean");
        if pt {
            v.check("oom_disabled", "sometimes|boolean");
        } else {
            v.check("oom_killer", "sometimes|boolean");
        }
        v.check("limits", "required|array");
        limit_rules(&mut v, r.d, "limits.", "required");
        feature_rules(&mut v);
        if !deploy {
            v.check_with(
                "allocation.default",
                None,
                "required|integer",
                vec![Rule::Exists(Box::new(free_alloc(stt)))],
            );
            if let Some(Value::Array(add)) =
                r.input.get("allocation").and_then(|a| a.get("additional"))
            {
                for (i, a) in add.iter().enumerate() {
                    v.run(
                        &format!("allocation.additional.{i}"),
                        None,
                        Some(a),
                        &[Rule::Integer, Rule::Exists(Box::new(free_alloc(stt)))],
                    );
                }
            }
        }
        v.check("deploy", "sometimes|required|array");
        if pt {
            v.check("deploy.locations", "array");
        } else {
            v.check("deploy.tags", "array");
        }
        v.check("deploy.dedicated_ip", "required_with:deploy");
        if !pt {
            v.check("deploy.dedicated_ip", "nullable|boolean");
        }
        v.check("deploy.port_range", "array");
        v.check("start_on_completion", "sometimes|boolean");
        validate(v)?;
    }
    let egg_id = r.int("egg").unwrap_or(0) as u64;
    let memory = r.int("limits.memory").unwrap_or(0);
    let disk = r.int("limits.disk").unwrap_or(0);
    let cpu = r.int("limits.cpu").unwrap_or(0);
    // Placement: explicit allocations, or automatic deployment.
    let (node_id, primary, additional) = if deploy {
        let (n, a) = deploy_target(st, r, memory, disk, cpu)?;
        (n, a, vec![])
    } else {
        let a = r.int("allocation.default").unwrap_or(0) as u64;
        let n = st.allocations.get(&a).map(|x| x.node_id).unwrap_or(0);
        let add: Vec<u64> = r.ids("allocation.additional");
        (n, Some(a), add)
    };
    let env = r.input.get("environment").cloned().unwrap_or(Value::Null);
    let vars = validate_variables(st, r.d, egg_id, &env)?;
    let egg = st.eggs.get(&egg_id);
    let image = r
        .str("docker_image")
        .unwrap_or_else(|| egg.map(|e| e.first_image().to_string()).unwrap_or_default());
    let startup = r
        .str("startup")
        .unwrap_or_else(|| egg.map(|e| e.startup().to_string()).unwrap_or_default());
    let nest_id = egg.and_then(|e| e.nest_id);
    let now = now_unix();
    let uuid = loop {
        let u = st.new_uuid();
        // identifier (first 8 chars) must be unique too.
        if !st
            .idx
            .server_identifiers
            .contains_key(crate::state::server_identifier(&u))
        {
            break u;
        }
    };
    let oom_disabled = if pt {
        r.boolean("oom_disabled").unwrap_or(true)
    } else {
        !r.boolean("oom_killer").unwrap_or(false)
    };
    let server = Server {
        id: SimState::next_id(&mut st.counters.server),
        external_id: r.str("external_id"),
        uuid,
        name: r.str("name").unwrap_or_default(),
        description: r.str("description").unwrap_or_default(),
        status: Some("installing".into()),
        memory,
        swap: r.int("limits.swap").unwrap_or(0),
        disk,
        io: r.int("limits.io").unwrap_or(500),
        cpu,
        threads: r.str("limits.threads"),
        oom_disabled,
        // `?? 0` in ServerCreationService: null feature limits are stored as 0.
        database_limit: Some(r.int("feature_limits.databases").unwrap_or(0)),
        allocation_limit: Some(r.int("feature_limits.allocations").unwrap_or(0)),
        backup_limit: Some(r.int("feature_limits.backups").unwrap_or(0)),
        user_id: r.int("user").unwrap_or(0) as u64,
        node_id,
        allocation_id: primary,
        nest_id,
        egg_id,
        startup,
        image,
        skip_scripts: r.boolean("skip_scripts").unwrap_or(false),
        variables: vars.into_iter().collect(),
        created_at: now,
        updated_at: now,
    };
    let sid = server.id;
    st.insert_server(server);
    for a in primary.into_iter().chain(additional) {
        st.assign_allocation(a, sid);
    }
    r.changed = true;
    if st.auto_install {
        r.installed.push(sid);
    }
    let inc = r.includes();
    let s = &st.servers[&sid];
    Ok(item(st, 201, |w, c| render::server(w, c, s, &inc)))
}

fn deploy_target(
    st: &SimState,
    r: &Req,
    memory: i64,
    disk: i64,
    cpu: i64,
) -> Result<(u64, Option<u64>), ApiErr> {
    let pt = r.d == Dialect::Pterodactyl;
    let locs = r.ids("deploy.locations");
    let tags: Vec<String> = match r.get("deploy.tags") {
        Some(Value::Array(a)) => a.iter().map(php_string).collect(),
        _ => vec![],
    };
    let nodes: Vec<&Node> = st
        .nodes
        .values()
        .filter(|n| n.public)
        .filter(|n| {
            if pt {
                locs.is_empty() || n.location_id.is_some_and(|l| locs.contains(&l))
            } else {
                tags.is_empty() || n.tags.iter().any(|t| tags.contains(t))
            }
        })
        .filter(|n| {
            let (um, ud, uc) = st.node_usage(n.id);
            let fits = |used: i64, req: i64, cap: i64, over: i64| {
                if !pt && (cap <= 0 || over < 0) {
                    return true;
                }
                (used + req) as f64 <= cap as f64 * (1.0 + over as f64 / 100.0)
            };
            fits(um, memory, n.memory, n.memory_overallocate)
                && fits(ud, disk, n.disk, n.disk_overallocate)
                && (pt || fits(uc, cpu, n.cpu, n.cpu_overallocate))
        })
        .collect();
    if nodes.is_empty() {
        return Err(ApiErr::display(
            "NoViableNodeException",
            "No nodes satisfying the requirements specified for automatic deployment could be found.",
        ));
    }
    let mut ports: Vec<(u64, u64)> = Vec::new();
    if let Some(Value::Array(items)) = r.get("deploy.port_range") {
        for it in items {
            let s = php_string(it);
            if let Some((a, b)) = parse_range(&s) {
                if b.saturating_sub(a) > 1000 {
                    return Err(ApiErr::display(
                        "DisplayException",
                        "You cannot assign more than 1000 ports in a single range.",
                    ));
                }
                ports.push((a, b));
            } else if let Ok(p) = s.parse::<u64>() {
                ports.push((p, p));
            }
        }
    }
    let range_given = matches!(r.get("deploy.port_range"), Some(Value::Array(a)) if !a.is_empty());
    if !pt && !range_given {
        // PL: no port range -> placed without any allocation.
        return Ok((nodes[0].id, None));
    }
    let dedicated = r.boolean("deploy.dedicated_ip").unwrap_or(false);
    for n in &nodes {
        let allocs: Vec<&Allocation> = st
            .idx
            .allocs_by_node
            .get(&n.id)
            .into_iter()
            .flatten()
            .filter_map(|a| st.allocations.get(a))
            .collect();
        let used_ips: BTreeSet<&str> = allocs
            .iter()
            .filter(|a| a.server_id.is_some())
            .map(|a| a.ip.as_str())
            .collect();
        if let Some(a) = allocs.iter().find(|a| {
            a.server_id.is_none()
                && (ports.is_empty()
                    || ports
                        .iter()
                        .any(|(lo, hi)| (*lo..=*hi).contains(&(a.port as u64))))
                && (!dedicated || !used_ips.contains(a.ip.as_str()))
        }) {
            return Ok((n.id, Some(a.id)));
        }
    }
    Err(ApiErr::display(
        "NoViableAllocationException",
        "No allocations satisfying the requirements for automatic deployment were found.",
    ))
}

fn server_details(st: &mut SimState, r: &mut Req, sid: u64) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    let max = if pt { 191 } else { 255 };
    {
        let stt: &SimState = st;
        let mut v = Validator::new(r.d, &r.input);
        v.check_with(
            "external_id",
            None,
            &format!("sometimes|nullable|string|between:1,{max}"),
            vec![Rule::Unique(Box::new(|val: &Value| {
                stt.idx
                    .server_by_external
                    .get(&php_string(val))
                    .is_none_or(|id| *id == sid)
            }))],
        );
        v.check("name", &format!("required|string|min:1|max:{max}"));
        v.check_with("user", None, "required|integer", vec![exists_user(stt)]);
        v.check("description", "nullable|string");
        validate(v)?;
    }
    let old = st.servers[&sid].clone();
    if let Some(s) = st.servers.get_mut(&sid) {
        s.name = r.str("name").unwrap_or_default();
        s.user_id = r.int("user").unwrap_or(0) as u64;
        // Full replacement: omitted keys become null / "".
        s.external_id = r.str("external_id");
        s.description = r.str("description").unwrap_or_default();
        s.updated_at = now_unix();
    }
    st.reindex_server(&old);
    r.changed = true;
    server_get(st, r, sid)
}

fn server_build(st: &mut SimState, r: &mut Req, sid: u64) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    {
        let stt: &SimState = st;
        let mut v = Validator::new(r.d, &r.input);
        let alloc_ok = |val: &Value| {
            is_integer(val)
                && as_number(val).is_some_and(|f| stt.allocations.contains_key(&(f as u64)))
        };
        let not_other_primary = |val: &Value| {
            let a = as_number(val).map(|f| f as u64);
            !stt.servers
                .values()
                .any(|s| s.id != sid && s.allocation_id.is_some() && s.allocation_id == a)
        };
        v.check_with(
            "allocation",
            None,
            if pt { "required" } else { "nullable" },
            vec![
                Rule::Unique(Box::new(not_other_primary)),
                Rule::Exists(Box::new(alloc_ok)),
            ],
        );
        if pt {
            v.check("oom_disabled", "sometimes|boolean");
        } else {
            v.check("oom_killer", "sometimes|boolean");
        }
        v.check("limits", "sometimes|array");
        limit_rules(&mut v, r.d, "limits.", "required_with:limits");
        if pt {
            limit_rules(&mut v, r.d, "", "required_without:limits");
        }
        v.check("add_allocations", "array");
        v.check("remove_allocations", "array");
        for key in ["add_allocations", "remove_allocations"] {
            if let Some(Value::Array(items)) = r.input.get(key) {
                for (i, it) in items.iter().enumerate() {
                    v.run(&format!("{key}.{i}"), None, Some(it), &[Rule::Integer]);
                }
            }
        }
        feature_rules(&mut v);
        validate(v)?;
    }
    if !pt && !r.has("allocation") {
        // PL reads a missing array key in validated(): PHP error -> 500.
        return Err(ApiErr::server("ErrorException"));
    }
    let server = st.servers[&sid].clone();
    let add: Vec<u64> = r
        .ids("add_allocations")
        .into_iter()
        .filter(|a| {
            st.allocations
                .get(a)
                .is_some_and(|x| x.node_id == server.node_id && x.server_id.is_none())
        })
        .collect();
    let remove: Vec<u64> = r
        .ids("remove_allocations")
        .into_iter()
        .filter(|a| {
            st.allocations
                .get(a)
                .is_some_and(|x| x.server_id == Some(sid))
        })
        .filter(|a| !add.contains(a))
        .collect();
    let owned_after: BTreeSet<u64> = st
        .idx
        .allocs_by_server
        .get(&sid)
        .into_iter()
        .flatten()
        .copied()
        .chain(add.iter().copied())
        .filter(|a| !remove.contains(a))
        .collect();
    let requested = r.int("allocation").map(|a| a as u64);
    let primary: Option<u64> = if pt {
        let mut target = requested.or(server.allocation_id);
        if target.is_some_and(|t| r.ids("remove_allocations").contains(&t)) {
            match add.first() {
                Some(f) => target = Some(*f),
                None => {
                    return Err(ApiErr::display(
                        "DisplayException",
                        "You are attempting to delete the default allocation for this server but there is no fallback allocation to use.",
                    ));
                }
            }
        }
        if target != server.allocation_id && !target.is_some_and(|t| owned_after.contains(&t)) {
            return Err(ApiErr::display(
                "DisplayException",
                "The requested default allocation is not currently assigned to this server.",
            ));
        }
        target
    } else {
        match requested {
            None => None,
            Some(t) if remove.contains(&t) => owned_after
                .iter()
                .copied()
                .next()
                .or_else(|| add.first().copied()),
            Some(t) if owned_after.contains(&t) => Some(t),
            Some(_) => return Err(ApiErr::not_found()),
        }
    };
    for a in &add {
        st.assign_allocation(*a, sid);
        if let Some(x) = st.allocations.get_mut(a) {
            x.notes = None;
        }
    }
    for a in &remove {
        st.release_allocation(*a, true);
    }
    let limits_given = r.get("limits").is_some();
    let lim = |k: &str| -> Option<i64> {
        if limits_given {
            r.int(&format!("limits.{k}"))
        } else if pt {
            r.int(k)
        } else {
            None
        }
    };
    if let Some(s) = st.servers.get_mut(&sid) {
        s.allocation_id = primary;
        if let Some(x) = lim("memory") {
            s.memory = x;
        }
        if let Some(x) = lim("swap") {
            s.swap = x;
        }
        if let Some(x) = lim("disk") {
            s.disk = x;
        }
        if let Some(x) = lim("io") {
            s.io = x;
        }
        if let Some(x) = lim("cpu") {
            s.cpu = x;
        }
        if limits_given {
            s.threads = r.str("limits.threads");
        } else if pt {
            s.threads = r.str("threads");
        }
        if pt {
            if let Some(b) = r.boolean("oom_disabled") {
                s.oom_disabled = b;
            }
        } else if let Some(b) = r.boolean("oom_killer") {
            s.oom_disabled = !b;
        }
        s.database_limit = r.int("feature_limits.databases");
        s.allocation_limit = r.int("feature_limits.allocations");
        s.backup_limit = Some(r.int("feature_limits.backups").unwrap_or(0));
        s.updated_at = now_unix();
    }
    r.changed = true;
    server_get(st, r, sid)
}

fn server_startup(st: &mut SimState, r: &mut Req, sid: u64) -> Res {
    let pt = r.d == Dialect::Pterodactyl;
    {
        let stt: &SimState = st;
        let mut v = Validator::new(r.d, &r.input);
        if pt {
            v.check("startup", "required|string");
        } else {
            v.check("startup", "sometimes|string");
        }
        v.check("environment", "present|array");
        v.check_with("egg", None, "required", vec![exists_egg(stt)]);
        if pt {
            v.check("image", r"required|string|max:191|regex:/^[\w\.\/\-:@ ]*$/");
        } else {
            v.check("image", "sometimes|string");
        }
        v.check("skip_scripts", "present|boolean");
        validate(v)?;
    }
    let egg_id = r.int("egg").unwrap_or(0) as u64;
    let env = r.input.get("environment").cloned().unwrap_or(Value::Null);
    let non_empty = env.as_object().is_some_and(|o| !o.is_empty())
        || env.as_array().is_some_and(|a| !a.is_empty());
    let vars = if non_empty {
        Some(validate_variables(st, r.d, egg_id, &env)?)
    } else {
        None
    };
    let old = st.servers[&sid].clone();
    let egg_changed = old.egg_id != egg_id;
    let (egg_startup, egg_image, nest) = st
        .eggs
        .get(&egg_id)
        .map(|e| {
            (
                e.startup().to_string(),
                e.first_image().to_string(),
                e.nest_id,
            )
        })
        .unwrap_or_default();
    if let Some(s) = st.servers.get_mut(&sid) {
        if let Some(vars) = vars {
            s.variables = vars.into_iter().collect();
        }
        if let Some(x) = r.str("startup") {
            s.startup = x;
        } else if egg_changed && !pt {
            s.startup = egg_startup;
        }
        if let Some(x) = r.str("image") {
            s.image = x;
        } else if egg_changed && !pt {
            s.image = egg_image;
        }
        s.egg_id = egg_id;
        s.nest_id = nest;
        s.skip_scripts = r.boolean("skip_scripts").unwrap_or(false);
        s.updated_at = now_unix();
    }
    st.reindex_server(&old);
    r.changed = true;
    server_get(st, r, sid)
}

// ---------------------------------------------------------------------------------------------
// Roles (PL)

fn role_list(st: &SimState, r: &Req) -> Res {
    let filters = r.filters();
    check_filters(&filters, &["id", "name"])?;
    let sort = sorts(r, &["id", "name"])?;
    let inc = r.includes();
    let mut items: Vec<&Role> = st
        .roles
        .values()
        .filter(|x| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "id" => partial(Some(&x.id.to_string()), v),
                _ => partial(Some(&x.name), v),
            })
        })
        .collect();
    for (f, desc) in sort.iter().rev() {
        items.sort_by(|a, b| {
            let o = if f == "name" {
                a.name.cmp(&b.name)
            } else {
                a.id.cmp(&b.id)
            };
            if *desc { o.reverse() } else { o }
        });
    }
    paginate(r, st, &items, 10, |w, _, x| render::role(w, x, &inc))
}

fn role_save(st: &mut SimState, r: &mut Req, existing: Option<u64>) -> Res {
    let mut v = Validator::new(r.d, &r.input);
    v.check("name", "required|string|max:255");
    validate(v)?;
    let name = r.str("name").unwrap_or_default();
    if st
        .roles
        .values()
        .any(|x| x.name == name && Some(x.id) != existing)
    {
        // No uniqueness rule: the permission library / unique index throws.
        return Err(ApiErr::server("RoleAlreadyExists"));
    }
    let inc = r.includes();
    match existing {
        Some(i) => {
            if st.roles[&i].name == "Root Admin" {
                return Err(ApiErr::server("PanelException"));
            }
            if let Some(x) = st.roles.get_mut(&i) {
                x.name = name;
                x.updated_at = now_unix();
            }
            r.changed = true;
            let x = &st.roles[&i];
            Ok(item(st, 200, |w, _| render::role(w, x, &inc)))
        }
        None => {
            let i = st.add_role(&name);
            r.changed = true;
            let x = &st.roles[&i];
            Ok(item_with_resource(
                st,
                r.url(&format!("/roles/{i}")),
                |w, _| render::role(w, x, &inc),
            ))
        }
    }
}

pub fn parse_q(q: &str) -> Vec<(String, String)> {
    parse_query(q)
}
