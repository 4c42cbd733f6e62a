//! The client's error type: one variant per class of failure, each naming the request
//! (method + path, never the token) and what the panel said.

use crate::client_api::{ClientLimiter, Refusal, ServerState, WingsFailure};
use crate::server_fault::{ServerFault, classify};
use crate::wire::{ErrorBody, ErrorEntry};
use roost_model::Dialect;
use std::fmt;
use std::time::Duration;

/// One failed validation rule, as the panel reports it (`422`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted field path as submitted, e.g. `limits.memory`, `environment.SERVER_JARFILE`.
    pub field: String,
    /// Snake-cased rule name, e.g. `required`, `between`, `p_username`.
    pub rule: String,
    pub detail: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.field, self.rule, self.detail)
    }
}

/// What the panel said: its exception class name and message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PanelSaid {
    pub code: String,
    pub detail: String,
}

impl fmt::Display for PanelSaid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code.is_empty(), self.detail.is_empty()) {
            (true, true) => f.write_str("no details"),
            (false, true) => f.write_str(&self.code),
            (true, false) => f.write_str(&self.detail),
            (false, false) => write!(f, "{}: {}", self.code, self.detail),
        }
    }
}

fn join_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `no answer within 30 s (3 attempts over 91 s)`.
fn timeout_text(connecting: bool, after: &Duration, attempts: u32, elapsed: &Duration) -> String {
    let bound = if connecting {
        "could not connect within"
    } else {
        "no answer within"
    };
    let mut text = format!("{bound} {}", seconds(after));
    if attempts > 1 {
        text.push_str(&format!(" ({attempts} attempts over {})", seconds(elapsed)));
    }
    text
}

