//! `roost drift`: exit 0 in sync, 3 drifted, 1 on error; JSON and Markdown reports; only GET
//! requests reach the panel; `ignore` in the manifests and `--ignore` hide an attribute from
//! drift and from plan.

mod common;

use common::{cli::*, manifests::*, messy::*, panel::*, sim_state::*, *};
use roost_sim::Dialect;

/// A messy panel, imported and applied: the manifests and the panel agree.
fn in_sync(dialect: Dialect) -> (Panel, Fleet, Messy) {
    let panel = Panel::start(dialect);
    let messy = panel.sim.mutate(|st| seed_messy(st, 24));
    let out = tempfile::tempdir().expect("temp dir");
    panel
        .roost(&["import", "--out", p(out.path())])
        .expect(0, "import");
    panel
        .roost(&["apply", p(out.path()), "--auto-approve", "--allow-destroy"])
        .expect(0, "apply of the import");
    let dir = Fleet::copy(out.path());
    (panel, dir, messy)
}

/// The manifest key of the server with panel id `id` (from the import's comments).
fn key_of(dir: &Fleet, id: u64) -> String {
    let text = dir.read("servers.kdl");
    let at = text
        .find(&format!("// panel id {id}, uuid "))
        .unwrap_or_else(|| panic!("server id {id} is in servers.kdl"));
    let line = text[at..].lines().nth(1).expect("the server line");
    line.split('"').nth(1).expect("a quoted key").to_string()
}

/// `roost drift DIR ARGS`, after clearing the request log; asserts only GETs were sent.
fn drift(panel: &Panel, dir: &Fleet, args: &[&str]) -> Run {
    panel.sim.clear_request_log();
    let mut all = vec!["drift", p(dir.path())];
    all.extend_from_slice(args);
    let run = panel.roost(&all);
    let log = panel.log();
    assert!(!log.is_empty(), "drift read the panel:\n{}", run.show());
    assert_eq!(
        write_lines(&log),
        Vec::<String>::new(),
        "roost drift sent a request other than GET"
    );
    run
}

/// Change server `id` on the panel behind roost's back: memory and description.
fn drift_server(panel: &Panel, id: u64) {
    panel.sim.mutate(|st| {
        let s = st.servers.get_mut(&id).expect("the server");
        s.memory += 512;
        s.description = "set by the billing system".into();
    });
}

