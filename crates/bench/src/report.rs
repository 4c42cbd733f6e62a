//! Printing the figures: one table per fleet size and dialect, then how each figure grows.

use crate::Args;
use crate::measure::{Figures, Series};

/// Thousands separators: 25000 → "25,000".
pub fn n(v: impl Into<u64>) -> String {
    let s = v.into().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn num(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 0.1 {
        format!("{v:.3}")
    } else {
        format!("{v:.4}")
    }
}

/// "median (min–max)"
fn s(x: &Series) -> String {
    if x.0.is_empty() {
        return "–".into();
    }
    format!("{} ({}–{})", num(x.median()), num(x.min()), num(x.max()))
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

pub fn table(args: &Args, f: &Figures) {
    let m = &f.m;
    let z = &f.size;
    println!(
        "## {} servers, {} ({} nodes, {} allocations, {} users; {} resources, {:.1} MiB of KDL in 5 files)\n",
        n(z.servers as u64),
        f.dialect,
        n(z.nodes as u64),
        n(z.declared_allocations() as u64),
        n(z.users as u64),
        n(m.resources as u64),
        m.kdl_bytes as f64 / (1024.0 * 1024.0)
    );
    println!("| figure | roost | floor / peer | ratio |");
    println!("| --- | --- | --- | --- |");
    let parse = m.parse_roost.median() / m.parse_kdl.median();
    println!(
        "| manifest parse + validate + graph (s) | {} | `kdl` crate parse alone: {} | {:.2}× (target ≤ 0.5×: {}) |",
        s(&m.parse_roost),
        s(&m.parse_kdl),
        parse,
        verdict(parse <= 0.5)
    );
    let kinds: Vec<String> = m
        .refresh_per_kind
        .iter()
        .map(|(k, c, p)| format!("{k} {} → {p}", n(*c as u64)))
        .collect();
    println!(
        "| refresh requests | {} (1 dialect probe + listings) | Σ ceil(objects / {}) = {} ({}); one GET per resource (Terraform-style): {} | {:.2}× the floor; {:.4}× the per-resource count |",
        m.refresh_requests,
        args.page_size,
        m.refresh_floor_requests,
        kinds.join(", "),
        n(m.resources as u64),
        m.refresh_requests as f64 / m.refresh_floor_requests as f64,
        m.refresh_requests as f64 / m.resources as f64,
    );
    let refresh = m.refresh_ratio.median();
    println!(
        "| refresh wall time (s) | {} | raw download of the same {} pages ({:.1} MiB), bare reqwest, no decoding, right after each refresh: {} | {:.2}× ({:.2}–{:.2}, per pair; target ≤ 1.3×: {}) |",
        s(&m.refresh),
        m.refresh_requests,
        m.refresh_raw_bytes as f64 / (1024.0 * 1024.0),
        s(&m.refresh_raw),
        refresh,
        m.refresh_ratio.min(),
        m.refresh_ratio.max(),
        verdict(refresh <= 1.3)
    );
    let slow = &m.slow;
    println!(
        "| refresh against a panel answering each request in {} ms (s) | {}; without the manifests' counts (page 1 first): {} | the same pages, each kind's one after another: {} | {:.2}× ({:.2}× without the counts) |",
        crate::slow_panel::LATENCY_MS,
        s(&slow.expecting),
        s(&slow.unhinted),
        s(&slow.raw),
        slow.expecting.median() / slow.raw.median(),
        slow.unhinted.median() / slow.raw.median(),
    );
    println!("| plan compute (s), no IO | {} | | |", s(&m.plan_compute));
    let e2e_target = match z.servers {
        10_000 => format!("target ≤ 1.0 s: {}", verdict(m.plan_e2e.median() <= 1.0)),
        50_000 => format!("target ≤ 6 s: {}", verdict(m.plan_e2e.median() <= 6.0)),
        _ => "targets at 10k and 50k".to_string(),
    };
    println!(
        "| plan with no changes, end to end (s) | {} | load + refresh + plan, fresh client | {e2e_target} |",
        s(&m.plan_e2e)
    );
    if m.creates > 0 {
        let pct = m.limited_ops.median() / f64::from(m.limit) * 100.0;
        println!(
            "| apply {} creates with the rate limit on: ops/min | {} (requests the panel accepted in the run's first minute; the workload is {} requests; {}; {} rate-limit waits, {} answers 429) | the configured limit: {}/min on client and simulator | {:.1}% (target ≥ 95%: {}) |",
            n(m.creates as u64),
            s(&m.limited_ops),
            m.limited_requests,
            if m.limited_finished {
                format!("finished in {} s", s(&m.limited_seconds))
            } else {
                "stopped at the end of that minute".to_string()
            },
            m.limited_waits,
            m.limited_429,
            n(m.limit),
            pct,
            if args.windows == 1 {
                "n/a, one window with headroom: a smoke run"
            } else {
                verdict(pct >= 95.0)
            }
        );
        println!(
            "| apply with the limit off: changes/s | {} ({} creates, {} requests each run) | | |",
            s(&m.apply_off),
            n(m.creates as u64),
            m.apply_off_requests
        );
    }
    println!(
        "| apply the whole fleet from empty, limit off: changes/s (1 run, the seed) | {} ({} changes, {} requests in {} s) | | |",
        num(m.seed_changes as f64 / m.seed_seconds),
        n(m.seed_changes as u64),
        n(m.seed_requests),
        num(m.seed_seconds)
    );
    match m.memory_roost {
        Some(mem) => {
            let per_server = mem.peak_rss * 1024.0 / z.servers as f64;
            println!(
                "| peak memory (MiB), roost alone: load + refresh + plan in a child process | {:.0} ({per_server:.1} KiB per server) | | target ≤ 10 KiB per server: {} |",
                mem.peak_rss,
                verdict(per_server <= 10.0)
            );
            let h = mem.phases;
            println!(
                "| its resident memory by phase (MiB) | started: {:.0}; load: peak {:.0}, after {:.0}; refresh: peak {:.0}, after {:.0}; plan: peak {:.0} | | |",
                h.start, h.load_peak, h.after_load, h.refresh_peak, h.after_refresh, h.plan_peak
            );
            let data = mem.peak_rss - h.code_at_end;
            println!(
                "| … of which code (MiB): the binary's and libraries' pages that ran (file-backed) | {:.0} | data, the rest: {data:.0} MiB ({:.1} KiB per server) | |",
                h.code_at_end,
                data * 1024.0 / z.servers as f64
            );
        }
        None => println!("| peak memory (MiB), roost alone | not measured (--no-memory) | | |"),
    }
    println!(
        "| peak memory (MiB), this whole process so far (simulator + fleet + bench) | {:.0} | | |",
        m.memory_process
    );
    println!();
}

/// One figure across sizes.
struct Row {
    name: &'static str,
    values: Vec<f64>,
    /// Cost grows with the value (times, counts, memory); rates are inverted.
    rate: bool,
}

pub fn scaling(figs: &[&Figures]) {
    let Some(first) = figs.first() else { return };
    let rows = vec![
        Row {
            name: "manifest parse + validate + graph (s)",
            values: figs.iter().map(|f| f.m.parse_roost.median()).collect(),
            rate: false,
        },
        Row {
            name: "`kdl` crate parse alone (s)",
            values: figs.iter().map(|f| f.m.parse_kdl.median()).collect(),
            rate: false,
        },
        Row {
            name: "refresh requests",
            values: figs.iter().map(|f| f.m.refresh_requests as f64).collect(),
            rate: false,
        },
        Row {
            name: "refresh wall time (s)",
            values: figs.iter().map(|f| f.m.refresh.median()).collect(),
            rate: false,
        },
        Row {
            name: "raw download of the same pages (s)",
            values: figs.iter().map(|f| f.m.refresh_raw.median()).collect(),
            rate: false,
        },
        Row {
            name: "plan compute (s), no IO",
            values: figs.iter().map(|f| f.m.plan_compute.median()).collect(),
            rate: false,
        },
        Row {
            name: "plan with no changes, end to end (s)",
            values: figs.iter().map(|f| f.m.plan_e2e.median()).collect(),
            rate: false,
        },
        Row {
            name: "apply creates, limit on: ops/min (fixed workload)",
            values: figs.iter().map(|f| f.m.limited_ops.median()).collect(),
            rate: true,
        },
        Row {
            name: "apply creates, limit off: changes/s (fixed workload)",
            values: figs.iter().map(|f| f.m.apply_off.median()).collect(),
            rate: true,
        },
        Row {
            name: "apply the whole fleet from empty: changes/s",
            values: figs
                .iter()
                .map(|f| f.m.seed_changes as f64 / f.m.seed_seconds)
                .collect(),
            rate: true,
        },
        Row {
            name: "peak memory (MiB), roost alone",
            values: figs
                .iter()
                .map(|f| f.m.memory_roost.map_or(f64::NAN, |m| m.peak_rss))
                .collect(),
            rate: false,
        },
    ];
    println!("## Scaling, {}\n", first.dialect);
    println!(
        "Growth is the figure's cost per server from one size to the next: 1.00 is linear, values well above 1 at every step mean superlinear. For rates (per s, per min) the cost is 1 ÷ rate per change; the create workloads are the same size at every fleet size, so for them 1.00 means the fleet's size does not slow a change.\n"
    );
    let mut header = String::from("| figure |");
    let mut rule = String::from("| --- |");
    for f in figs {
        header.push_str(&format!(" {} servers |", n(f.size.servers as u64)));
        rule.push_str(" --- |");
    }
    for w in figs.windows(2) {
        header.push_str(&format!(
            " growth {}→{} |",
            short(w[0].size.servers),
            short(w[1].size.servers)
        ));
        rule.push_str(" --- |");
    }
    println!("{header}\n{rule}");
    for r in rows {
        let mut line = format!("| {} |", r.name);
        for v in &r.values {
            line.push_str(&format!(" {} |", num(*v)));
        }
        for (i, w) in r.values.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            let servers = figs[i + 1].size.servers as f64 / figs[i].size.servers as f64;
            let g = if r.rate {
                // Same work at both sizes: time per change b/a.
                a / b
            } else {
                (b / a) / servers
            };
            line.push_str(&format!(" {} |", num(g)));
        }
        println!("{line}");
    }
    println!();
}

fn short(servers: usize) -> String {
    if servers >= 1000 && (servers / 1000) * 1000 == servers {
        format!("{}k", servers / 1000)
    } else {
        servers.to_string()
    }
}

pub fn notes(args: &Args) {
    println!("Notes:");
    println!(
        "- Refresh requests count what the client sent: 1 dialect probe (`GET /nests?per_page=1`), then every page of every listing; the floor leaves the probe out. The per-resource count is what a provider that reads each resource with its own GET would send: one per location, node, allocation, user and server."
    );
    println!(
        "- Rate-limited apply: the panels count requests in one-minute windows and roost's limiter in a sliding minute, so a run at the real 240/min takes minutes. The limit is instead set, on the client and the simulator alike, to the workload's requests ÷ {} (--windows), so the workload cannot fit in one window. ops/min is what the panel accepted in the run's first full minute (its first window): a client that wastes no budget gets exactly the limit; waiting too long, or too little (429s), shows as less. Requests ÷ wall time would mislead here: a sliding window lets a minute's budget go out as one burst. With --windows 1 (--quick) the limit is twice the workload, which fits in the first window: the figure only proves the path works.",
        args.windows
    );
    println!(
        "- The seed applies the whole fleet to an empty simulator with the limit off; a plan against the result must have no changes, or the benchmark stops. Every create workload starts from a snapshot of that seeded state."
    );
    println!(
        "- Peak memory, roost alone: a child process (this binary again) loads the manifests, reads the panel over HTTP from the parent's simulator and plans; its VmHWM is roost's own peak for `roost plan` on this fleet. By phase: the resident size once started (before anything is read), the peak resident size while loading, reading the panel and planning (the kernel's high-water mark reset between phases, so a phase's peak includes what the phases before it hold; memory freed but kept by the allocator counts as resident), and the resident size after each. Code: the file-backed part of the resident memory at the end (the pages of the binary and its libraries that ran; the same for any fleet, shared with other processes running them, and dropped by the kernel before any data when memory is short); data, the peak less that. The whole-process figure also holds the simulator's copy of the fleet and the bench's."
    );
    println!("- A benchmark, not a test: it fails only when it would measure the wrong thing.");
}
