//! `roost-test` run as a process: its environment, and the finished run.

use std::process::{Command, Output, Stdio};

/// The value of every secret variable (passwords, secret egg variables) the fixtures and
/// examples read. No output may ever contain it.
pub const SECRET: &str = "hunter2-never-printed-7c1e";

/// Secret variables of the fixtures and the examples: passwords, and the RCON password of
/// `fixtures/secrets`.
pub const PASSWORD_VARS: [&str; 6] = [
    "ALICE_PASSWORD",
    "ALEX_PASSWORD",
    "STEVE_PASSWORD",
    "ROOST_OPS_PASSWORD",
    "PELICAN_HANNA_PASSWORD",
    "RUST_RCON_PASS",
];

/// A finished `roost-test` process.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(out: Output) -> Run {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
        }
    }

    /// The whole run, for a failure message (each stream cut after 12,000 bytes).
    pub fn show(&self) -> String {
        let cut = |s: &str| {
            if s.len() > 12_000 {
                let mut end = 12_000;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{}\n... ({} bytes more)", &s[..end], s.len() - end)
            } else {
                s.to_string()
            }
        };
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            cut(&self.stdout),
            cut(&self.stderr)
        )
    }

    /// Asserts the exit code, showing the whole run when it differs.
    pub fn expect(self, code: i32, what: &str) -> Run {
        assert_eq!(self.code, Some(code), "{what}:\n{}", self.show());
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.show()))
    }

    /// Asserts that no password value was printed.
    pub fn assert_no_secret(&self, what: &str) {
        assert!(
            !self.stdout.contains(SECRET) && !self.stderr.contains(SECRET),
            "roost {what} printed a password:\n{}",
            self.show()
        );
    }
}

/// `roost-test ARGS` with the environment every test needs: no colour, 100 columns, every
/// secret variable set to [`SECRET`], no panel or client token from the environment, no stdin.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost-test"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("ROOST_PANEL")
        .env_remove("ROOST_CLIENT_TOKEN")
        // The file checksum cache of this test process, never the user's.
        .env(
            "ROOST_CACHE_DIR",
            std::env::temp_dir().join(format!("roost-e2e-cache-{}", std::process::id())),
        )
        .stdin(Stdio::null());
    for var in PASSWORD_VARS {
        cmd.env(var, SECRET);
    }
    cmd
}

/// `roost-test ARGS` without a panel (validate, fmt, graph).
pub fn offline(args: &[&str]) -> Run {
    let run = Run::from(command(args).output().expect("run roost-test"));
    run.assert_no_secret(&format!("{args:?}"));
    run
}
