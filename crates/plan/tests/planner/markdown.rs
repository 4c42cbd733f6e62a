//! The Markdown plan (a pull-request comment): the marker CI finds it by, and the panel it is for.

use crate::common::{desired, head, panel, planned, server_block, user_block};
use roost_model::Dialect;
use roost_plan::render::{MARKDOWN_BUDGET, MARKDOWN_MARKER, markdown};

fn a_plan(d: Dialect) -> roost_plan::Plan {
    let kdl = format!(
        "{}{}{}",
        head(d, ""),
        user_block(d, "bob", "bob@example.com", ""),
        server_block(d, "lobby", "bob", 25566, "")
    );
    planned(&desired(&kdl), &panel(d)).expect("a plan")
}

#[test]
fn the_markdown_starts_with_the_marker_and_names_the_panel() {
    for d in [Dialect::Pterodactyl, Dialect::Pelican] {
        let mut plan = a_plan(d);
        plan.panel = Some("https://panel.example.com".into());
        let md = markdown(&plan, MARKDOWN_BUDGET);
        assert!(
            md.starts_with(&format!("{MARKDOWN_MARKER}\n## roost plan\n")),
            "{md}"
        );
        assert_eq!(md.matches(MARKDOWN_MARKER).count(), 1, "{md}");
        assert!(
            md.contains(&format!("Panel: `https://panel.example.com` ({d})")),
            "{md}"
        );
    }
}

#[test]
fn the_marker_survives_a_shortened_plan_and_a_plan_without_panel() {
    let plan = a_plan(Dialect::Pterodactyl);
    let md = markdown(&plan, 300);
    assert!(md.starts_with(MARKDOWN_MARKER), "{md}");
    assert!(!md.contains("Panel:"), "no panel, no line: {md}");
}

#[test]
fn a_backtick_in_the_panel_label_cannot_break_the_code_span() {
    let mut plan = a_plan(Dialect::Pterodactyl);
    plan.panel = Some("sim:/tmp/a`b.json".into());
    let md = markdown(&plan, MARKDOWN_BUDGET);
    assert!(md.contains("Panel: `sim:/tmp/a'b.json`"), "{md}");
}
