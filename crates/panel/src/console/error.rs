//! How a console session fails. No variant carries a token: the token only ever goes into the
//! `auth` frame.

use crate::client_api::ServerState;
use crate::error::PanelError;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The token route (`GET …/websocket`) failed in a way not described below.
    #[error("console of {server}: could not get a websocket token: {source}")]
    Token {
        server: String,
        #[source]
        source: PanelError,
    },
    /// The panel refuses the token route (409) while the server is suspended, installing,
    /// restoring, being transferred or on a node in maintenance; Pelican's Wings closes the
    /// socket of a suspended server with code 4409.
    #[error("console of {server}: the server is {state}, so it has no console now")]
    ServerState { server: String, state: ServerState },
    /// The key's user lacks `websocket.connect` on this server (403 on the token route).
    #[error(
        "console of {server}: the key's user lacks the `{permission}` permission on this server"
    )]
    MissingPermission { server: String, permission: String },
    /// An event the token does not allow: Wings would drop it without a word, so it was not
    /// sent.
    #[error(
        "console of {server}: `{event}` needs the `{permission}` permission, which the \
         websocket token does not grant; nothing was sent"
    )]
    NotAllowed {
        server: String,
        event: &'static str,
        permission: &'static str,
    },
    /// Wings answered `jwt error` to the token (a missing connect permission, a server uuid
    /// mismatch, a denylisted token that a fresh one did not cure...).
    #[error("console of {server}: Wings refused the websocket token: {reason}")]
    Jwt { server: String, reason: String },
    /// Wings answered `daemon error` before authenticating (e.g. a token with a bad
    /// signature: Wings does not call that a JWT error).
    #[error("console of {server}: Wings failed the authentication: {message}")]
    Daemon { server: String, message: String },
    /// No `auth success` in time.
    #[error("console of {server}: Wings did not confirm the websocket token within {}", secs(.after))]
    AuthTimeout { server: String, after: Duration },
    /// Wings refused the upgrade with 403: the `Origin` is not the panel URL it is configured
    /// with (`remote`) nor in its `allowed_origins`.
    #[error(
        "console of {server}: Wings refused the Origin `{origin}` (403): it must equal the panel \
         URL Wings is configured with, without a trailing slash, or be in its allowed_origins"
    )]
    OriginRefused { server: String, origin: String },
    /// Wings answered the upgrade with another HTTP status (404: the server is unknown to that
    /// node; Pelican's 400: too many open sockets for the server).
    #[error(
        "console of {server}: Wings answered the websocket upgrade of {url} with {status}: {body}"
    )]
    Refused {
        server: String,
        url: String,
        status: u16,
        body: String,
    },
    /// The socket could not be opened (DNS, TCP, TLS, timeout).
    #[error("console of {server}: could not open {url}: {message}")]
    Connect {
        server: String,
        url: String,
        message: String,
    },
    /// The socket dropped and every reconnect attempt failed.
    #[error(
        "console of {server}: the socket dropped and {attempts} reconnect attempt(s) failed; the last: {last}"
    )]
    ReconnectFailed {
        server: String,
        attempts: u32,
        last: String,
    },
    /// The session has ended; nothing more can be sent.
    #[error("console of {server}: the session has ended")]
    Closed { server: String },
}

fn secs(d: &Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

impl ConsoleError {
    /// Whether another attempt (a fresh token, a new socket) cannot help: the server's state,
    /// the user's permissions, the Origin or the token itself are wrong.
    pub fn is_permanent(&self) -> bool {
        match self {
            ConsoleError::Token { source, .. } => !source.is_transient(),
            ConsoleError::Refused { status, .. } => *status == 404,
            ConsoleError::Connect { .. }
            | ConsoleError::AuthTimeout { .. }
            | ConsoleError::ReconnectFailed { .. } => false,
            ConsoleError::ServerState { .. }
            | ConsoleError::MissingPermission { .. }
            | ConsoleError::NotAllowed { .. }
            | ConsoleError::Jwt { .. }
            | ConsoleError::Daemon { .. }
            | ConsoleError::OriginRefused { .. }
            | ConsoleError::Closed { .. } => true,
        }
    }

    /// The typed error for a failed token request.
    pub(crate) fn from_token_route(server: &str, e: PanelError) -> ConsoleError {
        let server = server.to_string();
        match e {
            PanelError::StateConflict { state, .. } => ConsoleError::ServerState { server, state },
            PanelError::MissingPermission { permission, .. } => {
                ConsoleError::MissingPermission { server, permission }
            }
            source => ConsoleError::Token { server, source },
        }
    }
}
