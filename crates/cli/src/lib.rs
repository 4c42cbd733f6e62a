//! `roost`: declarative infrastructure for Pelican and Pterodactyl panels.
//!
//! The command line is a library so that the end-to-end tests can build it into their own
//! binary; `main.rs` only calls [`main`].

pub mod allocator;
mod applying;
mod connect;
mod drifting;
pub mod events;
pub mod exit;
mod generate;
mod importing;
mod interrupt;
mod mcp;
mod ops;
mod output;
mod planning;
mod progress;
mod showing;
mod targets;
mod waits;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use miette::Diagnostic;
use roost_manifest::{Manifest, ManifestErrors, Problem, Span};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `roost --version`: the release, the commit and the build date (see `build.rs`).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ROOST_COMMIT"),
    ", built ",
    env!("ROOST_BUILD_DATE"),
    ")"
);

#[derive(Parser)]
#[command(
    name = "roost",
    version = LONG_VERSION,
    about = "Declarative infrastructure for Pelican and Pterodactyl game-server panels"
)]
struct Cli {
    /// Print only data, warnings and errors: no progress, no summaries.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// When to colour output; `auto` honours NO_COLOR and CLICOLOR_FORCE.
    #[arg(long, value_enum, global = true, default_value_t = output::ColorChoice::Auto)]
    color: output::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the manifests: every error, each with its place and a fix.
    Validate {
        /// Directory of *.kdl manifests, or one file checked on its own (it must then declare
        /// or not need the templates and resources it refers to).
        #[arg(value_name = "DIR|FILE")]
        dir: PathBuf,
        /// Print the merged desired state (templates applied, units resolved).
        #[arg(long)]
        print: bool,
        /// Output format of --print.
        #[arg(long, value_enum, default_value_t = PrintFormat::Kdl)]
        format: PrintFormat,
    },
    /// Rewrite manifests in the canonical layout, keeping comments.
    Fmt {
        /// Directory of *.kdl manifests.
        dir: PathBuf,
        /// Change nothing; list the files that would change and exit 1 if any.
        #[arg(long)]
        check: bool,
    },
    /// Compare the manifests with the panel and show what apply would do.
    Plan(planning::PlanArgs),
    /// Carry out a plan: of the manifests in DIR, or one saved with `roost plan -o`.
    Apply(applying::ApplyArgs),
    /// Render a plan saved with `roost plan -o FILE` (text, Markdown or JSON), without a panel.
    Show(showing::ShowArgs),
    /// Report where the panel differs from the manifests (read-only; exit 0 in sync, 3 drifted).
    Drift(drifting::DriftArgs),
    /// Write manifests that describe an existing panel (resources are adopted explicitly).
    Import(importing::ImportArgs),
    /// Day-2 operations on servers: status, power, console commands, the live console.
    Server {
        #[command(subcommand)]
        command: ops::ServerCommand,
    },
    /// A server's backups: list, create, lock, unlock, delete, restore, download.
    Backup {
        #[command(subcommand)]
        command: ops::backup::BackupCommand,
    },
    /// A server's files: ls, get, put, rm, mv, cp, chmod, mkdir, compress, decompress.
    Files {
        #[command(subcommand)]
        command: ops::files::FilesCommand,
    },
    /// Server databases: rotate a password.
    Db {
        #[command(subcommand)]
        command: ops::child::DbCommand,
    },
    /// Schedules: run one now.
    Schedule {
        #[command(subcommand)]
        command: ops::child::ScheduleCommand,
    },
    /// Nodes: the Wings configuration the panel generates.
    Node {
        #[command(subcommand)]
        command: ops::child::NodeCommand,
    },
    /// A Model Context Protocol server on stdio for AI agents: read-only tools freely,
    /// changing tools only when allowed and confirmed; every call audited on stderr.
    Mcp(mcp::McpArgs),
    /// Run the panel simulator.
    Sim {
        #[command(subcommand)]
        command: SimCommand,
    },
    /// Print the dependency graph (Graphviz DOT or Mermaid).
    Graph {
        /// Directory of *.kdl manifests.
        dir: PathBuf,
        /// Output format: Graphviz DOT or a Mermaid flowchart.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Print a shell completion script (e.g. `roost completions bash > /etc/bash_completion.d/roost`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print roost's man page, or write one page per command into a directory.
    Man {
        /// Write roost.1 and a page per command (roost-plan.1, ...) into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SimCommand {
    /// Serve the Application and Client APIs of an in-memory panel until Ctrl-C.
    Serve {
        /// Which panel to simulate: its API dialect, rules and rate limit.
        #[arg(long, value_enum, default_value_t = SimDialect::Pterodactyl)]
        dialect: SimDialect,
        /// TCP port on 127.0.0.1 to listen on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Load the panel's state from FILE and save every change to it.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Requests per minute (0 = off); default: the dialect's real limit.
        #[arg(long)]
        rate_limit: Option<u32>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SimDialect {
    /// Pterodactyl v1.11.
    Pterodactyl,
    /// Pelican.
    Pelican,
}

#[derive(Clone, Copy, ValueEnum)]
enum PrintFormat {
    /// KDL, as the manifests are written.
    Kdl,
    /// JSON.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Run roost with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    output::configure(output::Settings {
        color: cli.color,
        quiet: cli.quiet,
    });
    let result = match cli.command {
        Command::Validate { dir, print, format } => validate(&dir, print, format),
        Command::Fmt { dir, check } => fmt(&dir, check),
        Command::Graph { dir, format } => graph(&dir, format),
        Command::Completions { shell } => generate::completions(Cli::command(), shell),
        Command::Man { dir } => generate::man(Cli::command(), dir.as_deref()),
        Command::Plan(args) => block_on(planning::run(args)),
        Command::Apply(args) => block_on(applying::run(args)),
        Command::Show(args) => showing::run(args),
        Command::Drift(args) => block_on(drifting::run(args)),
        Command::Import(args) => block_on(importing::run(args)),
        Command::Server { command } => block_on(ops::run(command)),
        Command::Backup { command } => block_on(ops::backup::run(command)),
        Command::Files { command } => block_on(ops::files::run(command)),
        Command::Mcp(args) => block_on(mcp::run(args)),
        Command::Db { command } => block_on(ops::child::db(command)),
        Command::Schedule { command } => block_on(ops::child::schedule(command)),
        Command::Node { command } => block_on(ops::child::node(command)),
        Command::Sim {
            command:
                SimCommand::Serve {
                    dialect,
                    port,
                    state,
                    rate_limit,
                },
        } => block_on(sim_serve(dialect, port, state, rate_limit)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            output::report(err.as_ref());
            ExitCode::from(exit::ERROR)
        }
    }
}

type CmdResult = Result<u8, Box<dyn Diagnostic + Send + Sync>>;

/// Run an async command on a small runtime: roost is IO-bound and the panel's rate limit is the
/// bottleneck, two worker threads are plenty.
fn block_on<F: std::future::Future<Output = CmdResult>>(f: F) -> CmdResult {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            connect::diag(
                "roost::runtime",
                format!("cannot start the async runtime: {e}"),
                "this is a bug or the system is out of resources",
            )
        })?;
    rt.block_on(f)
}

