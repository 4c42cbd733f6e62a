//! roost's own memory: this binary run again as a child that loads, refreshes and plans
//! against the parent's simulator, reporting its resident memory by phase.

use crate::fleet::{self, FleetSize};
use crate::measure::{
    CHILD_FLAG, client, load, peak_rss_mib, plan, reset_peak_rss, rss_file_mib, rss_mib,
};
use anyhow::{Context, anyhow, ensure};
use roost_model::Dialect;
use roost_panel::{ExpectedCounts, RateLimit};

/// The memory child's figures: its peak resident memory, and the same by phase.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChildMemory {
    /// VmHWM, MiB: roost's own peak, without the simulator's.
    pub peak_rss: f64,
    pub phases: Phases,
}

/// The child's resident memory (MiB) by phase: the peak while loading the manifests and what
/// is resident once loaded, then the same for reading the panel, then the peak while planning.
/// Each phase's peak is measured from the resident size at its start (the kernel's high-water
/// mark is reset between phases), so it includes what the phases before it hold; memory freed
/// but kept by the allocator counts as resident.
#[derive(Debug, Clone, Copy, Default)]
pub struct Phases {
    /// Resident once the process has started, before it reads or generates anything: the
    /// binary, its runtime and libraries, which a fleet of any size pays once.
    pub start: f64,
    /// File-backed resident memory at the end (`RssFile`): the pages of the binary's code and of
    /// its libraries that ran, the same for a fleet of any size.
    pub code_at_end: f64,
    pub load_peak: f64,
    pub after_load: f64,
    pub refresh_peak: f64,
    pub after_refresh: f64,
    pub plan_peak: f64,
}

/// Runs this binary again as a child that plans against the running simulator, and returns
/// the child's peak resident memory: roost's, without the simulator's.
pub(crate) fn child_memory(
    url: &str,
    token: &str,
    dialect: Dialect,
    servers: usize,
    page_size: u32,
) -> anyhow::Result<ChildMemory> {
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
    let said = |key: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key)?.strip_prefix('='))
            .ok_or_else(|| anyhow!("the memory child did not say {key}: {text:?}"))
    };
    let peak_rss = said("peak_mib")?.parse()?;
    let phases: Vec<f64> = said("phases_mib")?
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let [
        start,
        code_at_end,
        load_peak,
        after_load,
        refresh_peak,
        after_refresh,
        plan_peak,
    ] = phases[..]
    else {
        anyhow::bail!("the memory child said {text:?}");
    };
    Ok(ChildMemory {
        peak_rss,
        phases: Phases {
            start,
            code_at_end,
            load_peak,
            after_load,
            refresh_peak,
            after_refresh,
            plan_peak,
        },
    })
}

/// The child: generate the fleet, load it, read the panel, plan (no changes), report VmHWM
/// and the resident memory by phase.
pub fn child_plan(argv: &[String]) -> anyhow::Result<()> {
    let [url, token, dialect, servers, page_size] = argv else {
        anyhow::bail!("{CHILD_FLAG} URL TOKEN DIALECT SERVERS PAGE_SIZE");
    };
    let start = rss_mib();
    let dialect = Dialect::parse(dialect).context("dialect")?;
    let size = FleetSize::for_servers(servers.parse()?);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let files = fleet::generate(size, dialect, 0);
    let desired = load(&files)?;
    let (load_peak, after_load) = (peak_rss_mib(), rss_mib());
    let peak = load_peak;
    reset_peak_rss();
    let c = client(url, token, dialect, RateLimit::Off, page_size.parse()?)?;
    let live = rt.block_on(c.read_live_expecting(ExpectedCounts::of(&desired)))?;
    let (refresh_peak, after_refresh) = (peak_rss_mib(), rss_mib());
    let peak = peak.max(refresh_peak);
    reset_peak_rss();
    let p = plan(&desired, &live)?;
    let plan_peak = peak_rss_mib();
    ensure!(!p.has_changes(), "the child's plan has changes");
    let code_at_end = rss_file_mib();
    println!("peak_mib={}", peak.max(plan_peak));
    println!(
        "phases_mib={start:.1},{code_at_end:.1},{load_peak:.1},{after_load:.1},{refresh_peak:.1},{after_refresh:.1},{plan_peak:.1}"
    );
    Ok(())
}
