//! Ownership (issue 10): roost never deletes what it did not create or explicitly adopt, and
//! never takes over what it was not told to. Each test is one defect found by a real panel or a
//! hostile review, planned without a panel.

mod common;

use common::*;
use roost_model::{Dialect, KeyOwner};
use roost_plan::{Action, rails};

const PT: Dialect = Dialect::Pterodactyl;
const PL: Dialect = Dialect::Pelican;

/// The panel's root admin (id 1), owner of the API key, as a stock panel has it.
fn with_admin(dialect: Dialect) -> roost_model::Live {
    let mut live = panel(dialect);
    let mut admin = live_user(1, "admin", "admin@example.com", None);
    admin.root_admin = true;
    if dialect == PL {
        admin.role_ids = vec![1];
        admin.first_name = None;
        admin.last_name = None;
    }
    live.users.push(admin);
    live
}

fn admin_block(dialect: Dialect, extra: &str) -> String {
    let admin = if dialect == PT {
        "    admin #true\n"
    } else {
        "    roles \"Root Admin\"\n"
    };
    user_block(
        dialect,
        "admin",
        "admin@example.com",
        &format!("{admin}{extra}"),
    )
}

// --- 1. An existing user is adopted only when told ---------------------------------------------

fn existing_user_needs_adopt(dialect: Dialect) {
    let live = with_admin(dialect);
    let d = desired(&format!(
        "{}{}",
        head(dialect, ""),
        admin_block(dialect, "")
    ));
    let errors = errors(planned(&d, &live));
    let e = the_error(&errors, "roost::adopt-required");
    assert!(e.message.contains("user `admin`"), "{}", e.message);
    let help = e.help.as_deref().unwrap_or_default();
    assert!(
        help.contains("add the line `adopt` to `user \"admin\"") && help.contains("adopt id=1"),
        "the help says the exact line to add: {help}"
    );
    assert!(e.origin.is_some(), "the error points at the user block");
}

#[test]
fn an_existing_user_is_not_adopted_silently_pterodactyl() {
    existing_user_needs_adopt(PT);
}

#[test]
fn an_existing_user_is_not_adopted_silently_pelican() {
    existing_user_needs_adopt(PL);
}

#[test]
fn adopt_takes_over_the_user_of_that_username() {
    for dialect in [PT, PL] {
        let live = with_admin(dialect);
        let d = desired(&format!(
            "{}{}",
            head(dialect, ""),
            admin_block(dialect, "    adopt")
        ));
        let plan = ok(planned(&d, &live));
        let c = change(&plan, "user.admin");
        assert_eq!(c.action, Action::Adopt, "{dialect}");
        assert_eq!(c.id, Some(1));
        assert_eq!(
            attr(c, "external_id"),
            Some(("null".into(), "\"roost:admin\"".into())),
            "{dialect}: the adoption sets roost's marker"
        );
    }
}

#[test]
fn a_user_carrying_its_own_marker_needs_no_adopt() {
    let mut live = panel(PT);
    live.users.push(live_user(
        5,
        "alex",
        "alex@example.com",
        Some("roost:alex!"),
    ));
    let d = desired(&format!(
        "{}{}",
        head(PT, ""),
        user_block(PT, "alex", "alex@example.com", "")
    ));
    let plan = ok(planned(&d, &live));
    // Only the protection is toggled: an update, not an adoption.
    let c = change(&plan, "user.alex");
    assert_eq!(c.action, Action::Update);
    assert_eq!(
        attr(c, "external_id"),
        Some(("\"roost:alex!\"".into(), "\"roost:alex\"".into()))
    );
}

#[test]
fn adopt_of_a_username_that_does_not_exist_fails() {
    let live = panel(PT);
    let d = desired(&format!(
        "{}{}",
        head(PT, ""),
        user_block(PT, "ghost", "ghost@example.com", "    adopt")
    ));
    let errors = errors(planned(&d, &live));
    the_error(&errors, "roost::adopt-missing");
}

