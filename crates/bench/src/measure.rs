//! Taking the figures for one fleet size and dialect.

use crate::Args;
use crate::fleet::{self, FleetSize};
use crate::memory::{ChildMemory, child_memory};
use anyhow::{Context, anyhow, ensure};
use roost_engine::{ApplyOptions, Event, Reporter};
use roost_model::{Dialect, Live, Secret};
use roost_panel::{ClientConfig, ExpectedCounts, PanelClient, RateLimit};
use roost_plan::{Action, Options, Plan};
use roost_sim::{Sim, SimConfig, SimHandle};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// argv[1] of the child process that measures roost's own peak memory.
pub const CHILD_FLAG: &str = "--child-plan";

/// A series of measurements of one figure.
#[derive(Debug, Clone, Default)]
pub struct Series(pub Vec<f64>);

impl Series {
    pub fn push(&mut self, v: f64) {
        self.0.push(v);
    }
    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }
    /// The median (the lower middle of an even count), or NaN when empty.
    pub fn median(&self) -> f64 {
        let v = self.sorted();
        v.get(v.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(f64::NAN)
    }
    pub fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }
    pub fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }
}

#[derive(Debug, Clone)]
pub struct Figures {
    pub dialect: Dialect,
    pub size: FleetSize,
    pub m: Measured,
}

/// Everything measured, defaulted until measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub kdl_bytes: usize,
    /// Resources the manifests declare (locations, nodes, allocations, users, servers).
    pub resources: usize,
    pub parse_roost: Series,
    pub parse_kdl: Series,
    pub seed_changes: usize,
    pub seed_requests: u64,
    pub seed_seconds: f64,
    pub refresh_requests: u64,
    pub refresh_floor_requests: u64,
    pub refresh_per_kind: Vec<(String, usize, u64)>,
    pub refresh: Series,
    pub refresh_raw: Series,
    /// Each run's refresh ÷ the raw download right after it.
    pub refresh_ratio: Series,
    pub refresh_raw_bytes: usize,
    /// Against a panel answering every request after [`crate::slow_panel::LATENCY_MS`]:
    /// roost expecting the manifests' counts, roost without, and the bare download.
    pub slow: crate::slow_panel::SlowRefresh,
    pub plan_compute: Series,
    pub plan_e2e: Series,
    pub creates: usize,
    pub apply_off_requests: u64,
    pub apply_off: Series,
    pub limit: u32,
    pub limited_requests: u64,
    /// Requests the panel accepted in its first one-minute window of the run.
    pub limited_ops: Series,
    pub limited_seconds: Series,
    /// Whether the (last) limited run completed within its window.
    pub limited_finished: bool,
    pub limited_waits: usize,
    pub limited_429: usize,
    pub memory_roost: Option<ChildMemory>,
    pub memory_process: f64,
}

fn sources(files: &[(String, String)]) -> roost_manifest::Sources {
    roost_manifest::Sources {
        files: files
            .iter()
            .map(|(n, t)| (n.clone(), Arc::from(t.as_str())))
            .collect(),
    }
}

/// Load, validate and order: what `roost validate` does before anything talks to a panel.
pub(crate) fn load(files: &[(String, String)]) -> anyhow::Result<roost_model::Desired> {
    let manifest = roost_manifest::load(sources(files)).map_err(|e| {
        anyhow!(
            "the generated fleet does not validate:\n{}",
            e.render_plain(100)
        )
    })?;
    let graph = roost_graph::Graph::from_desired(&manifest.desired);
    let order = graph.create_order()?;
    std::hint::black_box(order);
    Ok(manifest.desired)
}

