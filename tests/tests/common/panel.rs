//! A simulator per test, and `roost-test` run against it.

use super::cli::{Run, command};
use roost_sim::{Dialect, LoggedRequest, Sim, SimConfig, SimHandle, SimState};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A simulator on its own runtime; the test thread stays free to block on `roost-test`.
pub struct Panel {
    pub sim: SimHandle,
    rt: tokio::runtime::Runtime,
    /// Whether roost runs with the admin's client key in `ROOST_CLIENT_TOKEN` (needed by
    /// manifests with schedules or subusers); off by default, as for a user who has none.
    client_key: std::sync::atomic::AtomicBool,
    /// roost's file checksum cache for this panel alone: another test's simulator may get the
    /// same port, server uuids and clock, so a shared cache could answer for it.
    cache: tempfile::TempDir,
}

impl Panel {
    /// A stock panel of `dialect` (eggs, the admin who owns the API key), no rate limit.
    pub fn start(dialect: Dialect) -> Panel {
        let mut config = SimConfig::new(dialect);
        config.rate_limit = None;
        Panel::with(config)
    }

    pub fn with(config: SimConfig) -> Panel {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let sim = rt
            .block_on(Sim::start(config))
            .expect("the simulator starts");
        // roost reads servers right after creating them; snapshots want them installed at
        // once rather than after the simulator's (wall-clock) install time.
        sim.mutate(|s| s.settings.install_ms = 0);
        Panel {
            sim,
            rt,
            client_key: Default::default(),
            cache: tempfile::tempdir().expect("a cache directory"),
        }
    }

    /// A stock panel whose every roost run has the admin's client key (server-level kinds).
    pub fn with_client_key(dialect: Dialect) -> Panel {
        let panel = Panel::start(dialect);
        panel.use_client_key();
        panel
    }

    /// From now on roost runs with the admin's client key in `ROOST_CLIENT_TOKEN`.
    pub fn use_client_key(&self) -> &Self {
        self.client_key
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self
    }

    pub fn dialect(&self) -> Dialect {
        self.sim.dialect()
    }

    pub fn state(&self) -> SimState {
        self.sim.state()
    }

    /// The state as a run that wrote nothing leaves it: every install in flight finished (the
    /// sim finishes one on its clock, 2 s after the create) and the client keys' `last_used_at`
    /// blanked (every request stamps it, as on the real panels, so a read-only run that crosses
    /// a second boundary changes it). Compare these, not two plain reads.
    pub fn settled_state(&self) -> SimState {
        self.sim.mutate(|st| {
            let pending: Vec<u64> = st.installs.keys().copied().collect();
            for id in pending {
                st.finish_install(id);
            }
        });
        let mut st = self.sim.state();
        for key in st.api_keys.values_mut() {
            key.last_used_at = None;
        }
        st
    }

    /// Fails, naming what differs, when the settled state is not `before` (taken with
    /// [`settled_state`](Self::settled_state)).
    pub fn assert_unchanged_since(&self, before: &SimState, context: impl std::fmt::Display) {
        let after = self.settled_state();
        if after == *before {
            return;
        }
        // Without the indexes and caches equality leaves out (hash maps, printed in any order).
        let printed = |st: &SimState| {
            let mut st = st.clone();
            st.idx = Default::default();
            st.resources_cache = Default::default();
            format!("{st:#?}")
        };
        let (was, is) = (printed(before), printed(&after));
        let (was, is): (Vec<&str>, Vec<&str>) = (was.lines().collect(), is.lines().collect());
        // What lies between the common head and the common tail, with the lines above it that
        // name the field.
        let head = was.iter().zip(&is).take_while(|(w, i)| w == i).count();
        let tail = was[head..]
            .iter()
            .rev()
            .zip(is[head..].iter().rev())
            .take_while(|(w, i)| w == i)
            .count();
        let show = |lines: &[&str]| {
            lines
                .iter()
                .take(12)
                .map(|l| l.trim())
                .collect::<Vec<_>>()
                .join(" ")
        };
        panic!(
            "{context}: the panel changed\n  at: {}\n  was: {}\n  now: {}",
            show(&was[head.saturating_sub(4)..head]),
            show(&was[head..was.len() - tail]),
            show(&is[head..is.len() - tail]),
        );
    }

