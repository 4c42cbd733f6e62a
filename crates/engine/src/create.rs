//! A create ([`Retry::ReadBack`](roost_plan::Retry)): if its outcome is unknown, re-read by
//! identity before trying again, so that nothing is created twice.

use crate::Event;
use crate::context::ApplyCx;
use roost_model::Address;
use roost_panel::PanelError;

/// Run a create; if its outcome is unknown, re-read by identity before trying again, so that
/// nothing is created twice. A create proven absent is sent again after a backoff with jitter
/// (the client's retry policy decides how long and how often): concurrent creates that met a
/// database lock together do not meet it again together.
pub(crate) async fn once<T, F, Fut, R, RFut>(
    cx: &ApplyCx,
    address: &Address,
    post: F,
    reread: R,
) -> Result<T, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, PanelError>>,
    R: Fn() -> RFut,
    RFut: std::future::Future<Output = Result<Option<T>, PanelError>>,
{
    let request = format!("create {address}");
    let mut resent = 0u32;
    loop {
        let last = match post().await {
            Ok(t) => return Ok(t),
            Err(e @ PanelError::Ambiguous { .. }) => e.to_string(),
            Err(e) => return Err(e.to_string()),
        };
        match reread().await {
            Ok(Some(t)) => {
                cx.reporter.report(Event::Recovered {
                    address: address.clone(),
                    note: "the panel had created it before the error; not created again".into(),
                });
                return Ok(t);
            }
            Ok(None) => {
                if !cx.client.pause_before_resend(resent, &request, &last).await {
                    return Err(format!(
                        "{last} (gave up after {} attempts, each verified not to have created it)",
                        resent + 1
                    ));
                }
                resent += 1;
            }
            Err(e) => return Err(format!("{last}; and re-reading the panel failed: {e}")),
        }
    }
}