pub(crate) fn plan(desired: &roost_model::Desired, live: &Live) -> anyhow::Result<Plan> {
    roost_plan::plan(desired, live, &Options::default()).map_err(|errors| {
        anyhow!(
            "the planner refused the generated fleet: {}",
            errors
                .iter()
                .take(5)
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

pub(crate) fn client(
    url: &str,
    token: &str,
    dialect: Dialect,
    rate_limit: RateLimit,
    page_size: u32,
) -> anyhow::Result<Arc<PanelClient>> {
    let mut cc = ClientConfig::new(url, Secret::new(token));
    cc.dialect = Some(dialect);
    cc.rate_limit = rate_limit;
    cc.page_size = page_size;
    Ok(Arc::new(PanelClient::new(cc)?))
}

/// Counts the client's waits (rate limit, Retry-After, backoff); otherwise silent.
#[derive(Default)]
struct Quiet {
    waits: std::sync::atomic::AtomicUsize,
}

impl Reporter for Quiet {
    fn report(&self, _: Event) {}
}

async fn apply(
    plan: &Plan,
    client: Arc<PanelClient>,
    parallelism: usize,
) -> anyhow::Result<Duration> {
    let opts = ApplyOptions {
        parallelism,
        secrets: roost_engine::env_and_file_secrets(std::path::PathBuf::from(".")),
        client_api: None,
        install_wait: roost_engine::DEFAULT_INSTALL_WAIT,
        file_cache: None,
        manifests: None,
        power_timeout: roost_engine::DEFAULT_POWER_TIMEOUT,
    };
    apply_with(plan, client, opts).await
}

/// Applies a plan with server-level children: through `api`, files read from `manifests`,
/// checksums recorded in `cache`.
pub async fn apply_with_client(
    plan: &Plan,
    client: Arc<PanelClient>,
    api: roost_panel::ClientApi,
    cache: roost_panel::ChecksumCache,
    manifests: &std::path::Path,
) -> anyhow::Result<Duration> {
    let opts = ApplyOptions {
        parallelism: 4,
        secrets: roost_engine::env_and_file_secrets(manifests.to_path_buf()),
        client_api: Some(api),
        install_wait: roost_engine::DEFAULT_INSTALL_WAIT,
        file_cache: Some(cache),
        manifests: Some(manifests.to_path_buf()),
        power_timeout: roost_engine::DEFAULT_POWER_TIMEOUT,
    };
    apply_with(plan, client, opts).await
}

async fn apply_with(
    plan: &Plan,
    client: Arc<PanelClient>,
    opts: ApplyOptions,
) -> anyhow::Result<Duration> {
    let outcome = roost_engine::apply(plan, client, opts, Arc::new(Quiet::default())).await;
    ensure!(
        outcome.success(),
        "apply failed: {} failed, {} skipped; first: {:?}",
        outcome.failed.len(),
        outcome.skipped.len(),
        outcome.failed.first()
    );
    Ok(outcome.elapsed)
}

/// Peak resident memory of this process so far (since the last [`reset_peak_rss`]), MiB
/// (Linux; 0 elsewhere).
pub fn peak_rss_mib() -> f64 {
    proc_status_mib("VmHWM:")
}

/// Resident memory of this process now, MiB (Linux; 0 elsewhere).
pub(crate) fn rss_mib() -> f64 {
    proc_status_mib("VmRSS:")
}

/// File-backed resident memory of this process now (code and libraries), MiB (Linux).
pub(crate) fn rss_file_mib() -> f64 {
    proc_status_mib("RssFile:")
}

/// Resets this process's peak resident memory to its present size (Linux: `5` to
/// `/proc/self/clear_refs`); elsewhere the peak stays the whole run's.
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn proc_status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

fn restore(sim: &SimHandle, snapshot: &roost_sim::SimState) {
    sim.mutate(|s| *s = snapshot.clone());
    sim.clear_request_log();
}

/// Every figure for one fleet size in one dialect.
pub async fn run(args: &Args, servers: usize, dialect: Dialect) -> anyhow::Result<Figures> {
    let size = FleetSize::for_servers(servers);
    let files = fleet::generate(size, dialect, 0);
    let mut f = Measured {
        kdl_bytes: files.iter().map(|(_, t)| t.len()).sum(),
        ..Measured::default()
    };
    let progress = |what: &str| eprintln!("[{servers} servers, {dialect}] {what}");

    progress("parse");
    let desired = measure_parse(args, size, &files, &mut f)?;

    progress("seed (apply the whole fleet, limit off)");
    let panel = seed(args, dialect, &desired, &mut f).await?;

    progress("refresh, each run paired with a raw download");
    let expected = ExpectedCounts::of(&desired);
    let live = measure_refresh(&panel, expected, &mut f).await?;
    f.refresh_per_kind = refresh_floor(dialect, &live, args.page_size);
    f.refresh_floor_requests = f.refresh_per_kind.iter().map(|k| k.2).sum();

    progress("plan");
    measure_plan(&panel, &files, &desired, live, &mut f).await?;

    if args.memory {
        progress("roost's own peak memory (child process)");
        f.memory_roost = Some(child_memory(
            &panel.url,
            &panel.token,
            dialect,
            servers,
            args.page_size,
        )?);
    }

    // After the figures above, so that its slow runs leave nothing behind in them.
    progress("refresh against a slow panel");
    f.slow = crate::slow_panel::measure(&panel, expected).await?;

    // The create workload: the fleet plus `creates` servers on free allocations.
    let creates = args.creates.min(size.free_allocations());
    f.creates = creates;
    if creates > 0 {
        progress("apply creates, limit off");
        let workload = create_workload(&panel, size, creates).await?;
        let snapshot = panel.sim.state();
        measure_apply_off(&panel, &workload, &snapshot, &mut f).await?;
        measure_apply_limited(&panel, &workload, &snapshot, &progress, &mut f).await?;
        restore(&panel.sim, &snapshot);
    }
    panel.sim.shutdown().await;
    f.memory_process = peak_rss_mib();
    Ok(Figures {
        dialect,
        size,
        m: f,
    })
}

/// The simulator the figures are taken against, seeded with the fleet, and a client of it
/// without a rate limit.
pub(crate) struct Seeded<'a> {
    pub(crate) args: &'a Args,
    dialect: Dialect,
    pub(crate) sim: SimHandle,
    pub(crate) url: String,
    pub(crate) token: String,
    off: Arc<PanelClient>,
}

impl Seeded<'_> {
    /// The URL of every request the simulator logged since its log was last cleared, in order.
    pub(crate) fn logged_urls(&self) -> Vec<String> {
        self.sim
            .request_log()
            .into_iter()
            .map(|r| format!("{}{}", self.url, r.path))
            .collect()
    }

    /// A new client without a rate limit (its dialect probe still to do).
    pub(crate) fn fresh_client(&self) -> anyhow::Result<Arc<PanelClient>> {
        client(
            &self.url,
            &self.token,
            self.dialect,
            RateLimit::Off,
            self.args.page_size,
        )
    }
}

/// Manifest parse + validate + graph, against the kdl crate's parse alone. Returns what the
/// manifests declare.
fn measure_parse(
    args: &Args,
    size: FleetSize,
    files: &[(String, String)],
    f: &mut Measured,
) -> anyhow::Result<roost_model::Desired> {
    let mut desired = None;
    for _ in 0..args.runs {
        let t = Instant::now();
        for (_, text) in files {
            let doc: kdl::KdlDocument = text.parse()?;
            std::hint::black_box(doc);
        }
        f.parse_kdl.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let d = load(files)?;
        f.parse_roost.push(t.elapsed().as_secs_f64());
        desired = Some(d);
    }
    let desired = desired.context("no run")?;
    ensure!(
        desired.servers.len() == size.servers,
        "the generated fleet lost servers"
    );
    f.resources = desired.locations.len()
        + desired.nodes.len()
        + desired.allocations.len()
        + desired.users.len()
        + desired.servers.len();
    Ok(desired)
}

/// Starts the simulator and seeds it by applying the whole fleet with the limit off.
async fn seed<'a>(
    args: &'a Args,
    dialect: Dialect,
    desired: &roost_model::Desired,
    f: &mut Measured,
) -> anyhow::Result<Seeded<'a>> {
    let mut config = SimConfig::new(dialect);
    config.rate_limit = None;
    let sim = Sim::start(config).await?;
    let (url, token) = (sim.url(), sim.token());
    let off = client(&url, &token, dialect, RateLimit::Off, args.page_size)?;
    let empty = off.read_live().await?;
    let seed = plan(desired, &empty)?;
    ensure!(
        seed.changes.iter().all(|c| c.action == Action::Create),
        "the simulator was not empty"
    );
    f.seed_changes = seed.changes.len();
    let before = off.requests_sent();
    f.seed_seconds = apply(&seed, off.clone(), args.parallelism)
        .await?
        .as_secs_f64();
    f.seed_requests = off.requests_sent() - before;
    drop(seed);
    sim.clear_request_log();
    Ok(Seeded {
        args,
        dialect,
        sim,
        url,
        token,
        off,
    })
}

