//! Typed Client-API errors: what an error answer means, read from its status, exception class,
//! message and rate-limit headers, and from what the route is (its permission, its limiter).
//! One pure function, [`classify`], so every case is a unit test (client/README.md §4, §6–§8).

use crate::client_api::limits::ClientLimiter;
use crate::error::{PanelError, PanelSaid};
use roost_model::Dialect;
use std::fmt;
use std::time::Duration;

/// Why a server's routes answer 409 (`ServerStateConflictException`), from the panel's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    Suspended,
    /// The server's node is in maintenance mode.
    NodeMaintenance,
    /// Installing, reinstalling, or an install that failed (the panels say the same for all).
    Installing,
    RestoringBackup,
    Transferring,
    /// A 409 whose message roost does not know.
    Other,
}

impl ServerState {
    fn from_detail(detail: &str) -> ServerState {
        let d = detail.to_ascii_lowercase();
        if d.contains("suspended") {
            ServerState::Suspended
        } else if d.contains("maintenance") {
            ServerState::NodeMaintenance
        } else if d.contains("installation") {
            ServerState::Installing
        } else if d.contains("restoring") {
            ServerState::RestoringBackup
        } else if d.contains("transferred") {
            ServerState::Transferring
        } else {
            ServerState::Other
        }
    }

    /// Whether the state ends by itself (an install, a restore, a transfer); a suspension or
    /// a node's maintenance lasts until an admin ends it.
    pub fn is_temporary(self) -> bool {
        matches!(
            self,
            ServerState::Installing | ServerState::RestoringBackup | ServerState::Transferring
        )
    }
}

impl fmt::Display for ServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerState::Suspended => "suspended",
            ServerState::NodeMaintenance => "on a node in maintenance",
            ServerState::Installing => "installing (or reinstalling, or its install failed)",
            ServerState::RestoringBackup => "restoring a backup",
            ServerState::Transferring => "being transferred",
            ServerState::Other => "in a conflicting state",
        })
    }
}

/// How Wings failed a request the panel forwarded to it, as far as the dialect says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WingsFailure {
    /// Pterodactyl passed on Wings' 4xx (a denylisted file, a path that is not there, ...):
    /// nothing was done.
    Refused { wings_status: u16 },
    /// Pterodactyl passed on Wings' 5xx.
    Failed { wings_status: u16 },
    /// Pelican's `RequestException` (500): Wings answered an error the panel does not describe.
    Unspecified,
    /// Pterodactyl's 502 to a console command for a server that is not running.
    ServerOffline,
}

impl WingsFailure {
    /// Wings refused and did nothing: sending again changes nothing.
    pub fn is_refusal(self) -> bool {
        matches!(
            self,
            WingsFailure::Refused { .. } | WingsFailure::ServerOffline
        )
    }
}

impl fmt::Display for WingsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WingsFailure::Refused { wings_status } => write!(f, "refused with {wings_status}"),
            WingsFailure::Failed { wings_status } => write!(f, "failed with {wings_status}"),
            WingsFailure::Unspecified => f.write_str("answered an error the panel does not show"),
            WingsFailure::ServerOffline => f.write_str("needs the server running"),
        }
    }
}

/// A Client-API 400 by exception class (the `DisplayException` family and the panel's
/// `BadRequestHttpException` refusals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    TooManyDatabases,
    TooManyBackups,
    BackupLocked,
    /// Too many tasks in a schedule.
    ServiceLimitExceeded,
    FileSizeTooLarge,
    UserIsServerOwner,
    ServerSubuserExists,
    InvalidPassword,
    NoSuitableDatabaseHost,
    AutoAllocationNotEnabled,
    NoAutoAllocationSpace,
    DuplicateDatabaseName,
    /// Pterodactyl's configured 2FA requirement.
    TwoFactorRequired,
    /// `BadRequestHttpException`: a read-only variable, a docker image set by an admin, a
    /// server in no state for a restore ...
    BadRequest,
    /// `DisplayException` itself: an invalid cron expression, an allocation limit reached ...
    Display,
    /// Another class, as the panel named it.
    Other(String),
}

