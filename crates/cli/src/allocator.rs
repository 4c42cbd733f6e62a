//! The allocator roost runs on: mimalloc, told to hand freed memory back to the system at once.
//!
//! Why not the system allocator: a plan of a large fleet is millions of small allocations
//! (strings of the manifests, the panel's pages, the plan's diff), and glibc's malloc spent about
//! a fifth of a 50,000-server plan in `malloc`/`free` and their consolidation (perf). On
//! roost-bench (quiet 2-core machine, medians of 3), mimalloc took plan compute from 0.26–0.28 s
//! to 0.20–0.22 s at 10,000 servers and from 1.74–1.79 s to 1.26–1.29 s at 50,000, and the
//! no-change plan at 50,000 from 4.5–4.9 s to 3.9–4.0 s; a 1,000-server load got slower, 14 to
//! 21 ms (memory handed back and touched again; issue 17, `crates/bench/RESULTS.md`).
//!
//! Its defaults cost memory instead: freed pages kept for reuse and transparent huge pages
//! (2 MiB resident at a time) made the peak of that 10,000-server plan 118–127 MiB instead of
//! glibc's 85, because loading the manifests frees more than it keeps. Huge pages are off at
//! build time (the `no_thp` feature, `Cargo.toml`), which alone left 117 MiB; [`tune`] returns
//! freed memory at once: 83 MiB, at the price of the slower small load above.
//!
//! `roost-bench` runs on the same allocator, tuned the same way, so its figures are roost's.

use std::ffi::{c_int, c_long};

pub use mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc v3's `mi_option_e` (`mimalloc.h`): whether arena
/// memory is committed when it is reserved.
const ARENA_EAGER_COMMIT: c_int = 4;
/// `mi_option_purge_delay`: milliseconds before freed memory is returned (0: at once).
const PURGE_DELAY: c_int = 15;

#[allow(unsafe_code)]
mod ffi {
    use std::ffi::{c_int, c_long};

    // Linked by the `mimalloc` crate (its `libmimalloc-sys`), which does not bind the options
    // of mimalloc v3.
    unsafe extern "C" {
        pub(super) fn mi_option_set(option: c_int, value: c_long);
    }

    pub(super) fn set(option: c_int, value: c_long) {
        // SAFETY: `mi_option_set` stores an integer in mimalloc's option table; it takes no
        // pointer, and any option number or value is accepted (an unknown one is ignored).
        unsafe { mi_option_set(option, value) }
    }
}

/// Sets mimalloc's options for roost. Called first thing in `main`, before any work.
pub fn tune() {
    ffi::set(PURGE_DELAY, 0 as c_long);
    ffi::set(ARENA_EAGER_COMMIT, 0 as c_long);
}

#[cfg(test)]
mod tests {
    use super::{ARENA_EAGER_COMMIT, PURGE_DELAY};
    use std::path::PathBuf;

    /// The numbers of mimalloc's options, as `mimalloc.h` of the locked `libmimalloc-sys`
    /// declares them (read where cargo unpacked the package): an update that renumbers them
    /// fails here, not silently in users' memory.
    #[test]
    fn the_option_numbers_are_those_of_the_vendored_header() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
        let version = lock
            .split("\n\n")
            .find(|p| p.contains("name = \"libmimalloc-sys\""))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
            .and_then(|v| v.strip_suffix('"'))
            .expect("libmimalloc-sys in Cargo.lock");
        let home = std::env::var_os("CARGO_HOME").map_or_else(
            || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
            PathBuf::from,
        );
        let header = std::fs::read_dir(home.join("registry/src"))
            .expect("cargo's registry")
            .filter_map(Result::ok)
            .map(|d| {
                d.path().join(format!(
                    "libmimalloc-sys-{version}/c_src/mimalloc/v3/include/mimalloc.h"
                ))
            })
            .find(|p| p.is_file())
            .expect("mimalloc.h of the locked libmimalloc-sys, unpacked by cargo to build roost");
        let text = std::fs::read_to_string(&header).expect("mimalloc.h");
        let body = text
            .split("typedef enum mi_option_e {")
            .nth(1)
            .and_then(|t| t.split("_mi_option_last").next())
            .expect("the mi_option_e enum");
        let names: Vec<&str> = body
            .lines()
            .map(|l| l.split("//").next().unwrap_or("").trim())
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        let number = |name: &str| names.iter().position(|n| *n == name);
        assert_eq!(
            number("mi_option_arena_eager_commit"),
            Some(ARENA_EAGER_COMMIT as usize)
        );
        assert_eq!(number("mi_option_purge_delay"), Some(PURGE_DELAY as usize));
    }
}
