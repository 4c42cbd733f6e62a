//! The 409s through `ClientApi`, both dialects: a fresh server before its install clock
//! elapses, a reinstall, a suspension, a node in maintenance, a transfer, a failed install —
//! each the typed `StateConflict` with the state, and viewing the server still allowed.

use crate::client_common::*;
use crate::common::{Ctx, config, server_body};
use roost_panel::{ClientApi, Dialect, PanelClient, PanelError, ServerState};
use std::sync::{Arc, Mutex};

fn state_of(e: &PanelError) -> Option<ServerState> {
    match e {
        PanelError::StateConflict { state, .. } => Some(*state),
        _ => None,
    }
}

async fn blocked(c: &ClientApi, id: &str) -> Option<ServerState> {
    let e = c.schedules(id).await.unwrap_err();
    let state = state_of(&e);
    assert!(state.is_some(), "{e:?}");
    state
}

#[tokio::test]
async fn a_fresh_server_is_installing_until_its_install_clock_elapses() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let app = PanelClient::new(config(&p.sim)).unwrap();
        let ctx = Ctx {
            sim: p.sim.clone(),
            client: app,
            waits: Arc::new(Mutex::new(Vec::new())),
        };
        let body = server_body(&ctx, p.owner, p.allocs[3], vec![], "fresh").await;
        let created = ctx.client.create_server(&body).await.unwrap();
        let c = p.owner();
        let id = created.identifier.clone();
        let details = c.server(&id).await.unwrap();
        assert!(details.server.is_installing, "{d}: viewing is allowed");
        let state = blocked(&c, &id).await.unwrap();
        assert_eq!(state, ServerState::Installing, "{d}");
        assert!(state.is_temporary());
        // The sim installs in 2 s of its clock.
        p.advance(3);
        assert!(c.schedules(&id).await.unwrap().is_empty(), "{d}: installed");
        assert!(!c.server(&id).await.unwrap().server.is_installing);
        p.shutdown().await;
    }
}

#[tokio::test]
async fn a_reinstall_blocks_until_it_is_done() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        c.reinstall_server(&id).await.unwrap();
        assert_eq!(blocked(&c, &id).await, Some(ServerState::Installing), "{d}");
        let e = c.reinstall_server(&id).await.unwrap_err();
        assert_eq!(state_of(&e), Some(ServerState::Installing), "{d}: {e:?}");
        p.advance(3);
        c.schedules(&id).await.unwrap();
        p.shutdown().await;
    }
}

#[tokio::test]
async fn suspended_maintenance_and_transfer_are_named() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        p.set_status(Some("suspended"));
        let state = blocked(&c, &id).await.unwrap();
        assert_eq!(state, ServerState::Suspended, "{d}");
        assert!(!state.is_temporary());
        let e = c
            .power(&id, roost_panel::PowerSignal::Start)
            .await
            .unwrap_err();
        assert_eq!(state_of(&e), Some(ServerState::Suspended), "{d}: {e:?}");
        assert!(e.to_string().contains("suspended"), "{e}");
        assert!(c.server(&id).await.unwrap().server.is_suspended, "{d}");
        p.set_status(None);
        let node = p.node;
        p.sim
            .mutate(move |s| s.nodes.get_mut(&node).unwrap().maintenance_mode = true);
        assert_eq!(
            blocked(&c, &id).await,
            Some(ServerState::NodeMaintenance),
            "{d}"
        );
        p.sim
            .mutate(move |s| s.nodes.get_mut(&node).unwrap().maintenance_mode = false);
        let server = p.server;
        p.sim
            .mutate(move |s| s.servers.get_mut(&server).unwrap().transferring = true);
        assert_eq!(
            blocked(&c, &id).await,
            Some(ServerState::Transferring),
            "{d}"
        );
        p.shutdown().await;
    }
}

/// A failed install blocks on both; a failed reinstall only on Pelican.
#[tokio::test]
async fn failed_installs_per_dialect() {
    for d in Dialect::ALL {
        let p = panel(d).await;
        let c = p.owner();
        let id = p.ident();
        p.set_status(Some("install_failed"));
        assert_eq!(blocked(&c, &id).await, Some(ServerState::Installing), "{d}");
        p.set_status(Some("reinstall_failed"));
        let r = c.schedules(&id).await;
        match d {
            Dialect::Pelican => {
                let e = r.unwrap_err();
                assert_eq!(state_of(&e), Some(ServerState::Installing), "{e:?}");
            }
            Dialect::Pterodactyl => assert!(r.unwrap().is_empty()),
        }
        p.shutdown().await;
    }
}
