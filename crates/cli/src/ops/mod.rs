//! Day-2 operations on servers (`roost server …`): imperative, beside plan and apply, on the
//! same manifests, addresses and panel connection. Servers are reached through the Client API
//! (a client key: `ROOST_CLIENT_TOKEN`, or the variable the panel block's `client-token-env`
//! names) and, for the console and `--wait`, the websocket to Wings.

pub mod backup;
pub mod child;
mod console;
pub mod files;
mod power;
mod select;
mod status;

use crate::connect::{BoxDiag, ConnectOptions, connect, diag, panel_error};
use crate::output;
use roost_panel::{ClientApi, ClientConfig, RateLimit};
use select::{Declared, Handle, Selector, Target};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum ServerCommand {
    /// A table of state, CPU, memory, disk, uptime and node of servers.
    Status(status::StatusArgs),
    /// Start, stop, restart or kill servers, or bring them to a state (`--ensure running`).
    Power(power::PowerArgs),
    /// Send a line to the consoles of servers.
    Command(power::CommandArgs),
    /// The live console: interactive, `--tail N` lines, or `--follow`.
    Console(console::ConsoleArgs),
}

pub async fn run(command: ServerCommand) -> Result<u8, BoxDiag> {
    match command {
        ServerCommand::Status(a) => status::run(a).await,
        ServerCommand::Power(a) => power::run(a).await,
        ServerCommand::Command(a) => power::run_command(a).await,
        ServerCommand::Console(a) => console::run(a).await,
    }
}

/// Output of the day-2 commands.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Text for people.
    Text,
    /// JSON for scripts, versioned by its `format_version`.
    Json,
}

impl Format {
    /// What one command did to one server: a line on stderr for people (silenced by
    /// `--quiet`), or the JSON document on stdout, `{format_version, server, identifier,
    /// action, ...details}`.
    pub fn done(self, t: &Target, action: &str, text: &str, details: serde_json::Value) {
        match self {
            Format::Text => output::status(&format!("{}: {text}", t.label)),
            Format::Json => {
                let mut doc = serde_json::json!({
                    "format_version": 1,
                    "server": t.label,
                    "identifier": t.handle,
                    "action": action,
                });
                if let (Some(doc), serde_json::Value::Object(more)) = (doc.as_object_mut(), details)
                {
                    doc.extend(more);
                }
                output::stdout(&json_text(&doc));
            }
        }
    }
}

/// A JSON document as printed on stdout: pretty, one trailing newline.
pub fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

/// `[k/N] text` on stderr as each of N servers finishes, and a summary at the end; nothing for
/// a single server (its result says it all) or under `--quiet`.
pub struct Progress {
    total: usize,
    finished: std::sync::atomic::AtomicUsize,
    failed: std::sync::atomic::AtomicUsize,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Progress {
            total,
            finished: 0.into(),
            failed: 0.into(),
        }
    }

    /// One server finished (`ok` or not) with `text`.
    pub fn tick(&self, ok: bool, text: &str) {
        use std::sync::atomic::Ordering::Relaxed;
        let n = self.finished.fetch_add(1, Relaxed) + 1;
        if !ok {
            self.failed.fetch_add(1, Relaxed);
        }
        if self.total > 1 {
            output::status(&format!("[{n}/{}] {text}", self.total));
        }
    }

    /// How many failed.
    pub fn failed(&self) -> usize {
        self.failed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// `N server(s): X done, Y failed.` when more than one server was acted on.
    pub fn summary(&self) {
        if self.total > 1 {
            let failed = self.failed();
            output::status(&format!(
                "{} server(s): {} done, {failed} failed.",
                self.total,
                self.total - failed
            ));
        }
    }
}

/// Where the servers are: the manifests, the panel, and which servers.
#[derive(Debug, Clone, clap::Args)]
pub struct Reach {
    /// Directory of *.kdl manifests, through which addresses such as server.lobby resolve.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The panel: a URL, or sim:PATH for the embedded simulator (default: $ROOST_PANEL, then
    /// the manifests' panel block).
    #[arg(long)]
    pub panel: Option<String>,
    /// Every server the manifests declare.
    #[arg(long)]
    pub all: bool,
    /// Client API requests per minute (0 = off; default: the panel's own limit).
    #[arg(long)]
    pub rate_limit: Option<u32>,
}

/// A connected panel, its Client API, and the servers a command acts on.
pub struct Session {
    pub api: ClientApi,
    pub targets: Vec<Target>,
    panel: crate::connect::Panel,
}

impl Session {
    pub async fn close(self) {
        self.panel.close().await;
    }
}

