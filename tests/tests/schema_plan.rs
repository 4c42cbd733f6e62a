//! The JSON plan format's schema, `schemas/plan.schema.json`:
//!
//! - the checked-in file must match the types (regenerate with
//!   `ROOST_UPDATE_SCHEMAS=1 cargo test -p roost-e2e --test schema_plan`);
//! - real `roost plan --format json` output, in many scenarios, must validate against it.
//!
//! The validator is a small one for the subset of JSON Schema that schemars emits; it refuses a
//! keyword it does not know, so a schema that grows one fails here instead of being half-checked.

mod common;

use common::fleet;
use common::manifests::Fleet;
use common::panel::Panel;
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

// ---------------------------------------------------------------------------------------------
// A validator for the subset schemars emits

/// Annotations: no effect on validity.
const ANNOTATIONS: [&str; 8] = [
    "$schema",
    "$id",
    "title",
    "description",
    "default",
    "examples",
    "format",
    "$defs",
];

struct Validator<'a> {
    root: &'a Value,
    errors: Vec<String>,
}

impl Validator<'_> {
    fn resolve(&self, r: &str) -> &Value {
        let path = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local $ref: {r}"));
        self.root
            .pointer(path)
            .unwrap_or_else(|| panic!("$ref {r} points nowhere"))
    }

    fn type_ok(t: &str, v: &Value) -> bool {
        match t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.is_i64() || v.is_u64(),
            other => panic!("unknown type {other}"),
        }
    }

    /// Whether `v` is valid against `schema`, without keeping the errors.
    fn is_valid(&mut self, schema: &Value, v: &Value) -> bool {
        let before = self.errors.len();
        self.check(schema, v, "");
        let ok = self.errors.len() == before;
        self.errors.truncate(before);
        ok
    }

    fn fail(&mut self, at: &str, msg: String) {
        self.errors
            .push(format!("{}: {msg}", if at.is_empty() { "/" } else { at }));
    }

    fn check(&mut self, schema: &Value, v: &Value, at: &str) {
        let s = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return self.fail(at, "nothing is allowed here".into()),
            Value::Object(s) => s,
            other => panic!("a schema is an object or a boolean, not {other}"),
        };
        for (k, x) in s {
            match k.as_str() {
                k if ANNOTATIONS.contains(&k) => {}
                "$ref" => {
                    let target = self.resolve(x.as_str().expect("$ref is a string")).clone();
                    self.check(&target, v, at);
                }
                "type" => {
                    let types: Vec<&str> = match x {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                        other => panic!("bad type {other}"),
                    };
                    if !types.iter().any(|t| Self::type_ok(t, v)) {
                        self.fail(at, format!("{v} is not of type {types:?}"));
                    }
                }
                "enum" => {
                    if !x.as_array().expect("enum is an array").contains(v) {
                        self.fail(at, format!("{v} is not one of {x}"));
                    }
                }
                "const" => {
                    if x != v {
                        self.fail(at, format!("{v} is not {x}"));
                    }
                }
                "minimum" => {
                    if let (Some(n), Some(min)) = (v.as_f64(), x.as_f64())
                        && n < min
                    {
                        self.fail(at, format!("{n} is below the minimum {min}"));
                    }
                }
                "maximum" => {
                    if let (Some(n), Some(max)) = (v.as_f64(), x.as_f64())
                        && n > max
                    {
                        self.fail(at, format!("{n} is above the maximum {max}"));
                    }
                }
                "uniqueItems" => {
                    if let (Some(items), true) = (v.as_array(), x == &Value::Bool(true)) {
                        for (i, a) in items.iter().enumerate() {
                            if items[..i].contains(a) {
                                self.fail(at, format!("{a} appears twice"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let Some(obj) = v.as_object() {
                        for (name, sub) in x.as_object().expect("properties is an object") {
                            if let Some(val) = obj.get(name) {
                                self.check(sub, val, &format!("{at}/{name}"));
                            }
                        }
                    }
                }
                "required" => {
                    if let Some(obj) = v.as_object() {
                        for name in x.as_array().expect("required is an array") {
                            let name = name.as_str().unwrap();
                            if !obj.contains_key(name) {
                                self.fail(at, format!("lacks the required property {name}"));
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(obj) = v.as_object() {
                        let known = s.get("properties").and_then(Value::as_object);
                        for (name, val) in obj {
                            if known.is_some_and(|k| k.contains_key(name)) {
                                continue;
                            }
                            match x {
                                Value::Bool(false) => {
                                    self.fail(at, format!("has the unexpected property {name}"))
                                }
                                sub => self.check(sub, val, &format!("{at}/{name}")),
                            }
                        }
                    }
                }
                "items" => {
                    if let Some(items) = v.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.check(x, item, &format!("{at}/{i}"));
                        }
                    }
                }
                "oneOf" | "anyOf" => {
                    let subs = x.as_array().expect("oneOf/anyOf is an array");
                    let matching = subs.iter().filter(|sub| self.is_valid(sub, v)).count();
                    let ok = if k == "oneOf" {
                        matching == 1
                    } else {
                        matching >= 1
                    };
                    if !ok {
                        self.fail(
                            at,
                            format!("{v} matches {matching} of the {} {k} schemas", subs.len()),
                        );
                    }
                }
                "allOf" => {
                    for sub in x.as_array().expect("allOf is an array") {
                        self.check(sub, v, at);
                    }
                }
                other => panic!("the validator does not know the keyword {other}"),
            }
        }
    }
}

/// Every violation of `schema` by `doc` (empty when valid).
fn validate(schema: &Value, doc: &Value) -> Vec<String> {
    let mut v = Validator {
        root: schema,
        errors: Vec::new(),
    };
    v.check(schema, doc, "");
    v.errors
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
