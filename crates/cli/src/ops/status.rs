//! `roost server status`: state and resource use of servers, from the panel's resources
//! endpoint (which Wings feeds; the panel may serve it up to 20 s old).

use super::select::Target;
use super::{Format, Reach, Session, each, open};
use crate::connect::BoxDiag;
use crate::exit;
use crate::output;
use roost_panel::{ClientApi, PanelError};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Servers: server.KEY, a glob such as server.mc-*, or panel identifiers (default with
    /// manifests: every server they declare).
    pub servers: Vec<String>,
    #[command(flatten)]
    pub reach: Reach,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Refresh until Ctrl-C (JSON: one document per line and refresh).
    #[arg(long)]
    pub watch: bool,
    /// Time between refreshes with --watch.
    #[arg(long, default_value = "5s", value_parser = super::parse_duration)]
    pub interval: Duration,
}

/// One server's row.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub server: String,
    pub identifier: String,
    pub name: String,
    pub node: String,
    /// `offline`, `starting`, `running`, `stopping`; or what keeps the panel from asking Wings
    /// (`installing`, `suspended`, ...).
    pub state: String,
    pub cpu_percent: f64,
    pub memory_bytes: u64,
    pub disk_bytes: u64,
    pub uptime_seconds: u64,
    /// Why the row is incomplete (the panel's or Wings' error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub async fn run(mut args: StatusArgs) -> Result<u8, BoxDiag> {
    if args.servers.is_empty() {
        args.reach.all = true;
    }
    let session = open(&args.reach, &args.servers).await?;
    let code = loop {
        let rows = each(&session.targets, 8, |t| row(session.api.clone(), t)).await;
        let failed = rows.iter().any(|r| r.error.is_some());
        match args.format {
            Format::Text => output::stdout(&table(&rows)),
            Format::Json if args.watch => output::stdout(&format!("{}\n", json(&rows, false))),
            Format::Json => output::stdout(&format!("{}\n", json(&rows, true))),
        }
        if !args.watch {
            break if failed { exit::ERROR } else { exit::OK };
        }
        tokio::select! {
            _ = tokio::time::sleep(args.interval) => {}
            _ = tokio::signal::ctrl_c() => break exit::OK,
        }
    };
    Session::close(session).await;
    Ok(code)
}

fn json(rows: &[Row], pretty: bool) -> String {
    let v = serde_json::json!({ "format_version": 1, "servers": rows });
    if pretty {
        serde_json::to_string_pretty(&v).unwrap_or_default()
    } else {
        v.to_string()
    }
}

async fn row(api: ClientApi, t: Target) -> Row {
    let mut r = Row {
        server: t.label.clone(),
        identifier: t.handle.clone(),
        name: String::new(),
        node: String::new(),
        state: "unknown".into(),
        cpu_percent: 0.0,
        memory_bytes: 0,
        disk_bytes: 0,
        uptime_seconds: 0,
        error: None,
    };
    let (details, stats) = tokio::join!(api.server(&t.handle), api.resources(&t.handle));
    match details {
        Ok(d) => {
            r.identifier = d.server.identifier.clone();
            r.name = d.server.name.clone();
            r.node = d.server.node.clone();
            if let Some(s) = d.server.status.clone() {
                r.state = s;
            } else if d.server.is_suspended {
                r.state = "suspended".into();
            }
        }
        Err(e) => r.error = Some(e.to_string()),
    }
    match stats {
        Ok(s) => {
            if r.state == "unknown" {
                r.state = s.current_state.clone();
            }
            r.cpu_percent = s.resources.cpu_absolute;
            r.memory_bytes = s.resources.memory_bytes;
            r.disk_bytes = s.resources.disk_bytes;
            r.uptime_seconds = s.resources.uptime / 1000;
        }
        // Installing, suspended, restoring: a state, not a failure.
        Err(PanelError::StateConflict { state, .. }) if r.state == "unknown" => {
            r.state = format!("{state:?}").to_lowercase();
        }
        Err(PanelError::StateConflict { .. }) => {}
        Err(e) => r.error = r.error.take().or(Some(e.to_string())),
    }
    r
}

/// A plain table, one server a line.
pub fn table(rows: &[Row]) -> String {
    let head = ["SERVER", "NODE", "STATE", "CPU", "MEMORY", "DISK", "UPTIME"];
    let mut lines: Vec<[String; 7]> = vec![head.map(str::to_string)];
    for r in rows {
        let state = match &r.error {
            Some(_) => "error".to_string(),
            None => r.state.clone(),
        };
        lines.push([
            r.server.clone(),
            r.node.clone(),
            state,
            format!("{:.1}%", r.cpu_percent),
            bytes(r.memory_bytes),
            bytes(r.disk_bytes),
            uptime(r.uptime_seconds),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for l in &lines {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    for r in rows {
        if let Some(e) = &r.error {
            out.push_str(&format!("{}: {e}\n", r.server));
        }
    }
    out
}

fn bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let mib = n as f64 / MIB;
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.0} MiB")
    }
}

fn uptime(secs: u64) -> String {
    match secs {
        0 => "-".into(),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(server: &str, state: &str, error: Option<&str>) -> Row {
        Row {
            server: server.into(),
            identifier: "1a2b3c4d".into(),
            name: "Lobby".into(),
            node: "fra-1".into(),
            state: state.into(),
            cpu_percent: 12.5,
            memory_bytes: 2 * 1024 * 1024 * 1024,
            disk_bytes: 300 * 1024 * 1024,
            uptime_seconds: 3725,
            error: error.map(str::to_string),
        }
    }

    #[test]
    fn the_table_aligns_and_lists_errors_below() {
        let t = table(&[
            row("server.lobby", "running", None),
            row(
                "server.survival-eu",
                "offline",
                Some("Wings is unreachable"),
            ),
        ]);
        assert_eq!(
            t,
            "SERVER              NODE   STATE    CPU    MEMORY   DISK     UPTIME\n\
             server.lobby        fra-1  running  12.5%  2.0 GiB  300 MiB  1h02m\n\
             server.survival-eu  fra-1  error    12.5%  2.0 GiB  300 MiB  1h02m\n\
             server.survival-eu: Wings is unreachable\n"
        );
    }

    #[test]
    fn uptimes_read_at_a_glance() {
        assert_eq!(uptime(0), "-");
        assert_eq!(uptime(75), "1m15s");
        assert_eq!(uptime(90_000), "1d01h");
    }
}