async fn sim_serve(
    dialect: SimDialect,
    port: u16,
    state: Option<PathBuf>,
    rate_limit: Option<u32>,
) -> CmdResult {
    let dialect = match dialect {
        SimDialect::Pterodactyl => roost_model::Dialect::Pterodactyl,
        SimDialect::Pelican => roost_model::Dialect::Pelican,
    };
    let mut config = roost_sim::SimConfig::new(dialect);
    config.state_file = state;
    if let Some(r) = rate_limit {
        config.rate_limit = (r > 0).then_some(r);
    }
    output::status(&format!(
        "roost sim: a {dialect} panel on http://127.0.0.1:{port} (APIs at /api/application and /api/client), until Ctrl-C"
    ));
    output::status(&format!(
        "token: {} (export ROOST_TOKEN=... for roost, or send it as a Bearer token)",
        config.token
    ));
    output::status(&format!(
        "client token: {} (the admin's client key; export ROOST_CLIENT_TOKEN=... for roost)",
        config.client_token
    ));
    roost_sim::serve(config, port).await.map_err(|e| {
        connect::diag(
            "roost::sim",
            format!("the simulator stopped: {e}"),
            "is the port free?",
        )
    })?;
    Ok(exit::OK)
}

/// The `*.kdl` files under `dir`, with a warning for each one that is not a regular file.
pub(crate) fn read_sources(dir: &Path) -> Result<roost_manifest::Sources, ManifestErrors> {
    let (sources, skipped) = roost_manifest::Sources::read_dir_with_skipped(dir)?;
    for s in skipped {
        output::warn(&format!("warning: {s}"));
    }
    Ok(sources)
}

