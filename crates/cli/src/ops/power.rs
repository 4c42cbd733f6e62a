//! `roost server power` and `roost server command`. A power signal goes through the panel
//! (so a 409, a missing permission or Wings being down come back as the panel's typed
//! errors); waiting for its outcome watches the server's `status` events on the console
//! websocket, which Wings sends the moment the state changes, where the panel's resources
//! endpoint may lag by its 20-second cache.

use super::select::Target;
use super::{Format, Reach, Session, confirm, each, open, status_name};
use crate::connect::{BoxDiag, diag};
use crate::exit;
use crate::output;
use roost_panel::{ClientApi, Console, ConsoleConfig, ConsoleEvent, PowerSignal, ServerStatus};
use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct PowerArgs {
    /// Servers (server.KEY, a glob such as server.mc-*, panel identifiers), then the signal:
    /// start, stop, restart or kill. No signal with --ensure.
    pub args: Vec<String>,
    #[command(flatten)]
    pub reach: Reach,
    /// Bring each server to this state, acting only where it differs (running: start what is
    /// offline; offline: stop what runs).
    #[arg(long, value_enum)]
    pub ensure: Option<Want>,
    /// Wait until each server reaches the state the signal leads to.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits for each server.
    #[arg(long, default_value = "5m", value_parser = super::parse_duration)]
    pub timeout: Duration,
    /// Confirm stop, restart and kill without a prompt (needed in scripts).
    #[arg(long)]
    pub yes: bool,
    /// Output format of the results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Servers handled at once (within the Client API's rate limit).
    #[arg(long, default_value_t = 8)]
    pub parallel: usize,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CommandArgs {
    /// Servers (server.KEY, a glob, panel identifiers), then the console line to send.
    #[arg(required = true)]
    pub args: Vec<String>,
    #[command(flatten)]
    pub reach: Reach,
    /// Output format of the results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Servers handled at once (within the Client API's rate limit).
    #[arg(long, default_value_t = 8)]
    pub parallel: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Want {
    /// Start what is not running.
    Running,
    /// Stop what runs.
    Offline,
}

/// What happened on one server.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub server: String,
    pub identifier: String,
    /// The signal sent, or `none` when --ensure found the server in its state.
    pub action: String,
    /// `sent`, `reached` (with --wait), `unchanged` (--ensure), or `failed`.
    pub result: &'static str,
    /// The state last seen, when watched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub async fn run(args: PowerArgs) -> Result<u8, BoxDiag> {
    let (selectors, signal) = split_signal(&args.args, args.ensure.is_some())?;
    let session = open(&args.reach, &selectors).await?;
    let labels: Vec<&str> = session.targets.iter().map(|t| t.label.as_str()).collect();
    let destructive = match (signal, args.ensure) {
        (Some(s), _) => s != PowerSignal::Start,
        (None, Some(w)) => w == Want::Offline,
        (None, None) => false,
    };
    if destructive {
        let verb = signal.map_or("stop", PowerSignal::as_str);
        let question = format!("{verb} {} server(s): {}", labels.len(), short_list(&labels));
        if !confirm(&question, args.yes)? {
            output::status("Cancelled: nothing was sent.");
            Session::close(session).await;
            return Ok(exit::ERROR);
        }
    }
    let wait = args.wait.then_some(args.timeout);
    let total = session.targets.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = each(&session.targets, args.parallel, |t| {
        let (api, done) = (session.api.clone(), &done);
        async move {
            let o = act(api, t, signal, args.ensure, wait).await;
            // Progress on stderr as each server finishes; the results follow on stdout.
            if total > 1 {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                output::status(&format!("[{n}/{total}] {}", line(&o)));
            }
            o
        }
    })
    .await;
    Session::close(session).await;
    Ok(report(&outcomes, args.format))
}

pub async fn run_command(args: CommandArgs) -> Result<u8, BoxDiag> {
    let (line, selectors) = args.args.split_last().ok_or_else(|| {
        diag(
            "roost::usage",
            "no console line",
            "roost server command SEL \"say hi\"",
        )
    })?;
    let session = open(&args.reach, selectors).await?;
    let outcomes = each(&session.targets, args.parallel, |t| {
        let api = session.api.clone();
        let line = line.clone();
        async move {
            let started = Instant::now();
            let r = api.command(&t.handle, &line).await;
            outcome(
                &t,
                "command",
                started,
                r.map(|()| ("sent", None)).map_err(|e| e.to_string()),
            )
        }
    })
    .await;
    Session::close(session).await;
    Ok(report(&outcomes, args.format))
}

/// Selectors, and the signal the last argument names (none with --ensure).
fn split_signal(
    args: &[String],
    ensure: bool,
) -> Result<(Vec<String>, Option<PowerSignal>), BoxDiag> {
    if ensure {
        if let Some(last) = args.last().filter(|a| signal(a).is_some()) {
            return Err(diag(
                "roost::usage",
                format!("`{last}` with --ensure: give either a signal or --ensure"),
                "roost server power SEL --ensure running",
            ));
        }
        return Ok((args.to_vec(), None));
    }
    let Some((last, selectors)) = args.split_last() else {
        return Err(diag(
            "roost::usage",
            "no power signal",
            "roost server power SEL start|stop|restart|kill (or --ensure running)",
        ));
    };
    let s = signal(last).ok_or_else(|| {
        diag(
            "roost::usage",
            format!("`{last}` is not a power signal"),
            "the last argument is the signal: start, stop, restart or kill",
        )
    })?;
    Ok((selectors.to_vec(), Some(s)))
}

fn signal(s: &str) -> Option<PowerSignal> {
    match s {
        "start" => Some(PowerSignal::Start),
        "stop" => Some(PowerSignal::Stop),
        "restart" => Some(PowerSignal::Restart),
        "kill" => Some(PowerSignal::Kill),
        _ => None,
    }
}

fn short_list(labels: &[&str]) -> String {
    match labels.len() {
        0..=5 => labels.join(", "),
        n => format!("{}, … and {} more", labels[..4].join(", "), n - 4),
    }
}

type Step = Result<(&'static str, Option<String>), String>;

fn outcome(t: &Target, action: &str, started: Instant, step: Step) -> Outcome {
    let (result, state, error) = match step {
        Ok((result, state)) => (result, state, None),
        Err(e) => ("failed", None, Some(e)),
    };
    Outcome {
        server: t.label.clone(),
        identifier: t.handle.clone(),
        action: action.to_string(),
        result,
        state,
        seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        error,
    }
}

/// One server: watch (when waiting or ensuring), signal, wait.
async fn act(
    api: ClientApi,
    t: Target,
    signal: Option<PowerSignal>,
    ensure: Option<Want>,
    wait: Option<Duration>,
) -> Outcome {
    let started = Instant::now();
    let label = signal.map_or("none", PowerSignal::as_str);
    if signal.is_some() && wait.is_none() {
        let step = match api
            .power(&t.handle, signal.unwrap_or(PowerSignal::Start))
            .await
        {
            Ok(()) => Ok(("sent", None)),
            Err(e) => Err(e.to_string()),
        };
        return outcome(&t, label, started, step);
    }
    let mut watch = match Watch::open(&api, &t.handle).await {
        Ok(w) => w,
        Err(e) => return outcome(&t, label, started, Err(e)),
    };
    let signal = match (signal, ensure) {
        (Some(s), _) => s,
        (None, Some(want)) if watch.state == want_status(want) => {
            let state = Some(status_name(&watch.state));
            watch.close().await;
            return outcome(&t, "none", started, Ok(("unchanged", state)));
        }
        (None, Some(Want::Running)) => PowerSignal::Start,
        (None, _) => PowerSignal::Stop,
    };
    let step = match api.power(&t.handle, signal).await {
        Err(e) => Err(e.to_string()),
        Ok(()) => match wait {
            None => Ok(("sent", None)),
            Some(limit) => watch.until(signal, limit).await,
        },
    };
    watch.close().await;
    outcome(&t, signal.as_str(), started, step)
}

fn want_status(w: Want) -> ServerStatus {
    match w {
        Want::Running => ServerStatus::Running,
        Want::Offline => ServerStatus::Offline,
    }
}

/// The server's state as Wings reports it on the console socket.
struct Watch {
    console: Console,
    state: ServerStatus,
}

impl Watch {
    /// Opens the console and reads the state Wings sends right after `auth success`.
    async fn open(api: &ClientApi, handle: &str) -> Result<Watch, String> {
        let config = ConsoleConfig {
            connect_timeout: Duration::from_secs(15),
            ..ConsoleConfig::default()
        };
        let mut console = Console::connect(api, handle, config)
            .await
            .map_err(|e| format!("cannot watch the server's state: {e}"))?;
        let first = tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                match console.next_event().await {
                    Some(Ok(ConsoleEvent::Status(s))) => return Ok(s),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e.to_string()),
                    None => return Err("the console closed".to_string()),
                }
            }
        })
        .await
        .map_err(|_| "Wings sent no state within 15 s".to_string())??;
        Ok(Watch {
            console,
            state: first,
        })
    }

    /// Waits for the state `signal` leads to: running after start (and after a restart has
    /// left running), offline after stop or kill.
    async fn until(&mut self, signal: PowerSignal, limit: Duration) -> Step {
        let target = match signal {
            PowerSignal::Start | PowerSignal::Restart => ServerStatus::Running,
            PowerSignal::Stop | PowerSignal::Kill => ServerStatus::Offline,
        };
        let mut left = signal != PowerSignal::Restart || self.state != ServerStatus::Running;
        if left && self.state == target {
            return Ok(("reached", Some(status_name(&self.state))));
        }
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let event = tokio::time::timeout_at(deadline, self.console.next_event()).await;
            match event {
                Err(_) => {
                    return Err(format!(
                        "did not reach {} within {} s (last state: {})",
                        status_name(&target),
                        limit.as_secs(),
                        status_name(&self.state)
                    ));
                }
                Ok(Some(Ok(ConsoleEvent::Status(s)))) => {
                    left |= s != ServerStatus::Running;
                    self.state = s;
                    if left && self.state == target {
                        return Ok(("reached", Some(status_name(&self.state))));
                    }
                }
                Ok(Some(Ok(ConsoleEvent::DaemonError(m)))) => {
                    return Err(format!("Wings refused: {m}"));
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => return Err(e.to_string()),
                Ok(None) => return Err("the console closed while waiting".into()),
            }
        }
    }

    async fn close(self) {
        self.console.close().await;
    }
}

