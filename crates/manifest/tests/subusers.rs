//! Subusers: `subuser "EMAIL" { permissions … }` in server and template blocks, permission
//! names checked against the dialect's list with a did-you-mean.

mod common;

use common::{desired, errors, fleet, report, server};
use roost_manifest::{Sources, print_desired};
use std::sync::Arc;

#[test]
fn a_subuser_reads_and_prints_back_in_both_dialects() {
    for (dialect, view) in [
        ("pterodactyl", "database.view_password"),
        ("pelican", "database.view-password"),
    ] {
        let body = format!(
            "    subuser \"Mira@example.net\" {{ permissions \"control.console\" \"{view}\" \"control.console\"; }}"
        );
        let d = desired(fleet(dialect, &server("lobby", 25565, None, &body)));
        let s = &d.servers["lobby"].subusers["mira@example.net"];
        assert_eq!(s.email, "Mira@example.net");
        assert_eq!(s.permissions, ["control.console", view]);
        let printed = print_desired(&d);
        let again = desired(Sources {
            files: vec![("fleet.kdl".into(), Arc::from(printed))],
        });
        assert_eq!(
            serde_json::to_value(&again.servers["lobby"].subusers).unwrap(),
            serde_json::to_value(&d.servers["lobby"].subusers).unwrap()
        );
    }
}

#[test]
fn a_permission_typo_is_caught_with_a_suggestion() {
    let body = "    subuser \"mira@example.net\" { permissions \"control.consle\" \"file.read\"; }";
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    assert_eq!(codes.len(), 1, "{text}");
    assert_eq!(codes[0].0, "roost::unknown-permission");
    assert!(text.contains("did you mean \"control.console\"?"), "{text}");
    assert!(text.contains("fleet.kdl:15:"), "{text}");
}

#[test]
fn the_other_dialects_spelling_is_named() {
    let body = "    subuser \"mira@example.net\" { permissions \"database.view_password\"; }";
    let e = errors(fleet("pelican", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    assert_eq!(codes[0].0, "roost::unknown-permission", "{text}");
    assert!(
        text.contains("Pelican spells it \"database.view-password\""),
        "{text}"
    );
    let body = "    subuser \"mira@example.net\" { permissions \"mount.read\"; }";
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (_, text) = report(&e);
    assert!(text.contains("exists only on Pelican"), "{text}");
}

#[test]
fn missing_permissions_and_a_bad_address_are_errors() {
    let body = "    subuser \"mira@example.net\" { }\n    subuser \"not-an-address\" { permissions \"file.read\"; }\n    subuser \"x@example.net\" { permissions; }";
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    let names: Vec<&str> = codes.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "roost::missing-field",
            "roost::bad-value",
            "roost::missing-value"
        ],
        "{text}"
    );
}

#[test]
fn an_address_declared_twice_without_case_is_an_error() {
    let body = "    subuser \"mira@example.net\" { permissions \"file.read\"; }\n    subuser \"MIRA@example.net\" { permissions \"file.read\"; }";
    let e = errors(fleet("pterodactyl", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    assert_eq!(codes[0].0, "roost::duplicate", "{text}");
}
