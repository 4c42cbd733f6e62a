//! Exit codes: stable, documented, and the same for every command.

/// Success; with `--detailed-exitcode`, also "no changes".
pub const OK: u8 = 0;
/// An error: invalid manifests, an unreachable panel, a failed apply.
pub const ERROR: u8 = 1;
/// Command-line usage error (unknown flag, missing argument); clap's own code.
pub const USAGE: u8 = 64;
