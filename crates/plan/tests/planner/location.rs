//! Locations (Pterodactyl only): identity is the short code.

use crate::case::*;
use roost_model::{Desired, LiveLocation, Location};

/// The head's location.
fn fra(d: &mut Desired) -> &mut Location {
    d.locations.get_mut("fra").expect("the head declares fra")
}

cases! {
    a_new_location_is_created: Case {
        kdl: |_| "location \"eu\" {\n    description \"Europe\"\n}\n".into(),
        plan: &["+ location.eu [location create]"],
        attrs: &["location.eu short: _ -> \"eu\"", "location.eu description: _ -> \"Europe\""],
        check: |p| {
            let op = op(p, "location.eu", 0);
            assert_eq!(op["fields"]["long"], "Europe");
            assert_eq!(p.changes[0].calls[0].to_string(), "POST /locations");
        },
        ..CASE
    };
    a_declared_description_is_updated: Case {
        desired: |d| fra(d).description = Some("Frankfurt".into()),
        plan: &["~ location.fra [location update]"],
        attrs: &["location.fra description: null -> \"Frankfurt\""],
        check: |p| {
            let op = op(p, "location.fra", 0);
            assert_eq!(op["id"], 1);
            assert_eq!(op["set"]["long"], "Frankfurt");
            assert_eq!(op["was"]["long"], serde_json::Value::Null);
        },
        ..CASE
    };
    an_undeclared_description_is_left_alone: Case {
        live: |l| l.locations[0].long = Some("Frankfurt am Main".into()),
        ..CASE
    };
    an_ignored_description_is_no_change: Case {
        desired: |d| {
            fra(d).description = Some("Frankfurt".into());
            fra(d).ignore.push("description".into());
        },
        ..CASE
    };
    two_locations_with_one_short_code_are_ambiguous: Case {
        live: |l| l.locations.push(LiveLocation { id: 2, short: "fra".into(), long: None }),
        error: Some("roost::ambiguous-identity"),
        ..CASE
    };
    a_location_on_pelican_is_refused: Case {
        dialect: PL,
        // Manifests written with `dialect "auto"` reach the planner with it.
        desired: |d| {
            d.locations.insert(
                "eu".into(),
                Location {
                    short: "eu".into(),
                    description: None,
                    ignore: Vec::new(),
                    origin: Default::default(),
                },
            );
        },
        error: Some("roost::wrong-dialect"),
        ..CASE
    };
    locations_the_manifests_do_not_declare_are_listed_unmanaged: Case {
        live: |l| l.locations.push(LiveLocation { id: 2, short: "ams".into(), long: None }),
        check: |p| assert_eq!(p.unmanaged.locations, ["ams"]),
        ..CASE
    };
}