/// Refresh: a fresh client each run (so the dialect probe is counted, as in `roost plan`),
/// expecting what the manifests declare, as `roost plan` does. Returns what the last run read.
async fn measure_refresh(
    panel: &Seeded<'_>,
    expected: ExpectedCounts,
    f: &mut Measured,
) -> anyhow::Result<Live> {
    // Each run reads the panel with roost, then downloads the same pages with a bare client
    // (the URLs roost requested on the first run): the two of a pair are milliseconds apart, so
    // whatever else the machine does weighs on both, and the ratio is taken per pair.
    let mut live = None;
    let mut urls: Vec<String> = Vec::new();
    for run in 0..panel.args.runs {
        panel.sim.clear_request_log();
        let c = panel.fresh_client()?;
        let t = Instant::now();
        let l = c.read_live_expecting(expected).await?;
        let roost = t.elapsed().as_secs_f64();
        f.refresh.push(roost);
        f.refresh_requests = c.requests_sent();
        live = Some(l);
        if run == 0 {
            urls = panel.logged_urls();
            ensure!(
                urls.len() as u64 == f.refresh_requests,
                "the simulator logged {} requests, the client sent {}",
                urls.len(),
                f.refresh_requests
            );
        }
        let bare = reqwest::Client::new();
        let t = Instant::now();
        f.refresh_raw_bytes = raw_download(&bare, &urls, &panel.token).await?;
        let raw = t.elapsed().as_secs_f64();
        f.refresh_raw.push(raw);
        f.refresh_ratio.push(roost / raw);
    }
    ensure!(
        f.refresh_raw_bytes > 1000 * f.refresh_requests as usize,
        "the raw download read only {} bytes",
        f.refresh_raw_bytes
    );
    live.context("no run")
}

