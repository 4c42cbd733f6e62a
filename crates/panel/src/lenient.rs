//! Lenient deserializers: where a panel is known to vary a field's JSON type (ints as strings,
//! `0/1` for booleans, `[]` for an empty object), every observed form is accepted.

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

pub(crate) fn yes() -> bool {
    true
}

pub(crate) fn value_as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().map(|f| f as i64))
        }
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

pub(crate) fn de_i64_opt_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Value::deserialize(d)?;
    match v {
        Value::Null => Ok(None),
        other => value_as_i64(&other)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected an integer, got {other}"))),
    }
}

pub(crate) fn de_i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    de_i64_opt_lenient(d)?.ok_or_else(|| de::Error::custom("expected an integer, got null"))
}

pub(crate) fn de_u64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = de_i64_opt_lenient(d)?.unwrap_or(0);
    u64::try_from(n)
        .map_err(|_| de::Error::custom(format!("expected a non-negative integer, got {n}")))
}

pub(crate) fn value_as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => match s.trim() {
            "1" | "true" => Some(true),
            "0" | "false" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn de_bool_opt_lenient<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<bool>, D::Error> {
    let v = Value::deserialize(d)?;
    match v {
        Value::Null => Ok(None),
        other => value_as_bool(&other)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected a boolean, got {other}"))),
    }
}

pub(crate) fn de_bool_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(de_bool_opt_lenient(d)?.unwrap_or(false))
}

pub(crate) fn de_string_lenient<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

/// An environment value as the panel renders it into a container (`Value` → string).
pub(crate) fn value_to_env_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => scalar_to_env_string(other),
    }
}

/// [`value_to_env_string`], a string moved rather than copied.
pub(crate) fn value_into_env_string(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => scalar_to_env_string(&other),
    }
}

fn scalar_to_env_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        // Laravel casts scalars to strings when it renders them into the container env.
        Value::Bool(true) => "1".to_string(),
        Value::Bool(false) => String::new(),
        other => other.to_string(),
    }
}
