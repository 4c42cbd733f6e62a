//! The JSON plan format's schema, `schemas/plan.schema.json`:
//!
//! - the checked-in file must match the types (regenerate with
//!   `ROOST_UPDATE_SCHEMAS=1 cargo test -p roost-e2e --test schema_plan`);
//! - real `roost plan --format json` output, in many scenarios, must validate against it.
//!
//! The validator (`common/schema.rs`) is a small one for the subset of JSON Schema that
//! schemars emits; it refuses a keyword it does not know.

mod common;

use common::fleet;
use common::manifests::Fleet;
use common::panel::Panel;
use common::schema::validate;
use roost_sim::{Dialect, ServerParams};
use serde_json::{Value, json};
use std::path::PathBuf;

fn schema_path() -> PathBuf {
    common::repo().join("schemas/plan.schema.json")
}

#[test]
fn plan_schema_is_fresh() {
    let schema = roost_plan::plan_schema();
    // The schema must describe the real shape, not an empty object.
    let props = schema["properties"]
        .as_object()
        .expect("schema has properties");
    for key in [
        "format_version",
        "dialect",
        "changes",
        "unmanaged",
        "summary",
        "fingerprints",
    ] {
        assert!(props.contains_key(key), "schema lacks {key}");
    }
    let fresh = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = schema_path();
    if std::env::var_os("ROOST_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "{} is stale: regenerate it with `ROOST_UPDATE_SCHEMAS=1 cargo test -p roost-e2e --test schema_plan`",
        path.display()
    );
}

#[test]
fn validator_accepts_and_rejects_hand_made_documents() {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "n": { "type": "integer", "format": "uint32", "minimum": 0 },
            "name": { "type": ["string", "null"] },
            "kind": { "$ref": "#/$defs/Kind" },
            "tags": { "type": "array", "items": { "type": "string" } },
            "map": { "type": "object", "additionalProperties": { "type": "integer" } },
            "shape": { "oneOf": [
                { "type": "object", "properties": { "k": { "const": "a" } }, "required": ["k"] },
                { "type": "object", "properties": { "k": { "const": "b" }, "x": { "type": "integer" } }, "required": ["k", "x"] }
            ] },
            "either": { "anyOf": [ { "$ref": "#/$defs/Kind" }, { "type": "null" } ] }
        },
        "required": ["n", "kind"],
        "additionalProperties": false,
        "$defs": { "Kind": { "type": "string", "enum": ["create", "delete"] } }
    });
    let good = json!({
        "n": 3, "name": null, "kind": "create", "tags": ["a"], "map": {"x": 1},
        "shape": {"k": "b", "x": 2}, "either": null
    });
    assert_eq!(validate(&schema, &good), Vec::<String>::new());
    let bad: [(Value, &str); 10] = [
        (json!({"kind": "create"}), "required property n"),
        (json!({"n": -1, "kind": "create"}), "below the minimum"),
        (json!({"n": 1.5, "kind": "create"}), "not of type"),
        (json!({"n": 1, "kind": "explode"}), "is not one of"),
        (
            json!({"n": 1, "kind": "create", "extra": 1}),
            "unexpected property extra",
        ),
        (json!({"n": 1, "kind": "create", "name": 7}), "not of type"),
        (json!({"n": 1, "kind": "create", "tags": [1]}), "/tags/0"),
        (
            json!({"n": 1, "kind": "create", "map": {"x": "1"}}),
            "/map/x",
        ),
        (
            json!({"n": 1, "kind": "create", "shape": {"k": "c"}}),
            "matches 0 of the 2 oneOf",
        ),
        (
            json!({"n": 1, "kind": "create", "either": "x"}),
            "matches 0 of the 2 anyOf",
        ),
    ];
    for (doc, expected) in bad {
        let errors = validate(&schema, &doc);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{doc} must fail with {expected:?}, got {errors:?}"
        );
    }
}

