//! Each panel's English validation messages: Pterodactyl ships the pre-Laravel-10 file ("The x
//! must be ..."), Pelican the current one ("The x field must be ...").

use super::Rule;
use roost_model::Dialect;
use serde_json::Value;

/// The phrases that differ between the two English files.
struct Wording {
    must: &'static str,
    must_not: &'static str,
    format_invalid: &'static str,
    alpha_num: &'static str,
    alpha_dash: &'static str,
}

fn wording(d: Dialect) -> Wording {
    match d {
        Dialect::Pterodactyl => Wording {
            must: "must",
            must_not: "may not",
            format_invalid: "format is invalid.",
            alpha_num: "may only contain letters and numbers.",
            alpha_dash: "may only contain letters, numbers, dashes and underscores.",
        },
        Dialect::Pelican => Wording {
            must: "field must",
            must_not: "field must not",
            format_invalid: "field format is invalid.",
            alpha_num: "field must only contain letters and numbers.",
            alpha_dash: "field must only contain letters, numbers, dashes, and underscores.",
        },
    }
}

/// What a size rule measures: Laravel words `min`/`max`/`between`/`size` by the value's type.
enum Measured {
    Number,
    Items,
    Characters,
}

pub(super) fn message(d: Dialect, rule: &Rule, attr: &str, val: &Value, numeric: bool) -> String {
    let w = wording(d);
    let must = w.must;
    let measured = if numeric {
        Measured::Number
    } else if val.is_array() || val.is_object() {
        Measured::Items
    } else {
        Measured::Characters
    };
    match rule {
        Rule::Required => format!("The {attr} field is required."),
        Rule::Present => format!("The {attr} field must be present."),
        Rule::RequiredWith(o) => format!(
            "The {attr} field is required when {} is present.",
            o.replace(',', " / ")
        ),
        Rule::RequiredWithout(o) => format!(
            "The {attr} field is required when {} is not present.",
            o.replace(',', " / ")
        ),
        Rule::RequiredUnless(other, values) => format!(
            "The {attr} field is required unless {} is in {}.",
            other.replace('_', " "),
            values.join(", ")
        ),
        Rule::Filled => format!("The {attr} field must have a value."),
        Rule::Confirmed => match d {
            Dialect::Pterodactyl => format!("The {attr} confirmation does not match."),
            Dialect::Pelican => format!("The {attr} field confirmation does not match."),
        },
        Rule::Url => match d {
            Dialect::Pterodactyl => format!("The {attr} format is invalid."),
            Dialect::Pelican => format!("The {attr} field must be a valid URL."),
        },
        Rule::Str => format!("The {attr} {must} be a string."),
        Rule::Integer => format!("The {attr} {must} be an integer."),
        Rule::Numeric => format!("The {attr} {must} be a number."),
        Rule::Boolean => format!("The {attr} field must be true or false."),
        Rule::Array => format!("The {attr} {must} be an array."),
        Rule::Email => format!("The {attr} {must} be a valid email address."),
        Rule::Min(_) | Rule::Max(_) | Rule::Between(..) | Rule::Size(_) => {
            size_message(&w, rule, attr, &measured)
        }
        Rule::In(_) | Rule::NotIn(_) | Rule::Exists(_) => {
            format!("The selected {attr} is invalid.")
        }
        Rule::Regex(_) => format!("The {attr} {}", w.format_invalid),
        Rule::AlphaNum => format!("The {attr} {}", w.alpha_num),
        Rule::AlphaDash => format!("The {attr} {}", w.alpha_dash),
        Rule::Unique(_) => format!("The {attr} has already been taken."),
        Rule::PUsername => format!(
            "The {attr} must start and end with alpha-numeric characters and contain only letters, numbers, dashes, underscores, and periods."
        ),
        Rule::Nullable | Rule::Sometimes | Rule::Unknown => format!("The {attr} is invalid."),
    }
}

fn size_message(w: &Wording, rule: &Rule, attr: &str, measured: &Measured) -> String {
    let (must, must_not) = (w.must, w.must_not);
    match (rule, measured) {
        (Rule::Min(m), Measured::Number) => format!("The {attr} {must} be at least {}.", num(*m)),
        (Rule::Min(m), Measured::Items) => {
            format!("The {attr} {must} have at least {} items.", num(*m))
        }
        (Rule::Min(m), Measured::Characters) => {
            format!("The {attr} {must} be at least {} characters.", num(*m))
        }
        (Rule::Max(m), Measured::Number) => {
            format!("The {attr} {must_not} be greater than {}.", num(*m))
        }
        (Rule::Max(m), Measured::Items) => {
            format!("The {attr} {must_not} have more than {} items.", num(*m))
        }
        (Rule::Max(m), Measured::Characters) => {
            format!(
                "The {attr} {must_not} be greater than {} characters.",
                num(*m)
            )
        }
        (Rule::Between(a, b), Measured::Number) => {
            format!("The {attr} {must} be between {} and {}.", num(*a), num(*b))
        }
        (Rule::Between(a, b), Measured::Items) => format!(
            "The {attr} {must} have between {} and {} items.",
            num(*a),
            num(*b)
        ),
        (Rule::Between(a, b), Measured::Characters) => format!(
            "The {attr} {must} be between {} and {} characters.",
            num(*a),
            num(*b)
        ),
        (Rule::Size(n), Measured::Number) => format!("The {attr} {must} be {}.", num(*n)),
        (Rule::Size(n), Measured::Items) => {
            format!("The {attr} {must} contain {} items.", num(*n))
        }
        (Rule::Size(n), Measured::Characters) => {
            format!("The {attr} {must} be {} characters.", num(*n))
        }
        _ => format!("The {attr} is invalid."),
    }
}

/// A rule parameter as Laravel prints it (`5`, not `5.0`).
fn num(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
