//! What every Client-API-backed child kind (schedules, …) needs at apply time: the client key's
//! `ClientApi`, the server's Client-API identifier (learnt once per server when this run created
//! it), and waiting while the server is still installing (the panel answers 409 until then).

use crate::Event;
use crate::context::ApplyCx;
use roost_model::Address;
use roost_panel::{ClientApi, PanelError, ServerState};
use roost_plan::Ref;
use std::time::{Duration, Instant};

/// How often a server that is still installing is asked again.
pub(crate) const INSTALL_POLL: Duration = Duration::from_secs(2);

/// The run's Client API, or why it has none.
pub(crate) fn client_api<'a>(cx: &'a ApplyCx, address: &Address) -> Result<&'a ClientApi, String> {
    cx.client_api.as_ref().ok_or_else(|| {
        format!("{address} is written through the Client API, but this run has no client key: set the variable the panel block's `client-token-env` names (default ROOST_CLIENT_TOKEN)")
    })
}

/// The Client API's name for `server`: the plan's, or (a server this run created) read once
/// from the Application API.
pub(crate) async fn identifier(
    cx: &ApplyCx,
    server: &Ref,
    known: &Option<String>,
) -> Result<String, String> {
    if let Some(i) = known {
        return Ok(i.clone());
    }
    let id = cx.resolve(server)?;
    if let Some(i) = cx.identifiers.lock().ok().and_then(|m| m.get(&id).cloned()) {
        return Ok(i);
    }
    let live = cx
        .client
        .get_server(id)
        .await
        .map_err(|e| format!("cannot learn the identifier of server {id}: {e}"))?;
    if let Ok(mut m) = cx.identifiers.lock() {
        m.insert(id, live.identifier.clone());
    }
    Ok(live.identifier)
}

/// Runs `request`; while the server is still installing (409 `Installing`), waits (for at most
/// the run's install wait) until a read of the server's schedules answers, then sends it once
/// more. Only reads repeat: Pelican throttles schedule creates per server (2 a minute), so a
/// write is never used to poll. Any other answer is returned as it is.
pub(crate) async fn when_installed<T, F, Fut>(
    cx: &ApplyCx,
    address: &Address,
    api: &ClientApi,
    server: &str,
    request: F,
) -> Result<T, PanelError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, PanelError>>,
{
    let started = Instant::now();
    loop {
        match request().await {
            Err(e) if installing(&e) && started.elapsed() + INSTALL_POLL <= cx.install_wait => {
                while started.elapsed() + INSTALL_POLL <= cx.install_wait {
                    cx.reporter.report(Event::Waiting {
                        seconds: INSTALL_POLL.as_secs_f64(),
                        reason: format!("{address}: its server is still installing"),
                        cause: crate::WaitCause::Server,
                    });
                    tokio::time::sleep(INSTALL_POLL).await;
                    match api.schedules(server).await {
                        Err(e) if installing(&e) => {}
                        _ => break,
                    }
                }
            }
            other => return other,
        }
    }
}

fn installing(e: &PanelError) -> bool {
    matches!(
        e,
        PanelError::StateConflict {
            state: ServerState::Installing,
            ..
        }
    )
}

/// A failed Client-API write as the run reports it; a server still installing says what to do.
pub(crate) fn explain(cx: &ApplyCx, e: PanelError) -> String {
    match &e {
        PanelError::StateConflict {
            state: ServerState::Installing,
            ..
        } => format!(
            "{e}: the server had not finished installing after {} s; run `roost apply` again once it has",
            cx.install_wait.as_secs()
        ),
        _ => e.to_string(),
    }
}