/// How roost loads manifests. `ignore` rules may name the attributes plans show; the manifest
/// crate does not depend on the planner, so this is the one place it learns them.
pub fn manifest_options() -> roost_manifest::LoadOptions<'static> {
    roost_manifest::LoadOptions {
        attributes: roost_manifest::AttributeNames {
            known: roost_plan::attribute_known,
            names: roost_plan::attribute_names,
        },
        sources: None,
        mcp_tools: Some(mcp::changing_tools),
    }
}

/// The manifests under `dir`, validated.
pub(crate) fn load_manifests(dir: &Path) -> Result<Manifest, ManifestErrors> {
    let read = |rel: &str, limit: u64| roost_manifest::read_source_in(dir, rel, limit);
    let options = roost_manifest::LoadOptions {
        sources: Some(roost_manifest::SourceReader(&read)),
        ..manifest_options()
    };
    roost_manifest::load_with(read_sources(dir)?, &options)
}

/// Load the manifests and check the dependency graph: every problem in one report.
fn load(dir: &Path) -> Result<(Manifest, roost_graph::Graph), ManifestErrors> {
    checked_graph(load_manifests(dir)?)
}

/// The warnings of loaded manifests printed, and their dependency graph checked for cycles.
fn checked_graph(manifest: Manifest) -> Result<(Manifest, roost_graph::Graph), ManifestErrors> {
    output::manifest_warnings(&manifest);
    let graph = roost_graph::Graph::from_desired(&manifest.desired);
    if let Err(cycle) = graph.create_order() {
        return Err(manifest
            .sources
            .report(vec![cycle_problem(&manifest, &cycle)]));
    }
    Ok((manifest, graph))
}

pub(crate) fn cycle_problem(m: &Manifest, cycle: &roost_graph::CycleError) -> Problem {
    // The graph's cycle runs in creation order (a before b); people read "a depends on b".
    let mut path: Vec<&roost_model::Address> = cycle.cycle.iter().collect();
    path.reverse();
    let text = path
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", which depends on ");
    // Point at each `depends-on` entry that closes a link of the chain.
    let mut labels: Vec<(Span, String)> = Vec::new();
    for pair in path.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let origin = (from.kind == roost_model::Kind::Server)
            .then(|| m.desired.servers.get(&from.name))
            .flatten()
            .and_then(|s| {
                s.depends_on
                    .iter()
                    .position(|d| d == to)
                    .and_then(|i| s.depends_on_origins.get(i).copied())
                    .or(Some(s.origin))
            });
        if let Some(o) = origin {
            labels.push((Span::from_origin(o), format!("{from} depends on {to}")));
        }
    }
    let first = labels.first().map(|(s, _)| *s).unwrap_or_default();
    let mut p = Problem::new(
        "roost::dependency-cycle",
        format!(
            "dependency cycle: {}",
            text.replacen(", which depends on ", " depends on ", 1)
        ),
        first,
        labels.first().map(|(_, l)| l.clone()).unwrap_or_default(),
    )
    .help("a chain of `depends-on` must end: remove one of these entries");
    for (span, label) in labels.into_iter().skip(1) {
        if span.file == first.file {
            p = p.label(span, label);
        } else {
            p = p.related(Problem::new(
                "roost::dependency-cycle",
                label.clone(),
                span,
                label,
            ));
        }
    }
    p
}

