//! Users: identity is the username (or `adopt`), ownership is roost's marker.

use crate::case::*;
use crate::common::{live_server, live_user, user_block};
use roost_model::{Live, LiveRole, LiveUser, Secret, SecretRef};
use roost_plan::Options;

/// The user `bob` on the panel, carrying roost's marker.
fn bob(l: &mut Live) -> &mut LiveUser {
    let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
    if l.dialect == PL {
        u.first_name = None;
        u.last_name = None;
    }
    l.users.push(u);
    l.users.last_mut().unwrap()
}

fn roles(l: &mut Live) {
    l.roles.push(LiveRole {
        id: 2,
        name: "Mod".into(),
    });
    l.roles.push(LiveRole {
        id: 3,
        name: "Admin".into(),
    });
}

fn password_read(o: &mut Options) {
    o.secrets.insert(
        SecretRef::Env("BOB_PW".into()),
        Ok(Secret::new("never-in-a-plan-7f3a")),
    );
}

cases! {
    a_new_user_is_created_with_its_password_source: Case {
        kdl: |d| user_block(d, "bob", "bob@example.com", "    password env=\"BOB_PW\""),
        options: password_read,
        plan: &["+ user.bob [user create]"],
        attrs: &["user.bob password: (sensitive) -> (sensitive)", "user.bob first_name: _ -> \"A\""],
        check: |p| {
            let op = op(p, "user.bob", 0);
            assert_eq!(op["password"], serde_json::json!({"env": "BOB_PW"}));
            assert_eq!(op["fields"]["external_id"], "roost:bob");
            let json = serde_json::to_string(p).unwrap();
            assert!(!json.contains("never-in-a-plan-7f3a"));
        },
        ..CASE
    };
    an_unreadable_password_fails_the_plan: Case {
        kdl: |d| user_block(d, "bob", "bob@example.com", "    password env=\"BOB_PW\""),
        error: Some("roost::secret-unavailable"),
        ..CASE
    };
    a_pelican_user_gets_its_roles_after_the_create: Case {
        dialect: PL,
        kdl: |d| user_block(d, "bob", "bob@example.com", "    roles \"Mod\""),
        live: roles,
        plan: &["+ user.bob [user create, user assign_roles]"],
        attrs: &["user.bob roles: _ -> [\"Mod\"]"],
        check: |p| {
            let assign = op(p, "user.bob", 1);
            assert_eq!(assign["user"], "user.bob");
            assert_eq!(assign["roles"], serde_json::json!([2]));
            assert_eq!(p.changes[0].calls[1].to_string(), "PATCH /users/{user.bob}/roles/assign");
            assert_eq!(op(p, "user.bob", 0)["fields"]["root_admin"], serde_json::Value::Null);
        },
        ..CASE
    };
    a_managed_users_new_email_is_an_update: Case {
        kdl: |d| user_block(d, "bob", "robert@example.com", ""),
        live: |l| { bob(l); },
        plan: &["~ user.bob [user update]"],
        attrs: &["user.bob email: \"bob@example.com\" -> \"robert@example.com\""],
        check: |p| {
            let op = op(p, "user.bob", 0);
            assert_eq!(op["set"]["email"], "robert@example.com");
            assert_eq!(op["was"]["email"], "bob@example.com");
            assert_eq!(op["password"], serde_json::Value::Null);
        },
        ..CASE
    };
    an_existing_user_without_the_marker_needs_adopt: Case {
        kdl: |d| user_block(d, "bob", "bob@example.com", ""),
        live: |l| bob(l).external_id = None,
        error: Some("roost::adopt-required"),
        ..CASE
    };
    adopt_takes_a_user_over_and_marks_it: Case {
        kdl: |d| user_block(d, "bob", "bob@example.com", "    adopt"),
        live: |l| bob(l).external_id = None,
        plan: &["<= user.bob [user update]"],
        attrs: &["user.bob external_id: null -> \"roost:bob\""],
        ..CASE
    };
    a_renamed_user_is_updated_in_place: Case {
        kdl: |d| user_block(d, "bob", "bob@example.com", ""),
        live: |l| {
            let u = bob(l);
            u.username = "bobby".into();
            u.external_id = Some("roost:bobby".into());
        },
        plan: &["~ user.bob [user update]"],
        attrs: &["user.bob username: \"bobby\" -> \"bob\"", "user.bob external_id: \"roost:bobby\" -> \"roost:bob\""],
        check: |p| assert!(p.notes[0].contains("renamed"), "{:?}", p.notes),
        ..CASE
    };
    an_undeclared_language_is_kept_in_an_update: Case {
        kdl: |d| user_block(d, "bob", "robert@example.com", ""),
        live: |l| bob(l).language = "de".into(),
        plan: &["~ user.bob [user update]"],
        check: |p| assert_eq!(op(p, "user.bob", 0)["set"]["language"], "de"),
        ..CASE
    };
    pelican_roles_are_assigned_and_removed: Case {
        dialect: PL,
        kdl: |d| user_block(d, "bob", "bob@example.com", "    roles \"Admin\""),
        live: |l| {
            roles(l);
            bob(l).role_ids = vec![2];
        },
        plan: &["~ user.bob [user assign_roles, user remove_roles]"],
        attrs: &["user.bob roles: [\"Mod\"] -> [\"Admin\"]"],
        check: |p| {
            assert_eq!(op(p, "user.bob", 0)["roles"], serde_json::json!([3]));
            assert_eq!(op(p, "user.bob", 1)["roles"], serde_json::json!([2]));
        },
        ..CASE
    };
    a_user_that_left_the_manifests_is_pruned_when_told: Case {
        panel: "    prune \"users\"",
        live: |l| { bob(l); },
        plan: &["- user.bob [user delete]"],
        check: |p| {
            assert!(roost_plan::rails::is_destructive(&p.changes[0]));
            assert!(!roost_plan::rails::removes_root_admin(p.dialect, &p.changes[0]));
        },
        ..CASE
    };
    a_user_that_owns_servers_is_not_pruned: Case {
        panel: "    prune \"users\"",
        live: |l| {
            bob(l);
            live_server(l, 7, "theirs", 2, 25570, None);
        },
        error: Some("roost::cannot-delete"),
        ..CASE
    };
    a_password_rotation_is_an_update_carrying_the_source: Case {
        kdl: |d| user_block(d, "bob", "bob@example.com", "    password env=\"BOB_PW\" rotate=#true"),
        live: |l| { bob(l); },
        options: password_read,
        plan: &["~ user.bob [user update]"],
        attrs: &["user.bob password: (sensitive) -> (sensitive)"],
        check: |p| assert_eq!(op(p, "user.bob", 0)["password"], serde_json::json!({"env": "BOB_PW"})),
        ..CASE
    };
    a_password_without_rotation_is_not_set_again: Case {
        kdl: |d| user_block(d, "bob", "bob@example.com", "    password env=\"BOB_PW\""),
        live: |l| { bob(l); },
        options: password_read,
        ..CASE
    };
    a_taken_email_fails_the_plan: Case {
        kdl: |d| user_block(d, "bob", "bob@example.com", ""),
        live: |l| l.users.push(live_user(3, "carol", "BOB@example.com", None)),
        error: Some("roost::email-taken"),
        ..CASE
    };
    demoting_a_root_admin_needs_its_own_approval: Case {
        kdl: |d| user_block(d, "bob", "bob@example.com", ""),
        live: |l| bob(l).root_admin = true,
        plan: &["~ user.bob [user update]"],
        attrs: &["user.bob root_admin: true -> false"],
        check: |p| assert!(roost_plan::rails::removes_root_admin(p.dialect, &p.changes[0])),
        ..CASE
    };
    an_ignored_email_is_no_change: Case {
        kdl: |d| user_block(d, "bob", "robert@example.com", "    ignore \"email\""),
        live: |l| { bob(l); },
        ..CASE
    };
}
