//! A validator for the subset of JSON Schema that schemars emits, for the schema tests of the
//! plan, the drift report and the apply event stream. It refuses a keyword it does not know, so
//! a schema that grows one fails instead of being half-checked.

use serde_json::Value;

/// Compare a generated schema with the checked-in file `schemas/<name>`, rewriting the file
/// first when `ROOST_UPDATE_SCHEMAS` is set.
pub fn assert_fresh(schema: &Value, name: &str, test: &str) {
    let fresh = serde_json::to_string_pretty(schema).unwrap() + "\n";
    let path = super::repo().join("schemas").join(name);
    if std::env::var_os("ROOST_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "{} is stale: regenerate it with `ROOST_UPDATE_SCHEMAS=1 cargo test -p roost-e2e --test {test}`",
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
pub fn validate(schema: &Value, doc: &Value) -> Vec<String> {
    let mut v = Validator {
        root: schema,
        errors: Vec::new(),
    };
    v.check(schema, doc, "");
    v.errors
}
