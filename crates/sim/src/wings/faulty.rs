//! The faults "Wings unreachable" and "Wings slow" as the panel meets them: a wrapper around
//! the daemon for one panel request. Unreachable fails every call at once (connection
//! refused); slow makes each call take `slow_ms`, and a call the panel's HTTP client gives up
//! on (its 15-second timeout, `*.guzzle.timeout`) fails as unreachable after that long. The
//! time spent is added up so the transport can hold the answer back that long (the state lock
//! is not held while waiting).

use crate::client::wings::{Report, ServerConfig, Wings, WingsAnswer, WingsCall, WingsError};
use crate::config::WingsFaults;
use crate::state::{Node, Server, WingsTimings};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The panel's timeout on a daemon call.
pub const PANEL_TIMEOUT_MS: u64 = 15_000;

/// How long the answer is held back (a response extension the transport reads).
#[derive(Clone, Copy, Debug)]
pub struct DaemonWait(pub u64);

pub struct Faulty {
    inner: Arc<dyn Wings>,
    faults: WingsFaults,
    waited_ms: AtomicU64,
}

impl Faulty {
    pub fn new(inner: Arc<dyn Wings>, faults: WingsFaults) -> Faulty {
        Faulty {
            inner,
            faults,
            waited_ms: AtomicU64::new(0),
        }
    }

    pub fn waited_ms(&self) -> u64 {
        self.waited_ms.load(Ordering::Relaxed)
    }
}

impl Wings for Faulty {
    fn call(
        &self,
        node: &Node,
        server: &Server,
        call: WingsCall,
    ) -> Result<WingsAnswer, WingsError> {
        if self.faults.unreachable {
            return Err(WingsError::Unreachable);
        }
        if self.faults.slow_ms > 0 {
            let waited = self.faults.slow_ms.min(PANEL_TIMEOUT_MS);
            self.waited_ms.fetch_add(waited, Ordering::Relaxed);
            if self.faults.slow_ms >= PANEL_TIMEOUT_MS {
                return Err(WingsError::Unreachable);
            }
        }
        self.inner.call(node, server, call)
    }

    fn sync(&self, config: &ServerConfig) {
        self.inner.sync(config);
    }

    fn settle(&self, timings: &WingsTimings) -> Vec<Report> {
        self.inner.settle(timings)
    }

    fn address(&self) -> Option<String> {
        self.inner.address()
    }

    fn emulated(&self) -> Option<&super::Emulated> {
        self.inner.emulated()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::wings::Unreachable;

    struct Accepting;

    impl Wings for Accepting {
        fn call(&self, _: &Node, _: &Server, _: WingsCall) -> Result<WingsAnswer, WingsError> {
            Ok(WingsAnswer::Accepted)
        }
    }

    fn server_and_node() -> (Node, Server) {
        let mut st = crate::state::SimState::new(crate::Dialect::Pterodactyl, true);
        st.reindex();
        let node = st.add_node(Default::default());
        let sid = st.add_server(crate::state::ServerParams {
            user_id: st.api_key_owner,
            egg_id: *st.eggs.keys().next().unwrap_or(&1),
            ..Default::default()
        });
        (st.nodes[&node].clone(), st.servers[&sid].clone())
    }

    #[test]
    fn a_call_slower_than_the_panels_timeout_fails_as_unreachable_after_it() {
        let (node, server) = server_and_node();
        let slow = |ms| {
            Faulty::new(
                Arc::new(Accepting),
                WingsFaults {
                    slow_ms: ms,
                    ..WingsFaults::default()
                },
            )
        };
        let w = slow(200);
        assert_eq!(
            w.call(&node, &server, WingsCall::Details),
            Ok(WingsAnswer::Accepted)
        );
        assert_eq!(
            w.call(&node, &server, WingsCall::Reinstall),
            Ok(WingsAnswer::Accepted)
        );
        assert_eq!(w.waited_ms(), 400, "each call waits");
        let w = slow(60_000);
        assert_eq!(
            w.call(&node, &server, WingsCall::Details),
            Err(WingsError::Unreachable)
        );
        assert_eq!(w.waited_ms(), PANEL_TIMEOUT_MS);
        let down = Faulty::new(
            Arc::new(Accepting),
            WingsFaults {
                unreachable: true,
                ..WingsFaults::default()
            },
        );
        assert_eq!(
            down.call(&node, &server, WingsCall::Details),
            Err(WingsError::Unreachable)
        );
        assert_eq!(down.waited_ms(), 0, "refused at once");
        assert!(
            Faulty::new(Arc::new(Unreachable), WingsFaults::default())
                .emulated()
                .is_none()
        );
    }
}