/// The floor of a refresh: one listing per kind roost reads, each ceil(objects / page size)
/// pages. Per kind: its name, its objects and the requests the floor needs.
fn refresh_floor(dialect: Dialect, live: &Live, page_size: u32) -> Vec<(String, usize, u64)> {
    let page = page_size.max(1) as usize;
    let pages = |n: usize| n.div_ceil(page).max(1) as u64;
    match dialect {
        Dialect::Pterodactyl => vec![
            (
                "locations".into(),
                live.locations.len(),
                pages(live.locations.len()),
            ),
            (
                "nodes (+allocations)".into(),
                live.nodes.len(),
                pages(live.nodes.len()),
            ),
            ("users".into(), live.users.len(), pages(live.users.len())),
            (
                "servers (+databases)".into(),
                live.servers.len(),
                pages(live.servers.len()),
            ),
            (
                "nests (+eggs)".into(),
                live.nests.len(),
                pages(live.nests.len()),
            ),
        ],
        Dialect::Pelican => vec![
            (
                "nodes (+allocations)".into(),
                live.nodes.len(),
                pages(live.nodes.len()),
            ),
            ("users".into(), live.users.len(), pages(live.users.len())),
            (
                "servers (+databases)".into(),
                live.servers.len(),
                pages(live.servers.len()),
            ),
            // PL `/eggs` is not paginated: one request whatever the count.
            ("eggs".into(), live.eggs.len(), 1),
            ("roles".into(), live.roles.len(), pages(live.roles.len())),
            (
                "database hosts".into(),
                live.database_hosts.len(),
                pages(live.database_hosts.len()),
            ),
        ],
    }
}

