//! Every example body in `shared/panel-api/client/fixtures/` deserializes through the Client
//! API's wire types, and every error body classifies as the typed error its status says. The
//! directory is iterated, so new fixtures are covered without touching this file; a fixture of
//! an unknown kind fails the test until it is modelled or listed as out of scope.

use roost_panel::wire::{Item, List};
use roost_panel::{
    Account, ApiKeyCreated, Backup, BackupList, ClientAllocation, ClientDatabase, ClientDatabaseId,
    ClientLimiter, ClientOp, ClientServer, Dialect, FileObject, PanelError, PowerSignal, Refusal,
    Schedule, ServerDetails, ServerState, ServerStats, SignedUrl, StartupConfig, Subuser,
    SystemPermissionsAttributes, WebsocketCredentials, WingsFailure,
};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Not API answers: the decoded claims of a JWT, and frames of the Wings console socket (those
/// are decoded by the console's own test, `console::event::recorded`).
const OUT_OF_SCOPE: [&str; 2] = ["websocket.jwt-claims.json", "websocket.session.json"];

/// `ROOST_PANEL_API_DIR` (the `panel-api` folder) overrides the default location: `shared/`
/// beside the checkout.
fn fixtures_dir() -> PathBuf {
    let base = match std::env::var_os("ROOST_PANEL_API_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/panel-api"),
    };
    base.join("client").join("fixtures")
}

fn read(dialect: &str, name: &str) -> String {
    let p = fixtures_dir().join(dialect).join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

fn dialect_of(dir: &str) -> Dialect {
    Dialect::parse(dir).expect("a dialect folder")
}

/// Status encoded in an error fixture's name: `errors.409-suspended.json` → 409.
fn error_status(name: &str) -> u16 {
    name.trim_start_matches("errors.")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("{name}: no status in the name"))
}

/// Checks one fixture; `Ok(false)` when it is skipped on purpose.
fn check(dialect: Dialect, name: &str, text: &str) -> Result<bool, String> {
    if OUT_OF_SCOPE.contains(&name) {
        return Ok(false);
    }
    let stem = name.trim_end_matches(".json");
    match stem {
        "client.list" => drop(decode::<List<ClientServer>>(text)?),
        "servers.get" => drop(decode::<ServerDetails>(text)?),
        "servers.resources" => drop(decode::<Item<ServerStats>>(text)?),
        "permissions" => {
            let p: Item<SystemPermissionsAttributes> = decode(text)?;
            if p.attributes.permissions.names().len() < 40 {
                return Err("fewer than 40 permission names".into());
            }
        }
        "account.get" => drop(decode::<Item<Account>>(text)?),
        "api-keys.create" => drop(decode::<ApiKeyCreated>(text)?),
        "files.list" => drop(decode::<List<FileObject>>(text)?),
        "files.compress" => drop(decode::<Item<FileObject>>(text)?),
        "files.signed-url" => drop(decode::<Item<SignedUrl>>(text)?),
        "databases.list" => drop(decode::<List<ClientDatabase>>(text)?),
        "databases.create" => drop(decode::<Item<ClientDatabase>>(text)?),
        "backups.list" => drop(decode::<BackupList>(text)?),
        "backups.create" => drop(decode::<Item<Backup>>(text)?),
        "schedules.get" => drop(decode::<Item<Schedule>>(text)?),
        "allocations.list" => drop(decode::<List<ClientAllocation>>(text)?),
        "subusers.create" => drop(decode::<Item<Subuser>>(text)?),
        "startup.get" => drop(decode::<StartupConfig>(text)?),
        "websocket.token" => drop(decode::<WebsocketCredentials>(text)?),
        s if s.starts_with("errors.") => {
            let status = error_status(name);
            let e = ClientOp::ServerDetails.classify_answer(
                dialect,
                "/x",
                status,
                text.as_bytes(),
                None,
            );
            if e.status() != Some(status) {
                return Err(format!("classified as {e:?}"));
            }
        }
        other => {
            return Err(format!(
                "unknown fixture `{other}`: model it or list it as out of scope"
            ));
        }
    }
    Ok(true)
}

