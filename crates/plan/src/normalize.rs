//! The desired state as the panel will store it: both panels trim every string they receive
//! and turn empty strings into null (Laravel's TrimStrings and ConvertEmptyStringsToNull), so
//! comparing the manifests' text as written would show differences that never go away.

use roost_model::{Desired, EnvValue};

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

/// A copy of `d` with every string as the panel would store it.
pub(crate) fn as_panel_stores(d: &Desired) -> Desired {
    let mut d = d.clone();
    for l in d.locations.values_mut() {
        trim_or_none(&mut l.description);
    }
    for n in d.nodes.values_mut() {
        trim(&mut n.fqdn);
        trim_or_none(&mut n.description);
        trim_or_none(&mut n.daemon_sftp_alias);
        trim_or_none(&mut n.daemon_base);
        n.tags.iter_mut().for_each(trim);
    }
    for a in d.allocations.values_mut() {
        trim_or_none(&mut a.alias);
    }
    for u in d.users.values_mut() {
        trim(&mut u.email);
        trim_or_none(&mut u.first_name);
        trim_or_none(&mut u.last_name);
        trim_or_none(&mut u.language);
        trim_or_none(&mut u.external_id);
    }
    for s in d.servers.values_mut() {
        trim(&mut s.name);
        trim(&mut s.description);
        trim_or_none(&mut s.image);
        trim_or_none(&mut s.startup);
        trim_or_none(&mut s.external_id);
        for val in s.environment.values_mut() {
            if let EnvValue::Literal(x) = val {
                trim(x);
            }
        }
    }
    d
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
}
