//! `roost plan`: manifests + live state → plan, rendered in the chosen format.

use crate::connect::{BoxDiag, ConnectOptions, Panel, connect, diag, panel_error};
use crate::exit;
use crate::output;
use roost_manifest::{Manifest, Problem, Span};
use roost_plan::{Ignore, Options, Plan, PlanError};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// For people at a terminal.
    #[default]
    Text,
    /// For programs: the plan format of `schemas/`.
    Json,
    /// For pull-request comments.
    Markdown,
}

#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// Directory of *.kdl manifests.
    pub dir: PathBuf,
    /// Panel URL, or sim:PATH for the embedded simulator with its state in PATH.
    #[arg(long)]
    pub panel: Option<String>,
    /// Output format of the plan.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 0 for no changes, 2 for intended changes, 3 for drift, 4 for both.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Write the plan (JSON, with fingerprints of the live state) to FILE for `roost apply FILE`.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// The manifests as they were at a git ref or in another directory: changes are marked
    /// intended (the manifests changed) or drift (the panel changed).
    #[arg(long)]
    pub base: Option<String>,
    /// Plan only these resources (server.lobby; a glob such as 'server.kim-*'; a server takes
    /// its databases along) and what they depend on. Repeatable.
    #[arg(long = "target")]
    pub targets: Vec<String>,
    /// Ignore an attribute for this run: ADDRESS.FIELD (server.lobby.description) or
    /// KIND.*.FIELD (server.*.description). Repeatable.
    #[arg(long = "ignore")]
    pub ignore: Vec<String>,
    /// Show the API calls of every change.
    #[arg(short, long)]
    pub verbose: bool,
    /// Requests per minute to stay under (0 = off); default: the panel's limit.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// per_page of the panel listings.
    #[arg(long)]
    pub page_size: Option<u32>,
}

/// Load the manifests and check the dependency graph, reporting every problem at once.
pub fn load(dir: &Path) -> Result<Manifest, BoxDiag> {
    let manifest = crate::load_manifests(dir).map_err(|e| Box::new(e) as BoxDiag)?;
    output::manifest_warnings(&manifest);
    let graph = roost_graph::Graph::from_desired(&manifest.desired);
    if let Err(cycle) = graph.create_order() {
        return Err(Box::new(
            manifest
                .sources
                .report(vec![crate::cycle_problem(&manifest, &cycle)]),
        ));
    }
    Ok(manifest)
}

/// The manifests as they were at `base`: a directory, or a git ref of the repository holding
/// `dir`. Included files are read at the same revision, wherever they are in the repository.
fn load_base(dir: &Path, base: &str) -> Result<roost_model::Desired, BoxDiag> {
    let as_dir = Path::new(base);
    if as_dir.is_dir() {
        return load(as_dir).map(|m| m.desired);
    }
    let git = GitRevision::new(dir, base)?;
    // Run from inside `dir`, ls-tree lists paths relative to it.
    let listing = git.run(&["ls-tree", "-r", "--name-only", base, "--", "."])?;
    let mut files = Vec::new();
    for path in listing.lines().filter(|p| p.ends_with(".kdl")) {
        let text = git.run(&["show", &format!("{base}:./{path}")])?;
        files.push((path.to_string(), std::sync::Arc::from(text)));
    }
    // At the base the directory may not have existed yet: then everything is intended.
    if files.is_empty() {
        return Ok(roost_model::Desired::default());
    }
    let mut sources = roost_manifest::Sources { files };
    // The problems themselves, rendered plainly: their labels name files at the base, which the
    // working tree may not have.
    let invalid = |e: roost_manifest::ManifestErrors| {
        diag(
            "roost::base",
            format!(
                "the manifests at `{base}` are not valid ({e}):\n{}",
                e.render_plain(100).trim_end()
            ),
            "choose a base whose manifests validate",
        )
    };
    sources
        .resolve_includes(Path::new(""), &git)
        .map_err(invalid)?;
    // `file` sources as they were at the base too (raw bytes: binaries included), so that an
    // edited source shows as intended.
    let read = |rel: &str, limit: u64| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["show", &format!("{base}:./{rel}")])
            .output()
            .map_err(|e| roost_manifest::SourceError::Unreadable(e.to_string()))?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(roost_manifest::SourceError::Unreadable(why));
        }
        if out.stdout.len() as u64 > limit {
            return Err(roost_manifest::SourceError::TooLarge(
                out.stdout.len() as u64
            ));
        }
        Ok(out.stdout)
    };
    let options = roost_manifest::LoadOptions {
        sources: Some(roost_manifest::SourceReader(&read)),
        ..crate::manifest_options()
    };
    roost_manifest::load_with(sources, &options)
        .map(|m| m.desired)
        .map_err(invalid)
}

