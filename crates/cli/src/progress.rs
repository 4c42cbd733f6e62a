//! How `roost apply` shows its progress: plain or JSON lines, or a live status line at a
//! terminal; and the forwarding that lets rate-limit waits be shown before the plan's size is
//! known.

use crate::output;
use crate::waits;
use roost_engine::{Event, Reporter, WaitCause};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Prints events: plain lines, or JSON lines with `--format json`.
pub(crate) struct Lines {
    json: bool,
    total: usize,
    done: Mutex<usize>,
}

impl Lines {
    /// For a plan of `total` changes.
    pub(crate) fn new(json: bool, total: usize) -> Self {
        Lines {
            json,
            total,
            done: Mutex::new(0),
        }
    }
}

impl Reporter for Lines {
    fn report(&self, e: Event) {
        if self.json {
            output::stdout(&crate::events::ApplyEvent::from(&e).line());
        } else {
            // Held while printing, so that the counts are printed in order.
            let mut done = self.done.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(line) = self.text_line(&mut done, e) {
                output::status(&line);
            }
        }
    }
}

impl Lines {
    /// An event as a plain line, counting finished changes in `done`; `None` for what is not
    /// shown.
    fn text_line(&self, done: &mut usize, e: Event) -> Option<String> {
        let line = match e {
            Event::Started { .. } => return None,
            Event::Finished {
                address,
                action,
                elapsed,
            } => {
                *done += 1;
                format!(
                    "[{}/{}] {} {address}: {} ({:.1}s)",
                    *done,
                    self.total,
                    action.symbol(),
                    action.verb(),
                    elapsed.as_secs_f64()
                )
            }
            Event::Failed {
                address,
                action,
                error,
            } => {
                *done += 1;
                format!(
                    "[{}/{}] ! {address}: {} FAILED: {error}",
                    *done,
                    self.total,
                    action.verb().split(' ').next().unwrap_or("")
                )
            }
            Event::Skipped {
                address, because, ..
            } => {
                *done += 1;
                format!(
                    "[{}/{}] - {address}: skipped, because {because} failed",
                    *done, self.total
                )
            }
            Event::Recovered { address, note } => format!("      {address}: {note}"),
            Event::Waiting {
                seconds,
                reason,
                cause,
            } => {
                format!("      {}", waits::text(seconds, &reason, cause))
            }
            Event::Interrupted {
                address, started, ..
            } => {
                *done += 1;
                format!(
                    "[{}/{}] {}",
                    *done,
                    self.total,
                    crate::interrupt::line(&address, started)
                )
            }
            Event::ConcurrencyLowered { from, to, reason } => lowered_line(from, to, &reason),
            Event::NotKept {
                address,
                field,
                panel,
            } => not_kept_line(&address, &field, panel.as_deref()),
        };
        Some(line)
    }
}

fn lowered_line(from: usize, to: usize, reason: &str) -> String {
    format!(
        "      note: lowering parallelism from {from} to {to} for the rest of the run: {reason}"
    )
}

/// A field an older panel drops: said once per kind and field, with what to do about it.
fn not_kept_line(address: &roost_model::Address, field: &str, panel: Option<&str>) -> String {
    let kind = address.kind.as_str();
    let panel = panel.map(|p| format!(" ({p})")).unwrap_or_default();
    format!(
        "      warning: the panel{panel} did not keep {kind} `{field}`: after the update {address} still reports the old value. \
         roost counts such updates as applied, but every plan will show them again: stop declaring `{field}`, \
         or add `ignore \"{kind}.*.{field}\"` to the panel block"
    )
}

pub(crate) fn waits_to_reporter(reporter: Arc<dyn Reporter>) -> roost_panel::WaitObserver {
    let announcer = waits::Announcer::default();
    roost_panel::WaitObserver::new(move |w| {
        if let Some((seconds, reason)) = announcer.news(&w) {
            reporter.report(Event::Waiting {
                seconds,
                reason,
                cause: WaitCause::Panel,
            });
        }
    })
}

/// Forwards to the reporter once it exists; before (the refresh), waits go to the wait line.
pub(crate) struct Forward(
    pub(crate) Arc<Mutex<Option<Arc<dyn Reporter>>>>,
    pub(crate) Arc<waits::WaitLine>,
);