fn validate(path: &Path, print: bool, format: PrintFormat) -> CmdResult {
    // Anything but a directory is read as one file (which refuses FIFOs and devices).
    let loaded = if path.exists() && !path.is_dir() {
        let dir = path.parent().unwrap_or(Path::new("."));
        let read = |rel: &str, limit: u64| roost_manifest::read_source_in(dir, rel, limit);
        let options = roost_manifest::LoadOptions {
            sources: Some(roost_manifest::SourceReader(&read)),
            ..manifest_options()
        };
        roost_manifest::Sources::read_file(path)
            .and_then(|sources| roost_manifest::load_with(sources, &options))
            .and_then(checked_graph)
    } else {
        load(path)
    };
    let (m, graph) = loaded.map_err(boxed)?;
    if print {
        let text = match format {
            PrintFormat::Kdl => roost_manifest::print_desired(&m.desired),
            PrintFormat::Json => serde_json::to_string_pretty(&m.desired)
                .map(|s| s + "\n")
                .unwrap_or_default(),
        };
        output::stdout(&text);
    }
    let d = &m.desired;
    output::status(&format!(
        "valid: {} files, {} locations, {} nodes, {} allocations, {} users, {} servers ({} resources in the graph)",
        m.sources.files.len(),
        d.locations.len(),
        d.nodes.len(),
        d.allocations.len(),
        d.users.len(),
        d.servers.len(),
        graph.len()
    ));
    Ok(exit::OK)
}

fn fmt(dir: &Path, check: bool) -> CmdResult {
    let sources = read_sources(dir).map_err(boxed)?;
    // Refuse to touch files that do not parse: a syntax error must be fixed by hand.
    roost_manifest::check_syntax(&sources).map_err(boxed)?;
    let mut changed = Vec::new();
    for (name, text) in &sources.files {
        let formatted = roost_manifest::format_kdl(text);
        if formatted != **text {
            changed.push(name.clone());
            if !check {
                let path = dir.join(name);
                std::fs::write(&path, formatted).map_err(|e| boxed(io_diag(&path, e)))?;
            }
        }
    }
    for name in &changed {
        output::stdout(&format!("{name}\n"));
    }
    if check && !changed.is_empty() {
        output::status(&format!(
            "{} file(s) need formatting: run `roost fmt {}`",
            changed.len(),
            dir.display()
        ));
        return Ok(exit::ERROR);
    }
    if !check {
        output::status(&format!(
            "formatted {} of {} file(s)",
            changed.len(),
            sources.files.len()
        ));
    }
    Ok(exit::OK)
}

fn graph(dir: &Path, format: GraphFormat) -> CmdResult {
    let (_, graph) = load(dir).map_err(boxed)?;
    let text = match format {
        GraphFormat::Dot => graph.to_dot(),
        GraphFormat::Mermaid => graph.to_mermaid(),
    };
    output::stdout(&text);
    Ok(exit::OK)
}

fn boxed<E: Diagnostic + Send + Sync + 'static>(e: E) -> Box<dyn Diagnostic + Send + Sync> {
    Box::new(e)
}

fn io_diag(path: &Path, e: std::io::Error) -> roost_manifest::SourceDiagnostic {
    roost_manifest::SourceDiagnostic::without_source(
        "roost::io",
        format!("cannot write {}: {e}", path.display()),
        None,
    )
}
