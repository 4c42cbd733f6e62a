//! Shared by the `apply*.rs` tests: a simulator per test, `roost-test` run against it, manifest
//! copies to edit, and checks of the simulator's state and request log.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use roost_sim::{Dialect, LoggedRequest, Sim, SimConfig, SimHandle, SimState};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const DIALECTS: [Dialect; 2] = [Dialect::Pterodactyl, Dialect::Pelican];

/// The passwords the examples read from the environment.
pub const PASSWORDS: [(&str, &str); 3] = [
    ("STEVE_PASSWORD", "steve-secret-1"),
    ("ROOST_OPS_PASSWORD", "ops-secret-1"),
    ("PELICAN_HANNA_PASSWORD", "hanna-secret-1"),
];

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

/// The small fleet of `tests/fixtures/apply/` in `dialect`.
pub fn small(dialect: Dialect) -> PathBuf {
    let name = match dialect {
        Dialect::Pterodactyl => "small-pterodactyl",
        Dialect::Pelican => "small-pelican",
    };
    repo().join("tests/fixtures/apply").join(name)
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn show(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A simulator on its own runtime; the test thread stays free to block on `roost-test`.
pub struct Panel {
    pub sim: SimHandle,
    rt: tokio::runtime::Runtime,
}

impl Panel {
    /// A panel of `dialect` without a rate limit.
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
        Panel { sim, rt }
    }

    pub fn dialect(&self) -> Dialect {
        self.sim.dialect()
    }

    /// `roost-test` with the environment every test needs, talking to this panel.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost-test"));
        cmd.args(args)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env("ROOST_TOKEN", self.sim.token())
            .env("PELICAN_APP_TOKEN", self.sim.token())
            .env_remove("ROOST_PANEL")
            .stdin(Stdio::null());
        for (k, v) in PASSWORDS {
            cmd.env(k, v);
        }
        cmd
    }

    /// `roost-test ARGS --panel URL --rate-limit 0`.
    pub fn roost(&self, args: &[&str]) -> Run {
        let url = self.sim.url();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--panel", &url, "--rate-limit", "0"]);
        Run::from(self.command(&all).output().expect("run roost-test"))
    }

    /// The same, started in the background with piped output.
    pub fn spawn(&self, args: &[&str]) -> Child {
        let url = self.sim.url();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--panel", &url, "--rate-limit", "0"]);
        self.command(&all)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn roost-test")
    }

    pub fn apply(&self, dir: &Path, extra: &[&str]) -> Run {
        let d = dir.to_str().expect("utf-8 path");
        let mut args = vec!["apply", d];
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

    /// `plan --detailed-exitcode` (with `extra` flags).
    pub fn plan(&self, dir: &Path, extra: &[&str]) -> Run {
        let d = dir.to_str().expect("utf-8 path");
        let mut args = vec!["plan", d, "--detailed-exitcode"];
        args.extend_from_slice(extra);
        self.roost(&args)
    }

    /// The panel matches the manifests: `plan --detailed-exitcode` exits 0, "No changes".
    pub fn assert_converged(&self, dir: &Path, context: &str) {
        let run = self.plan(dir, &[]);
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

    pub fn state(&self) -> SimState {
        self.sim.state()
    }

    pub fn log(&self) -> Vec<LoggedRequest> {
        self.sim.request_log()
    }
}

impl Drop for Panel {
    fn drop(&mut self) {
        let sim = self.sim.clone();
        self.rt.block_on(sim.shutdown());
    }
}

/// A copy of a manifest directory that a test may edit.
pub struct Copy {
    pub dir: tempfile::TempDir,
}

impl Copy {
    pub fn of(src: &Path) -> Copy {
        let dir = tempfile::tempdir().expect("a temp dir");
        copy_dir(src, dir.path());
        Copy { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Replace `from` (which must occur exactly once) by `to` in `file`.
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        let p = self.dir.path().join(file);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(
            text.matches(from).count(),
            1,
            "{file} must hold `{from}` exactly once"
        );
        std::fs::write(&p, text.replacen(from, to, 1)).expect("write the edit");
    }

    /// Append `text` to `file` (created if missing).
    pub fn append(&self, file: &str, text: &str) {
        let p = self.dir.path().join(file);
        let mut old = std::fs::read_to_string(&p).unwrap_or_default();
        old.push('\n');
        old.push_str(text);
        std::fs::write(&p, old).expect("append");
    }

    /// Remove the block that starts with `header` (e.g. `server "creative"`) up to its closing
    /// brace at the start of a line.
    pub fn remove_block(&self, file: &str, header: &str) {
        let p = self.dir.path().join(file);
        let text = std::fs::read_to_string(&p).expect("read");
        let start = text
            .find(&format!("\n{header}"))
            .unwrap_or_else(|| panic!("{file} has no `{header}` block"))
            + 1;
        let end = start
            + text[start..]
                .find("\n}")
                .unwrap_or_else(|| panic!("`{header}` is not closed"))
            + 2;
        let mut out = text[..start].to_string();
        out.push_str(&text[end..]);
        std::fs::write(&p, out).expect("write");
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).expect("read the manifest dir") {
        let e = e.expect("dir entry");
        let to = dst.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), to).expect("copy");
        }
    }
}