fn exit_codes_and_formats(dialect: Dialect) {
    let (panel, dir, messy) = in_sync(dialect);
    let run = drift(&panel, &dir, &[]).expect(0, "drift right after apply");
    assert!(run.stdout.contains("No drift"), "{}", run.show());
    let json = drift(&panel, &dir, &["--format", "json"])
        .expect(0, "drift --format json in sync")
        .json();
    assert_eq!(json["in_sync"], true);
    assert_eq!(json["resources"], serde_json::json!([]));

    let id = messy.bare[2];
    let key = key_of(&dir, id);
    let original = panel.state().servers[&id].description.clone();
    drift_server(&panel, id);
    let run = drift(&panel, &dir, &[]).expect(3, "drift after a change on the panel");
    assert!(
        run.stdout.contains(&format!("server.{key}")),
        "{}",
        run.show()
    );

    let json = drift(&panel, &dir, &["--format", "json"])
        .expect(3, "drift --format json")
        .json();
    assert_eq!(json["in_sync"], false, "{json:#}");
    let resources = json["resources"].as_array().expect("resources");
    assert_eq!(
        resources.len(),
        1,
        "only the changed server drifted: {json:#}"
    );
    let r = &resources[0];
    assert_eq!(r["address"], format!("server.{key}"));
    assert_eq!(r["status"], "differs");
    assert_eq!(r["id"], id);
    let attrs: Vec<&str> = r["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(attrs, ["description", "limits.memory"], "{r:#}");
    let memory = &r["attributes"][1];
    assert_eq!(
        memory["panel"].as_i64().expect("a number")
            - memory["manifests"].as_i64().expect("a number"),
        512,
        "the panel's value and the manifests' value: {memory:#}"
    );
    assert_eq!(r["attributes"][0]["panel"], "set by the billing system");

    let md = drift(&panel, &dir, &["--format", "markdown"])
        .expect(3, "drift --format markdown")
        .stdout;
    assert!(
        md.starts_with("<!-- roost-drift -->\n## roost drift\n"),
        "{md}"
    );
    assert!(
        md.contains(&format!("Panel: `{}`", panel.sim.url())),
        "{md}"
    );
    assert!(
        md.contains(
            "| resource | status | attribute | panel | manifests |\n|---|---|---|---|---|\n"
        ),
        "a Markdown table:\n{md}"
    );
    assert!(
        md.contains(&format!("| `server.{key}` | differs | `limits.memory` |")),
        "{md}"
    );

    // Put the panel back: in sync again.
    panel.sim.mutate(|st| {
        let s = st.servers.get_mut(&id).expect("server");
        s.memory -= 512;
        s.description = original.clone();
    });
    drift(&panel, &dir, &[]).expect(0, "in sync again");
}

#[test]
fn drift_exit_codes_and_formats_pterodactyl() {
    exit_codes_and_formats(Dialect::Pterodactyl);
}

#[test]
fn drift_exit_codes_and_formats_pelican() {
    exit_codes_and_formats(Dialect::Pelican);
}

#[test]
fn drift_reports_unmanaged_servers() {
    let (panel, dir, messy) = in_sync(Dialect::Pelican);
    let free = panel
        .state()
        .allocations
        .values()
        .find(|a| a.server_id.is_none())
        .map(|a| a.id);
    let owner = *messy.users.keys().next().expect("a user");
    let egg = egg_id(&panel.state(), "Paper");
    panel.sim.mutate(|st| {
        st.add_server(roost_sim::ServerParams {
            name: "created by hand".into(),
            user_id: owner,
            egg_id: egg,
            allocation_id: free,
            ..Default::default()
        })
    });
    let run = drift(&panel, &dir, &[]);
    assert!(
        run.stdout.contains("Unmanaged on the panel") && run.stdout.contains("\"created by hand\""),
        "{}",
        run.show()
    );
    let json = drift(&panel, &dir, &["--format", "json"]).json();
    let names: Vec<&str> = json["unmanaged"]["servers"]
        .as_array()
        .expect("unmanaged servers")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(names.contains(&"created by hand"), "{json:#}");
}

#[test]
fn drift_errors_exit_1_and_write_nothing() {
    let (panel, dir, _) = in_sync(Dialect::Pterodactyl);
    // A refused token.
    panel.sim.clear_request_log();
    let url = panel.sim.url();
    let run = panel
        .command(&["drift", p(dir.path()), "--panel", &url, "--rate-limit", "0"])
        .env(
            "ROOST_TOKEN",
            "ptla_wrongwrongwrongwrongwrongwrongwrongwrongwron",
        )
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(1), "wrong token: {:?}", run);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("token"),
        "the error says what to fix:\n{stderr}"
    );
    assert_eq!(write_lines(&panel.log()), Vec::<String>::new());
    // An unreachable panel.
    let run = panel
        .command(&[
            "drift",
            p(dir.path()),
            "--panel",
            "http://127.0.0.1:9",
            "--rate-limit",
            "0",
        ])
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(1), "unreachable panel: {:?}", run);
    // Invalid manifests are an error too, before any request.
    dir.edit(
        "panel.kdl",
        "namespace \"roost:\"",
        "namespace \"roost:\"\n    bogus 1",
    );
    panel.sim.clear_request_log();
    panel
        .roost(&["drift", p(dir.path())])
        .expect(1, "invalid manifests");
    assert!(
        panel.log().is_empty(),
        "invalid manifests fail before any request"
    );
}

/// `roost drift` must not reach a write endpoint even when the plan wants one: with the
/// manifests asking for changes (here a new server), the requests stay GETs.
#[test]
fn drift_is_read_only_when_changes_are_due() {
    let (panel, dir, messy) = in_sync(Dialect::Pterodactyl);
    let id = messy.bare[0];
    let key = key_of(&dir, id);
    dir.remove_block("servers.kdl", &format!("server \"{key}\""));
    dir.edit(
        "panel.kdl",
        "namespace \"roost:\"",
        "namespace \"roost:\"\n    prune \"servers\"",
    );
    let before = panel.settled_state();
    let run = drift(&panel, &dir, &["--format", "json"]).expect(3, "drift with a removed server");
    let json = run.json();
    assert_eq!(json["resources"][0]["status"], "extra", "{json:#}");
    panel.assert_unchanged_since(&before, "drift");
}

