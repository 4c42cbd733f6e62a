//! Ownership against a simulated panel (issue 10): roost never deletes what it did not create or
//! explicitly adopt. An existing user is adopted only when told; deleting a user needs
//! `--allow-destroy`, deleting a root admin `--allow-admin-removal` too (saved plans included),
//! and the owner of the API key is never deleted; two servers with one marker are never pruned;
//! a namespace change re-marks; a renamed user keeps its account.

mod common;

use common::{cli::*, manifests::*, panel::*, sim_state::*, *};
use roost_sim::{Dialect, ServerParams};

const FLEET: &str = "fleet.kdl";

/// The small fleet applied to a fresh panel of `dialect` (users ana, ben, cai; four servers;
/// prune on for servers, allocations and users).
fn applied(dialect: Dialect) -> (Panel, Fleet) {
    let panel = Panel::start(dialect);
    let dir = Fleet::copy(&small(dialect));
    panel.apply_ok(dir.path());
    (panel, dir)
}

/// The stock panel's root admin, declared with the dialect's admin field and `extra` lines.
fn admin_block(dialect: Dialect, extra: &str) -> String {
    match dialect {
        Dialect::Pterodactyl => format!(
            "user \"admin\" {{\n    email \"admin@example.com\"\n    first-name \"Admin\"\n    last-name \"User\"\n    admin #true\n{extra}}}\n"
        ),
        Dialect::Pelican => format!(
            "user \"admin\" {{\n    email \"admin@example.com\"\n    roles \"Root Admin\"\n{extra}}}\n"
        ),
    }
}

/// `run` failed with `code` and the panel saw no write since the log was cleared.
fn refused_without_writes(panel: &Panel, run: &Run, code: &str) {
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(run.stderr.contains(code), "{code}:\n{}", run.show());
    assert_eq!(write_lines(&panel.log()), Vec::<String>::new(), "no write");
}

fn admin_ext(panel: &Panel) -> Option<Option<String>> {
    panel
        .state()
        .users
        .values()
        .find(|u| u.username == "admin")
        .map(|u| u.external_id.clone())
}

