//! The only place roost prints: data to stdout, everything else to stderr. `NO_COLOR` and
//! non-terminals get plain text.

use miette::Diagnostic;
use std::io::{IsTerminal, Write};

/// Whether stderr may carry colour.
pub fn color_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Whether stdout may carry colour.
pub fn color_stdout() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// Whether progress may redraw a status line on stderr: a terminal, and not a CI log (which
/// many CI systems attach to a pseudo-terminal).
pub fn stderr_is_live() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// Data: plans, graphs, printed manifests.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`roost graph | head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Progress and summaries.
pub fn status(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// The warnings of loaded manifests (rules only some panel releases enforce, ...), each with
/// its place in the manifests.
pub fn manifest_warnings(m: &roost_manifest::Manifest) {
    for w in m.warning_diagnostics() {
        report(&w);
    }
}

/// A diagnostic report, rendered by miette.
pub fn report(diag: &(dyn Diagnostic + Send + Sync)) {
    let theme = if color_stderr() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let width = terminal_width();
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(width);
    let mut out = String::new();
    let _ = handler.render_report(&mut out, diag);
    let _ = std::io::stderr().lock().write_all(out.as_bytes());
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}