/// roost's own users, `n` of them, with markers, and the manifests declaring the first `keep`.
fn managed_users(
    n: u64,
    keep: u64,
    panel_extra: &str,
) -> (roost_model::Desired, roost_model::Live) {
    let mut live = panel(PT);
    let mut text = head(PT, panel_extra);
    for i in 1..=n {
        let name = format!("user{i:02}");
        let email = format!("{name}@example.com");
        live.users.push(live_user(
            10 + i,
            &name,
            &email,
            Some(&format!("roost:{name}")),
        ));
        if i <= keep {
            text.push_str(&user_block(PT, &name, &email, ""));
        }
    }
    (desired(&text), live)
}

#[test]
fn deleting_a_user_is_destructive() {
    let (d, live) = managed_users(3, 2, "    prune \"users\"");
    let plan = ok(planned(&d, &live));
    let c = change(&plan, "user.user03");
    assert_eq!(c.action, Action::Delete);
    assert!(
        rails::is_destructive(c),
        "a user delete needs --allow-destroy: {c:?}"
    );
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("deletes panel user `user03`")),
        "{:?}",
        c.warnings
    );
    assert!(!rails::removes_root_admin(plan.dialect, c));
}

#[test]
fn user_deletes_count_toward_the_delete_threshold() {
    // 2 of 12 managed users is over 10%; no server is deleted at all.
    let (d, live) = managed_users(12, 10, "    prune \"users\"");
    let plan = ok(planned(&d, &live));
    assert!(plan.threshold.is_none(), "no server is destroyed");
    let t = plan
        .user_threshold
        .as_ref()
        .expect("the user threshold is breached");
    assert_eq!(t.kind, roost_model::Kind::User);
    assert_eq!((t.destroyed, t.managed), (2, 12));
    let line = roost_plan::render::threshold_line(&plan).expect("a threshold line");
    assert!(line.contains("2 of 12 managed users"), "{line}");
    // One of twelve is within it.
    let (d, live) = managed_users(12, 11, "    prune \"users\"");
    assert!(ok(planned(&d, &live)).user_threshold.is_none());
    // count= applies to users too.
    let (d, live) = managed_users(3, 1, "    prune \"users\"\n    delete-threshold count=1");
    let t = ok(planned(&d, &live))
        .user_threshold
        .expect("count=1 is breached by 2");
    assert_eq!(t.count, Some(1));
}

fn adopted_admin_removed(dialect: Dialect) -> roost_plan::Plan {
    let mut live = with_admin(dialect);
    live.users[0].external_id = Some("roost:admin".into());
    let d = desired(&head(dialect, "    prune \"users\""));
    ok(planned(&d, &live))
}

#[test]
fn deleting_a_root_admin_needs_its_own_approval() {
    for dialect in [PT, PL] {
        let plan = adopted_admin_removed(dialect);
        let c = change(&plan, "user.admin");
        assert_eq!(c.action, Action::Delete);
        assert!(rails::removes_root_admin(plan.dialect, c), "{dialect}");
        assert_eq!(rails::admin_removals(&plan).len(), 1);
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains(rails::ADMIN_REMOVAL_FLAG) && w.contains("API key")),
            "the plan names the flag and says why: {:?}",
            c.warnings
        );
    }
}

#[test]
fn demoting_a_root_admin_needs_its_own_approval() {
    let mut live = with_admin(PT);
    live.users[0].external_id = Some("roost:admin".into());
    let d = desired(&format!(
        "{}{}",
        head(PT, ""),
        user_block(PT, "admin", "admin@example.com", "")
    ));
    let plan = ok(planned(&d, &live));
    let c = change(&plan, "user.admin");
    assert_eq!(attr(c, "root_admin"), Some(("true".into(), "false".into())));
    assert!(rails::removes_root_admin(PT, c));
    // Granting is not a removal.
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "bob", "bob@example.com", Some("roost:bob")));
    let d = desired(&format!(
        "{}{}",
        head(PT, ""),
        user_block(PT, "bob", "bob@example.com", "    admin #true")
    ));
    let plan = ok(planned(&d, &live));
    assert!(rails::admin_removals(&plan).is_empty());
}

