//! `roost mcp` through a stdio MCP client (JSON-RPC lines, as MCP clients speak it): the
//! handshake; tools/list; a read-only tool; a changing tool not on the allow-list refused; an
//! allowed one first answered with a confirmation token and nothing done; the token refused
//! with other arguments or a second time; and one audit line per call with secrets redacted.

mod common;

use common::ops::{ops, ready};
use common::panel::Panel;
use common::sim_state::server_by_name;
use common::small;
use roost_sim::Dialect;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Stdio};

struct Client {
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: u64,
}

impl Client {
    fn send(&mut self, v: Value) {
        writeln!(self.stdin, "{v}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// A request; its result (panics on a JSON-RPC error).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "the server closed stdout"
            );
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    fn call(&mut self, tool: &str, args: Value) -> (bool, String) {
        let r = self.request("tools/call", json!({"name": tool, "arguments": args}));
        let text = r["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (r["isError"] == json!(true), text)
    }
}

/// `roost mcp --dir DIR ARGS…` started with the admin's client key, past the MCP handshake.
fn start(panel: &Panel, dir: &Path, args: &[&str]) -> (Child, Client) {
    let mut all = vec!["mcp", "--dir", common::p(dir)];
    all.extend_from_slice(args);
    let mut child = panel
        .command(&all)
        .env("ROOST_CLIENT_TOKEN", panel.sim.client_token())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut c = Client {
        stdin: child.stdin.take().unwrap(),
        stdout: BufReader::new(child.stdout.take().unwrap()),
        next: 0,
    };
    let init = c.request(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "roost-test", "version": "0"}}),
    );
    assert_eq!(init["serverInfo"]["name"], "roost", "{init}");
    c.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    (child, c)
}

fn session(d: Dialect) {
    let panel = ready(d);
    ops(
        &panel,
        &["server", "power", "server.alpha", "start", "--wait"],
    )
    .expect(0, "start");
    let dir = small(d);
    let url = panel.sim.url();
    let token = panel.sim.client_token();
    let (child, mut c) = start(
        &panel,
        &dir,
        &[
            "--panel",
            &url,
            "--rate-limit",
            "0",
            "--allow",
            "server_command",
        ],
    );

    let list = c.request("tools/list", json!({}));
    let names: Vec<&str> = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for t in [
        "plan",
        "drift",
        "server_status",
        "console_tail",
        "backup_list",
        "server_power",
        "server_command",
    ] {
        assert!(names.contains(&t), "{t} in {names:?}");
    }

    let (err, text) = c.call("server_status", json!({"servers": ["server.alpha"]}));
    assert!(!err, "{text}");
    let status: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(status["servers"][0]["server"], "server.alpha");

    let (err, text) = c.call(
        "server_power",
        json!({"servers": ["server.alpha"], "signal": "stop"}),
    );
    assert!(err && text.contains("--allow server_power"), "{text}");

    let uuid = server_by_name(&panel.state(), "Alpha").uuid.clone();
    let say = json!({"servers": ["server.alpha"], "command": "say from an agent"});
    let (err, text) = c.call("server_command", say.clone());
    assert!(!err, "{text}");
    let first: Value = serde_json::from_str(&text).unwrap();
    let token1 = first["confirmation"].as_str().unwrap().to_string();
    assert!(
        !panel
            .sim
            .console(&uuid)
            .iter()
            .any(|l| l == "say from an agent"),
        "{d}: nothing done yet"
    );

    let (err, text) = c.call(
        "server_command",
        json!({"servers": ["server.alpha"], "command": "stop", "confirmation": token1}),
    );
    assert!(err && text.contains("another call"), "{text}");
    assert!(!panel.sim.console(&uuid).iter().any(|l| l == "stop"), "{d}");

    let (_, text) = c.call("server_command", say.clone());
    let token2 = serde_json::from_str::<Value>(&text).unwrap()["confirmation"]
        .as_str()
        .unwrap()
        .to_string();
    let mut confirmed = say.clone();
    confirmed["confirmation"] = json!(token2);
    let (err, text) = c.call("server_command", confirmed.clone());
    assert!(!err, "{text}");
    assert!(
        panel
            .sim
            .console(&uuid)
            .iter()
            .any(|l| l == "say from an agent"),
        "{d}: done once confirmed"
    );
    let (err, text) = c.call("server_command", confirmed);
    assert!(err && text.contains("already used"), "{text}");

    drop(c);
    check_audits(d, child, &[&token2, &token]);
}

/// One audit line per call on stderr, with these outcomes, and no secret in any.
fn check_audits(d: Dialect, child: Child, secrets: &[&str]) {
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let audits: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["audit"] == "roost-mcp")
        .collect();
    assert_eq!(audits.len(), 7, "{d}: one line per call:\n{stderr}");
    assert!(
        secrets.iter().all(|s| !stderr.contains(s)),
        "{d}: secrets redacted"
    );
    let outcomes: Vec<&str> = audits
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "exit 0",
            "refused",
            "confirmation required",
            "refused",
            "confirmation required",
            "exit 0",
            "refused"
        ],
        "{d}"
    );
}

#[test]
fn mcp_session_pterodactyl() {
    session(Dialect::Pterodactyl);
}

#[test]
fn mcp_session_pelican() {
    session(Dialect::Pelican);
}

/// The manifests' panel block allows a changing tool as `--allow` does; a tool name it
/// misspells is caught where it is written, by `validate` and by `roost mcp` alike.
#[test]
fn the_panel_block_allows_tools_and_names_a_misspelt_one() {
    let d = Dialect::Pterodactyl;
    let panel = ready(d);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fleet");
    common::manifests::copy_dir(&small(d), &dir);
    let with_allow = |tools: &str| {
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("panel {")))
            .expect("a file with the panel block");
        let text = std::fs::read_to_string(&file).unwrap();
        let start = text.find("panel {").unwrap() + "panel {".len();
        let mut edited = text.clone();
        edited.insert_str(start, &format!("\n    mcp-allow {tools}"));
        std::fs::write(&file, edited).unwrap();
        move || std::fs::write(&file, &text).unwrap()
    };

    let restore = with_allow("\"backup_creat\"");
    let bad = common::cli::offline(&["validate", common::p(&dir)]);
    assert_ne!(bad.code, Some(0), "{}", bad.show());
    assert!(
        bad.stderr.contains("did you mean `backup_create`?"),
        "{}",
        bad.show()
    );
    let started = panel.roost(&["mcp", "--dir", common::p(&dir)]);
    assert_ne!(started.code, Some(0), "{}", started.show());
    assert!(
        started.stderr.contains("backup_creat"),
        "{}",
        started.show()
    );
    restore();

    let _restore = with_allow("\"backup_create\"");
    let (mut child, mut c) = start(&panel, &dir, &["--rate-limit", "0"]);
    let (err, text) = c.call("backup_create", json!({"servers": ["server.alpha"]}));
    assert!(!err, "allowed by the panel block: {text}");
    let first: Value = serde_json::from_str(&text).unwrap();
    assert!(first["confirmation"].is_string(), "{first}");
    let (err, text) = c.call(
        "server_power",
        json!({"servers": ["server.alpha"], "signal": "stop"}),
    );
    assert!(err && text.contains("mcp-allow"), "not allowed: {text}");
    drop(c);
    let _ = child.kill();
    let _ = child.wait();
}
