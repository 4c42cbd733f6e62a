//! `roost drift`: read-only report of where the panel differs from the manifests.

use crate::connect::{BoxDiag, ConnectOptions, connect, panel_error};
use crate::exit;
use crate::output;
use crate::planning::{self, Format};
use roost_plan::Options;
use roost_plan::drift::DriftReport;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct DriftArgs {
    /// Directory of *.kdl manifests.
    pub dir: PathBuf,
    /// Panel URL, or sim:PATH for the embedded simulator with its state in PATH.
    #[arg(long)]
    pub panel: Option<String>,
    /// Output format of the report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Ignore an attribute for this run: ADDRESS.FIELD or KIND.*.FIELD. Repeatable.
    #[arg(long = "ignore")]
    pub ignore: Vec<String>,
    /// Requests per minute to stay under (0 = off); default: the panel's limit.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// per_page of the panel listings.
    #[arg(long)]
    pub page_size: Option<u32>,
}

/// Exit 0 in sync, 3 drifted, 1 on error.
pub async fn run(args: DriftArgs) -> Result<u8, BoxDiag> {
    let manifest = planning::load(&args.dir)?;
    let ignore = planning::parse_ignores(&args.ignore)?;
    let waits = crate::waits::WaitLine::new();
    let copts = ConnectOptions {
        panel: args.panel.clone(),
        rate_limit: args.rate_limit,
        page_size: args.page_size,
        on_wait: Some(waits.observer()),
        read_only: true,
    };
    let panel = connect(&copts, Some(&manifest)).await?;
    let expected = roost_panel::ExpectedCounts::of(&manifest.desired);
    let live = panel.client.read_live_expecting(expected).await;
    let mut live = match live {
        Ok(l) => l,
        Err(e) => {
            panel.close().await;
            return Err(panel_error(e));
        }
    };
    let server_level = planning::read_server_level(&panel, &manifest.desired, &mut live).await;
    waits.clear();
    let label = panel.label.clone();
    panel.close().await;
    server_level?;
    let mut plan = roost_plan::plan(
        &manifest.desired,
        &live,
        &Options {
            ignore,
            secrets: planning::read_secrets(&args.dir, &manifest.desired, None),
            ..Options::default()
        },
    )
    .map_err(|e| planning::plan_errors(&manifest, e))?;
    plan.panel = Some(label);
    let report = DriftReport::from_plan(&plan);
    let text = match args.format {
        Format::Text => report.text(),
        Format::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        Format::Markdown => report.markdown(),
    };
    output::stdout(&text);
    Ok(if report.in_sync {
        exit::OK
    } else {
        exit::DRIFT
    })
}
