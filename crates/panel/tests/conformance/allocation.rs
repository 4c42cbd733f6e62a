//! Allocations: created in ranges below their node, listed with their holder, deleted;
//! refused while assigned.

use crate::common::*;
use roost_panel::{AllocationBody, Dialect};

async fn allocations(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    let fleet = small_fleet(&c, "fra-01", &[25565]).await;
    cl.create_allocations(
        fleet.node,
        &AllocationBody::new(
            "10.0.0.1",
            Some("mc.example.com".into()),
            &[25566, 25567, 25568],
        ),
    )
    .await
    .unwrap();
    let allocs = cl.list_node_allocations(fleet.node).await.unwrap();
    assert_eq!(allocs.len(), 4);
    assert!(allocs.iter().all(|a| a.node_id == fleet.node));
    let held: Vec<(u16, Option<u64>, bool)> = allocs
        .iter()
        .map(|a| (a.port, a.server_id, a.assigned))
        .collect();
    assert_eq!(
        held,
        vec![
            (25565, Some(fleet.server.id), true),
            (25566, None, false),
            (25567, None, false),
            (25568, None, false)
        ]
    );
    assert!(
        allocs[1..]
            .iter()
            .all(|a| a.alias.as_deref() == Some("mc.example.com"))
    );

    conflict(
        cl.delete_allocation(fleet.node, fleet.allocations[0])
            .await
            .unwrap_err(),
        "ServerUsingAllocationException",
    );
    cl.delete_allocation(fleet.node, allocs[3].id)
        .await
        .unwrap();
    assert_eq!(cl.list_node_allocations(fleet.node).await.unwrap().len(), 3);
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_allocations() {
    allocations(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_allocations() {
    allocations(Dialect::Pelican).await;
}