/// A revision of the git repository holding the manifest directory, read with `git`.
struct GitRevision {
    dir: std::path::PathBuf,
    rev: String,
    /// The manifest directory's path inside the repository (`envs/prod/`).
    prefix: String,
}

impl GitRevision {
    fn new(dir: &Path, rev: &str) -> Result<Self, BoxDiag> {
        let mut git = GitRevision {
            dir: dir.to_path_buf(),
            rev: rev.to_string(),
            prefix: String::new(),
        };
        git.prefix = git.run(&["rev-parse", "--show-prefix"])?.trim().to_string();
        Ok(git)
    }

    fn run(&self, args: &[&str]) -> Result<String, BoxDiag> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .output()
            .map_err(|e| {
                diag(
                    "roost::base",
                    format!("cannot run git: {e}"),
                    "install git, or pass a directory as --base",
                )
            })?;
        if !out.status.success() {
            return Err(diag(
                "roost::base",
                format!(
                    "git {} failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                format!(
                    "`{}` must be a directory or a git ref (commit, branch, tag) of the repository holding {}",
                    self.rev,
                    self.dir.display()
                ),
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl roost_manifest::IncludeSource for GitRevision {
    /// The file's path from the repository's root, if the revision has it.
    fn identify(&self, path: &Path) -> Option<std::path::PathBuf> {
        let from_root =
            roost_manifest::relative_label(Path::new(""), &Path::new(&self.prefix).join(path));
        if from_root.is_empty() || from_root.starts_with("..") {
            return None;
        }
        let object = format!("{}:{from_root}", self.rev);
        self.run(&["cat-file", "-e", &object]).ok()?;
        Some(from_root.into())
    }

    fn read(&self, file: &Path) -> Option<String> {
        let object = format!("{}:{}", self.rev, file.display());
        let kind = self.run(&["cat-file", "-t", &object]).ok()?;
        if kind.trim() != "blob" {
            return None;
        }
        self.run(&["show", &object]).ok()
    }
}

pub fn parse_ignores(list: &[String]) -> Result<Vec<Ignore>, BoxDiag> {
    list.iter()
        .map(|item| {
            roost_plan::parse_ignore(item).ok_or_else(|| {
                diag(
                    "roost::bad-ignore",
                    format!("`{item}` is not ADDRESS.FIELD naming an attribute plans show"),
                    "write e.g. --ignore server.lobby.description, --ignore server.*.limits.memory or --ignore node.*.fqdn",
                )
            })
        })
        .collect()
}

/// Plan errors as one report, pointing into the manifests where they can.
pub fn plan_errors(m: &Manifest, errors: Vec<PlanError>) -> BoxDiag {
    let mut problems = Vec::new();
    let mut loose = Vec::new();
    for e in errors {
        match e.origin {
            Some(o) => {
                let mut p = Problem::new(e.code, e.message, Span::from_origin(o), "declared here");
                if let Some(h) = e.help {
                    p = p.help(h);
                }
                problems.push(p);
            }
            None => loose.push(e),
        }
    }
    let mut report = m.sources.report(problems);
    for e in loose {
        report
            .diagnostics
            .push(roost_manifest::SourceDiagnostic::without_source(
                e.code, e.message, e.help,
            ));
    }
    Box::new(PlanFailed(report))
}

/// Plan errors reported as such (not as invalid manifests): the manifests may be fine, the
/// panel's state is what the plan cannot reconcile.
#[derive(Debug)]
struct PlanFailed(roost_manifest::ManifestErrors);

impl std::fmt::Display for PlanFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.diagnostics.len() {
            1 => write!(f, "no plan: 1 problem must be resolved first"),
            n => write!(f, "no plan: {n} problems must be resolved first"),
        }
    }
}

impl std::error::Error for PlanFailed {}

impl miette::Diagnostic for PlanFailed {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("roost::no-plan"))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.0
                .diagnostics
                .iter()
                .map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// Every secret the manifests (and the base) refer to, read now: the planner compares secret
/// egg variables with the panel and fails on any secret it needs that cannot be read, before
/// `apply` writes anything. `(file)` paths are relative to the manifest directory.
pub fn read_secrets(
    dir: &Path,
    desired: &roost_model::Desired,
    base: Option<&roost_model::Desired>,
) -> roost_model::ResolvedSecrets {
    let resolver = roost_engine::env_and_file_secrets(dir.to_path_buf());
    let refs = desired
        .secret_refs()
        .into_iter()
        .chain(base.into_iter().flat_map(|b| b.secret_refs()));
    roost_engine::read_secrets(&resolver, refs)
}

/// Reads the server-level state (schedules, subusers, power states) the plan needs through the
/// Client API: only for the servers that declare it or prune it, one request per server and kind.
pub async fn read_server_level(
    panel: &Panel,
    desired: &roost_model::Desired,
    live: &mut roost_model::Live,
) -> Result<(), BoxDiag> {
    let Some(api) = &panel.client_api else {
        return Ok(());
    };
    live.client_key = true;
    let needs = roost_plan::server_level_reads(desired, live);
    let servers: Vec<(u64, String, Vec<roost_model::Kind>)> = needs
        .iter()
        .filter(|n| !n.kinds.is_empty())
        .map(|n| (n.server_id, n.identifier.clone(), n.kinds.clone()))
        .collect();
    let power = roost_plan::power_reads(desired, live);
    let read = async {
        roost_panel::read_server_level(api, &servers, live).await?;
        roost_panel::read_power(api, &power, live).await
    };
    read.await
        .map_err(|e| client_read_error(&panel.client_token_env, e))?;
    // Files of servers already found busy (409) are not read: the plan says why.
    let files: Vec<roost_panel::FilesToRead> = needs
        .into_iter()
        .filter(|n| !n.files.is_empty())
        .filter(|n| {
            !matches!(
                live.server_level.get(&n.server_id),
                Some(roost_model::ServerLevelRead::Unreadable(_))
            )
        })
        .map(|n| roost_panel::FilesToRead {
            server_id: n.server_id,
            identifier: n.identifier,
            uuid: n.uuid,
            files: n.files,
        })
        .collect();
    if files.is_empty() {
        return Ok(());
    }
    let cache = file_cache();
    roost_panel::read_files(api, &cache, &files, live)
        .await
        .map_err(|e| {
            diag(
                "roost::file-read",
                e.to_string(),
                "the client key needs `file.read` and `file.read-content` on the server; a file the egg's denylist hides from Pelican's Wings cannot be managed",
            )
        })?;
    if let Err(e) = cache.save() {
        crate::output::warn(&format!(
            "warning: cannot save the file checksum cache ({e}): the next plan reads these files again"
        ));
    }
    Ok(())
}

/// The checksums of server files roost computed, kept between runs (`ROOST_CACHE_DIR`,
/// `XDG_CACHE_HOME/roost` or `~/.cache/roost`).
pub fn file_cache() -> roost_panel::ChecksumCache {
    roost_panel::ChecksumCache::open(roost_panel::ChecksumCache::default_path())
}

/// A Client-API read that failed, with what to do about it.
pub fn client_read_error(var: &str, e: roost_panel::PanelError) -> BoxDiag {
    diag(
        "roost::client-api",
        format!(
            "cannot read the servers' schedules, subusers and power states through the Client API: {e}"
        ),
        format!(
            "${var} (the panel block's `client-token-env`) must hold a client API key of a root admin (Account → API Credentials), so that it reaches every server roost manages"
        ),
    )
}

/// Everything `plan`, `apply` and `drift` share: load, connect, read, plan.
pub async fn make_plan(
    args: &PlanArgs,
    on_wait: Option<roost_panel::WaitObserver>,
) -> Result<(Plan, Manifest, Panel), BoxDiag> {
    let manifest = load(&args.dir)?;
    let base = args
        .base
        .as_deref()
        .map(|b| load_base(&args.dir, b))
        .transpose()?;
    let targets = crate::targets::resolve(&args.targets, manifest.desired.addresses())?;
    let ignore = parse_ignores(&args.ignore)?;
    let copts = ConnectOptions {
        panel: args.panel.clone(),
        rate_limit: args.rate_limit,
        page_size: args.page_size,
        on_wait,
        read_only: false,
    };
    let panel = connect(&copts, Some(&manifest)).await?;
    // The manifests say how many objects to expect: the pages they fill are requested at once.
    let expected = roost_panel::ExpectedCounts::of(&manifest.desired);
    let mut live = match panel.client.read_live_expecting(expected).await {
        Ok(l) => l,
        Err(e) => {
            panel.close().await;
            return Err(panel_error(e));
        }
    };
    if let Err(e) = read_server_level(&panel, &manifest.desired, &mut live).await {
        panel.close().await;
        return Err(e);
    }
    let secrets = read_secrets(&args.dir, &manifest.desired, base.as_ref());
    let key_owner = match crate::connect::key_owner(&panel).await {
        Ok(o) => o,
        Err(e) => {
            panel.close().await;
            return Err(e);
        }
    };
    let opts = Options {
        base,
        targets,
        rate_limit: args.rate_limit.filter(|r| *r > 0),
        ignore,
        secrets,
        key_owner,
    };
    match roost_plan::plan(&manifest.desired, &live, &opts) {
        Ok(mut plan) => {
            plan.panel = Some(panel.label.clone());
            plan.manifests = Some(args.dir.display().to_string());
            for t in plan
                .threshold
                .iter_mut()
                .chain(plan.user_threshold.iter_mut())
            {
                t.set_at = t.origin.map(|o| manifest.sources.locate(o));
            }
            Ok((plan, manifest, panel))
        }
        Err(errors) => {
            panel.close().await;
            Err(plan_errors(&manifest, errors))
        }
    }
}

pub fn render(plan: &Plan, format: Format, verbose: bool) -> String {
    match format {
        Format::Text => roost_plan::render::text(
            plan,
            roost_plan::render::TextOptions {
                color: output::color_stdout(),
                verbose,
            },
        ),
        Format::Json => serde_json::to_string_pretty(plan).unwrap_or_default() + "\n",
        Format::Markdown => roost_plan::render::markdown(plan, roost_plan::render::MARKDOWN_BUDGET),
    }
}

pub fn exit_code(plan: &Plan, detailed: bool) -> u8 {
    if !detailed || !plan.has_changes() {
        return exit::OK;
    }
    if !plan.has_base {
        return exit::CHANGES;
    }
    match (plan.summary.intended > 0, plan.summary.drift > 0) {
        (true, true) => exit::CHANGES_AND_DRIFT,
        (false, true) => exit::DRIFT,
        _ => exit::CHANGES,
    }
}

pub async fn run(args: PlanArgs) -> Result<u8, BoxDiag> {
    let waits = crate::waits::WaitLine::new();
    let made = make_plan(&args, Some(waits.observer())).await;
    waits.clear();
    let (plan, _manifest, panel) = made?;
    panel.close().await;
    output::stdout(&render(&plan, args.format, args.verbose));
    if let Some(out) = &args.out {
        let json = serde_json::to_string_pretty(&plan).unwrap_or_default() + "\n";
        std::fs::write(out, json).map_err(|e| {
            diag(
                "roost::io",
                format!("cannot write {}: {e}", out.display()),
                "check the path",
            )
        })?;
        output::status(&format!(
            "Saved the plan to {}. Apply exactly this plan with: roost apply {}",
            out.display(),
            out.display()
        ));
    }
    Ok(exit_code(&plan, args.detailed_exitcode))
}
