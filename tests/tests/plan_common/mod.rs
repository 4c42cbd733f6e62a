//! Shared by the `plan*.rs` and `schema_plan.rs` tests: a simulator per test on its own runtime,
//! `roost-test` run against it, editable copies of the fixture fleets, and the redactions that
//! make plans comparable across runs.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use roost_sim::{Dialect, Sim, SimConfig, SimHandle, SimState};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The value of every password variable the fixtures and examples read. No output may ever
/// contain it.
pub const SECRET: &str = "hunter2-never-printed-7c1e";

/// Password variables of the fixtures and the examples.
pub const PASSWORD_VARS: [&str; 4] = [
    "ALICE_PASSWORD",
    "STEVE_PASSWORD",
    "ROOST_OPS_PASSWORD",
    "PELICAN_HANNA_PASSWORD",
];

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

pub fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Pterodactyl => "pterodactyl",
        Dialect::Pelican => "pelican",
    }
}

/// The fixture fleet of `dialect` (`tests/fixtures/plan/<dialect>/`).
pub fn fleet(d: Dialect) -> PathBuf {
    repo().join("tests/fixtures/plan").join(dialect_name(d))
}

#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn show(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.show()))
    }
}

/// A simulator on its own runtime; the test thread stays free to block on `roost-test`.
pub struct Panel {
    pub sim: SimHandle,
    _rt: tokio::runtime::Runtime,
}

impl Panel {
    /// A stock panel of `dialect` (eggs, the admin who owns the API key), no rate limit.
    pub fn start(dialect: Dialect) -> Panel {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let mut config = SimConfig::new(dialect);
        config.rate_limit = None;
        let sim = rt
            .block_on(Sim::start(config))
            .expect("the simulator starts");
        Panel { sim, _rt: rt }
    }

    pub fn mutate<R>(&self, f: impl FnOnce(&mut SimState) -> R) -> R {
        self.sim.mutate(f)
    }

    /// `roost-test ARGS --panel URL --rate-limit 0`, as a user would run it.
    pub fn roost(&self, args: &[&str]) -> Run {
        self.roost_env(args, &[])
    }

    /// [`Panel::roost`] with more environment variables.
    pub fn roost_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost-test"));
        cmd.args(args)
            .args(["--panel", &self.sim.url(), "--rate-limit", "0"])
            .env("ROOST_TOKEN", self.sim.token())
            // pelican-tags names its own variable.
            .env("PELICAN_APP_TOKEN", self.sim.token())
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env_remove("ROOST_PANEL")
            .env_remove("CLICOLOR_FORCE");
        for var in PASSWORD_VARS {
            cmd.env(var, SECRET);
        }
        cmd.envs(env.iter().copied());
        let out = cmd.output().expect("run roost-test");
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
        };
        assert!(
            !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
            "roost {args:?} printed a password:\n{}",
            run.show()
        );
        run
    }

    /// `roost plan DIR EXTRA...`.
    pub fn plan(&self, dir: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["plan", dir.to_str().expect("utf-8 path")];
        args.extend_from_slice(extra);
        self.roost(&args)
    }

    /// `roost plan DIR --format FORMAT EXTRA...`.
    pub fn plan_as(&self, dir: &Path, format: &str, extra: &[&str]) -> Run {
        let mut args = vec!["--format", format];
        args.extend_from_slice(extra);
        self.plan(dir, &args)
    }

    /// Apply `dir` without asking; the run must succeed.
    pub fn apply(&self, dir: &Path) {
        let run = self.roost(&[
            "apply",
            dir.to_str().expect("utf-8 path"),
            "--auto-approve",
            "--allow-destroy",
        ]);
        assert_eq!(
            run.code,
            Some(0),
            "apply {} failed:\n{}",
            dir.display(),
            run.show()
        );
    }

    /// The panel id of the server named `name`.
    pub fn server_id(&self, name: &str) -> u64 {
        self.sim
            .state()
            .servers
            .values()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no server named {name}"))
            .id
    }
}

/// A copy of a manifest directory in a temporary directory, to edit.
pub struct Fleet {
    pub dir: tempfile::TempDir,
}

impl Fleet {
    pub fn copy(from: &Path) -> Fleet {
        let dir = tempfile::tempdir().expect("a temporary directory");
        copy_dir(from, dir.path());
        Fleet { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Replace the one occurrence of `from` in `file` by `to`.
    pub fn edit(&self, file: &str, from: &str, to: &str) -> &Self {
        let path = self.dir.path().join(file);
        let text = std::fs::read_to_string(&path).expect("the file exists");
        assert_eq!(
            text.matches(from).count(),
            1,
            "{file} must contain {from:?} exactly once"
        );
        std::fs::write(&path, text.replace(from, to)).expect("write the file");
        self
    }

    /// Append `text` to `file` (created when missing).
    pub fn append(&self, file: &str, text: &str) -> &Self {
        let path = self.dir.path().join(file);
        let mut old = std::fs::read_to_string(&path).unwrap_or_default();
        old.push('\n');
        old.push_str(text);
        std::fs::write(&path, old).expect("write the file");
        self
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the directory");
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// Keys whose numbers are panel ids of objects roost creates (their value depends on the order
/// the engine created them in). Stock eggs, nests and roles keep their ids.
const ID_KEYS: [&str; 8] = [
    "id",
    "location_id",
    "node_id",
    "server_id",
    "owner_id",
    "user",
    "node",
    "allocation",
];

/// Keys whose lists of numbers are panel ids (a live server's allocations; elsewhere
/// `allocations` is a count).
const ID_LIST_KEYS: [&str; 1] = ["allocations"];

/// A JSON plan with what varies between runs replaced: panel ids, uuids, the simulator's port,
/// and the fingerprints (their keys carry ids; their count is kept).
pub fn redact_json(plan: &Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    match x {
                        Value::Number(_) if ID_KEYS.contains(&k.as_str()) => {
                            *x = Value::String("[id]".into())
                        }
                        Value::Array(items)
                            if ID_LIST_KEYS.contains(&k.as_str())
                                && items.iter().all(Value::is_number) =>
                        {
                            for i in items {
                                *i = Value::String("[id]".into());
                            }
                        }
                        Value::String(_) if k == "uuid" || k == "identifier" => {
                            *x = Value::String("[uuid]".into())
                        }
                        _ => walk(x),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = plan.clone();
    if let Some(fp) = v.get_mut("fingerprints") {
        let n = fp.as_object().map_or(0, |m| m.len());
        *fp = Value::String(format!("[{n} fingerprints]"));
    }
    walk(&mut v);
    v
}

/// insta settings for plan snapshots: snapshots under `tests/fixtures/plan/snapshots/`, and
/// filters for ids, uuids and the simulator's address in any rendering.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../fixtures/plan/snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    s.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uuid]",
    );
    s.add_filter(r"\bid \d+\b", "id [id]");
    s.add_filter(r"\bid=\d+\b", "id=[id]");
    s.add_filter(
        r"/(locations|nodes|users|servers|allocations)/\d+\b",
        "/$1/[id]",
    );
    s
}
