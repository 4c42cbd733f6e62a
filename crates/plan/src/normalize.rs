//! The desired state as the panel will store it: both panels trim every string they receive
//! and turn empty strings into null (Laravel's TrimStrings and ConvertEmptyStringsToNull), so
//! comparing the manifests' text as written would show differences that never go away.

use roost_model::{Desired, EnvValue};
use std::borrow::Cow;

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

/// Every string the panels trim, listed once for both uses below: `$values` is `values` or
/// `values_mut` and `$($m)?` the matching borrow; `$plain` runs for each string, `$opt` for
/// each optional one.
macro_rules! each_stored_string {
    ($d:expr, $values:ident, $($m:ident)?, |$s:ident| $plain:expr, |$o:ident| $opt:expr) => {{
        for l in $d.locations.$values() {
            let $o = &$($m)? l.description;
            $opt;
        }
        for n in $d.nodes.$values() {
            { let $s = &$($m)? n.fqdn; $plain; }
            { let $o = &$($m)? n.description; $opt; }
            { let $o = &$($m)? n.daemon_sftp_alias; $opt; }
            { let $o = &$($m)? n.daemon_base; $opt; }
            for tag in &$($m)? n.tags {
                let $s = tag;
                $plain;
            }
        }
        for a in $d.allocations.$values() {
            let $o = &$($m)? a.alias;
            $opt;
        }
        for u in $d.users.$values() {
            { let $s = &$($m)? u.email; $plain; }
            { let $o = &$($m)? u.first_name; $opt; }
            { let $o = &$($m)? u.last_name; $opt; }
            { let $o = &$($m)? u.language; $opt; }
            { let $o = &$($m)? u.external_id; $opt; }
        }
        for sv in $d.servers.$values() {
            { let $s = &$($m)? sv.name; $plain; }
            { let $s = &$($m)? sv.description; $plain; }
            { let $o = &$($m)? sv.image; $opt; }
            { let $o = &$($m)? sv.startup; $opt; }
            { let $o = &$($m)? sv.external_id; $opt; }
            for val in sv.environment.$values() {
                if let EnvValue::Literal(x) = val {
                    let $s = x;
                    $plain;
                }
            }
        }
    }};
}

/// `d` with every string as the panel would store it: borrowed when the manifests already
/// say it so (the usual case, and a copy of a large fleet is most of a no-change plan's time).
pub(crate) fn as_panel_stores(d: &Desired) -> Cow<'_, Desired> {
    let mut differs = false;
    each_stored_string!(
        d,
        values,
        ,
        |s| differs |= s.trim().len() != s.len(),
        |o| differs |= o.as_ref().is_some_and(|x| x.trim().len() != x.len() || x.is_empty())
    );
    if !differs {
        return Cow::Borrowed(d);
    }
    let mut d = d.clone();
    each_stored_string!(d, values_mut, mut, |s| trim(s), |o| trim_or_none(o));
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
        assert_eq!(n.locations["fra"].description, None);
    }

    #[test]
    fn what_is_stored_as_written_is_not_copied() {
        let mut d = Desired::default();
        let location = |description: &str| roost_model::Location {
            short: "fra".into(),
            description: Some(description.into()),
            ignore: Vec::new(),
            origin: Default::default(),
        };
        d.locations.insert("fra".into(), location("Frankfurt"));
        assert!(matches!(as_panel_stores(&d), Cow::Borrowed(_)));
        d.locations.insert("fra".into(), location("Frankfurt "));
        let n = as_panel_stores(&d);
        assert!(matches!(n, Cow::Owned(_)));
        assert_eq!(n.locations["fra"].description.as_deref(), Some("Frankfurt"));
    }
}