/// Connects and resolves `selectors` (and `--all`); every selector must name a server.
pub async fn open(reach: &Reach, selectors: &[String]) -> Result<Session, BoxDiag> {
    let parsed: Vec<Selector> = selectors
        .iter()
        .map(|s| select::parse(s))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            diag(
                "roost::selector",
                e,
                "see `roost server --help` for selectors",
            )
        })?;
    if parsed.is_empty() && !reach.all {
        return Err(diag(
            "roost::selector",
            "no server selected",
            "name servers (server.lobby, server.mc-*, an identifier) or pass --all",
        ));
    }
    let manifest = if select::needs_manifests(&parsed, reach.all) || has_manifests(&reach.dir) {
        Some(crate::planning::load(&reach.dir)?)
    } else {
        None
    };
    let copts = ConnectOptions {
        panel: reach.panel.clone(),
        rate_limit: reach.rate_limit,
        ..ConnectOptions::default()
    };
    let panel = connect(&copts, manifest.as_ref()).await?;
    let api = client_api(&panel, reach.rate_limit)?;
    let declared = manifest.as_ref().map(|m| Declared::of(&m.desired));
    let live: Vec<Handle> = if declared.is_some() {
        let servers = panel.client.list_servers().await.map_err(panel_error)?;
        servers.iter().map(Handle::of).collect()
    } else {
        Vec::new()
    };
    let targets = select::resolve(&parsed, reach.all, declared.as_ref(), &live).map_err(|errors| {
        diag(
            "roost::selector",
            errors.join("\n"),
            "servers resolve through roost's marker on the panel; `roost plan` shows which exist",
        )
    })?;
    Ok(Session {
        api,
        targets,
        panel,
    })
}

fn has_manifests(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "kdl"))
    })
}

/// The Client API with the client key the panel connection found.
fn client_api(
    panel: &crate::connect::Panel,
    rate_limit: Option<u32>,
) -> Result<ClientApi, BoxDiag> {
    let var = &panel.client_token_env;
    let token = panel.client_token.clone().ok_or_else(|| {
        diag(
            "roost::no-client-token",
            format!("server operations need a client API key: ${var} is empty"),
            format!("export {var}=<client API key> (Account → API Credentials; a root admin's key reaches every server, a user's key only their own and those they are a subuser of)"),
        )
    })?;
    let mut config = ClientConfig::new(panel.client.base_url(), token);
    config.rate_limit = match rate_limit {
        Some(0) => RateLimit::Off,
        Some(n) => RateLimit::PerMinute(n),
        None if panel.sim.is_some() => RateLimit::Off,
        None => RateLimit::Default,
    };
    ClientApi::new(config).map_err(panel_error)
}

/// Whether a destructive action may go ahead: `--yes`, or a "yes" typed at a terminal.
/// Without a terminal and without `--yes` it is refused: a script never hangs on a prompt.
pub fn confirm(question: &str, yes: bool) -> Result<bool, BoxDiag> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(diag(
            "roost::confirm",
            format!("{question}: refused without confirmation"),
            "pass --yes to confirm in scripts",
        ));
    }
    output::status(&format!("{question}? Only 'yes' is accepted."));
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    Ok(answer.trim() == "yes")
}

/// Runs `work` on each target, at most `parallel` at once, results in target order.
pub async fn each<F, Fut, T>(targets: &[Target], parallel: usize, work: F) -> Vec<T>
where
    F: Fn(Target) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    use futures_util::StreamExt;
    let mut indexed: Vec<(usize, T)> =
        futures_util::stream::iter(targets.iter().cloned().enumerate())
            .map(|(i, t)| {
                let fut = work(t);
                async move { (i, fut.await) }
            })
            .buffer_unordered(parallel.max(1))
            .collect()
            .await;
    indexed.sort_by_key(|(i, _)| *i);
    indexed.into_iter().map(|(_, t)| t).collect()
}

/// A server state as Wings names it.
pub fn status_name(s: &roost_panel::ServerStatus) -> String {
    use roost_panel::ServerStatus as S;
    match s {
        S::Offline => "offline".into(),
        S::Starting => "starting".into(),
        S::Running => "running".into(),
        S::Stopping => "stopping".into(),
        S::Other(o) => o.clone(),
    }
}

/// A duration flag such as `90s`, `2m`, `500ms` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, "s"), |i| (&s[..i], &s[i..]));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration: write e.g. 90s, 2m or 500ms"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (ms, s, m, h)")),
    };
    if !(0.0..=86_400.0 * 7.0).contains(&secs) {
        return Err(format!("`{s}` is out of range"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3d").is_err());
    }
}
