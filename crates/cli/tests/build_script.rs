//! The build script that stamps `roost --version`: without git (or outside a repository) the
//! commit is unknown rather than a failed build, and dates are computed right.

#[allow(dead_code)]
#[path = "../build.rs"]
mod build;

#[test]
fn without_git_the_commit_is_unknown_not_an_error() {
    assert_eq!(
        build::git_with("/nonexistent/git", &["rev-parse", "HEAD"]),
        None
    );
    // A git that runs but fails (not a repository) is also unknown.
    let outside = std::env::temp_dir();
    let args = [
        "-C",
        outside.to_str().unwrap(),
        "rev-parse",
        "--verify",
        "no-such-ref-xyz",
    ];
    assert_eq!(build::git_with("git", &args), None);
}

#[test]
fn dates_are_civil_utc_dates() {
    assert_eq!(build::date_of(0), "1970-01-01");
    assert_eq!(build::date_of(951_782_400), "2000-02-29");
    assert_eq!(build::date_of(1_709_164_800), "2024-02-29");
    assert_eq!(build::date_of(4_102_444_799), "2099-12-31");
}