#[test]
fn the_owner_of_the_api_key_is_never_deleted() {
    for (dialect, owner) in [
        (
            PT,
            KeyOwner {
                id: Some(1),
                uuid: None,
                username: "admin".into(),
            },
        ),
        (
            PL,
            KeyOwner {
                id: None,
                uuid: Some("uuid-user-1".into()),
                username: "admin".into(),
            },
        ),
    ] {
        let mut live = with_admin(dialect);
        live.users[0].external_id = Some("roost:admin".into());
        let d = desired(&head(dialect, "    prune \"users\""));
        let errors = errors(plan_with_owner(&d, &live, owner.clone()));
        let e = the_error(&errors, "roost::key-owner");
        assert!(
            e.message.contains("user `admin`"),
            "{dialect}: {}",
            e.message
        );
        // Another user's key: the delete is planned (and needs the admin-removal approval).
        let other = KeyOwner {
            id: owner.id.map(|_| 99),
            uuid: owner.uuid.as_ref().map(|_| "someone-else".into()),
            username: "ops".into(),
        };
        let plan = ok(plan_with_owner(&d, &live, other));
        assert_eq!(change(&plan, "user.admin").action, Action::Delete);
    }
}

// --- 2. The namespace is a namespace, not a bare prefix ----------------------------------------

#[test]
fn a_bare_prefix_never_claims_another_configurations_server() {
    let mut live = panel(PT);
    live_server(&mut live, 7, "EU lobby", 2, 25566, Some("roost-eu:lobby"));
    let mut d = desired(&head(PT, "    prune \"servers\""));
    // What the manifests can no longer say (validation refuses it), the planner still refuses
    // to read as a namespace.
    d.panel.namespace = "roost".into();
    let plan = ok(planned(&d, &live));
    assert!(
        !plan.changes.iter().any(|c| c.action == Action::Delete),
        "roost-eu:lobby is not roost's: {:?}",
        actions(&plan)
    );
    assert_eq!(plan.unmanaged.servers.len(), 1);
    assert!(!plan.unmanaged.servers[0].owned);
}

#[test]
fn a_longer_namespace_is_foreign() {
    // `roost:eu:` belongs to another configuration: its server is not roost's `eu:lobby`.
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "alex", "alex@example.com", Some("roost:alex")));
    live_server(&mut live, 7, "EU lobby", 2, 25566, Some("roost:eu:lobby"));
    let d = desired(&format!(
        "{}{}",
        head(PT, "    prune \"servers\""),
        user_block(PT, "alex", "alex@example.com", "")
    ));
    let plan = ok(planned(&d, &live));
    assert!(!plan.changes.iter().any(|c| c.action == Action::Delete));
}

#[test]
fn another_configurations_user_marker_is_not_overwritten() {
    let mut live = panel(PT);
    live.users.push(live_user(
        2,
        "alex",
        "alex@example.com",
        Some("roost:eu:alex"),
    ));
    let d = desired(&format!(
        "{}{}",
        head(PT, ""),
        user_block(PT, "alex", "alex@example.com", "    adopt")
    ));
    let errors = errors(planned(&d, &live));
    let e = the_error(&errors, "roost::foreign-owner");
    assert!(e.message.contains("roost:eu:alex"), "{}", e.message);
}

#[test]
fn a_namespace_change_re_marks_instead_of_recreating() {
    for dialect in [PT, PL] {
        let mut live = panel(dialect);
        let mut alex = live_user(2, "alex", "alex@example.com", Some("roost:alex"));
        if dialect == PL {
            alex.first_name = None;
            alex.last_name = None;
        }
        live.users.push(alex);
        live_server(&mut live, 7, "lobby", 2, 25566, Some("roost:lobby"));
        live_server(&mut live, 8, "vault", 2, 25567, Some("roost:vault!"));
        // Another configuration's server under a third namespace stays untouched.
        live_server(&mut live, 9, "theirs", 2, 25568, Some("other:lobby"));
        let text = format!(
            "{}{}{}{}",
            head(
                dialect,
                "    namespace \"fleet:\" previous=\"roost:\"\n    prune \"servers\" \"users\""
            ),
            user_block(dialect, "alex", "alex@example.com", ""),
            server_block(dialect, "lobby", "alex", 25566, ""),
            server_block(dialect, "vault", "alex", 25567, "    protect #true"),
        );
        let d = desired(&text);
        let plan = ok(planned(&d, &live));
        assert_eq!(
            actions(&plan),
            vec![
                (Action::Adopt, "user.alex".to_string()),
                (Action::Adopt, "server.lobby".to_string()),
                (Action::Adopt, "server.vault".to_string()),
            ],
            "{dialect}: re-marking only, no create, no delete"
        );
        for (address, old, new) in [
            ("user.alex", "roost:alex", "fleet:alex"),
            ("server.lobby", "roost:lobby", "fleet:lobby"),
            ("server.vault", "roost:vault!", "fleet:vault!"),
        ] {
            assert_eq!(
                attr(change(&plan, address), "external_id"),
                Some((format!("\"{old}\""), format!("\"{new}\""))),
                "{dialect} {address}"
            );
        }
        assert_eq!(plan.unmanaged.servers.len(), 1, "other:lobby is left alone");
    }
}

