//! What the planner makes of the panel's release (`roost_model::release`): rules only some
//! releases enforce, and fields some releases do not report.

use roost_model::LiveNode;
use roost_model::release::{PELICAN_LOCAL_FQDN, PelicanRelease, is_local_fqdn};

/// What a release-dependent rule says about one node.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Fine,
    /// Worth a reviewer's attention; the plan is made.
    Note(String),
    /// The panel is known to refuse it: no plan (message, help).
    Refused(String, String),
}

/// Pelican's rule against local node fqdns (since 1.0.0-beta19), for a node that is created or
/// (`updating`) updated. What the panel already holds is never refused: an older release
/// accepted it, and roost reads and plans it as it is.
pub fn node_fqdn(
    name: &str,
    fqdn: &str,
    live: Option<&LiveNode>,
    updating: bool,
    release: PelicanRelease,
) -> Verdict {
    if !is_local_fqdn(fqdn) {
        return Verdict::Fine;
    }
    let held = live.is_some_and(|l| l.fqdn == fqdn);
    let since = PELICAN_LOCAL_FQDN.since;
    match (PELICAN_LOCAL_FQDN.enforced_by(release), held) {
        (true, false) => Verdict::Refused(
            format!(
                "node `{name}`: this panel ({}) refuses `{fqdn}` as a node's fqdn",
                release.describe().unwrap_or("Pelican")
            ),
            format!(
                "Pelican {since} and later refuse 0.0.0.0, 127.0.0.1 and localhost: write the address the panel reaches Wings at"
            ),
        ),
        (true, true) if updating => Verdict::Note(format!(
            "node `{name}` holds fqdn `{fqdn}`, which this panel ({}) refuses on every update since Pelican {since}: an update of the node will fail until its fqdn is changed",
            release.describe().unwrap_or("Pelican")
        )),
        (false, false) => Verdict::Note(format!(
            "node `{name}`: Pelican {since} and later refuse `{fqdn}` as a node's fqdn; this panel's release is not known, so it may refuse it"
        )),
        (_, true) => Verdict::Fine,
    }
}

/// Whether the panel reports a node's `daemon_connect` (Pelican 1.0.0-beta22 and later). An
/// existing node answers for itself; a new one is assumed to have it unless the panel's other
/// nodes prove an older release.
pub fn reports_daemon_connect(live: Option<&LiveNode>, release: PelicanRelease) -> bool {
    match live {
        Some(l) => l.daemon_connect.is_some(),
        None => release != PelicanRelease::BeforeBeta22,
    }
}

/// Whether the panel may not keep node `tags` written through its API. Pelican's node
/// validation rules gained `tags` in 1.0.0-beta19; before, Laravel's validated input drops them
/// (the update answers success, the tags stay as they were). No response tells beta17–18 from
/// beta19–21, so every panel older than beta22 may drop them.
pub fn may_drop_node_tags(release: PelicanRelease) -> bool {
    release == PelicanRelease::BeforeBeta22
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(fqdn: &str, connect: Option<i64>) -> LiveNode {
        serde_json::from_value(serde_json::json!({
            "id": 1, "uuid": "u", "name": "n1", "description": null, "location_id": null,
            "tags": [], "fqdn": fqdn, "scheme": "http", "behind_proxy": false, "public": true,
            "maintenance_mode": false, "memory": 0, "memory_overallocate": 0, "disk": 0,
            "disk_overallocate": 0, "cpu": 0, "cpu_overallocate": 0, "upload_size": 100,
            "daemon_listen": 8080, "daemon_sftp": 2022, "daemon_connect": connect,
            "daemon_sftp_alias": null, "daemon_base": "/x", "allocated_memory": 0,
            "allocated_disk": 0, "allocated_cpu": null
        }))
        .unwrap()
    }

    #[test]
    fn what_the_panel_holds_is_never_refused() {
        let held = node("127.0.0.1", None);
        for release in [
            PelicanRelease::Unknown,
            PelicanRelease::BeforeBeta22,
            PelicanRelease::Beta22OrLater,
        ] {
            assert!(
                !matches!(
                    node_fqdn("n1", "127.0.0.1", Some(&held), true, release),
                    Verdict::Refused(..)
                ),
                "{release:?}"
            );
        }
        assert_eq!(
            node_fqdn(
                "n1",
                "127.0.0.1",
                Some(&held),
                true,
                PelicanRelease::BeforeBeta22
            ),
            Verdict::Fine
        );
        // Known to enforce: an update will be refused, which the plan says.
        assert!(matches!(
            node_fqdn("n1", "127.0.0.1", Some(&held), true, PelicanRelease::Beta22OrLater),
            Verdict::Note(m) if m.contains("will fail")
        ));
        assert_eq!(
            node_fqdn(
                "n1",
                "127.0.0.1",
                Some(&held),
                false,
                PelicanRelease::Beta22OrLater
            ),
            Verdict::Fine
        );
    }

    #[test]
    fn a_new_local_fqdn_is_refused_only_where_known_to_be() {
        let elsewhere = node("wings.example.com", Some(8080));
        assert!(matches!(
            node_fqdn("n1", "localhost", Some(&elsewhere), true, PelicanRelease::Beta22OrLater),
            Verdict::Refused(m, _) if m.contains("refuses `localhost`")
        ));
        assert!(matches!(
            node_fqdn("n1", "localhost", None, false, PelicanRelease::Unknown),
            Verdict::Note(m) if m.contains("may refuse")
        ));
        assert_eq!(
            node_fqdn(
                "n1",
                "wings.example.com",
                None,
                false,
                PelicanRelease::Beta22OrLater
            ),
            Verdict::Fine
        );
    }

    #[test]
    fn daemon_connect_is_reported_from_beta22() {
        assert!(!reports_daemon_connect(
            Some(&node("x", None)),
            PelicanRelease::BeforeBeta22
        ));
        assert!(reports_daemon_connect(
            Some(&node("x", Some(1))),
            PelicanRelease::Beta22OrLater
        ));
        assert!(!reports_daemon_connect(None, PelicanRelease::BeforeBeta22));
        assert!(reports_daemon_connect(None, PelicanRelease::Unknown));
    }
}
