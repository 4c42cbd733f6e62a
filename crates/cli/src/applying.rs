//! `roost apply`: plan (or load a saved plan), confirm, apply, report.

use crate::connect::{BoxDiag, ConnectOptions, Panel, connect, diag, panel_error};
use crate::exit;
use crate::output;
use crate::planning::{self, Format, PlanArgs};
use crate::progress::{Forward, Lines, LiveProgress, waits_to_reporter};
use crate::waits;
use roost_engine::{ApplyOptions, Reporter};
use roost_plan::Plan;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, clap::Args)]
pub struct ApplyArgs {
    /// A directory of manifests (plan, confirm, apply) or a plan saved with `roost plan -o`.
    pub target: PathBuf,
    #[command(flatten)]
    pub plan: PlanFlags,
    /// Apply without asking.
    #[arg(long)]
    pub auto_approve: bool,
    /// With --auto-approve: also allow changes that destroy data or grant admin rights.
    #[arg(long)]
    pub allow_destroy: bool,
    /// Apply even if the plan deletes or replaces more servers than `delete-threshold` allows.
    #[arg(long)]
    pub force: bool,
    /// Also allow deleting a root administrator or taking root admin rights away (needed even at
    /// a terminal: roost cannot tell whether that user owns the API key in use).
    #[arg(long)]
    pub allow_admin_removal: bool,
    /// Changes in flight at once.
    #[arg(long, default_value_t = 4)]
    pub parallelism: usize,
    /// How long a server declaring `power` may take to reach that state (after its install,
    /// if it was installing) before its change fails.
    #[arg(long, default_value = "5m", value_parser = crate::ops::parse_duration)]
    pub power_timeout: std::time::Duration,
}

/// The `plan` flags that `apply` shares.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanFlags {
    /// Panel URL, or sim:PATH for the embedded simulator with its state in PATH (a saved plan
    /// defaults to the panel it was made for).
    #[arg(long)]
    pub panel: Option<String>,
    /// Output of the plan and of progress events (json: one event per line).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Apply only these resources (server.lobby; a glob such as 'server.kim-*'; a server takes
    /// its databases along) and what they depend on. Repeatable; not with a saved plan.
    // `target` is the positional's id, hence another id; `--target-resource` was the first
    // spelling and stays accepted.
    #[arg(
        long = "target",
        id = "target_resource",
        value_name = "ADDRESS",
        alias = "target-resource"
    )]
    pub targets: Vec<String>,
    /// Ignore an attribute for this run: ADDRESS.FIELD or KIND.*.FIELD. Repeatable.
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

/// Deleting or demoting a root administrator needs its own flag, whatever else approves the
/// plan: an answer at a terminal, `--allow-destroy` or `allow-destroy #true`.
fn admin_removal_allowed(plan: &Plan, args: &ApplyArgs) -> Result<(), BoxDiag> {
    let removals = roost_plan::rails::admin_removals(plan);
    if removals.is_empty() || args.allow_admin_removal {
        return Ok(());
    }
    let list: Vec<String> = removals.iter().map(|c| c.address.to_string()).collect();
    Err(diag(
        "roost::admin-removal-not-allowed",
        format!(
            "{} change(s) delete a root administrator or take root admin rights away: {}",
            removals.len(),
            list.join(", ")
        ),
        format!(
            "roost cannot tell from the Application API whether such a user owns the API key in use, and a panel without a root admin locks everyone out of its admin area; review the plan, then run apply again with {} (and --allow-destroy)",
            roost_plan::rails::ADMIN_REMOVAL_FLAG
        ),
    ))
}

fn confirm(plan: &Plan, args: &ApplyArgs) -> Result<bool, BoxDiag> {
    let risky: Vec<&roost_plan::Change> = plan
        .changes
        .iter()
        .filter(|c| roost_plan::rails::is_destructive(c))
        .collect();
    if !risky.is_empty() {
        output::warn("These changes destroy data or change admin rights:");
        for c in &risky {
            let why = if c.warnings.is_empty() {
                format!("{:?} impact", c.impact)
            } else {
                c.warnings.join("; ")
            };
            output::warn(&format!("  {} {}: {why}", c.action.symbol(), c.address));
        }
    }
    if args.auto_approve {
        if !risky.is_empty() && !args.allow_destroy && !plan.allow_destroy {
            return Err(diag(
                "roost::destroy-not-allowed",
                format!(
                    "{} destructive change(s) need explicit approval",
                    risky.len()
                ),
                "review them above, then add --allow-destroy to --auto-approve, or apply at a terminal and answer yes",
            ));
        }
        admin_removal_allowed(plan, args)?;
        return Ok(true);
    }
    admin_removal_allowed(plan, args)?;
    if !std::io::stdin().is_terminal() {
        return Err(diag(
            "roost::needs-approval",
            "apply needs a confirmation, and there is no terminal to ask at",
            "review the plan, then pass --auto-approve (and --allow-destroy for destructive changes)",
        ));
    }
    eprint!("\nDo you want to apply these changes? Only 'yes' will be accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| {
            diag(
                "roost::io",
                format!("cannot read the answer: {e}"),
                "answer yes or no",
            )
        })?;
    Ok(answer.trim() == "yes")
}

