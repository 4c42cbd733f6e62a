//! Carrying out one task: the operations of its changes, in order, each by the module of its
//! kind; the changes' progress reported.

use crate::Event;
use crate::context::ApplyCx;
use crate::kinds;
use roost_panel::PanelError;
use roost_plan::{Change, OpSpec, Retry};
use std::time::Instant;

/// Which part of its changes a task is: a change whose last operations run as a task of
/// their own (`schedule.rs`) is started by its first part and finished by its last.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Part {
    pub first: bool,
    pub last: bool,
}

/// Run the changes of one task, reporting each.
pub(crate) async fn run_task(cx: &ApplyCx, changes: &[Change], part: Part) -> Result<(), String> {
    let started = Instant::now();
    for c in changes.iter().filter(|_| part.first) {
        cx.reporter.report(Event::Started {
            address: c.address.clone(),
            action: c.action,
        });
    }
    let mut result = Ok(());
    'changes: for c in changes {
        for op in &c.ops {
            if let Err(e) = kinds::execute(op, cx, c).await {
                result = Err(e);
                break 'changes;
            }
        }
    }
    for c in changes {
        match &result {
            Ok(()) if !part.last => {}
            Ok(()) => cx.reporter.report(Event::Finished {
                address: c.address.clone(),
                action: c.action,
                elapsed: started.elapsed(),
            }),
            Err(e) => cx.reporter.report(Event::Failed {
                address: c.address.clone(),
                action: c.action,
                error: e.clone(),
            }),
        }
    }
    result
}

/// A failed request as the run reports it. An operation that is never sent twice says so when
/// its outcome is unknown: whether it acted cannot be checked.
pub(crate) fn failed(op: &impl OpSpec, e: PanelError) -> String {
    match (op.retry(), &e) {
        (Retry::Never, PanelError::Ambiguous { .. }) => format!(
            "{e} (not sent again: whether the panel acted cannot be checked; look at the panel before running apply again)"
        ),
        _ => e.to_string(),
    }
}

/// A delete whose object is already gone (an earlier, interrupted run got there) reached its
/// goal.
pub(crate) fn gone_is_done(op: &impl OpSpec, r: Result<(), PanelError>) -> Result<(), String> {
    match r {
        Err(PanelError::NotFound { .. }) => Ok(()),
        other => other.map_err(|e| failed(op, e)),
    }
}