/// Problems that must never exist on the panel, whatever failed on the way: two servers with
/// one external id, two users with one username / e-mail / external id, an allocation held by
/// a missing server or by two servers, a server on a missing allocation.
pub fn duplicates(st: &SimState) -> Vec<String> {
    let mut problems = Vec::new();
    let mut count = |what: &str, keys: Vec<String>| {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for k in keys {
            *seen.entry(k).or_default() += 1;
        }
        for (k, n) in seen {
            if n > 1 {
                problems.push(format!("{n} {what} `{k}`"));
            }
        }
    };
    count(
        "servers with external_id",
        st.servers
            .values()
            .filter_map(|s| s.external_id.clone())
            .collect(),
    );
    count(
        "servers named",
        st.servers.values().map(|s| s.name.clone()).collect(),
    );
    count(
        "users named",
        st.users
            .values()
            .map(|u| u.username.to_lowercase())
            .collect(),
    );
    count(
        "users with e-mail",
        st.users.values().map(|u| u.email.to_lowercase()).collect(),
    );
    count(
        "users with external_id",
        st.users
            .values()
            .filter_map(|u| u.external_id.clone())
            .collect(),
    );
    count(
        "nodes named",
        st.nodes.values().map(|n| n.name.clone()).collect(),
    );
    count(
        "locations with short code",
        st.locations.values().map(|l| l.short.clone()).collect(),
    );
    count(
        "allocations at",
        st.allocations
            .values()
            .map(|a| format!("node {} {}:{}", a.node_id, a.ip, a.port))
            .collect(),
    );
    for s in st.servers.values() {
        if let Some(a) = s.allocation_id {
            match st.allocations.get(&a) {
                Some(al) if al.server_id == Some(s.id) => {}
                _ => problems.push(format!(
                    "server {} has primary allocation {a}, which is not assigned to it",
                    s.name
                )),
            }
        }
    }
    for a in st.allocations.values() {
        if let Some(sid) = a.server_id
            && !st.servers.contains_key(&sid)
        {
            problems.push(format!(
                "allocation {}:{} is held by the missing server {sid}",
                a.ip, a.port
            ));
        }
    }
    problems
}

pub fn assert_no_duplicates(st: &SimState, context: &str) {
    let d = duplicates(st);
    assert!(d.is_empty(), "{context}: the panel is inconsistent: {d:#?}");
}

/// Servers whose external id is in the `roost:` namespace, by external id.
pub fn managed_servers(st: &SimState) -> BTreeMap<String, &roost_sim::Server> {
    st.servers
        .values()
        .filter_map(|s| {
            let e = s.external_id.as_deref()?;
            e.starts_with("roost:").then(|| (e.to_string(), s))
        })
        .collect()
}

pub fn server_by_name<'a>(st: &'a SimState, name: &str) -> &'a roost_sim::Server {
    st.servers
        .values()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("the panel has no server named {name}"))
}

/// Writes in the request log (anything but GET).
pub fn writes(log: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    log.iter().filter(|r| r.method != "GET").collect()
}

/// The path of a logged request without its query.
pub fn path(r: &LoggedRequest) -> &str {
    r.path.split('?').next().unwrap_or("")
}