#[test]
fn the_previous_namespace_never_prunes() {
    // `roost:old` is not declared: it may be another configuration's, so it is left alone.
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "alex", "alex@example.com", Some("fleet:alex")));
    live_server(&mut live, 7, "old", 2, 25566, Some("roost:old"));
    let d = desired(&format!(
        "{}{}",
        head(
            PT,
            "    namespace \"fleet:\" previous=\"roost:\"\n    prune \"servers\""
        ),
        user_block(PT, "alex", "alex@example.com", "")
    ));
    let plan = ok(planned(&d, &live));
    assert!(plan.changes.is_empty(), "{:?}", actions(&plan));
    assert_eq!(plan.unmanaged.servers.len(), 1);
}

#[test]
fn a_namespace_change_without_previous_says_how_to_re_mark() {
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "alex", "alex@example.com", Some("roost:alex")));
    let d = desired(&format!(
        "{}{}",
        head(PT, "    namespace \"fleet:\""),
        user_block(PT, "alex", "alex@example.com", "")
    ));
    let errors = errors(planned(&d, &live));
    let e = the_error(&errors, "roost::foreign-owner");
    let help = e.help.as_deref().unwrap_or_default();
    assert!(
        help.contains("previous=\"roost:\""),
        "the help names the previous namespace: {help}"
    );
}

// --- 3. Two panel objects with one marker: never pruned ----------------------------------------

#[test]
fn two_servers_with_one_marker_are_never_pruned() {
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "alex", "alex@example.com", Some("roost:alex")));
    live_server(&mut live, 7, "Lobby", 2, 25566, Some("roost:lobby"));
    live_server(
        &mut live,
        8,
        "Lobby (hand-made)",
        2,
        25567,
        Some("roost:lobby"),
    );
    live_server(&mut live, 9, "Hub", 2, 25568, Some("roost:hub"));
    let d = desired(&format!(
        "{}{}",
        head(PT, "    prune \"servers\""),
        user_block(PT, "alex", "alex@example.com", "")
    ));
    let errors = errors(planned(&d, &live));
    let e = the_error(&errors, "roost::ambiguous-identity");
    assert!(
        e.message.contains("id 7") && e.message.contains("id 8") && e.message.contains("`lobby`"),
        "{}",
        e.message
    );
    // Without pruning nothing would be deleted: no reason to refuse.
    let d = desired(&format!(
        "{}{}",
        head(PT, ""),
        user_block(PT, "alex", "alex@example.com", "")
    ));
    assert!(ok(planned(&d, &live)).changes.is_empty());
}

#[test]
fn a_protected_twin_is_ambiguous_too() {
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "alex", "alex@example.com", Some("roost:alex")));
    live_server(&mut live, 7, "Lobby", 2, 25566, Some("roost:lobby"));
    live_server(&mut live, 8, "Lobby copy", 2, 25567, Some("roost:lobby!"));
    let d = desired(&format!(
        "{}{}",
        head(PT, "    prune \"servers\""),
        user_block(PT, "alex", "alex@example.com", "")
    ));
    let errors = errors(planned(&d, &live));
    the_error(&errors, "roost::ambiguous-identity");
}

#[test]
fn two_users_with_one_marker_are_never_pruned() {
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "sam", "sam@example.com", Some("roost:sam")));
    live.users
        .push(live_user(3, "sam2", "sam2@example.com", Some("roost:sam!")));
    let d = desired(&head(PT, "    prune \"users\""));
    let errors = errors(planned(&d, &live));
    let e = the_error(&errors, "roost::ambiguous-identity");
    assert!(
        e.message.contains("`sam`") && e.message.contains("id 3"),
        "{}",
        e.message
    );
}

