//! Stamps `roost --version` with the commit and the build date.
//!
//! Works on a clean clone, in a source tarball and where git is not installed: whatever cannot
//! be learnt is "unknown". `ROOST_COMMIT` overrides the commit (packagers building outside git);
//! `SOURCE_DATE_EPOCH` fixes the date (reproducible builds).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=ROOST_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let commit = std::env::var("ROOST_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_string());
    watch_git_head();
    let date = build_epoch()
        .map(date_of)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=ROOST_COMMIT={}", commit.trim());
    println!("cargo:rustc-env=ROOST_BUILD_DATE={date}");
}

/// The program run as git; tests point it at one that does not exist.
const GIT: &str = "git";

fn git(args: &[&str]) -> Option<String> {
    git_with(GIT, args)
}

/// `program ARGS`'s trimmed stdout, or `None` when it cannot run, fails or prints nothing.
pub(crate) fn git_with(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn git_commit() -> Option<String> {
    git(&["rev-parse", "--short=12", "HEAD"])
}

/// Rebuild when the checked-out commit changes (HEAD moves, or the branch it names does). Only
/// existing files are named: Cargo re-runs a script on every build for a missing one.
fn watch_git_head() {
    let mut paths = Vec::new();
    if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
        paths.push(head);
    }
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"])
        .and_then(|branch| git(&["rev-parse", "--git-path", &branch]))
    {
        paths.push(r);
    }
    if let Some(packed) = git(&["rev-parse", "--git-path", "packed-refs"]) {
        paths.push(packed);
    }
    for p in paths {
        if std::path::Path::new(&p).exists() {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    // Without any of the above (no git), the default applies: re-run when the package changes.
    println!("cargo:rerun-if-changed=build.rs");
}

fn build_epoch() -> Option<u64> {
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        return s.trim().parse().ok();
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

/// YYYY-MM-DD (UTC) of a Unix time: the civil-from-days algorithm, to need no date crate.
pub(crate) fn date_of(epoch: u64) -> String {
    let days = (epoch / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
