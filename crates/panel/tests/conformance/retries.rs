//! Retries: idempotent calls ride out transient failures (429, 5xx, dropped connections); a
//! creating POST whose outcome is unknown is never re-sent.

use crate::common::*;
use roost_panel::{AllocationBody, Dialect, PanelError, ServerDetailsBody, WaitReason};
use roost_sim::FaultAction;
use std::time::Duration;

async fn idempotent_retries(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    cl.ensure_dialect().await.unwrap();
    let (node, allocs) = node_with_allocations(&c, "r-01", &[25565, 25566, 25567]).await;
    let user = cl.create_user(&user_body("retry")).await.unwrap();

    // 429 once: the limiter waits Retry-After and recovers; the wait is reported.
    c.sim.clear_request_log();
    c.fault(
        "GET",
        "/nodes",
        1,
        FaultAction::RateLimit { retry_after: 1 },
    );
    let started = std::time::Instant::now();
    assert_eq!(cl.list_nodes().await.unwrap().len(), 1);
    assert!(started.elapsed() >= Duration::from_secs(1));
    let statuses: Vec<u16> = c.sim.request_log().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 200]);
    assert!(
        c.waits
            .lock()
            .unwrap()
            .iter()
            .any(|w| w.reason == WaitReason::RetryAfter && w.wait > Duration::from_millis(500))
    );

    // Idempotent calls ride out 5xx and dropped connections.
    c.sim.clear_request_log();
    c.fault(
        "GET",
        "/nodes",
        2,
        FaultAction::Status {
            status: 503,
            after_commit: false,
        },
    );
    cl.list_nodes().await.unwrap();
    assert_eq!(c.count("GET", "/nodes"), 3);
    assert!(
        c.waits
            .lock()
            .unwrap()
            .iter()
            .any(|w| matches!(w.reason, WaitReason::Backoff { .. }))
    );

    c.fault(
        "GET",
        &format!("/nodes/{node}"),
        1,
        FaultAction::Drop {
            after_commit: false,
        },
    );
    cl.get_node(node).await.unwrap();

    let server = cl
        .create_server(&server_body(&c, user.id, allocs[0], vec![], "r-1").await)
        .await
        .unwrap();
    let path = format!("/servers/{}", server.id);
    c.sim.clear_request_log();
    c.fault(
        "PATCH",
        &format!("{path}/details"),
        1,
        FaultAction::Status {
            status: 502,
            after_commit: true,
        },
    );
    let mut details = ServerDetailsBody::from_live(&server);
    details.name = "renamed".into();
    assert_eq!(
        cl.update_server_details(server.id, &details)
            .await
            .unwrap()
            .name,
        "renamed"
    );
    assert_eq!(c.count("PATCH", &format!("{path}/details")), 2);

    // Suspend is a no-op when repeated, so it is retried even though it is a POST.
    c.fault(
        "POST",
        &format!("{path}/suspend"),
        1,
        FaultAction::Drop { after_commit: true },
    );
    cl.suspend_server(server.id).await.unwrap();
    assert!(cl.get_server(server.id).await.unwrap().suspended);
    assert_eq!(c.count("POST", &format!("{path}/suspend")), 2);

    // A DELETE whose answer was lost and whose retry finds nothing has succeeded.
    c.sim.clear_request_log();
    c.fault("DELETE", &path, 1, FaultAction::Drop { after_commit: true });
    cl.delete_server(server.id, false).await.unwrap();
    assert_eq!(c.count("DELETE", &path), 2);
    assert!(matches!(
        cl.get_server(server.id).await,
        Err(PanelError::NotFound { .. })
    ));
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_idempotent_retries() {
    idempotent_retries(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_idempotent_retries() {
    idempotent_retries(Dialect::Pelican).await;
}

async fn ambiguous_creates(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    cl.ensure_dialect().await.unwrap();
    let (node, allocs) = node_with_allocations(&c, "r-01", &[25565, 25566]).await;
    let user = cl.create_user(&user_body("retry")).await.unwrap();

    // A creating POST that fails after commit is never re-sent.
    for (i, action) in [
        FaultAction::Status {
            status: 500,
            after_commit: true,
        },
        FaultAction::Drop { after_commit: true },
        FaultAction::Status {
            status: 503,
            after_commit: false,
        },
    ]
    .into_iter()
    .enumerate()
    {
        c.sim.clear_request_log();
        c.fault("POST", "/servers", 1, action.clone());
        let ext = format!("amb-{i}");
        let body = server_body(&c, user.id, allocs[1], vec![], &ext).await;
        let e = cl.create_server(&body).await.unwrap_err();
        assert!(
            matches!(e, PanelError::Ambiguous { .. }),
            "{action:?}: {e:?}"
        );
        assert!(!e.is_transient());
        assert_eq!(
            c.count("POST", "/servers"),
            1,
            "{action:?}: exactly one POST"
        );
        c.clear_faults();
        if let Some(s) = cl.find_server_by_external_id(&ext).await.unwrap() {
            cl.delete_server(s.id, true).await.unwrap();
        }
    }
    c.fault(
        "POST",
        &format!("/nodes/{node}/allocations"),
        1,
        FaultAction::Drop { after_commit: true },
    );
    let e = cl
        .create_allocations(node, &AllocationBody::new("10.0.0.2", None, &[30000]))
        .await
        .unwrap_err();
    assert!(matches!(e, PanelError::Ambiguous { .. }), "{e:?}");
    c.clear_faults();
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_ambiguous_creates() {
    ambiguous_creates(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_ambiguous_creates() {
    ambiguous_creates(Dialect::Pelican).await;
}