/// The plan alone, then load + refresh + plan. live == desired: the "no changes" figures
/// measure the real no-op path or nothing.
async fn measure_plan(
    panel: &Seeded<'_>,
    files: &[(String, String)],
    desired: &roost_model::Desired,
    live: Live,
    f: &mut Measured,
) -> anyhow::Result<()> {
    for _ in 0..panel.args.runs {
        let t = Instant::now();
        let p = plan(desired, &live)?;
        f.plan_compute.push(t.elapsed().as_secs_f64());
        ensure!(
            !p.has_changes(),
            "seeded state differs from the manifests: {} changes, first {:?} {}",
            p.changes.len(),
            p.changes[0].action,
            p.changes[0].address
        );
    }
    drop(live);
    for _ in 0..panel.args.runs {
        let t = Instant::now();
        let d = load(files)?;
        let c = panel.fresh_client()?;
        let l = c.read_live_expecting(ExpectedCounts::of(&d)).await?;
        let p = plan(&d, &l)?;
        f.plan_e2e.push(t.elapsed().as_secs_f64());
        ensure!(!p.has_changes(), "the end-to-end plan has changes");
    }
    panel.sim.clear_request_log();
    Ok(())
}

/// The plan of the create workload: the fleet plus `creates` servers on free allocations,
/// against the seeded panel.
async fn create_workload(
    panel: &Seeded<'_>,
    size: FleetSize,
    creates: usize,
) -> anyhow::Result<Plan> {
    let wfiles = fleet::generate(size, panel.dialect, creates);
    let wdesired = load(&wfiles)?;
    drop(wfiles);
    let wlive = panel.off.read_live().await?;
    let wplan = plan(&wdesired, &wlive)?;
    drop((wdesired, wlive));
    ensure!(
        wplan.changes.len() == creates && wplan.changes.iter().all(|c| c.action == Action::Create),
        "the create workload plans {} changes, not {creates} creates",
        wplan.changes.len()
    );
    Ok(wplan)
}

/// The create workload with the limit off, from `snapshot` each run.
async fn measure_apply_off(
    panel: &Seeded<'_>,
    wplan: &Plan,
    snapshot: &roost_sim::SimState,
    f: &mut Measured,
) -> anyhow::Result<()> {
    let creates = wplan.changes.len();
    for _ in 0..panel.args.runs {
        restore(&panel.sim, snapshot);
        let before = panel.off.requests_sent();
        let t = apply(wplan, panel.off.clone(), panel.args.parallelism).await?;
        f.apply_off.push(creates as f64 / t.as_secs_f64());
        f.apply_off_requests = panel.off.requests_sent() - before;
    }
    Ok(())
}

