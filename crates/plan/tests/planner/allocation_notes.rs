//! Allocation notes (`allocation_notes.IP:PORT` of a server): read from the Application API's
//! allocation listings, written through the Client API after the server holds its allocations;
//! only declared notes are managed. And the primary allocation, switched through the build.

use crate::case::*;
use crate::common::{live_server, live_user, server_block, user_block};
use roost_model::Live;
use roost_plan::{OpSpec, Retry};

/// `bob`, and `lobby` on 25566 with 25567 besides, with `extra` lines.
fn lobby(d: roost_model::Dialect, extra: &str) -> String {
    format!(
        "{}{}",
        user_block(d, "bob", "bob@example.com", ""),
        server_block(
            d,
            "lobby",
            "bob",
            25566,
            &format!("    additional-allocations 25567\n{extra}")
        )
    )
}

fn noted(d: roost_model::Dialect) -> String {
    lobby(d, "    allocation-note 25567 \"query port\"")
}

fn bob(l: &mut Live) {
    let mut u = live_user(2, "bob", "bob@example.com", Some("roost:bob"));
    if l.dialect == PL {
        u.first_name = None;
        u.last_name = None;
    }
    l.users.push(u);
}

/// The allocation at `port` (ids: 25565 is 1, 25566 is 2, …).
fn at(l: &mut Live, port: u16) -> &mut roost_model::LiveAllocation {
    l.allocations
        .iter_mut()
        .find(|a| a.port == port)
        .expect("a port of n1")
}

/// `lobby` (id 7) as roost created it, holding 25566 (primary) and 25567 (`note` on it), with
/// a client key.
fn live_lobby_noted(l: &mut Live, note: Option<&str>) {
    bob(l);
    live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
    let extra = at(l, 25567);
    extra.assigned = true;
    extra.server_id = Some(7);
    extra.notes = note.map(str::to_string);
    l.servers[0].allocations.push(3);
    l.client_key = true;
}

