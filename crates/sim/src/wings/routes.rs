//! The daemon's own HTTP routes, served on the sim's address (the sim answers for every
//! node): the signed download and upload URLs the panel hands out (WPT/WPL
//! `router/router_download.go`, `router_server_files.go::postServerUploadFiles`) and the
//! console websocket (`socket.rs`). Answers are Wings' `{"error": ...}` bodies.

use super::Emulated;
use super::jwt::{TokenError, has_scope, str_claim, verify};
use super::multipart;
use crate::client::remote::server_config;
use crate::client::wings::{ServerConfig, Wings, WingsError};
use crate::{Dialect, Shared, lock};
use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;

pub const NOT_FOUND: &str = "The requested resource was not found on this server.";
const UNEXPECTED: &str = "An unexpected error was encountered while processing this request";

/// Whether a path is one of the daemon's routes.
pub fn is_daemon_path(path: &str) -> bool {
    path.starts_with("/download/")
        || path.starts_with("/upload/")
        || path.starts_with("/api/servers/")
}

pub fn error(status: u16, message: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(json!({ "error": message }).to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn wings_error(e: WingsError) -> Response<Body> {
    match e {
        WingsError::Status {
            status,
            error: msg,
            request_id,
        } => {
            let mut r = error(status, &msg);
            *r.body_mut() = Body::from(json!({"error": msg, "request_id": request_id}).to_string());
            r
        }
        WingsError::Unreachable => error(500, UNEXPECTED),
    }
}

/// The emulated daemon, when it is the one plugged in.
pub fn daemon(sh: &Shared) -> Option<(Arc<dyn Wings>, bool)> {
    let w = lock(&sh.wings).clone();
    let ok = w.emulated().is_some();
    Some((w, ok)).filter(|(_, ok)| *ok)
}

/// Hands the panel's configuration of a server to the daemon (None: no such server).
pub fn sync_server(sh: &Shared, d: &Emulated, uuid: &str) -> Option<ServerConfig> {
    let st = lock(&sh.state);
    let sid = st.idx.server_by_uuid.get(uuid)?;
    let server = st.servers.get(sid)?;
    let config = server_config(&st, server, &sh.url);
    d.sync(&config);
    Some(config)
}

/// A signed URL's claims: the signature checked with the key of the server's node, the
/// expiry, Pelican's scope and the single use of `unique_id`.
fn redeem(
    sh: &Shared,
    d: &Emulated,
    token: &str,
    scope: &str,
) -> Result<(Value, ServerConfig), (u16, &'static str)> {
    let unverified = token
        .split('.')
        .nth(1)
        .and_then(super::jwt::base64url_decode)
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .unwrap_or(Value::Null);
    let uuid = str_claim(&unverified, "server_uuid");
    let Some(config) = sync_server(sh, d, uuid) else {
        return Err((500, UNEXPECTED));
    };
    let claims = match verify(token, &config.node_token, d.clock.now()) {
        Ok(c) => c,
        Err(TokenError::Invalid | TokenError::Expired) => return Err((500, UNEXPECTED)),
    };
    let scoped = d.dialect() == Dialect::Pterodactyl || has_scope(&claims, scope);
    if !(d.redeem(str_claim(&claims, "unique_id")) && scoped) {
        return Err((404, NOT_FOUND));
    }
    Ok((claims, config))
}

fn attachment(name: &str, bytes: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename={name:?}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

fn query<'a>(q: &'a [(String, String)], k: &str) -> &'a str {
    q.iter()
        .find(|(qk, _)| qk == k)
        .map_or("", |(_, v)| v.as_str())
}

/// `GET /download/file`, `GET /download/backup`, `POST /upload/file`.
pub fn transfer(
    sh: &Shared,
    method: &str,
    path: &str,
    q: &[(String, String)],
    content_type: &str,
    body: &[u8],
) -> Response<Body> {
    let Some((wings, _)) = daemon(sh) else {
        return error(404, NOT_FOUND);
    };
    let Some(d) = wings.emulated() else {
        return error(404, NOT_FOUND);
    };
    let token = query(q, "token");
    match (method, path) {
        ("GET", "/download/file") => {
            let (claims, config) = match redeem(sh, d, token, "file-download") {
                Ok(x) => x,
                Err((status, message)) => return error(status, message),
            };
            let file = str_claim(&claims, "file_path");
            if d.dialect() == Dialect::Pelican
                && super::tree::denied(&config.denylist, file.trim_start_matches('/'))
            {
                return wings_error(super::files::fail(403, super::files::DENIED));
            }
            match d.read_file(&config.uuid, file) {
                Some(bytes) => attachment(super::tree::base_name(file), bytes),
                None => error(404, NOT_FOUND),
            }
        }
        ("GET", "/download/backup") => {
            let (claims, config) = match redeem(sh, d, token, "backup-download") {
                Ok(x) => x,
                Err((status, message)) => return error(status, message),
            };
            let backup = str_claim(&claims, "backup_uuid");
            match d.backup_archive(&config.uuid, backup) {
                Some(bytes) => attachment(&format!("{backup}.tar.gz"), bytes),
                None => error(404, "The requested backup was not found on this server."),
            }
        }
        ("POST", "/upload/file") => {
            let (_, config) = match redeem(sh, d, token, "file-upload") {
                Ok(x) => x,
                Err((status, message)) => return error(status, message),
            };
            upload(d, &config, query(q, "directory"), content_type, body)
        }
        _ => error(
            404,
            "The requested resource does not exist on this instance.",
        ),
    }
}

fn upload(
    d: &Emulated,
    config: &ServerConfig,
    dir: &str,
    content_type: &str,
    body: &[u8],
) -> Response<Body> {
    let Some(parts) = multipart::parse(content_type, body) else {
        return error(400, "Failed to get multipart form data from request.");
    };
    let files: Vec<_> = parts.into_iter().filter(|p| p.name == "files").collect();
    if files.is_empty() {
        return error(400, "No files were found on the request body.");
    }
    let limit_mb = config.upload_limit_mb.max(1) as u64;
    if let Some(big) = files
        .iter()
        .find(|f| f.data.len() as u64 > limit_mb * 1024 * 1024)
    {
        let msg = format!(
            "File {} is larger than the maximum file upload size of {limit_mb} MB.",
            big.filename
        );
        return error(400, &msg);
    }
    for f in files {
        if let Err(e) = d.upload(&config.uuid, dir, &f.filename, &f.data) {
            return wings_error(e);
        }
    }
    Response::new(Body::empty())
}
