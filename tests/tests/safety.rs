//! Safety rails, each shown stopping a destructive plan: `protect` (also once the block is
//! gone), the delete threshold (`--force`), and the pre-flight checks (capacity, maintenance,
//! ports held by an unmanaged server), which fail the plan with a span in the manifests and
//! leave the panel untouched.

mod common;

use common::{cli::*, manifests::*, panel::*, sim_state::*, *};
use roost_sim::{Dialect, ServerParams};

const FLEET: &str = "fleet.kdl";

/// The safety fleet applied to a fresh panel of `dialect` (11 managed servers, `vault`
/// protected).
fn applied(dialect: Dialect) -> (Panel, Fleet) {
    let panel = Panel::start(dialect);
    let dir = Fleet::copy(&fixture("safety", "fleet"));
    if dialect == Dialect::Pelican {
        // The same fleet in Pelican terms: no locations, eggs without nests.
        let text = dir
            .read(FLEET)
            .replace("dialect \"pterodactyl\"", "dialect \"pelican\"")
            .replace("location \"fra\" {\n    description \"Frankfurt\"\n}\n", "")
            .replace("    location \"fra\"\n", "")
            .replace("    first-name \"Alex\"\n    last-name \"Doe\"\n", "")
            .replace(" nest=\"Minecraft\"", "");
        std::fs::write(dir.path().join(FLEET), text).expect("write");
    }
    panel
        .roost(&["apply", p(dir.path()), "--auto-approve", "--allow-destroy"])
        .expect(0, "apply of the safety fleet");
    assert_eq!(panel.state().servers.len(), 11);
    (panel, dir)
}

/// `roost plan` must fail with `code`, naming `needle`, pointing into fleet.kdl; then `roost
/// apply` must fail too and leave the panel exactly as it was, without a single write.
fn refused(panel: &Panel, dir: &Fleet, code: &str, needle: &str) -> Run {
    let before = panel.settled_state();
    panel.sim.clear_request_log();
    let run = panel
        .roost(&["plan", p(dir.path())])
        .expect(1, &format!("plan must fail with {code}"));
    assert!(
        run.stderr.contains(code) && run.stderr.contains(needle),
        "the plan error names {code} and {needle}:\n{}",
        run.show()
    );
    assert!(
        run.stderr.contains(&format!("[{FLEET}:")),
        "the error points into the manifests (file:line):\n{}",
        run.show()
    );
    let apply = panel.roost(&[
        "apply",
        p(dir.path()),
        "--auto-approve",
        "--allow-destroy",
        "--force",
    ]);
    assert_eq!(apply.code, Some(1), "apply must refuse:\n{}", apply.show());
    assert!(apply.stderr.contains(code), "{}", apply.show());
    assert_eq!(
        write_lines(&panel.log()),
        Vec::<String>::new(),
        "no write reached the panel"
    );
    panel.assert_unchanged_since(&before, "no write");
    run
}

fn protect_stops_a_replace(dialect: Dialect) {
    let (panel, dir) = applied(dialect);
    let vault = server_by_name(&panel.state(), "The Vault").clone();
    assert_eq!(
        vault.external_id.as_deref(),
        Some("roost:vault!"),
        "the protect marker"
    );
    // Moving it to another node means destroying it: refused.
    dir.edit(
        FLEET,
        "    node \"mc-1\"\n    allocation 25565\n    protect #true",
        "    node \"mc-2\"\n    allocation 25599\n    protect #true",
    );
    refused(
        &panel,
        &dir,
        "roost::protected",
        "server `vault` is protected",
    );
    assert_eq!(server_by_name(&panel.state(), "The Vault").id, vault.id);
}

#[test]
fn protect_stops_a_replace_pterodactyl() {
    protect_stops_a_replace(Dialect::Pterodactyl);
}

#[test]
fn protect_stops_a_replace_pelican() {
    protect_stops_a_replace(Dialect::Pelican);
}

fn protect_outlives_its_block(dialect: Dialect) {
    let (panel, dir) = applied(dialect);
    dir.remove_block(FLEET, "server \"vault\"");
    let before = panel.settled_state();
    panel.sim.clear_request_log();
    let run = panel
        .roost(&["plan", p(dir.path())])
        .expect(1, "plan deleting a protected server");
    assert!(
        run.stderr.contains("roost::protected") && run.stderr.contains("vault"),
        "{}",
        run.show()
    );
    let apply = panel.roost(&[
        "apply",
        p(dir.path()),
        "--auto-approve",
        "--allow-destroy",
        "--force",
    ]);
    assert_eq!(apply.code, Some(1), "{}", apply.show());
    assert_eq!(write_lines(&panel.log()), Vec::<String>::new());
    panel.assert_unchanged_since(&before, "nothing is deleted");
    assert_eq!(panel.state().servers.len(), 11);
}

#[test]
fn protect_outlives_its_block_pterodactyl() {
    protect_outlives_its_block(Dialect::Pterodactyl);
}

#[test]
fn protect_outlives_its_block_pelican() {
    protect_outlives_its_block(Dialect::Pelican);
}

