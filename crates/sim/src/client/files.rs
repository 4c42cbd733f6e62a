//! `/servers/{server}/files/...` (client/files.md): the panel checks the permission and the
//! request, then forwards to Wings — except the download and upload URLs, which the panel signs
//! itself. What Wings answers (listings, contents, archives) is turned into the panels'
//! objects here (the emulated Wings' volume is in `crate::wings::files`); with an unreachable
//! daemon every forwarded route fails as it does on a panel whose node is down.

use super::ctx::Cx;
use super::jwt::{Scope, TokenRequest, sign};
use super::servers::owned;
use super::wings::{WingsAnswer, WingsCall, daemon_error};
use crate::render::{close, open};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Validator, php_string};
use crate::state::SimState;
use crate::util::{W, percent_decode};
use roost_model::Dialect;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Route {
    List,
    Contents,
    Download,
    Upload,
    Rename,
    Copy,
    Write,
    Compress,
    Decompress,
    Delete,
    CreateFolder,
    Chmod,
    Pull,
}

pub fn routes(tail: &[&str]) -> Vec<(&'static str, Route)> {
    let r = match tail {
        ["list"] => ("GET", Route::List),
        ["contents"] => ("GET", Route::Contents),
        ["download"] => ("GET", Route::Download),
        ["upload"] => ("GET", Route::Upload),
        ["rename"] => ("PUT", Route::Rename),
        ["copy"] => ("POST", Route::Copy),
        ["write"] => ("POST", Route::Write),
        ["compress"] => ("POST", Route::Compress),
        ["decompress"] => ("POST", Route::Decompress),
        ["delete"] => ("POST", Route::Delete),
        ["create-folder"] => ("POST", Route::CreateFolder),
        ["chmod"] => ("POST", Route::Chmod),
        ["pull"] => ("POST", Route::Pull),
        _ => return vec![],
    };
    vec![r]
}

/// The permission and rules of each route (`CR/Servers/Files/*Request.php`).
fn permission_and_rules(
    d: Dialect,
    route: Route,
) -> (&'static str, Vec<(&'static str, &'static str)>) {
    match route {
        Route::List => (
            "file.read",
            vec![("directory", "sometimes|nullable|string")],
        ),
        Route::Contents | Route::Download => {
            ("file.read-content", vec![("file", "required|string")])
        }
        Route::Upload => ("file.create", vec![]),
        Route::Rename => (
            "file.update",
            vec![
                ("root", "required|nullable|string"),
                ("files", "required|array"),
            ],
        ),
        Route::Copy => ("file.create", vec![("location", "required|string")]),
        Route::Write => ("file.create", vec![("file", "required|string")]),
        Route::Compress => {
            let mut r = vec![
                ("root", "sometimes|nullable|string"),
                ("files", "required|array"),
            ];
            if d == Dialect::Pelican {
                r.push(("name", "sometimes|nullable|string"));
                r.push((
                    "extension",
                    "sometimes|in:zip,tgz,tar.gz,txz,tar.xz,tbz2,tar.bz2",
                ));
            }
            ("file.archive", r)
        }
        Route::Decompress => (
            "file.create",
            vec![
                ("root", "sometimes|nullable|string"),
                ("file", "required|string"),
            ],
        ),
        Route::Delete => (
            "file.delete",
            vec![
                ("root", "required|nullable|string"),
                ("files", "required|array"),
            ],
        ),
        Route::CreateFolder => (
            "file.create",
            vec![
                ("root", "sometimes|nullable|string"),
                ("name", "required|string"),
            ],
        ),
        Route::Chmod => (
            "file.update",
            vec![
                ("root", "required|nullable|string"),
                ("files", "required|array"),
            ],
        ),
        Route::Pull => (
            "file.create",
            vec![
                ("url", "required|string|url"),
                ("directory", "nullable|string"),
                ("filename", "nullable|string"),
                ("use_header", "boolean"),
                ("foreground", "boolean"),
            ],
        ),
    }
}

