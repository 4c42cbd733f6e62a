//! Lenient deserializers: where a panel is known to vary a field's JSON type (ints as strings,
//! `0/1` for booleans, `[]` for an empty object), every observed form is accepted.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

pub(crate) fn yes() -> bool {
    true
}

/// A JSON scalar as a panel sent it, read straight from the body: no `serde_json::Value` (and no
/// string copied) per field, which adds up over the tens of thousands of objects of a refresh.
enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(std::borrow::Cow<'a, str>),
    /// An array or an object: never a scalar.
    Compound(&'static str),
}

impl Scalar<'_> {
    fn as_i64(&self) -> Option<i64> {
        match self {
            Scalar::Int(n) => Some(*n),
            Scalar::Float(f) => Some(*f as i64),
            Scalar::Str(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().map(|f| f as i64))
            }
            Scalar::Bool(b) => Some(i64::from(*b)),
            Scalar::Null | Scalar::Compound(_) => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Int(n) => Some(*n != 0),
            Scalar::Float(f) => Some(*f != 0.0),
            Scalar::Str(s) => match s.trim() {
                "1" | "true" => Some(true),
                "0" | "false" | "" => Some(false),
                _ => None,
            },
            Scalar::Null | Scalar::Compound(_) => None,
        }
    }
}

impl fmt::Display for Scalar<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Scalar::Null => f.write_str("null"),
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(n) => write!(f, "{n}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Str(s) => write!(f, "{s:?}"),
            Scalar::Compound(what) => f.write_str(what),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a string, a boolean or null")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
                // Past i64, as `serde_json::Value` would give it: the float, cast.
                Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(v.to_owned().into()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Compound("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Compound("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

pub(crate) fn de_i64_opt_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Scalar::deserialize(d)? {
        Scalar::Null => Ok(None),
        other => other
            .as_i64()
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

pub(crate) fn de_bool_opt_lenient<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<bool>, D::Error> {
    match Scalar::deserialize(d)? {
        Scalar::Null => Ok(None),
        other => other
            .as_bool()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Fields {
        #[serde(default, deserialize_with = "de_i64_opt_lenient")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "de_bool_opt_lenient")]
        b: Option<bool>,
    }

    fn read(json: &str) -> Result<(Option<i64>, Option<bool>), String> {
        serde_json::from_str::<Fields>(json)
            .map(|f| (f.n, f.b))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn every_form_a_panel_sends_is_read() {
        assert_eq!(read(r#"{"n": 5, "b": true}"#), Ok((Some(5), Some(true))));
        assert_eq!(
            read(r#"{"n": "12 ", "b": "1"}"#),
            Ok((Some(12), Some(true)))
        );
        assert_eq!(
            read(r#"{"n": "2.9", "b": "false"}"#),
            Ok((Some(2), Some(false)))
        );
        assert_eq!(read(r#"{"n": 7.5, "b": 0}"#), Ok((Some(7), Some(false))));
        assert_eq!(read(r#"{"n": -3, "b": ""}"#), Ok((Some(-3), Some(false))));
        assert_eq!(read(r#"{"n": true, "b": 2}"#), Ok((Some(1), Some(true))));
        assert_eq!(read(r#"{"n": null, "b": null}"#), Ok((None, None)));
        assert_eq!(read("{}"), Ok((None, None)));
        // An escaped string is not borrowed from the body, and is read all the same.
        assert_eq!(read(r#"{"n": "\u0034"}"#), Ok((Some(4), None)));
        // Past i64, as serde_json's own conversion: saturated.
        assert_eq!(
            read(r#"{"n": 18446744073709551615}"#),
            Ok((Some(i64::MAX), None))
        );
    }

    #[test]
    fn what_is_no_integer_or_boolean_is_an_error_naming_it() {
        let e = read(r#"{"n": "abc"}"#).unwrap_err();
        assert!(e.contains(r#"expected an integer, got "abc""#), "{e}");
        let e = read(r#"{"n": [1, {"a": 2}]}"#).unwrap_err();
        assert!(e.contains("expected an integer, got an array"), "{e}");
        let e = read(r#"{"b": {"x": 1}}"#).unwrap_err();
        assert!(e.contains("expected a boolean, got an object"), "{e}");
        let e = read(r#"{"b": "maybe"}"#).unwrap_err();
        assert!(e.contains(r#"expected a boolean, got "maybe""#), "{e}");
    }
}
