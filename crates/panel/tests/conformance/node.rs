//! Nodes: create, full-replacement update, read, delete; refused while servers remain.

use crate::common::*;
use roost_panel::{Dialect, NodeBody, PanelError};

async fn nodes(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    let location = match dialect {
        Dialect::Pterodactyl => Some(
            cl.create_location(&roost_panel::LocationBody {
                short: "eu".into(),
                long: None,
            })
            .await
            .unwrap()
            .id,
        ),
        Dialect::Pelican => None,
    };
    let node = cl
        .create_node(&node_body(dialect, "fra-01", location))
        .await
        .unwrap();
    assert_eq!(node.daemon_base, "/srv/daemon-data");
    match dialect {
        Dialect::Pelican => {
            assert_eq!(node.tags, vec!["eu"]);
            assert_eq!(node.cpu, Some(400));
        }
        Dialect::Pterodactyl => assert_eq!(node.location_id, location),
    }
    let mut nb = NodeBody::from_live(&node);
    nb.memory = 32768;
    let node2 = cl.update_node(node.id, &nb).await.unwrap();
    assert_eq!(node2.memory, 32768);
    assert_eq!(
        node2.daemon_base, "/srv/daemon-data",
        "daemon_base survives a PATCH"
    );
    assert_eq!(cl.get_node(node.id).await.unwrap().memory, 32768);
    assert_eq!(cl.list_nodes().await.unwrap(), vec![node2]);
    cl.delete_node(node.id).await.unwrap();
    assert!(matches!(
        cl.get_node(node.id).await,
        Err(PanelError::NotFound { .. })
    ));

    // Refused while a server runs on it.
    let fleet = small_fleet(&c, "busy", &[25565]).await;
    conflict(
        cl.delete_node(fleet.node).await.unwrap_err(),
        "HasActiveServersException",
    );
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_nodes() {
    nodes(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_nodes() {
    nodes(Dialect::Pelican).await;
}
