//! The seam where a Wings emulation plugs in.
//!
//! The panels hand some Client API work to the node's daemon (client/README.md §7): resources,
//! power, console commands, reinstall, every file operation except the signed download and
//! upload URLs, backup creation, deletion (Wings storage) and restore, and the first task of a
//! schedule run now. The sim's client handlers do the panel's half of those routes (permission,
//! state conflicts, validation, throttles, the rows they write) and then make one [`WingsCall`]
//! through the [`Wings`] trait; how a failure reaches the client is the panel's business and
//! stays here ([`daemon_error`]).
//!
//! The sim's daemon is the emulated Wings (`crate::wings`). [`Unreachable`] answers every call
//! the way a daemon that cannot be reached does (tests install it, or any other [`Wings`],
//! with `SimHandle::set_wings`); the panel's side does not change.

use crate::response::{ApiErr, GENERIC_DETAIL};
use crate::state::{Node, Server};
use roost_model::Dialect;
use serde_json::Value;

/// One request from the panel to a node's daemon, named after the Wings route it calls.
#[derive(Debug, Clone, PartialEq)]
pub enum WingsCall {
    /// `GET /api/servers/{uuid}`: state and resource usage.
    Details,
    /// `POST /api/servers/{uuid}/power` `{action}`.
    Power { signal: String },
    /// `POST /api/servers/{uuid}/commands` `{commands: [command]}`.
    Command { command: String },
    /// `POST /api/servers/{uuid}/reinstall`.
    Reinstall,
    /// `POST /api/servers/{uuid}/backup` `{adapter, uuid, ignore}`.
    Backup {
        uuid: String,
        adapter: String,
        ignore: String,
    },
    /// `DELETE /api/servers/{uuid}/backup/{backup}`.
    DeleteBackup { uuid: String },
    /// `POST /api/servers/{uuid}/backup/{backup}/restore`.
    RestoreBackup {
        uuid: String,
        adapter: String,
        truncate: bool,
        download_url: Option<String>,
    },
    /// PT: `POST /api/servers/{uuid}/ws/deny` `{jtis}`: tokens with these JTIs issued until now
    /// are refused.
    DenyTokens { jtis: Vec<String> },
    /// PL: `POST /api/deauthorize-user` with the panel's malformed body (client/subusers.md):
    /// every websocket of every server on the node is dropped.
    DeauthorizeUser,
    /// A `/api/servers/{uuid}/files/...` route with the body or query the panel forwards.
    Files {
        method: &'static str,
        route: &'static str,
        body: Value,
        /// `write`: the content exactly as the client sent it (Wings writes bytes; `body`'s
        /// `content` is only its text rendering).
        raw: Vec<u8>,
    },
}

/// What the daemon answered when it accepted a call.
#[derive(Debug, Clone, PartialEq)]
pub enum WingsAnswer {
    /// 202/204 without a body the panel reads.
    Accepted,
    Json(Value),
    Text(String),
    /// A file's bytes (`files/contents`).
    Bytes(Vec<u8>),
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum WingsError {
    /// No connection (refused, timed out, wrong node token).
    Unreachable,
    /// The daemon answered with an error: its status and `{"error", "request_id"}` body.
    Status {
        status: u16,
        error: String,
        request_id: Option<String>,
    },
}

/// What the daemon knows of a server from the panel (`GET /api/remote/servers/{uuid}`), sent
/// before each call so it is never stale.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerConfig {
    pub uuid: String,
    pub suspended: bool,
    /// Limits in MiB (0: unlimited).
    pub memory_mb: i64,
    pub disk_mb: i64,
    /// The egg's `file_denylist` patterns.
    pub denylist: Vec<String>,
    /// The node's daemon token (signs the tokens Wings checks).
    pub node_token: String,
    /// The panel's URL, the only websocket `Origin` Wings accepts.
    pub panel_url: String,
    /// The node's upload limit in MiB (`upload_size`, Wings `api.upload_limit`).
    pub upload_limit_mb: i64,
}

