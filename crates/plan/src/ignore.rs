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

/// Parse an ignore rule: `KIND.*.FIELD` (every resource of a kind) or `ADDRESS.FIELD`, where
/// FIELD is an attribute of the kind (it may contain dots, as in `limits.memory`) and the
/// address may too (`node.eu.1`, `allocation.n1/10.0.0.5:25565`), so every split is tried
/// against the attribute tables. A child kind's resource is written with its parent
/// (`server.lobby/database.main.remote`), or by its name alone for that name under every parent
/// (`database.main.remote`).
pub fn parse_ignore(pattern: &str) -> Option<Ignore> {
    for (i, _) in pattern.match_indices('.') {
        let (left, field) = (&pattern[..i], &pattern[i + 1..]);
        if let Some(kind) = left.strip_suffix(".*").and_then(Kind::parse) {
            if crate::kinds::attribute_known(kind, field) {
                return Some(Ignore {
                    address: None,
                    kind,
                    attribute: field.to_string(),
                });
            }
            continue;
        }
        let address = left.parse::<Address>().ok().or_else(|| bare_child(left));
        if let Some(address) = address
            && crate::kinds::attribute_known(address.kind, field)
        {
            return Some(Ignore {
                kind: address.kind,
                address: Some(address),
                attribute: field.to_string(),
            });
        }
    }
    None
}

/// `database.main`: a child kind's resource named without its parent.
fn bare_child(text: &str) -> Option<Address> {
    let (kind, name) = text.split_once('.')?;
    let kind = Kind::parse(kind).filter(|k| k.parent().is_some())?;
    (!name.is_empty() && !name.contains('/')).then(|| Address::new(kind, name))
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
        // A rule naming a child by its name alone holds under every parent.
        let bare = || {
            address.parent.is_some()
                && has(self
                    .by_address
                    .get(&Address::new(address.kind, address.name.clone())))
        };
        has(self.by_kind.get(&address.kind)) || has(self.by_address.get(address)) || bare()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(pattern: &str) -> Option<(Option<String>, Kind, String)> {
        parse_ignore(pattern).map(|i| (i.address.map(|a| a.to_string()), i.kind, i.attribute))
    }

    #[test]
    fn rules_name_a_kind_or_an_address_and_an_attribute() {
        assert_eq!(
            parsed("server.*.limits.memory"),
            Some((None, Kind::Server, "limits.memory".into()))
        );
        assert_eq!(
            parsed("node.eu.1.fqdn"),
            Some((Some("node.eu.1".into()), Kind::Node, "fqdn".into()))
        );
        assert_eq!(
            parsed("allocation.n1/10.0.0.5:25565.alias"),
            Some((
                Some("allocation.n1/10.0.0.5:25565".into()),
                Kind::Allocation,
                "alias".into()
            ))
        );
        assert_eq!(
            parsed("server.lobby.environment.MOTD"),
            Some((
                Some("server.lobby".into()),
                Kind::Server,
                "environment.MOTD".into()
            ))
        );
        assert_eq!(
            parsed("server.lobby/database.main.remote"),
            Some((
                Some("server.lobby/database.main".into()),
                Kind::Database,
                "remote".into()
            ))
        );
        assert_eq!(
            parsed("database.main.host"),
            Some((Some("database.main".into()), Kind::Database, "host".into()))
        );
        for bad in [
            "server.lobby.node",
            "server.*.nope",
            "egg.*.name",
            "server",
            "database.*",
        ] {
            assert_eq!(parsed(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_child_named_alone_is_ignored_under_every_parent() {
        let d = Desired::default();
        let rule = parse_ignore("database.main.remote").unwrap();
        let ignores = Ignores::new(&d, &[rule]);
        let lobby = Address::new(Kind::Server, "lobby");
        let main = Address::child(&lobby, Kind::Database, "main");
        let logs = Address::child(&lobby, Kind::Database, "logs");
        assert!(ignores.ignores(&main, "remote"));
        assert!(!ignores.ignores(&main, "host"));
        assert!(!ignores.ignores(&logs, "remote"));
    }
}