/// Prints the outcomes; the exit code says whether all went through.
fn report(outcomes: &[Outcome], format: Format) -> u8 {
    let failed = outcomes.iter().filter(|o| o.result == "failed").count();
    match format {
        Format::Json => {
            let v = serde_json::json!({ "format_version": 1, "results": outcomes });
            output::stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            ));
        }
        Format::Text => {
            for o in outcomes {
                output::stdout(&format!("{}\n", line(o)));
            }
            output::status(&format!(
                "{} server(s): {} done, {failed} failed.",
                outcomes.len(),
                outcomes.len() - failed
            ));
        }
    }
    if failed > 0 { exit::ERROR } else { exit::OK }
}

fn line(o: &Outcome) -> String {
    match (o.result, &o.state, &o.error) {
        ("failed", _, Some(e)) => format!("{}: {} failed: {e}", o.server, o.action),
        ("unchanged", Some(s), _) => format!("{}: already {s}", o.server),
        ("reached", Some(s), _) => {
            format!("{}: {} → {s} in {:.1} s", o.server, o.action, o.seconds)
        }
        _ => format!("{}: {} {}", o.server, o.action, o.result),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_last_argument_is_the_signal() {
        let (sel, sig) =
            split_signal(&strings(&["server.a", "server.b", "restart"]), false).unwrap();
        assert_eq!(sel, strings(&["server.a", "server.b"]));
        assert_eq!(sig, Some(PowerSignal::Restart));
        assert!(split_signal(&strings(&["server.a", "reboot"]), false).is_err());
        assert!(split_signal(&[], false).is_err());
        // --ensure takes no signal.
        assert!(split_signal(&strings(&["server.a", "start"]), true).is_err());
        let (sel, sig) = split_signal(&strings(&["server.a"]), true).unwrap();
        assert_eq!((sel.len(), sig), (1, None));
    }

    #[test]
    fn long_lists_are_shortened_in_questions() {
        let l = ["a", "b", "c", "d", "e", "f", "g"];
        assert_eq!(short_list(&l), "a, b, c, d, … and 3 more");
        assert_eq!(short_list(&l[..2]), "a, b");
    }
}
