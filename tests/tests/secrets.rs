//! Secrets end to end. Egg variables read from `(env)` or `(file)` and user passwords reach the
//! panel, and nothing else: not a text, JSON or Markdown plan, not a saved plan.json, not the
//! drift report, not the manifests `roost import` writes, not apply's progress (every run goes
//! through `assert_no_secret`). Every secret a plan needs is read before planning: a missing,
//! unreadable or empty one fails `plan` and `apply` before a single write, naming its line.

mod common;

use common::{cli::*, manifests::*, panel::*, sim_state::*, *};
use roost_sim::{Dialect, SimState};
use std::path::Path;

/// The Steam token of the `gmod` server (the egg takes 32 letters and digits), read from a file.
const GSLT: &str = "GSLTneverPrinted0123456789abcdef";
/// A value someone set on the panel by hand: the panel's secrets are not shown either.
const LIVE_SECRET: &str = "live-rcon-never-shown-93b2";

/// `tests/fixtures/secrets/fleet` with its token file.
fn secret_fleet() -> Fleet {
    let f = Fleet::copy(&fixture("secrets", "fleet"));
    std::fs::create_dir_all(f.path().join("secrets")).expect("mkdir");
    std::fs::write(f.path().join("secrets/gmod-gslt.txt"), format!("{GSLT}\n")).expect("write");
    f
}

/// The value of egg variable `var` of the server named `server` on the panel.
fn variable(st: &SimState, server: &str, var: &str) -> Option<String> {
    let s = server_by_name(st, server);
    let egg = &st.eggs[&s.egg_id];
    let v = egg.variables.iter().find(|v| v.env_variable == var)?;
    s.variables.get(&v.id).cloned()
}

fn set_variable(panel: &Panel, server: &str, var: &str, value: &str) {
    panel.mutate(|st| {
        let id = server_by_name(st, server).id;
        let egg = st.servers[&id].egg_id;
        let vid = st.eggs[&egg]
            .variables
            .iter()
            .find(|v| v.env_variable == var)
            .expect("the egg has the variable")
            .id;
        st.servers
            .get_mut(&id)
            .expect("server")
            .variables
            .insert(vid, value.to_string());
    });
}

/// No sentinel, neither the secrets roost reads nor the panel's own, in `text`.
fn assert_clean(what: &str, text: &str) {
    for s in [SECRET, GSLT, LIVE_SECRET] {
        assert!(!text.contains(s), "{what} shows a secret ({s}):\n{text}");
    }
}

/// `roost ARGS --panel URL` with the environment of every test, minus `unset`, plus `set`.
fn roost_with(panel: &Panel, args: &[&str], unset: &[&str], set: &[(&str, &str)]) -> Run {
    let url = panel.sim.url();
    let mut all = args.to_vec();
    all.extend(["--panel", &url, "--rate-limit", "0"]);
    let mut cmd = panel.command(&all);
    for var in unset {
        cmd.env_remove(var);
    }
    cmd.envs(set.iter().copied());
    let run = Run::from(cmd.output().expect("run roost-test"));
    assert_clean(&format!("roost {args:?}"), &run.stdout);
    assert_clean(&format!("roost {args:?}"), &run.stderr);
    run
}

/// Every rendering of the plan of `dir`, each checked for sentinels; returns the JSON plan.
fn plans_are_clean(panel: &Panel, dir: &Path) -> serde_json::Value {
    for format in ["text", "markdown"] {
        let run = panel.plan(dir, &["--format", format]).expect(0, format);
        assert_clean(&format!("the {format} plan"), &run.stdout);
    }
    let saved = dir.join("plan.json");
    let run = panel
        .plan(dir, &["--format", "json", "-o", p(&saved)])
        .expect(0, "the JSON plan");
    assert_clean("the JSON plan", &run.stdout);
    assert_clean(
        "the saved plan",
        &std::fs::read_to_string(&saved).expect("plan.json"),
    );
    std::fs::remove_file(&saved).expect("rm plan.json");
    run.json()
}

fn change<'a>(plan: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change of {address} in {plan:#}"))
}

/// The operation `op` of change `c` (`{"kind": "server", "op": "startup", ...}`).
fn op<'a>(c: &'a serde_json::Value, op: &str) -> &'a serde_json::Value {
    c["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .find(|o| o["op"] == op)
        .unwrap_or_else(|| panic!("no {op} operation in {c:#}"))
}

fn attr<'a>(c: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    c["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no attribute {name} in {c:#}"))
}

