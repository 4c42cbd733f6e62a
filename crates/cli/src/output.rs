//! The only place roost prints: data to stdout, everything else to stderr. Colour follows
//! `--color`; under `auto`, `NO_COLOR` (non-empty) turns it off, else `CLICOLOR_FORCE` (non-empty,
//! not `0`) turns it on, else terminals get colour and pipes and files plain text. `--quiet`
//! silences progress and summaries, never data, warnings or errors.

use miette::Diagnostic;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on terminals, unless NO_COLOR is set (or CLICOLOR_FORCE forces it).
    #[default]
    Auto,
    /// Always colour, even into pipes and files.
    Always,
    /// Never colour.
    Never,
}

/// The global output settings, set once from the command line before any command runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    pub color: ColorChoice,
    pub quiet: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Fix the output settings for this process (the first call wins).
pub fn configure(settings: Settings) {
    let _ = SETTINGS.set(settings);
}

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Whether `--quiet` is in force.
pub fn quiet() -> bool {
    settings().quiet
}

/// Whether a stream may carry colour, given `--color`, the environment and whether the stream
/// is a terminal. Pure, so the precedence is tested without a terminal.
pub fn color_wanted(
    choice: ColorChoice,
    env: impl Fn(&str) -> Option<String>,
    is_terminal: bool,
) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto
            if set("CLICOLOR_FORCE") && env("CLICOLOR_FORCE").as_deref() != Some("0") =>
        {
            true
        }
        ColorChoice::Auto => is_terminal,
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Whether stderr may carry colour.
pub fn color_stderr() -> bool {
    color_wanted(settings().color, env_var, std::io::stderr().is_terminal())
}

/// Whether stdout may carry colour.
pub fn color_stdout() -> bool {
    color_wanted(settings().color, env_var, std::io::stdout().is_terminal())
}

/// Whether progress may redraw a status line on stderr: a terminal, and not a CI log (which
/// many CI systems attach to a pseudo-terminal), and not `--quiet`.
pub fn stderr_is_live() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() && !quiet()
}

/// Data: plans, graphs, printed manifests.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`roost graph | head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Progress and summaries: silenced by `--quiet`.
pub fn status(text: &str) {
    if !quiet() {
        warn(text);
    }
}

/// What must be read even under `--quiet`: warnings, why nothing was applied.
pub fn warn(text: &str) {
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

#[cfg(test)]
mod tests {
    use super::{ColorChoice, color_wanted};

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn auto_colours_terminals_only() {
        assert!(color_wanted(ColorChoice::Auto, env(&[]), true));
        assert!(!color_wanted(ColorChoice::Auto, env(&[]), false));
    }

    #[test]
    fn no_color_turns_auto_off_but_not_always() {
        let vars = [("NO_COLOR", "1")];
        assert!(!color_wanted(ColorChoice::Auto, env(&vars), true));
        assert!(color_wanted(ColorChoice::Always, env(&vars), false));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(color_wanted(
            ColorChoice::Auto,
            env(&[("NO_COLOR", "")]),
            true
        ));
    }

    #[test]
    fn clicolor_force_colours_pipes_unless_zero_or_no_color() {
        assert!(color_wanted(
            ColorChoice::Auto,
            env(&[("CLICOLOR_FORCE", "1")]),
            false
        ));
        assert!(!color_wanted(
            ColorChoice::Auto,
            env(&[("CLICOLOR_FORCE", "0")]),
            false
        ));
        let both = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
        assert!(!color_wanted(ColorChoice::Auto, env(&both), true));
        assert!(!color_wanted(
            ColorChoice::Never,
            env(&[("CLICOLOR_FORCE", "1")]),
            true
        ));
    }
}
