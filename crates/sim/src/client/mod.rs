//! The Client API (`/api/client/...`, `shared/panel-api/client/`): what a panel's users and
//! subusers reach with account keys.
//!
//! Where things live:
//! - [`routes`]: the route table per dialect and what the order of checks needs per route;
//! - [`pipeline`]: the order of checks of README §9, as the running panels showed it;
//! - [`access`] (owners, subusers, admins, permission checks), [`conflict`] (409 states),
//!   [`limits`] (the client limit per user and the per-server limiters);
//! - one module per resource: [`servers`], [`settings`], [`startup`], [`databases`],
//!   [`network`], [`subusers`], [`schedules`] + [`tasks`] (+ [`cron`]), [`backups`], [`files`],
//!   [`account`] (+ [`security`]: SSH keys, two-factor), [`activity`];
//! - [`wings`]: the seam where the daemon plugs in (the emulated Wings by default), [`remote`]
//!   (what the daemon reports back), [`runner`] (schedules on the clock).

mod access;
mod account;
mod activity;
mod backups;
mod conflict;
mod cron;
mod ctx;
mod databases;
pub(crate) mod digest;
mod files;
mod hashid;
pub(crate) mod jwt;
mod limits;
mod listing;
mod network;
mod permissions;
pub mod pipeline;
pub(crate) mod remote;
mod render;
mod routes;
pub(crate) mod runner;
mod schedules;
mod security;
mod servers;
mod settings;
mod ssh;
mod startup;
mod subusers;
mod tasks;
pub mod wings;

pub use account::default_client_token;
pub use digest::totp;
pub use limits::Windows;
pub use pipeline::process;

use crate::response::{ApiErr, Res};
use crate::state::SimState;
use ctx::Cx;
use roost_model::Dialect;
use routes::{Route, ServerRoute};

/// The `{server}` segment: Pterodactyl reads 8 characters as the identifier and anything else
/// as the uuid; Pelican matches either column whatever the length.
fn resolve_server(st: &SimState, raw: &str) -> Option<u64> {
    let by_uuid = || st.idx.server_by_uuid.get(raw).copied();
    let by_identifier = || st.idx.server_by_identifier.get(raw).copied();
    match st.dialect {
        Dialect::Pterodactyl if raw.len() == 8 => by_identifier(),
        Dialect::Pterodactyl => by_uuid(),
        Dialect::Pelican => by_identifier().or_else(by_uuid),
    }
}

/// What route-model binding found in the path.
#[derive(Default)]
pub struct Bound {
    pub server: Option<u64>,
    /// A child of another server that binding let through (Pterodactyl databases), refused with
    /// its own 404 after the access checks.
    pub foreign: bool,
    database: Option<u64>,
    schedule: schedules::Bound,
    allocation: Option<u64>,
    subuser: Option<u64>,
    backup: Option<u64>,
}

/// Route-model binding: the server, then children scoped to it (404 when any is missing).
pub fn bind(st: &SimState, route: &Route) -> Result<Bound, ApiErr> {
    let Route::Server(raw, sr) = route else {
        return Ok(Bound::default());
    };
    let sid = resolve_server(st, raw).ok_or_else(ApiErr::not_found)?;
    let mut b = Bound {
        server: Some(sid),
        ..Bound::default()
    };
    match sr {
        ServerRoute::Database(r) => match databases::bind(st, sid, r)? {
            Some(databases::Bound::Own(id)) => b.database = Some(id),
            Some(databases::Bound::Foreign) => b.foreign = true,
            None => {}
        },
        ServerRoute::Schedule(r) => b.schedule = schedules::bind(st, sid, r)?,
        ServerRoute::Network(r) => b.allocation = network::bind(st, sid, r)?,
        ServerRoute::Subuser(r) => b.subuser = subusers::bind(st, sid, r)?,
        ServerRoute::Backup(r) => b.backup = backups::bind(st, sid, r)?,
        _ => {}
    }
    Ok(b)
}

/// Runs the route's handler (after the pipeline's checks).
fn dispatch(st: &mut SimState, cx: &mut Cx, route: Route, b: &Bound) -> Res {
    let sid = match (&route, b.server) {
        (Route::Server(..), Some(sid)) => sid,
        (Route::Server(..), None) => return Err(ApiErr::not_found()),
        _ => 0,
    };
    match route {
        Route::List => servers::list(st, cx),
        Route::Permissions => permissions::system_permissions(cx.d),
        Route::Account(r) => account::handle(st, cx, r),
        Route::Server(_, sr) => match sr {
            ServerRoute::View => servers::view(st, cx, sid),
            ServerRoute::Resources => servers::resources(st, cx, sid),
            ServerRoute::Websocket => servers::websocket(st, cx, sid),
            ServerRoute::Activity => activity::server(st, cx, sid),
            ServerRoute::Power => servers::power(st, cx, sid),
            ServerRoute::Command => servers::command(st, cx, sid),
            ServerRoute::Settings(r) => settings::handle(st, cx, sid, r),
            ServerRoute::Startup(r) => startup::handle(st, cx, sid, r),
            ServerRoute::Database(r) => databases::handle(st, cx, sid, r, b.database),
            ServerRoute::Files(r) => files::handle(st, cx, sid, r),
            ServerRoute::Schedule(r) => schedules::handle(st, cx, sid, r, b.schedule),
            ServerRoute::Network(r) => network::handle(st, cx, sid, r, b.allocation),
            ServerRoute::Subuser(r) => subusers::handle(st, cx, sid, r, b.subuser),
            ServerRoute::Backup(r) => backups::handle(st, cx, sid, r, b.backup),
        },
    }
}
