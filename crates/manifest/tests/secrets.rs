//! Secret egg variables: `(env)"VAR"` and `(file)"PATH"` name where a value is read, the way a
//! password does; the manifests never hold it.

use roost_manifest::{Sources, load};
use roost_model::{EnvValue, SecretRef};
use std::sync::Arc;

fn sources(server_env: &str) -> Sources {
    let text = format!(
        r#"panel {{
    dialect "pterodactyl"
}}
location "fra"
node "fra-1" {{
    location "fra"
    fqdn "fra-1.example.com"
    memory 4096
    disk 4096
    allocations "10.0.0.5" 28015
}}
user "alice" {{
    email "alice@example.com"
    first-name "Alice"
    last-name "Liddell"
    password env="ALICE_PASSWORD"
}}
server "rust" {{
    owner "alice"
    node "fra-1"
    egg "Rust" nest="Rust"
    limits memory=4096 disk=20480
    allocation "10.0.0.5:28015"
    {server_env}
}}
"#
    );
    Sources {
        files: vec![("fleet.kdl".into(), Arc::from(text))],
    }
}

fn errors(server_env: &str) -> Vec<(&'static str, String)> {
    let err = load(sources(server_env)).expect_err("the manifests are invalid");
    err.diagnostics
        .iter()
        .map(|d| (d.code_str(), d.message().to_string()))
        .collect()
}

#[test]
fn variables_read_from_the_environment_or_a_file() {
    let m = load(sources(
        r#"env RCON_PASS=(env)"RUST_RCON" STEAM_ACC=(file)"secrets/gslt" HOSTNAME="EU""#,
    ))
    .expect("valid");
    let s = &m.desired.servers["rust"];
    assert_eq!(
        s.environment["RCON_PASS"],
        EnvValue::Secret(SecretRef::Env("RUST_RCON".into()))
    );
    assert_eq!(
        s.environment["STEAM_ACC"],
        EnvValue::Secret(SecretRef::File("secrets/gslt".into()))
    );
    assert_eq!(s.environment["HOSTNAME"], EnvValue::Literal("EU".into()));
    // Each variable knows its line (for errors about its secret), and so does the password.
    let at = |o| m.sources.locate(o);
    assert_eq!(at(s.environment_origins["RCON_PASS"]), "fleet.kdl:24:9");
    let pw = m.desired.users["alice"]
        .password
        .as_ref()
        .expect("password");
    assert_eq!(at(pw.origin), "fleet.kdl:16:14");
    // Every secret the manifests refer to, for reading before planning.
    let refs: Vec<String> = m
        .desired
        .secret_refs()
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(
        refs,
        ["env ALICE_PASSWORD", "env RUST_RCON", "file secrets/gslt"]
    );
    // Printed back as written, never resolved.
    let printed = roost_manifest::print_desired(&m.desired);
    assert!(
        printed.contains(
            r#"env HOSTNAME="EU" RCON_PASS=(env)"RUST_RCON" STEAM_ACC=(file)"secrets/gslt""#
        ),
        "{printed}"
    );
}

#[test]
fn an_unknown_annotation_is_not_read_as_a_literal() {
    assert_eq!(
        errors(r#"env RCON_PASS=(envv)"RUST_RCON""#),
        [(
            "roost::unknown-annotation",
            "`RCON_PASS` has the type annotation `(envv)`, which roost does not read here"
                .to_string()
        )]
    );
}

#[test]
fn a_secret_source_must_name_something() {
    for (env, message) in [
        (
            r#"env RCON_PASS=(env)"""#,
            r#"`(env)""` is not an environment variable name"#,
        ),
        (
            r#"env RCON_PASS=(env)"RUST RCON""#,
            r#"`(env)"RUST RCON"` is not an environment variable name"#,
        ),
        (
            r#"env RCON_PASS=(file)" ""#,
            r#"`(file)" "` is not a file path"#,
        ),
    ] {
        assert_eq!(
            errors(env),
            [("roost::bad-value", message.to_string())],
            "{env}"
        );
    }
    let e = errors(r#"env RCON_PASS=(env)42"#);
    assert_eq!(e[0].0, "roost::wrong-type");
}

/// The client token's variable is read like the API token's: named, never written.
#[test]
fn the_client_token_is_named_by_its_variable_never_written() {
    let load_panel = |field: &str| {
        let text = format!("panel {{\n    {field}\n}}\n");
        load(Sources {
            files: vec![("panel.kdl".into(), Arc::from(text))],
        })
    };
    let m = load_panel(r#"client-token-env "MY_CLIENT_TOKEN""#).expect("valid");
    assert_eq!(m.desired.panel.client_token_env, "MY_CLIENT_TOKEN");
    let m = load_panel(r#"dialect "pelican""#).expect("valid");
    assert_eq!(
        m.desired.panel.client_token_env, "ROOST_CLIENT_TOKEN",
        "the default"
    );
    let err = load_panel(r#"client-token-env "ptlc_Xq7Vb2mL9pR4sT8wY1zA3cE5gH6jK0nM2oQ4uW6""#)
        .expect_err("a literal key is refused");
    let d = &err.diagnostics[0];
    assert_eq!(d.code_str(), "roost::literal-secret");
    assert!(d.message().contains("client API token"), "{}", d.message());
}
