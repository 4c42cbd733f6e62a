//! The schemas of the other JSON roost writes: the drift report (`schemas/drift.schema.json`)
//! and the apply event stream (`schemas/apply-events.schema.json`, one line each). As for the
//! plan (`schema_plan.rs`), the checked-in files must match the types (regenerate with
//! `ROOST_UPDATE_SCHEMAS=1 cargo test -p roost-e2e --test schema_reports`), and real output must
//! validate against them.

mod common;

use common::manifests::Fleet;
use common::panel::Panel;
use common::schema::{assert_fresh, validate};
use common::{DIALECTS, p, small};
use serde_json::{Value, json};

#[test]
fn drift_schema_is_fresh() {
    let schema = roost_plan::drift_schema();
    let props = schema["properties"].as_object().expect("properties");
    for key in [
        "format_version",
        "in_sync",
        "resources",
        "unmanaged",
        "panel",
    ] {
        assert!(props.contains_key(key), "the drift schema lacks {key}");
    }
    assert_fresh(&schema, "drift.schema.json", "schema_reports");
}

#[test]
fn apply_events_schema_is_fresh() {
    let schema = roost_cli::events::apply_events_schema();
    let text = schema.to_string();
    for event in [
        "started",
        "finished",
        "failed",
        "skipped",
        "summary",
        "not_started",
    ] {
        assert!(
            text.contains(&format!("\"{event}\"")),
            "the schema lacks {event}"
        );
    }
    assert_fresh(&schema, "apply-events.schema.json", "schema_reports");
}

fn assert_valid(schema: &Value, what: &str, doc: &Value) {
    let errors = validate(schema, doc);
    assert!(errors.is_empty(), "{what}: {doc}\n{}", errors.join("\n"));
}

#[test]
fn real_drift_reports_validate_and_broken_ones_do_not() {
    let schema = roost_plan::drift_schema();
    for d in DIALECTS {
        let panel = Panel::start(d);
        let dir = Fleet::copy(&small(d));
        // Nothing applied yet: everything is missing.
        let missing = panel
            .roost(&["drift", p(dir.path()), "--format", "json"])
            .expect(3, "drift on an empty panel")
            .json();
        assert_valid(&schema, "missing", &missing);
        panel.apply_ok(dir.path());
        let in_sync = panel
            .roost(&["drift", p(dir.path()), "--format", "json"])
            .expect(0, "drift in sync")
            .json();
        assert_valid(&schema, "in sync", &in_sync);
        assert_eq!(
            in_sync["format_version"],
            json!(roost_plan::drift::DRIFT_FORMAT_VERSION)
        );
        panel.mutate(|st| {
            for s in st.servers.values_mut() {
                s.memory += 512;
            }
        });
        let differs = panel
            .roost(&["drift", p(dir.path()), "--format", "json"])
            .expect(3, "drifted")
            .json();
        assert_valid(&schema, "differs", &differs);
        assert!(!differs["resources"].as_array().unwrap().is_empty());

        let mut bad = differs.clone();
        bad["resources"][0]["status"] = json!("exploded");
        assert!(!validate(&schema, &bad).is_empty(), "a bad status passes");
        let mut bad = differs.clone();
        bad.as_object_mut().unwrap().remove("in_sync");
        assert!(
            !validate(&schema, &bad).is_empty(),
            "a missing in_sync passes"
        );
    }
}

#[test]
fn every_apply_event_line_validates_and_broken_ones_do_not() {
    let schema = roost_cli::events::apply_events_schema();
    for d in DIALECTS {
        let panel = Panel::start(d);
        let dir = small(d);
        let run = panel
            .apply(&dir, &["--auto-approve", "--format", "json"])
            .expect(0, "apply --format json");
        let lines: Vec<Value> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let kinds: std::collections::BTreeSet<&str> =
            lines.iter().filter_map(|l| l["event"].as_str()).collect();
        for k in ["started", "finished", "summary"] {
            assert!(kinds.contains(k), "{d}: no {k} event in {kinds:?}");
        }
        for line in &lines {
            assert_valid(&schema, "apply event", line);
            assert_eq!(
                line["format_version"],
                json!(roost_cli::events::APPLY_EVENTS_FORMAT_VERSION)
            );
        }
        assert_eq!(
            lines.last().unwrap()["event"],
            "summary",
            "the summary comes last"
        );

        let finished = lines.iter().find(|l| l["event"] == "finished").unwrap();
        let mut bad = finished.clone();
        bad["event"] = json!("exploded");
        assert!(
            !validate(&schema, &bad).is_empty(),
            "an unknown event passes"
        );
        let mut bad = finished.clone();
        bad.as_object_mut().unwrap().remove("seconds");
        assert!(
            !validate(&schema, &bad).is_empty(),
            "a finished event without seconds passes"
        );
        let mut bad = finished.clone();
        bad.as_object_mut().unwrap().remove("format_version");
        assert!(
            !validate(&schema, &bad).is_empty(),
            "a line without a version passes"
        );
    }
}