#[test]
fn every_client_fixture_deserializes() {
    let dir = fixtures_dir();
    let mut checked = 0;
    let mut failures = Vec::new();
    for folder in ["pterodactyl", "pelican"] {
        let sub = dir.join(folder);
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
            match check(dialect_of(folder), &name, &text) {
                Ok(true) => checked += 1,
                Ok(false) => {}
                Err(e) => failures.push(format!("{folder}/{name}: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures that do not deserialize:\n{}",
        failures.join("\n")
    );
    assert!(
        checked >= 45,
        "only {checked} fixtures checked: wrong directory?"
    );
}

#[test]
fn servers_decode_with_the_users_permissions() {
    let pt: ServerDetails = decode(&read("pterodactyl", "servers.get.json")).unwrap();
    assert_eq!(pt.server.identifier, "1a2b3c4d");
    assert_eq!(pt.server.internal_id, 12);
    assert!(pt.is_server_owner && pt.can("file.read") && !pt.can("admin.websocket.errors"));
    assert_eq!(pt.server.limits.oom_killer, None);
    let pl: ServerDetails = decode(&read("pelican", "servers.get.json")).unwrap();
    assert!(!pl.is_server_owner);
    assert!(pl.can("admin.websocket.install"), "an admin's extra grants");
    assert_eq!(pl.server.sftp_details.alias, None);
    assert_eq!(pl.server.feature_limits.databases, None);

    // A subuser without startup.read: the variables are withheld, the primary still shown.
    let list: List<ClientServer> = decode(&read("pelican", "client.list.json")).unwrap();
    let second = &list.data[1].attributes;
    let vars = second.relationships.variables.as_ref().unwrap();
    assert!(vars.is_null_resource());
    let allocs: Vec<_> = second
        .relationships
        .allocations
        .as_ref()
        .unwrap()
        .list()
        .unwrap()
        .collect();
    assert_eq!(allocs.len(), 1);
    assert_eq!(
        second
            .relationships
            .egg
            .as_ref()
            .unwrap()
            .attributes
            .as_ref()
            .unwrap()
            .name,
        "Paper"
    );

    let pt_list: List<ClientServer> = decode(&read("pterodactyl", "client.list.json")).unwrap();
    let p = pt_list.meta.unwrap().pagination.unwrap();
    assert_eq!((p.current_page, p.total_pages), (1, 2));
    assert!(
        p.links.next.unwrap().contains("type=owner"),
        "client links keep the query"
    );
}

#[test]
fn credentials_are_decoded_into_secrets() {
    let ws: WebsocketCredentials = decode(&read("pelican", "websocket.token.json")).unwrap();
    assert!(
        ws.socket
            .starts_with("wss://wings2.example.org:8443/api/servers/")
    );
    assert!(ws.token.expose().starts_with("eyJ"));
    assert!(!format!("{ws:?}").contains("eyJ"), "the token never shows");

    let url: Item<SignedUrl> = decode(&read("pterodactyl", "files.signed-url.json")).unwrap();
    assert!(
        url.attributes
            .url
            .expose()
            .contains("/download/file?token=")
    );
    assert!(!format!("{:?}", url.attributes).contains("token="));

    // The usable key is the identifier followed by the secret.
    let key: ApiKeyCreated = decode(&read("pterodactyl", "api-keys.create.json")).unwrap();
    assert_eq!(key.key.identifier, "ptlc_Xa4fQ2mZk9Lr");
    assert_eq!(
        key.token.expose(),
        "ptlc_Xa4fQ2mZk9LrJq7WvE2pYtN9cR4sLm8ZbK3hXa6Fd1Ug"
    );
    assert!(!format!("{key:?}").contains("Jq7W"));
}

#[test]
fn databases_keep_their_dialects_ids_and_hide_passwords() {
    let pt: List<ClientDatabase> = decode(&read("pterodactyl", "databases.list.json")).unwrap();
    let db = &pt.data[0].attributes;
    assert_eq!(db.id, ClientDatabaseId::Hashid("bEY4yAD5".into()));
    assert_eq!(db.id.to_string(), "bEY4yAD5");
    let password = "q=Z8w!uR2^fK5@mLx7#Tb1Ne";
    assert_eq!(db.password.as_ref().map(|p| p.expose()), Some(password));
    assert!(!format!("{db:?}").contains(password));
    // Created by a subuser without the view-password permission: withheld.
    let made: Item<ClientDatabase> = decode(&read("pterodactyl", "databases.create.json")).unwrap();
    assert!(made.attributes.password.is_none());
    assert_eq!(made.attributes.connections_from, "10.0.0.%");

    let pl: List<ClientDatabase> = decode(&read("pelican", "databases.list.json")).unwrap();
    assert_eq!(pl.data[0].attributes.id, ClientDatabaseId::Number(14));
    assert!(pl.data[0].attributes.password.is_none());
}

#[test]
fn schedules_backups_startup_and_permissions_decode() {
    let s: Item<Schedule> = decode(&read("pterodactyl", "schedules.get.json")).unwrap();
    let seq: Vec<i64> = s.attributes.tasks.iter().map(|t| t.sequence_id).collect();
    assert_eq!(seq, vec![1, 2, 3]);
    assert_eq!(s.attributes.cron.hour, "4");
    let pl: Item<Schedule> = decode(&read("pelican", "schedules.get.json")).unwrap();
    assert_eq!(pl.attributes.tasks[0].action, "delete_files");

    let b: BackupList = decode(&read("pterodactyl", "backups.list.json")).unwrap();
    assert_eq!((b.backups.len(), b.backup_count), (3, 2));
    assert!(b.backups[2].completed_at.is_none(), "running");
    let pl_b: BackupList = decode(&read("pelican", "backups.list.json")).unwrap();
    assert_eq!(pl_b.backups[0].is_scheduled, Some(true));

    let st: StartupConfig = decode(&read("pelican", "startup.get.json")).unwrap();
    let labels: Vec<&str> = st.docker_images.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, vec!["Java 21", "Java 17"], "the panel's order");
    assert_eq!(st.variables[1].server_value.as_deref(), Some("1.21.4"));

    let names = |d: &str| {
        let p: Item<SystemPermissionsAttributes> = decode(&read(d, "permissions.json")).unwrap();
        p.attributes.permissions.names()
    };
    let (pt_names, pl_names) = (names("pterodactyl"), names("pelican"));
    assert_eq!((pt_names.len(), pl_names.len()), (40, 44));
    assert!(pt_names.contains(&"database.view_password".to_string()));
    assert!(pl_names.contains(&"database.view-password".to_string()));

    let sub: Item<Subuser> = decode(&read("pterodactyl", "subusers.create.json")).unwrap();
    assert!(
        sub.attributes
            .permissions
            .contains(&"websocket.connect".to_string())
    );
    let acct: Item<Account> = decode(&read("pterodactyl", "account.get.json")).unwrap();
    assert_eq!(acct.attributes.dialect(None), Dialect::Pterodactyl);
    let acct: Item<Account> = decode(&read("pelican", "account.get.json")).unwrap();
    assert_eq!(acct.attributes.dialect(None), Dialect::Pelican);
    assert!(acct.attributes.is_root_admin());
}

#[test]
fn error_fixtures_classify_as_typed_errors() {
    let e = |d: &str, n: &str, op: ClientOp| {
        let dialect = dialect_of(d);
        ClientOp::classify_answer(
            op,
            dialect,
            "/x",
            error_status(n),
            read(d, n).as_bytes(),
            None,
        )
    };
    for d in ["pterodactyl", "pelican"] {
        assert!(matches!(
            e(
                d,
                "errors.409-suspended.json",
                ClientOp::Power(PowerSignal::Start)
            ),
            PanelError::StateConflict {
                state: ServerState::Suspended,
                ..
            }
        ));
        assert!(matches!(
            e(d, "errors.429-backup-throttle.json", ClientOp::BackupCreate),
            PanelError::Throttled {
                limiter: ClientLimiter::BackupCreate,
                ..
            }
        ));
    }
    assert!(matches!(
        e(
            "pterodactyl",
            "errors.403-application-key.json",
            ClientOp::Account
        ),
        PanelError::Forbidden { .. }
    ));
    assert!(matches!(
        e(
            "pterodactyl",
            "errors.403-daemon-denylist.json",
            ClientOp::FileWrite
        ),
        PanelError::Wings {
            failure: WingsFailure::Refused { wings_status: 403 },
            ..
        }
    ));
    assert!(matches!(
        e(
            "pterodactyl",
            "errors.502-command-offline.json",
            ClientOp::Command
        ),
        PanelError::Wings {
            failure: WingsFailure::ServerOffline,
            ..
        }
    ));
    assert!(matches!(
        e(
            "pterodactyl",
            "errors.400-too-many-backups.json",
            ClientOp::BackupCreate
        ),
        PanelError::Refused {
            reason: Refusal::TooManyBackups,
            ..
        }
    ));
    assert!(matches!(
        e(
            "pterodactyl",
            "errors.422-startup-variable.json",
            ClientOp::StartupVariable
        ),
        PanelError::Validation { .. }
    ));
    assert!(matches!(
        e(
            "pelican",
            "errors.422-docker-image.json",
            ClientOp::DockerImage
        ),
        PanelError::Validation { .. }
    ));
    assert!(matches!(
        e(
            "pelican",
            "errors.404-no-access.json",
            ClientOp::ServerDetails
        ),
        PanelError::NotFound { .. }
    ));
    assert!(matches!(
        e("pelican", "errors.500-daemon.json", ClientOp::FileList),
        PanelError::Wings {
            failure: WingsFailure::Unspecified,
            status: 500,
            ..
        }
    ));
    assert!(matches!(
        e(
            "pelican",
            "errors.429-resource-limit.json",
            ClientOp::Websocket
        ),
        PanelError::Throttled {
            limiter: ClientLimiter::Websocket,
            ..
        }
    ));
}
