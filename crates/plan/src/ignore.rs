//! Ignore rules: attributes another tool owns, never compared (`ignore` in the manifests,
//! `--ignore`). The names they may use are the attribute tables' (`kinds::attribute_known`).

use roost_model::{Address, Desired, Kind};
use std::collections::HashMap;

/// An attribute another tool owns: never compared (`ignore` in the manifest, `--ignore`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignore {
    /// `None` ignores the attribute on every resource of `kind`.
    pub address: Option<Address>,
    pub kind: Kind,
    pub attribute: String,
}

/// Parse an ignore rule: `KIND.*.FIELD` or `KIND.NAME.FIELD` (FIELD may contain dots, as in
/// `limits.memory`; NAME may too, so every split is tried against the known attributes).
pub fn parse_ignore(pattern: &str) -> Option<Ignore> {
    let (kind, rest) = pattern.split_once('.')?;
    let kind = Kind::parse(kind)?;
    for (i, _) in rest.match_indices('.') {
        let (name, field) = (&rest[..i], &rest[i + 1..]);
        if crate::kinds::attribute_known(kind, field) {
            let address = (name != "*").then(|| Address::new(kind, name));
            return Some(Ignore {
                address,
                kind,
                attribute: field.to_string(),
            });
        }
    }
    None
}

/// Every ignore rule of one plan, indexed: the run's, the panel block's patterns and each
/// resource's own list.
#[derive(Debug, Default)]
pub(crate) struct Ignores {
    by_kind: HashMap<Kind, Vec<String>>,
    by_address: HashMap<Address, Vec<String>>,
}

impl Ignores {
    pub fn new(d: &Desired, extra: &[Ignore]) -> Ignores {
        let mut out = Ignores::default();
        let parsed = d.panel.ignore.iter().filter_map(|p| parse_ignore(p));
        for i in extra.iter().cloned().chain(parsed) {
            out.add(i.kind, i.address, i.attribute);
        }
        let mut per = |address: Address, list: &[String]| {
            for f in list {
                out.add(address.kind, Some(address.clone()), f.clone());
            }
        };
        for (n, x) in &d.locations {
            per(Address::new(Kind::Location, n), &x.ignore);
        }
        for (n, x) in &d.nodes {
            per(Address::new(Kind::Node, n), &x.ignore);
        }
        for (n, x) in &d.users {
            per(Address::new(Kind::User, n), &x.ignore);
        }
        for (n, x) in &d.servers {
            per(Address::new(Kind::Server, n), &x.ignore);
        }
        out
    }

    fn add(&mut self, kind: Kind, address: Option<Address>, attribute: String) {
        match address {
            Some(a) => self.by_address.entry(a).or_default().push(attribute),
            None => self.by_kind.entry(kind).or_default().push(attribute),
        }
    }

    /// Whether attribute `name` of `address` is ignored.
    pub fn ignores(&self, address: &Address, name: &str) -> bool {
        let has = |list: Option<&Vec<String>>| list.is_some_and(|l| l.iter().any(|x| x == name));
        has(self.by_kind.get(&address.kind)) || has(self.by_address.get(address))
    }
}
