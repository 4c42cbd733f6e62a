//! Rules shared by the server create and update requests.

use crate::response::{ApiErr, validate};
use crate::rules::{Rule, Validator, as_number, is_integer, parse_rule, php_string};
use crate::state::SimState;
use roost_model::Dialect;
use serde_json::{Map, Value};

pub fn exists_user(st: &SimState) -> Rule<'_> {
    Rule::Exists(Box::new(move |v: &Value| {
        is_integer(v) && as_number(v).is_some_and(|f| st.users.contains_key(&(f as u64)))
    }))
}

pub fn exists_egg(st: &SimState) -> Rule<'_> {
    Rule::Exists(Box::new(move |v: &Value| {
        is_integer(v) && as_number(v).is_some_and(|f| st.eggs.contains_key(&(f as u64)))
    }))
}

/// An allocation id that exists and no server holds.
pub fn free_allocation(st: &SimState) -> impl Fn(&Value) -> bool + '_ {
    move |v: &Value| {
        is_integer(v)
            && as_number(v)
                .and_then(|f| st.allocations.get(&(f as u64)))
                .is_some_and(|a| a.server_id.is_none())
    }
}

/// Validates egg variables as the VariableValidatorService does; returns the values to store.
pub fn validate_variables(
    st: &SimState,
    d: Dialect,
    egg_id: u64,
    env: &Value,
) -> Result<Vec<(u64, String)>, ApiErr> {
    let Some(egg) = st.eggs.get(&egg_id) else {
        return Ok(vec![]);
    };
    let empty = Map::new();
    let env = env.as_object().unwrap_or(&empty);
    let mut v = Validator::new(d, &Value::Null);
    let mut out = Vec::new();
    for var in &egg.variables {
        let given = env.get(&var.env_variable);
        let value = match (given, d) {
            (Some(x), _) => x.clone(),
            (None, Dialect::Pterodactyl) => Value::Null,
            (None, Dialect::Pelican) => Value::String(var.default_value.clone()),
        };
        let rules: Vec<Rule> = var.rules.iter().map(|r| parse_rule(r)).collect();
        v.run(
            &format!("environment.{}", var.env_variable),
            Some(&format!("{} variable", var.name)),
            Some(&value),
            &rules,
        );
        out.push((var.id, given.map(php_string).unwrap_or_default()));
    }
    validate(v)?;
    Ok(out)
}

/// The resource limits under `prefix` (`limits.` or none), each with the `required` flavour `req`.
pub fn limit_rules(v: &mut Validator, prefix: &str, req: &str) {
    let io_min = match v.dialect {
        Dialect::Pterodactyl => 10,
        Dialect::Pelican => 0,
    };
    v.check(&format!("{prefix}memory"), &format!("{req}|numeric|min:0"));
    v.check(&format!("{prefix}swap"), &format!("{req}|numeric|min:-1"));
    v.check(&format!("{prefix}disk"), &format!("{req}|numeric|min:0"));
    v.check(
        &format!("{prefix}io"),
        &format!("{req}|numeric|between:{io_min},1000"),
    );
    v.check(&format!("{prefix}threads"), r"nullable|regex:/^[0-9-,]+$/");
    v.check(&format!("{prefix}cpu"), &format!("{req}|numeric|min:0"));
}

pub fn feature_rules(v: &mut Validator) {
    v.check("feature_limits", "required|array");
    v.check("feature_limits.databases", "present|nullable|integer|min:0");
    v.check(
        "feature_limits.allocations",
        "sometimes|nullable|integer|min:0",
    );
    v.check("feature_limits.backups", "present|nullable|integer|min:0");
}

/// The OOM killer setting of a request: PT sends `oom_disabled`, PL `oom_killer` (inverted).
pub fn oom_rule(v: &mut Validator) {
    match v.dialect {
        Dialect::Pterodactyl => v.check("oom_disabled", "sometimes|boolean"),
        Dialect::Pelican => v.check("oom_killer", "sometimes|boolean"),
    }
}