// --- 14. Usernames compare as the panel stores them --------------------------------------------

#[test]
fn a_username_stored_in_another_case_is_the_same_user() {
    // A panel user stored before the panel lower-cased usernames (or edited in the database).
    let mut live = panel(PT);
    live.users.push(live_user(
        2,
        "Sam_B",
        "sam@example.com",
        Some("roost:Sam_B"),
    ));
    live_server(&mut live, 7, "lobby", 2, 25566, Some("roost:lobby"));
    let d = desired(&format!(
        "{}{}{}",
        head(PT, ""),
        user_block(PT, "sam_b", "sam@example.com", ""),
        server_block(PT, "lobby", "sam_b", 25566, ""),
    ));
    let plan = ok(planned(&d, &live));
    assert!(
        !plan
            .changes
            .iter()
            .any(|c| c.address.to_string() == "server.lobby"),
        "the owner is the same user: {:?}",
        actions(&plan)
    );
    let c = change(&plan, "user.sam_b");
    assert_eq!(c.action, Action::Update, "its own marker, in another case");
    assert!(attr(c, "username").is_none(), "{:?}", c.attributes);
}

// --- 16. Renaming a user keeps its e-mail: an update, not create + delete ----------------------

#[test]
fn renaming_a_user_is_an_update() {
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "alex", "alex@example.com", Some("roost:alex")));
    live_server(&mut live, 7, "lobby", 2, 25566, Some("roost:lobby"));
    let d = desired(&format!(
        "{}{}{}",
        head(PT, "    prune \"users\""),
        user_block(PT, "alexander", "alex@example.com", ""),
        server_block(PT, "lobby", "alexander", 25566, ""),
    ));
    let plan = ok(planned(&d, &live));
    assert_eq!(
        actions(&plan),
        vec![(Action::Update, "user.alexander".to_string())],
        "one update renames the user; its server does not change owner"
    );
    let c = change(&plan, "user.alexander");
    assert_eq!(c.id, Some(2));
    assert_eq!(
        attr(c, "username"),
        Some(("\"alex\"".into(), "\"alexander\"".into()))
    );
    assert_eq!(
        attr(c, "external_id"),
        Some(("\"roost:alex\"".into(), "\"roost:alexander\"".into()))
    );
    assert!(
        !roost_plan::rails::is_destructive(c),
        "a rename destroys nothing"
    );
    assert!(
        plan.notes.iter().any(|n| n.contains("renamed")),
        "{:?}",
        plan.notes
    );
}

#[test]
fn a_new_user_with_a_taken_email_fails_the_plan() {
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "robert", "bob@example.com", None));
    let d = desired(&format!(
        "{}{}",
        head(PT, ""),
        user_block(PT, "bob", "Bob@example.com", "")
    ));
    let errors = errors(planned(&d, &live));
    let e = the_error(&errors, "roost::email-taken");
    assert!(
        e.help.as_deref().unwrap_or_default().contains("adopt id=2"),
        "{e:?}"
    );
}

#[test]
fn a_server_under_the_old_namespace_is_noted_not_deleted() {
    // The namespace changed without `previous=`: the old server is another namespace's, left
    // alone, and the plan says how to re-mark it instead of creating a second one.
    let mut live = panel(PT);
    live.users
        .push(live_user(2, "alex", "alex@example.com", Some("fleet:alex")));
    live_server(&mut live, 7, "lobby", 2, 25566, Some("roost:lobby"));
    let d = desired(&format!(
        "{}{}{}",
        head(PT, "    namespace \"fleet:\"\n    prune \"servers\""),
        user_block(PT, "alex", "alex@example.com", ""),
        server_block(PT, "lobby", "alex", 25567, ""),
    ));
    let plan = ok(planned(&d, &live));
    assert_eq!(
        actions(&plan),
        vec![(Action::Create, "server.lobby".to_string())]
    );
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("id 7") && n.contains("previous=\"roost:\"")),
        "{:?}",
        plan.notes
    );
}
