//! The client's own machinery against the simulator: dialect detection and mismatch, and the
//! limiter adopting the panel's budget.

use crate::common::*;
use roost_panel::{Dialect, PanelClient, PanelError, RateLimit, Secret};
use roost_sim::{Sim, SimConfig};

#[tokio::test]
async fn dialect_detection_and_mismatch() {
    for dialect in Dialect::ALL {
        let other = match dialect {
            Dialect::Pterodactyl => Dialect::Pelican,
            Dialect::Pelican => Dialect::Pterodactyl,
        };
        let c = start(dialect, |_| {}).await;
        assert_eq!(c.client.detect_dialect().await.unwrap(), dialect);
        assert_eq!(c.client.requests_sent(), 1, "one probe");

        // The probe works before authentication: a bad key still tells the dialect.
        let mut cfg = config(&c.sim);
        cfg.token = Secret::new("not-a-key");
        let bad = PanelClient::new(cfg).unwrap();
        assert_eq!(bad.detect_dialect().await.unwrap(), dialect);

        let mut cfg = config(&c.sim);
        cfg.dialect = Some(other);
        let wrong = PanelClient::new(cfg).unwrap();
        let e = wrong.read_live().await.unwrap_err();
        assert!(matches!(e, PanelError::DialectMismatch { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(dialect.as_str()) && msg.contains(other.as_str()),
            "{msg}"
        );
        c.sim.shutdown().await;
    }
}

#[tokio::test]
async fn client_limiter_follows_the_panels_headers() {
    // A panel limit of 100/min: the client adopts it from X-RateLimit-Limit.
    let mut sc = SimConfig::new(Dialect::Pelican);
    sc.rate_limit = Some(100);
    let sim = Sim::start(sc).await.unwrap();
    let mut cfg = config(&sim);
    cfg.rate_limit = RateLimit::Default;
    let client = PanelClient::new(cfg).unwrap();
    client.read_live().await.unwrap();
    assert_eq!(client.rate_limit(), Some(100));
    let mut cfg = config(&sim);
    cfg.rate_limit = RateLimit::Off;
    let off = PanelClient::new(cfg).unwrap();
    assert_eq!(off.rate_limit(), None);
    sim.shutdown().await;
}