/// What a daemon reports back to the panel on its own (`/api/remote/...`).
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// `POST /api/remote/backups/{backup}`.
    BackupCompleted {
        server: String,
        backup: String,
        successful: bool,
        checksum: String,
        size: i64,
        at_ms: i64,
    },
    /// `POST /api/remote/backups/{backup}/restore`.
    RestoreCompleted { server: String, backup: String },
}

/// A node's daemon as the panel sees it.
pub trait Wings: Send + Sync {
    fn call(
        &self,
        node: &Node,
        server: &Server,
        call: WingsCall,
    ) -> Result<WingsAnswer, WingsError>;

    /// The panel's configuration of a server, handed over before each call.
    fn sync(&self, _config: &ServerConfig) {}

    /// Work that finished on the daemon's own clock since the last time, for the panel to
    /// record; `timings` are the sim's current settings.
    fn settle(&self, _timings: &crate::state::WingsTimings) -> Vec<Report> {
        Vec::new()
    }

    /// Where this daemon is served, when the sim serves it (`http://127.0.0.1:PORT`): the
    /// signed URLs and the websocket address point there instead of the node's FQDN.
    fn address(&self) -> Option<String> {
        None
    }

    /// The emulated daemon behind this one, for the websocket and the signed URLs.
    fn emulated(&self) -> Option<&crate::wings::Emulated> {
        None
    }
}

/// A daemon that is never reachable (a node that is down).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unreachable;

impl Wings for Unreachable {
    fn call(&self, _: &Node, _: &Server, _: WingsCall) -> Result<WingsAnswer, WingsError> {
        Err(WingsError::Unreachable)
    }
}

/// How each panel reports a daemon failure to the client (client/README.md §7): Pterodactyl
/// passes the daemon's status through as `DaemonConnectionException` (504 when unreachable),
/// Pelican answers 500 (`ConnectionException` / `RequestException`).
pub fn daemon_error(d: Dialect, e: &WingsError) -> ApiErr {
    match (d, e) {
        (Dialect::Pterodactyl, WingsError::Unreachable) => ApiErr::new(
            504,
            "DaemonConnectionException",
            "Could not establish a connection to the machine running this server. Please try again.",
        ),
        (
            Dialect::Pterodactyl,
            WingsError::Status {
                status,
                error,
                request_id,
            },
        ) => {
            let id = request_id.as_deref().unwrap_or("<nil>");
            let detail = if *status >= 500 {
                format!(
                    "There was an error while communicating with the machine running this server. This error has been logged, please try again. (code: {status}) (request_id: {id})"
                )
            } else {
                format!("An error occurred on the remote host: {error}. (request id: {id})")
            };
            ApiErr::new(*status, "DaemonConnectionException", detail)
        }
        (Dialect::Pelican, WingsError::Unreachable) => {
            ApiErr::new(500, "ConnectionException", GENERIC_DETAIL)
        }
        (Dialect::Pelican, WingsError::Status { .. }) => {
            ApiErr::new(500, "RequestException", GENERIC_DETAIL)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_panel_reports_an_unreachable_daemon_its_own_way() {
        let pt = daemon_error(Dialect::Pterodactyl, &WingsError::Unreachable);
        assert_eq!((pt.status, pt.code), (504, "DaemonConnectionException"));
        let pl = daemon_error(Dialect::Pelican, &WingsError::Unreachable);
        assert_eq!((pl.status, pl.code), (500, "ConnectionException"));
        let e = WingsError::Status {
            status: 403,
            error: "This file cannot be modified: present in egg denylist.".into(),
            request_id: Some("abc".into()),
        };
        let pt = daemon_error(Dialect::Pterodactyl, &e);
        assert_eq!(pt.status, 403);
        assert_eq!(
            pt.detail,
            "An error occurred on the remote host: This file cannot be modified: present in egg denylist.. (request id: abc)"
        );
        assert_eq!(daemon_error(Dialect::Pelican, &e).code, "RequestException");
    }
}
