//! roost's ownership marker on the panel: the `external_id` of servers and users it manages.
//!
//! * `{namespace}{key}`: owned by roost, declared as `KIND "key"` in the manifests;
//! * `{namespace}{key}!`: the same, and protected — roost refuses to delete or replace it,
//!   even after its block is removed from the manifests.
//!
//! A resource whose manifest sets an explicit `external-id` carries that id instead: roost
//! manages it while it is declared, but cannot recognise it once removed (it is never pruned).

/// The marker roost writes for `key`.
pub fn marker(namespace: &str, key: &str, protected: bool) -> String {
    if protected {
        format!("{namespace}{key}!")
    } else {
        format!("{namespace}{key}")
    }
}

/// The manifest key and protection of an external id carrying roost's marker.
pub fn parse_marker<'a>(namespace: &str, external_id: &'a str) -> Option<(&'a str, bool)> {
    let rest = external_id.strip_prefix(namespace)?;
    let (key, protected) = match rest.strip_suffix('!') {
        Some(k) => (k, true),
        None => (rest, false),
    };
    (!key.is_empty()).then_some((key, protected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip() {
        assert_eq!(marker("roost:", "lobby", false), "roost:lobby");
        assert_eq!(marker("roost:", "lobby", true), "roost:lobby!");
        assert_eq!(
            parse_marker("roost:", "roost:lobby"),
            Some(("lobby", false))
        );
        assert_eq!(
            parse_marker("roost:", "roost:lobby!"),
            Some(("lobby", true))
        );
        assert_eq!(parse_marker("roost:", "whmcs-12"), None);
        assert_eq!(parse_marker("roost:", "roost:"), None);
        assert_eq!(parse_marker("roost:", "roost:!"), None);
    }
}
