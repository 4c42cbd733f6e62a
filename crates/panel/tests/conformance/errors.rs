//! Every error class, in both dialects: what the panel refused (401, 403, 404, 422, the daemon
//! unreachable) and what failed on the way (5xx, 429 past the budget, timeouts, no listener).

use crate::common::*;
use roost_panel::{ClientConfig, Dialect, PanelClient, PanelError, Secret};
use roost_sim::{FaultAction, UserParams};
use std::time::Duration;

async fn refusals(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    cl.ensure_dialect().await.unwrap();

    // 401, and the token never shows up in the error.
    let mut cfg = config(&c.sim);
    cfg.token = Secret::new("ptla_wrongwrongwrong");
    let bad = PanelClient::new(cfg).unwrap();
    let e = bad.list_nodes().await.unwrap_err();
    assert!(matches!(e, PanelError::Unauthorized { .. }), "{e:?}");
    assert!(!e.to_string().contains("wrongwrong") && !format!("{e:?}").contains("wrongwrong"));
    assert!(!e.to_string().contains(&c.sim.token()));

    // 404 with method and path.
    let e = cl.get_server(4242).await.unwrap_err();
    assert!(matches!(e, PanelError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("GET /servers/4242"), "{e}");

    // 422 with per-field messages.
    let mut ub = user_body("bad");
    ub.email = "not-an-email".into();
    match cl.create_user(&ub).await.unwrap_err() {
        PanelError::Validation {
            errors,
            method,
            path,
        } => {
            assert_eq!(
                (method.as_str(), path.starts_with("/users")),
                ("POST", true)
            );
            assert!(errors.iter().any(|f| f.field == "email"), "{errors:?}");
        }
        other => panic!("{other:?}"),
    }

    // 403: PL refuses to delete a Root Admin (body `[]`); elsewhere injected.
    if dialect == Dialect::Pelican {
        let root = c.sim.mutate(|s| {
            s.add_user(UserParams {
                username: "root2".into(),
                email: "root2@example.com".into(),
                root_admin: true,
                ..Default::default()
            })
        });
        let e = cl.delete_user(root).await.unwrap_err();
        assert!(matches!(e, PanelError::Forbidden { .. }), "{e:?}");
    } else {
        c.fault(
            "GET",
            "/nodes",
            1,
            FaultAction::Status {
                status: 403,
                after_commit: false,
            },
        );
        assert!(matches!(
            cl.list_nodes().await,
            Err(PanelError::Forbidden { .. })
        ));
        c.clear_faults();
    }

    // The daemon unreachable during a delete (PT 504, PL 500).
    let (_node, allocs) = node_with_allocations(&c, "d-01", &[25565]).await;
    let s = cl
        .create_server(&server_body(&c, 1, allocs[0], vec![], "d-1").await)
        .await
        .unwrap();
    let status = if dialect == Dialect::Pterodactyl {
        504
    } else {
        500
    };
    let path = format!("/servers/{}", s.id);
    c.fault(
        "DELETE",
        &path,
        10,
        FaultAction::Status {
            status,
            after_commit: false,
        },
    );
    let mut cfg = config(&c.sim);
    cfg.max_retries = 1;
    cfg.dialect = Some(dialect);
    let once = PanelClient::new(cfg).unwrap();
    let e = once.delete_server(s.id, false).await.unwrap_err();
    assert!(matches!(e, PanelError::DaemonUnreachable { .. }), "{e:?}");
    assert!(e.is_transient());
    c.clear_faults();
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_refusals() {
    refusals(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_refusals() {
    refusals(Dialect::Pelican).await;
}

async fn failures(dialect: Dialect) {
    let c = start(dialect, |_| {}).await;
    let cl = &c.client;
    cl.ensure_dialect().await.unwrap();

    // Any other 5xx on a GET: reported, not retried.
    c.sim.clear_request_log();
    c.fault(
        "GET",
        "/users",
        1,
        FaultAction::Status {
            status: 500,
            after_commit: false,
        },
    );
    let e = cl.list_users().await.unwrap_err();
    assert!(
        matches!(
            e,
            PanelError::Server { status: 500, .. }
                | PanelError::DaemonUnreachable { status: 500, .. }
        ),
        "{e:?}"
    );
    assert_eq!(c.count("GET", "/users"), 1);
    c.clear_faults();

    // 429 beyond the retry budget.
    c.fault(
        "GET",
        "/nodes",
        10,
        FaultAction::RateLimit { retry_after: 1 },
    );
    let mut cfg = config(&c.sim);
    cfg.max_retries = 1;
    cfg.dialect = Some(dialect);
    let impatient = PanelClient::new(cfg).unwrap();
    let e = impatient.list_nodes().await.unwrap_err();
    assert!(
        matches!(
            e,
            PanelError::RateLimited {
                retry_after: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_transient());
    c.clear_faults();

    // Timeout (idempotent, no retries left) and an ambiguous POST after a timeout.
    let mut cfg = config(&c.sim);
    cfg.timeout = Duration::from_millis(300);
    cfg.max_retries = 0;
    cfg.dialect = Some(dialect);
    let hasty = PanelClient::new(cfg).unwrap();
    hasty.ensure_dialect().await.unwrap();
    c.fault("GET", "/nodes", 1, FaultAction::Delay { ms: 1000 });
    let e = hasty.list_nodes().await.unwrap_err();
    assert!(matches!(e, PanelError::Timeout { .. }), "{e:?}");
    c.sim.clear_request_log();
    c.fault("POST", "/users", 1, FaultAction::Delay { ms: 1000 });
    let e = hasty.create_user(&user_body("slowpoke")).await.unwrap_err();
    assert!(matches!(e, PanelError::Ambiguous { .. }), "{e:?}");
    assert!(e.to_string().contains("re-read"), "{e}");
    c.clear_faults();
    assert_eq!(c.count("POST", "/users"), 1, "never re-sent");

    // Transport: nothing listens (connect refused), retried then reported.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut cfg = ClientConfig::new(format!("http://127.0.0.1:{port}"), Secret::new("ptla_x"));
    cfg.max_retries = 2;
    cfg.dialect = Some(dialect);
    let nowhere = PanelClient::new(cfg).unwrap();
    let e = nowhere.detect_dialect().await.unwrap_err();
    assert!(
        matches!(e, PanelError::Transport { connect: true, .. }),
        "{e:?}"
    );
    assert_eq!(nowhere.requests_sent(), 3);
    c.sim.shutdown().await;
}

#[tokio::test]
async fn pterodactyl_failures() {
    failures(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn pelican_failures() {
    failures(Dialect::Pelican).await;
}
