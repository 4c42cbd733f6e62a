//! The manifest side of roost's ownership rules: the namespace that prefixes its markers, and
//! names that become part of a marker. The rules themselves live in `roost_model::marker`.

use crate::diag::Problem;
use crate::parse::{check_len, no_children};
use crate::read::KdlNode;
use crate::value::{Entries, Reader, Sp, expect_args};
use roost_model::{NAMESPACE_SEPARATORS, PanelSettings, namespace_problem, stored_username};

const NAMESPACE_EXAMPLE: &str = "namespace \"roost:\"";

/// `namespace "NEW:" [previous="OLD:"]`: both must be valid namespaces, and differ.
pub fn parse_namespace(r: &mut Reader, child: &KdlNode, panel: &mut PanelSettings) {
    no_children(r, child);
    let e = Entries::of(r, child, &["previous"]);
    if !expect_args(r, child, &e.args, 1, NAMESPACE_EXAMPLE) {
        return;
    }
    let Some(ns) = r.string(e.args[0], NAMESPACE_EXAMPLE) else {
        return;
    };
    let previous = e
        .prop("previous")
        .and_then(|p| r.string(p, "previous=\"roost:\""));
    let ns_ok = check_namespace(r, &ns, "namespace");
    let prev_ok = previous
        .as_ref()
        .is_none_or(|p| check_namespace(r, p, "previous namespace"));
    if let Some(p) = &previous
        && p.v == ns.v
    {
        r.push(
            Problem::new(
                "roost::bad-value",
                format!("the previous namespace is the namespace itself (`{}`)", p.v),
                p.span,
                "same as the namespace",
            )
            .help("remove `previous=`: it names the namespace you changed from"),
        );
        return;
    }
    if ns_ok && prev_ok {
        panel.namespace = ns.v;
        panel.previous_namespace = previous.map(|p| p.v);
    }
}

fn check_namespace(r: &mut Reader, s: &Sp<String>, what: &str) -> bool {
    if check_len(r, s, what, 1, 64).is_none() {
        return false;
    }
    let Some(why) = namespace_problem(&s.v) else {
        return true;
    };
    let fixed: String =
        s.v.trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '!')
            .collect();
    let fixed = if fixed.ends_with(NAMESPACE_SEPARATORS) {
        fixed
    } else {
        format!("{fixed}:")
    };
    r.push(
        Problem::new(
            "roost::bad-value",
            format!("the {what} `{}` {why}", s.v),
            s.span,
            "not a namespace",
        )
        .help(format!(
            "end it with `:` or `/`, e.g. \"{fixed}\": a marker is then exactly namespace + name \
             (with `roost:`, `roost-eu:lobby` is another configuration's, never roost's)"
        )),
    );
    false
}

/// A server name goes into roost's marker (`roost:NAME`), which a separator would make ambiguous
/// with a longer namespace (`roost:eu:` + `lobby`).
pub fn check_server_key(r: &mut Reader, key: &Sp<String>) {
    if key.v.contains(NAMESPACE_SEPARATORS) {
        r.push(
            Problem::new(
                "roost::bad-name",
                format!("server name `{}` contains `:` or `/`", key.v),
                key.span,
                "reserved character",
            )
            .help(
                "`:` and `/` end roost's namespace in the external id (`roost:NAME`), so \
                 roost could not tell the name from the namespace; use `-` or `_`",
            ),
        );
    }
}

/// Usernames as the panel stores them (lower case, trimmed), so that every comparison with the
/// panel agrees; and, with `marker_check` (the user has no `external-id` of its own), usable in
/// roost's marker.
pub fn check_username(r: &mut Reader, name: &Sp<String>, marker_check: bool) {
    let stored = stored_username(&name.v);
    if stored != name.v {
        r.push(
            Problem::new(
                "roost::bad-name",
                format!("username `{}` is stored by the panel as `{stored}`", name.v),
                name.span,
                "the panel lower-cases usernames",
            )
            .help(format!(
                "write user \"{stored}\" (and owner \"{stored}\" in its servers): the panel \
                 stores usernames in lower case, so any other spelling never matches"
            )),
        );
    }
    if marker_check && (name.v.contains(NAMESPACE_SEPARATORS) || name.v.ends_with('!')) {
        r.push(
            Problem::new(
                "roost::bad-name",
                format!("username `{}` cannot be part of roost's marker", name.v),
                name.span,
                "`:`, `/` or a trailing `!`",
            )
            .help(
                "roost marks users as `NAMESPACE + USERNAME`, where `:` and `/` end the \
                 namespace and `!` marks protection; give the user its own `external-id \"...\"` \
                 (roost then never prunes it)",
            ),
        );
    }
}