/// The secrets a saved plan needs, read again: an error if one cannot be read (nothing is
/// written), else the sensitive variables whose change the plan no longer describes (stale).
fn saved_plan_secrets(
    plan: &Plan,
    live: &roost_model::Live,
    base: &Path,
) -> Result<Vec<String>, BoxDiag> {
    let resolver = roost_engine::env_and_file_secrets(base.to_path_buf());
    let secrets = roost_engine::read_secrets(&resolver, roost_plan::needed_secrets(plan));
    let (unreadable, moved) = roost_plan::recheck_secrets(plan, live, &secrets);
    if unreadable.is_empty() {
        return Ok(moved);
    }
    Err(diag(
        "roost::secret-unavailable",
        format!(
            "the plan needs secrets that cannot be read: {}",
            unreadable.join("; ")
        ),
        "set them for `apply` as they were for `plan` (file secrets are read relative to the manifest directory the plan was made from); nothing was applied",
    ))
}

/// Reads again, through the Client API, the server-level state the saved plan was made from
/// (its `schedules:ID`, `subusers:ID` and `power:ID` fingerprints), so that changes since are
/// noticed.
async fn reread_schedules(
    plan: &Plan,
    panel: &crate::connect::Panel,
    live: &mut roost_model::Live,
) -> Result<(), BoxDiag> {
    let mut wanted: std::collections::BTreeMap<u64, Vec<roost_model::Kind>> = Default::default();
    let mut power: std::collections::BTreeSet<u64> = Default::default();
    for key in plan.fingerprints.keys() {
        let Some((kind, id)) = key.split_once(':') else {
            continue;
        };
        if kind == "power" {
            power.extend(id.parse::<u64>().ok());
            continue;
        }
        let kind = match kind {
            "schedules" => roost_model::Kind::Schedule,
            "subusers" => roost_model::Kind::Subuser,
            _ => continue,
        };
        if let Ok(id) = id.parse::<u64>() {
            wanted.entry(id).or_default().push(kind);
        }
    }
    let (Some(api), false) = (&panel.client_api, wanted.is_empty() && power.is_empty()) else {
        return Ok(());
    };
    live.client_key = true;
    let servers: Vec<(u64, String, Vec<roost_model::Kind>)> = live
        .servers
        .iter()
        .filter_map(|s| Some((s.id, s.identifier.clone(), wanted.get(&s.id)?.clone())))
        .collect();
    let power: Vec<(u64, String)> = live
        .servers
        .iter()
        .filter(|s| power.contains(&s.id))
        .map(|s| (s.id, s.identifier.clone()))
        .collect();
    let read = async {
        roost_panel::read_server_level(api, &servers, live).await?;
        roost_panel::read_power(api, &power, live).await
    };
    read.await
        .map_err(|e| planning::client_read_error(&panel.client_token_env, e))
}

