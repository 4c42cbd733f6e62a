//! Server databases against the simulator, in both dialects: create (never asking for the
//! password), list, read back through `read_live`, the server's limit and the unique name,
//! reset, delete; no re-send of an ambiguous create; acting through the wrong server refused.

use crate::common::*;
use roost_panel::{DatabaseBody, Dialect, PanelError, ServerBuildBody};
use roost_sim::FaultAction;

/// The database host every fresh simulator has.
const STOCK_HOST: u64 = 1;

fn body(name: &str) -> DatabaseBody {
    DatabaseBody {
        database: name.into(),
        remote: "%".into(),
        host: STOCK_HOST,
    }
}

async fn databases(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    let fleet = small_fleet(&c, "db-01", &[25565]).await;
    let server = fleet.server.id;
    c.sim.clear_request_log();

    let made = cl
        .create_server_database(server, &body("stats"))
        .await
        .unwrap();
    assert_eq!(made.server_id, server);
    assert_eq!(made.host_id, STOCK_HOST);
    assert_eq!(made.database, format!("s{server}_stats"));
    assert_eq!(made.declared_name(), "stats");
    assert!(
        made.username.starts_with(&format!("u{server}_")),
        "{made:?}"
    );
    assert_eq!(made.remote, "%");
    let log = c.sim.request_log();
    assert!(
        log.iter().all(|r| !r.path.contains("password")),
        "the password is never asked for: {log:?}"
    );
    assert_eq!(
        cl.list_server_databases(server).await.unwrap(),
        vec![made.clone()]
    );

    let live = cl.read_live().await.unwrap();
    assert_eq!(live.databases, vec![made.clone()]);
    match dialect {
        Dialect::Pelican => assert!(
            live.database_hosts
                .iter()
                .any(|h| h.id == STOCK_HOST && h.name == "mysql-1"),
            "{:?}",
            live.database_hosts
        ),
        Dialect::Pterodactyl => assert!(live.database_hosts.is_empty()),
    }

    // The server's limit (1 in the conformance servers), then the unique name.
    conflict(
        cl.create_server_database(server, &body("other"))
            .await
            .unwrap_err(),
        "TooManyDatabasesException",
    );
    let mut build = ServerBuildBody::from_live(&fleet.server);
    build.feature_limits.databases = Some(3);
    cl.update_server_build(server, &build).await.unwrap();
    match cl.create_server_database(server, &body("stats")).await {
        Err(PanelError::Validation { errors, .. }) => {
            assert!(errors.iter().any(|e| e.field == "database"), "{errors:?}")
        }
        other => panic!("{other:?}"),
    }

    cl.reset_server_database_password(server, made.id)
        .await
        .unwrap();
    cl.delete_server_database(server, made.id).await.unwrap();
    assert!(cl.list_server_databases(server).await.unwrap().is_empty());
    assert!(matches!(
        cl.delete_server_database(server, made.id).await,
        Err(PanelError::NotFound { .. })
    ));
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_databases() {
    databases(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_databases() {
    databases(Dialect::Pelican).await;
}

async fn faults_and_wrong_servers(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    let a = small_fleet(&c, "db-a", &[25565]).await.server.id;
    let b = small_fleet(&c, "db-b", &[25566]).await.server.id;
    let dbs = format!("/servers/{a}/databases");

    // A create whose answer is lost is not sent again; a re-read shows whether it acted.
    c.sim.clear_request_log();
    c.fault("POST", &dbs, 1, FaultAction::Drop { after_commit: true });
    let e = cl
        .create_server_database(a, &body("lost"))
        .await
        .unwrap_err();
    assert!(matches!(e, PanelError::Ambiguous { .. }), "{e:?}");
    assert_eq!(c.count("POST", &dbs), 1, "exactly one POST");
    c.clear_faults();
    let listed = cl.list_server_databases(a).await.unwrap();
    assert_eq!(listed.len(), 1, "it was created: {listed:?}");
    let id = listed[0].id;

    // A database of server `a` cannot be reset or deleted through server `b`.
    c.sim.clear_request_log();
    for e in [
        cl.reset_server_database_password(b, id).await.unwrap_err(),
        cl.delete_server_database(b, id).await.unwrap_err(),
    ] {
        assert!(matches!(e, PanelError::NotFound { .. }), "{e:?}");
    }
    if dialect == Dialect::Pterodactyl {
        // PT's unscoped binding: checked by a read, nothing else is sent.
        let log = c.sim.request_log();
        assert!(log.iter().all(|r| r.method == "GET"), "{log:?}");
    }
    assert_eq!(cl.list_server_databases(a).await.unwrap().len(), 1);

    // A delete whose answer is lost is sent again and then finds nothing: done.
    let one = format!("{dbs}/{id}");
    c.sim.clear_request_log();
    c.fault("DELETE", &one, 1, FaultAction::Drop { after_commit: true });
    cl.delete_server_database(a, id).await.unwrap();
    assert_eq!(c.count("DELETE", &one), 2);
    assert!(cl.list_server_databases(a).await.unwrap().is_empty());
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_database_faults_and_wrong_servers() {
    faults_and_wrong_servers(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_database_faults_and_wrong_servers() {
    faults_and_wrong_servers(Dialect::Pelican).await;
}
