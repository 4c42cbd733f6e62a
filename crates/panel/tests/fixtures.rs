//! Every example body in `shared/panel-api/fixtures/` deserializes through the client's wire
//! types and maps into live types. The directory is iterated, so new fixtures are covered
//! without touching this file; a fixture of an unknown kind fails the test until it is modelled
//! or listed as out of scope below.

use roost_panel::PanelError;
use roost_panel::wire::{
    AllocationAttributes, DatabaseAttributes, DatabaseHostAttributes, EggAttributes, ErrorBody,
    Item, List, LocationAttributes, NestAttributes, NodeAttributes, RoleAttributes,
    ServerAttributes, UserAttributes,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Kinds roost does not read (mounts); their fixtures are skipped on purpose.
const OUT_OF_SCOPE: [&str; 1] = ["mounts"];

/// `ROOST_PANEL_API_DIR` (the `panel-api` folder, or its `fixtures/`) overrides the default
/// location: `shared/` beside the checkout, as on developer machines and in CI.
fn fixtures_dir() -> PathBuf {
    let base = match std::env::var_os("ROOST_PANEL_API_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/panel-api"),
    };
    if base.join("fixtures").is_dir() {
        base.join("fixtures")
    } else {
        base
    }
}

fn read(dialect: &str, name: &str) -> String {
    let p = fixtures_dir().join(dialect).join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Items of an item or list body.
fn items<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if v.get("object").and_then(Value::as_str) == Some("list") {
        let l: List<T> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(l.data.into_iter().map(|i| i.attributes).collect())
    } else {
        let i: Item<T> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(vec![i.attributes])
    }
}

/// Status encoded in an error fixture's name: `errors.400-node-has-servers.json` → 400.
fn error_status(name: &str) -> u16 {
    name.trim_start_matches("errors.")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("{name}: no status in the name"))
}

/// Checks one fixture; `Ok(false)` when it is skipped on purpose.
fn check(name: &str, text: &str) -> Result<bool, String> {
    let kind = name.split('.').next().unwrap_or_default();
    match kind {
        "errors" => {
            let body: ErrorBody = serde_json::from_str(text).map_err(|e| e.to_string())?;
            if text.trim() != "[]" && body.entries().is_empty() {
                return Err("no error entries".into());
            }
            let status = error_status(name);
            let e = PanelError::from_response("GET", "/x", status, text.as_bytes(), None);
            if e.status() != Some(status) {
                return Err(format!("classified as {e:?}"));
            }
        }
        // The raw Wings configuration (no envelope, holds the daemon token); roost never reads it.
        "nodes" if name == "nodes.configuration.json" => return Ok(false),
        "nodes" => {
            for n in items::<NodeAttributes>(text)? {
                n.into_live();
            }
        }
        "allocations" => {
            for a in items::<AllocationAttributes>(text)? {
                a.into_live(1);
            }
        }
        "locations" => {
            for l in items::<LocationAttributes>(text)? {
                l.to_live();
            }
        }
        "users" => {
            for u in items::<UserAttributes>(text)? {
                u.into_live();
            }
        }
        "servers" => {
            for s in items::<ServerAttributes>(text)? {
                s.into_live();
            }
        }
        "nests" => {
            for n in items::<NestAttributes>(text)? {
                n.to_live();
            }
        }
        "eggs" => {
            for e in items::<EggAttributes>(text)? {
                e.to_live();
            }
        }
        "server-databases" => {
            for d in items::<DatabaseAttributes>(text)? {
                let live = d.to_live();
                if !live.database.starts_with(&format!("s{}_", live.server_id)) {
                    return Err(format!("{} lacks its server's prefix", live.database));
                }
                // Fixtures recorded with `include=password` carry one: it is never decoded.
                if format!("{d:?} {live:?}").contains("password") {
                    return Err("a password was decoded".into());
                }
            }
        }
        "database-hosts" => {
            for h in items::<DatabaseHostAttributes>(text)? {
                h.to_live();
            }
        }
        "roles" => {
            for r in items::<RoleAttributes>(text)? {
                r.to_live().ok_or("role without id")?;
            }
        }
        k if OUT_OF_SCOPE.contains(&k) => return Ok(false),
        other => {
            return Err(format!(
                "unknown fixture kind `{other}`: model it or list it as out of scope"
            ));
        }
    }
    Ok(true)
}

