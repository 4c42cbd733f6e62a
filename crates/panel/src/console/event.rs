//! The frames of the Wings socket (client/websocket.md §3–§5): what arrives decoded into typed
//! events, what the client sends encoded. Pure functions, so every frame shape is a unit test.

use crate::client_api::PowerSignal;
use roost_model::Secret;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// A server's power state as Wings reports it in `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerStatus {
    Offline,
    Starting,
    Running,
    Stopping,
    /// A state this client does not know, as Wings named it.
    Other(String),
}

impl ServerStatus {
    fn from_wire(s: &str) -> ServerStatus {
        match s {
            "offline" => ServerStatus::Offline,
            "starting" => ServerStatus::Starting,
            "running" => ServerStatus::Running,
            "stopping" => ServerStatus::Stopping,
            other => ServerStatus::Other(other.to_string()),
        }
    }
}

/// The `stats` event (websocket.md §5); keys Wings leaves out read as zero.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Stats {
    #[serde(default)]
    pub memory_bytes: u64,
    #[serde(default)]
    pub memory_limit_bytes: u64,
    /// Percent, 100 = one core.
    #[serde(default)]
    pub cpu_absolute: f64,
    #[serde(default)]
    pub network: NetworkStats,
    /// Milliseconds since the server started.
    #[serde(default)]
    pub uptime: u64,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub disk_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct NetworkStats {
    #[serde(default)]
    pub rx_bytes: u64,
    #[serde(default)]
    pub tx_bytes: u64,
}

/// The `backup completed` event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BackupCompleted {
    pub uuid: String,
    #[serde(default)]
    pub is_successful: bool,
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default)]
    pub checksum_type: Option<String>,
    #[serde(default)]
    pub file_size: u64,
}

/// Pelican's `feature match`: an egg feature pattern found in the console output.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FeatureMatch {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub pattern: String,
    #[serde(default)]
    pub line: String,
}

/// What a console session reports: Wings' events, typed, and the session's own
/// (authenticated, token renewed, reconnecting, waiting for a token).
#[derive(Debug, Clone, PartialEq)]
pub enum ConsoleEvent {
    /// A console line (ANSI colours kept).
    Output(String),
    Status(ServerStatus),
    Stats(Stats),
    /// Only with `admin.websocket.install`.
    InstallOutput(String),
    InstallStarted,
    InstallCompleted,
    /// Install and restore notices.
    DaemonMessage(String),
    BackupCompleted(BackupCompleted),
    BackupRestoreCompleted,
    TransferLogs(String),
    TransferStatus(String),
    /// The server was deleted; the session ends after this event.
    Deleted,
    /// Pelican's Wings throttled an event (its name, or `global`).
    Throttled(String),
    FeatureMatch(FeatureMatch),
    /// A `daemon error` after authentication, e.g. a power action refused because another one
    /// runs. The session goes on.
    DaemonError(String),
    /// An event this client does not know (or whose arguments it could not read), kept as sent.
    Other {
        event: String,
        args: Vec<String>,
    },
    /// A frame that is not the socket's JSON shape (Wings itself drops such frames).
    Malformed(String),
    /// The first `auth success` of the session.
    Authenticated,
    /// A new token was accepted on the open socket (after `token expiring`/`token expired`).
    TokenRenewed,
    /// The socket dropped; the session waits `delay` and then opens attempt `attempt` of
    /// `max_attempts` with a fresh token.
    Reconnecting {
        attempt: u32,
        max_attempts: u32,
        delay: Duration,
        cause: String,
    },
    /// A new socket is authenticated after `attempt` attempts. The output written while the
    /// socket was down follows as [`Output`](ConsoleEvent::Output), taken from Wings' replay
    /// of its last 150 lines, without the lines already passed on.
    Reconnected {
        attempt: u32,
    },
    /// More output was written while the socket was down (or its token had expired) than
    /// Wings replays: lines between the last one passed on and the next are lost.
    OutputLost,
    /// The token route was rate limited (Pelican: 5 a minute per server): the session waits
    /// `wait` and asks again.
    TokenWait {
        wait: Duration,
        cause: String,
    },
}

/// A decoded inbound frame: the ones that steer the session, or an event for the caller.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Inbound {
    AuthSuccess,
    TokenExpiring,
    TokenExpired,
    JwtError(String),
    DaemonError(String),
    Event(ConsoleEvent),
}

#[derive(Deserialize)]
struct RawFrame {
    event: String,
    #[serde(default)]
    args: Option<Vec<Value>>,
}

