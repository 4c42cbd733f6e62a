//! Opening one authenticated socket: a fresh token from the panel (waiting out the token
//! route's limiter), the upgrade with the `Origin` Wings checks, `auth`, and nothing else until
//! `auth success` (websocket.md §2: Wings handles messages concurrently, so an event sent right
//! after `auth` may be checked before the token is).

use crate::client_api::{ClientApi, ServerState, WebsocketCredentials};
use crate::console::ConsoleConfig;
use crate::console::claims::Grants;
use crate::console::error::ConsoleError;
use crate::console::event::{ConsoleEvent, Inbound, auth_frame, decode};
use crate::error::PanelError;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::ORIGIN;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the session sends to its caller.
pub(crate) type EventSender = mpsc::Sender<Result<ConsoleEvent, ConsoleError>>;

/// Pelican's Wings closes a suspended server's socket with this code.
pub(crate) const CLOSE_SUSPENDED: u16 = 4409;

/// Everything a session needs to (re)open its socket.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub api: ClientApi,
    pub server: String,
    pub origin: String,
    pub config: ConsoleConfig,
}

/// A socket Wings has authenticated, with what the token grants and the events that arrived
/// with `auth success` (kept in order for the caller).
pub(crate) struct Established {
    pub ws: Ws,
    pub grants: Grants,
    pub early: Vec<ConsoleEvent>,
}

impl Ctx {
    /// A fresh token. A rate-limited token route (Pelican: 5 a minute per server) is waited
    /// out, each wait reported as [`ConsoleEvent::TokenWait`], up to `max_token_waits` times.
    pub(crate) async fn token(
        &self,
        events: &EventSender,
    ) -> Result<WebsocketCredentials, ConsoleError> {
        let mut waits = 0;
        loop {
            let e = match self.api.websocket(&self.server).await {
                Ok(creds) => return Ok(creds),
                Err(e) => e,
            };
            let retry_after = match &e {
                PanelError::Throttled { retry_after, .. }
                | PanelError::RateLimited { retry_after, .. } => *retry_after,
                _ => return Err(ConsoleError::from_token_route(&self.server, e)),
            };
            if waits >= self.config.max_token_waits {
                return Err(ConsoleError::from_token_route(&self.server, e));
            }
            waits += 1;
            let wait = retry_after.unwrap_or(self.config.token_wait);
            let event = ConsoleEvent::TokenWait {
                wait,
                cause: e.to_string(),
            };
            if events.send(Ok(event)).await.is_err() {
                return Err(self.closed());
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Token, socket, `auth`, `auth success`.
    pub(crate) async fn establish(
        &self,
        events: &EventSender,
    ) -> Result<Established, ConsoleError> {
        let creds = self.token(events).await?;
        let mut ws = self.open(&creds.socket).await?;
        let early = self.authenticate(&mut ws, &creds).await?;
        Ok(Established {
            ws,
            grants: Grants::from_jwt(creds.token.expose()),
            early,
        })
    }

    /// The websocket upgrade with the panel URL as `Origin`.
    async fn open(&self, url: &str) -> Result<Ws, ConsoleError> {
        let connect_error = |message: String| ConsoleError::Connect {
            server: self.server.clone(),
            url: url.to_string(),
            message,
        };
        let mut request = url
            .into_client_request()
            .map_err(|e| connect_error(e.to_string()))?;
        let origin = HeaderValue::from_str(&self.origin)
            .map_err(|_| connect_error(format!("invalid Origin {:?}", self.origin)))?;
        request.headers_mut().insert(ORIGIN, origin);
        let connecting = tokio_tungstenite::connect_async(request);
        match tokio::time::timeout(self.config.connect_timeout, connecting).await {
            Err(_) => Err(connect_error(format!(
                "no websocket upgrade within {} s",
                self.config.connect_timeout.as_secs_f64()
            ))),
            Ok(Ok((ws, _))) => Ok(ws),
            Ok(Err(WsError::Http(response))) => {
                let status = response.status().as_u16();
                if status == 403 {
                    return Err(ConsoleError::OriginRefused {
                        server: self.server.clone(),
                        origin: self.origin.clone(),
                    });
                }
                let body = response
                    .body()
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(b).chars().take(300).collect())
                    .unwrap_or_default();
                Err(ConsoleError::Refused {
                    server: self.server.clone(),
                    url: url.to_string(),
                    status,
                    body,
                })
            }
            Ok(Err(e)) => Err(connect_error(e.to_string())),
        }
    }

    /// Sends `auth` and reads until `auth success`, within the auth timeout.
    async fn authenticate(
        &self,
        ws: &mut Ws,
        creds: &WebsocketCredentials,
    ) -> Result<Vec<ConsoleEvent>, ConsoleError> {
        let server = || self.server.clone();
        let lost = |message: String| ConsoleError::Connect {
            server: self.server.clone(),
            url: creds.socket.clone(),
            message,
        };
        ws.send(Message::text(auth_frame(&creds.token)))
            .await
            .map_err(|e| lost(e.to_string()))?;
        let after = self.config.auth_timeout;
        let deadline = tokio::time::Instant::now() + after;
        let mut early = Vec::new();
        loop {
            let next = tokio::time::timeout_at(deadline, ws.next()).await;
            let message = match next {
                Err(_) => {
                    return Err(ConsoleError::AuthTimeout {
                        server: server(),
                        after,
                    });
                }
                Ok(None) => return Err(lost("the socket closed before `auth success`".into())),
                Ok(Some(Err(e))) => return Err(lost(e.to_string())),
                Ok(Some(Ok(m))) => m,
            };
            let text = match message {
                Message::Text(t) => t,
                Message::Close(frame) => return Err(self.closed_early(frame.as_ref(), &lost)),
                _ => continue,
            };
            match decode(text.as_str()) {
                Inbound::AuthSuccess => return Ok(early),
                Inbound::JwtError(reason) => {
                    return Err(ConsoleError::Jwt {
                        server: server(),
                        reason,
                    });
                }
                Inbound::DaemonError(message) => {
                    return Err(ConsoleError::Daemon {
                        server: server(),
                        message,
                    });
                }
                Inbound::TokenExpiring | Inbound::TokenExpired => {}
                Inbound::Event(e) => early.push(e),
            }
        }
    }

    /// A close before `auth success`: Pelican's suspended server, or a plain drop.
    fn closed_early(
        &self,
        frame: Option<&CloseFrame>,
        lost: &dyn Fn(String) -> ConsoleError,
    ) -> ConsoleError {
        match frame {
            Some(f) if u16::from(f.code) == CLOSE_SUSPENDED => ConsoleError::ServerState {
                server: self.server.clone(),
                state: ServerState::Suspended,
            },
            Some(f) => lost(format!(
                "Wings closed the socket before `auth success` ({} {})",
                u16::from(f.code),
                f.reason
            )),
            None => lost("Wings closed the socket before `auth success`".into()),
        }
    }

    pub(crate) fn closed(&self) -> ConsoleError {
        ConsoleError::Closed {
            server: self.server.clone(),
        }
    }
}