/// Which live objects changed since the plan was made, by fingerprint.
fn stale_objects(plan: &Plan, live: &roost_model::Live) -> Vec<String> {
    let sensitive = plan.sensitive_variables.iter().cloned().collect();
    let now = roost_plan::fingerprints(live, &sensitive);
    let mut changed = Vec::new();
    let name_of = |key: &str| -> String {
        let (kind, id) = key.split_once(':').unwrap_or((key, ""));
        let id: u64 = id.parse().unwrap_or(0);
        let name = match kind {
            "power" => live
                .servers
                .iter()
                .find(|s| s.id == id)
                .map(|s| format!("the power state of server \"{}\"", s.name)),
            "schedules" | "subusers" => live
                .servers
                .iter()
                .find(|s| s.id == id)
                .map(|s| format!("the {kind} of server \"{}\"", s.name)),
            "server" => live
                .servers
                .iter()
                .find(|s| s.id == id)
                .map(|s| format!("server \"{}\"", s.name)),
            "user" => live
                .users
                .iter()
                .find(|u| u.id == id)
                .map(|u| format!("user \"{}\"", u.username)),
            "node" => live
                .nodes
                .iter()
                .find(|n| n.id == id)
                .map(|n| format!("node \"{}\"", n.name)),
            "location" => live
                .locations
                .iter()
                .find(|l| l.id == id)
                .map(|l| format!("location \"{}\"", l.short)),
            "allocation" => live
                .allocations
                .iter()
                .find(|a| a.id == id)
                .map(|a| format!("allocation {}:{}", a.ip, a.port)),
            "database" => live
                .databases
                .iter()
                .find(|d| d.id == id)
                .map(|d| format!("database {}", d.database)),
            _ => None,
        };
        name.map(|n| format!("{n} ({key})"))
            .unwrap_or_else(|| key.to_string())
    };
    for (k, v) in &plan.fingerprints {
        match now.get(k) {
            Some(n) if n == v => {}
            Some(_) if k.starts_with("count:") => {
                changed.push(format!("the number of {}s changed", &k[6..]))
            }
            Some(_) => changed.push(format!("{} was changed", name_of(k))),
            None => changed.push(format!("{k} was deleted")),
        }
    }
    for k in now.keys() {
        if !plan.fingerprints.contains_key(k) {
            changed.push(format!("{} was created", name_of(k)));
        }
    }
    changed
}

pub async fn run(args: ApplyArgs) -> Result<u8, BoxDiag> {
    let json = args.plan.format == Format::Json;
    let reporter_slot: Arc<Mutex<Option<Arc<dyn Reporter>>>> = Arc::new(Mutex::new(None));
    // The client is built before the reporter knows the plan's size; forward through a slot.
    // Until then (the refresh) waits go to a line of their own.
    let wait_line = waits::WaitLine::new();
    let forward: Arc<dyn Reporter> = Arc::new(Forward(reporter_slot.clone(), wait_line.clone()));
    let on_wait = Some(waits_to_reporter(forward.clone()));
    let ready = if args.target.is_file() {
        match saved_plan(&args, on_wait).await? {
            Ok(ready) => ready,
            Err(code) => return Ok(code),
        }
    } else {
        new_plan(&args, on_wait).await?
    };
    wait_line.clear();
    if !json {
        output::stdout(&planning::render(
            &ready.plan,
            Format::Text,
            args.plan.verbose,
        ));
    }
    if !ready.plan.has_changes() {
        ready.panel.close().await;
        return Ok(exit::OK);
    }
    match approve(&ready.plan, &args) {
        Ok(true) => {}
        Ok(false) => {
            ready.panel.close().await;
            output::warn("Apply cancelled.");
            return Ok(exit::ERROR);
        }
        Err(e) => {
            ready.panel.close().await;
            return Err(e);
        }
    }
    Ok(execute(ready, &args, &reporter_slot).await)
}

/// A plan to carry out, the panel it is for, and the directory its secrets are read from.
struct Ready {
    plan: Plan,
    panel: Panel,
    base_dir: PathBuf,
}

