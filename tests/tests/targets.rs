//! `--target` on `plan` and `apply` alike: globs over the declared addresses, a parent taking
//! its children along, a typo refused, and a saved plan applied whole (a `--target` given with
//! it is refused, not dropped).

mod common;

use common::cli::Run;
use common::manifests::Fleet;
use common::panel::Panel;
use common::sim_state::managed_servers;
use common::{DIALECTS, fleet, p, small};
use roost_sim::Dialect;
use std::collections::BTreeSet;

fn servers_in(run: &Run) -> BTreeSet<String> {
    run.json()["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["address"].as_str())
        .filter(|a| a.starts_with("server."))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_glob_targets_the_matching_servers_on_plan_and_apply() {
    for d in DIALECTS {
        let panel = Panel::start(d);
        let dir = small(d);
        let plan = panel
            .plan_as(&dir, "json", &["--target", "server.*a"])
            .expect(0, "plan --target glob");
        let want: BTreeSet<String> = ["server.alpha", "server.delta"].map(String::from).into();
        assert_eq!(servers_in(&plan), want, "{d}");
        // A glob and an address naming the same server: once.
        let twice = panel
            .plan_as(
                &dir,
                "json",
                &["--target", "server.*a", "--target", "server.alpha"],
            )
            .expect(0, "plan with an overlap");
        assert_eq!(servers_in(&twice), want, "{d}");

        panel
            .apply(&dir, &["--auto-approve", "--target", "server.*a"])
            .expect(0, "apply --target glob");
        let managed: Vec<String> = managed_servers(&panel.state()).into_keys().collect();
        assert_eq!(
            managed,
            ["roost:alpha", "roost:delta"],
            "{d}: only the matches"
        );
    }
}

#[test]
fn a_glob_or_address_naming_nothing_is_refused_before_the_panel_is_read() {
    let panel = Panel::start(Dialect::Pterodactyl);
    let dir = small(Dialect::Pterodactyl);
    let cases: [&[&str]; 3] = [
        &["plan", "--target", "server.zz*"],
        &["plan", "--target", "server.zz"],
        &["apply", "--auto-approve", "--target", "server.zz*"],
    ];
    for args in cases {
        panel.sim.clear_request_log();
        let mut all = vec![args[0], p(&dir)];
        all.extend_from_slice(&args[1..]);
        let target = args[args.len() - 1];
        let run = panel.roost(&all).expect(1, &format!("{args:?}"));
        assert!(run.stderr.contains("roost::bad-target"), "{}", run.show());
        assert!(run.stderr.contains(target), "{}", run.show());
        assert!(
            panel.log().is_empty(),
            "{args:?}: the panel was read: {:?}",
            panel.log()
        );
    }
}

#[test]
fn a_saved_plan_refuses_target_and_ignore_instead_of_dropping_them() {
    let panel = Panel::start(Dialect::Pelican);
    let dir = small(Dialect::Pelican);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plan.json");
    panel
        .roost(&["plan", p(&dir), "-o", p(&out)])
        .expect(0, "plan -o");
    for flag in [
        ["--target", "server.alpha"],
        ["--ignore", "server.*.description"],
    ] {
        panel.sim.clear_request_log();
        let run = panel
            .apply(&out, &["--auto-approve", flag[0], flag[1]])
            .expect(1, &format!("apply plan.json {}", flag[0]));
        assert!(
            run.stderr
                .contains(&format!("{} does not apply to a saved plan", flag[0])),
            "{}",
            run.show()
        );
        assert!(panel.log().is_empty(), "the panel was contacted");
    }
    // Targeted when made, the saved plan applies only its targets.
    panel
        .roost(&["plan", p(&dir), "--target", "server.b*", "-o", p(&out)])
        .expect(0, "plan --target -o");
    panel.apply(&out, &["--auto-approve"]).expect(0, "apply");
    let managed: Vec<String> = managed_servers(&panel.state()).into_keys().collect();
    assert_eq!(managed, ["roost:bravo"]);
}

/// A server target takes its databases along on apply as on plan.
#[test]
fn a_parent_target_applies_its_children() {
    let d = Dialect::Pterodactyl;
    let panel = Panel::start(d);
    let f = Fleet::copy(&fleet(d));
    f.edit(
        "servers.kdl",
        "features databases=0 allocations=0 backups=1",
        "features databases=2 allocations=0 backups=1",
    )
    .edit(
        "servers.kdl",
        "    allocation 25565\n",
        "    allocation 25565\n    database \"main\" {\n        host id=1\n    }\n",
    );
    let plan = panel
        .plan_as(f.path(), "json", &["--target", "server.lobby"])
        .expect(0, "plan --target server.lobby");
    let addresses: Vec<String> = plan.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect();
    assert!(
        addresses.contains(&"server.lobby/database.main".to_string()),
        "{addresses:?}"
    );
    panel
        .apply(f.path(), &["--auto-approve", "--target", "server.lobby"])
        .expect(0, "apply --target server.lobby");
    let st = panel.state();
    let managed: Vec<String> = managed_servers(&st).into_keys().collect();
    assert_eq!(managed, ["roost:lobby"]);
    assert_eq!(st.databases.len(), 1, "the database came along");
    assert!(
        st.databases
            .values()
            .all(|db| db.database.ends_with("_main"))
    );
}