cases! {
    a_note_as_declared_is_no_change: Case {
        kdl: noted,
        live: |l| live_lobby_noted(l, Some("query port")),
        check: |p| assert_eq!(p.summary.refresh_requests, 0, "read with the allocations: no Client-API request"),
        ..CASE
    };
    a_changed_note_is_written_through_the_client_api: Case {
        dialect: PL,
        kdl: noted,
        live: |l| live_lobby_noted(l, Some("old")),
        plan: &["~ server.lobby [server allocation_notes]"],
        attrs: &["server.lobby allocation_notes.10.0.0.5:25567: \"old\" -> \"query port\""],
        check: |p| {
            let o = op(p, "server.lobby", 0);
            assert_eq!(o["identifier"], "srv00007");
            assert_eq!(o["allocation"], 3);
            assert_eq!(o["notes"], "query port");
            assert_eq!(o["was"], "old");
            let c = &crate::common::change(p, "server.lobby").ops[0];
            assert_eq!(c.call().unwrap().to_string(), "POST /client/servers/srv00007/network/allocations/3");
            assert_eq!(c.retry(), Retry::Idempotent);
            assert_eq!(crate::common::change(p, "server.lobby").impact, roost_plan::Impact::None);
        },
        ..CASE
    };
    a_note_on_the_primary_is_planned_the_same_way: Case {
        kdl: |d| lobby(d, "").replace("allocation \"10.0.0.5:25566\"", "allocation \"10.0.0.5:25566\" notes=\"game\""),
        live: |l| live_lobby_noted(l, None),
        plan: &["~ server.lobby [server allocation_notes]"],
        attrs: &["server.lobby allocation_notes.10.0.0.5:25566: \"\" -> \"game\""],
        check: |p| assert_eq!(op(p, "server.lobby", 0)["allocation"], 2),
        ..CASE
    };
    an_empty_note_clears_the_panels: Case {
        kdl: |d| lobby(d, "    allocation-note 25567 \"\""),
        live: |l| live_lobby_noted(l, Some("old")),
        plan: &["~ server.lobby [server allocation_notes]"],
        attrs: &["server.lobby allocation_notes.10.0.0.5:25567: \"old\" -> \"\""],
        check: |p| assert!(op(p, "server.lobby", 0)["notes"].is_null()),
        ..CASE
    };
    an_undeclared_note_is_left_as_the_panel_has_it: Case {
        kdl: |d| lobby(d, ""),
        live: |l| {
            live_lobby_noted(l, Some("the customer's"));
            l.client_key = false;
        },
        ..CASE
    };
    an_ignored_note_is_neither_shown_nor_written: Case {
        kdl: |d| lobby(d, "    allocation-note 25567 \"query port\"\n    ignore \"allocation_notes.10.0.0.5:25567\""),
        live: |l| live_lobby_noted(l, Some("theirs")),
        ..CASE
    };
    an_ignored_note_leaves_the_others_managed: Case {
        kdl: |d| lobby(d, "    allocation-note 25567 \"query port\"\n    allocation-note 25566 \"game\"\n    ignore \"allocation_notes.10.0.0.5:25567\""),
        live: |l| live_lobby_noted(l, Some("theirs")),
        plan: &["~ server.lobby [server allocation_notes]"],
        check: |p| assert_eq!(op(p, "server.lobby", 0)["endpoint"], "10.0.0.5:25566"),
        ..CASE
    };
    a_note_to_write_without_a_client_key_is_a_plan_error: Case {
        kdl: noted,
        live: |l| {
            live_lobby_noted(l, None);
            l.client_key = false;
        },
        error: Some("roost::no-client-key"),
        check: |_| {},
        ..CASE
    };
    a_note_in_place_needs_no_client_key: Case {
        kdl: noted,
        live: |l| {
            live_lobby_noted(l, Some("query port"));
            l.client_key = false;
        },
        ..CASE
    };
    a_new_servers_notes_follow_its_create: Case {
        kdl: noted,
        live: |l| { bob(l); l.client_key = true; },
        plan: &["+ server.lobby [server create, server allocation_notes]"],
        attrs: &["server.lobby allocation_notes.10.0.0.5:25567: _ -> \"query port\""],
        check: |p| {
            let o = op(p, "server.lobby", 1);
            assert_eq!(o["server"], "server.lobby", "pending: this run creates it");
            assert!(o["identifier"].is_null());
            assert!(o["was"].is_null());
        },
        ..CASE
    };
    notes_are_written_before_a_suspension: Case {
        kdl: |d| lobby(d, "    allocation-note 25567 \"query port\"\n    suspended #true"),
        live: |l| live_lobby_noted(l, None),
        plan: &["~ server.lobby (restart) [server allocation_notes, server suspend]"],
        ..CASE
    };
    notes_are_written_after_an_unsuspension: Case {
        kdl: noted,
        live: |l| {
            live_lobby_noted(l, None);
            l.servers[0].suspended = true;
        },
        plan: &["~ server.lobby (restart) [server unsuspend, server allocation_notes]"],
        ..CASE
    };
    notes_are_written_after_the_build_that_assigns_their_allocation: Case {
        kdl: |d| lobby(d, "    allocation-note 25567 \"query port\""),
        live: |l| {
            bob(l);
            live_server(l, 7, "lobby", 2, 25566, Some("roost:lobby"));
            l.client_key = true;
        },
        plan: &["~ server.lobby (restart) [server build, server allocation_notes]"],
        ..CASE
    };
    the_primary_switches_to_an_additional_allocation_through_the_build: Case {
        kdl: |d| {
            lobby(d, "")
                .replace("allocation \"10.0.0.5:25566\"", "allocation \"10.0.0.5:25567\"")
                .replace("additional-allocations 25567", "additional-allocations 25566")
        },
        live: |l| live_lobby_noted(l, None),
        plan: &["~ server.lobby (restart) [server build]"],
        attrs: &["server.lobby allocation: \"10.0.0.5:25566\" -> \"10.0.0.5:25567\""],
        check: |p| {
            let o = op(p, "server.lobby", 0);
            assert_eq!(o["allocation"], 3);
            assert_eq!(o["additional_allocations"], serde_json::json!([2]));
        },
        ..CASE
    };
}

#[test]
fn notes_need_no_server_level_read() {
    let d = crate::common::desired(&format!("{}{}", crate::common::head(PT, ""), noted(PT)));
    let mut live = crate::common::panel(PT);
    live_lobby_noted(&mut live, None);
    assert!(roost_plan::server_level_reads(&d, &live).is_empty());
}

#[test]
fn a_note_for_a_server_that_stays_suspended_warns_that_it_cannot_be_written() {
    let d = crate::common::desired(&format!(
        "{}{}",
        crate::common::head(PT, ""),
        lobby(
            PT,
            "    allocation-note 25567 \"query port\"\n    suspended #true"
        )
    ));
    let mut live = crate::common::panel(PT);
    live_lobby_noted(&mut live, None);
    live.servers[0].suspended = true;
    let p = crate::common::ok(crate::common::planned(&d, &live));
    let c = crate::common::change(&p, "server.lobby");
    assert!(
        c.warnings.iter().any(|w| w.contains("suspended #false")),
        "{:?}",
        c.warnings
    );
    // Without a note to write, no warning.
    live.allocations[2].notes = Some("query port".into());
    let p = crate::common::ok(crate::common::planned(&d, &live));
    assert!(p.changes.is_empty(), "{:?}", p.changes);
}