/// The plan saved at `args.target`, checked against the panel; `Err(exit code)` (after saying
/// why) when `--panel` names another panel than the plan's or the panel changed since.
async fn saved_plan(
    args: &ApplyArgs,
    on_wait: Option<roost_panel::WaitObserver>,
) -> Result<Result<Ready, u8>, BoxDiag> {
    refuse_plan_flags(args)?;
    let plan = read_saved_plan(&args.target)?;
    if let Some(wrong) = wrong_panel(&plan, args.plan.panel.as_deref()) {
        output::report(wrong.as_ref());
        return Ok(Err(exit::WRONG_PANEL));
    }
    let copts = ConnectOptions {
        panel: args.plan.panel.clone().or(plan.panel.clone()),
        rate_limit: args.plan.rate_limit,
        page_size: args.plan.page_size,
        on_wait,
        read_only: false,
    };
    let panel = connect(&copts, None).await?;
    let mut live = panel.client.read_live().await.map_err(panel_error)?;
    reread_schedules(&plan, &panel, &mut live).await?;
    let base = match &plan.manifests {
        Some(dir) => PathBuf::from(dir),
        None => args
            .target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    let mut stale = stale_objects(&plan, &live);
    match saved_plan_secrets(&plan, &live, &base) {
        Ok(moved) => stale.extend(moved),
        Err(e) => {
            panel.close().await;
            return Err(e);
        }
    }
    if !stale.is_empty() {
        panel.close().await;
        report_stale(&stale);
        return Ok(Err(exit::STALE_PLAN));
    }
    Ok(Ok(Ready {
        plan,
        panel,
        base_dir: base,
    }))
}

/// A saved plan is applied whole, as reviewed: `--target` and `--ignore` would change what it
/// does, so they are refused rather than silently dropped.
fn refuse_plan_flags(args: &ApplyArgs) -> Result<(), BoxDiag> {
    let flag = match (args.plan.targets.is_empty(), args.plan.ignore.is_empty()) {
        (false, _) => "--target",
        (_, false) => "--ignore",
        _ => return Ok(()),
    };
    Err(diag(
        "roost::saved-plan-flag",
        format!(
            "{flag} does not apply to a saved plan: {} is applied whole, as it was reviewed",
            args.target.display()
        ),
        format!(
            "pass {flag} to `roost plan DIR {flag} ... -o FILE` when making the plan, or apply the manifest directory with {flag}"
        ),
    ))
}

/// Why a saved plan must not be applied to the panel `--panel` names: it was made for another
/// one. Compared before connecting, so nothing is read from (let alone written to) the wrong
/// panel, and the answer is not a list of every object that differs between two panels.
fn wrong_panel(plan: &Plan, flag: Option<&str>) -> Option<BoxDiag> {
    let (made_for, given) = (plan.panel.as_deref()?, flag?);
    if same_panel(made_for, given) {
        return None;
    }
    Some(diag(
        "roost::wrong-panel",
        format!("this plan was made for panel {made_for}, not {given}; nothing was applied"),
        format!(
            "apply it without --panel (it goes to the panel it was made for), or make a plan for {given} with `roost plan DIR --panel {given} -o FILE`"
        ),
    ))
}

/// Two spellings of one panel: URLs compare without a trailing `/` and case-insensitively
/// (scheme and host are; a panel's paths are not case-sensitive in practice).
fn same_panel(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        if s.starts_with("sim:") {
            s.to_string()
        } else {
            s.trim_end_matches('/').to_ascii_lowercase()
        }
    };
    norm(a) == norm(b)
}

/// A plan written by `roost plan -o`, in the format this roost reads.
pub(crate) fn read_saved_plan(path: &Path) -> Result<Plan, BoxDiag> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        diag(
            "roost::io",
            format!("cannot read {}: {e}", path.display()),
            "pass a plan written by `roost plan -o FILE`, or a manifest directory",
        )
    })?;
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        diag(
            "roost::bad-plan",
            format!("{} is not a roost plan: {e}", path.display()),
            "make it with `roost plan DIR -o FILE`",
        )
    })?;
    if plan.format_version != roost_plan::PLAN_FORMAT_VERSION {
        return Err(diag(
            "roost::bad-plan",
            format!(
                "the plan has format version {}, this roost reads version {}",
                plan.format_version,
                roost_plan::PLAN_FORMAT_VERSION
            ),
            "make the plan again with this roost",
        ));
    }
    Ok(plan)
}

/// Says what changed on the panel since a saved plan was made, and that nothing was applied.
fn report_stale(stale: &[String]) {
    output::warn(&format!(
        "The saved plan is stale: the panel changed since it was made ({} difference(s)):",
        stale.len()
    ));
    for s in stale.iter().take(50) {
        output::warn(&format!("  - {s}"));
    }
    if stale.len() > 50 {
        output::warn(&format!("  ... and {} more", stale.len() - 50));
    }
    output::warn("Nothing was applied. Make a new plan with `roost plan -o FILE` and review it.");
}

/// The plan of the manifest directory `args.target` against the panel, as `roost plan` makes it.
async fn new_plan(
    args: &ApplyArgs,
    on_wait: Option<roost_panel::WaitObserver>,
) -> Result<Ready, BoxDiag> {
    let pargs = PlanArgs {
        dir: args.target.clone(),
        panel: args.plan.panel.clone(),
        format: args.plan.format,
        detailed_exitcode: false,
        out: None,
        base: None,
        targets: args.plan.targets.clone(),
        ignore: args.plan.ignore.clone(),
        verbose: args.plan.verbose,
        rate_limit: args.plan.rate_limit,
        page_size: args.plan.page_size,
    };
    let (plan, _m, panel) = planning::make_plan(&pargs, on_wait).await?;
    Ok(Ready {
        plan,
        panel,
        base_dir: args.target.clone(),
    })
}

/// Whether the plan may be carried out: within the delete threshold (or forced), then
/// confirmed at the terminal or by the flags.
fn approve(plan: &Plan, args: &ApplyArgs) -> Result<bool, BoxDiag> {
    if let (Some(line), false) = (roost_plan::render::threshold_line(plan), args.force) {
        return Err(diag(
            "roost::threshold",
            line,
            "review the plan; if this many deletions are intended, run apply again with --force",
        ));
    }
    confirm(plan, args)
}

