//! Servers: create, read by id and external id, the three full-replacement updates, suspend,
//! reinstall, delete (and force delete).

use crate::common::*;
use roost_panel::{Dialect, PanelError, ServerBuildBody, ServerDetailsBody, ServerStartupBody};

async fn create_and_read(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    let (_node, a) = node_with_allocations(&c, "fra-01", &[25565, 25566, 25567]).await;
    let user = cl.create_user(&user_body("confuser")).await.unwrap();
    let body = server_body(&c, user.id, a[0], vec![a[1]], "conf-1").await;
    let server = cl.create_server(&body).await.unwrap();
    assert_eq!(server.external_id.as_deref(), Some("conf-1"));
    assert_eq!(server.allocation, Some(a[0]));
    assert!(!server.limits.oom_killer);
    for key in body.environment.keys() {
        assert!(server.environment.contains_key(key), "{key}");
    }
    assert!(
        !server.environment.contains_key("STARTUP")
            && !server.environment.contains_key("P_SERVER_UUID")
    );
    let server = cl.get_server(server.id).await.unwrap();
    assert_eq!(server.allocations, vec![a[0], a[1]]);
    let by_ext = cl
        .find_server_by_external_id("conf-1")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(by_ext.id, server.id);
    assert!(
        cl.find_server_by_external_id("no such/thing?")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(cl.list_servers().await.unwrap(), vec![server]);
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_server_create_and_read() {
    create_and_read(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_server_create_and_read() {
    create_and_read(Dialect::Pelican).await;
}

async fn updates(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    let fleet = small_fleet(&c, "fra-01", &[25565, 25566]).await;
    let (id, a) = (fleet.server.id, &fleet.allocations);

    let mut details = ServerDetailsBody::from_live(&fleet.server);
    details.description = "renamed".into();
    let s2 = cl.update_server_details(id, &details).await.unwrap();
    assert_eq!(s2.description, "renamed");
    assert_eq!(
        s2.external_id.as_deref(),
        Some("fra-01-srv"),
        "external id kept"
    );

    let mut build = ServerBuildBody::from_live(&s2);
    build.limits.memory = 2048;
    build.oom_killer = true;
    build.add_allocations = vec![a[1]];
    cl.update_server_build(id, &build).await.unwrap();
    let s3 = cl.get_server(id).await.unwrap();
    assert_eq!(s3.limits.memory, 2048);
    assert!(s3.limits.oom_killer);
    assert_eq!(s3.allocations, vec![a[0], a[1]]);
    assert_eq!(s3.feature_limits, s2.feature_limits, "feature limits kept");

    let mut startup = ServerStartupBody::from_live(&s3);
    let var = startup
        .environment
        .keys()
        .next()
        .cloned()
        .expect("egg has variables");
    startup.environment.insert(var.clone(), "paper.jar".into());
    cl.update_server_startup(id, &startup).await.unwrap();
    let s4 = cl.get_server(id).await.unwrap();
    assert_eq!(s4.environment[&var], "paper.jar");
    assert_eq!(
        s4.environment.len(),
        s3.environment.len(),
        "no variable lost"
    );

    cl.suspend_server(id).await.unwrap();
    cl.suspend_server(id).await.unwrap();
    assert!(cl.get_server(id).await.unwrap().suspended);
    cl.unsuspend_server(id).await.unwrap();
    assert!(!cl.get_server(id).await.unwrap().suspended);
    cl.reinstall_server(id).await.unwrap();
    assert!(
        c.waits.lock().unwrap().is_empty(),
        "no waits without faults"
    );
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_server_updates() {
    updates(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_server_updates() {
    updates(Dialect::Pelican).await;
}

async fn deletes(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    let fleet = small_fleet(&c, "fra-01", &[25565]).await;
    cl.delete_server(fleet.server.id, false).await.unwrap();
    assert!(matches!(
        cl.get_server(fleet.server.id).await,
        Err(PanelError::NotFound { .. })
    ));
    // What the server held is free again.
    cl.delete_allocation(fleet.node, fleet.allocations[0])
        .await
        .unwrap();
    cl.delete_node(fleet.node).await.unwrap();
    cl.delete_user(fleet.user).await.unwrap();

    let forced = small_fleet(&c, "fra-02", &[26000]).await;
    cl.delete_server(forced.server.id, true).await.unwrap();
    assert!(
        cl.find_server_by_external_id("fra-02-srv")
            .await
            .unwrap()
            .is_none()
    );
    cl.delete_node(forced.node).await.unwrap();
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_server_deletes() {
    deletes(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_server_deletes() {
    deletes(Dialect::Pelican).await;
}
