//! `ignore` rules: their shape is checked here; whether an attribute name exists is asked of
//! the caller ([`AttributeNames`]), since the names are declared once, by the planner's
//! attribute tables, and this crate does not depend on the planner.

use crate::diag::{Problem, suggest};
use crate::parse::strings_field;
use crate::read::KdlNode;
use crate::value::{Reader, Sp};
use roost_model::Kind;

/// The attribute names plans show, per kind: what `ignore` rules may name. The caller passes
/// the planner's (see [`crate::LoadOptions`]).
#[derive(Debug, Clone, Copy)]
pub struct AttributeNames {
    /// Whether `name` is an attribute of `kind` (entries of a map attribute included:
    /// `environment.NAME`).
    pub known: fn(Kind, &str) -> bool,
    /// The names to suggest from and list in help messages.
    pub names: fn(Kind) -> Vec<&'static str>,
}

impl AttributeNames {
    /// Every name is taken to exist: only the rules' shape is checked. For callers that never
    /// plan (benchmarks, tests of other layers); the CLI passes the planner's names.
    pub const UNCHECKED: AttributeNames = AttributeNames {
        known: |_, name| !name.is_empty(),
        names: |_| Vec::new(),
    };
}

impl Default for AttributeNames {
    fn default() -> Self {
        AttributeNames::UNCHECKED
    }
}

/// `KIND.*.FIELD` or `KIND.NAME.FIELD` in the panel block, FIELD being an attribute plans show
/// for KIND.
pub(crate) fn check_pattern(r: &mut Reader, names: AttributeNames, s: &Sp<String>) -> bool {
    let bad = |msg: String| {
        Problem::new("roost::bad-value", msg, s.span, "not an ignore rule")
            .help("write KIND.*.FIELD (every resource of a kind) or KIND.NAME.FIELD, e.g. \"server.*.description\"")
    };
    let Some((kind, rest)) = s.v.split_once('.') else {
        r.push(bad(format!("`{}` names no kind", s.v)));
        return false;
    };
    let Some(kind) = Kind::parse(kind) else {
        r.push(bad(format!("`{kind}` is not a kind of resource")));
        return false;
    };
    // FIELD may itself contain a dot (limits.memory): try every split after the name.
    let ok = rest
        .match_indices('.')
        .any(|(i, _)| (names.known)(kind, &rest[i + 1..]));
    if !ok {
        r.push(
            bad(format!("`{}` names no attribute of a {kind}", s.v)).help(format!(
                "attributes of a {kind}: {}",
                (names.names)(kind).join(", ")
            )),
        );
    }
    ok
}

/// `ignore "description" "limits.memory"` inside a resource block.
pub(crate) fn parse_block_ignore(
    r: &mut Reader,
    names: AttributeNames,
    child: &KdlNode,
    kind: Kind,
) -> Vec<String> {
    let mut out = Vec::new();
    for s in strings_field(r, child, "ignore \"description\"") {
        if (names.known)(kind, &s.v) {
            out.push(s.v);
        } else {
            let known = (names.names)(kind);
            let mut p = Problem::new(
                "roost::unknown-attribute",
                format!("a {kind} has no attribute `{}` to ignore", s.v),
                s.span,
                "unknown attribute",
            );
            p = match suggest(&s.v, known.iter().copied()) {
                Some(sug) => p.help(format!("did you mean \"{sug}\"?")),
                None => p.help(format!("attributes of a {kind}: {}", known.join(", "))),
            };
            r.push(p);
        }
    }
    out
}

/// Attribute names for this crate's own tests: a few of each kind, as the planner would list
/// them.
#[cfg(test)]
pub(crate) const TEST_NAMES: AttributeNames = AttributeNames {
    known: |kind, name| {
        test_names(kind).contains(&name)
            || (kind == Kind::Server
                && name
                    .strip_prefix("environment.")
                    .is_some_and(|v| !v.is_empty()))
    },
    names: test_names,
};

#[cfg(test)]
fn test_names(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Location => vec!["description"],
        Kind::Node => vec!["description", "fqdn", "memory"],
        Kind::Allocation => vec!["alias"],
        Kind::User => vec!["email", "language"],
        Kind::Server => vec!["name", "description", "limits.memory", "startup"],
        Kind::Database => vec!["host", "remote"],
        Kind::Schedule => vec!["cron", "enabled", "only-when-online"],
        Kind::Subuser => vec!["permissions"],
        Kind::File => vec!["content"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LoadOptions, Sources, load_with};
    use std::sync::Arc;

    /// (code, message, help) of each problem of a set with `panel_ignore` in the panel block
    /// and `server_ignore` in a server's.
    fn problems(
        attributes: AttributeNames,
        panel_ignore: &str,
        server_ignore: &str,
    ) -> Vec<(String, String, String)> {
        let text = format!(
            r#"panel {{ ignore {panel_ignore}; }}
node "n" {{ fqdn "n.example.com"; memory 1024; disk 1024; allocations "10.0.0.5" 25565; }}
user "alice" {{ email "alice@example.com"; }}
server "s" {{ owner "alice"; node "n"; egg "Paper"; limits memory=1024 disk=1024; ignore {server_ignore}; }}
"#
        );
        let sources = Sources {
            files: vec![("fleet.kdl".into(), Arc::from(text))],
        };
        match load_with(
            sources,
            &LoadOptions {
                attributes,
                ..LoadOptions::default()
            },
        ) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .diagnostics
                .iter()
                .map(|d| {
                    let help = miette::Diagnostic::help(d)
                        .map(|h| h.to_string())
                        .unwrap_or_default();
                    (d.code_str().to_string(), d.message().to_string(), help)
                })
                .collect(),
        }
    }

    #[test]
    fn names_are_checked_against_the_callers_list() {
        let ok = problems(
            TEST_NAMES,
            r#""server.*.description" "server.lobby.limits.memory" "database.*.remote""#,
            r#""startup" "environment.MAX_PLAYERS""#,
        );
        assert_eq!(ok, Vec::new());
        let found = problems(TEST_NAMES, r#""server.*.descripton""#, r#""strtup""#);
        assert_eq!(
            found,
            [
                (
                    "roost::bad-value".to_string(),
                    "`server.*.descripton` names no attribute of a server".to_string(),
                    "attributes of a server: name, description, limits.memory, startup".to_string()
                ),
                (
                    "roost::unknown-attribute".to_string(),
                    "a server has no attribute `strtup` to ignore".to_string(),
                    "did you mean \"startup\"?".to_string()
                ),
            ]
        );
        // A map attribute needs a key.
        let found = problems(TEST_NAMES, r#""server.*.name""#, r#""environment.""#);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "roost::unknown-attribute");
    }

    #[test]
    fn without_a_list_only_the_shape_is_checked() {
        let ok = problems(
            AttributeNames::UNCHECKED,
            r#""server.*.anything""#,
            r#""whatever""#,
        );
        assert_eq!(ok, Vec::new());
        for pattern in [r#""server""#, r#""srv.*.name""#, r#""server.lobby""#] {
            let found = problems(AttributeNames::UNCHECKED, pattern, r#""name""#);
            assert_eq!(found.len(), 1, "{pattern}: {found:?}");
            assert_eq!(found[0].0, "roost::bad-value", "{pattern}");
        }
        let found = problems(AttributeNames::UNCHECKED, r#""server.*.name""#, r#""""#);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "roost::unknown-attribute");
    }
}
