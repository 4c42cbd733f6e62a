//! roost's ownership marker on the panel: the `external_id` of servers and users it manages.
//!
//! * `{namespace}{key}`: owned by roost, declared as `KIND "key"` in the manifests;
//! * `{namespace}{key}!`: the same, and protected — roost refuses to delete or replace it,
//!   even after its block is removed from the manifests.
//!
//! A namespace ends in a separator (`:` or `/`) and a key contains none, so a marker is exactly
//! namespace + key: `roost-eu:lobby` is not `roost` + `-eu:lobby`, and `roost:eu:lobby` (the
//! marker of another configuration, namespace `roost:eu:`) is not `roost:` + `eu:lobby`. Anything
//! else is foreign: roost never deletes it.
//!
//! A resource whose manifest sets an explicit `external-id` carries that id instead: roost
//! manages it while it is declared, but cannot recognise it once removed (it is never pruned).

/// The characters a namespace ends with, and that a key in a marker never contains.
pub const NAMESPACE_SEPARATORS: [char; 2] = [':', '/'];

/// Why `namespace` cannot be roost's ownership namespace, or `None` when it can.
pub fn namespace_problem(namespace: &str) -> Option<String> {
    if namespace.chars().any(char::is_whitespace) {
        return Some("contains whitespace".into());
    }
    if namespace.contains('!') {
        return Some("contains `!`, which marks protected resources".into());
    }
    match namespace.chars().last() {
        Some(c) if NAMESPACE_SEPARATORS.contains(&c) && namespace.len() > 1 => None,
        _ => Some(
            "does not end in a separator (`:` or `/`), so it would also match the markers of \
             other namespaces that start the same way"
                .into(),
        ),
    }
}

/// Whether `key` can be read back from a marker: not empty, no separator, no trailing `!`.
pub fn is_marker_key(key: &str) -> bool {
    !key.is_empty() && !key.contains(NAMESPACE_SEPARATORS) && !key.ends_with('!')
}

/// The marker roost writes for `key`.
pub fn marker(namespace: &str, key: &str, protected: bool) -> String {
    if protected {
        format!("{namespace}{key}!")
    } else {
        format!("{namespace}{key}")
    }
}

/// The manifest key and protection of an external id carrying roost's marker: exactly the
/// namespace followed by a key (and `!` when protected). `None` for anything else, and for
/// every id when the namespace is not a valid one.
pub fn parse_marker<'a>(namespace: &str, external_id: &'a str) -> Option<(&'a str, bool)> {
    if namespace_problem(namespace).is_some() {
        return None;
    }
    let rest = external_id.strip_prefix(namespace)?;
    let (key, protected) = match rest.strip_suffix('!') {
        Some(k) => (k, true),
        None => (rest, false),
    };
    is_marker_key(key).then_some((key, protected))
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
        assert_eq!(
            parse_marker("fleet/", "fleet/lobby"),
            Some(("lobby", false))
        );
        assert_eq!(parse_marker("roost:", "whmcs-12"), None);
        assert_eq!(parse_marker("roost:", "roost:"), None);
        assert_eq!(parse_marker("roost:", "roost:!"), None);
        assert_eq!(parse_marker("roost:", "roost:lobby!!"), None);
    }

    #[test]
    fn a_bare_prefix_is_not_a_namespace() {
        // Namespace "roost" would read another configuration's `roost-eu:lobby` as `-eu:lobby`.
        assert_eq!(parse_marker("roost", "roost-eu:lobby"), None);
        assert_eq!(parse_marker("roost", "roostlobby"), None);
        assert!(namespace_problem("roost").is_some());
        assert!(namespace_problem("").is_some());
        assert!(namespace_problem(":").is_some());
        assert!(namespace_problem("ro ost:").is_some());
        assert!(namespace_problem("roost!:").is_some());
        assert_eq!(namespace_problem("roost:"), None);
        assert_eq!(namespace_problem("acme/roost/"), None);
    }

    #[test]
    fn a_nested_namespace_is_foreign() {
        // `roost:eu:` is another configuration's namespace, not `roost:` + key `eu:lobby`.
        assert_eq!(parse_marker("roost:", "roost:eu:lobby"), None);
        assert_eq!(parse_marker("roost:", "roost:eu/lobby"), None);
        assert_eq!(
            parse_marker("roost:eu:", "roost:eu:lobby"),
            Some(("lobby", false))
        );
    }
}
