//! An idempotent update, checked against what the panel reports afterwards (`verify.rs`):
//! fields the panel did not keep are reported once per kind and field, and an update whose
//! answer was lost or a 5xx is re-read and counted as applied when it is in place.

use crate::context::ApplyCx;
use crate::verify::{Took, took};
use crate::{Event, Reporter};
use roost_model::{Address, Kind};
use roost_panel::PanelError;
use roost_plan::Change;
use serde_json::Value;
use std::future::Future;

/// Fields the panel did not keep, reported once per (kind, field) in a run.
#[derive(Debug, Default)]
pub struct NotKept {
    /// Every (address, field), in the order seen.
    pub all: Vec<(Address, String)>,
}

impl NotKept {
    /// Records what `change` did not keep; reports a (kind, field) the first time it is seen.
    fn record(
        &mut self,
        reporter: &dyn Reporter,
        change: &Change,
        fields: &[String],
        panel: Option<&str>,
    ) {
        for field in fields {
            // Only fields the plan showed: what the reader knows by name.
            if !change.attributes.iter().any(|a| &a.name == field) {
                continue;
            }
            let kind = change.address.kind;
            let first = !self.seen(kind, field);
            self.all.push((change.address.clone(), field.clone()));
            if first {
                reporter.report(Event::NotKept {
                    address: change.address.clone(),
                    field: field.clone(),
                    panel: panel.map(str::to_string),
                });
            }
        }
    }

    fn seen(&self, kind: Kind, field: &str) -> bool {
        self.all.iter().any(|(a, f)| a.kind == kind && f == field)
    }
}

/// The answer may have been lost after the panel acted: a 5xx, a daemon error, a timeout or a
/// connection dropped after sending.
fn outcome_unknown(e: &PanelError) -> bool {
    e.status().is_some_and(|s| s >= 500)
        || matches!(
            e,
            PanelError::DaemonUnreachable { .. }
                | PanelError::Timeout { .. }
                | PanelError::Transport { connect: false, .. }
        )
}

/// Sends an idempotent update (`write` answers the object after it, as JSON of the body's
/// shape) and checks it against `sent` and `before`; `reread` reads the object again when the
/// answer is an error that may have come after the panel acted.
pub async fn update<W, WF, R, RF>(
    cx: &ApplyCx,
    change: &Change,
    sent: Value,
    before: Value,
    write: W,
    reread: R,
) -> Result<(), String>
where
    W: FnOnce() -> WF,
    WF: Future<Output = Result<Value, PanelError>>,
    R: FnOnce() -> RF,
    RF: Future<Output = Result<Value, PanelError>>,
{
    let error = match write().await {
        Ok(after) => {
            note_not_kept(cx, change, &took(&sent, &before, &after));
            return Ok(());
        }
        Err(e) if outcome_unknown(&e) => e,
        Err(e) => return Err(e.to_string()),
    };
    let after = reread()
        .await
        .map_err(|r| format!("{error}; and re-reading the panel failed: {r}"))?;
    let t = took(&sent, &before, &after);
    if !t.acted() {
        return Err(error.to_string());
    }
    cx.reporter.report(Event::Recovered {
        address: change.address.clone(),
        note: format!(
            "the panel answered with an error ({}), but a re-read shows the change in place: counted as applied",
            short(&error)
        ),
    });
    note_not_kept(cx, change, &t);
    Ok(())
}

fn note_not_kept(cx: &ApplyCx, change: &Change, t: &Took) {
    if t.not_kept.is_empty() {
        return;
    }
    if let Ok(mut n) = cx.not_kept.lock() {
        n.record(
            cx.reporter.as_ref(),
            change,
            &t.not_kept,
            cx.panel_release.as_deref(),
        );
    }
}

/// `PATCH /nodes/7: panel error (500)` without the panel's long message.
fn short(e: &PanelError) -> String {
    match e.status() {
        Some(s) => format!("{s}"),
        None => e.to_string(),
    }
}
