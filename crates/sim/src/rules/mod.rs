//! The subset of Laravel validation both panels rely on, with Laravel's semantics (implicit rules,
//! `nullable`, `sometimes`, stop-after-failed-`required`) and each panel's English messages, plus a
//! tiny backtracking regex engine for `regex:` rules (egg variables, node names, images).

mod messages;
mod regex;

pub use regex::Regex;

use roost_model::Dialect;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub rule: String,
    pub detail: String,
}

pub enum Rule<'a> {
    Required,
    Nullable,
    Present,
    Sometimes,
    Str,
    Integer,
    Numeric,
    Boolean,
    Array,
    Email,
    Min(f64),
    Max(f64),
    Between(f64, f64),
    Size(f64),
    In(Vec<String>),
    NotIn(Vec<String>),
    Regex(String),
    AlphaNum,
    AlphaDash,
    RequiredWith(String),
    RequiredWithout(String),
    /// `required_unless:field,value,...`
    RequiredUnless(String, Vec<String>),
    /// `filled`: when present, not empty.
    Filled,
    /// `confirmed`: `<field>_confirmation` holds the same value.
    Confirmed,
    /// `url`: an absolute URL with a scheme and a host.
    Url,
    PUsername,
    Exists(Box<dyn Fn(&Value) -> bool + 'a>),
    Unique(Box<dyn Fn(&Value) -> bool + 'a>),
    Unknown,
}

fn num_param(p: &str) -> f64 {
    p.trim().parse::<f64>().unwrap_or(0.0)
}

/// Parses one Laravel rule such as `max:20` or `regex:/^a$/`.
pub fn parse_rule<'a>(s: &str) -> Rule<'a> {
    let (name, param) = match s.split_once(':') {
        Some((n, p)) => (n.trim(), p),
        None => (s.trim(), ""),
    };
    let list = || param.split(',').map(|x| x.to_string()).collect::<Vec<_>>();
    match name {
        "required" => Rule::Required,
        "nullable" => Rule::Nullable,
        "present" => Rule::Present,
        "sometimes" => Rule::Sometimes,
        "string" => Rule::Str,
        "integer" | "int" => Rule::Integer,
        "numeric" => Rule::Numeric,
        "boolean" | "bool" => Rule::Boolean,
        "array" => Rule::Array,
        "email" => Rule::Email,
        "min" => Rule::Min(num_param(param)),
        "max" => Rule::Max(num_param(param)),
        "size" => Rule::Size(num_param(param)),
        "between" => {
            let (a, b) = param.split_once(',').unwrap_or((param, param));
            Rule::Between(num_param(a), num_param(b))
        }
        "in" => Rule::In(list()),
        "not_in" | "notIn" => Rule::NotIn(list()),
        "regex" => Rule::Regex(param.to_string()),
        "alpha_num" => Rule::AlphaNum,
        "alpha_dash" => Rule::AlphaDash,
        "required_with" => Rule::RequiredWith(param.to_string()),
        "required_without" => Rule::RequiredWithout(param.to_string()),
        "required_unless" => {
            let mut items = list().into_iter();
            let other = items.next().unwrap_or_default();
            Rule::RequiredUnless(other, items.collect())
        }
        "filled" => Rule::Filled,
        "confirmed" => Rule::Confirmed,
        "url" => Rule::Url,
        // Rules the sim does not model are ignored rather than failing every value.
        _ => Rule::Unknown,
    }
}

/// Splits a `|`-rule string exactly like Laravel does (plain explode).
pub fn parse_rules<'a>(s: &str) -> Vec<Rule<'a>> {
    s.split('|')
        .filter(|x| !x.trim().is_empty())
        .map(parse_rule)
        .collect()
}

impl Rule<'_> {
    fn implicit(&self) -> bool {
        matches!(
            self,
            Rule::Required
                | Rule::Present
                | Rule::RequiredWith(_)
                | Rule::RequiredWithout(_)
                | Rule::RequiredUnless(..)
                | Rule::Filled
        )
    }
    fn name(&self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::Nullable => "nullable",
            Rule::Present => "present",
            Rule::Sometimes => "sometimes",
            Rule::Str => "string",
            Rule::Integer => "integer",
            Rule::Numeric => "numeric",
            Rule::Boolean => "boolean",
            Rule::Array => "array",
            Rule::Email => "email",
            Rule::Min(_) => "min",
            Rule::Max(_) => "max",
            Rule::Between(..) => "between",
            Rule::Size(_) => "size",
            Rule::In(_) => "in",
            Rule::NotIn(_) => "not_in",
            Rule::Regex(_) => "regex",
            Rule::AlphaNum => "alpha_num",
            Rule::AlphaDash => "alpha_dash",
            Rule::RequiredWith(_) => "required_with",
            Rule::RequiredWithout(_) => "required_without",
            Rule::RequiredUnless(..) => "required_unless",
            Rule::Filled => "filled",
            Rule::Confirmed => "confirmed",
            Rule::Url => "url",
            Rule::PUsername => "p_username",
            Rule::Exists(_) => "exists",
            Rule::Unique(_) => "unique",
            Rule::Unknown => "unknown",
        }
    }
}