/// The limited runs: a fresh client (its window empty, its dialect probe part of the run) and
/// the limit sized so the workload needs `windows` windows. The figure is the budget the
/// panel's first one-minute window saw used; the run stops there.
async fn measure_apply_limited(
    panel: &Seeded<'_>,
    wplan: &Plan,
    snapshot: &roost_sim::SimState,
    progress: &dyn Fn(&str),
    f: &mut Measured,
) -> anyhow::Result<()> {
    let args = panel.args;
    let requests = f.apply_off_requests + 1;
    // One window (--quick): headroom, so the panel's low `Remaining` does not slow it.
    let limit = match args.windows {
        1 => requests * 2,
        k => requests.div_ceil(u64::from(k)),
    } as u32;
    f.limit = limit;
    let runs = args.limited_runs.unwrap_or(args.runs);
    for i in 0..runs {
        progress(&format!(
            "apply creates, limit on ({limit}/min), run {} of {runs}{}",
            i + 1,
            if args.windows > 1 { ", one minute" } else { "" }
        ));
        restore(&panel.sim, snapshot);
        let run = limited_run(panel, wplan, limit).await?;
        let log = panel.sim.request_log();
        let accepted = log
            .iter()
            .filter(|r| r.status != 429 && r.status != 0)
            .count();
        f.limited_429 += log.len() - accepted;
        if run.finished {
            ensure!(
                run.requests_sent == requests,
                "the limited run sent {} requests, the unlimited {requests}",
                run.requests_sent
            );
        }
        f.limited_requests = requests;
        f.limited_finished = run.finished;
        f.limited_seconds.push(run.seconds);
        // Within one window, requests accepted in it are its ops/min.
        f.limited_ops.push(accepted as f64);
        f.limited_waits += run.waits;
        panel.sim.set_rate_limit(None);
        // A request cut off by the stop may still be committing in the simulator.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(())
}

/// What one rate-limited run did within the panel's first window.
struct LimitedRun {
    /// Whether it completed within the window.
    finished: bool,
    seconds: f64,
    requests_sent: u64,
    /// The client's waits (rate limit, Retry-After, backoff).
    waits: usize,
}

/// Applies `wplan` with a fresh client limited to `limit` requests a minute, against a panel
/// limited the same, and stops just before the panel's first window closes.
async fn limited_run(panel: &Seeded<'_>, wplan: &Plan, limit: u32) -> anyhow::Result<LimitedRun> {
    let reporter = Arc::new(Quiet::default());
    let waits = reporter.clone();
    let mut cc = ClientConfig::new(panel.url.as_str(), Secret::new(panel.token.as_str()));
    cc.dialect = Some(panel.dialect);
    cc.rate_limit = RateLimit::PerMinute(limit);
    cc.page_size = panel.args.page_size;
    cc.on_wait = Some(roost_panel::WaitObserver::new(move |_| {
        waits
            .waits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }));
    let c = Arc::new(PanelClient::new(cc)?);
    let opts = ApplyOptions {
        parallelism: panel.args.parallelism,
        secrets: roost_engine::env_and_file_secrets(std::path::PathBuf::from(".")),
        client_api: None,
        install_wait: roost_engine::DEFAULT_INSTALL_WAIT,
        file_cache: None,
        manifests: None,
        power_timeout: roost_engine::DEFAULT_POWER_TIMEOUT,
    };
    panel.sim.set_rate_limit(Some(limit));
    let t = Instant::now();
    let run = async {
        c.ensure_dialect().await?;
        let o = roost_engine::apply(wplan, c.clone(), opts, reporter.clone()).await;
        ensure!(
            o.success(),
            "the rate-limited apply failed: {:?}",
            o.failed.first()
        );
        Ok::<(), anyhow::Error>(())
    };
    // The panel's window opened at `set_rate_limit`; sample just before it closes.
    let finished = tokio::select! {
        r = run => { r?; true }
        _ = tokio::time::sleep(WINDOW - Duration::from_millis(500)) => false,
    };
    Ok(LimitedRun {
        finished,
        seconds: t.elapsed().as_secs_f64(),
        requests_sent: c.requests_sent(),
        waits: reporter.waits.load(std::sync::atomic::Ordering::Relaxed),
    })
}

pub(crate) async fn raw_download(
    bare: &reqwest::Client,
    urls: &[String],
    token: &str,
) -> anyhow::Result<usize> {
    let auth = format!("Bearer {token}");
    let get = |u: String| {
        let req = bare
            .get(u)
            .header("Authorization", &auth)
            .header("Accept", "application/json");
        async move { req.send().await?.bytes().await }
    };
    // The dialect probe first, as roost does (on Pelican it is answered 404); then the
    // listings, which must all succeed.
    let Some((probe, rest)) = urls.split_first() else {
        return Ok(0);
    };
    let mut total = get(probe.clone()).await?.len();
    let mut kinds: Vec<(String, Vec<String>)> = Vec::new();
    for u in rest {
        let kind = u.split('?').next().unwrap_or(u).to_string();
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, list)) => list.push(u.clone()),
            None => kinds.push((kind, vec![u.clone()])),
        }
    }
    let mut set = tokio::task::JoinSet::new();
    for (_, list) in kinds {
        let bare = bare.clone();
        let auth = auth.clone();
        set.spawn(async move {
            let mut bytes = 0usize;
            for u in list {
                let body = bare
                    .get(u)
                    .header("Authorization", &auth)
                    .header("Accept", "application/json")
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                bytes += body.len();
            }
            Ok::<usize, reqwest::Error>(bytes)
        });
    }
    while let Some(r) = set.join_next().await {
        total += r??;
    }
    Ok(total)
}
