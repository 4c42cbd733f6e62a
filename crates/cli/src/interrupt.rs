//! Ctrl-C during `apply`: the first stops the engine gracefully (nothing new starts, the
//! changes in flight get a bounded time to finish), a second exits at once.

use crate::exit;
use crate::output;
use roost_engine::Interrupt;

/// Listens for Ctrl-C from now on (the handler is in place before this returns, so a signal
/// that arrives before the watcher first runs is not lost) until [`Watcher::stop`].
pub struct Watcher {
    task: tokio::task::JoinHandle<()>,
}

impl Watcher {
    /// `live`: a status line may be on stderr, clear it before speaking.
    pub fn start(interrupt: Interrupt, live: bool) -> Option<Watcher> {
        let mut signals = Signals::listen()?;
        let task = tokio::spawn(async move {
            signals.next().await;
            let grace = interrupt.grace().as_secs();
            interrupt.request();
            say(
                live,
                &format!(
                    "Interrupted: no new change starts; the changes in flight get up to {grace}s to finish. Press Ctrl-C again to stop at once."
                ),
            );
            signals.next().await;
            say(
                live,
                "Stopped at once: the changes in flight may or may not have been applied. Run `roost plan` to see the panel's state, then `roost apply` again.",
            );
            std::process::exit(i32::from(exit::INTERRUPTED));
        });
        Some(Watcher { task })
    }

    /// Ctrl-C is no longer watched by roost (the process keeps the handler: a later Ctrl-C is
    /// ignored until exit, which follows at once).
    pub fn stop(self) {
        self.task.abort();
    }
}

/// A change the interrupt left undone, as its progress line says it.
pub fn line(address: &roost_model::Address, started: bool) -> String {
    if started {
        format!(
            "? {address}: outcome unknown (still running when stopped): `roost plan` shows whether it happened"
        )
    } else {
        format!("- {address}: not started (interrupted)")
    }
}

fn say(live: bool, text: &str) {
    if live {
        eprint!("\r\x1b[2K");
    }
    output::warn(text);
}

/// SIGINT, registered when listened to.
struct Signals {
    #[cfg(unix)]
    sigint: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> Option<Signals> {
        #[cfg(unix)]
        {
            let kind = tokio::signal::unix::SignalKind::interrupt();
            tokio::signal::unix::signal(kind)
                .ok()
                .map(|sigint| Signals { sigint })
        }
        #[cfg(not(unix))]
        {
            Some(Signals {})
        }
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        {
            if self.sigint.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