fn adopt_and_delete_the_admin(dialect: Dialect) {
    let (panel, dir) = applied(dialect);
    // Declared without `adopt`: the plan fails, names the line to add, and nothing is written.
    dir.append(FLEET, &admin_block(dialect, ""));
    panel.sim.clear_request_log();
    let run = panel.plan(dir.path(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    for needle in [
        "roost::adopt-required",
        "user `admin`",
        "add the line `adopt`",
        "[fleet.kdl:",
    ] {
        assert!(run.stderr.contains(needle), "{needle}:\n{}", run.show());
    }
    let apply = panel.apply(
        dir.path(),
        &["--auto-approve", "--allow-destroy", "--force"],
    );
    refused_without_writes(&panel, &apply, "roost::adopt-required");
    assert_eq!(admin_ext(&panel), Some(None), "no marker was written");

    // With `adopt`: adopted, marker set, no destructive approval needed.
    dir.remove_block(FLEET, "user \"admin\"");
    dir.append(FLEET, &admin_block(dialect, "    adopt\n"));
    panel
        .apply(dir.path(), &["--auto-approve"])
        .expect(0, "apply adopting the admin");
    assert_eq!(admin_ext(&panel), Some(Some("roost:admin".into())));
    panel.assert_converged(dir.path(), "after the adoption");

    // Removed again: a delete of a root admin.
    dir.remove_block(FLEET, "user \"admin\"");
    panel.sim.clear_request_log();
    let apply = panel.apply(dir.path(), &["--auto-approve"]);
    refused_without_writes(&panel, &apply, "roost::destroy-not-allowed");
    let apply = panel.apply(dir.path(), &["--auto-approve", "--allow-destroy"]);
    refused_without_writes(&panel, &apply, "roost::admin-removal-not-allowed");
    assert!(
        apply.stderr.contains("--allow-admin-removal"),
        "{}",
        apply.show()
    );
    let plan = panel.plan(dir.path(), &[]).expect(0, "the plan is made");
    assert!(
        plan.stdout.contains("--allow-admin-removal"),
        "the plan's warning names the flag:\n{}",
        plan.show()
    );

    // A saved plan is held to the same rule.
    let saved = dir.path().join("plan.json");
    panel
        .plan(dir.path(), &["-o", p(&saved)])
        .expect(0, "plan -o");
    let apply = panel.roost(&["apply", p(&saved), "--auto-approve", "--allow-destroy"]);
    refused_without_writes(&panel, &apply, "roost::admin-removal-not-allowed");

    // The client token says who owns the API key: that user is never deleted.
    let client = panel.sim.client_token();
    let run = panel.roost_env(
        &["plan", p(dir.path())],
        &[("ROOST_CLIENT_TOKEN", client.as_str())],
    );
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(run.stderr.contains("roost::key-owner"), "{}", run.show());
    let apply = panel.roost_env(
        &[
            "apply",
            p(dir.path()),
            "--auto-approve",
            "--allow-destroy",
            "--allow-admin-removal",
        ],
        &[("ROOST_CLIENT_TOKEN", client.as_str())],
    );
    refused_without_writes(&panel, &apply, "roost::key-owner");
    assert!(admin_ext(&panel).is_some(), "the admin is still there");

    if dialect == Dialect::Pterodactyl {
        // Explicitly approved (Pterodactyl lets a root admin be deleted; Pelican refuses 403).
        panel
            .roost(&[
                "apply",
                p(&saved),
                "--auto-approve",
                "--allow-destroy",
                "--allow-admin-removal",
            ])
            .expect(0, "apply with every approval");
        assert_eq!(admin_ext(&panel), None, "the admin is deleted");
    }
}

#[test]
fn the_admin_is_adopted_only_when_told_and_deleted_only_when_approved_pterodactyl() {
    adopt_and_delete_the_admin(Dialect::Pterodactyl);
}

#[test]
fn the_admin_is_adopted_only_when_told_and_deleted_only_when_approved_pelican() {
    adopt_and_delete_the_admin(Dialect::Pelican);
}

#[test]
fn a_client_token_the_panel_refuses_fails_the_plan() {
    let (panel, dir) = applied(Dialect::Pelican);
    // An application key is not a client key: the panel answers 403.
    let run = panel.roost_env(
        &["plan", p(dir.path())],
        &[("ROOST_CLIENT_TOKEN", panel.sim.token().as_str())],
    );
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        run.stderr.contains("roost::client-token") && run.stderr.contains("ROOST_CLIENT_TOKEN"),
        "{}",
        run.show()
    );
}

#[test]
fn deleting_a_user_needs_allow_destroy() {
    let (panel, dir) = applied(Dialect::Pterodactyl);
    dir.append(
        FLEET,
        "user \"dan\" {\n    email \"dan@example.com\"\n    first-name \"Dan\"\n    last-name \"Ro\"\n}\n",
    );
    panel.apply_ok(dir.path());
    dir.remove_block(FLEET, "user \"dan\"");
    panel.sim.clear_request_log();
    let apply = panel.apply(dir.path(), &["--auto-approve"]);
    refused_without_writes(&panel, &apply, "roost::destroy-not-allowed");
    assert!(apply.stderr.contains("user.dan"), "{}", apply.show());
    panel
        .apply(dir.path(), &["--auto-approve", "--allow-destroy"])
        .expect(0, "apply --allow-destroy");
    assert!(!panel.state().users.values().any(|u| u.username == "dan"));
}

#[test]
fn two_servers_with_one_marker_are_never_pruned() {
    let (panel, dir) = applied(Dialect::Pterodactyl);
    // Someone made a server by hand and gave it delta's external id.
    let copy = panel.mutate(|st| {
        let delta = server_by_name(st, "Delta").clone();
        st.add_server(ServerParams {
            name: "Delta (hand-made)".into(),
            user_id: delta.user_id,
            egg_id: delta.egg_id,
            node_id: Some(delta.node_id),
            external_id: Some("roost:delta".into()),
            ..ServerParams::default()
        })
    });
    dir.remove_block(FLEET, "server \"delta\"");
    panel.sim.clear_request_log();
    let before = panel.settled_state();
    let run = panel.plan(dir.path(), &[]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        run.stderr.contains("roost::ambiguous-identity")
            && run.stderr.contains(&format!("id {copy}")),
        "{}",
        run.show()
    );
    let apply = panel.apply(
        dir.path(),
        &["--auto-approve", "--allow-destroy", "--force"],
    );
    refused_without_writes(&panel, &apply, "roost::ambiguous-identity");
    panel.assert_unchanged_since(&before, "both servers are still there");
}

fn namespace_change(dialect: Dialect) {
    let (panel, dir) = applied(dialect);
    let ids: Vec<(u64, String)> = panel
        .state()
        .servers
        .values()
        .map(|s| (s.id, s.name.clone()))
        .collect();
    dir.edit(
        FLEET,
        "namespace \"roost:\"",
        "namespace \"fleet:\" previous=\"roost:\"",
    );
    let json = panel
        .plan_as(dir.path(), "json", &[])
        .expect(0, "plan the namespace change")
        .json();
    let changes = json["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 7, "3 users and 4 servers: {json:#}");
    for c in changes {
        assert_eq!(c["action"], "adopt", "{c:#}");
        let names: Vec<&str> = c["attributes"]
            .as_array()
            .expect("attributes")
            .iter()
            .map(|a| a["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names, ["external_id"], "only the marker changes: {c:#}");
    }
    // Re-marking destroys nothing: --auto-approve alone applies it.
    panel
        .apply(dir.path(), &["--auto-approve"])
        .expect(0, "apply the re-marking");
    panel.assert_converged(dir.path(), "after the namespace change");
    let st = panel.state();
    let after: Vec<(u64, String)> = st
        .servers
        .values()
        .map(|s| (s.id, s.name.clone()))
        .collect();
    assert_eq!(after, ids, "the same servers, none created or deleted");
    assert!(
        st.servers.values().all(|s| s
            .external_id
            .as_deref()
            .is_some_and(|e| e.starts_with("fleet:"))),
        "every server carries the new marker"
    );
}

#[test]
fn a_namespace_change_re_marks_pterodactyl() {
    namespace_change(Dialect::Pterodactyl);
}

#[test]
fn a_namespace_change_re_marks_pelican() {
    namespace_change(Dialect::Pelican);
}

fn rename(dialect: Dialect) {
    let (panel, dir) = applied(dialect);
    let cai = |st: &roost_sim::SimState, name: &str| {
        st.users
            .values()
            .find(|u| u.username == name)
            .map(|u| (u.id, u.email.clone(), u.external_id.clone()))
    };
    let (id, email, _) = cai(&panel.state(), "cai").expect("cai");
    let text = dir
        .read(FLEET)
        .replace("user \"cai\"", "user \"caitlin\"")
        .replace("owner \"cai\"", "owner \"caitlin\"");
    std::fs::write(dir.path().join(FLEET), text).expect("write");
    // The first apply succeeds: no create that the panel would refuse (e-mail taken).
    panel
        .apply(dir.path(), &["--auto-approve"])
        .expect(0, "apply the rename");
    let st = panel.state();
    assert_eq!(
        cai(&st, "caitlin"),
        Some((id, email, Some("roost:caitlin".into()))),
        "the same user, renamed"
    );
    assert!(cai(&st, "cai").is_none());
    panel.assert_converged(dir.path(), "after the rename");
}

#[test]
fn renaming_a_user_keeps_the_account_pterodactyl() {
    rename(Dialect::Pterodactyl);
}

#[test]
fn renaming_a_user_keeps_the_account_pelican() {
    rename(Dialect::Pelican);
}
