//! Subusers end to end, in both dialects, through the Client API with the admin's client key:
//! a declared subuser is invited (the panel makes the account), then left alone; a permission
//! edit converges; permissions changed behind roost's back show in `plan` and `drift`; `import`
//! writes subusers back; a typo in a permission name is caught by `validate`; an undeclared
//! subuser is removed only under the child-ownership rule.

mod common;

use common::manifests::Fleet;
use common::panel::Panel;
use common::sim_state::server_by_name;
use common::{fleet, p};
use roost_sim::{Dialect, SimState};

const PT: Dialect = Dialect::Pterodactyl;
const PL: Dialect = Dialect::Pelican;

const MIRA: &str = "    subuser \"mira@example.net\" {\n        permissions \"control.console\" \"file.read\"\n    }\n";

fn with_subusers(dialect: Dialect, blocks: &str) -> Fleet {
    let f = Fleet::copy(&fleet(dialect));
    f.edit(
        "servers.kdl",
        "    allocation 25565\n",
        &format!("    allocation 25565\n{blocks}"),
    );
    f
}

/// The lobby's subusers: (e-mail, sorted permissions without `websocket.connect`).
fn lobby_subusers(st: &SimState) -> Vec<(String, Vec<String>)> {
    let lobby = server_by_name(st, "Lobby").id;
    st.subusers
        .values()
        .filter(|s| s.server_id == lobby)
        .map(|s| {
            let email = st
                .users
                .values()
                .find(|u| u.id == s.user_id)
                .map(|u| u.email.clone())
                .unwrap_or_default();
            let mut perms: Vec<String> = match &s.permissions {
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                serde_json::Value::Object(o) => o
                    .values()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                _ => Vec::new(),
            };
            perms.retain(|p| p != "websocket.connect");
            perms.sort();
            (email, perms)
        })
        .collect()
}

fn invited_edited_converged(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let f = with_subusers(dialect, MIRA);
    let plan = panel.roost(&["plan", p(f.path())]).expect(0, "plan");
    assert!(
        plan.stdout
            .contains("server.lobby/subuser.mira@example.net will be created"),
        "{}",
        plan.show()
    );
    panel.apply_ok(f.path());
    assert_eq!(
        lobby_subusers(&panel.state()),
        [(
            "mira@example.net".to_string(),
            vec!["control.console".to_string(), "file.read".to_string()]
        )]
    );
    panel.assert_converged(f.path(), "after the invite");
    f.edit(
        "servers.kdl",
        "\"file.read\"",
        "\"file.read\" \"file.update\"",
    );
    panel.apply_ok(f.path());
    assert_eq!(
        lobby_subusers(&panel.state())[0].1,
        ["control.console", "file.read", "file.update"]
    );
    panel.assert_converged(f.path(), "after the edit");
    // Drift: the permissions changed in the panel.
    panel.mutate(|st| {
        let lobby = server_by_name(st, "Lobby").id;
        let s = st
            .subusers
            .values_mut()
            .find(|s| s.server_id == lobby)
            .unwrap();
        s.permissions = serde_json::json!(["websocket.connect", "control.console"]);
    });
    let plan = panel.roost(&["plan", p(f.path()), "--detailed-exitcode"]);
    assert_eq!(plan.code, Some(2), "{}", plan.show());
    assert!(plan.stdout.contains("~ permissions"), "{}", plan.show());
    let drift = panel.roost(&["drift", p(f.path())]);
    assert_eq!(drift.code, Some(3), "{}", drift.show());
    panel.apply_ok(f.path());
    panel.assert_converged(f.path(), "after repairing the drift");
    // Import writes the subuser back, and the import plans without changes to it.
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("imported");
    let run = panel.roost(&["import", "--out", p(&dir)]);
    assert_eq!(run.code, Some(0), "{}", run.show());
    let text = common::manifests::read_tree(&dir)
        .into_values()
        .collect::<String>();
    assert!(
        text.contains("subuser \"mira@example.net\"")
            && text.contains("permissions \"control.console\" \"file.read\" \"file.update\""),
        "{text}"
    );
    let plan = panel.roost(&["plan", p(&dir)]);
    assert_eq!(plan.code, Some(0), "{}", plan.show());
    assert!(!plan.stdout.contains("subuser."), "{}", plan.show());
}

#[test]
fn subusers_are_invited_edited_drift_and_import_on_pterodactyl() {
    invited_edited_converged(PT);
}

#[test]
fn subusers_are_invited_edited_drift_and_import_on_pelican() {
    invited_edited_converged(PL);
}

fn pruned_only_when_told(dialect: Dialect) {
    let panel = Panel::with_client_key(dialect);
    let both = with_subusers(
        dialect,
        &format!(
            "{MIRA}    subuser \"friend@example.net\" {{ permissions \"control.console\"; }}\n"
        ),
    );
    panel.apply_ok(both.path());
    assert_eq!(lobby_subusers(&panel.state()).len(), 2);
    let f = with_subusers(dialect, MIRA);
    let plan = panel.roost(&["plan", p(f.path())]).expect(0, "plan");
    assert!(
        plan.stdout
            .contains("subuser server.lobby/subuser.friend@example.net"),
        "{}",
        plan.show()
    );
    panel.apply_ok(f.path());
    assert_eq!(lobby_subusers(&panel.state()).len(), 2);
    f.edit(
        "panel.kdl",
        "prune \"servers\" \"allocations\"",
        "prune \"servers\" \"allocations\" \"subusers\"",
    );
    let refused = panel.roost(&["apply", p(f.path()), "--auto-approve"]);
    assert_ne!(refused.code, Some(0), "{}", refused.show());
    panel.apply_ok(f.path());
    let left: Vec<String> = lobby_subusers(&panel.state())
        .into_iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(left, ["mira@example.net"]);
    // The account stays.
    assert!(
        panel
            .state()
            .users
            .values()
            .any(|u| u.email == "friend@example.net")
    );
}

#[test]
fn an_undeclared_subuser_is_removed_only_when_pruned_on_pterodactyl() {
    pruned_only_when_told(PT);
}

#[test]
fn an_undeclared_subuser_is_removed_only_when_pruned_on_pelican() {
    pruned_only_when_told(PL);
}

#[test]
fn validate_catches_a_permission_typo_and_the_other_dialects_spelling() {
    let f = with_subusers(
        PT,
        "    subuser \"mira@example.net\" { permissions \"file.raed\" \"database.view-password\"; }\n",
    );
    let run = common::cli::offline(&["validate", p(f.path())]);
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        run.stderr.contains("did you mean \"file.read\"?"),
        "{}",
        run.show()
    );
    assert!(
        run.stderr
            .contains("Pterodactyl spells it \"database.view_password\""),
        "{}",
        run.show()
    );
    assert!(run.stderr.contains("servers.kdl:9:"), "{}", run.show());
}
