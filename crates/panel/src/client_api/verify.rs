//! Creates (and toggles) whose outcome was unknown: re-read, then follow the operation's rule
//! ([`OperationRule::after_reread`]): take what the re-read found, send again only when it
//! proves nothing happened, or report what it showed. Never a blind re-send.

use crate::client_api::ClientApi;
use crate::client_api::exec::{Answer, ClientReq};
use crate::error::PanelError;
use crate::retry::{AfterReread, Reread};
use std::future::Future;

/// How a verified request ended.
#[derive(Debug)]
pub(crate) enum Verified<T> {
    /// The panel answered.
    Sent(Answer),
    /// The answer was lost, and a re-read found the effect.
    Found(T),
}

impl ClientApi {
    /// Sends `req`; after an unknown outcome, `reread` looks for its effect (`Ok(None)`: not
    /// there; `Err`: why it cannot tell). `absent_note` is added to the report when the rule forbids sending again even
    /// though the re-read found nothing (why absence proves nothing there).
    pub(crate) async fn send_verified<T, F, Fut>(
        &self,
        req: &ClientReq,
        absent_note: &str,
        reread: F,
    ) -> Result<Verified<T>, PanelError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<T>, String>>,
    {
        let dialect = self.ensure_dialect().await?;
        let rule = req.op.spec(dialect).rule;
        let mut resends = 0u32;
        let mut last_cause: Option<String> = None;
        loop {
            let (method, path, cause) = match self.send(req).await {
                Ok(answer) => return Ok(Verified::Sent(answer)),
                Err(PanelError::Ambiguous {
                    method,
                    path,
                    cause,
                }) if rule.rereads() => (method, path, cause),
                // A re-send the route's limiter will not let through soon: report why the
                // first attempt failed, not only the limiter (which counts that attempt).
                Err(PanelError::Throttled {
                    method,
                    path,
                    limiter,
                    retry_after,
                    sent: false,
                }) if last_cause.is_some() => {
                    let wait = retry_after
                        .map_or(String::new(), |w| format!(" for another {} s", w.as_secs()));
                    return Err(PanelError::NotResent {
                        method,
                        path,
                        cause: last_cause.unwrap_or_default(),
                        reread: format!(
                            "a re-read shows it did not act, but {limiter} allows no new attempt\
                             {wait}: send it again later"
                        ),
                    });
                }
                Err(e) => return Err(e),
            };
            last_cause = Some(cause.clone());
            let (seen, found, failure) = match reread().await {
                Ok(Some(t)) => (Reread::Found, Some(t), None),
                Ok(None) => (Reread::Absent, None, None),
                Err(e) => (Reread::Unknown, None, Some(e)),
            };
            let report = match (rule.after_reread(seen), found) {
                (AfterReread::Done, Some(t)) => return Ok(Verified::Found(t)),
                (AfterReread::Resend, _) => {
                    let label = format!("{method} {path}");
                    if self.pause_before_resend(resends, &label, &cause).await {
                        resends += 1;
                        continue;
                    }
                    "a re-read shows it did not act, and the retry budget is spent: send it again \
                     later"
                        .to_string()
                }
                _ => match failure {
                    Some(e) => format!(
                        "a re-read could not tell whether it acted ({e}); not sent again: check \
                         the panel before retrying"
                    ),
                    None if absent_note.is_empty() => {
                        "a re-read does not show it; not sent again".to_string()
                    }
                    None => format!("a re-read does not show it; not sent again: {absent_note}"),
                },
            };
            return Err(PanelError::NotResent {
                method,
                path,
                cause,
                reread: report,
            });
        }
    }

    /// Waits before sending again a request a re-read proved did not act (`false` when the
    /// retry budget is spent). The wait is reported like any backoff.
    async fn pause_before_resend(&self, resends: u32, label: &str, cause: &str) -> bool {
        match self
            .inner
            .retry
            .after_verified_absent(resends, self.jitter())
        {
            crate::retry::Decision::RetryAfter(delay) => {
                let reason = crate::limiter::WaitReason::Backoff {
                    attempt: resends + 1,
                    cause: cause.to_string(),
                };
                self.notify(delay, reason, label);
                tokio::time::sleep(delay).await;
                true
            }
            _ => false,
        }
    }
}
