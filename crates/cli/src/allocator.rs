//! The allocator roost runs on: mimalloc, told to hand freed memory back to the system at once.
//!
//! Why not the system allocator: a plan of a large fleet is millions of small allocations
//! (strings of the manifests, the panel's pages, the plan's diff), and glibc's malloc spent about
//! a fifth of a 50,000-server plan in `malloc`/`free` and their consolidation (perf). On
//! roost-bench at 10,000 servers mimalloc took plan compute from 0.27–0.30 s to 0.20 s; at
//! 50,000, the no-change plan from 6.1 s to 4.0 s (issue 17; `crates/bench/RESULTS.md`).
//!
//! Its defaults cost memory instead: freed pages kept for reuse and transparent huge pages
//! (2 MiB resident at a time) made the peak of that 10,000-server plan 118–127 MiB instead of
//! glibc's 85, because loading the manifests frees more than it keeps. Huge pages are off at
//! build time (the `no_thp` feature, `Cargo.toml`); [`tune`] returns freed memory at once: 83 MiB.
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