impl Reporter for Forward {
    fn report(&self, e: Event) {
        let r = self.0.lock().ok().and_then(|g| g.clone());
        match (r, e) {
            (Some(r), e) => r.report(e),
            (
                None,
                Event::Waiting {
                    seconds,
                    reason,
                    cause,
                },
            ) => self.1.show(seconds, &reason, cause),
            (None, _) => {}
        }
    }
}

/// At a terminal: finished changes scroll by as lines, and one status line at the bottom shows
/// the progress, what is in flight, and any rate-limit wait.
pub(crate) struct LiveProgress {
    total: usize,
    state: Mutex<LiveState>,
    color: bool,
}

impl LiveProgress {
    /// For a plan of `total` changes, in colour or not.
    pub(crate) fn new(total: usize, color: bool) -> Self {
        LiveProgress {
            total,
            state: Mutex::new(LiveState::default()),
            color,
        }
    }
}

#[derive(Default)]
struct LiveState {
    done: usize,
    failed: usize,
    in_flight: Vec<String>,
    waiting: Option<String>,
}

impl LiveProgress {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn redraw(&self, st: &LiveState, line: Option<String>) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        if let Some(line) = line {
            let _ = writeln!(err, "{line}");
        }
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(100)
            .saturating_sub(1);
        let mut status = format!("[{}/{}]", st.done, self.total);
        if st.failed > 0 {
            status.push_str(&format!(" {} failed", st.failed));
        }
        if !st.in_flight.is_empty() {
            let shown: Vec<&str> = st
                .in_flight
                .iter()
                .filter(|a| !a.starts_with("allocation."))
                .take(3)
                .map(String::as_str)
                .collect();
            let more = st.in_flight.len().saturating_sub(shown.len());
            status.push_str(&format!(
                " applying {}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" (+{more})")
                } else {
                    String::new()
                }
            ));
        }
        if let Some(w) = &st.waiting {
            status.push_str(&format!(" · {w}"));
        }
        let status: String = status.chars().take(width).collect();
        let _ = write!(err, "{}", self.paint("2", &status));
        let _ = err.flush();
    }
}

impl Reporter for LiveProgress {
    fn report(&self, e: Event) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let line = match e {
            Event::Started { address, .. } => {
                st.in_flight.push(address.to_string());
                st.waiting = None;
                None
            }
            Event::Finished {
                address,
                action,
                elapsed,
            } => {
                st.done += 1;
                st.in_flight.retain(|a| *a != address.to_string());
                // Hundreds of allocations scroll nothing useful by: the status line counts them.
                if address.kind == roost_model::Kind::Allocation {
                    self.redraw(&st, None);
                    return;
                }
                Some(format!(
                    "{} {address}: {} ({:.1}s)",
                    self.paint("32", action.symbol()),
                    action.verb(),
                    elapsed.as_secs_f64()
                ))
            }
            Event::Failed { address, error, .. } => {
                st.done += 1;
                st.failed += 1;
                st.in_flight.retain(|a| *a != address.to_string());
                Some(format!(
                    "{} {address}: FAILED: {error}",
                    self.paint("31", "!")
                ))
            }
            Event::Skipped {
                address, because, ..
            } => {
                st.done += 1;
                Some(format!("- {address}: skipped, because {because} failed"))
            }
            Event::Recovered { address, note } => Some(format!("  {address}: {note}")),
            Event::Waiting {
                seconds,
                reason,
                cause,
            } => {
                st.waiting = Some(waits::text(seconds, &reason, cause));
                None
            }
            Event::Interrupted {
                address, started, ..
            } => {
                st.done += 1;
                st.in_flight.retain(|a| *a != address.to_string());
                Some(crate::interrupt::line(&address, started))
            }
            Event::ConcurrencyLowered { from, to, reason } => {
                Some(lowered_line(from, to, &reason).trim_start().to_string())
            }
            Event::NotKept {
                address,
                field,
                panel,
            } => Some(
                not_kept_line(&address, &field, panel.as_deref())
                    .trim_start()
                    .to_string(),
            ),
        };
        self.redraw(&st, line);
    }
}
