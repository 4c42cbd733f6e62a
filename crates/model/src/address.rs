use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A kind of resource roost manages or refers to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Location,
    Node,
    Allocation,
    User,
    Server,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Location,
        Kind::Node,
        Kind::Allocation,
        Kind::User,
        Kind::Server,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Location => "location",
            Kind::Node => "node",
            Kind::Allocation => "allocation",
            Kind::User => "user",
            Kind::Server => "server",
        }
    }

    /// Plural form, as used in `prune` settings and summaries.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Location => "locations",
            Kind::Node => "nodes",
            Kind::Allocation => "allocations",
            Kind::User => "users",
            Kind::Server => "servers",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.plural() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable, human-readable name of one resource: `kind.name`.
///
/// Allocations are named by node, ip and port: `allocation.fra-1/10.0.0.5:25565`
/// (IPv6 addresses in brackets: `allocation.fra-1/[2001:db8::1]:25565`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema)]
#[schemars(with = "String")]
pub struct Address {
    pub kind: Kind,
    pub name: String,
}

impl Address {
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Address {
            kind,
            name: name.into(),
        }
    }

    pub fn allocation(node: &str, ip: std::net::IpAddr, port: u16) -> Self {
        let name = match ip {
            std::net::IpAddr::V4(v4) => format!("{node}/{v4}:{port}"),
            std::net::IpAddr::V6(v6) => format!("{node}/[{v6}]:{port}"),
        };
        Address {
            kind: Kind::Allocation,
            name,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressParseError(pub String);

impl fmt::Display for AddressParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a resource address: write KIND.NAME, where KIND is one of location, node, allocation, user, server",
            self.0
        )
    }
}

impl std::error::Error for AddressParseError {}

impl FromStr for Address {
    type Err = AddressParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, name) = s
            .split_once('.')
            .ok_or_else(|| AddressParseError(s.to_string()))?;
        let kind = Kind::parse(kind).ok_or_else(|| AddressParseError(s.to_string()))?;
        if name.is_empty() {
            return Err(AddressParseError(s.to_string()));
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
        ] {
            let a: Address = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        let v6 = Address::allocation("n", "2001:db8::1".parse().unwrap(), 25565);
        assert_eq!(v6.to_string(), "allocation.n/[2001:db8::1]:25565");
    }

    #[test]
    fn bad_addresses_are_rejected() {
        for text in ["server", "egg.paper", "server.", ""] {
            assert!(text.parse::<Address>().is_err(), "{text}");
        }
    }
}
