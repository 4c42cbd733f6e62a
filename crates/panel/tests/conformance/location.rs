//! Locations: CRUD on Pterodactyl, refused without a request on Pelican.

use crate::common::*;
use roost_panel::{Dialect, LocationBody, PanelError};

#[tokio::test]
async fn pterodactyl_locations() {
    let c = start(Dialect::Pterodactyl, |_| {}).await;
    let cl = &c.client;
    let l = cl
        .create_location(&LocationBody {
            short: "eu-fra".into(),
            long: Some("Frankfurt".into()),
        })
        .await
        .unwrap();
    let mut b = LocationBody::from_live(&l);
    b.long = Some("Frankfurt am Main".into());
    let l2 = cl.update_location(l.id, &b).await.unwrap();
    assert_eq!(l2.long.as_deref(), Some("Frankfurt am Main"));
    assert_eq!(cl.get_location(l.id).await.unwrap(), l2);
    assert_eq!(cl.list_locations().await.unwrap(), vec![l2.clone()]);

    // Refused while a node is in it.
    let node = cl
        .create_node(&node_body(Dialect::Pterodactyl, "fra-01", Some(l.id)))
        .await
        .unwrap();
    assert_eq!(node.location_id, Some(l.id));
    conflict(
        cl.delete_location(l.id).await.unwrap_err(),
        "HasActiveNodesException",
    );
    cl.delete_node(node.id).await.unwrap();
    cl.delete_location(l.id).await.unwrap();
    assert!(cl.list_locations().await.unwrap().is_empty());
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pelican_has_no_locations() {
    let c = start(Dialect::Pelican, |_| {}).await;
    let cl = &c.client;
    cl.ensure_dialect().await.unwrap();
    let before = cl.requests_sent();
    let e = cl.list_locations().await.unwrap_err();
    assert!(matches!(e, PanelError::Unsupported { .. }), "{e}");
    let body = LocationBody {
        short: "x".into(),
        long: None,
    };
    assert!(matches!(
        cl.create_location(&body).await,
        Err(PanelError::Unsupported { .. })
    ));
    assert_eq!(
        cl.requests_sent(),
        before,
        "no request for an unsupported call"
    );
    c.sim.shutdown().await;
}
