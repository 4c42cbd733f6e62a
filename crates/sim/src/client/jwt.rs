//! `NodeJWTService`: the HS256 tokens the panel signs with a node's daemon token for Wings —
//! the websocket token and the signed download/upload URLs (client/websocket.md §1). No
//! network call is involved, so the sim issues them itself.

use super::digest::{base64url, hmac_sha256, md5_hex, sha256_hex};
use crate::state::{Node, User};
use crate::util::random_alnum;
use rand::RngCore;
use roost_model::Dialect;
use serde_json::Value;

/// A node's connection address: `scheme://fqdn:port` (PT `daemonListen`, PL `daemon_connect`).
pub fn connection_address(d: Dialect, n: &Node) -> String {
    let port = match d {
        Dialect::Pterodactyl => n.daemon_listen,
        Dialect::Pelican => n.daemon_connect,
    };
    format!("{}://{}:{}", n.scheme, n.fqdn, port)
}

/// What a token is for (Pelican writes it into `scope`).
#[derive(Clone, Copy)]
pub enum Scope {
    Websocket,
    FileDownload,
    FileUpload,
    BackupDownload,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Websocket => "websocket",
            Scope::FileDownload => "file-download",
            Scope::FileUpload => "file-upload",
            Scope::BackupDownload => "backup-download",
        }
    }
}

/// One token request.
pub struct TokenRequest<'a> {
    pub node: &'a Node,
    pub panel_url: &'a str,
    pub user: &'a User,
    /// Hashed into the `jti` (PT md5, PL sha256), e.g. user id + server uuid.
    pub identified_by: String,
    pub now: i64,
    pub ttl_secs: i64,
    pub scope: Scope,
    /// Claims before the user's, in order.
    pub claims: Vec<(&'static str, Value)>,
}

fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Signs the token: header `{typ, alg, jti}`, then `iss, aud, jti, iat, nbf, exp`, the claims,
/// `user_uuid` (+ PT `user_id`, PL `scope`) and a random `unique_id`.
pub fn sign(d: Dialect, rng: &mut impl RngCore, t: TokenRequest) -> String {
    let jti = match d {
        Dialect::Pterodactyl => md5_hex(t.identified_by.as_bytes()),
        Dialect::Pelican => sha256_hex(t.identified_by.as_bytes()),
    };
    let header = format!(
        r#"{{"typ":"JWT","alg":"HS256","jti":{}}}"#,
        json(&jti.clone().into())
    );
    let mut fields: Vec<(&str, Value)> = vec![
        ("iss", t.panel_url.into()),
        (
            "aud",
            Value::Array(vec![connection_address(d, t.node).into()]),
        ),
        ("jti", jti.into()),
        ("iat", t.now.into()),
        ("nbf", (t.now - 300).into()),
        ("exp", (t.now + t.ttl_secs).into()),
    ];
    fields.extend(t.claims);
    fields.push(("user_uuid", t.user.uuid.clone().into()));
    match d {
        Dialect::Pterodactyl => fields.push(("user_id", t.user.id.into())),
        Dialect::Pelican => fields.push(("scope", t.scope.name().into())),
    }
    fields.push(("unique_id", random_alnum(rng, 16).into()));
    let payload: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", json(&(*k).into()), json(v)))
        .collect();
    let payload = format!("{{{}}}", payload.join(","));
    let signing = format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.as_bytes())
    );
    let signature = hmac_sha256(t.node.daemon_token.as_bytes(), signing.as_bytes());
    format!("{signing}.{}", base64url(&signature))
}