/// The secret-sentinel test of secret egg variables: create, no change, a change on the panel,
/// drift and import, in every output format, with the secrets on the panel where they belong.
#[test]
fn secret_variables_reach_the_panel_and_no_output() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let f = secret_fleet();

    // The plan of the creation names the sources, never the values.
    let plan = plans_are_clean(&panel, f.path());
    let rust = change(&plan, "server.rust");
    let rcon = attr(rust, "environment.RCON_PASS");
    assert_eq!(rcon["sensitive"], true);
    assert!(rcon["new"].is_null() && rcon["old"].is_null(), "{rcon}");
    let env = &op(rust, "create")["fields"]["environment"];
    assert_eq!(env["secrets"]["RCON_PASS"]["env"], "RUST_RCON_PASS");
    assert!(env["values"].get("RCON_PASS").is_none(), "{env}");
    let gmod = change(&plan, "server.gmod");
    assert_eq!(attr(gmod, "environment.STEAM_ACC")["sensitive"], true);

    // Applied, the panel holds the secrets.
    let run = panel.apply(f.path(), &["--auto-approve"]);
    run.expect(0, "apply of the secret fleet");
    let st = panel.state();
    assert_eq!(variable(&st, "rust", "RCON_PASS").as_deref(), Some(SECRET));
    assert_eq!(variable(&st, "gmod", "STEAM_ACC").as_deref(), Some(GSLT));
    assert_eq!(
        variable(&st, "rust", "HOSTNAME").as_deref(),
        Some("Rust EU")
    );

    // Compared without being shown: no change.
    panel
        .plan(f.path(), &["--detailed-exitcode"])
        .expect(0, "the secrets match the panel");

    // Someone sets another RCON password on the panel: a change, without either value, and
    // the live server the plan carries has it redacted.
    set_variable(&panel, "rust", "RCON_PASS", LIVE_SECRET);
    let plan = plans_are_clean(&panel, f.path());
    let rust = change(&plan, "server.rust");
    assert_eq!(rust["action"], "update");
    let names: Vec<&str> = rust["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["environment.RCON_PASS"]);
    // What the update replaces is shown without the secret.
    let was = &op(rust, "startup")["was"]["environment"];
    assert_eq!(was["RCON_PASS"], roost_plan::REDACTED);
    assert_eq!(was["HOSTNAME"], "Rust EU");
    assert_eq!(
        plan["sensitive_variables"],
        serde_json::json!(["RCON_PASS", "STEAM_ACC"])
    );
    let text = panel.plan(f.path(), &[]).expect(0, "text plan");
    assert!(
        text.stdout
            .contains("~ environment.RCON_PASS = (sensitive) changed"),
        "{}",
        text.stdout
    );

    // Drift says which variable differs, not how.
    for format in ["text", "json", "markdown"] {
        let run = panel
            .roost(&["drift", p(f.path()), "--format", format])
            .expect(3, "drift");
        assert_clean(&format!("the {format} drift report"), &run.stdout);
        assert!(run.stdout.contains("RCON_PASS"), "{}", run.stdout);
    }

    // Import writes references to environment variables, and says which to set.
    let out = tempfile::tempdir().expect("tempdir");
    let run = panel
        .roost(&["import", "--out", p(out.path())])
        .expect(0, "import");
    assert_clean("import's output", &run.stderr);
    let files = read_tree(out.path());
    let all: String = files.values().cloned().collect();
    assert_clean("the imported manifests", &all);
    assert!(
        all.contains(r#"RCON_PASS=(env)"ROOST_SECRET_RUST_RCON_PASS""#)
            && all.contains(r#"STEAM_ACC=(env)"ROOST_SECRET_GMOD_STEAM_ACC""#),
        "{all}"
    );
    assert!(
        all.contains(
            "// Not exported: set ROOST_SECRET_RUST_RCON_PASS to the value the panel holds."
        ),
        "{all}"
    );
    assert!(
        run.stderr
            .contains("set ROOST_SECRET_GMOD_STEAM_ACC, ROOST_SECRET_RUST_RCON_PASS to the values"),
        "{}",
        run.show()
    );

    // Applied, the manifests' secret wins again; apply's progress (text and JSON) is checked too.
    let run = roost_with(
        &panel,
        &["apply", p(f.path()), "--auto-approve", "--format", "json"],
        &[],
        &[],
    );
    run.expect(0, "apply restores the RCON password");
    assert_eq!(
        variable(&panel.state(), "rust", "RCON_PASS").as_deref(),
        Some(SECRET)
    );
}

/// A saved plan reads its secrets again when applied: one that cannot be read stops it before
/// any write, and one whose comparison with the panel changed makes the plan stale.
#[test]
fn a_saved_plan_reads_its_secrets_again() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let f = secret_fleet();
    panel.apply_ok(f.path());
    f.edit(
        "fleet.kdl",
        r#"HOSTNAME="Rust EU""#,
        r#"HOSTNAME="Rust EU 2""#,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = dir.path().join("plan.json");
    panel
        .plan(f.path(), &["-o", p(&saved)])
        .expect(0, "plan -o");
    let text = std::fs::read_to_string(&saved).expect("plan.json");
    assert_clean("plan.json", &text);
    let before = panel.settled_state();
    panel.sim.clear_request_log();

    let run = roost_with(
        &panel,
        &["apply", p(&saved), "--auto-approve"],
        &["RUST_RCON_PASS"],
        &[],
    );
    let run = run.expect(1, "apply without the RCON password");
    assert!(
        run.stderr.contains("roost::secret-unavailable")
            && run.stderr.contains("RUST_RCON_PASS is not set"),
        "{}",
        run.show()
    );

    let run = roost_with(
        &panel,
        &["apply", p(&saved), "--auto-approve"],
        &[],
        &[("RUST_RCON_PASS", "another-rcon-password")],
    );
    let run = run.expect(5, "apply with another RCON password: stale");
    assert!(
        run.stderr
            .contains("server.rust: the sensitive variable RCON_PASS now needs a change"),
        "{}",
        run.show()
    );
    assert!(
        !run.stderr.contains("another-rcon-password"),
        "{}",
        run.show()
    );
    assert_eq!(write_lines(&panel.log()), Vec::<String>::new(), "no write");
    panel.assert_unchanged_since(&before, "no write");

    panel
        .apply(&saved, &["--auto-approve"])
        .expect(0, "apply of the saved plan");
    assert_eq!(
        variable(&panel.state(), "rust", "HOSTNAME").as_deref(),
        Some("Rust EU 2")
    );
    assert_eq!(
        variable(&panel.state(), "rust", "RCON_PASS").as_deref(),
        Some(SECRET)
    );
}

/// `text` as one line: miette's wrapping and gutters removed.
fn squash(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// `plan` must fail naming `needle` at `line` of `file`, then `apply` must fail the same way
/// without a single write.
fn refused(
    panel: &Panel,
    dir: &Path,
    unset: &[&str],
    set: &[(&str, &str)],
    needle: &str,
    at: &str,
) {
    let before = panel.settled_state();
    panel.sim.clear_request_log();
    let run = roost_with(panel, &["plan", p(dir)], unset, set);
    let run = run.expect(1, &format!("plan must fail: {needle}"));
    let err = squash(&run.stderr);
    assert!(
        err.contains("roost::secret-unavailable")
            && err.contains(needle)
            && err.contains(&format!("[{at}]")),
        "the plan error names {needle} at {at}:\n{}",
        run.show()
    );
    let run = roost_with(
        panel,
        &["apply", p(dir), "--auto-approve", "--allow-destroy"],
        unset,
        set,
    );
    let run = run.expect(1, &format!("apply must fail: {needle}"));
    assert!(squash(&run.stderr).contains(needle), "{}", run.show());
    assert_eq!(write_lines(&panel.log()), Vec::<String>::new(), "no write");
    panel.assert_unchanged_since(&before, "no write");
}

#[test]
fn a_secret_that_cannot_be_read_fails_plan_and_apply_before_any_write() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let f = secret_fleet();
    refused(
        &panel,
        f.path(),
        &["RUST_RCON_PASS"],
        &[],
        "the environment variable RUST_RCON_PASS is not set",
        "fleet.kdl:33:28",
    );
    refused(
        &panel,
        f.path(),
        &[],
        &[("RUST_RCON_PASS", "")],
        "the environment variable RUST_RCON_PASS is empty",
        "fleet.kdl:33:28",
    );
    refused(
        &panel,
        f.path(),
        &[],
        &[("RUST_RCON_PASS", "  ")],
        "the environment variable RUST_RCON_PASS is empty",
        "fleet.kdl:33:28",
    );
    refused(
        &panel,
        f.path(),
        &["ALICE_PASSWORD"],
        &[],
        "the password of user `alice` cannot be read: the environment variable ALICE_PASSWORD is not set",
        "fleet.kdl:24:14",
    );
    std::fs::write(f.path().join("secrets/gmod-gslt.txt"), "\n").expect("write");
    refused(
        &panel,
        f.path(),
        &[],
        &[],
        "secrets/gmod-gslt.txt is empty",
        "fleet.kdl:42:9",
    );
    std::fs::remove_file(f.path().join("secrets/gmod-gslt.txt")).expect("rm");
    refused(
        &panel,
        f.path(),
        &[],
        &[],
        "cannot read the secret file",
        "fleet.kdl:42:9",
    );
}

/// The case of the issue: an empty `STEVE_PASSWORD=` used to create a root admin without the
/// password, and an unset one let `plan` pass and `apply` fail after 19 writes.
#[test]
fn an_empty_or_missing_admin_password_stops_the_example_fleet() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let dir = example("minecraft-network");
    for (unset, set) in [
        (&["STEVE_PASSWORD"][..], &[][..]),
        (&[][..], &[("STEVE_PASSWORD", "")][..]),
    ] {
        refused(
            &panel,
            &dir,
            unset,
            set,
            "the password of user `steve` cannot be read",
            "fleet.kdl:33:14",
        );
    }
    assert!(
        panel.state().users.values().all(|u| u.username != "steve"),
        "no admin was created"
    );
}

/// An ignored variable keeps the panel's value without the plan copying it: the engine reads
/// it when it writes the other variables (sensitive or not, the value is not in the plan).
#[test]
fn ignored_variables_keep_the_panel_value_without_carrying_it() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let f = secret_fleet();
    panel.apply_ok(f.path());
    set_variable(&panel, "rust", "RCON_PASS", LIVE_SECRET);
    set_variable(&panel, "rust", "MAX_PLAYERS", "77");
    f.edit(
        "fleet.kdl",
        r#"HOSTNAME="Rust EU""#,
        r#"HOSTNAME="Rust EU 2" MAX_PLAYERS="40""#,
    )
    .edit(
        "fleet.kdl",
        "    allocation \"10.0.0.5:28015\"\n",
        "    allocation \"10.0.0.5:28015\"\n    ignore \"environment.RCON_PASS\" \"environment.MAX_PLAYERS\"\n",
    );
    let plan = plans_are_clean(&panel, f.path());
    let rust = change(&plan, "server.rust");
    let names: Vec<&str> = rust["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["environment.HOSTNAME"]);
    let env = &op(rust, "startup")["set"]["environment"];
    assert_eq!(
        env["keep_panel"],
        serde_json::json!(["MAX_PLAYERS", "RCON_PASS"])
    );
    assert!(env["values"].get("MAX_PLAYERS").is_none(), "{env}");
    assert!(env["secrets"].get("RCON_PASS").is_none(), "{env}");
    panel.apply_ok(f.path());
    let st = panel.state();
    assert_eq!(
        variable(&st, "rust", "HOSTNAME").as_deref(),
        Some("Rust EU 2")
    );
    assert_eq!(
        variable(&st, "rust", "RCON_PASS").as_deref(),
        Some(LIVE_SECRET)
    );
    assert_eq!(variable(&st, "rust", "MAX_PLAYERS").as_deref(), Some("77"));
}

/// A variable named like a secret is not shown even when the manifests do not read it from a
/// secret: leaving `RCON_PASS` out resets it to the egg's default without printing the panel's.
#[test]
fn a_secret_looking_variable_is_never_shown() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let f = secret_fleet();
    panel.apply_ok(f.path());
    set_variable(&panel, "rust", "RCON_PASS", LIVE_SECRET);
    f.edit("fleet.kdl", r#" RCON_PASS=(env)"RUST_RCON_PASS""#, "");
    let plan = plans_are_clean(&panel, f.path());
    let rust = change(&plan, "server.rust");
    let rcon = attr(rust, "environment.RCON_PASS");
    assert_eq!(rcon["sensitive"], true, "{rcon}");
    assert!(rcon["old"].is_null() && rcon["new"].is_null(), "{rcon}");
    for format in ["text", "json", "markdown"] {
        let run = panel
            .roost(&["drift", p(f.path()), "--format", format])
            .expect(3, "drift");
        assert_clean(&format!("the {format} drift report"), &run.stdout);
    }
    panel.apply_ok(f.path());
    assert_eq!(
        variable(&panel.state(), "rust", "RCON_PASS").as_deref(),
        Some("CHANGEME"),
        "the egg's default"
    );
}

/// A secret the panel rejects (the egg takes 32 letters and digits) fails the apply with the
/// panel's message, which names the variable and not the value.
#[test]
fn a_rejected_secret_is_not_repeated_in_the_error() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let f = secret_fleet();
    std::fs::write(f.path().join("secrets/gmod-gslt.txt"), SECRET).expect("write");
    for format in ["text", "json"] {
        let run = roost_with(
            &panel,
            &["apply", p(f.path()), "--auto-approve", "--format", format],
            &[],
            &[],
        );
        let run = run.expect(1, "the panel rejects the token");
        let failure = run
            .stdout
            .lines()
            .chain(run.stderr.lines())
            .find(|l| l.contains("FAILED") || l.contains("\"failed\""))
            .unwrap_or_else(|| panic!("no failure reported:\n{}", run.show()));
        assert!(
            failure.contains("server.gmod") && failure.contains("environment.STEAM_ACC"),
            "the failure names the variable: {failure}"
        );
    }
}
