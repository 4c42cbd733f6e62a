//! Numbers beyond what a field takes: the message names the maximum, and shows the number as
//! written, computed exactly (never through a float).

use roost_manifest::{Sources, load};
use std::sync::Arc;

const BASE: &str = r#"panel { dialect "pterodactyl"; }
location "fra" { description "Frankfurt"; }
user "alice" { email "alice@example.com"; first-name "Alice"; last-name "Liddell"; }
"#;

/// (code, message, help) of every problem of `text` after `BASE`.
fn problems(text: &str) -> Vec<(&'static str, String, String)> {
    let sources = Sources {
        files: vec![("fleet.kdl".into(), Arc::from(format!("{BASE}{text}")))],
    };
    let err = load(sources).expect_err("invalid");
    err.diagnostics
        .iter()
        .map(|d| {
            use miette::Diagnostic;
            let help = d.help().map(|h| h.to_string()).unwrap_or_default();
            (d.code_str(), d.message().to_string(), help)
        })
        .collect()
}

fn node(memory: &str, disk: &str) -> String {
    format!(
        "node \"fra-1\" {{ location \"fra\"; fqdn \"a.example.com\"; memory {memory}; disk {disk}; allocations \"10.0.0.5\" 25565; }}\n"
    )
}

fn server(limits: &str) -> String {
    format!(
        "{}server \"lobby\" {{ owner \"alice\"; node \"fra-1\"; egg \"Paper\" nest=\"Minecraft\"; limits {limits}; allocation 25565; }}\n",
        node("1024", "1024")
    )
}

fn messages(text: &str) -> Vec<String> {
    problems(text).into_iter().map(|p| p.1).collect()
}

#[test]
fn a_size_too_large_says_the_maximum() {
    assert_eq!(
        messages(&node("99999999999999999999", "\"5000TiB\"")),
        [
            "node memory must be at most 4294967295 MiB, not 99999999999999999999",
            "node disk must be at most 4294967295 MiB, not 5000TiB (5242880000 MiB)",
        ]
    );
    assert_eq!(
        messages(&server(
            "memory=99999999999999999999 disk=\"12345678901234567890.5GiB\" cpu=99999999999999999999 swap=(TiB)3000"
        )),
        [
            "memory must be at most 4294967295 MiB, not 99999999999999999999",
            "disk must be at most 4294967295 MiB, not 12345678901234567890.5GiB (12641975194864197519872 MiB)",
            "cpu must be at most 4294967295, not 99999999999999999999",
            "swap must be at most 2147483647 MiB, not (TiB)3000 (3145728000 MiB)",
        ]
    );
    // Below the minimum it says so.
    assert_eq!(
        messages(&node("-99999999999999999999", "1024")),
        ["node memory must be at least 1 MiB, not -99999999999999999999"]
    );
}

#[test]
fn ambiguous_units_are_converted_exactly() {
    let found = problems(&node("1024", "\"99999999999999999999GB\""));
    assert_eq!(
        found[0].1,
        "`99999999999999999999GB` is ambiguous: 99999999999999999999000 or 102399999999999999998976 MiB?"
    );
    let found = problems(&node("\"1.1GB\"", "\"123456789.123TB\""));
    assert_eq!(found[0].1, "`1.1GB` is ambiguous: 1100 or 1126.4 MiB?");
    assert!(found[0].2.contains("(1126.4 MiB)"), "{found:#?}");
    assert_eq!(
        found[1].1,
        "`123456789.123TB` is ambiguous: 123456789123000 or 129453826111438.848 MiB?"
    );
}

#[test]
fn a_number_too_large_for_any_field_is_one_clear_error() {
    // Beyond what the KDL parser reads as an integer it gave 4 confusing syntax errors.
    let found = problems(&node("9999999999999999999999999999999999999999999", "1024"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "roost::out-of-range");
    assert_eq!(
        found[0].1,
        "the number 9999999999999999999999999999999999999999999 is too large"
    );
    assert!(found[0].2.contains("4294967295"), "{found:#?}");
    let found = problems(&node(
        "1024",
        "-0x1_0000_0000_0000_0000_0000_0000_0000_0000",
    ));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "roost::out-of-range");
}