/// The per-item rules of `files.*`.
fn item_rules(v: &mut Validator, route: Route) {
    let Some(Value::Array(items)) = v.input.get("files") else {
        return;
    };
    for i in 0..items.len() {
        match route {
            Route::Rename => {
                v.check(&format!("files.{i}"), "array");
                v.check(&format!("files.{i}.to"), "required|string");
                v.check(&format!("files.{i}.from"), "required|string");
            }
            Route::Chmod => {
                v.check(&format!("files.{i}.file"), "required|string");
                v.check(&format!("files.{i}.mode"), "required|numeric");
            }
            Route::Compress | Route::Delete => v.check(&format!("files.{i}"), "string"),
            _ => {}
        }
    }
}

pub fn handle(st: &mut SimState, cx: &mut Cx, sid: u64, route: Route) -> Res {
    let (perm, rules) = permission_and_rules(cx.d, route);
    cx.access(st, sid)?.require(perm)?;
    let mut v = Validator::new(cx.d, &cx.input);
    for (field, rule) in rules {
        v.check(field, rule);
    }
    item_rules(&mut v, route);
    validate(v)?;
    match route {
        Route::Download => signed_url(st, cx, sid, true),
        Route::Upload => signed_url(st, cx, sid, false),
        // A null root reaches a typed parameter in both panels.
        Route::CreateFolder if cx.has("root") && cx.get("root").is_none() => {
            Err(ApiErr::server("TypeError"))
        }
        _ => forward(st, cx, sid, route),
    }
}

/// `download` and `upload`: a 15-minute token for the node, no daemon call.
fn signed_url(st: &mut SimState, cx: &mut Cx, sid: u64, download: bool) -> Res {
    let (server, node, user) = owned(st, sid, cx.user)?;
    let file = cx.str("file").unwrap_or_default();
    let mut claims = Vec::new();
    if download {
        claims.push((
            "file_path",
            Value::from(percent_decode(&file.replace('+', "%2B"))),
        ));
    }
    claims.push(("server_uuid", Value::from(server.uuid.clone())));
    let now = st.now();
    let token = sign(
        cx.d,
        &mut st.rng,
        TokenRequest {
            node: &node,
            panel_url: cx.base,
            user: &user,
            identified_by: format!("{}{}", user.id, server.uuid),
            now,
            ttl_secs: 900,
            scope: if download {
                Scope::FileDownload
            } else {
                Scope::FileUpload
            },
            claims,
        },
    );
    let kind = if download { "download" } else { "upload" };
    if download {
        cx.log("server:file.download", Some(sid), json!({"file": file}));
    }
    let url = format!("{}/{kind}/file?token={token}", cx.daemon_address(&node));
    let body = json!({"object": "signed_url", "attributes": {"url": url}});
    Ok(Out::json(200, body.to_string()))
}

/// The Wings route a client route forwards to, and what the panel sends.
fn wings_call(cx: &Cx, route: Route) -> WingsCall {
    let (method, name) = match route {
        Route::List => ("GET", "list-directory"),
        Route::Contents => ("GET", "contents"),
        Route::Rename => ("PUT", "rename"),
        Route::Copy => ("POST", "copy"),
        Route::Write => ("POST", "write"),
        Route::Compress => ("POST", "compress"),
        Route::Decompress => ("POST", "decompress"),
        Route::Delete => ("POST", "delete"),
        Route::CreateFolder => ("POST", "create-directory"),
        Route::Chmod => ("POST", "chmod"),
        Route::Pull => ("POST", "pull"),
        Route::Download | Route::Upload => ("GET", "none"),
    };
    let mut body = cx.input.clone();
    let mut raw = Vec::new();
    if route == Route::Write
        && let Some(o) = body.as_object_mut()
    {
        o.insert("content".into(), Value::from(cx.body_text.clone()));
        raw = cx.body_raw.clone();
    }
    WingsCall::Files {
        method,
        route: name,
        body,
        raw,
    }
}