/// The longest string most text fields accept: Pterodactyl's `max:191` (MySQL's utf8mb4 index
/// limit), Pelican's `max:255`.
pub fn string_column_max(d: Dialect) -> usize {
    match d {
        Dialect::Pterodactyl => 191,
        Dialect::Pelican => 255,
    }
}

/// Laravel's `TrimStrings` + `ConvertEmptyStringsToNull`, applied recursively.
pub fn normalize(v: &mut Value) {
    match v {
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                *v = Value::Null;
            } else if t.len() != s.len() {
                *s = t.to_string();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        Value::Object(o) => o.values_mut().for_each(normalize),
        _ => {}
    }
}

pub fn get_path<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = root;
    for seg in path.split('.') {
        cur = match cur {
            Value::Object(o) => o.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

pub fn is_integer(v: &Value) -> bool {
    match v {
        Value::Number(n) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        Value::String(s) => {
            let t = s.strip_prefix(['+', '-']).unwrap_or(s);
            !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty()
                || t.bytes()
                    .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
            {
                return None;
            }
            t.parse::<f64>().ok()
        }
        _ => None,
    }
}

pub fn is_bool(v: &Value) -> bool {
    match v {
        Value::Bool(_) => true,
        Value::Number(n) => n.as_i64().is_some_and(|i| i == 0 || i == 1),
        Value::String(s) => s == "0" || s == "1",
        _ => false,
    }
}

pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !(s.is_empty() || s == "0" || s.eq_ignore_ascii_case("false")),
        _ => false,
    }
}

/// PHP's `(string)` cast of a scalar.
pub fn php_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "1" } else { "" }.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => "Array".into(),
    }
}

fn filled(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        _ => true,
    }
}

pub struct Validator<'i> {
    pub dialect: Dialect,
    pub input: &'i Value,
    pub errors: Vec<FieldError>,
}

impl<'i> Validator<'i> {
    pub fn new(dialect: Dialect, input: &'i Value) -> Self {
        Validator {
            dialect,
            input,
            errors: Vec::new(),
        }
    }

    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Validates `field` (dotted path) with a `|`-rule string plus extra rule objects.
    pub fn check(&mut self, field: &str, rules: &str) {
        self.check_with(field, None, rules, Vec::new());
    }

