//! The Client API's account and server routes through `ClientApi`, both dialects: the
//! account and its keys, listings, details, resources, websocket, activity, console and power,
//! settings and startup. Every change is read back.

use crate::client_common::*;
use roost_panel::{
    ApiKeyBody, ClientApi, Dialect, PanelError, PowerSignal, Secret, ServerListType,
};
use roost_sim::WingsCall;

/// The conformance tests in `client_*.rs` drive every operation of the route table in both
/// dialects; a new operation needs its test there before this count moves.
#[test]
fn the_route_table_is_the_one_these_tests_cover() {
    assert_eq!(roost_panel::ClientOp::ALL.len(), 65);
}

#[tokio::test]
async fn account_and_its_client_keys() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let me = c.account().await.unwrap();
        assert_eq!((me.username.as_str(), me.admin), ("owner", false), "{d}");
        assert_eq!(c.ensure_dialect().await.unwrap(), d);
        let before = c.api_keys().await.unwrap();
        let made = c
            .create_api_key(&ApiKeyBody {
                description: "ci deploys".into(),
                allowed_ips: vec!["127.0.0.1".into()],
            })
            .await
            .unwrap();
        assert!(!made.key.identifier.is_empty());
        assert!(made.token.expose().starts_with(&made.key.identifier), "{d}");
        let keys = c.api_keys().await.unwrap();
        assert_eq!(keys.len(), before.len() + 1, "{d}");
        let listed = keys
            .iter()
            .find(|k| k.identifier == made.key.identifier)
            .expect("the new key is listed");
        assert_eq!(listed.description.as_deref(), Some("ci deploys"));
        assert_eq!(listed.allowed_ips, vec!["127.0.0.1".to_string()]);
        // The new key works on its own.
        let (fresh, _) = api(&p, made.token.expose());
        assert_eq!(fresh.account().await.unwrap().username, "owner", "{d}");
        // A key bound to other addresses is refused from here.
        let elsewhere = c
            .create_api_key(&ApiKeyBody {
                description: "office only".into(),
                allowed_ips: vec!["10.0.0.0/8".into()],
            })
            .await
            .unwrap();
        let (bound, _) = api(&p, elsewhere.token.expose());
        let e = bound.account().await.unwrap_err();
        assert!(matches!(e, PanelError::Forbidden { .. }), "{d}: {e:?}");
        c.delete_api_key(&made.key.identifier).await.unwrap();
        let keys = c.api_keys().await.unwrap();
        assert!(keys.iter().all(|k| k.identifier != made.key.identifier));
        p.shutdown().await;
    }
}

#[tokio::test]
async fn listings_details_and_permission_names() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let mine = c.list_servers(ServerListType::Member).await.unwrap();
        assert_eq!(mine.len(), 1, "{d}");
        assert_eq!(mine[0].identifier, p.ident());
        assert_eq!(mine[0].name, "Survival SMP");
        assert!(mine[0].server_owner);
        assert_eq!(
            c.list_servers(ServerListType::Owner).await.unwrap().len(),
            1
        );
        let (sub, _) = api(&p, &p.sub_key);
        let theirs = sub.list_servers(ServerListType::Member).await.unwrap();
        assert_eq!(theirs.len(), 1, "{d}: a subuser sees the server");
        assert!(!theirs[0].server_owner);
        assert!(
            sub.list_servers(ServerListType::Owner)
                .await
                .unwrap()
                .is_empty()
        );
        let details = c.server(&p.ident()).await.unwrap();
        assert_eq!(details.server.uuid, p.uuid);
        assert!(details.is_server_owner);
        assert!(details.can("file.read") && details.can("control.start"));
        let sd = sub.server(&p.ident()).await.unwrap();
        assert!(!sd.is_server_owner);
        assert!(sd.can("websocket.connect") && !sd.can("file.read"), "{d}");
        let names = c.permission_names().await.unwrap();
        for n in [
            "control.start",
            "file.read",
            "backup.create",
            "schedule.update",
        ] {
            assert!(names.iter().any(|x| x == n), "{d}: {n} in {names:?}");
        }
        let has_description = names.iter().any(|x| x == "settings.description");
        assert_eq!(has_description, d == Dialect::Pelican, "{d}");
        p.shutdown().await;
    }
}

#[tokio::test]
async fn resources_websocket_and_activity() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let stats = c.resources(&p.ident()).await.unwrap();
        assert_eq!(stats.current_state, "running", "{d}");
        assert_eq!(stats.resources.memory_bytes, 1024);
        assert_eq!(stats.resources.network_tx_bytes, 2);
        let ws = c.websocket(&p.ident()).await.unwrap();
        assert!(ws.socket.contains(&p.uuid), "{d}: {}", ws.socket);
        assert!(ws.socket.starts_with("ws"), "{}", ws.socket);
        assert_eq!(ws.token.expose().split('.').count(), 3, "{d}: a JWT");
        c.rename_server(&p.ident(), "Creative").await.unwrap();
        let log = c.server_activity(&p.ident()).await.unwrap();
        assert!(
            log.iter().any(|e| e.event == "server:settings.rename"),
            "{d}: {:?}",
            log.iter().map(|e| &e.event).collect::<Vec<_>>()
        );
        p.shutdown().await;
    }
}

