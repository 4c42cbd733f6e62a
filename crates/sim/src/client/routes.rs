//! The Client API's routes in one table (per dialect, in each panel's `routes/api-client.php`
//! order), and what the order of checks needs to know about each route: the server it names,
//! its state-conflict exception and its per-server limiter.

use super::{account, backups, databases, files, network, schedules, settings, startup, subusers};
use crate::router::RouteErr;
use roost_model::Dialect;

/// A matched client route.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// `GET /api/client`.
    List,
    /// `GET /api/client/permissions`.
    Permissions,
    Account(account::Route),
    /// A route under `/servers/{server}`: the `{server}` segment as sent, and the rest.
    Server(String, ServerRoute),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ServerRoute {
    View,
    Websocket,
    Resources,
    Activity,
    Command,
    Power,
    Database(databases::Route),
    Files(files::Route),
    Schedule(schedules::Route),
    Network(network::Route),
    Subuser(subusers::Route),
    Backup(backups::Route),
    Startup(startup::Route),
    Settings(settings::Route),
}

/// Routes the state-conflict check lets through for some users (client/README.md §4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConflictClass {
    /// `api:client:server.view`: never a conflict.
    View,
    /// `api:client:server.resources`: still blocked, but not by the suspension rule alone.
    Resources,
    /// `api:client:server.ws`: admins pass unless suspended or the node is in maintenance.
    Websocket,
    Other,
}

/// Pelican's per-server limiters (`App\Enums\ResourceLimit`) and Pterodactyl's `throttle:10,5`
/// on file pulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limiter {
    Websocket,
    AllocationCreate,
    BackupRestore,
    DatabaseCreate,
    ScheduleCreate,
    SubuserCreate,
    FilePull,
}

impl ServerRoute {
    pub fn conflict_class(&self) -> ConflictClass {
        match self {
            ServerRoute::View => ConflictClass::View,
            ServerRoute::Resources => ConflictClass::Resources,
            ServerRoute::Websocket => ConflictClass::Websocket,
            _ => ConflictClass::Other,
        }
    }

    /// The limiter a request passes after the access checks, if any.
    pub fn limiter(&self) -> Option<Limiter> {
        match self {
            ServerRoute::Websocket => Some(Limiter::Websocket),
            ServerRoute::Network(network::Route::Create) => Some(Limiter::AllocationCreate),
            ServerRoute::Backup(backups::Route::Restore(_)) => Some(Limiter::BackupRestore),
            ServerRoute::Database(databases::Route::Create) => Some(Limiter::DatabaseCreate),
            ServerRoute::Schedule(schedules::Route::Create) => Some(Limiter::ScheduleCreate),
            ServerRoute::Subuser(subusers::Route::Create) => Some(Limiter::SubuserCreate),
            ServerRoute::Files(files::Route::Pull) => Some(Limiter::FilePull),
            _ => None,
        }
    }
}

type Candidates = Vec<(&'static str, Route)>;

fn server(id: &str, list: Vec<(&'static str, ServerRoute)>) -> Candidates {
    list.into_iter()
        .map(|(m, r)| (m, Route::Server(id.to_string(), r)))
        .collect()
}

fn account_routes(d: Dialect, rest: &[&str]) -> Candidates {
    use account::Route as A;
    let s = |x: &str| x.to_string();
    let list: Vec<(&'static str, A)> = match (d, rest) {
        (_, []) => vec![("GET", A::Get)],
        (Dialect::Pterodactyl, ["two-factor"]) => {
            vec![("GET", A::TwoFactor), ("POST", A::TwoFactorEnable)]
        }
        (Dialect::Pterodactyl, ["two-factor", "disable"]) => vec![("POST", A::TwoFactorDisable)],
        (Dialect::Pelican, ["username"]) => vec![("PUT", A::Username)],
        (_, ["email"]) => vec![("PUT", A::Email)],
        (_, ["password"]) => vec![("PUT", A::Password)],
        (_, ["activity"]) => vec![("GET", A::Activity)],
        (_, ["api-keys"]) => vec![("GET", A::ApiKeys), ("POST", A::ApiKeyCreate)],
        (_, ["api-keys", id]) => vec![("DELETE", A::ApiKeyDelete(s(id)))],
        (_, ["ssh-keys"]) => vec![("GET", A::SshKeys), ("POST", A::SshKeyCreate)],
        (Dialect::Pterodactyl, ["ssh-keys", "remove"]) => vec![("POST", A::SshKeyRemove)],
        (Dialect::Pelican, ["ssh-keys", fp]) => vec![("DELETE", A::SshKeyDelete(s(fp)))],
        _ => vec![],
    };
    list.into_iter()
        .map(|(m, r)| (m, Route::Account(r)))
        .collect()
}

/// Routes under `/servers/{server}`.
fn server_routes(d: Dialect, id: &str, rest: &[&str]) -> Candidates {
    use ServerRoute as S;
    let list: Vec<(&'static str, ServerRoute)> = match rest {
        [] => vec![("GET", S::View)],
        ["websocket"] => vec![("GET", S::Websocket)],
        ["resources"] => vec![("GET", S::Resources)],
        ["activity"] => vec![("GET", S::Activity)],
        ["command"] => vec![("POST", S::Command)],
        ["power"] => vec![("POST", S::Power)],
        ["databases", tail @ ..] => databases::routes(tail)
            .into_iter()
            .map(|(m, r)| (m, S::Database(r)))
            .collect(),
        ["files", tail @ ..] => files::routes(tail)
            .into_iter()
            .map(|(m, r)| (m, S::Files(r)))
            .collect(),
        ["schedules", tail @ ..] => schedules::routes(tail)
            .into_iter()
            .map(|(m, r)| (m, S::Schedule(r)))
            .collect(),
        ["network", "allocations", tail @ ..] => network::routes(tail)
            .into_iter()
            .map(|(m, r)| (m, S::Network(r)))
            .collect(),
        ["users", tail @ ..] => subusers::routes(tail)
            .into_iter()
            .map(|(m, r)| (m, S::Subuser(r)))
            .collect(),
        ["backups", tail @ ..] => backups::routes(d, tail)
            .into_iter()
            .map(|(m, r)| (m, S::Backup(r)))
            .collect(),
        ["startup", tail @ ..] => startup::routes(tail)
            .into_iter()
            .map(|(m, r)| (m, S::Startup(r)))
            .collect(),
        ["settings", tail @ ..] => settings::routes(d, tail)
            .into_iter()
            .map(|(m, r)| (m, S::Settings(r)))
            .collect(),
        _ => vec![],
    };
    server(id, list)
}

fn candidates(d: Dialect, segs: &[&str]) -> Candidates {
    match segs {
        [] => vec![("GET", Route::List)],
        ["permissions"] => vec![("GET", Route::Permissions)],
        ["account", rest @ ..] => account_routes(d, rest),
        ["servers", id, rest @ ..] => server_routes(d, id, rest),
        _ => vec![],
    }
}

/// Matches `method` and the path after `/api/client`: 404 when no route has the path, 405
/// (with the allowed methods) when none has the method.
pub fn route(d: Dialect, method: &str, client_path: &str) -> Result<Route, RouteErr> {
    let trimmed = client_path.trim_matches('/');
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
