//! `roost show PLAN.json`: a saved plan rendered as `roost plan` renders it, without a panel
//! (for a PR comment made from the artifact a pipeline saved).

use crate::connect::BoxDiag;
use crate::planning::{self, Format};
use crate::{exit, output};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// A plan saved with `roost plan -o FILE`.
    pub plan: PathBuf,
    /// Output format of the plan.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Show the API calls of every change.
    #[arg(short, long)]
    pub verbose: bool,
}

pub fn run(args: ShowArgs) -> Result<u8, BoxDiag> {
    let plan = crate::applying::read_saved_plan(&args.plan)?;
    output::stdout(&planning::render(&plan, args.format, args.verbose));
    Ok(exit::OK)
}
