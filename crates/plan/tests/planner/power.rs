//! `power`: validated and shown as a note; the plan does not yet compare power states.

use crate::case::*;
use crate::common::{live_server, live_user, server_block, user_block};
use roost_model::Live;

/// The user `bob` and the server `lobby` on 10.0.0.5:25566, with `extra` lines.
fn lobby(d: roost_model::Dialect, extra: &str) -> String {
    format!(
        "{}{}",
        user_block(d, "bob", "bob@example.com", ""),
        server_block(d, "lobby", "bob", 25566, extra)
    )
}

/// `bob`, and `lobby` (id 7) as roost created it.
fn live_lobby(l: &mut Live) {
    let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
    if l.dialect == PL {
        u.first_name = None;
        u.last_name = None;
    }
    l.users.push(u);
    live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
}

fn says_power_is_not_acted_on(p: &roost_plan::Plan) {
    let note = p
        .notes
        .iter()
        .find(|n| n.contains("power \"running\""))
        .unwrap_or_else(|| panic!("no power note in {:?}", p.notes));
    assert!(note.contains("server `lobby`"), "{note}");
    assert!(note.contains("does not yet"), "{note}");
    assert!(
        note.contains("roost server power server.lobby --ensure running --wait"),
        "{note}"
    );
}

cases! {
    a_declared_power_state_is_noted_not_silently_dropped_pterodactyl: Case {
        kdl: |d| lobby(d, "    power \"running\""),
        live: live_lobby,
        check: says_power_is_not_acted_on,
        ..CASE
    };
    a_declared_power_state_is_noted_not_silently_dropped_pelican: Case {
        dialect: PL,
        kdl: |d| lobby(d, "    power \"running\""),
        live: live_lobby,
        check: says_power_is_not_acted_on,
        ..CASE
    };
    without_power_there_is_no_note: Case {
        kdl: |d| lobby(d, ""),
        live: live_lobby,
        check: |p| assert!(!p.notes.iter().any(|n| n.contains("power")), "{:?}", p.notes),
        ..CASE
    };
}