/// Deleting 2 of 11 managed servers breaches `threshold`: the plan says so and where it is
/// set; apply refuses without --force and deletes with it.
fn threshold_case(threshold: &str, line_of: &str) {
    let (panel, dir) = applied(Dialect::Pterodactyl);
    dir.edit(FLEET, "delete-threshold percent=10", threshold);
    dir.remove_block(FLEET, "server \"s09\"");
    dir.remove_block(FLEET, "server \"s10\"");
    let line = dir
        .read(FLEET)
        .lines()
        .position(|l| l.contains(line_of))
        .map(|i| i + 1);

    let run = panel
        .roost(&["plan", p(dir.path())])
        .expect(0, "the plan itself is made");
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(
        text.contains("threshold") && text.contains("2 "),
        "the plan says the threshold is breached:\n{}",
        run.show()
    );
    let json = panel
        .roost(&["plan", p(dir.path()), "--format", "json"])
        .expect(0, "plan --format json")
        .json();
    let t = &json["threshold"];
    assert_eq!(t["destroyed"], 2, "{t:#}");
    assert_eq!(t["managed"], 11, "{t:#}");
    match line {
        Some(line) => {
            let at = t["set_at"].as_str().unwrap_or_default();
            assert!(
                at.starts_with(&format!("{FLEET}:{line}")),
                "set_at {at:?} names {FLEET}:{line}"
            );
            assert!(text.contains(&format!("{FLEET}:{line}")), "{}", run.show());
        }
        None => assert!(
            text.contains("default"),
            "the plan says the default applies:\n{}",
            run.show()
        ),
    }

    let before = panel.settled_state();
    panel.sim.clear_request_log();
    let apply = panel.roost(&["apply", p(dir.path()), "--auto-approve", "--allow-destroy"]);
    assert_eq!(
        apply.code,
        Some(1),
        "apply without --force:\n{}",
        apply.show()
    );
    assert!(apply.stderr.contains("--force"), "{}", apply.show());
    assert_eq!(write_lines(&panel.log()), Vec::<String>::new());
    panel.assert_unchanged_since(&before, "nothing deleted");

    panel
        .roost(&[
            "apply",
            p(dir.path()),
            "--auto-approve",
            "--allow-destroy",
            "--force",
        ])
        .expect(0, "apply --force");
    let st = panel.state();
    assert_eq!(st.servers.len(), 9);
    assert!(
        !st.servers
            .values()
            .any(|s| s.name == "s09" || s.name == "s10")
    );
    panel
        .roost(&["plan", p(dir.path()), "--detailed-exitcode"])
        .expect(0, "converged");
}

#[test]
fn delete_threshold_percent() {
    threshold_case("delete-threshold percent=10", "delete-threshold");
}

#[test]
fn delete_threshold_count() {
    threshold_case("delete-threshold percent=50 count=1", "delete-threshold");
}

#[test]
fn delete_threshold_default() {
    threshold_case("", "no such line");
}

#[test]
fn within_threshold_needs_no_force() {
    let (panel, dir) = applied(Dialect::Pterodactyl);
    dir.remove_block(FLEET, "server \"s10\"");
    let json = panel
        .roost(&["plan", p(dir.path()), "--format", "json"])
        .expect(0, "plan")
        .json();
    assert!(
        json["threshold"].is_null(),
        "1 of 11 is within 10%: {json:#}"
    );
    panel
        .roost(&["apply", p(dir.path()), "--auto-approve", "--allow-destroy"])
        .expect(0, "apply deletes one server without --force");
    assert_eq!(panel.state().servers.len(), 10);
}

#[test]
fn preflight_node_over_capacity() {
    let (panel, dir) = applied(Dialect::Pterodactyl);
    // mc-1 holds 6 × 1 GiB of 16 GiB; one server asking 12 GiB more does not fit.
    dir.edit(
        FLEET,
        "server \"s01\" from=\"paper\" {\n",
        "server \"s01\" from=\"paper\" {\n    limits memory=\"13GiB\"\n",
    );
    refused(&panel, &dir, "roost::over-capacity", "node `mc-1`");
}

#[test]
fn preflight_new_server_on_node_in_maintenance() {
    let (panel, dir) = applied(Dialect::Pterodactyl);
    dir.edit(
        FLEET,
        "    fqdn \"mc2.nodes.example.com\"\n",
        "    fqdn \"mc2.nodes.example.com\"\n    maintenance #true\n",
    );
    panel
        .roost(&["apply", p(dir.path()), "--auto-approve", "--allow-destroy"])
        .expect(0, "put mc-2 into maintenance");
    assert!(panel.state().nodes.values().any(|n| n.maintenance_mode));
    let mut text = dir.read(FLEET);
    text.push_str("\nserver \"newcomer\" from=\"paper\" {\n    owner \"alex\"\n    node \"mc-2\"\n    allocation 25590\n}\n");
    std::fs::write(dir.path().join(FLEET), text).expect("write");
    refused(&panel, &dir, "roost::node-in-maintenance", "node `mc-2`");
}

#[test]
fn preflight_port_held_by_an_unmanaged_server() {
    let (panel, dir) = applied(Dialect::Pterodactyl);
    // Someone created a server by hand on mc-1:25590.
    panel.sim.mutate(|st| {
        let node = st
            .nodes
            .values()
            .find(|n| n.name == "mc-1")
            .expect("mc-1")
            .id;
        let alloc = st
            .allocations
            .values()
            .find(|a| a.node_id == node && a.port == 25590)
            .expect("the port")
            .id;
        let user = st
            .users
            .values()
            .find(|u| u.username == "alex")
            .expect("alex")
            .id;
        let egg = egg_id(st, "Paper");
        st.add_server(ServerParams {
            name: "hand-made".into(),
            user_id: user,
            egg_id: egg,
            allocation_id: Some(alloc),
            ..ServerParams::default()
        });
    });
    let mut text = dir.read(FLEET);
    text.push_str("\nserver \"newcomer\" from=\"paper\" {\n    owner \"alex\"\n    node \"mc-1\"\n    allocation 25590\n}\n");
    std::fs::write(dir.path().join(FLEET), text).expect("write");
    refused(&panel, &dir, "roost::allocation-taken", "hand-made");
}
