//! The Application API's routes in one table (per dialect, in Laravel's registration order),
//! route-model binding and dispatch to the resource modules in [`crate::kinds`].

use crate::kinds::server::Suspension;
use crate::kinds::user::RoleChange;
use crate::kinds::{allocation, database, database_host, egg, location, node, role, server, user};
use crate::request::Req;
use crate::response::{ApiErr, Res};
use crate::state::SimState;
use roost_model::Dialect;

/// A matched route: the resource and its operation.
#[derive(Debug, Clone, PartialEq)]
pub enum R {
    Location(location::Route),
    Node(node::Route),
    Allocation(allocation::Route),
    User(user::Route),
    Server(server::Route),
    Egg(egg::Route),
    Role(role::Route),
    DatabaseHost(database_host::Route),
    Database(database::Route),
}

pub enum RouteErr {
    NotFound,
    Method(Vec<&'static str>),
}

/// Candidate (method, route) pairs for a path, in Laravel's registration order.
fn candidates(d: Dialect, segs: &[&str]) -> Vec<(&'static str, R)> {
    use Dialect::{Pelican, Pterodactyl};
    use R::{
        Allocation as A, Egg as E, Location as L, Node as N, Role as Ro, Server as S, User as U,
    };
    use R::{Database as D, DatabaseHost as H};
    use allocation::Route as Alloc;
    use database::Route as Db;
    use database_host::Route as Host;
    use egg::Route as Eg;
    use location::Route as Loc;
    use node::Route as Nd;
    use role::Route as Rl;
    use server::Route as Srv;
    use user::Route as Usr;
    let s = |x: &str| x.to_string();
    match (d, segs) {
        (Pterodactyl, ["locations"]) => vec![("GET", L(Loc::List)), ("POST", L(Loc::Create))],
        (Pterodactyl, ["locations", id]) => vec![
            ("GET", L(Loc::Get(s(id)))),
            ("PATCH", L(Loc::Patch(s(id)))),
            ("DELETE", L(Loc::Delete(s(id)))),
        ],
        (_, ["nodes"]) => vec![("GET", N(Nd::List)), ("POST", N(Nd::Create))],
        (_, ["nodes", "deployable"]) => vec![("GET", N(Nd::Deployable))],
        (_, ["nodes", id]) => vec![
            ("GET", N(Nd::Get(s(id)))),
            ("PATCH", N(Nd::Patch(s(id)))),
            ("DELETE", N(Nd::Delete(s(id)))),
        ],
        (_, ["nodes", id, "configuration"]) => vec![("GET", N(Nd::Configuration(s(id))))],
        (_, ["nodes", id, "allocations"]) => vec![
            ("GET", A(Alloc::List(s(id)))),
            ("POST", A(Alloc::Create(s(id)))),
        ],
        (_, ["nodes", id, "allocations", a]) => vec![("DELETE", A(Alloc::Delete(s(id), s(a))))],
        (_, ["users"]) => vec![("GET", U(Usr::List)), ("POST", U(Usr::Create))],
        (_, ["users", "external", ext]) => vec![("GET", U(Usr::External(s(ext))))],
        (_, ["users", id]) => vec![
            ("GET", U(Usr::Get(s(id)))),
            ("PATCH", U(Usr::Patch(s(id)))),
            ("DELETE", U(Usr::Delete(s(id)))),
        ],
        (Pelican, ["users", id, "roles", "assign"]) => {
            vec![("PATCH", U(Usr::Roles(s(id), RoleChange::Assign)))]
        }
        (Pelican, ["users", id, "roles", "remove"]) => {
            vec![("PATCH", U(Usr::Roles(s(id), RoleChange::Remove)))]
        }
        (_, ["servers"]) => vec![("GET", S(Srv::List)), ("POST", S(Srv::Create))],
        (_, ["servers", "external", ext]) => vec![("GET", S(Srv::External(s(ext))))],
        (_, ["servers", id]) => vec![
            ("GET", S(Srv::Get(s(id)))),
            (
                "DELETE",
                S(Srv::Delete {
                    id: s(id),
                    force: false,
                }),
            ),
        ],
        (_, ["servers", id, "databases"]) => vec![
            ("GET", D(Db::List(s(id)))),
            ("POST", D(Db::Create(s(id)))),
            server_delete(id, "databases"),
        ],
        (_, ["servers", id, "databases", db]) => vec![
            ("GET", D(Db::Get(s(id), s(db)))),
            ("DELETE", D(Db::Delete(s(id), s(db)))),
        ],
        (_, ["servers", id, "databases", db, "reset-password"]) => {
            vec![("POST", D(Db::ResetPassword(s(id), s(db))))]
        }
        (_, ["servers", id, action]) => server_action(id, action),
        (Pterodactyl, ["nests"]) => vec![("GET", E(Eg::NestList))],
        (Pterodactyl, ["nests", id]) => vec![("GET", E(Eg::NestGet(s(id))))],
        (Pterodactyl, ["nests", id, "eggs"]) => vec![("GET", E(Eg::NestEggs(s(id))))],
        (Pterodactyl, ["nests", id, "eggs", e]) => vec![("GET", E(Eg::NestEgg(s(id), s(e))))],
        (Pelican, ["eggs"]) => vec![("GET", E(Eg::EggList))],
        (Pelican, ["eggs", id]) => vec![
            ("GET", E(Eg::EggGet(s(id)))),
            ("DELETE", E(Eg::EggDelete(s(id)))),
        ],
        (Pelican, ["database-hosts"]) => vec![("GET", H(Host::List))],
        (Pelican, ["database-hosts", id]) => vec![("GET", H(Host::Get(s(id))))],
        (Pelican, ["roles"]) => vec![("GET", Ro(Rl::List)), ("POST", Ro(Rl::Create))],
        (Pelican, ["roles", id]) => vec![
            ("GET", Ro(Rl::Get(s(id)))),
            ("PATCH", Ro(Rl::Patch(s(id)))),
            ("DELETE", Ro(Rl::Delete(s(id)))),
        ],
        _ => vec![],
    }
}

/// `POST`/`PATCH /servers/{id}/{action}`, and the delete every such path also matches.
fn server_action(id: &str, action: &str) -> Vec<(&'static str, R)> {
    use server::Route as Srv;
    let s = |x: &str| x.to_string();
    let mut v = match action {
        "details" => vec![("PATCH", R::Server(Srv::Details(s(id))))],
        "build" => vec![("PATCH", R::Server(Srv::Build(s(id))))],
        "startup" => vec![("PATCH", R::Server(Srv::Startup(s(id))))],
        "suspend" => vec![(
            "POST",
            R::Server(Srv::Suspension(s(id), Suspension::Suspend)),
        )],
        "unsuspend" => vec![(
            "POST",
            R::Server(Srv::Suspension(s(id), Suspension::Unsuspend)),
        )],
        "reinstall" => vec![("POST", R::Server(Srv::Reinstall(s(id))))],
        _ => vec![],
    };
    v.push(server_delete(id, action));
    v
}

/// `DELETE /servers/{server}/{force?}` matches any second segment (`databases` too: that
/// deletes the server); only the literal `force` forces.
fn server_delete(id: &str, segment: &str) -> (&'static str, R) {
    (
        "DELETE",
        R::Server(server::Route::Delete {
            id: id.to_string(),
            force: segment == "force",
        }),
    )
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

/// Route-model binding: every id in the path must exist (and children belong to their parent).
pub fn bind(st: &SimState, route: &R) -> Result<(), ApiErr> {
    match route {
        R::Location(r) => location::bind(st, r),
        R::Node(r) => node::bind(st, r),
        R::Allocation(r) => allocation::bind(st, r),
        R::User(r) => user::bind(st, r),
        R::Server(r) => server::bind(st, r),
        R::Egg(r) => egg::bind(st, r),
        R::Role(r) => role::bind(st, r),
        R::DatabaseHost(r) => database_host::bind(st, r),
        R::Database(r) => database::bind(st, r),
    }
}

pub fn handle(st: &mut SimState, req: &mut Req, route: R) -> Res {
    match route {
        R::Location(r) => location::handle(st, req, r),
        R::Node(r) => node::handle(st, req, r),
        R::Allocation(r) => allocation::handle(st, req, r),
        R::User(r) => user::handle(st, req, r),
        R::Server(r) => server::handle(st, req, r),
        R::Egg(r) => egg::handle(st, req, r),
        R::Role(r) => role::handle(st, req, r),
        R::DatabaseHost(r) => database_host::handle(st, req, r),
        R::Database(r) => database::handle(st, req, r),
    }
}