    pub fn mutate<R>(&self, f: impl FnOnce(&mut SimState) -> R) -> R {
        self.sim.mutate(f)
    }

    pub fn log(&self) -> Vec<LoggedRequest> {
        self.sim.request_log()
    }

    /// The panel id of the server named `name`.
    pub fn server_id(&self, name: &str) -> u64 {
        super::sim_state::server_by_name(&self.state(), name).id
    }

    /// `roost-test ARGS` with this panel's token (no panel flag).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = command(args);
        cmd.env("ROOST_TOKEN", self.sim.token())
            // pelican-tags names its own variable.
            .env("PELICAN_APP_TOKEN", self.sim.token())
            .env("ROOST_CACHE_DIR", self.cache.path());
        cmd
    }

    /// [`Panel::command`] for `ARGS --panel URL --rate-limit 0`, as a user would run it.
    fn against(&self, args: &[&str]) -> Command {
        let url = self.sim.url();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--panel", &url, "--rate-limit", "0"]);
        let mut cmd = self.command(&all);
        if self.client_key.load(std::sync::atomic::Ordering::Relaxed) {
            cmd.env("ROOST_CLIENT_TOKEN", self.sim.client_token());
        }
        cmd
    }

    /// `roost-test ARGS --panel URL --rate-limit 0`; it must not print a password.
    pub fn roost(&self, args: &[&str]) -> Run {
        self.roost_env(args, &[])
    }

    /// [`Panel::roost`] with more environment variables.
    pub fn roost_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.against(args);
        cmd.envs(env.iter().copied());
        let run = Run::from(cmd.output().expect("run roost-test"));
        run.assert_no_secret(&format!("{args:?}"));
        run
    }

    /// The same, started in the background with piped output.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.against(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn roost-test")
    }

    /// `roost apply DIR EXTRA...`.
    pub fn apply(&self, dir: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["apply", super::p(dir)];
        args.extend_from_slice(extra);
        self.roost(&args)
    }

    /// `apply --auto-approve --allow-destroy`, which must succeed.
    pub fn apply_ok(&self, dir: &Path) -> Run {
        let run = self.apply(dir, &["--auto-approve", "--allow-destroy"]);
        assert_eq!(
            run.code,
            Some(0),
            "apply {} on {} failed:\n{}",
            dir.display(),
            self.dialect(),
            run.show()
        );
        run
    }

    /// `roost plan DIR EXTRA...`.
    pub fn plan(&self, dir: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["plan", super::p(dir)];
        args.extend_from_slice(extra);
        self.roost(&args)
    }

    /// `roost plan DIR --format FORMAT EXTRA...`.
    pub fn plan_as(&self, dir: &Path, format: &str, extra: &[&str]) -> Run {
        let mut args = vec!["--format", format];
        args.extend_from_slice(extra);
        self.plan(dir, &args)
    }

    /// `roost plan DIR --detailed-exitcode EXTRA...`.
    pub fn plan_detailed(&self, dir: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["--detailed-exitcode"];
        args.extend_from_slice(extra);
        self.plan(dir, &args)
    }

    /// The panel matches the manifests: `plan --detailed-exitcode` exits 0, "No changes".
    pub fn assert_converged(&self, dir: &Path, context: &str) {
        let run = self.plan_detailed(dir, &[]);
        assert_eq!(
            run.code,
            Some(0),
            "{context}: the panel ({}) does not match {} after apply:\n{}",
            self.dialect(),
            dir.display(),
            run.show()
        );
        assert!(
            run.stdout.contains("No changes"),
            "{context}: {}",
            run.show()
        );
    }
}

impl Drop for Panel {
    fn drop(&mut self) {
        let sim = self.sim.clone();
        self.rt.block_on(sim.shutdown());
    }
}
