//! The refresh against a slow panel: a real panel spends most of a page's time in PHP, so what
//! decides the wall time there is how many requests wait on one another, not decoding. The
//! simulator answers every request after a fixed delay (a sleep, not CPU), and roost's refresh
//! is timed with and without the manifests' counts against the bare download of the same pages,
//! which fetches each kind's pages one after another as a client that learns the page count from
//! page 1 must.

use crate::measure::{Seeded, Series, raw_download};
use roost_panel::ExpectedCounts;
use roost_sim::Faults;
use std::time::Instant;

/// The delay of every answer: about what a PHP panel takes for a page of a few hundred objects.
pub const LATENCY_MS: u64 = 100;

/// Runs of each figure: every run waits on at least as many delays as the listing has pages.
const RUNS: usize = 2;

#[derive(Debug, Clone, Default)]
pub struct SlowRefresh {
    /// `roost plan`'s refresh: the pages the manifests' counts fill requested at once.
    pub expecting: Series,
    /// The refresh without counts (`roost import`'s): page 1 first.
    pub unhinted: Series,
    /// The bare download of the same pages, each kind's pages one after another.
    pub raw: Series,
}

/// The three figures, `RUNS` each; the simulator's faults are cleared afterwards.
pub async fn measure(panel: &Seeded<'_>, expected: ExpectedCounts) -> anyhow::Result<SlowRefresh> {
    panel.sim.set_faults(Faults {
        latency_ms: LATENCY_MS,
        ..Faults::default()
    });
    let result = runs(panel, expected).await;
    panel.sim.set_faults(Faults::default());
    result
}

async fn runs(panel: &Seeded<'_>, expected: ExpectedCounts) -> anyhow::Result<SlowRefresh> {
    let mut out = SlowRefresh::default();
    let mut urls = Vec::new();
    for _ in 0..RUNS {
        for (counts, series) in [
            (expected, &mut out.expecting),
            (ExpectedCounts::default(), &mut out.unhinted),
        ] {
            panel.sim.clear_request_log();
            let c = panel.fresh_client()?;
            let t = Instant::now();
            c.read_live_expecting(counts).await?;
            series.push(t.elapsed().as_secs_f64());
            if urls.is_empty() {
                urls = panel.logged_urls();
            }
        }
        let bare = reqwest::Client::new();
        let t = Instant::now();
        raw_download(&bare, &urls, &panel.token).await?;
        out.raw.push(t.elapsed().as_secs_f64());
    }
    Ok(out)
}
