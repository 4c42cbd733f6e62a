//! What roost may delete and adopt: pruning owned servers, unowned ones left alone,
//! adoption and its candidates, an ambiguous identity.

use super::*;

const CREATIVE: &str = r#"server "creative" {
    name "Creative"
    owner "bob"
    node "node-1"
    egg "Paper" nest="Minecraft"
    limits memory="3GiB" disk="20GiB" cpu=150
    features databases=0 allocations=0 backups=2
    allocation 25568
    env MINECRAFT_VERSION="1.21.4"
}
"#;

#[test]
fn owned_server_deleted_with_pruning() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit("servers.kdl", CREATIVE, "");
    let r = render_all(
        "prune_owned_server",
        &panel,
        f.path(),
        &[],
        &["server.creative"],
    );
    assert_eq!(r.addresses(), ["server.creative"]);
    let c = r.change("server.creative");
    assert_eq!(c["action"], "delete");
    assert_eq!(c["impact"], "destroy");
    assert_eq!(c["id"], panel.server_id("Creative"));
    assert!(!c["warnings"].as_array().unwrap().is_empty());
    assert_eq!(r.plan()["summary"]["destroy"], 1);
    let md = &r.markdown.stdout;
    assert!(
        md.find("[!WARNING]").unwrap() < md.find("<details>").unwrap(),
        "{md}"
    );
}

#[test]
fn unowned_server_left_alone() {
    let panel = applied(PT);
    // A server someone made in the panel (no external id), and one from another tool.
    let legacy = out_of_band_server(&panel, "Legacy hub", 25569, None);
    let billing = out_of_band_server(&panel, "Customer 1042", 25570, Some("billing-1042"));
    // Pruning is on: still neither is touched.
    let r = render_all("unowned_server", &panel, &fleet(PT), &[], &[]);
    assert_eq!(r.plan()["changes"], Value::Array(vec![]));
    let servers = r.plan()["unmanaged"]["servers"].clone();
    let ids: Vec<u64> = servers
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [legacy, billing]);
    assert!(
        servers
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["owned"] == false)
    );
    assert!(r.text.stdout.contains("No changes."), "{}", r.text.stdout);
    // The reviewer sees which servers are left alone, by name.
    for out in [&r.text.stdout, &r.markdown.stdout] {
        assert!(
            out.contains("Legacy hub") && out.contains("Customer 1042"),
            "{out}"
        );
    }
}

#[test]
fn owned_server_kept_without_pruning() {
    let panel = applied(PT);
    let f = Fleet::copy(&fleet(PT));
    f.edit("servers.kdl", CREATIVE, "").edit(
        "panel.kdl",
        r#"prune "servers" "allocations""#,
        r#"prune "allocations""#,
    );
    let r = render_all("owned_server_without_pruning", &panel, f.path(), &[], &[]);
    assert_eq!(r.plan()["changes"], Value::Array(vec![]));
    let servers = &r.plan()["unmanaged"]["servers"];
    assert_eq!(servers[0]["name"], "Creative");
    assert_eq!(servers[0]["owned"], true);
    assert!(
        r.text.stdout.contains("prune \"servers\""),
        "the text says how to delete it:\n{}",
        r.text.stdout
    );
}

#[test]
fn adoption_of_a_server_created_out_of_band() {
    let panel = applied(PT);
    let id = out_of_band_server(&panel, "Legacy hub", 25569, None);
    let f = Fleet::copy(&fleet(PT));
    f.append(
        "servers.kdl",
        &format!(
            r#"server "legacy" {{
    adopt id={id}
    name "Legacy hub"
    owner "bob"
    node "node-1"
    egg "Paper" nest="Minecraft"
    limits memory="1GiB" disk="5GiB" cpu=100 io=500
    features databases=0 allocations=0 backups=0
    allocation 25569
}}
"#
        ),
    );
    let r = render_all("adoption", &panel, f.path(), &[], &["server.legacy"]);
    assert_eq!(r.addresses(), ["server.legacy"]);
    let c = r.change("server.legacy");
    assert_eq!(c["action"], "adopt");
    assert_eq!(c["id"], id);
    let ext = attr(&c, "external_id");
    assert_eq!(ext["old"], Value::Null);
    assert_eq!(ext["new"], "roost:legacy");
    assert_eq!(r.plan()["summary"]["adopt"], 1);
    assert!(
        r.plan()["unmanaged"]["servers"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn adoption_candidate_is_noted() {
    let panel = applied(PT);
    let id = out_of_band_server(&panel, "Legacy hub", 25569, None);
    let f = Fleet::copy(&fleet(PT));
    f.append(
        "servers.kdl",
        r#"server "legacy" {
    name "Legacy hub"
    owner "bob"
    node "node-1"
    egg "Paper" nest="Minecraft"
    limits memory="1GiB" disk="5GiB" cpu=100
    allocation 25570
}
"#,
    );
    let r = render_all(
        "adoption_candidate",
        &panel,
        f.path(),
        &[],
        &["server.legacy"],
    );
    assert_eq!(r.change("server.legacy")["action"], "create");
    let notes = r.plan()["notes"].clone();
    assert!(
        notes[0]
            .as_str()
            .unwrap()
            .contains(&format!("adopt id={id}")),
        "{notes}"
    );
}

#[test]
fn ambiguous_identity_is_an_error_listing_both() {
    let panel = applied(PT);
    let first = panel.server_id("Lobby");
    let second = out_of_band_server(&panel, "Lobby (restored copy)", 25569, Some("roost:lobby"));
    let dir = fleet(PT);
    for format in ["text", "json", "markdown"] {
        // Wide enough that the report does not wrap a uuid (the snapshot redacts them).
        let run = panel.roost_env(
            &["plan", dir.to_str().unwrap(), "--format", format],
            &[("COLUMNS", "400")],
        );
        assert_eq!(run.code, Some(1), "{format}: {}", run.show());
        assert!(
            run.stdout.is_empty(),
            "{format}: no plan is printed: {}",
            run.stdout
        );
        assert!(
            run.stderr.contains("roost::ambiguous-identity"),
            "{}",
            run.stderr
        );
        for id in [first, second] {
            assert!(run.stderr.contains(&format!("id {id} ")), "{}", run.stderr);
        }
        assert!(run.stderr.contains("adopt id=N"), "{}", run.stderr);
        if format == "text" {
            plan_snapshot_settings()
                .bind(|| insta::assert_snapshot!("ambiguous_identity.stderr", run.stderr));
        }
    }
}
