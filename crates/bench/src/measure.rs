//! Taking the figures for one fleet size and dialect.

use crate::Args;
use crate::fleet::{self, FleetSize};
use anyhow::{Context, anyhow, ensure};
use roost_engine::{ApplyOptions, Event, Reporter};
use roost_model::{Dialect, Live, Secret};
use roost_panel::{ClientConfig, PanelClient, RateLimit};
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
    pub refresh_raw_bytes: usize,
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
    pub memory_roost: Option<f64>,
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
fn load(files: &[(String, String)]) -> anyhow::Result<roost_model::Desired> {
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

fn plan(desired: &roost_model::Desired, live: &Live) -> anyhow::Result<Plan> {
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

fn client(
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
    };
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

/// Peak resident memory of this process so far, MiB (Linux; 0 elsewhere).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
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

    // Manifest parse + validate + graph, against the kdl crate's parse alone.
    progress("parse");
    let mut desired = None;
    for _ in 0..args.runs {
        let t = Instant::now();
        for (_, text) in &files {
            let doc: kdl::KdlDocument = text.parse()?;
            std::hint::black_box(doc);
        }
        f.parse_kdl.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let d = load(&files)?;
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

    // Seed the simulator by applying the whole fleet with the limit off.
    progress("seed (apply the whole fleet, limit off)");
    let mut config = SimConfig::new(dialect);
    config.rate_limit = None;
    let sim = Sim::start(config).await?;
    let (url, token) = (sim.url(), sim.token());
    let off = client(&url, &token, dialect, RateLimit::Off, args.page_size)?;
    let empty = off.read_live().await?;
    let seed = plan(&desired, &empty)?;
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

    // Refresh: a fresh client each run (so the dialect probe is counted, as in `roost plan`).
    progress("refresh");
    let mut live = None;
    for _ in 0..args.runs {
        sim.clear_request_log();
        let c = client(&url, &token, dialect, RateLimit::Off, args.page_size)?;
        let t = Instant::now();
        let l = c.read_live().await?;
        f.refresh.push(t.elapsed().as_secs_f64());
        f.refresh_requests = c.requests_sent();
        live = Some(l);
    }
    let live = live.context("no run")?;
    let urls: Vec<String> = sim
        .request_log()
        .into_iter()
        .map(|r| format!("{url}{}", r.path))
        .collect();
    ensure!(
        urls.len() as u64 == f.refresh_requests,
        "the simulator logged {} requests, the client sent {}",
        urls.len(),
        f.refresh_requests
    );
    // The floor: one listing per kind roost reads, each ceil(objects / page size) pages.
    let page = args.page_size.max(1) as usize;
    let pages = |n: usize| n.div_ceil(page).max(1) as u64;
    f.refresh_per_kind = match dialect {
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
    };
    f.refresh_floor_requests = f.refresh_per_kind.iter().map(|k| k.2).sum();

    // The raw floor: the same URLs, same access pattern (kinds at once, pages of one kind in
    // turn), with a bare reqwest client that reads the bytes and decodes nothing.
    progress("refresh, raw download");
    for _ in 0..args.runs {
        let bare = reqwest::Client::new();
        let t = Instant::now();
        f.refresh_raw_bytes = raw_download(&bare, &urls, &token).await?;
        f.refresh_raw.push(t.elapsed().as_secs_f64());
    }
    ensure!(
        f.refresh_raw_bytes > 1000 * f.refresh_requests as usize,
        "the raw download read only {} bytes",
        f.refresh_raw_bytes
    );

    // live == desired: the "no changes" figures measure the real no-op path or nothing.
    progress("plan");
    for _ in 0..args.runs {
        let t = Instant::now();
        let p = plan(&desired, &live)?;
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
    for _ in 0..args.runs {
        let t = Instant::now();
        let d = load(&files)?;
        let c = client(&url, &token, dialect, RateLimit::Off, args.page_size)?;
        let l = c.read_live().await?;
        let p = plan(&d, &l)?;
        f.plan_e2e.push(t.elapsed().as_secs_f64());
        ensure!(!p.has_changes(), "the end-to-end plan has changes");
    }
    sim.clear_request_log();

    if args.memory {
        progress("roost's own peak memory (child process)");
        f.memory_roost = Some(child_memory(
            &url,
            &token,
            dialect,
            servers,
            args.page_size,
        )?);
    }

    // The create workload: the fleet plus `creates` servers on free allocations.
    let creates = args.creates.min(size.free_allocations());
    f.creates = creates;
    if creates > 0 {
        progress("apply creates, limit off");
        let wfiles = fleet::generate(size, dialect, creates);
        let wdesired = load(&wfiles)?;
        drop(wfiles);
        let snapshot = sim.state();
        let wlive = off.read_live().await?;
        let wplan = plan(&wdesired, &wlive)?;
        drop((wdesired, wlive));
        ensure!(
            wplan.changes.len() == creates
                && wplan.changes.iter().all(|c| c.action == Action::Create),
            "the create workload plans {} changes, not {creates} creates",
            wplan.changes.len()
        );
        for _ in 0..args.runs {
            restore(&sim, &snapshot);
            let before = off.requests_sent();
            let t = apply(&wplan, off.clone(), args.parallelism).await?;
            f.apply_off.push(creates as f64 / t.as_secs_f64());
            f.apply_off_requests = off.requests_sent() - before;
        }
        // The limited runs: a fresh client (its window empty, its dialect probe part of the
        // run) and the limit sized so the workload needs `windows` windows. The figure is the
        // budget the panel's first one-minute window saw used; the run stops there.
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
            restore(&sim, &snapshot);
            let reporter = Arc::new(Quiet::default());
            let waits = reporter.clone();
            let mut cc = ClientConfig::new(url.as_str(), Secret::new(token.as_str()));
            cc.dialect = Some(dialect);
            cc.rate_limit = RateLimit::PerMinute(limit);
            cc.page_size = args.page_size;
            cc.on_wait = Some(roost_panel::WaitObserver::new(move |_| {
                waits
                    .waits
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }));
            let c = Arc::new(PanelClient::new(cc)?);
            let opts = ApplyOptions {
                parallelism: args.parallelism,
                secrets: roost_engine::env_and_file_secrets(std::path::PathBuf::from(".")),
            };
            sim.set_rate_limit(Some(limit));
            let t = Instant::now();
            let run = async {
                c.ensure_dialect().await?;
                let o = roost_engine::apply(&wplan, c.clone(), opts, reporter.clone()).await;
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
            let secs = t.elapsed().as_secs_f64();
            let log = sim.request_log();
            let accepted = log
                .iter()
                .filter(|r| r.status != 429 && r.status != 0)
                .count();
            f.limited_429 += log.len() - accepted;
            if finished {
                ensure!(
                    c.requests_sent() == requests,
                    "the limited run sent {} requests, the unlimited {requests}",
                    c.requests_sent()
                );
            }
            f.limited_requests = requests;
            f.limited_finished = finished;
            f.limited_seconds.push(secs);
            // Within one window, requests accepted in it are its ops/min.
            f.limited_ops.push(accepted as f64);
            f.limited_waits += reporter.waits.load(std::sync::atomic::Ordering::Relaxed);
            sim.set_rate_limit(None);
            // A request cut off by the stop may still be committing in the simulator.
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        restore(&sim, &snapshot);
    }
    sim.shutdown().await;
    f.memory_process = peak_rss_mib();
    Ok(Figures {
        dialect,
        size,
        m: f,
    })
}

async fn raw_download(
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

/// Runs this binary again as a child that plans against the running simulator, and returns
/// the child's peak resident memory: roost's, without the simulator's.
fn child_memory(
    url: &str,
    token: &str,
    dialect: Dialect,
    servers: usize,
    page_size: u32,
) -> anyhow::Result<f64> {
    let exe = std::env::current_exe()?;
    let out = std::process::Command::new(exe)
        .args([
            CHILD_FLAG,
            url,
            token,
            dialect.as_str(),
            &servers.to_string(),
            &page_size.to_string(),
        ])
        .output()?;
    ensure!(
        out.status.success(),
        "the memory child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("peak_mib=")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow!("the memory child said {text:?}"))
}

/// The child: generate the fleet, load it, read the panel, plan (no changes), report VmHWM.
pub fn child_plan(argv: &[String]) -> anyhow::Result<()> {
    let [url, token, dialect, servers, page_size] = argv else {
        anyhow::bail!("{CHILD_FLAG} URL TOKEN DIALECT SERVERS PAGE_SIZE");
    };
    let dialect = Dialect::parse(dialect).context("dialect")?;
    let size = FleetSize::for_servers(servers.parse()?);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let files = fleet::generate(size, dialect, 0);
    let desired = load(&files)?;
    let c = client(url, token, dialect, RateLimit::Off, page_size.parse()?)?;
    let live = rt.block_on(c.read_live())?;
    let p = plan(&desired, &live)?;
    ensure!(!p.has_changes(), "the child's plan has changes");
    println!("peak_mib={}", peak_rss_mib());
    Ok(())
}