/// Carries out the plan, reporting progress to the terminal or as lines, and returns the
/// exit code.
async fn execute(
    ready: Ready,
    args: &ApplyArgs,
    reporter_slot: &Mutex<Option<Arc<dyn Reporter>>>,
) -> u8 {
    let Ready {
        plan,
        panel,
        base_dir,
    } = ready;
    let json = args.plan.format == Format::Json;
    let live_display = !json && output::stderr_is_live();
    let reporter: Arc<dyn Reporter> = if live_display {
        Arc::new(LiveProgress::new(
            plan.changes.len(),
            output::color_stderr(),
        ))
    } else {
        Arc::new(Lines::new(json, plan.changes.len()))
    };
    *reporter_slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(reporter.clone());
    let file_cache = crate::planning::file_cache();
    let opts = ApplyOptions {
        parallelism: args.parallelism,
        secrets: roost_engine::env_and_file_secrets(base_dir.clone()),
        client_api: panel.client_api.clone(),
        install_wait: roost_engine::DEFAULT_INSTALL_WAIT,
        file_cache: Some(file_cache.clone()),
        manifests: Some(base_dir),
        power_timeout: args.power_timeout,
    };
    // Ctrl-C from here on stops the engine gracefully, a second one at once.
    let interrupt = roost_engine::Interrupt::default();
    let watcher = crate::interrupt::Watcher::start(interrupt.clone(), live_display);
    let outcome =
        roost_engine::apply_interruptible(&plan, panel.client.clone(), opts, reporter, &interrupt)
            .await;
    if let Some(w) = watcher {
        w.stop();
    }
    if let Err(e) = file_cache.save() {
        output::warn(&format!(
            "warning: cannot save the file checksum cache ({e}): the next plan reads the written files again"
        ));
    }
    if live_display {
        // Clear the status line before the summary.
        eprint!("\r\x1b[2K");
    }
    panel.close().await;
    summarize(&outcome, json)
}

/// The summary line (and JSON event), and the exit code.
fn summarize(outcome: &roost_engine::Outcome, json: bool) -> u8 {
    let verdict = if outcome.interrupted {
        "interrupted"
    } else if outcome.success() {
        "complete"
    } else {
        "incomplete"
    };
    let not_kept_changes = outcome
        .not_kept
        .iter()
        .map(|(a, _)| a)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let not_kept = if not_kept_changes == 0 {
        String::new()
    } else {
        format!(" ({not_kept_changes} with a field the panel did not keep)")
    };
    let mut line = format!(
        "Apply {verdict}: {} applied{not_kept}, {} failed, {} skipped",
        outcome.applied.len(),
        outcome.failed.len(),
        outcome.skipped.len(),
    );
    if outcome.interrupted {
        line.push_str(&format!(", {} not started", outcome.not_started.len()));
        if !outcome.unknown.is_empty() {
            line.push_str(&format!(", {} of unknown outcome", outcome.unknown.len()));
        }
    }
    line.push_str(&format!(" in {:.1}s.", outcome.elapsed.as_secs_f64()));
    if json {
        let summary = crate::events::ApplyEvent::Summary {
            applied: outcome.applied.len(),
            failed: outcome.failed.len(),
            skipped: outcome.skipped.len(),
            not_kept: not_kept_changes,
            parallelism: outcome.final_parallelism,
            interrupted: outcome.interrupted,
            not_started: outcome.not_started.len(),
            outcome_unknown: outcome.unknown.len(),
            seconds: outcome.elapsed.as_secs_f64(),
        };
        output::stdout(&summary.line());
    }
    if outcome.success() {
        output::status(&line);
        return exit::OK;
    }
    output::warn(&line);
    output::warn(
        "Run `roost plan` to see what is left, then `roost apply` again: applied changes are not repeated.",
    );
    if outcome.interrupted {
        exit::INTERRUPTED
    } else {
        exit::ERROR
    }
}

#[cfg(test)]
mod tests {
    use super::same_panel;

    #[test]
    fn one_panel_spelt_two_ways_is_the_same_panel() {
        assert!(same_panel(
            "https://panel.example.com",
            "https://Panel.example.com/"
        ));
        assert!(!same_panel(
            "https://staging.example.com",
            "https://panel.example.com"
        ));
        assert!(!same_panel("sim:a.json", "sim:b.json"));
        assert!(!same_panel("sim:A.json", "sim:a.json"));
    }
}