    pub fn check_with<'r>(
        &mut self,
        field: &str,
        display: Option<&str>,
        rules: &str,
        extra: Vec<Rule<'r>>,
    ) {
        let mut all = parse_rules(rules);
        all.extend(extra);
        let value = get_path(self.input, field);
        self.run(field, display, value, &all);
    }

    /// Validates an explicit value (egg variables are validated against a synthetic input).
    pub fn run(
        &mut self,
        field: &str,
        display: Option<&str>,
        value: Option<&Value>,
        rules: &[Rule],
    ) {
        let has_key = value.is_some();
        let val = value.unwrap_or(&Value::Null);
        if rules.iter().any(|r| matches!(r, Rule::Sometimes)) && !has_key {
            return;
        }
        let nullable = rules.iter().any(|r| matches!(r, Rule::Nullable));
        let numeric = rules
            .iter()
            .any(|r| matches!(r, Rule::Integer | Rule::Numeric));
        let display = display
            .map(str::to_string)
            .unwrap_or_else(|| field.replace('_', " "));
        for rule in rules {
            if matches!(rule, Rule::Nullable | Rule::Sometimes | Rule::Unknown) {
                continue;
            }
            let implicit = rule.implicit();
            if !implicit {
                if !has_key {
                    continue;
                }
                if let Value::String(s) = val
                    && s.trim().is_empty()
                {
                    continue;
                }
                if nullable && val.is_null() {
                    continue;
                }
            }
            if !self.passes(field, rule, has_key, val, numeric) {
                let detail = messages::message(self.dialect, rule, &display, val, numeric);
                self.errors.push(FieldError {
                    field: field.to_string(),
                    rule: rule.name().to_string(),
                    detail,
                });
                if implicit {
                    break;
                }
            }
        }
    }

    fn passes(&self, field: &str, rule: &Rule, has_key: bool, val: &Value, numeric: bool) -> bool {
        match rule {
            Rule::Confirmed => get_path(self.input, &format!("{field}_confirmation")) == Some(val),
            Rule::Url => val.as_str().is_some_and(valid_url),
            Rule::Required => filled(Some(val)),
            Rule::Present => has_key,
            Rule::RequiredWith(others) => {
                let any = others
                    .split(',')
                    .any(|o| filled(get_path(self.input, o.trim())));
                !any || filled(Some(val))
            }
            Rule::RequiredWithout(others) => {
                let missing = others
                    .split(',')
                    .any(|o| !filled(get_path(self.input, o.trim())));
                !missing || filled(Some(val))
            }
            Rule::RequiredUnless(other, values) => {
                let other = get_path(self.input, other).map(php_string);
                other.is_some_and(|o| values.contains(&o)) || filled(Some(val))
            }
            Rule::Filled => !has_key || filled(Some(val)),
            Rule::Str => val.is_string(),
            Rule::Integer => is_integer(val),
            Rule::Numeric => as_number(val).is_some(),
            Rule::Boolean => is_bool(val),
            Rule::Array => val.is_array() || val.is_object(),
            Rule::Email => val.as_str().is_some_and(valid_email),
            Rule::Min(m) => size_of(val, numeric) >= *m,
            Rule::Max(m) => size_of(val, numeric) <= *m,
            Rule::Between(a, b) => {
                let s = size_of(val, numeric);
                s >= *a && s <= *b
            }
            Rule::Size(n) => size_of(val, numeric) == *n,
            Rule::In(list) => {
                !matches!(val, Value::Array(_) | Value::Object(_))
                    && list.contains(&php_string(val))
            }
            Rule::NotIn(list) => {
                matches!(val, Value::Array(_) | Value::Object(_))
                    || !list.contains(&php_string(val))
            }
            Rule::Regex(p) => match val {
                Value::String(_) | Value::Number(_) => {
                    Regex::parse_php(p).is_some_and(|r| r.is_match(&php_string(val)))
                }
                _ => false,
            },
            Rule::AlphaNum => match val {
                Value::String(_) | Value::Number(_) => {
                    php_string(val).chars().all(char::is_alphanumeric)
                }
                _ => false,
            },
            Rule::AlphaDash => match val {
                Value::String(_) | Value::Number(_) => php_string(val)
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_'),
                _ => false,
            },
            Rule::PUsername => val.as_str().is_some_and(|s| {
                Regex::parse_php(r"/^[a-z0-9]([\w\.-]+)[a-z0-9]$/")
                    .is_some_and(|r| r.is_match(&s.to_lowercase()))
            }),
            Rule::Exists(f) | Rule::Unique(f) => f(val),
            Rule::Nullable | Rule::Sometimes | Rule::Unknown => true,
        }
    }
}

/// `scheme://host...` with a letter-led scheme and no whitespace (Laravel's `url` rule accepts
/// a long list of schemes; the common ones all fit this).
fn valid_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    scheme_ok && !host.is_empty() && !s.contains(char::is_whitespace)
}

fn valid_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((l, d)) => {
            !l.is_empty() && !d.is_empty() && !d.contains('@') && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn size_of(v: &Value, numeric: bool) -> f64 {
    if numeric && let Some(n) = as_number(v) {
        return n;
    }
    match v {
        Value::Array(a) => a.len() as f64,
        Value::Object(o) => o.len() as f64,
        _ => php_string(v).chars().count() as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn laravel_semantics() {
        let input = json!({"a": null, "b": "x", "n": "12", "l": {"m": 1}});
        let mut v = Validator::new(Dialect::Pterodactyl, &input);
        v.check("a", "nullable|string|max:3");
        v.check("missing", "string|max:3");
        assert!(v.ok());
        v.check("a", "string");
        v.check("missing", "required|string");
        v.check("n", "required|integer|between:1,10");
        v.check("l.x", "required_with:l|numeric");
        let rules: Vec<_> = v.errors.iter().map(|e| e.rule.as_str()).collect();
        assert_eq!(rules, ["string", "required", "between", "required_with"]);
        assert_eq!(v.errors[2].detail, "The n must be between 1 and 10.");
        assert_eq!(
            v.errors[3].detail,
            "The l.x field is required when l is present."
        );
    }
}
