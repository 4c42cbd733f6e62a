//! `roost plan` against a simulated panel, as a user runs it: every scenario of the plan is
//! rendered in the three formats and snapshotted under `tests/fixtures/plan/snapshots/`, with
//! ids, uuids and the simulator's port redacted: the text and the Markdown whole (what a
//! reviewer reads), the JSON focused on the changes the scenario is about (with their
//! operations) and the summary, so that a snapshot stays small enough to review.
//!
//! A snapshot accepted without reading would let a wrong plan through, so every scenario also
//! asserts what the plan must contain (actions, attributes, impacts, causes, operations) on the
//! JSON form. The planner's rules themselves are tested without a panel, in
//! `crates/plan/tests/`.
//! Each scenario starts from the fixture fleet of its dialect (`tests/fixtures/plan/`), applied
//! to a fresh simulator, then changes a copy of the manifests or the panel itself.
//!
//! Regenerate the snapshots with `INSTA_UPDATE=always cargo test -p roost-e2e --test plan`
//! (or `cargo insta test`), then read every changed file.
//!
//! The scenarios: `changes` (what a plan shows for each kind of change), `ownership`
//! (pruning, unowned servers, adoption) and `options` (drift against a base, secrets, exit
//! codes, `--target`, `-o`, the Markdown size budget).

#[path = "../common/mod.rs"]
mod common;

use common::cli::{Run, SECRET};
use common::fleet;
use common::manifests::Fleet;
use common::panel::Panel;
use common::redact::{plan_snapshot_settings, redact_json};
use roost_sim::{Dialect, ServerParams};
use serde_json::Value;
use std::path::Path;

mod changes;
mod options;
mod ownership;

/// The three renderings of one plan.
struct Rendered {
    text: Run,
    json: Run,
    markdown: Run,
}

impl Rendered {
    fn plan(&self) -> Value {
        self.json.json()
    }

    /// The change of `address`; panics with the plan when there is none.
    fn change(&self, address: &str) -> Value {
        let plan = self.plan();
        plan["changes"]
            .as_array()
            .expect("changes is an array")
            .iter()
            .find(|c| c["address"] == address)
            .cloned()
            .unwrap_or_else(|| panic!("no change of {address} in:\n{}", self.text.stdout))
    }

    fn addresses(&self) -> Vec<String> {
        self.plan()["changes"]
            .as_array()
            .expect("changes is an array")
            .iter()
            .map(|c| c["address"].as_str().expect("address").to_string())
            .collect()
    }
}

/// The JSON snapshot of a plan: its summary, notes and unmanaged resources, and the changes of
/// the `focus` addresses whole.
fn focused(plan: &Value, focus: &[&str]) -> Value {
    let changes: Vec<Value> = plan["changes"]
        .as_array()
        .expect("changes is an array")
        .iter()
        .filter(|c| focus.iter().any(|a| c["address"] == *a))
        .cloned()
        .collect();
    assert_eq!(
        changes.len(),
        focus.len(),
        "every focused change is in the plan"
    );
    serde_json::json!({
        "summary": plan["summary"],
        "notes": plan["notes"],
        "unmanaged": plan["unmanaged"],
        "changes": changes,
    })
}

/// Plan `dir` in every format and snapshot each as `NAME.{text,json,md}` (the JSON focused on
/// the changes of `focus`). Every run must exit 0.
fn render_all(name: &str, panel: &Panel, dir: &Path, extra: &[&str], focus: &[&str]) -> Rendered {
    let run = |format| {
        let run = panel.plan_as(dir, format, extra);
        assert_eq!(run.code, Some(0), "{name} ({format}):\n{}", run.show());
        run
    };
    let r = Rendered {
        text: run("text"),
        json: run("json"),
        markdown: run("markdown"),
    };
    let json = serde_json::to_string_pretty(&redact_json(&focused(&r.plan(), focus))).unwrap();
    plan_snapshot_settings().bind(|| {
        insta::assert_snapshot!(format!("{name}.text"), r.text.stdout);
        insta::assert_snapshot!(format!("{name}.json"), json);
        insta::assert_snapshot!(format!("{name}.md"), r.markdown.stdout);
    });
    // The three formats tell the same story.
    let summary = summary_line(&r.text.stdout);
    assert!(
        r.markdown.stdout.contains(&format!("**{summary}**")),
        "{name}: the Markdown summary differs from the text one ({summary})"
    );
    r
}

fn summary_line(text: &str) -> String {
    text.lines()
        .find(|l| l.starts_with("Plan: ") || l.starts_with("No changes."))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"))
        .to_string()
}

/// `text` with runs of spaces as one (the text renderer aligns the `=` of a block).
fn squash(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

fn attr<'a>(change: &'a Value, name: &str) -> &'a Value {
    change["attributes"]
        .as_array()
        .expect("attributes is an array")
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no attribute {name} in {change:#}"))
}

fn attr_names(change: &Value) -> Vec<&str> {
    change["attributes"]
        .as_array()
        .expect("attributes is an array")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect()
}

fn calls(change: &Value) -> Vec<String> {
    change["calls"]
        .as_array()
        .expect("calls is an array")
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["method"].as_str().unwrap(),
                c["path"].as_str().unwrap()
            )
        })
        .collect()
}

/// The operations of `change`, as `KIND OP` (`server build`).
fn ops(change: &Value) -> Vec<String> {
    change["ops"]
        .as_array()
        .expect("ops is an array")
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["kind"].as_str().unwrap(),
                o["op"].as_str().unwrap()
            )
        })
        .collect()
}

/// A panel of `dialect` holding the fixture fleet.
fn applied(dialect: Dialect) -> Panel {
    let panel = Panel::start(dialect);
    panel.apply_ok(&fleet(dialect));
    panel
}

/// Adds a server the manifests do not know (no external id) on `port` of node-1.
fn out_of_band_server(panel: &Panel, name: &str, port: u16, external_id: Option<&str>) -> u64 {
    panel.mutate(|st| {
        let node = st.nodes.values().find(|n| n.name == "node-1").unwrap().id;
        let alloc = st
            .allocations
            .values()
            .find(|a| a.node_id == node && a.port == port)
            .unwrap()
            .id;
        let egg = st.eggs.values().find(|e| e.name == "Paper").unwrap().id;
        let user = st.users.values().find(|u| u.username == "bob").unwrap().id;
        st.add_server(ServerParams {
            name: name.into(),
            user_id: user,
            egg_id: egg,
            allocation_id: Some(alloc),
            external_id: external_id.map(str::to_string),
            memory: 1024,
            disk: 5120,
            cpu: 100,
            ..ServerParams::default()
        })
    })
}

/// The dialect of the scenarios that need only one.
const PT: Dialect = Dialect::Pterodactyl;
