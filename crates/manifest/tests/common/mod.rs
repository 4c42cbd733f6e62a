//! What the manifest tests of server-level kinds (schedules, subusers, power) share: a one-file fleet
//! in either dialect with a node and a user, a server block, and loading it.

#![allow(dead_code)]

use roost_manifest::{ManifestErrors, Sources, load};
use roost_model::Desired;
use std::sync::Arc;

pub fn fleet(dialect: &str, rest: &str) -> Sources {
    // Pterodactyl's required location and names, on the same lines (errors name lines).
    let (location, at, names) = match dialect {
        "pterodactyl" => (
            " location \"fra\";",
            " location \"fra\";",
            " first-name \"A\"; last-name \"B\";",
        ),
        _ => ("", "", ""),
    };
    let text = format!(
        r#"panel {{ dialect "{dialect}"; }};{location}
node "fra-1" {{
    fqdn "fra-1.example.com";{at}
    memory 4096
    disk 4096
    allocations "10.0.0.5" 25565 25566
}}
user "alice" {{ email "alice@example.com";{names} }}
{rest}
"#
    );
    Sources {
        files: vec![("fleet.kdl".into(), Arc::from(text))],
    }
}

pub fn server(key: &str, port: u16, from: Option<&str>, body: &str) -> String {
    let from = from.map(|t| format!(" from=\"{t}\"")).unwrap_or_default();
    format!(
        r#"server "{key}"{from} {{
    owner "alice"
    node "fra-1"
    egg "Paper"
    limits memory=1024 disk=1024
    allocation "10.0.0.5:{port}"
{body}
}}"#
    )
}

pub fn desired(sources: Sources) -> Desired {
    match load(sources) {
        Ok(m) => m.desired,
        Err(e) => panic!("{}", roost_manifest::render_plain(&e, 100)),
    }
}

pub fn errors(sources: Sources) -> ManifestErrors {
    load(sources).expect_err("the manifests must not load")
}

/// (code, message) of each error, and the whole report.
pub fn report(e: &ManifestErrors) -> (Vec<(String, String)>, String) {
    let codes = e
        .diagnostics
        .iter()
        .map(|d| (d.code_str().to_string(), d.message().to_string()))
        .collect();
    (codes, roost_manifest::render_plain(e, 140))
}