/// Decodes one text frame. Never fails: what it cannot read becomes
/// [`ConsoleEvent::Malformed`] or [`ConsoleEvent::Other`].
pub(crate) fn decode(text: &str) -> Inbound {
    let Ok(raw) = serde_json::from_str::<RawFrame>(text) else {
        return Inbound::Event(ConsoleEvent::Malformed(text.to_string()));
    };
    let args: Vec<String> = raw
        .args
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .collect();
    let first = args.first().cloned().unwrap_or_default();
    let event = match raw.event.as_str() {
        "auth success" => return Inbound::AuthSuccess,
        "token expiring" => return Inbound::TokenExpiring,
        "token expired" => return Inbound::TokenExpired,
        "jwt error" => return Inbound::JwtError(first),
        "daemon error" => return Inbound::DaemonError(first),
        "console output" => Some(ConsoleEvent::Output(first)),
        "status" => Some(ConsoleEvent::Status(ServerStatus::from_wire(&first))),
        "install output" => Some(ConsoleEvent::InstallOutput(first)),
        "install started" => Some(ConsoleEvent::InstallStarted),
        "install completed" => Some(ConsoleEvent::InstallCompleted),
        "daemon message" => Some(ConsoleEvent::DaemonMessage(first)),
        "backup restore completed" => Some(ConsoleEvent::BackupRestoreCompleted),
        "transfer logs" => Some(ConsoleEvent::TransferLogs(first)),
        "transfer status" => Some(ConsoleEvent::TransferStatus(first)),
        "deleted" => Some(ConsoleEvent::Deleted),
        "throttled" => Some(ConsoleEvent::Throttled(first)),
        "stats" => json_arg(&first).map(ConsoleEvent::Stats),
        "backup completed" => json_arg(&first).map(ConsoleEvent::BackupCompleted),
        "feature match" => json_arg(&first).map(ConsoleEvent::FeatureMatch),
        _ => None,
    }
    .unwrap_or(ConsoleEvent::Other {
        event: raw.event,
        args,
    });
    Inbound::Event(event)
}

/// Structured data travels as a JSON string inside the first argument.
fn json_arg<T: serde::de::DeserializeOwned>(arg: &str) -> Option<T> {
    serde_json::from_str(arg).ok()
}

/// What the client sends after authenticating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outbound {
    Command(String),
    Power(PowerSignal),
    Logs,
    Stats,
}

impl Outbound {
    /// The permission Wings checks on the token before acting (it drops the event silently
    /// without it, websocket.md §4).
    pub(crate) fn permission(&self) -> Option<&'static str> {
        match self {
            Outbound::Command(_) => Some("control.console"),
            Outbound::Power(signal) => Some(signal.permission()),
            Outbound::Logs | Outbound::Stats => None,
        }
    }

    pub(crate) fn encode(&self) -> String {
        let frame = match self {
            Outbound::Command(line) => json!({"event": "send command", "args": [line]}),
            Outbound::Power(signal) => json!({"event": "set state", "args": [signal.as_str()]}),
            Outbound::Logs => json!({"event": "send logs"}),
            Outbound::Stats => json!({"event": "send stats"}),
        };
        frame.to_string()
    }
}

