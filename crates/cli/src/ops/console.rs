//! `roost server console`: the server's console over the websocket to Wings. Output goes to
//! stdout, line by line as Wings sends it; everything else (state changes, reconnects,
//! renewals, Wings' errors) to stderr.
//!
//! * `--tail N`: the last N lines Wings keeps (it keeps 150 while the server runs), then exit;
//! * `--follow`: stream until Ctrl-C or the session ends;
//! * neither: stream, and send each line typed on stdin as a command (Ctrl-D ends).

use super::{Reach, Session, open};
use crate::connect::{BoxDiag, diag};
use crate::exit;
use crate::output;
use roost_panel::{Console, ConsoleConfig, ConsoleError, ConsoleEvent, ServerStatus};
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

/// With --tail: how long without another line ends Wings' replay.
const TAIL_QUIET: Duration = Duration::from_millis(800);

#[derive(Debug, Clone, clap::Args)]
pub struct ConsoleArgs {
    /// The server: server.KEY or a panel identifier.
    pub server: String,
    #[command(flatten)]
    pub reach: Reach,
    /// Print the last N console lines and exit.
    #[arg(long, value_name = "N", conflicts_with = "follow")]
    pub tail: Option<usize>,
    /// Stream the console without reading commands from stdin.
    #[arg(long)]
    pub follow: bool,
}

pub async fn run(args: ConsoleArgs) -> Result<u8, BoxDiag> {
    let session = open(&args.reach, std::slice::from_ref(&args.server)).await?;
    let [target] = session.targets.as_slice() else {
        let n = session.targets.len();
        Session::close(session).await;
        return Err(diag(
            "roost::selector",
            format!(
                "the console is one server's, and `{}` names {n}",
                args.server
            ),
            "name a single server",
        ));
    };
    let label = target.label.clone();
    let console = Console::connect(&session.api, &target.handle, ConsoleConfig::default()).await;
    let result = match console {
        Err(e) => Err(console_error(&label, e)),
        Ok(c) => match args.tail {
            Some(n) => tail(c, n).await,
            None => stream(c, &label, !args.follow).await,
        },
    };
    Session::close(session).await;
    result
}

/// Asks Wings for the lines it keeps and prints the last `n`.
async fn tail(mut console: Console, n: usize) -> Result<u8, BoxDiag> {
    let mut lines: Vec<String> = Vec::new();
    let mut asked = false;
    let mut offline = false;
    loop {
        let next = tokio::time::timeout(TAIL_QUIET, console.next_event()).await;
        match next {
            Err(_) if asked => break,
            Err(_) => {}
            Ok(Some(Ok(ConsoleEvent::Output(l)))) if asked => lines.push(l),
            Ok(Some(Ok(ConsoleEvent::Status(s)))) => offline = s == ServerStatus::Offline,
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return Err(console_error("the server", e)),
            Ok(None) => break,
        }
        if !asked {
            console
                .send_logs()
                .await
                .map_err(|e| console_error("the server", e))?;
            asked = true;
        }
    }
    console.close().await;
    if lines.is_empty() && offline {
        output::status("The server is offline: Wings keeps no console output for it.");
    }
    let skip = lines.len().saturating_sub(n);
    let mut out = String::new();
    for l in &lines[skip..] {
        out.push_str(&printable(l));
        out.push('\n');
    }
    output::stdout(&out);
    Ok(exit::OK)
}

/// Streams output; with `interactive`, sends the lines read from stdin as commands.
async fn stream(mut console: Console, label: &str, interactive: bool) -> Result<u8, BoxDiag> {
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut reading = interactive;
    let mut drain_until: Option<tokio::time::Instant> = None;
    if interactive {
        output::status(&format!(
            "Console of {label}: lines typed here go to the server; Ctrl-D or Ctrl-C ends."
        ));
    }
    let code = loop {
        let drain = async {
            match drain_until {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            event = console.next_event() => match event {
                Some(Ok(e)) => show(e),
                Some(Err(e)) => return Err(console_error(label, e)),
                None => break exit::OK,
            },
            line = stdin.next_line(), if reading => match line {
                Ok(Some(l)) if l.trim().is_empty() => {}
                Ok(Some(l)) => {
                    if let Err(e) = console.send_command(l).await {
                        output::status(&format!("not sent: {e}"));
                    }
                }
                // End of input: let the last command's output arrive, then end.
                _ => {
                    reading = false;
                    drain_until = Some(tokio::time::Instant::now() + Duration::from_secs(1));
                }
            },
            _ = drain => break exit::OK,
            _ = tokio::signal::ctrl_c() => break exit::INTERRUPTED,
        }
    };
    console.close().await;
    Ok(code)
}

fn show(event: ConsoleEvent) {
    match event {
        ConsoleEvent::Output(l) => output::stdout(&format!("{}\n", printable(&l))),
        ConsoleEvent::Status(s) => output::status(&format!("[state: {}]", super::status_name(&s))),
        ConsoleEvent::DaemonError(m) => output::status(&format!("[Wings: {m}]")),
        ConsoleEvent::DaemonMessage(m) => output::status(&format!("[Wings: {m}]")),
        ConsoleEvent::Reconnecting {
            attempt,
            max_attempts,
            cause,
            ..
        } => output::status(&format!(
            "[socket dropped ({cause}); reconnecting, attempt {attempt} of {max_attempts}]"
        )),
        ConsoleEvent::Reconnected { .. } => output::status("[reconnected]"),
        ConsoleEvent::OutputLost => output::status(
            "[more output was written while disconnected than Wings keeps: some lines are missing]",
        ),
        ConsoleEvent::TokenWait { wait, .. } => output::status(&format!(
            "[the panel rate-limits console tokens: waiting {} s]",
            wait.as_secs()
        )),
        ConsoleEvent::Deleted => output::status("[the server was deleted]"),
        _ => {}
    }
}

/// A console line as Wings sent it on a terminal; without its colour codes elsewhere (a
/// file, a pipe, `NO_COLOR`).
fn printable(line: &str) -> std::borrow::Cow<'_, str> {
    if output::color_stdout() {
        line.into()
    } else {
        strip_ansi(line).into()
    }
}

/// Removes ANSI escape sequences (`ESC [ … final byte`, and two-byte `ESC x`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, up to the final byte (@ to ~).
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    out
}

fn console_error(label: &str, e: ConsoleError) -> BoxDiag {
    let help = match &e {
        ConsoleError::OriginRefused { .. } => {
            "Wings only accepts the panel's own URL as Origin: check the panel URL roost uses matches the one Wings is configured with (allowed_origins)"
        }
        ConsoleError::ServerState { .. } => {
            "the console opens once the server is installed and not suspended"
        }
        _ => {
            "check that the client key may open the console (websocket.connect) and that Wings is reachable from here"
        }
    };
    diag("roost::console", format!("console of {label}: {e}"), help)
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn colour_codes_are_stripped_and_text_kept() {
        let wings = "\u{1b}[1m\u{1b}[33m[Pterodactyl Daemon]:\u{1b}[39m Checking...\u{1b}[0m";
        assert_eq!(strip_ansi(wings), "[Pterodactyl Daemon]: Checking...");
        assert_eq!(strip_ansi("plain [x] line"), "plain [x] line");
        assert_eq!(strip_ansi("cut \u{1b}"), "cut ");
    }
}