#[test]
fn every_fixture_deserializes() {
    let dir = fixtures_dir();
    let mut checked = 0;
    let mut failures = Vec::new();
    // The hand-written bodies of each dialect, and the bodies recorded from running panels
    // (`REAL.md`), which differ from them in ways that matter to a decoder.
    for dialect in [
        "pterodactyl",
        "pelican",
        "real-pterodactyl-1.11.8",
        "real-pelican-1.0.0-beta17",
        "real-pelican-1.0.0-beta38",
    ] {
        let sub = dir.join(dialect);
        let entries = std::fs::read_dir(&sub).unwrap_or_else(|e| {
            panic!(
                "fixtures not found at {} ({e}); set ROOST_PANEL_API_DIR",
                sub.display()
            )
        });
        for entry in entries {
            let path = entry.expect("readable directory entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let text = std::fs::read_to_string(&path).expect("readable fixture");
            match check(&name, &text) {
                Ok(true) => checked += 1,
                Ok(false) => {}
                Err(e) => failures.push(format!("{dialect}/{name}: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures that do not deserialize:\n{}",
        failures.join("\n")
    );
    assert!(
        checked >= 50,
        "only {checked} fixtures checked: wrong directory?"
    );
}

#[test]
fn pterodactyl_server_maps_to_live() {
    let s = items::<ServerAttributes>(&read("pterodactyl", "servers.get.include.json")).unwrap();
    let live = s[0].clone().into_live();
    assert_eq!(live.allocations, vec![101, 102]);
    assert_eq!(live.allocation, Some(101));
    assert_eq!(live.nest, Some(1));
    assert!(live.installed);
    assert!(
        !live.limits.oom_killer,
        "oom_disabled: true means the killer is off"
    );
    assert_eq!(
        live.environment.keys().collect::<Vec<_>>(),
        vec!["BUILD_NUMBER", "SERVER_JARFILE"],
        "panel extras stripped"
    );
}

#[test]
fn pelican_servers_map_to_live() {
    let servers = items::<ServerAttributes>(&read("pelican", "servers.list.json")).unwrap();
    let lobby = servers[1].clone().into_live();
    assert_eq!(lobby.allocation, None);
    assert!(lobby.allocations.is_empty());
    assert!(!lobby.installed);
    assert!(lobby.limits.oom_killer);
    assert_eq!(lobby.limits.threads.as_deref(), Some("0-1"));
    assert_eq!(lobby.status.as_deref(), Some("install_failed"));
    assert_eq!(lobby.nest, None);
    assert!(!lobby.environment.contains_key("P_SERVER_UUID"));
}

#[test]
fn eggs_map_to_live_in_both_dialects() {
    let pt = items::<EggAttributes>(&read("pterodactyl", "eggs.get.json")).unwrap()[0].to_live();
    assert_eq!(pt.nest, Some(1));
    assert_eq!(pt.docker_images[0].0, "Java 17");
    assert_eq!(pt.variables.len(), 2);
    assert_eq!(pt.variables[1].rules, vec!["required", "string", "max:20"]);
    assert_eq!(
        pt.variables[0].rules,
        vec!["required", r"regex:/^([\w\d._-]+)(\.jar)$/"]
    );

    let pl = items::<EggAttributes>(&read("pelican", "eggs.list.json")).unwrap();
    let paper = pl[0].to_live();
    assert_eq!(
        paper
            .docker_images
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>(),
        vec!["Java 21", "Java 17"],
        "panel order kept"
    );
    let rust = pl[1].to_live();
    assert_eq!(rust.startup, "./RustDedicated -batchmode");
    assert_eq!(pl[1].startup_commands.as_ref().map(Vec::len), Some(1));

    let pl_vars = items::<EggAttributes>(&read("pelican", "eggs.get.json")).unwrap()[0].to_live();
    assert!(!pl_vars.variables.is_empty());
    assert!(pl_vars.variables.iter().all(|v| !v.rules.is_empty()));
}

#[test]
fn nodes_users_and_roles_map_to_live() {
    let created = items::<NodeAttributes>(&read("pelican", "nodes.create.json")).unwrap()[0]
        .clone()
        .into_live();
    assert_eq!(created.description, None);
    assert_eq!(
        created.upload_size, 100,
        "absent from PL create responses: DB default"
    );
    assert_eq!(created.tags, vec!["eu"]);
    assert_eq!(created.cpu, Some(800));

    let pt = items::<NodeAttributes>(&read("pterodactyl", "nodes.deployable.json")).unwrap();
    assert_eq!(pt[0].sum_memory, Some(6144), "SUM arrives as a string");
    let pl = items::<NodeAttributes>(&read("pelican", "nodes.deployable.json")).unwrap();
    assert_eq!(pl[1].servers_sum_memory, None);

    let kira = items::<UserAttributes>(&read("pelican", "users.get.include-roles.json")).unwrap()
        [0]
    .clone()
    .into_live();
    assert_eq!(kira.role_ids, vec![3]);
    assert_eq!(kira.first_name, None);
    let pt_users = items::<UserAttributes>(&read("pterodactyl", "users.list.json")).unwrap();
    assert_eq!(
        pt_users[0].clone().into_live().first_name.as_deref(),
        Some("Ada")
    );

    let list: List<UserAttributes> =
        serde_json::from_str(&read("pterodactyl", "users.list.json")).unwrap();
    let p = list.meta.unwrap().pagination.unwrap();
    assert_eq!((p.current_page, p.total_pages), (1, 14));
    assert!(p.links.next.unwrap().ends_with("?page=2"));
}

#[test]
fn server_databases_map_to_live_in_both_dialects() {
    let pt = items::<ServerAttributes>(&read("pterodactyl", "servers.get.include.json")).unwrap();
    let included: Vec<_> = pt[0]
        .relationships
        .databases
        .as_ref()
        .and_then(|r| r.list())
        .expect("include=databases")
        .map(|d| d.to_live(pt[0].id))
        .collect();
    let listed =
        items::<DatabaseAttributes>(&read("pterodactyl", "server-databases.list.json")).unwrap();
    assert_eq!(
        included,
        vec![listed[0].to_live()],
        "the same database both ways"
    );
    assert_eq!(listed[1].to_live().declared_name(), "coreprotect");
    assert_eq!(listed[1].to_live().remote, "10.0.0.%");

    let pl = items::<ServerAttributes>(&read("pelican", "servers.get.include.json")).unwrap();
    let none = pl[0]
        .relationships
        .databases
        .as_ref()
        .and_then(|r| r.list());
    assert_eq!(none.map(|l| l.count()), Some(0));
    let created =
        &items::<DatabaseAttributes>(&read("pelican", "server-databases.create.json")).unwrap()[0];
    assert_eq!(created.max_connections, None, "null in a create's answer");
    let text = read("pelican", "server-databases.create.json");
    let secret = "p@8Lr!3Vn#6Qs^1Xw*4Zb%7M";
    assert!(text.contains(secret), "the fixture carries a password");
    assert!(!format!("{created:?}").contains(secret));

    let hosts =
        items::<DatabaseHostAttributes>(&read("pelican", "database-hosts.get.json")).unwrap();
    assert_eq!(hosts[0].to_live().name, "ams-mariadb");
}

#[test]
fn error_fixtures_classify() {
    let e = |d: &str, n: &str, method: &str, path: &str| {
        PanelError::from_response(method, path, error_status(n), read(d, n).as_bytes(), None)
    };
    match e("pterodactyl", "errors.422.json", "POST", "/servers") {
        PanelError::Validation { errors, .. } => {
            assert_eq!(errors.len(), 3);
            assert_eq!(errors[2].field, "environment.SERVER_JARFILE");
            assert_eq!(errors[0].rule, "required_with");
        }
        other => panic!("{other:?}"),
    }
    let root = e(
        "pelican",
        "errors.403-delete-root-admin.json",
        "DELETE",
        "/users/1",
    );
    assert!(
        matches!(root, PanelError::Forbidden { .. }) && root.to_string().contains("Root Admin")
    );
    assert!(matches!(
        e(
            "pterodactyl",
            "errors.504-daemon.json",
            "DELETE",
            "/servers/1"
        ),
        PanelError::DaemonUnreachable { status: 504, .. }
    ));
    assert!(matches!(
        e("pelican", "errors.500.json", "DELETE", "/servers/1"),
        PanelError::DaemonUnreachable { status: 500, .. }
    ));
    for (d, n, code) in [
        (
            "pterodactyl",
            "errors.400-node-has-servers.json",
            "HasActiveServersException",
        ),
        (
            "pelican",
            "errors.400-allocation-assigned.json",
            "ServerUsingAllocationException",
        ),
        (
            "pterodactyl",
            "errors.400-location-has-nodes.json",
            "HasActiveNodesException",
        ),
        (
            "pelican",
            "errors.400-user-has-servers.json",
            "DisplayException",
        ),
    ] {
        let err = e(d, n, "DELETE", "/x/1");
        assert!(
            matches!(err, PanelError::Conflict { status: 400, .. }),
            "{n}: {err:?}"
        );
        assert_eq!(err.code(), Some(code));
    }
    assert!(e("pelican", "errors.404-route.json", "GET", "/locations").is_route_not_found());
    assert!(!e("pelican", "errors.404.json", "GET", "/nodes/9").is_route_not_found());
    assert!(matches!(
        e("pelican", "errors.401.json", "GET", "/x"),
        PanelError::Unauthorized { .. }
    ));
    assert!(e("pterodactyl", "errors.429.json", "GET", "/x").is_transient());
}