#[tokio::test]
async fn console_command_and_every_power_signal_reach_the_daemon() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        c.command(&p.ident(), "say hello").await.unwrap();
        let signals = [
            PowerSignal::Start,
            PowerSignal::Stop,
            PowerSignal::Restart,
            PowerSignal::Kill,
        ];
        for s in signals {
            c.power(&p.ident(), s).await.unwrap();
        }
        let calls = p.disk.calls();
        assert!(
            calls.contains(&WingsCall::Command {
                command: "say hello".into()
            }),
            "{d}: {calls:?}"
        );
        let sent: Vec<String> = calls
            .iter()
            .filter_map(|c| match c {
                WingsCall::Power { signal } => Some(signal.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(sent, ["start", "stop", "restart", "kill"], "{d}");
        // Power and commands are never re-sent: one POST each.
        assert_eq!(p.logged("POST", "/power"), 4);
        assert_eq!(p.logged("POST", "/command"), 1);
        p.shutdown().await;
    }
}

#[tokio::test]
async fn settings_rename_description_docker_image_and_reinstall() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        c.rename_server(&id, "Creative World").await.unwrap();
        assert_eq!(c.server(&id).await.unwrap().server.name, "Creative World");
        // Pelican's own route; Pterodactyl's rename route carries it.
        c.set_server_description(&id, "building only")
            .await
            .unwrap();
        let s = c.server(&id).await.unwrap().server;
        assert_eq!(s.description.as_deref(), Some("building only"), "{d}");
        assert_eq!(s.name, "Creative World", "{d}: the name is kept");
        // An egg with a second image to switch to.
        let server = p.server;
        p.sim.mutate(move |s| {
            let egg = s.servers[&server].egg_id;
            let images = &mut s.eggs.get_mut(&egg).unwrap().docker_images;
            images.push(("Java 99".into(), "ghcr.io/example/java:99".into()));
        });
        let startup = c.startup(&id).await.unwrap();
        let image = "ghcr.io/example/java:99";
        assert!(startup.docker_images.iter().any(|(_, i)| i == image), "{d}");
        c.set_docker_image(&id, image).await.unwrap();
        assert_eq!(c.server(&id).await.unwrap().server.docker_image, image);
        // One the egg does not offer is refused, typed.
        let e = c
            .set_docker_image(&id, "evil/miner:latest")
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                PanelError::Validation { .. } | PanelError::Refused { .. }
            ),
            "{d}: {e:?}"
        );
        c.reinstall_server(&id).await.unwrap();
        assert!(p.disk.calls().contains(&WingsCall::Reinstall), "{d}");
        assert!(c.server(&id).await.unwrap().server.is_installing, "{d}");
        p.shutdown().await;
    }
}

#[tokio::test]
async fn startup_variables_read_and_update() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        let startup = c.startup(&id).await.unwrap();
        assert!(!startup.startup_command.is_empty(), "{d}");
        let var = startup
            .variables
            .iter()
            .find(|v| v.is_editable && v.rules.contains("string"))
            .unwrap_or_else(|| panic!("{d}: an editable string variable"))
            .clone();
        let value = format!("{}-x", var.server_value.clone().unwrap_or_default());
        let value = value.trim_start_matches('-').to_string();
        let updated = c
            .set_startup_variable(&id, &var.env_variable, Some(&value))
            .await
            .unwrap();
        assert_eq!(
            updated.variable.server_value.as_deref(),
            Some(value.as_str())
        );
        let again = c.startup(&id).await.unwrap();
        let read = again
            .variables
            .iter()
            .find(|v| v.env_variable == var.env_variable)
            .unwrap();
        assert_eq!(read.server_value.as_deref(), Some(value.as_str()), "{d}");
        // An unknown variable: Pterodactyl's 500 quirk, Pelican's typed refusal
        // (client/startup.md).
        let e = c
            .set_startup_variable(&id, "NO_SUCH_VARIABLE", Some("1"))
            .await
            .unwrap_err();
        match d {
            Dialect::Pterodactyl => {
                assert!(matches!(e, PanelError::Server { status: 500, .. }), "{e:?}")
            }
            Dialect::Pelican => assert!(
                matches!(
                    e,
                    PanelError::Refused {
                        reason: roost_panel::Refusal::BadRequest,
                        ..
                    }
                ),
                "{e:?}"
            ),
        }
        p.shutdown().await;
    }
}

/// A key that is not a client key: refused, typed, before any server route.
#[tokio::test]
async fn an_application_key_is_refused_on_client_routes() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let (app, _) = api(&p, &p.sim.token());
        let e = app.list_servers(ServerListType::Member).await.unwrap_err();
        assert!(matches!(e, PanelError::Forbidden { .. }), "{d}: {e:?}");
        let e = app.server(&p.ident()).await.unwrap_err();
        assert!(matches!(e, PanelError::Forbidden { .. }), "{d}: {e:?}");
        let bogus = ClientApi::with_buckets(
            roost_panel::ClientConfig::new(p.sim.url(), Secret::new("ptlc_notakeynotakeynotakey")),
            roost_panel::ClientBuckets::new(),
        )
        .unwrap();
        let e = bogus.account().await.unwrap_err();
        assert!(matches!(e, PanelError::Unauthorized { .. }), "{d}: {e:?}");
        p.shutdown().await;
    }
}
