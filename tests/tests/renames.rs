//! Renaming a server's key: without `moved` the plan deletes it (and its files) and creates an
//! empty one, and says it looks like a rename; with `moved from="server.OLD"` it renames the
//! panel server in place: same id, no delete, its marker rewritten.

mod common;

use common::manifests::Fleet;
use common::panel::Panel;
use common::sim_state::{managed_servers, server_by_name};
use common::{DIALECTS, p, small};

/// The small fleet applied, and a copy whose `alpha` is now `alpha-2` (`moved` line optional).
fn renamed(panel: &Panel, moved: bool) -> Fleet {
    let dir = small(panel.dialect());
    panel.apply_ok(&dir);
    let f = Fleet::copy(&dir);
    let line = if moved {
        "server \"alpha-2\" from=\"paper\" {\n    moved from=\"server.alpha\""
    } else {
        "server \"alpha-2\" from=\"paper\" {"
    };
    f.edit("fleet.kdl", "server \"alpha\" from=\"paper\" {", line);
    f
}

fn actions(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["address"].as_str().unwrap().starts_with("server."))
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["address"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_rename_without_moved_is_a_delete_and_a_create_with_a_hint() {
    for d in DIALECTS {
        let panel = Panel::start(d);
        let f = renamed(&panel, false);
        let run = panel.plan_as(f.path(), "json", &[]).expect(0, "plan");
        let plan = run.json();
        let got = actions(&plan);
        assert!(
            got.contains(&("delete".into(), "server.alpha".into())),
            "{d}: {got:?}"
        );
        assert!(
            got.contains(&("create".into(), "server.alpha-2".into())),
            "{d}: {got:?}"
        );
        let notes = plan["notes"].to_string();
        assert!(
            notes.contains("add `moved from=\\\"server.alpha\\\"` to server `alpha-2`"),
            "{d}: no rename hint in {notes}"
        );
        let text = panel.plan(f.path(), &[]).expect(0, "plan text");
        assert!(
            text.stdout.contains("if this is a rename"),
            "the text plan shows the hint: {}",
            text.show()
        );
    }
}

#[test]
fn a_create_unlike_the_deleted_server_gets_no_hint() {
    let panel = Panel::start(common::DIALECTS[0]);
    let f = renamed(&panel, false);
    // Another owner: not the same server under a new name.
    f.edit(
        "fleet.kdl",
        "server \"alpha-2\" from=\"paper\" {\n    name \"Alpha\"\n    owner \"ana\"",
        "server \"alpha-2\" from=\"paper\" {\n    name \"Alpha\"\n    owner \"ben\"",
    );
    let plan = panel
        .plan_as(f.path(), "json", &[])
        .expect(0, "plan")
        .json();
    assert!(
        !plan["notes"].to_string().contains("moved from"),
        "{}",
        plan["notes"]
    );
}

#[test]
fn moved_renames_the_server_in_place() {
    for d in DIALECTS {
        let panel = Panel::start(d);
        let f = renamed(&panel, true);
        let id = server_by_name(&panel.state(), "Alpha").id;
        let plan = panel
            .plan_as(f.path(), "json", &[])
            .expect(0, "plan")
            .json();
        let got = actions(&plan);
        // Re-marking a panel server is what adoption does: the plan shows it as one.
        assert_eq!(
            got,
            [("adopt".to_string(), "server.alpha-2".to_string())],
            "{d}: {plan:#}"
        );
        let change = &plan["changes"][0];
        assert!(
            change["attributes"].to_string().contains("roost:alpha-2"),
            "{change:#}"
        );
        let notes = plan["notes"].to_string();
        assert!(notes.contains("is server.alpha renamed"), "{d}: {notes}");
        let run = panel
            .apply(f.path(), &["--auto-approve"])
            .expect(0, "apply");
        assert!(!run.stdout.contains("destroy"), "{}", run.show());
        let st = panel.state();
        let managed: Vec<String> = managed_servers(&st).into_keys().collect();
        assert!(
            managed.contains(&"roost:alpha-2".to_string()),
            "{managed:?}"
        );
        assert!(!managed.contains(&"roost:alpha".to_string()), "{managed:?}");
        assert_eq!(
            server_by_name(&st, "Alpha").id,
            id,
            "{d}: the same panel server"
        );
        // The `moved` line may stay: it is history now.
        panel.assert_converged(f.path(), "after the rename");
    }
}

fn plan_error(panel: &Panel, f: &Fleet) -> String {
    let run = panel.plan(f.path(), &[]).expect(1, "plan");
    run.stderr
}

#[test]
fn moved_from_a_server_still_declared_or_twice_is_refused() {
    let d = common::DIALECTS[0];
    let panel = Panel::start(d);
    let f = renamed(&panel, true);
    // Both blocks: alpha back next to alpha-2.
    f.append(
        "fleet.kdl",
        "server \"alpha\" from=\"paper\" {\n    name \"Alpha again\"\n    owner \"ana\"\n    node \"n1\"\n    allocation 25570\n}\n",
    );
    let e = plan_error(&panel, &f);
    assert!(e.contains("roost::moved-still-declared"), "{e}");

    let f = Fleet::copy(&small(d));
    f.edit(
        "fleet.kdl",
        "server \"alpha\" from=\"paper\" {",
        "server \"alpha-2\" from=\"paper\" {\n    moved from=\"server.zulu\"",
    )
    .edit(
        "fleet.kdl",
        "server \"bravo\" from=\"paper\" {",
        "server \"bravo\" from=\"paper\" {\n    moved from=\"server.zulu\"",
    );
    let e = plan_error(&panel, &f);
    assert!(e.contains("roost::moved-twice"), "{e}");
}

#[test]
fn moved_is_checked_where_it_is_written() {
    let d = common::DIALECTS[0];
    let bad = [
        ("moved from=\"user.ana\"", "takes a server address"),
        ("moved from=\"server.alpha\"", "moved from itself"),
        ("moved", "needs `from`"),
    ];
    for (line, why) in bad {
        let f = Fleet::copy(&small(d));
        f.edit(
            "fleet.kdl",
            "server \"alpha\" from=\"paper\" {",
            &format!("server \"alpha\" from=\"paper\" {{\n    {line}"),
        );
        let run = common::cli::offline(&["validate", p(f.path())]).expect(1, line);
        assert!(run.stderr.contains(why), "{line}: {}", run.show());
        assert!(
            run.stderr.contains("fleet.kdl:"),
            "{line}: no place: {}",
            run.show()
        );
    }
    let f = Fleet::copy(&small(d));
    f.edit(
        "fleet.kdl",
        "template \"paper\" {",
        "template \"paper\" {\n    moved from=\"server.old\"",
    );
    let run = common::cli::offline(&["validate", p(f.path())]).expect(1, "moved in a template");
    assert!(
        run.stderr.contains("cannot be set in a template"),
        "{}",
        run.show()
    );
}

#[test]
fn moved_survives_validate_print() {
    let d = common::DIALECTS[1];
    let f = Fleet::copy(&small(d));
    f.edit(
        "fleet.kdl",
        "server \"alpha\" from=\"paper\" {",
        "server \"alpha-2\" from=\"paper\" {\n    moved from=\"server.alpha\"",
    );
    let printed = common::cli::offline(&["validate", "--print", p(f.path())]).expect(0, "print");
    assert!(
        printed.stdout.contains("moved from=\"server.alpha\""),
        "{}",
        printed.stdout
    );
    let again = tempfile::tempdir().unwrap();
    std::fs::write(again.path().join("all.kdl"), &printed.stdout).unwrap();
    let twice = common::cli::offline(&["validate", "--print", p(again.path())]).expect(0, "again");
    // The first print notes each server's template; the second has none to note.
    let without_notes = printed.stdout.replace("// from template \"paper\"\n", "");
    assert_eq!(twice.stdout, without_notes);
}
