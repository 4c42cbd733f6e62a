//! `power "running"` / `power "stopped"`: a server's opt-in desired power state, in server and
//! template blocks.

mod common;

use common::{desired, fleet, server};
use roost_manifest::{Sources, load, print_desired};
use roost_model::PowerState;
use std::sync::Arc;

#[test]
fn power_reads_in_both_dialects_and_prints_back() {
    for dialect in ["pterodactyl", "pelican"] {
        let text = format!(
            "{}\n{}",
            server("lobby", 25565, None, "    power \"running\""),
            server("build", 25566, None, "")
        );
        let d = desired(fleet(dialect, &text));
        assert_eq!(d.servers["lobby"].power, Some(PowerState::Running));
        assert_eq!(
            d.servers["build"].power, None,
            "opt-in: absent means unmanaged"
        );
        let printed = print_desired(&d);
        assert!(printed.contains("power \"running\""), "{printed}");
        let again = desired(Sources {
            files: vec![("fleet.kdl".into(), Arc::from(printed))],
        });
        assert_eq!(again.servers["lobby"].power, Some(PowerState::Running));
        assert_eq!(again.servers["build"].power, None);
    }
}

#[test]
fn a_template_sets_power_and_a_server_overrides_it() {
    let text = format!(
        "template \"always-on\" {{ power \"running\"; }}\n{}\n{}",
        server("lobby", 25565, Some("always-on"), ""),
        server("build", 25566, Some("always-on"), "    power \"stopped\"")
    );
    let d = desired(fleet("pelican", &text));
    assert_eq!(d.servers["lobby"].power, Some(PowerState::Running));
    assert_eq!(d.servers["build"].power, Some(PowerState::Stopped));
}

#[test]
fn a_misspelt_power_state_is_an_error_with_its_place_and_a_suggestion() {
    for dialect in ["pterodactyl", "pelican"] {
        let text = server("lobby", 25565, None, "    power \"runing\"");
        let e = load(fleet(dialect, &text)).expect_err("a typo must not load");
        let codes: Vec<&str> = e.diagnostics.iter().map(|d| d.code_str()).collect();
        let report = roost_manifest::render_plain(&e, 140);
        assert_eq!(codes, ["roost::bad-value"], "{report}");
        assert!(report.contains("`runing` is not a power state"), "{report}");
        assert!(report.contains("did you mean \"running\"?"), "{report}");
        assert!(report.contains("fleet.kdl:"), "{report}");
    }
    let e = load(fleet(
        "pelican",
        &server("lobby", 25565, None, "    power \"on\""),
    ))
    .expect_err("an unknown state must not load");
    let report = roost_manifest::render_plain(&e, 140);
    assert!(report.contains("power \"running\""), "{report}");
}
