//! The event stream of `roost apply --format json`: one JSON object per line on stdout, each
//! with the stream's `format_version` and an `event` naming its shape. The types here are the
//! only way an event is written, so `schemas/apply-events.schema.json` (generated from them)
//! cannot drift from the output.

use roost_engine::Event;
use roost_model::Address;
use roost_plan::Action;
use schemars::JsonSchema;
use serde::Serialize;

/// Version of the apply event stream; raised when an event changes incompatibly.
pub const APPLY_EVENTS_FORMAT_VERSION: u32 = 1;

/// One line of the stream.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct EventLine {
    /// [`APPLY_EVENTS_FORMAT_VERSION`].
    pub format_version: u32,
    #[serde(flatten)]
    pub event: ApplyEvent,
}

/// What happened.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ApplyEvent {
    /// A change was started.
    Started { address: Address, action: Action },
    /// A change was carried out.
    Finished {
        address: Address,
        action: Action,
        /// How long it took.
        seconds: f64,
    },
    /// A change failed; the panel may be half-way (re-run `roost apply` after reading why).
    Failed {
        address: Address,
        action: Action,
        error: String,
    },
    /// Not attempted because a change it depends on failed.
    Skipped {
        address: Address,
        action: Action,
        because: Address,
    },
    /// A create's outcome was unknown; a re-read found it had happened.
    Recovered { address: Address, note: String },
    /// Waiting before the next request (rate limit, `Retry-After`, backoff).
    Waiting { seconds: f64, reason: String },
    /// Interrupted before it started.
    NotStarted {
        address: Address,
        action: Action,
        /// Always "interrupted".
        because: String,
    },
    /// Interrupted while running and not finished within the grace period: it may or may not
    /// have happened (the next plan shows which).
    OutcomeUnknown {
        address: Address,
        action: Action,
        /// Always "interrupted".
        because: String,
    },
    /// Fewer changes run at once from now on.
    ConcurrencyLowered {
        from: usize,
        to: usize,
        reason: String,
    },
    /// An update was applied but the panel did not keep `field` (an older release drops it).
    NotKept {
        address: Address,
        field: String,
        /// The panel's release, as far as known.
        panel: Option<String>,
    },
    /// The last line: what the run did.
    Summary {
        applied: usize,
        failed: usize,
        skipped: usize,
        /// Applied changes with a field the panel did not keep.
        not_kept: usize,
        /// Changes in flight at once at the end of the run.
        parallelism: usize,
        interrupted: bool,
        not_started: usize,
        outcome_unknown: usize,
        seconds: f64,
    },
}

impl ApplyEvent {
    /// The line to print.
    pub fn line(self) -> String {
        let line = EventLine {
            format_version: APPLY_EVENTS_FORMAT_VERSION,
            event: self,
        };
        serde_json::to_string(&line).unwrap_or_default() + "\n"
    }
}

impl From<&Event> for ApplyEvent {
    fn from(e: &Event) -> Self {
        match e.clone() {
            Event::Started { address, action } => ApplyEvent::Started { address, action },
            Event::Finished {
                address,
                action,
                elapsed,
            } => ApplyEvent::Finished {
                address,
                action,
                seconds: elapsed.as_secs_f64(),
            },
            Event::Failed {
                address,
                action,
                error,
            } => ApplyEvent::Failed {
                address,
                action,
                error,
            },
            Event::Skipped {
                address,
                action,
                because,
            } => ApplyEvent::Skipped {
                address,
                action,
                because,
            },
            Event::Recovered { address, note } => ApplyEvent::Recovered { address, note },
            Event::Waiting {
                seconds, reason, ..
            } => ApplyEvent::Waiting { seconds, reason },
            Event::Interrupted {
                address,
                action,
                started: true,
            } => ApplyEvent::OutcomeUnknown {
                address,
                action,
                because: "interrupted".into(),
            },
            Event::Interrupted {
                address,
                action,
                started: false,
            } => ApplyEvent::NotStarted {
                address,
                action,
                because: "interrupted".into(),
            },
            Event::ConcurrencyLowered { from, to, reason } => {
                ApplyEvent::ConcurrencyLowered { from, to, reason }
            }
            Event::NotKept {
                address,
                field,
                panel,
            } => ApplyEvent::NotKept {
                address,
                field,
                panel,
            },
        }
    }
}

/// JSON Schema of the apply event stream (`schemas/apply-events.schema.json`): one line.
pub fn apply_events_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(EventLine)).unwrap_or_default()
}
