//! `roost-bench`: figures, not pass/fail. For each fleet size and dialect it generates a fleet as
//! KDL, seeds the in-process simulator by applying it, and prints one table of medians (with min
//! and max) against a floor or a peer; with several sizes, a scaling table follows.
//!
//!     cargo run --release -p roost-bench -- [--servers N[,N..]] [--scaling] [--runs N] [--quick]
//!
//! `--help` lists every option. A benchmark never fails on a time; it does fail when it would
//! measure the wrong thing (e.g. a "no changes" plan that has changes).

mod fleet;
mod measure;
mod memory;
mod report;
mod server_level;
mod slow_panel;

use roost_model::Dialect;

// roost's allocator, tuned as `roost` tunes it: the figures are those of the binary users run.
#[global_allocator]
static ALLOCATOR: roost_cli::allocator::MiMalloc = roost_cli::allocator::MiMalloc;

#[derive(Debug, Clone)]
pub struct Args {
    pub sizes: Vec<usize>,
    pub runs: usize,
    pub limited_runs: Option<usize>,
    pub dialects: Vec<Dialect>,
    pub creates: usize,
    pub windows: u32,
    pub page_size: u32,
    pub parallelism: usize,
    pub memory: bool,
    /// Servers of the server-level figure (0: skip it).
    pub server_level: usize,
}

const HELP: &str = "roost-bench: roost at fleet scale against the in-process simulator

usage: roost-bench [options]

  --servers N[,N..]   fleet sizes in servers (default 10000); nodes = N/20, allocations = 2.5 N,
                      users = N/2
  --scaling           the sizes 1000,10000,50000
  --runs N            runs per figure (default 5); each figure is the median, with min and max
  --limited-runs N    runs of the rate-limited apply (default: --runs); each takes about
                      (--windows - 1) minutes
  --dialect D         pterodactyl, pelican or both (default both)
  --creates N         servers created by the apply figures (default 1000)
  --windows K         the rate-limited apply is sized to K windows of the limit (default 2)
  --page-size N       per_page of the listings (default: roost's default)
  --parallelism N     changes in flight during apply (default 4, as `roost apply`)
  --no-memory         skip the child process that measures roost's own peak memory
  --server-level N    servers of the server-level figure, each with 2 schedules, 1 subuser and
                      2 files (default 1000; 0 skips it)
  --quick             CI smoke run: 200 servers, 2 runs, 40 creates, 1 window, 20 servers of
                      server-level state";

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        sizes: vec![10_000],
        runs: 5,
        limited_runs: None,
        dialects: vec![Dialect::Pterodactyl, Dialect::Pelican],
        creates: 1000,
        windows: 2,
        page_size: roost_panel::DEFAULT_PAGE_SIZE,
        parallelism: 4,
        memory: true,
        server_level: 1000,
    };
    let mut it = std::env::args().skip(1);
    fn num<T: std::str::FromStr>(flag: &str, v: Option<String>) -> anyhow::Result<T> {
        v.and_then(|v| v.replace('_', "").parse().ok())
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a number"))
    }
    while let Some(a) = it.next() {
        match a.as_str() {
            "--servers" => {
                let v = it
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--servers needs a number"))?;
                args.sizes = v
                    .split(',')
                    .map(|s| num("--servers", Some(s.to_string())))
                    .collect::<anyhow::Result<_>>()?;
            }
            "--scaling" => args.sizes = vec![1_000, 10_000, 50_000],
            "--runs" => args.runs = num("--runs", it.next())?,
            "--limited-runs" => args.limited_runs = Some(num("--limited-runs", it.next())?),
            "--creates" => args.creates = num("--creates", it.next())?,
            "--windows" => args.windows = num("--windows", it.next())?,
            "--page-size" => args.page_size = num("--page-size", it.next())?,
            "--parallelism" => args.parallelism = num("--parallelism", it.next())?,
            "--no-memory" => args.memory = false,
            "--server-level" => args.server_level = num("--server-level", it.next())?,
            "--dialect" => {
                let v = it.next().unwrap_or_default();
                args.dialects = match v.as_str() {
                    "both" => vec![Dialect::Pterodactyl, Dialect::Pelican],
                    d => vec![Dialect::parse(d).ok_or_else(|| {
                        anyhow::anyhow!("--dialect: pterodactyl, pelican or both")
                    })?],
                };
            }
            "--quick" => {
                args.sizes = vec![200];
                args.runs = 2;
                args.limited_runs = Some(1);
                args.creates = 40;
                args.windows = 1;
                args.server_level = 20;
            }
            "-h" | "--help" => {
                println!("{HELP}");
                std::process::exit(0);
            }
            other => anyhow::bail!("unknown argument {other} (see --help)"),
        }
    }
    anyhow::ensure!(args.runs > 0, "--runs must be at least 1");
    anyhow::ensure!(args.windows > 0, "--windows must be at least 1");
    anyhow::ensure!(!args.sizes.is_empty(), "--servers needs a size");
    args.sizes.sort_unstable();
    args.sizes.dedup();
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    roost_cli::allocator::tune();
    // The child that measures roost's own memory: `roost-bench --child-plan ...`.
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some(measure::CHILD_FLAG) {
        return memory::child_plan(&argv[2..]);
    }
    let args = parse_args()?;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "roost-bench: {cores} cores ({}), {} runs per figure ({} of the rate-limited apply), {} build",
        std::env::consts::ARCH,
        args.runs,
        args.limited_runs.unwrap_or(args.runs),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!(
        "figures: median (min–max); simulator and roost share this process and its {cores} cores; page size {}, apply parallelism {}\n",
        args.page_size, args.parallelism
    );
    let mut all = Vec::new();
    for &servers in &args.sizes {
        for &dialect in &args.dialects {
            let figures = rt.block_on(measure::run(&args, servers, dialect))?;
            report::table(&args, &figures);
            all.push(figures);
        }
    }
    if args.sizes.len() > 1 {
        for &dialect in &args.dialects {
            let rows: Vec<&measure::Figures> =
                all.iter().filter(|f| f.dialect == dialect).collect();
            report::scaling(&rows);
        }
    }
    if args.server_level > 0 {
        for &dialect in &args.dialects {
            eprintln!("[server-level, {} servers, {dialect}]", args.server_level);
            let f = rt.block_on(server_level::run(args.server_level, dialect, args.runs))?;
            server_level::print(&f);
        }
    }
    report::notes(&args);
    Ok(())
}
