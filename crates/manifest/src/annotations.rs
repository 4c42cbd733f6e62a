//! KDL type annotations: `(GiB)20` on a size, `(env)"VAR"` / `(file)"PATH"` on an egg variable.
//! Anywhere else an annotation would be read as nothing at all, so that `(envv)"RUST_RCON"`
//! quietly became the literal text `RUST_RCON`: every annotation roost does not read is an error.
//!
//! One table ([`accepted`]) says which annotations each place takes; the readers of those places
//! interpret them (`value::Reader::size` for units, `value::env_value` for secret
//! sources).

use crate::diag::{Problem, Span, suggest};
use crate::read::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode};
use crate::value::Reader;

/// The annotations of an egg variable: where its value is read from.
pub const SECRET_SOURCES: &[&str] = &["env", "file"];

/// What a place in the manifests accepts as a type annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accepts {
    Nothing,
    /// A binary unit; checked by the size reader, which knows the decimal look-alikes.
    Unit,
    /// `env` or `file`.
    SecretSource,
}

/// What the value of `prop` (or an argument, `None`) of the field `field` in a top-level
/// `block` accepts.
fn accepted(block: &str, field: &str, prop: Option<&str>) -> Accepts {
    match (block, field, prop) {
        ("node", "memory" | "disk" | "upload-size", None) => Accepts::Unit,
        ("server" | "template", "limits", Some("memory" | "disk" | "swap")) => Accepts::Unit,
        ("server" | "template", "env", Some(_)) => Accepts::SecretSource,
        _ => Accepts::Nothing,
    }
}

/// Report every annotation in `doc` that its place does not accept. Roost's blocks nest two
/// levels deep (block, field), three for the blocks inside a server (`database`); anything
/// deeper is reported as a misplaced block elsewhere.
pub fn check(r: &mut Reader, doc: &KdlDocument) {
    for block in doc.nodes() {
        let name = block.name().value();
        check_node(r, block, |_, _| Accepts::Nothing);
        for field in block.children().map(KdlDocument::nodes).unwrap_or_default() {
            check_node(r, field, |fname, prop| accepted(name, fname, prop));
            if nests_blocks(name, field.name().value()) {
                for inner in field.children().map(KdlDocument::nodes).unwrap_or_default() {
                    check_node(r, inner, |_, _| Accepts::Nothing);
                }
            }
        }
    }
}

/// Fields that are blocks of their own.
fn nests_blocks(block: &str, field: &str) -> bool {
    matches!(
        (block, field),
        (
            "server" | "template",
            "database" | "schedule" | "subuser" | "file"
        )
    )
}

/// The annotations of one node and of its entries, `accepts` saying what each entry takes.
fn check_node(r: &mut Reader, node: &KdlNode, accepts: impl Fn(&str, Option<&str>) -> Accepts) {
    node_annotation(r, node);
    let name = node.name().value();
    // Only annotated entries are looked at (what the message calls them is built for those).
    for e in node.entries().iter().filter(|e| e.ty().is_some()) {
        let prop = e.name().map(|n| n.value());
        // What the message calls the value: `RCON_PASS`, `daemon listen`, `memory`.
        let what = match prop {
            Some(p) if name == "env" => p.to_string(),
            Some(p) => format!("{name} {p}"),
            None => name.to_string(),
        };
        entry_annotation(r, e, accepts(name, prop), &what);
    }
}

fn node_annotation(r: &mut Reader, node: &KdlNode) {
    if let Some(ty) = node.ty() {
        let what = node.name().value();
        let span = r.span(ty.span());
        r.push(
            Problem::new(
                "roost::unknown-annotation",
                format!(
                    "`{what}` has the type annotation `({})`, which roost does not read",
                    ty.value()
                ),
                span,
                "unknown annotation",
            )
            .help(format!(
                "remove `({})`: blocks and fields take no type annotation",
                ty.value()
            )),
        );
    }
}