impl Refusal {
    fn from_code(code: &str) -> Refusal {
        match code {
            "TooManyDatabasesException" => Refusal::TooManyDatabases,
            "TooManyBackupsException" => Refusal::TooManyBackups,
            "BackupLockedException" => Refusal::BackupLocked,
            "ServiceLimitExceededException" => Refusal::ServiceLimitExceeded,
            "FileSizeTooLargeException" => Refusal::FileSizeTooLarge,
            "UserIsServerOwnerException" => Refusal::UserIsServerOwner,
            "ServerSubuserExistsException" => Refusal::ServerSubuserExists,
            "InvalidPasswordProvidedException" => Refusal::InvalidPassword,
            "NoSuitableDatabaseHostException" => Refusal::NoSuitableDatabaseHost,
            "AutoAllocationNotEnabledException" => Refusal::AutoAllocationNotEnabled,
            "NoAutoAllocationSpaceAvailableException" => Refusal::NoAutoAllocationSpace,
            "DuplicateDatabaseNameException" => Refusal::DuplicateDatabaseName,
            "TwoFactorAuthRequiredException" => Refusal::TwoFactorRequired,
            "BadRequestHttpException" => Refusal::BadRequest,
            "DisplayException" => Refusal::Display,
            other => Refusal::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Other(code) if !code.is_empty() => f.write_str(code),
            Refusal::Other(_) => f.write_str("refused"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// An error answer as the classifier needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorAnswer<'a> {
    pub status: u16,
    pub body: &'a [u8],
    pub retry_after: Option<Duration>,
    /// `X-RateLimit-Limit` and `X-RateLimit-Remaining`, when sent.
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
}

/// What the route is, as far as errors are concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RouteFacts<'a> {
    pub dialect: Dialect,
    /// The subuser permission the route needs here (for power: the signal's).
    pub permission: Option<&'a str>,
    /// The route's own limiter in this dialect, if any.
    pub limiter: Option<ClientLimiter>,
    /// Console command: Pterodactyl's 502 means the server is not running.
    pub is_command: bool,
}

/// The messages of a refused permission check (the generic policy denial and the
/// endpoint-specific ones of the websocket and task routes).
const PERMISSION_DENIALS: [&str; 3] = [
    "This action is unauthorized.",
    "You do not have permission to connect to this server's websocket.",
    "You do not have permission to perform this action.",
];

impl crate::client_api::ClientOp {
    /// What an error answer (`status`, `body`, `Retry-After`) of this operation means in
    /// `dialect`: the typed error the client returns for it (without rate-limit headers).
    pub fn classify_answer(
        self,
        dialect: Dialect,
        path: &str,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> PanelError {
        let spec = self.spec(dialect);
        let route = RouteFacts {
            dialect,
            permission: spec.permission,
            limiter: spec.limiter,
            is_command: self == crate::client_api::ClientOp::Command,
        };
        let answer = ErrorAnswer {
            status,
            body,
            retry_after,
            limit: None,
            remaining: None,
        };
        classify(route, spec.verb.as_str(), path, answer)
    }
}

/// Classifies an error answer of a Client-API route.
pub(crate) fn classify(
    route: RouteFacts<'_>,
    method: &str,
    path: &str,
    answer: ErrorAnswer<'_>,
) -> PanelError {
    let base =
        PanelError::from_response(method, path, answer.status, answer.body, answer.retry_after);
    let said = match &base {
        PanelError::Forbidden { said, .. }
        | PanelError::NotFound { said, .. }
        | PanelError::Conflict { said, .. }
        | PanelError::Rejected { said, .. }
        | PanelError::DaemonUnreachable { said, .. }
        | PanelError::Server { said, .. }
        | PanelError::Unauthorized { said, .. } => said.clone(),
        PanelError::RateLimited { .. } => error_said(answer.body),
        _ => return base,
    };
    let (method, path) = (method.to_string(), path.to_string());
    let status = answer.status;
    if said.code == "DaemonConnectionException" || said.code == "ConnectionException" {
        return wings_error(method, path, status, said);
    }
    if said.code == "RequestException" {
        let failure = WingsFailure::Unspecified;
        return PanelError::Wings {
            method,
            path,
            status,
            failure,
            said,
        };
    }
    match status {
        409 if said.code == "ServerStateConflictException" => {
            let state = ServerState::from_detail(&said.detail);
            PanelError::StateConflict {
                method,
                path,
                state,
                said,
            }
        }
        403 => forbidden(route, method, path, said),
        429 => {
            let limiter = which_limiter(route, &said, answer);
            let retry_after = answer.retry_after;
            PanelError::Throttled {
                method,
                path,
                limiter,
                retry_after,
                sent: true,
            }
        }
        502 if route.is_command && said.code == "HttpException" => {
            let failure = WingsFailure::ServerOffline;
            PanelError::Wings {
                method,
                path,
                status,
                failure,
                said,
            }
        }
        400 if !said.code.is_empty() && said.code != "InvalidFilterQuery" => {
            let reason = Refusal::from_code(&said.code);
            PanelError::Refused {
                method,
                path,
                status,
                reason,
                said,
            }
        }
        _ => base,
    }
}

fn error_said(body: &[u8]) -> PanelSaid {
    let parsed: Option<crate::wire::ErrorBody> = serde_json::from_slice(body).ok();
    parsed
        .as_ref()
        .and_then(|b| b.entries().first())
        .map(|e| PanelSaid {
            code: e.code.clone(),
            detail: e.detail.clone().unwrap_or_default(),
        })
        .unwrap_or_default()
}

/// Pterodactyl's `DaemonConnectionException` (Wings' status passed on, 504 when unreachable)
/// and Pelican's `ConnectionException` (500: unreachable).
fn wings_error(method: String, path: String, status: u16, said: PanelSaid) -> PanelError {
    let unreachable = said.code == "ConnectionException"
        || said.detail.starts_with("Could not establish a connection");
    if unreachable {
        return PanelError::DaemonUnreachable {
            method,
            path,
            status,
            said,
        };
    }
    let failure = if status < 500 {
        WingsFailure::Refused {
            wings_status: status,
        }
    } else {
        WingsFailure::Failed {
            wings_status: status,
        }
    };
    PanelError::Wings {
        method,
        path,
        status,
        failure,
        said,
    }
}

fn forbidden(
    route: RouteFacts<'_>,
    method: String,
    path: String,
    mut said: PanelSaid,
) -> PanelError {
    if said.code.is_empty() && said.detail.contains("[]") && path.ends_with("/settings/description")
    {
        said.detail = "the panel does not let users edit server descriptions \
                       (PANEL_EDITABLE_SERVER_DESCRIPTIONS=false)"
            .to_string();
        return PanelError::Forbidden { method, path, said };
    }
    match route.permission {
        Some(p) if PERMISSION_DENIALS.contains(&said.detail.as_str()) => {
            if path.contains("/users/") {
                said.detail.push_str(
                    " (or the subuser is the key's own account, which no one may change)",
                );
            }
            PanelError::MissingPermission {
                method,
                path,
                permission: p.to_string(),
                said,
            }
        }
        _ => PanelError::Forbidden { method, path, said },
    }
}

/// Which limiter answered a 429. A service throttle says so in its class; otherwise the
/// route's own limiter answered unless the headers show the per-user bucket empty: a route
/// limiter's 429 passes back through the client throttle, which leaves its own (non-zero)
/// remaining count on the answer.
fn which_limiter(route: RouteFacts<'_>, said: &PanelSaid, a: ErrorAnswer<'_>) -> ClientLimiter {
    if said.code == "TooManyRequestsHttpException" && said.detail.contains("backups") {
        return ClientLimiter::BackupCreate;
    }
    // The backup throttle is a service check, never a throttle middleware.
    let Some(own) = route.limiter.filter(|l| *l != ClientLimiter::BackupCreate) else {
        return ClientLimiter::Client;
    };
    let own_limit = own.rule(route.dialect).map(|r| r.limit);
    let bucket_empty = a.remaining == Some(0) && a.limit.is_some() && a.limit != own_limit;
    if bucket_empty {
        ClientLimiter::Client
    } else {
        own
    }
}

#[cfg(test)]
mod tests;
