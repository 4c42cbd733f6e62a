//! The client against behaviour of real panels: database locks under concurrent writes,
//! rate limits while the dialect is detected, and panel URLs pasted with a path.

use roost_panel::{
    ClientConfig, Dialect, PanelClient, PanelError, RateLimit, Secret, UserBody, observe_contention,
};
use roost_sim::{FaultAction, FaultRule, Faults, NodeParams, Sim, SimConfig, SimHandle};
use std::time::Duration;

async fn sim(dialect: Dialect, faults: Faults) -> SimHandle {
    let mut sc = SimConfig::new(dialect);
    sc.rate_limit = None;
    sc.faults = faults;
    Sim::start(sc).await.expect("sim starts")
}

fn client_at(url: &str, sim: &SimHandle) -> PanelClient {
    let mut c = ClientConfig::new(url, Secret::new(sim.token()));
    c.timeout = Duration::from_secs(5);
    c.rate_limit = RateLimit::Off;
    PanelClient::new(c).expect("client")
}

fn rule(method: Option<&str>, path: &str, times: u32, action: FaultAction) -> FaultRule {
    FaultRule {
        method: method.map(String::from),
        path: path.into(),
        nth: 1,
        times,
        action,
    }
}

fn throttled(times: u32) -> Faults {
    Faults {
        rules: vec![rule(
            None,
            "",
            times,
            FaultAction::RateLimit { retry_after: 0 },
        )],
        ..Faults::default()
    }
}

/// Each case costs about 10 s: after a 429 that ends a request's budget, the client spaces its
/// next request (the panel said no requests remain). One test per dialect, so they overlap.
async fn rate_limits_at_startup(dialect: Dialect) {
    {
        // Five 429s spend the first probe's budget (1 + 4 retries): the second probe decides.
        for times in [4, 5] {
            let s = sim(dialect, throttled(times)).await;
            let c = client_at(&s.url(), &s);
            assert_eq!(
                c.detect_dialect().await.unwrap(),
                dialect,
                "{times} 429s at startup"
            );
            s.shutdown().await;
        }
        // Throttled throughout: an error that says why, not a guess.
        let s = sim(dialect, throttled(100)).await;
        let c = client_at(&s.url(), &s);
        let e = c.detect_dialect().await.unwrap_err();
        let msg = e.to_string();
        assert!(
            matches!(e, PanelError::UnknownDialect { .. })
                && msg.contains("429")
                && msg.contains("nothing was guessed"),
            "{msg}"
        );
        s.shutdown().await;
    }
}

#[tokio::test]
async fn rate_limits_at_startup_never_make_a_wrong_dialect_pterodactyl() {
    rate_limits_at_startup(Dialect::Pterodactyl).await;
}

#[tokio::test]
async fn rate_limits_at_startup_never_make_a_wrong_dialect_pelican() {
    rate_limits_at_startup(Dialect::Pelican).await;
}

#[tokio::test]
async fn a_panel_url_into_the_api_is_the_panel_root() {
    for dialect in Dialect::ALL {
        let s = sim(dialect, Faults::default()).await;
        for suffix in [
            "/api/application",
            "/api/application/",
            "/api",
            "/api/application/servers",
        ] {
            let c = client_at(&format!("{}{suffix}", s.url()), &s);
            assert_eq!(c.detect_dialect().await.unwrap(), dialect, "{suffix}");
            assert_eq!(c.base_url(), s.url());
            c.list_nodes().await.expect("reads work");
        }
        // A path the panel does not serve: refused, naming the path and the likely root.
        let c = client_at(&format!("{}/admin/users", s.url()), &s);
        let msg = c.detect_dialect().await.unwrap_err().to_string();
        assert!(
            msg.contains("below `/admin/users`") && msg.contains(&s.url()),
            "{msg}"
        );
        s.shutdown().await;
    }
}

fn user_body(name: &str) -> UserBody {
    UserBody {
        email: format!("{name}@example.com"),
        username: name.into(),
        first_name: Some("A".into()),
        last_name: Some("B".into()),
        external_id: None,
        language: "en".into(),
        root_admin: Some(false),
        password: None,
    }
}

#[tokio::test]
async fn database_locks_are_retried_for_updates_and_ambiguous_for_creates() {
    for dialect in Dialect::ALL {
        let s = sim(dialect, Faults::default()).await;
        let node = s.mutate(|st| {
            let location_id =
                (dialect == Dialect::Pterodactyl).then(|| st.add_location("fra", None));
            st.add_node(NodeParams {
                name: "n1".into(),
                location_id,
                ..NodeParams::default()
            })
        });
        let c = client_at(&s.url(), &s);
        let live = c.get_node(node).await.unwrap();
        s.set_faults(Faults {
            rules: vec![rule(Some("PATCH"), "/nodes/", 2, FaultAction::DbLock)],
            ..Faults::default()
        });
        let mut body = roost_panel::NodeBody::from_live(&live);
        body.memory = 1234;
        let (updated, seen) = observe_contention(c.update_node(node, &body)).await;
        assert_eq!(
            updated.unwrap().memory,
            1234,
            "{dialect}: retried to success"
        );
        assert_eq!(seen, 2, "the observing task is told");
        assert_eq!(c.contention_answers(), 2);

        // A create is never re-sent blindly: the outcome is for the caller to re-read.
        s.set_faults(Faults {
            rules: vec![rule(Some("POST"), "/users", 1, FaultAction::DbLock)],
            ..Faults::default()
        });
        let e = c.create_user(&user_body("locked")).await.unwrap_err();
        assert!(matches!(e, PanelError::Ambiguous { .. }), "{e:?}");
        assert!(e.to_string().contains("500"), "{e}");
        assert_eq!(c.find_user_by_username("locked").await.unwrap(), None);

        // Other 500s on an update are not retried.
        s.set_faults(Faults {
            rules: vec![rule(
                Some("PATCH"),
                "/nodes/",
                5,
                FaultAction::Status {
                    status: 500,
                    after_commit: false,
                },
            )],
            ..Faults::default()
        });
        s.clear_request_log();
        let e = c.update_node(node, &body).await.unwrap_err();
        assert!(!e.is_database_contention(), "{e:?}");
        assert_eq!(s.request_log().len(), 1, "not retried");
        s.shutdown().await;
    }
}