fn ignores(dialect: Dialect) {
    let (panel, dir, messy) = in_sync(dialect);
    let id = messy.bare[3];
    let key = key_of(&dir, id);
    drift_server(&panel, id);
    let attrs = |run: &Run| -> Vec<String> {
        run.json()["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .flat_map(|r| r["attributes"].as_array().cloned().unwrap_or_default())
            .map(|a| a["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let plan_attrs = |extra: &[&str]| -> (Option<i32>, Vec<String>) {
        let mut args = vec![
            "plan",
            p(dir.path()),
            "--format",
            "json",
            "--detailed-exitcode",
        ];
        args.extend_from_slice(extra);
        let run = panel.roost(&args);
        let json = run.json();
        let names = json["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .flat_map(|c| c["attributes"].as_array().cloned().unwrap_or_default())
            .map(|a| a["name"].as_str().unwrap_or_default().to_string())
            .collect();
        (run.code, names)
    };
    assert_eq!(
        plan_attrs(&[]),
        (
            Some(2),
            vec!["description".to_string(), "limits.memory".to_string()]
        )
    );

    // --ignore ADDRESS.FIELD hides one attribute of one server, in drift and in plan.
    let one = format!("server.{key}.description");
    let run = drift(&panel, &dir, &["--format", "json", "--ignore", &one]).expect(3, "drift");
    assert_eq!(attrs(&run), ["limits.memory"]);
    assert_eq!(
        plan_attrs(&["--ignore", &one]),
        (Some(2), vec!["limits.memory".to_string()])
    );
    // KIND.*.FIELD too; both ignored: in sync.
    let run = drift(
        &panel,
        &dir,
        &[
            "--format",
            "json",
            "--ignore",
            &one,
            "--ignore",
            "server.*.limits.memory",
        ],
    )
    .expect(0, "drift with both attributes ignored");
    assert_eq!(run.json()["in_sync"], true);
    assert_eq!(
        plan_attrs(&["--ignore", &one, "--ignore", "server.*.limits.memory"]),
        (Some(0), vec![])
    );
    // A misspelt --ignore is an error, not a silent no-op.
    panel.sim.clear_request_log();
    panel
        .roost(&["drift", p(dir.path()), "--ignore", "description"])
        .expect(1, "a bad --ignore");
    assert!(
        panel.log().is_empty(),
        "a bad --ignore fails before any request"
    );

    // The same from the manifests: a panel-wide rule and a per-server one.
    dir.edit(
        "panel.kdl",
        "namespace \"roost:\"",
        "namespace \"roost:\"\n    ignore \"server.*.description\"",
    );
    let run = drift(&panel, &dir, &["--format", "json"]).expect(3, "drift, description ignored");
    assert_eq!(attrs(&run), ["limits.memory"]);
    assert_eq!(
        plan_attrs(&[]),
        (Some(2), vec!["limits.memory".to_string()])
    );
    let text = dir.read("servers.kdl");
    let header = text
        .lines()
        .find(|l| l.starts_with(&format!("server \"{key}\"")))
        .expect("the server's header")
        .to_string();
    dir.edit(
        "servers.kdl",
        &format!("{header}\n"),
        &format!("{header}\n    ignore \"limits.memory\"\n"),
    );
    offline(&["validate", p(dir.path())]).expect(0, "the ignores validate");
    let run = drift(&panel, &dir, &["--format", "json"])
        .expect(0, "drift with both ignores in the manifests");
    assert_eq!(run.json()["in_sync"], true);
    assert_eq!(plan_attrs(&[]), (Some(0), vec![]));
    // Ignored attributes are not written either: an apply leaves the panel's values.
    panel
        .roost(&["apply", p(dir.path()), "--auto-approve"])
        .expect(0, "apply with ignores");
    let s = &panel.state().servers[&id];
    assert_eq!(s.description, "set by the billing system");
}

#[test]
fn drift_ignores_pterodactyl() {
    ignores(Dialect::Pterodactyl);
}

#[test]
fn drift_ignores_pelican() {
    ignores(Dialect::Pelican);
}
