//! Exit codes: stable, documented, and the same for every command.

/// Success; with `--detailed-exitcode`, also "no changes".
pub const OK: u8 = 0;
/// An error: invalid manifests, an unreachable panel, a failed apply.
pub const ERROR: u8 = 1;
/// `--detailed-exitcode`: the plan has intended changes only.
pub const CHANGES: u8 = 2;
/// `--detailed-exitcode` and `roost drift`: the panel drifted from the manifests.
pub const DRIFT: u8 = 3;
/// `--detailed-exitcode`: intended changes and drift.
pub const CHANGES_AND_DRIFT: u8 = 4;
/// `roost apply PLAN.json`: the panel changed since the plan was made; nothing was applied.
pub const STALE_PLAN: u8 = 5;
/// `roost apply PLAN.json --panel URL`: the plan was made for another panel; nothing was read
/// or applied. Apply it without `--panel`, or make a plan for that panel.
pub const WRONG_PANEL: u8 = 6;
/// Command-line usage error (unknown flag, missing argument); clap's own code.
pub const USAGE: u8 = 64;
/// `roost apply` was interrupted (Ctrl-C): the changes in flight were let finish (or, after a
/// second Ctrl-C or the grace period, left of unknown outcome), nothing else was started.
/// 128 + SIGINT, as shells report a process stopped by Ctrl-C.
pub const INTERRUPTED: u8 = 130;