fn forward(st: &mut SimState, cx: &mut Cx, sid: u64, route: Route) -> Res {
    let answer = cx
        .wings(st, sid, wings_call(cx, route))
        .map_err(|e| daemon_error(cx.d, &e))?;
    log(cx, sid, route);
    let answer = match answer {
        WingsAnswer::Text(t) => WingsAnswer::Bytes(t.into_bytes()),
        a => a,
    };
    match (route, answer) {
        (Route::List, WingsAnswer::Json(Value::Array(items))) => {
            let mut w = W::new();
            crate::render::list(&mut w, items.iter(), file_object);
            Ok(Out::json(200, w.s))
        }
        // The panel reads Wings' Content-Length first (`*_FILES_MAX_EDIT_SIZE`).
        (Route::Contents, WingsAnswer::Bytes(b))
            if b.len() as u64 > st.settings.files_max_edit_size =>
        {
            Err(ApiErr::display(
                "FileSizeTooLargeException",
                "The file you are attempting to open is too large to view in the file editor.",
            ))
        }
        // Pterodactyl hands the bytes on as they are; Pelican converts them to UTF-8. Both
        // running panels answer with the charset (the source reading expected Pterodactyl to
        // send plain `text/plain`).
        (Route::Contents, WingsAnswer::Bytes(b)) => {
            let body = match cx.d {
                Dialect::Pterodactyl => b,
                Dialect::Pelican => convert_to_utf8(b),
            };
            Ok(Out::bytes(200, "text/plain; charset=utf-8", body))
        }
        (Route::Compress, WingsAnswer::Json(f)) => {
            let mut w = W::new();
            file_object(&mut w, &f);
            Ok(Out::json(200, w.s))
        }
        _ => Ok(Out::empty()),
    }
}

fn log(cx: &mut Cx, sid: u64, route: Route) {
    let event = match route {
        Route::Contents => "server:file.read",
        Route::Rename => "server:file.rename",
        Route::Copy => "server:file.copy",
        Route::Write => "server:file.write",
        Route::Compress => "server:file.compress",
        Route::Decompress => "server:file.decompress",
        Route::Delete => "server:file.delete",
        Route::CreateFolder => "server:file.create-directory",
        Route::Pull => "server:file.pull",
        Route::List | Route::Download | Route::Upload | Route::Chmod => return,
    };
    let mut props = serde_json::Map::new();
    for k in [
        "directory",
        "root",
        "file",
        "files",
        "name",
        "url",
        "location",
    ] {
        if let Some(v) = cx.get(k) {
            props.insert(k.to_string(), v.clone());
        }
    }
    cx.log(event, Some(sid), Value::Object(props));
}

/// `FileObjectTransformer` over a Wings stat object.
fn file_object(w: &mut W, f: &Value) {
    let s = |k: &str| f.get(k).map(php_string).unwrap_or_default();
    let b = |k: &str| f.get(k).and_then(Value::as_bool).unwrap_or(false);
    open(w, "file_object");
    w.k_str("name", &s("name"));
    w.k_str("mode", &s("mode"));
    w.k_str("mode_bits", &s("mode_bits"));
    w.k_i64("size", f.get("size").and_then(Value::as_i64).unwrap_or(0));
    w.k_bool("is_file", b("file"));
    w.k_bool("is_symlink", b("symlink"));
    w.k_str("mimetype", &s("mime"));
    w.k_str("created_at", &s("created"));
    w.k_str("modified_at", &s("modified"));
    close(w);
}

/// Pelican's `convert_to_utf8` helper: valid UTF-8 as is, UTF-16 by its byte-order mark,
/// anything else read as ISO-8859-1 (every byte is valid there).
fn convert_to_utf8(b: Vec<u8>) -> Vec<u8> {
    if std::str::from_utf8(&b).is_ok() {
        return b;
    }
    let utf16 = |rest: &[u8], big: bool| -> Vec<u8> {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if big {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units).into_bytes()
    };
    match b.as_slice() {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        latin1 => latin1
            .iter()
            .map(|&c| c as char)
            .collect::<String>()
            .into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::convert_to_utf8;

    #[test]
    fn pelican_reads_what_is_not_utf8_as_latin1_or_utf16() {
        assert_eq!(
            convert_to_utf8("héllo".as_bytes().to_vec()),
            "héllo".as_bytes()
        );
        assert_eq!(convert_to_utf8(vec![b'c', 0xE9]), "cé".as_bytes());
        assert_eq!(convert_to_utf8(vec![0xFF, 0xFE, b'h', 0, b'i', 0]), b"hi");
        assert_eq!(convert_to_utf8(vec![0xFE, 0xFF, 0, b'h']), b"h");
    }
}
