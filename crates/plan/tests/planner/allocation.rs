//! Allocations: identity is node, ip and port; the panel cannot edit one.

use crate::case::*;
use crate::common::{live_server, live_user};
use roost_model::{Address, Allocation, Desired, Live, LiveAllocation};

/// Declares 10.0.0.5:`port` on n1.
fn declare(d: &mut Desired, port: u16, alias: Option<&str>) {
    let a = Allocation {
        node: "n1".into(),
        ip: "10.0.0.5".parse().unwrap(),
        port,
        alias: alias.map(str::to_string),
        origin: Default::default(),
    };
    d.allocations.insert(a.key(), a);
}

/// A free allocation 10.0.0.5:`port` on n1, id `id`.
fn live_port(l: &mut Live, id: u64, port: u16) {
    l.allocations.push(LiveAllocation {
        id,
        node_id: 1,
        ip: "10.0.0.5".into(),
        alias: None,
        port,
        notes: None,
        assigned: false,
        server_id: None,
    });
}

cases! {
    new_ports_of_one_alias_are_created_by_one_request: Case {
        desired: |d| (25580..=25582).for_each(|p| declare(d, p, None)),
        plan: &[
            "+ allocation.n1/10.0.0.5:25580 [allocation create]",
            "+ allocation.n1/10.0.0.5:25581 [allocation batched]",
            "+ allocation.n1/10.0.0.5:25582 [allocation batched]",
        ],
        attrs: &["allocation.n1/10.0.0.5:25581 port: _ -> 25581"],
        check: |p| {
            let lead = op(p, "allocation.n1/10.0.0.5:25580", 0);
            assert_eq!(lead["ports"], serde_json::json!([25580, 25581, 25582]));
            assert_eq!(lead["node"], 1);
            assert_eq!(op(p, "allocation.n1/10.0.0.5:25582", 0)["with"], "allocation.n1/10.0.0.5:25580");
            assert_eq!(p.summary.requests, 1);
        },
        ..CASE
    };
    ports_of_another_alias_are_another_request: Case {
        desired: |d| {
            declare(d, 25580, Some("a.example.com"));
            declare(d, 25581, None);
        },
        plan: &[
            "+ allocation.n1/10.0.0.5:25580 [allocation create]",
            "+ allocation.n1/10.0.0.5:25581 [allocation create]",
        ],
        check: |p| assert_eq!(p.summary.requests, 2),
        ..CASE
    };
    a_new_alias_recreates_a_free_allocation: Case {
        desired: |d| declare(d, 25565, Some("play.example.com")),
        plan: &["-/+ allocation.n1/10.0.0.5:25565 [allocation delete, allocation create]"],
        attrs: &["allocation.n1/10.0.0.5:25565 alias: null -> \"play.example.com\""],
        check: |p| {
            let calls: Vec<String> = p.changes[0].calls.iter().map(|c| c.to_string()).collect();
            assert_eq!(calls, ["DELETE /nodes/1/allocations/1", "POST /nodes/1/allocations"]);
        },
        ..CASE
    };
    a_new_alias_of_a_held_allocation_is_refused: Case {
        desired: |d| declare(d, 25565, Some("play.example.com")),
        live: |l| {
            l.allocations[0].assigned = true;
            l.allocations[0].server_id = Some(9);
        },
        error: Some("roost::cannot-change-in-place"),
        ..CASE
    };
    an_ignored_alias_is_no_change: Case {
        panel: "    ignore \"allocation.*.alias\"",
        desired: |d| declare(d, 25565, Some("play.example.com")),
        ..CASE
    };
    undeclared_free_ports_are_pruned_when_told: Case {
        panel: "    prune \"allocations\"",
        live: |l| live_port(l, 100, 25600),
        plan: &["- allocation.n1/10.0.0.5:25600 [allocation delete]"],
        check: |p| assert_eq!(p.changes[0].calls[0].to_string(), "DELETE /nodes/1/allocations/100"),
        ..CASE
    };
    undeclared_ports_are_left_alone_without_prune: Case {
        live: |l| live_port(l, 100, 25600),
        check: |p| assert_eq!(p.unmanaged.allocations, 1),
        ..CASE
    };
    a_port_another_server_holds_is_never_pruned: Case {
        panel: "    prune \"allocations\"",
        live: |l| {
            live_port(l, 100, 25600);
            l.users.push(live_user(2, "carol", "carol@example.com", None));
            live_server(l, 7, "theirs", 2, 25600, None);
        },
        check: |p| assert_eq!(p.unmanaged.allocations, 1),
        ..CASE
    };
    a_port_freed_by_a_server_delete_is_pruned_after_it: Case {
        panel: "    prune \"allocations\" \"servers\"",
        live: |l| {
            live_port(l, 100, 25600);
            l.users.push(live_user(2, "carol", "carol@example.com", None));
            live_server(l, 7, "old", 2, 25600, Some("roost:old"));
        },
        plan: &[
            "- server.old (destroy) [server delete]",
            "- allocation.n1/10.0.0.5:25600 [allocation delete]",
        ],
        check: |p| {
            let a = crate::common::change(p, "allocation.n1/10.0.0.5:25600");
            assert_eq!(a.depends_on, [Address::new(roost_model::Kind::Server, "old")]);
        },
        ..CASE
    };
    a_targeted_port_carries_its_own_request: Case {
        desired: |d| (25580..=25581).for_each(|p| declare(d, p, None)),
        options: |o| o.targets = vec!["allocation.n1/10.0.0.5:25581".parse().unwrap()],
        plan: &["+ allocation.n1/10.0.0.5:25581 [allocation create]"],
        check: |p| assert_eq!(op(p, "allocation.n1/10.0.0.5:25581", 0)["ports"], serde_json::json!([25581])),
        ..CASE
    };
    ports_on_a_new_node_name_it_by_address: Case {
        kdl: |_| "node \"n2\" {\n    location \"fra\"\n    fqdn \"n2.example.com\"\n    memory \"8GiB\"\n    disk 10000\n    allocations \"10.0.0.6\" \"25565\"\n}\n".into(),
        plan: &["+ node.n2 [node create]", "+ allocation.n2/10.0.0.6:25565 [allocation create]"],
        check: |p| {
            let c = crate::common::change(p, "allocation.n2/10.0.0.6:25565");
            assert_eq!(serde_json::to_value(&c.ops[0]).unwrap()["node"], "node.n2");
            assert_eq!(c.calls[0].to_string(), "POST /nodes/{node.n2}/allocations");
            assert_eq!(c.depends_on, [Address::new(roost_model::Kind::Node, "n2")]);
        },
        ..CASE
    };
}
