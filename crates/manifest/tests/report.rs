//! Rendering reports: any label on any line renders, and big reports stay fast.

use roost_manifest::{Sources, load};
use std::sync::Arc;

fn report(files: &[(&str, String)]) -> roost_manifest::ManifestErrors {
    let sources = Sources {
        files: files
            .iter()
            .map(|(n, t)| (n.to_string(), Arc::from(t.as_str())))
            .collect(),
    };
    load(sources).expect_err("the manifests are invalid")
}

/// An unknown property `bogus` after `pad` on one line: its label starts `pad.len()` bytes
/// (and more columns, for tabs and wide characters) into the line.
fn far_right(pad: &str) -> String {
    format!("location \"fra\" {{\n    description \"{pad}\" bogus=1\n}}\n")
}

#[test]
fn a_label_beyond_column_65536_renders_without_panicking() {
    for pad in [
        "x".repeat(65_520),
        "x".repeat(70_000),
        // 16,384 tabs are 65,536 columns wide, 2-column characters half as many.
        "\t".repeat(16_384),
        "界".repeat(40_000),
    ] {
        let err = report(&[("wide.kdl", far_right(&pad))]);
        let out = err.render_plain(100);
        let head: String = out.chars().take(3_000).collect();
        assert!(out.contains("[wide.kdl:2:"), "{head}");
        assert!(out.contains("unknown property"), "{head}");
        assert_windowed(&out);
    }
}

#[test]
fn labels_far_apart_on_one_long_line_each_get_a_snippet() {
    // The same property twice, 72,000 bytes apart: "set again here" and "first set here".
    let text = format!(
        "node \"n\" {{\n    daemon listen=8080 {} listen=8081\n}}\n",
        "/* x */ ".repeat(9_000)
    );
    let out = report(&[("twice.kdl", text)]).render_plain(100);
    assert!(out.contains("first set here"), "{out}");
    assert!(out.contains("set again here"), "{out}");
    assert_windowed(&out);
}

/// No line of the report is much wider than a window around a label.
fn assert_windowed(out: &str) {
    let widest = out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(
        widest < 2_000,
        "a long line is shown as a window, not whole: {widest} columns\n{}",
        out.chars().take(3_000).collect::<String>()
    );
}