/// `30 s`, `0.15 s`, `91 s`: whole seconds from ten on, up to two decimals below.
fn seconds(d: &Duration) -> String {
    let s = d.as_secs_f64();
    let n = if s >= 10.0 {
        format!("{s:.0}")
    } else {
        let n = format!("{s:.2}");
        n.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    format!("{n} s")
}

fn fmt_retry_after(d: &Option<Duration>) -> String {
    match d {
        Some(d) => format!(" (retry after {}s)", d.as_secs()),
        None => String::new(),
    }
}

/// Every way a panel request can fail.
#[derive(Debug, thiserror::Error)]
pub enum PanelError {
    /// 401: token missing, unknown or expired.
    #[error("{method} {path}: unauthorized (401): {said}; check the API token")]
    Unauthorized {
        method: String,
        path: String,
        said: PanelSaid,
    },
    /// 403: key owner not an admin, IP not allowed, key lacks permission, or (PL) a Root Admin
    /// user cannot be deleted.
    #[error("{method} {path}: forbidden (403): {said}")]
    Forbidden {
        method: String,
        path: String,
        said: PanelSaid,
    },
    /// 404: unknown id, or a route this dialect does not have.
    #[error("{method} {path}: not found (404): {said}")]
    NotFound {
        method: String,
        path: String,
        said: PanelSaid,
    },
    /// 422 with the panel's per-field messages.
    #[error("{method} {path}: validation failed (422): {}", join_fields(.errors))]
    Validation {
        method: String,
        path: String,
        errors: Vec<FieldError>,
    },
    /// 400/409 family: the panel refused because of the state of things (node has servers,
    /// allocation in use, location has nodes, user owns servers, transfer in progress...).
    #[error("{method} {path}: refused ({status}): {said}")]
    Conflict {
        method: String,
        path: String,
        status: u16,
        said: PanelSaid,
    },
    /// Other 4xx the client does not expect (bad filter, wrong verb, ...): a client bug or an
    /// unsupported panel version.
    #[error("{method} {path}: rejected ({status}): {said}")]
    Rejected {
        method: String,
        path: String,
        status: u16,
        said: PanelSaid,
    },
    /// 429 after the retry budget ran out.
    #[error("{method} {path}: rate limited (429){}", fmt_retry_after(.retry_after))]
    RateLimited {
        method: String,
        path: String,
        retry_after: Option<Duration>,
    },
    /// The panel could not reach Wings (PT 504 `DaemonConnectionException`, PL 500
    /// `ConnectionException`).
    #[error("{method} {path}: the panel could not reach the node daemon ({status}): {said}")]
    DaemonUnreachable {
        method: String,
        path: String,
        status: u16,
        said: PanelSaid,
    },
    /// Client API, 409: the server is in a state that blocks the route (suspended, node in
    /// maintenance, installing or reinstalling, restoring a backup, being transferred).
    #[error("{method} {path}: the server is {state} (409): {said}")]
    StateConflict {
        method: String,
        path: String,
        state: ServerState,
        said: PanelSaid,
    },
    /// Client API, 403: the key's user lacks the permission the route needs on this server
    /// (a subuser; owners and admins hold every permission).
    #[error(
        "{method} {path}: forbidden (403): the key's user lacks the `{permission}` permission on this server ({said})"
    )]
    MissingPermission {
        method: String,
        path: String,
        permission: String,
        said: PanelSaid,
    },
    /// Client API, 400: the panel refused because of the state of things, by exception class
    /// (`TooManyBackupsException`, `BackupLockedException`, `DisplayException` ...).
    #[error("{method} {path}: refused ({status}, {reason}): {}", .said.detail)]
    Refused {
        method: String,
        path: String,
        status: u16,
        reason: Refusal,
        said: PanelSaid,
    },
    /// Client API, 429: one of the panel's limiters answered (`limiter` says which); the
    /// retry budget ran out, or the wait planned before sending was longer than allowed
    /// (`sent: false`: nothing was sent).
    #[error("{method} {path}: rate limited by {limiter}{}{}", fmt_retry_after(.retry_after), if *.sent { "" } else { "; nothing was sent" })]
    Throttled {
        method: String,
        path: String,
        limiter: ClientLimiter,
        retry_after: Option<Duration>,
        sent: bool,
    },
    /// Client API: Wings answered the panel with an error, or refused (how each dialect reports
    /// it: Pterodactyl passes Wings' status and message on, Pelican answers a generic 500).
    /// Wings unreachable is [`PanelError::DaemonUnreachable`].
    #[error("{method} {path}: the node daemon (Wings) {failure} ({status}): {said}")]
    Wings {
        method: String,
        path: String,
        status: u16,
        failure: WingsFailure,
        said: PanelSaid,
    },
    /// Client API: a create (or a toggle) whose outcome was unknown was re-read and is not
    /// sent again (see [`OperationRule`](crate::OperationRule)); `reread` says what the re-read
    /// showed and what to do.
    #[error("{method} {path}: {cause}; {reread}")]
    NotResent {
        method: String,
        path: String,
        cause: String,
        reread: String,
    },
    /// Any other 5xx.
    #[error("{method} {path}: panel error ({status}): {said}")]
    Server {
        method: String,
        path: String,
        status: u16,
        said: PanelSaid,
    },
    /// No HTTP response: connection refused, DNS, TLS, reset.
    #[error("{method} {path}: transport error: {message}")]
    Transport {
        method: String,
        path: String,
        message: String,
        /// True when no connection was established, so the request was certainly not sent.
        connect: bool,
    },
    /// No answer in time. `after` is the bound that fired on the last attempt: connecting
    /// (`connecting`), or the whole attempt. `attempts` and `elapsed` count every attempt the
    /// retry policy allowed, so the message says how long the caller really waited.
    #[error("{method} {path}: {}", timeout_text(*.connecting, .after, *.attempts, .elapsed))]
    Timeout {
        method: String,
        path: String,
        after: Duration,
        connecting: bool,
        attempts: u32,
        elapsed: Duration,
    },
    /// A non-idempotent POST whose outcome is unknown (timeout, dropped connection or 5xx).
    #[error(
        "{method} {path}: outcome unknown ({cause}); the request may have been applied: \
         re-read the panel before retrying"
    )]
    Ambiguous {
        method: String,
        path: String,
        cause: String,
    },
    /// The panel is not the dialect the configuration expects.
    #[error("the panel at {base_url} speaks {actual}, but {expected} was expected")]
    DialectMismatch {
        base_url: String,
        expected: Dialect,
        actual: Dialect,
    },
    /// The dialect could not be determined.
    #[error("could not tell which panel runs at {base_url}: {reason}")]
    UnknownDialect { base_url: String, reason: String },
    /// An operation the connected dialect does not have (e.g. locations on Pelican).
    #[error("{operation} is not available on {dialect}")]
    Unsupported {
        operation: &'static str,
        dialect: Dialect,
    },
    /// A response body that does not match the expected shape.
    #[error("{method} {path}: could not decode the response: {message}")]
    Decode {
        method: String,
        path: String,
        message: String,
    },
    /// A write attempted through a read-only client; nothing was sent.
    #[error("{method} {path}: refused: this client is read-only, nothing was sent")]
    ReadOnly { method: String, path: String },
    /// Invalid client configuration (base URL, TLS setup).
    #[error("invalid panel client configuration: {0}")]
    Config(String),
}

