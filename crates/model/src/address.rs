use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub use crate::registry::Kind;

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s || k.plural() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable, human-readable name of one resource: `kind.name`, or
/// `parentkind.parentname/kind.name` for a kind that lives inside another
/// (`server.lobby/database.main`).
///
/// Allocations are named by node, ip and port: `allocation.fra-1/10.0.0.5:25565`
/// (IPv6 addresses in brackets: `allocation.fra-1/[2001:db8::1]:25565`); that `/` is part of the
/// name, not a parent separator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema)]
#[schemars(with = "String")]
pub struct Address {
    /// The resource this one lives inside (a database's server). Compared first, so children
    /// sort under their parent.
    pub parent: Option<Box<Address>>,
    pub kind: Kind,
    pub name: String,
}

impl Address {
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Address {
            parent: None,
            kind,
            name: name.into(),
        }
    }

    /// A resource inside `parent` (`server.lobby/database.main`).
    pub fn child(parent: &Address, kind: Kind, name: impl Into<String>) -> Self {
        Address {
            parent: Some(Box::new(parent.clone())),
            kind,
            name: name.into(),
        }
    }

    pub fn allocation(node: &str, ip: std::net::IpAddr, port: u16) -> Self {
        let name = match ip {
            std::net::IpAddr::V4(v4) => format!("{node}/{v4}:{port}"),
            std::net::IpAddr::V6(v6) => format!("{node}/[{v6}]:{port}"),
        };
        Address::new(Kind::Allocation, name)
    }

    /// Whether `self` is `other` or lives (transitively) inside it.
    pub fn is_within(&self, other: &Address) -> bool {
        self == other || self.parent.as_deref().is_some_and(|p| p.is_within(other))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.parent {
            write!(f, "{p}/")?;
        }
        write!(f, "{}.{}", self.kind, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressParseError(pub String);

impl fmt::Display for AddressParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: Vec<&str> = Kind::ALL
            .iter()
            .filter(|k| k.parent().is_none())
            .map(|k| k.as_str())
            .collect();
        let children: Vec<String> = Kind::ALL
            .iter()
            .filter_map(|k| k.parent().map(|p| format!("{p}.NAME/{k}.NAME")))
            .collect();
        write!(
            f,
            "`{}` is not a resource address: write KIND.NAME, where KIND is one of {}, or {}",
            self.0,
            kinds.join(", "),
            children.join(", ")
        )
    }
}

impl std::error::Error for AddressParseError {}

impl FromStr for Address {
    type Err = AddressParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || AddressParseError(s.to_string());
        // A child address: the first `/CHILD.` after which the part before is the child's
        // parent (a file's name may hold `/file.` itself: `server.a/file.x/file.txt`).
        let mut child_seen = false;
        for child in Kind::ALL.iter().filter(|k| k.parent().is_some()) {
            let marker = format!("/{}.", child.as_str());
            for (at, _) in s.match_indices(&marker) {
                child_seen = true;
                let Ok(parent) = s[..at].parse::<Address>() else {
                    continue;
                };
                let name = &s[at + marker.len()..];
                if Some(parent.kind) == child.parent() && !name.is_empty() {
                    return Ok(Address::child(&parent, *child, name));
                }
            }
        }
        if child_seen {
            return Err(bad());
        }
        let (kind, name) = s.split_once('.').ok_or_else(bad)?;
        let kind = Kind::parse(kind).ok_or_else(bad)?;
        if name.is_empty() || kind.parent().is_some() {
            return Err(bad());
        }
        Ok(Address::new(kind, name))
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_round_trips_through_text() {
        for text in [
            "server.lobby",
            "node.fra-1",
            "allocation.fra-1/10.0.0.5:25565",
            "user.alice",
            "server.lobby/file.config/paper.yml",
            "server.lobby/file.plugins/file.jar",
            "server.lobby/file.server.properties",
        ] {
            let a: Address = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        let v6 = Address::allocation("n", "2001:db8::1".parse().unwrap(), 25565);
        assert_eq!(v6.to_string(), "allocation.n/[2001:db8::1]:25565");
    }

    #[test]
    fn child_addresses_name_their_parent() {
        let a: Address = "server.lobby/database.main".parse().unwrap();
        assert_eq!(a.kind, Kind::Database);
        assert_eq!(a.name, "main");
        assert_eq!(
            a.parent.as_deref(),
            Some(&Address::new(Kind::Server, "lobby"))
        );
        assert_eq!(a.to_string(), "server.lobby/database.main");
        assert!(a.is_within(&Address::new(Kind::Server, "lobby")));
        assert!(!a.is_within(&Address::new(Kind::Server, "lobby-2")));
        // The `/` inside an allocation's name is not a parent separator.
        let alloc: Address = "allocation.fra-1/10.0.0.5:25565".parse().unwrap();
        assert_eq!(alloc.parent, None);
    }

    #[test]
    fn bad_addresses_are_rejected() {
        for text in [
            "server",
            "egg.paper",
            "server.",
            "",
            "database.main",
            "node.fra/database.main",
            "server.lobby/database.",
        ] {
            assert!(text.parse::<Address>().is_err(), "{text}");
        }
    }
}