/// The `auth` frame. The only place a token is exposed: the frame goes onto the socket.
pub(crate) fn auth_frame(token: &Secret) -> String {
    json!({"event": "auth", "args": [token.expose()]}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(text: &str) -> ConsoleEvent {
        match decode(text) {
            Inbound::Event(e) => e,
            other => panic!("not an event: {other:?}"),
        }
    }

    #[test]
    fn session_frames_steer_the_session() {
        assert_eq!(decode(r#"{"event":"auth success"}"#), Inbound::AuthSuccess);
        assert_eq!(
            decode(r#"{"event":"token expiring","args":[]}"#),
            Inbound::TokenExpiring
        );
        assert_eq!(
            decode(r#"{"event":"token expired"}"#),
            Inbound::TokenExpired
        );
        assert_eq!(
            decode(r#"{"event":"jwt error","args":["jwt: exp claim is invalid"]}"#),
            Inbound::JwtError("jwt: exp claim is invalid".into())
        );
        assert_eq!(
            decode(r#"{"event":"daemon error","args":["Error Event [x]: boom"]}"#),
            Inbound::DaemonError("Error Event [x]: boom".into())
        );
    }

    #[test]
    fn wings_events_are_typed() {
        assert_eq!(
            event(r#"{"event":"console output","args":["\u001b[33mhi"]}"#),
            ConsoleEvent::Output("\u{1b}[33mhi".into())
        );
        assert_eq!(
            event(r#"{"event":"status","args":["running"]}"#),
            ConsoleEvent::Status(ServerStatus::Running)
        );
        assert_eq!(
            event(r#"{"event":"status","args":["hibernating"]}"#),
            ConsoleEvent::Status(ServerStatus::Other("hibernating".into()))
        );
        let stats = r#"{"event":"stats","args":["{\"memory_bytes\":0,\"memory_limit_bytes\":0,\"cpu_absolute\":37.5,\"network\":{\"rx_bytes\":1,\"tx_bytes\":2},\"uptime\":5832000,\"state\":\"running\",\"disk_bytes\":734003200}"]}"#;
        let ConsoleEvent::Stats(s) = event(stats) else {
            panic!("not stats")
        };
        assert_eq!(s.cpu_absolute, 37.5);
        assert_eq!(s.network.tx_bytes, 2);
        assert_eq!(s.uptime, 5_832_000);
        assert_eq!(s.state, "running");
        assert_eq!(s.disk_bytes, 734_003_200);
        let backup = r#"{"event":"backup completed","args":["{\"uuid\":\"b1\",\"is_successful\":true,\"checksum\":\"abc\",\"checksum_type\":\"sha1\",\"file_size\":42}"]}"#;
        let ConsoleEvent::BackupCompleted(b) = event(backup) else {
            panic!("not a backup")
        };
        assert!(b.is_successful);
        assert_eq!((b.uuid.as_str(), b.file_size), ("b1", 42));
        assert_eq!(
            event(r#"{"event":"install started","args":[""]}"#),
            ConsoleEvent::InstallStarted
        );
        assert_eq!(
            event(r#"{"event":"deleted","args":["null"]}"#),
            ConsoleEvent::Deleted
        );
        assert_eq!(
            event(r#"{"event":"daemon message","args":["restoring"]}"#),
            ConsoleEvent::DaemonMessage("restoring".into())
        );
    }

    #[test]
    fn unknown_and_unreadable_frames_are_kept_never_a_panic() {
        assert_eq!(
            event(r#"{"event":"new thing","args":["a",1,null]}"#),
            ConsoleEvent::Other {
                event: "new thing".into(),
                args: vec!["a".into(), "1".into(), "null".into()]
            }
        );
        // Stats whose JSON is broken: kept with its arguments.
        assert_eq!(
            event(r#"{"event":"stats","args":["{nope"]}"#),
            ConsoleEvent::Other {
                event: "stats".into(),
                args: vec!["{nope".into()]
            }
        );
        assert_eq!(
            event("not json"),
            ConsoleEvent::Malformed("not json".into())
        );
        assert_eq!(
            event(r#"{"args":[]}"#),
            ConsoleEvent::Malformed(r#"{"args":[]}"#.into())
        );
        // Missing args on an event that has one: an empty line, not a panic.
        assert_eq!(
            event(r#"{"event":"console output"}"#),
            ConsoleEvent::Output(String::new())
        );
    }

    #[test]
    fn outbound_frames_and_their_permissions() {
        let c = Outbound::Command("say \"hi\"".into());
        assert_eq!(
            c.encode(),
            r#"{"args":["say \"hi\""],"event":"send command"}"#
        );
        assert_eq!(c.permission(), Some("control.console"));
        let kill = Outbound::Power(PowerSignal::Kill);
        assert_eq!(kill.encode(), r#"{"args":["kill"],"event":"set state"}"#);
        assert_eq!(kill.permission(), Some("control.stop"));
        assert_eq!(Outbound::Logs.encode(), r#"{"event":"send logs"}"#);
        assert_eq!(Outbound::Stats.permission(), None);
        assert_eq!(
            auth_frame(&Secret::new("t.o.k")),
            r#"{"args":["t.o.k"],"event":"auth"}"#
        );
    }
}

/// The socket sessions recorded in `shared/panel-api/client/fixtures/*/websocket.session.json`
/// (frames Wings sent, in both dialects) decode to typed events, none left as unknown.
#[cfg(test)]
mod recorded {
    use super::*;
    use std::path::{Path, PathBuf};

    fn fixtures() -> PathBuf {
        match std::env::var_os("ROOST_PANEL_API_DIR") {
            Some(d) => PathBuf::from(d),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/panel-api"),
        }
        .join("client/fixtures")
    }

    #[test]
    fn every_recorded_frame_from_wings_is_typed() {
        for dialect in ["pterodactyl", "pelican"] {
            let path = fixtures().join(dialect).join("websocket.session.json");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let session: Value = serde_json::from_str(&text).expect("the fixture is JSON");
            let frames = session["frames"].as_array().expect("frames");
            let received: Vec<&Value> = frames
                .iter()
                .filter(|f| f["dir"] == "recv")
                .map(|f| &f["frame"])
                .collect();
            assert!(received.len() >= 5, "{dialect}: {} frames", received.len());
            for frame in received {
                let decoded = decode(&frame.to_string());
                assert!(
                    !matches!(
                        decoded,
                        Inbound::Event(ConsoleEvent::Other { .. } | ConsoleEvent::Malformed(_))
                    ),
                    "{dialect}: {frame} decoded as {decoded:?}"
                );
            }
        }
    }
}
