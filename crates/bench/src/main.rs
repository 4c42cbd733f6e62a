//! `roost-bench`: figures, not pass/fail. Prints a table of medians (with min and max).
//!
//!     cargo run --release -p roost-bench -- [--servers N] [--runs N] [--quick]

mod fleet;

use std::time::{Duration, Instant};

struct Args {
    servers: usize,
    runs: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        servers: 10_000,
        runs: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--servers" => {
                args.servers = it
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--servers needs a number"))?
                    .parse()?
            }
            "--runs" => {
                args.runs = it
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--runs needs a number"))?
                    .parse()?
            }
            "--quick" => {
                args.servers = 500;
                args.runs = 2;
            }
            "-h" | "--help" => {
                println!("roost-bench [--servers N] [--runs N] [--quick]");
                std::process::exit(0);
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

/// Median, min and max of a series of timings.
fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let s = |d: Duration| d.as_secs_f64();
    (s(v[v.len() / 2]), s(v[0]), s(v[v.len() - 1]))
}

/// Peak resident memory of this process so far, MiB (Linux; 0 elsewhere).
fn peak_rss_mib() -> f64 {
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

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let size = fleet::FleetSize::for_servers(args.servers);
    let files = fleet::generate(size);
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!("roost-bench: {cores} cores, {} runs per figure", args.runs);
    println!(
        "fleet: {} servers, {} nodes, {} allocations, {} users; {} files, {:.1} MiB of KDL\n",
        size.servers,
        size.nodes,
        size.allocations,
        size.users,
        files.len(),
        bytes as f64 / (1024.0 * 1024.0)
    );

    let sources = roost_manifest::Sources {
        files: files
            .iter()
            .map(|(n, t)| (n.clone(), std::sync::Arc::from(t.as_str())))
            .collect(),
    };

    let mut kdl_only = Vec::new();
    let mut roost_total = Vec::new();
    for _ in 0..args.runs {
        let t = Instant::now();
        for (_, text) in &files {
            let doc: kdl::KdlDocument = text.parse()?;
            std::hint::black_box(doc);
        }
        kdl_only.push(t.elapsed());

        let t = Instant::now();
        let manifest = roost_manifest::load(sources.clone())
            .map_err(|e| anyhow::anyhow!("{}", e.render_plain(100)))?;
        let graph = roost_graph::Graph::from_desired(&manifest.desired);
        let order = graph.create_order()?;
        std::hint::black_box(order);
        roost_total.push(t.elapsed());
        anyhow::ensure!(
            manifest.desired.servers.len() == size.servers,
            "the generated fleet lost servers"
        );
    }
    let (k, kmin, kmax) = stats(kdl_only);
    let (r, rmin, rmax) = stats(roost_total);
    println!("| figure | roost | floor / peer | ratio |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| manifest parse + validate + graph (s) | {r:.3} (min {rmin:.3}, max {rmax:.3}) | kdl parse alone {k:.3} (min {kmin:.3}, max {kmax:.3}) | {:.2}x (target <= 2x) |",
        r / k
    );
    println!("| peak memory (MiB) | {:.0} | | |", peak_rss_mib());
    Ok(())
}
