//! The desired state as the panel will store it: both panels trim every string they receive
//! and turn empty strings into null (Laravel's TrimStrings and ConvertEmptyStringsToNull), so
//! comparing the manifests' text as written would show differences that never go away.

use roost_model::{Desired, EnvValue};
use std::borrow::Cow;
use std::cell::Cell;

fn trim(s: &mut String) {
    let trimmed = s.trim();
    if trimmed.len() != s.len() {
        *s = trimmed.to_string();
    }
}

fn trim_or_none(s: &mut Option<String>) {
    if let Some(x) = s {
        trim(x);
        if x.is_empty() {
            *s = None;
        }
    }
}

/// Every string of `$d` the panels trim, each named once for both walks below: `$plain` gets
/// the strings the panel trims, `$nullable` the optional ones it also turns into null when
/// empty. `$values`/`$iter` are `values`/`iter` to read, `values_mut`/`iter_mut` (with `mut`)
/// to change.
macro_rules! stored_strings {
    ($d:expr, $values:ident, $iter:ident, [$($m:tt)?], $plain:expr, $nullable:expr) => {{
        for l in $d.locations.$values() {
            $nullable(&$($m)? l.description);
        }
        for n in $d.nodes.$values() {
            $plain(&$($m)? n.fqdn);
            $nullable(&$($m)? n.description);
            $nullable(&$($m)? n.daemon_sftp_alias);
            $nullable(&$($m)? n.daemon_base);
            n.tags.$iter().for_each($plain);
        }
        for a in $d.allocations.$values() {
            $nullable(&$($m)? a.alias);
        }
        for u in $d.users.$values() {
            $plain(&$($m)? u.email);
            $nullable(&$($m)? u.first_name);
            $nullable(&$($m)? u.last_name);
            $nullable(&$($m)? u.language);
            $nullable(&$($m)? u.external_id);
        }
        for s in $d.servers.$values() {
            $plain(&$($m)? s.name);
            $plain(&$($m)? s.description);
            $nullable(&$($m)? s.image);
            $nullable(&$($m)? s.startup);
            $nullable(&$($m)? s.external_id);
            for val in s.environment.$values() {
                if let EnvValue::Literal(x) = val {
                    $plain(x);
                }
            }
        }
    }};
}

/// `d` with every string as the panel would store it: `d` itself when nothing would change,
/// as in every manifest that does not pad its strings with blanks (a fleet's desired state is
/// tens of MiB; it is copied only when a string needs it).
pub(crate) fn as_panel_stores(d: &Desired) -> Cow<'_, Desired> {
    let changes = Cell::new(false);
    let plain = |s: &String| changes.set(changes.get() || s.trim().len() != s.len());
    let nullable = |s: &Option<String>| {
        if let Some(x) = s {
            changes.set(changes.get() || x.is_empty());
            plain(x);
        }
    };
    stored_strings!(d, values, iter, [], plain, nullable);
    if !changes.get() {
        return Cow::Borrowed(d);
    }
    let mut d = d.clone();
    stored_strings!(d, values_mut, iter_mut, [mut], trim, trim_or_none);
    Cow::Owned(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_trimmed_and_empty_ones_become_none() {
        let mut d = Desired::default();
        d.locations.insert(
            "fra".into(),
            roost_model::Location {
                short: "fra".into(),
                description: Some("   ".into()),
                ignore: Vec::new(),
                origin: Default::default(),
            },
        );
        let n = as_panel_stores(&d);
        assert!(matches!(n, Cow::Owned(_)));
        assert_eq!(n.locations["fra"].description, None);
    }

    #[test]
    fn a_desired_state_stored_as_written_is_not_copied() {
        let mut d = Desired::default();
        let location = |description: Option<&str>| roost_model::Location {
            short: "fra".into(),
            description: description.map(String::from),
            ignore: Vec::new(),
            origin: Default::default(),
        };
        d.locations
            .insert("fra".into(), location(Some("Frankfurt")));
        assert!(matches!(as_panel_stores(&d), Cow::Borrowed(_)));
        for changed in ["", " Frankfurt", "Frankfurt\n"] {
            d.locations.insert("fra".into(), location(Some(changed)));
            let n = as_panel_stores(&d);
            assert!(matches!(n, Cow::Owned(_)), "{changed:?}");
            let want = (!changed.trim().is_empty()).then(|| changed.trim().to_string());
            assert_eq!(n.locations["fra"].description, want);
        }
    }
}
