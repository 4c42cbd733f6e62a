//! Server state conflicts (client/README.md §4): after the access check every server route
//! answers 409 while the server is suspended, its node is in maintenance, it is not installed,
//! a backup is being restored or it is being transferred — except viewing the server, and the
//! websocket token for admins on a server that is neither suspended nor on a node in
//! maintenance (Pelican beta38 behaves like Pterodactyl here).

use super::access::Access;
use super::routes::ConflictClass;
use crate::response::ApiErr;
use crate::state::SimState;
use roost_model::Dialect;

/// Whether a status means the install has not completed: Pelican also counts a failed
/// reinstall, Pterodactyl treats it as installed.
pub fn not_installed(d: Dialect, status: Option<&str>) -> bool {
    match d {
        Dialect::Pterodactyl => matches!(status, Some("installing" | "install_failed")),
        Dialect::Pelican => matches!(
            status,
            Some("installing" | "install_failed" | "reinstall_failed")
        ),
    }
}

/// The conflict a server is in, as `ServerStateConflictException`'s detail (first match wins).
pub fn conflict_detail(st: &SimState, server_id: u64) -> Option<&'static str> {
    let s = st.servers.get(&server_id)?;
    let status = s.status.as_deref();
    let maintenance = st.nodes.get(&s.node_id).is_some_and(|n| n.maintenance_mode);
    if status == Some("suspended") {
        Some("This server is currently suspended and the functionality requested is unavailable.")
    } else if maintenance {
        Some(
            "The node of this server is currently under maintenance and the functionality requested is unavailable.",
        )
    } else if not_installed(st.dialect, status) {
        Some("This server has not yet completed its installation process, please try again later.")
    } else if status == Some("restoring_backup") {
        Some("This server is currently restoring from a backup, please try again later.")
    } else if s.transferring {
        Some("This server is currently being transferred to a new machine, please try again later.")
    } else {
        None
    }
}

/// The 409 a route answers for the server's state, if any.
pub fn check(st: &SimState, access: &Access, class: ConflictClass) -> Result<(), ApiErr> {
    let Some(detail) = conflict_detail(st, access.server.id) else {
        return Ok(());
    };
    let err = || ApiErr::new(409, "ServerStateConflictException", detail);
    if class == ConflictClass::View {
        return Ok(());
    }
    let s = access.server;
    let blocked_outright = s.status.as_deref() == Some("suspended")
        || st.nodes.get(&s.node_id).is_some_and(|n| n.maintenance_mode);
    if blocked_outright && class != ConflictClass::Resources {
        return Err(err());
    }
    if !access.is_server_admin() || class != ConflictClass::Websocket {
        return Err(err());
    }
    Ok(())
}
