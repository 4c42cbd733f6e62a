//! Panels in the wild run different releases. No response names the release, but the fields
//! objects carry prove a floor (`shared/panel-api/dialects.md` §3), and some validation rules
//! are only enforced from a given release on. This module holds both, in one place:
//!
//! * a rule that only some releases enforce is a warning, unless the panel is known to enforce
//!   it (then what the panel would refuse is an error); what the panel already holds is never
//!   refused because another release would not accept it;
//! * a field the panel's responses do not carry at all is "not reported": it is not planned.

use crate::{Dialect, LiveNode};

/// What a Pelican panel's nodes prove about its release. `daemon_connect` came with
/// 1.0.0-beta22: a node reporting it proves beta22 or later; nodes without it prove an older
/// release; without nodes nothing is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PelicanRelease {
    Unknown,
    BeforeBeta22,
    Beta22OrLater,
}

impl PelicanRelease {
    pub fn of_nodes<'a>(nodes: impl IntoIterator<Item = &'a LiveNode>) -> Self {
        let mut seen = PelicanRelease::Unknown;
        for n in nodes {
            if n.daemon_connect.is_some() {
                return PelicanRelease::Beta22OrLater;
            }
            seen = PelicanRelease::BeforeBeta22;
        }
        seen
    }

    /// Whether the panel is known to run `1.0.0-beta<beta>` or later.
    pub fn at_least(self, beta: u32) -> bool {
        self == PelicanRelease::Beta22OrLater && beta <= 22
    }

    /// The release as far as it is known, for messages.
    pub fn describe(self) -> Option<&'static str> {
        match self {
            PelicanRelease::Unknown => None,
            PelicanRelease::BeforeBeta22 => {
                Some("Pelican older than 1.0.0-beta22 (its nodes report no daemon_connect)")
            }
            PelicanRelease::Beta22OrLater => Some("Pelican 1.0.0-beta22 or later"),
        }
    }
}

/// A validation rule of one dialect that releases before `since_beta` do not enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseRule {
    pub dialect: Dialect,
    pub since_beta: u32,
    /// The first release that enforces it, for messages.
    pub since: &'static str,
}

impl ReleaseRule {
    /// Whether a panel of this release is known to enforce the rule.
    pub fn enforced_by(self, release: PelicanRelease) -> bool {
        release.at_least(self.since_beta)
    }
}

/// Pelican refuses these node fqdns since 1.0.0-beta19; older releases hold them
/// (`real-pelican-1.0.0-beta17` has a node at `127.0.0.1`).
pub const PELICAN_LOCAL_FQDN: ReleaseRule = ReleaseRule {
    dialect: Dialect::Pelican,
    since_beta: 19,
    since: "1.0.0-beta19",
};

/// Whether `fqdn` is one [`PELICAN_LOCAL_FQDN`] refuses.
pub fn is_local_fqdn(fqdn: &str) -> bool {
    matches!(fqdn, "0.0.0.0" | "127.0.0.1" | "localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(connect: Option<i64>) -> LiveNode {
        LiveNode {
            id: 1,
            uuid: String::new(),
            name: "n".into(),
            description: None,
            location_id: None,
            tags: vec![],
            fqdn: "127.0.0.1".into(),
            scheme: "http".into(),
            behind_proxy: false,
            public: true,
            maintenance_mode: false,
            memory: 0,
            memory_overallocate: 0,
            disk: 0,
            disk_overallocate: 0,
            cpu: Some(0),
            cpu_overallocate: Some(0),
            upload_size: 100,
            daemon_listen: 8080,
            daemon_sftp: 2022,
            daemon_connect: connect,
            daemon_sftp_alias: None,
            daemon_base: String::new(),
            allocated_memory: 0,
            allocated_disk: 0,
            allocated_cpu: None,
        }
    }

    #[test]
    fn the_release_floor_comes_from_daemon_connect() {
        assert_eq!(PelicanRelease::of_nodes([]), PelicanRelease::Unknown);
        let old = node(None);
        let new = node(Some(8080));
        assert_eq!(
            PelicanRelease::of_nodes([&old]),
            PelicanRelease::BeforeBeta22
        );
        assert_eq!(
            PelicanRelease::of_nodes([&old, &new]),
            PelicanRelease::Beta22OrLater
        );
    }

    #[test]
    fn a_rule_is_enforced_only_when_the_release_is_known_to_have_it() {
        assert!(PELICAN_LOCAL_FQDN.enforced_by(PelicanRelease::Beta22OrLater));
        // Before beta22 could be beta17 (no rule) or beta19 (rule): not known.
        assert!(!PELICAN_LOCAL_FQDN.enforced_by(PelicanRelease::BeforeBeta22));
        assert!(!PELICAN_LOCAL_FQDN.enforced_by(PelicanRelease::Unknown));
        assert!(is_local_fqdn("127.0.0.1") && !is_local_fqdn("127.0.0.2"));
    }
}