#[test]
fn the_plan_schema_rejects_broken_plans() {
    let schema = roost_plan::plan_schema();
    let panel = Panel::start(Dialect::Pterodactyl);
    let plan = panel
        .plan_as(&fleet(Dialect::Pterodactyl), "json", &[])
        .json();
    assert_eq!(validate(&schema, &plan), Vec::<String>::new());
    let mut no_summary = plan.clone();
    no_summary.as_object_mut().unwrap().remove("summary");
    assert!(!validate(&schema, &no_summary).is_empty());
    let mut bad_action = plan.clone();
    bad_action["changes"][0]["action"] = json!("explode");
    assert!(!validate(&schema, &bad_action).is_empty());
    let mut bad_kind = plan.clone();
    let server = bad_kind["changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["address"] == "server.lobby")
        .unwrap();
    server["ops"][0]["fields"]["limits"]["memory"] = json!("2GiB");
    assert!(!validate(&schema, &bad_kind).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Real output

fn assert_valid(what: &str, plan: &Value) {
    let schema = roost_plan::plan_schema();
    let errors = validate(&schema, plan);
    assert!(
        errors.is_empty(),
        "{what}: the JSON plan does not match schemas/plan.schema.json:\n{}",
        errors.join("\n")
    );
}

#[test]
fn real_plans_validate_against_the_schema() {
    let mut checked = 0;
    for dialect in [Dialect::Pterodactyl, Dialect::Pelican] {
        let panel = Panel::start(dialect);
        let dir = fleet(dialect);
        let mut check = |what: &str, dir: &std::path::Path, extra: &[&str]| {
            let run = panel.plan_as(dir, "json", extra);
            assert_eq!(run.code, Some(0), "{what}: {}", run.show());
            let plan = run.json();
            assert_valid(&format!("{dialect:?} {what}"), &plan);
            checked += 1;
            plan
        };
        check("empty panel", &dir, &[]);
        check(
            "empty panel, one target",
            &dir,
            &["--target", "server.lobby"],
        );
        panel.apply_ok(&dir);
        check("no changes", &dir, &[]);
        // Every kind of change at once: updates with restart and reinstall, allocation creates
        // and deletes, a server delete, an adoption, a new user with a password, drift.
        let legacy = panel.mutate(|st| {
            let first = st.servers.values_mut().next().unwrap();
            first.memory += 512;
            let (user, egg, node) = (first.user_id, first.egg_id, first.node_id);
            st.add_server(ServerParams {
                name: "Legacy hub".into(),
                user_id: user,
                egg_id: egg,
                node_id: Some(node),
                ..ServerParams::default()
            })
        });
        let nest = if dialect == Dialect::Pterodactyl {
            " nest=\"Minecraft\""
        } else {
            ""
        };
        let names = if dialect == Dialect::Pterodactyl {
            "    first-name \"Carol\"\n    last-name \"Ops\"\n"
        } else {
            ""
        };
        let f = Fleet::copy(&dir);
        f.edit("servers.kdl", "cpu=100", "cpu=150")
            .edit(
                "servers.kdl",
                &format!("    egg \"Paper\"{nest}\n    limits memory=\"2GiB\""),
                &format!("    egg \"Vanilla Minecraft\"{nest}\n    limits memory=\"2GiB\""),
            )
            .edit(
                "servers.kdl",
                "allocation 25565\n    env MINECRAFT_VERSION",
                "allocation 25565\n    env VANILLA_VERSION",
            )
            .edit("infra.kdl", "\"25565-25570\"", "\"25565-25569\" 25600")
            .edit("servers.kdl", "additional-allocations 25567\n", "")
            .edit("servers.kdl", "allocation 25568\n", "allocation 25569\n")
            .append(
                "servers.kdl",
                &format!(
                    "server \"legacy\" {{\n    adopt id={legacy}\n    name \"Legacy hub\"\n    owner \"bob\"\n    node \"node-1\"\n    egg \"Paper\"{nest}\n    limits memory=\"1GiB\" disk=\"5GiB\" cpu=100\n    allocation 25600\n}}\n"
                ),
            )
            .append(
                "users.kdl",
                &format!(
                    "user \"carol\" {{\n    email \"carol@example.com\"\n{names}    password env=\"ALICE_PASSWORD\"\n}}\n"
                ),
            );
        let plan = check("many changes", f.path(), &[]);
        let actions: std::collections::BTreeSet<&str> = plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["adopt", "create", "delete", "update"].into(),
            "the scenario covers every action but replace"
        );
        check(
            "many changes against a base",
            f.path(),
            &["--base", dir.to_str().unwrap()],
        );
        check("verbose", f.path(), &["-v"]);
    }
    assert_eq!(checked, 12);
}