impl PanelError {
    /// A timeout that ended a request after `attempts` attempts over `elapsed`.
    pub(crate) fn after_attempts(mut self, n: u32, total: Duration) -> PanelError {
        if let PanelError::Timeout {
            attempts, elapsed, ..
        } = &mut self
        {
            *attempts = n;
            *elapsed = total;
        }
        self
    }

    /// True when the same request may succeed if tried again later unchanged.
    pub fn is_transient(&self) -> bool {
        match self {
            PanelError::RateLimited { .. }
            | PanelError::Throttled { .. }
            | PanelError::Timeout { .. }
            | PanelError::Transport { .. }
            | PanelError::DaemonUnreachable { .. } => true,
            PanelError::StateConflict { state, .. } => state.is_temporary(),
            PanelError::Server { .. } => self
                .server_fault()
                .is_some_and(|f| f == ServerFault::Gateway || f.is_contention()),
            _ => false,
        }
    }

    /// What a 5xx answer means for trying again (`None` for anything but a 5xx or a daemon
    /// error).
    pub fn server_fault(&self) -> Option<ServerFault> {
        match self {
            PanelError::DaemonUnreachable { .. } => Some(ServerFault::DaemonUnreachable),
            PanelError::Server { status, said, .. } => {
                Some(classify(*status, &said.code, &said.detail))
            }
            _ => None,
        }
    }

    /// The panel's database refused because of concurrent writes (certainly or likely): fewer
    /// writes at once will help.
    pub fn is_database_contention(&self) -> bool {
        self.server_fault().is_some_and(ServerFault::is_contention)
    }

    /// The HTTP status the panel answered, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            PanelError::Unauthorized { .. } => Some(401),
            PanelError::Forbidden { .. } => Some(403),
            PanelError::NotFound { .. } => Some(404),
            PanelError::Validation { .. } => Some(422),
            PanelError::RateLimited { .. } => Some(429),
            PanelError::Throttled { sent, .. } => sent.then_some(429),
            PanelError::StateConflict { .. } => Some(409),
            PanelError::MissingPermission { .. } => Some(403),
            PanelError::Conflict { status, .. }
            | PanelError::Refused { status, .. }
            | PanelError::Wings { status, .. }
            | PanelError::Rejected { status, .. }
            | PanelError::DaemonUnreachable { status, .. }
            | PanelError::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The panel's exception class name (`HasActiveServersException`, ...), when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            PanelError::Unauthorized { said, .. }
            | PanelError::Forbidden { said, .. }
            | PanelError::NotFound { said, .. }
            | PanelError::Conflict { said, .. }
            | PanelError::StateConflict { said, .. }
            | PanelError::MissingPermission { said, .. }
            | PanelError::Refused { said, .. }
            | PanelError::Wings { said, .. }
            | PanelError::Rejected { said, .. }
            | PanelError::DaemonUnreachable { said, .. }
            | PanelError::Server { said, .. } => Some(said.code.as_str()).filter(|c| !c.is_empty()),
            PanelError::Validation { .. } => Some("ValidationException"),
            _ => None,
        }
    }

    /// A 404 caused by a route the panel does not have (wrong dialect), not by a missing id.
    pub fn is_route_not_found(&self) -> bool {
        matches!(self, PanelError::NotFound { said, .. } if said.detail.contains("The route"))
    }

    /// Classifies an HTTP error response (status, body, `Retry-After`) for `method path`.
    pub fn from_response(
        method: &str,
        path: &str,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> PanelError {
        let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
        let entries: &[ErrorEntry] = parsed.as_ref().map(|b| b.entries()).unwrap_or(&[]);
        let said = entries
            .first()
            .map(|e| PanelSaid {
                code: e.code.clone(),
                detail: e.detail.clone().unwrap_or_default(),
            })
            .unwrap_or_else(|| PanelSaid {
                code: String::new(),
                detail: describe_unenveloped(method, path, status, body),
            });
        let method = method.to_string();
        let path = path.to_string();
        const DAEMON_CODES: [&str; 2] = ["DaemonConnectionException", "ConnectionException"];
        match status {
            401 => PanelError::Unauthorized { method, path, said },
            403 => PanelError::Forbidden { method, path, said },
            404 => PanelError::NotFound { method, path, said },
            422 => PanelError::Validation {
                method,
                path,
                errors: entries
                    .iter()
                    .map(|e| FieldError {
                        field: e
                            .meta
                            .as_ref()
                            .and_then(|m| m.source_field.clone())
                            .unwrap_or_default(),
                        rule: e
                            .meta
                            .as_ref()
                            .and_then(|m| m.rule.clone())
                            .unwrap_or_default(),
                        detail: e.detail.clone().unwrap_or_default(),
                    })
                    .collect(),
            },
            429 => PanelError::RateLimited {
                method,
                path,
                retry_after,
            },
            _ if DAEMON_CODES.contains(&said.code.as_str()) => PanelError::DaemonUnreachable {
                method,
                path,
                status,
                said,
            },
            400 | 409 if !is_request_shape_error(&said.code) => PanelError::Conflict {
                method,
                path,
                status,
                said,
            },
            400..=499 => PanelError::Rejected {
                method,
                path,
                status,
                said,
            },
            _ => PanelError::Server {
                method,
                path,
                status,
                said,
            },
        }
    }
}

