//! Nodes: identity is the name.

use crate::case::*;
use roost_model::{Desired, Node};

/// The head's node.
fn n1(d: &mut Desired) -> &mut Node {
    d.nodes.get_mut("n1").expect("the head declares n1")
}

cases! {
    a_new_node_is_created_in_its_location: Case {
        kdl: |_| "node \"n2\" {\n    location \"fra\"\n    fqdn \"n2.example.com\"\n    memory \"8GiB\"\n    disk 10000\n}\n".into(),
        plan: &["+ node.n2 [node create]"],
        attrs: &["node.n2 name: _ -> \"n2\"", "node.n2 memory: _ -> 8192", "node.n2 location: _ -> \"fra\""],
        check: |p| {
            let op = op(p, "node.n2", 0);
            assert_eq!(op["fields"]["location"], 1, "the location exists: its id");
            assert_eq!(op["fields"]["daemon_base"], "/var/lib/pterodactyl/volumes");
        },
        ..CASE
    };
    a_changed_capacity_is_an_update_carrying_the_whole_node: Case {
        desired: |d| n1(d).memory = 32768,
        plan: &["~ node.n1 [node update]"],
        attrs: &["node.n1 memory: 65536 -> 32768"],
        check: |p| {
            let op = op(p, "node.n1", 0);
            assert_eq!(op["id"], 1);
            assert_eq!(op["set"]["memory"], 32768);
            assert_eq!(op["set"]["fqdn"], "n1.example.com");
            assert_eq!(op["was"]["memory"], 65536);
            assert_eq!(p.changes[0].calls[0].to_string(), "PATCH /nodes/1");
        },
        ..CASE
    };
    an_ignored_attribute_keeps_the_panel_value_in_the_update: Case {
        desired: |d| {
            n1(d).memory = 32768;
            n1(d).fqdn = "other.example.com".into();
            n1(d).ignore.push("fqdn".into());
        },
        plan: &["~ node.n1 [node update]"],
        check: |p| {
            let names: Vec<&str> = p.changes[0].attributes.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(names, ["memory"]);
            assert_eq!(op(p, "node.n1", 0)["set"]["fqdn"], "n1.example.com");
        },
        ..CASE
    };
    a_difference_only_in_ignored_attributes_is_no_change: Case {
        desired: |d| {
            n1(d).fqdn = "other.example.com".into();
            n1(d).ignore.push("fqdn".into());
        },
        check: |p| assert_eq!(p.summary.unchanged, 13, "the node and its 11 allocations, the location"),
        ..CASE
    };
    a_panel_wide_ignore_pattern_applies_to_every_node: Case {
        panel: "    ignore \"node.*.fqdn\"",
        desired: |d| n1(d).fqdn = "other.example.com".into(),
        ..CASE
    };
    an_undeclared_pelican_description_is_kept_in_an_update: Case {
        dialect: PL,
        desired: |d| n1(d).memory = 32768,
        live: |l| l.nodes[0].description = Some("Rack 4".into()),
        plan: &["~ node.n1 [node update]"],
        check: |p| assert_eq!(op(p, "node.n1", 0)["set"]["description"], "Rack 4"),
        ..CASE
    };
    maintenance_mode_is_a_warning: Case {
        desired: |d| n1(d).maintenance = true,
        plan: &["~ node.n1 [node update]"],
        attrs: &["node.n1 maintenance_mode: false -> true"],
        check: |p| assert!(p.changes[0].warnings[0].contains("maintenance"), "{:?}", p.changes[0].warnings),
        ..CASE
    };
    two_nodes_with_one_name_are_ambiguous: Case {
        live: |l| {
            let mut twin = l.nodes[0].clone();
            twin.id = 2;
            l.nodes.push(twin);
        },
        error: Some("roost::ambiguous-identity"),
        ..CASE
    };
    a_node_moved_to_a_new_location_names_it_by_address: Case {
        kdl: |_| "location \"eu\"\n".into(),
        desired: |d| n1(d).location = Some("eu".into()),
        plan: &["+ location.eu [location create]", "~ node.n1 [node update]"],
        attrs: &["node.n1 location: \"fra\" -> \"eu\""],
        check: |p| {
            assert_eq!(op(p, "node.n1", 0)["set"]["location"], "location.eu");
            let node = crate::common::change(p, "node.n1");
            assert_eq!(node.depends_on.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["location.eu"]);
            assert_eq!(node.calls[0].to_string(), "PATCH /nodes/1");
        },
        ..CASE
    };
    pelican_tags_compare_as_a_set: Case {
        dialect: PL,
        desired: |d| n1(d).tags = vec!["b".into(), "a".into()],
        live: |l| l.nodes[0].tags = vec!["a".into(), "b".into()],
        ..CASE
    };
    a_new_pelican_tag_is_an_update: Case {
        dialect: PL,
        desired: |d| n1(d).tags = vec!["eu".into()],
        plan: &["~ node.n1 [node update]"],
        attrs: &["node.n1 tags: [] -> [\"eu\"]"],
        ..CASE
    };
    a_pterodactyl_node_with_tags_is_refused: Case {
        desired: |d| n1(d).tags = vec!["eu".into()],
        error: Some("roost::wrong-dialect"),
        ..CASE
    };
    a_local_fqdn_is_refused_where_the_panel_enforces_it: Case {
        dialect: PL,
        desired: |d| n1(d).fqdn = "127.0.0.1".into(),
        error: Some("roost::refused-by-panel"),
        ..CASE
    };
    a_panel_without_daemon_connect_does_not_plan_it: Case {
        dialect: PL,
        desired: |d| n1(d).daemon_connect = Some(9090),
        live: |l| l.nodes[0].daemon_connect = None,
        check: |p| {
            assert!(p.changes.is_empty());
            assert!(p.notes[0].contains("daemon_connect"), "{:?}", p.notes);
        },
        ..CASE
    };
    tags_on_a_panel_that_may_drop_them_are_planned_with_a_note: Case {
        dialect: PL,
        desired: |d| n1(d).tags = vec!["eu".into()],
        live: |l| l.nodes[0].daemon_connect = None,
        plan: &["~ node.n1 [node update]"],
        check: |p| {
            assert!(
                p.notes.iter().any(|n| n.contains("1.0.0-beta19") && n.contains("node.*.tags")),
                "{:?}",
                p.notes
            );
        },
        ..CASE
    };
    tags_on_a_recent_panel_get_no_note: Case {
        dialect: PL,
        desired: |d| n1(d).tags = vec!["eu".into()],
        plan: &["~ node.n1 [node update]"],
        check: |p| assert!(p.notes.iter().all(|n| !n.contains("tags")), "{:?}", p.notes),
        ..CASE
    };
}
