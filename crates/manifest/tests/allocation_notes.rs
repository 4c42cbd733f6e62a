//! Allocation notes: `allocation "…" notes="…"` for the primary and `allocation-note "…" "…"`
//! for any of the server's allocations, checked against the panel's 256 characters and the
//! server's own allocations, merged from templates allocation by allocation, printed back.

mod common;

use common::{desired, errors, fleet, report, server};
use roost_manifest::{Sources, print_desired};
use std::sync::Arc;

/// `lobby` on 25565 (the primary, noted `primary`) and 25566, with `body` besides.
fn noted(primary: &str, body: &str) -> String {
    server(
        "lobby",
        25565,
        None,
        &format!("    additional-allocations 25566\n{body}"),
    )
    .replace(
        "allocation \"10.0.0.5:25565\"\n",
        &format!("allocation \"10.0.0.5:25565\"{primary}\n"),
    )
}

fn notes(d: &roost_model::Desired, key: &str) -> Vec<(String, String)> {
    d.servers[key]
        .allocation_notes
        .iter()
        .map(|n| (n.endpoint.to_string(), n.notes.clone()))
        .collect()
}

#[test]
fn notes_read_for_the_primary_and_the_others_and_print_back() {
    for dialect in ["pterodactyl", "pelican"] {
        let text = noted(
            " notes=\"game port\"",
            "    allocation-note 25566 \"  query port \"",
        );
        let d = desired(fleet(dialect, &text));
        assert_eq!(
            notes(&d, "lobby"),
            [
                ("10.0.0.5:25565".into(), "game port".into()),
                // As the panel stores it: trimmed.
                ("10.0.0.5:25566".into(), "query port".into())
            ]
        );
        let printed = print_desired(&d);
        assert!(
            printed.contains("allocation \"10.0.0.5:25565\" notes=\"game port\""),
            "{printed}"
        );
        assert!(
            printed.contains("allocation-note \"10.0.0.5:25566\" \"query port\""),
            "{printed}"
        );
        let again = desired(Sources {
            files: vec![("fleet.kdl".into(), Arc::from(printed))],
        });
        assert_eq!(notes(&again, "lobby"), notes(&d, "lobby"));
    }
}

#[test]
fn a_note_longer_than_the_panel_keeps_is_refused_where_it_is_written() {
    let long = "n".repeat(257);
    let text = noted(
        &format!(" notes=\"{long}\""),
        &format!("    allocation-note 25566 \"{}\"", "m".repeat(256)),
    );
    let e = errors(fleet("pterodactyl", &text));
    let (codes, text) = report(&e);
    assert_eq!(codes.len(), 1, "256 characters are allowed: {text}");
    assert_eq!(codes[0].0, "roost::too-long", "{text}");
    assert!(text.contains("257 > 256 characters"), "{text}");
    assert!(text.contains("fleet.kdl:14:"), "{text}");
    assert!(text.contains("at most 256"), "the fix: {text}");
}

#[test]
fn a_note_on_an_allocation_the_server_does_not_hold_is_refused() {
    // 25566 is declared on the node but not the server's.
    let body = "    allocation-note \"10.0.0.5:25566\" \"query port\"";
    let e = errors(fleet("pelican", &server("lobby", 25565, None, body)));
    let (codes, text) = report(&e);
    assert_eq!(codes.len(), 1, "{text}");
    assert_eq!(codes[0].0, "roost::note-not-on-server", "{text}");
    assert!(
        codes[0]
            .1
            .contains("10.0.0.5:25566 is not one of server `lobby`'s allocations"),
        "{text}"
    );
    assert!(text.contains("fleet.kdl:15:"), "{text}");
    assert!(
        text.contains("\"10.0.0.5:25565\"") && text.contains("additional-allocations"),
        "the help lists its allocations and the fix: {text}"
    );
}

#[test]
fn a_note_set_twice_is_a_duplicate() {
    // Once with `notes=` and once by a line; and twice by lines.
    let text = noted(
        " notes=\"a\"",
        "    allocation-note 25565 \"b\"\n    allocation-note 25566 \"c\"\n    allocation-note 25566 \"d\"",
    );
    let e = errors(fleet("pterodactyl", &text));
    let (codes, text) = report(&e);
    let names: Vec<&str> = codes.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["roost::duplicate", "roost::duplicate"], "{text}");
    assert!(text.contains("first set here"), "{text}");
}

#[test]
fn templates_pass_notes_on_and_the_server_wins_per_allocation() {
    let rest = format!(
        "template \"t\" {{\n    allocation-note 25566 \"from the template\"\n    allocation-note 25565 \"template primary\"\n}}\n{}",
        server(
            "lobby",
            25565,
            Some("t"),
            "    additional-allocations 25566\n    allocation-note 25565 \"the server's\""
        )
    );
    let d = desired(fleet("pterodactyl", &rest));
    assert_eq!(
        notes(&d, "lobby"),
        [
            ("10.0.0.5:25565".into(), "the server's".into()),
            ("10.0.0.5:25566".into(), "from the template".into())
        ]
    );
}

#[test]
fn a_templates_primary_note_goes_with_its_allocation_line() {
    // The template's `allocation` line carries its note; a server that writes its own
    // `allocation` replaces both.
    let rest = format!(
        "template \"t\" {{\n    allocation \"10.0.0.5:25566\" notes=\"template's\"\n}}\n{}\n{}",
        server("lobby", 25565, Some("t"), ""),
        server("other", 25565, Some("t"), "").replace("    allocation \"10.0.0.5:25565\"\n", "")
    );
    let rest = rest.replacen("server \"other\"", "server \"second\"", 1);
    // Two servers cannot hold 25565: the second inherits the template's 25566 instead.
    let d = desired(fleet("pelican", &rest));
    assert!(notes(&d, "lobby").is_empty(), "{:?}", notes(&d, "lobby"));
    assert_eq!(
        notes(&d, "second"),
        [("10.0.0.5:25566".into(), "template's".into())]
    );
}