fn entry_annotation(r: &mut Reader, entry: &KdlEntry, accepts: Accepts, what: &str) {
    let Some(ty) = entry.ty() else { return };
    match accepts {
        Accepts::Unit => {}
        Accepts::SecretSource if SECRET_SOURCES.contains(&ty.value()) => {}
        Accepts::SecretSource => {
            let p = unknown(r, ty, what)
                .help(match suggest(&ty.value().to_lowercase(), SECRET_SOURCES.iter().copied()) {
                    Some(s) => format!(
                        "did you mean `({s})`? An egg variable is a literal \"value\", or read from (env)\"VAR\" or (file)\"PATH\""
                    ),
                    None => "an egg variable is a literal \"value\", or read from (env)\"VAR\" or (file)\"PATH\"".to_string(),
                });
            r.push(p);
        }
        Accepts::Nothing => {
            let p = unknown(r, ty, what).help(format!(
                "remove `({})`: roost reads type annotations only on sizes ((GiB)20) and on egg variables ((env)\"VAR\", (file)\"PATH\"){}",
                ty.value(),
                if what.starts_with("password") {
                    "; a password is written password env=\"VAR\" or password file=\"PATH\""
                } else {
                    ""
                }
            ));
            r.push(p);
        }
    }
}

fn unknown(r: &Reader, ty: &KdlIdentifier, field: &str) -> Problem {
    let span: Span = r.span(ty.span());
    Problem::new(
        "roost::unknown-annotation",
        format!(
            "`{field}` has the type annotation `({})`, which roost does not read here",
            ty.value()
        ),
        span,
        "unknown annotation",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Problem> {
        let doc = crate::read::parse(text).expect("valid KDL");
        let mut problems = Vec::new();
        let mut r = Reader {
            file: 0,
            problems: &mut problems,
        };
        check(&mut r, &doc);
        problems
    }

    #[test]
    fn accepted_annotations_pass() {
        let ok = r#"
node "a" { memory (GiB)64; disk (TiB)1; upload-size (MiB)100 }
server "s" { limits memory=(GiB)4 disk=(GiB)20 swap=(MiB)512; env A=(env)"X" B=(file)"f" C="c" }
template "t" { env A=(env)"X" }
"#;
        assert_eq!(problems(ok), Vec::new());
    }

    #[test]
    fn unknown_secret_source_suggests_the_known_one() {
        let p = problems(r#"server "s" { env RCON_PASS=(envv)"RUST_RCON" }"#);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].code, "roost::unknown-annotation");
        assert_eq!(
            p[0].message,
            "`RCON_PASS` has the type annotation `(envv)`, which roost does not read here"
        );
        assert!(
            p[0].help
                .as_deref()
                .unwrap()
                .starts_with("did you mean `(env)`?")
        );
        // The label sits on the annotation.
        let (span, label) = &p[0].labels[0];
        assert_eq!(label, "unknown annotation");
        let text = r#"server "s" { env RCON_PASS=(envv)"RUST_RCON" }"#;
        assert!(text[span.offset as usize..].starts_with("envv"));
        let p = problems(r#"server "s" { env A=(ENV)"X" B=(secret)"Y" }"#);
        assert_eq!(p.len(), 2);
        assert!(
            p[0].help
                .as_deref()
                .unwrap()
                .starts_with("did you mean `(env)`?")
        );
        assert!(
            p[1].help
                .as_deref()
                .unwrap()
                .starts_with("an egg variable is")
        );
    }

    #[test]
    fn annotations_where_roost_reads_none_are_errors() {
        for text in [
            r#"(x)server "s" { }"#,
            r#"server (x)"s" { }"#,
            r#"server "s" from=(x)"t" { }"#,
            r#"server "s" { (x)name "n" }"#,
            r#"server "s" { name (str)"n" }"#,
            r#"server "s" { limits cpu=(percent)200 }"#,
            r#"node "n" { cpu (percent)400 }"#,
            r#"user "u" { password env=(env)"X" }"#,
            r#"panel { token-env (env)"ROOST_TOKEN" }"#,
            r#"location "l" { description (text)"d" }"#,
            r#"server "s" { database (x)"main" { host id=1; } }"#,
            r#"server "s" { (x)database "main" { host id=1; } }"#,
            r#"server "s" { database "main" { host id=(int)1; } }"#,
            r#"template "t" { database "main" { (x)remote "%"; } }"#,
            r#"server "s" { database "main" { host (name)"mysql-1"; } }"#,
        ] {
            let p = problems(text);
            assert_eq!(p.len(), 1, "{text}: {p:?}");
            assert_eq!(p[0].code, "roost::unknown-annotation", "{text}");
        }
        let p = problems(r#"user "u" { password env=(env)"X" }"#);
        assert!(
            p[0].help
                .as_deref()
                .unwrap()
                .contains("password env=\"VAR\"")
        );
    }
}