/// 400s that mean the request itself was malformed, not that the panel's state refused it.
fn is_request_shape_error(code: &str) -> bool {
    matches!(
        code,
        "BadRequestHttpException" | "InvalidFilterQuery" | "InvalidSortQuery"
    )
}

/// A detail for bodies without the error envelope (PL's `[]`, proxies' HTML pages).
fn describe_unenveloped(method: &str, path: &str, status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if status == 403 && method == "DELETE" && path.starts_with("/users/") && trimmed == "[]" {
        return "the panel refuses to delete a Root Admin user (body `[]`)".to_string();
    }
    if trimmed.is_empty() {
        return "empty body".to_string();
    }
    // Keep a short excerpt only: bodies can be whole HTML pages.
    let excerpt: String = trimmed.chars().take(160).collect();
    format!("unexpected body: {excerpt}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_statuses() {
        let body = br#"{"errors":[{"code":"HasActiveServersException","status":"400","detail":"A node must have no servers"}]}"#;
        let e = PanelError::from_response("DELETE", "/nodes/1", 400, body, None);
        assert!(matches!(e, PanelError::Conflict { status: 400, .. }));
        assert_eq!(e.code(), Some("HasActiveServersException"));
        let msg = e.to_string();
        assert!(msg.contains("DELETE /nodes/1") && msg.contains("A node must have no servers"));

        let body =
            br#"{"errors":[{"code":"DaemonConnectionException","status":"504","detail":"x"}]}"#;
        let e = PanelError::from_response("POST", "/servers", 504, body, None);
        assert!(matches!(
            e,
            PanelError::DaemonUnreachable { status: 504, .. }
        ));
        assert!(e.is_transient());

        let e = PanelError::from_response("DELETE", "/users/3", 403, b"[]", None);
        assert!(e.to_string().contains("Root Admin"), "{e}");

        let e = PanelError::from_response("GET", "/x", 502, b"<html>bad gateway</html>", None);
        assert!(matches!(e, PanelError::Server { status: 502, .. }) && e.is_transient());

        let body = br#"{"errors":[{"code":"InvalidFilterQuery","status":"400","detail":"no"}]}"#;
        let e = PanelError::from_response("GET", "/servers", 400, body, None);
        assert!(matches!(e, PanelError::Rejected { .. }));
    }

    #[test]
    fn timeouts_name_the_bound_that_fired_and_the_time_spent() {
        let timeout = |connecting, after: u64| PanelError::Timeout {
            method: "GET".into(),
            path: "/nodes".into(),
            after: Duration::from_millis(after),
            connecting,
            attempts: 1,
            elapsed: Duration::from_millis(after),
        };
        assert_eq!(
            timeout(false, 30_000).to_string(),
            "GET /nodes: no answer within 30 s"
        );
        assert_eq!(
            timeout(false, 30_000)
                .after_attempts(3, Duration::from_millis(91_400))
                .to_string(),
            "GET /nodes: no answer within 30 s (3 attempts over 91 s)"
        );
        assert_eq!(
            timeout(true, 10_000)
                .after_attempts(5, Duration::from_millis(4_050))
                .to_string(),
            "GET /nodes: could not connect within 10 s (5 attempts over 4.05 s)"
        );
        assert_eq!(
            timeout(false, 250).to_string(),
            "GET /nodes: no answer within 0.25 s"
        );
    }
}
