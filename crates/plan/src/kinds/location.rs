//! Locations (Pterodactyl only): identity is the short code.

use crate::attr::{Attr, Compare, Table, json_of};
use crate::context::{PlanCx, change};
use crate::error::PlanError;
use crate::ops::{ApiCall, OpSpec, Retry};
use crate::types::{Action, Impact};
use roost_model::{Address, Kind, LiveLocation, SecretRef, location_routes as routes};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A location as the panel's write endpoints take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LocationFields {
    pub short: String,
    pub long: Option<String>,
}

impl LocationFields {
    pub fn from_live(l: &LiveLocation) -> Self {
        LocationFields {
            short: l.short.clone(),
            long: l.long.clone(),
        }
    }
}

/// What apply does to a location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Create {
        fields: LocationFields,
    },
    /// A full replacement; `was` is the location as planned against (to check the update).
    Update {
        id: u64,
        set: LocationFields,
        was: LocationFields,
    },
}

impl OpSpec for Op {
    fn call(&self) -> Option<ApiCall> {
        Some(match self {
            Op::Create { .. } => ApiCall::new("POST", &routes::list()),
            Op::Update { id, .. } => ApiCall::new("PATCH", &routes::one(id)),
        })
    }

    fn retry(&self) -> Retry {
        match self {
            Op::Create { .. } => Retry::ReadBack,
            Op::Update { .. } => Retry::Idempotent,
        }
    }

    fn secrets(&self) -> Vec<&SecretRef> {
        Vec::new()
    }
}

/// The one write a location has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    Update,
}

pub(crate) const TABLE: Table<LocationFields, LiveLocation, Write> = Table {
    attrs: &[
        Attr {
            name: "short",
            compare: Compare::CreateOnly,
            want: |t, _, _| Some(json_of(&t.short)),
            have: |l, _, _| json_of(&l.short),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |_, _| {},
        },
        Attr {
            name: "description",
            compare: Compare::Always,
            // An undeclared description is left as the panel has it.
            want: |t, _, _| t.long.as_ref().map(json_of),
            have: |l, _, _| json_of(&l.long),
            impact: Impact::None,
            sensitive: false,
            write: Write::Update,
            keep_live: |t, l| t.long = l.long.clone(),
        },
    ],
    maps: &[],
};

pub(crate) fn plan(cx: &mut PlanCx) {
    let desired = cx.desired;
    if cx.is_pelican() {
        for l in desired.locations.values() {
            cx.error(
                PlanError::new(
                    "roost::wrong-dialect",
                    format!(
                        "location `{}` cannot exist: the panel is Pelican, which has no locations",
                        l.short
                    ),
                    Some(l.origin),
                )
                .help("remove the location blocks and group nodes with `tags`, or set `dialect \"pterodactyl\"` and point roost at a Pterodactyl panel"),
            );
        }
        return;
    }
    for (short, want) in &desired.locations {
        let address = Address::new(Kind::Location, short);
        let origin = Some(want.origin);
        let matches = cx.lookup.locations_by_short.get(short.as_str());
        let live = match matches.map(Vec::as_slice).unwrap_or(&[]) {
            [] => None,
            [one] => Some(*one),
            many => {
                let ids: Vec<String> = many.iter().map(|l| format!("id {}", l.id)).collect();
                cx.error(
                    PlanError::new(
                        "roost::ambiguous-identity",
                        format!(
                            "location `{short}` matches {} locations on the panel ({})",
                            many.len(),
                            ids.join(", ")
                        ),
                        origin,
                    )
                    .help("rename or delete the extra locations in the panel so that each short code is unique"),
                );
                continue;
            }
        };
        let mut target = LocationFields {
            short: short.clone(),
            long: want.description.clone(),
        };
        let mut diff = TABLE.diff(&target, live, &cx.lookup);
        let c = match live {
            None => {
                let mut c = change(address, Action::Create, None, diff, origin);
                c.ops.push(Op::Create { fields: target }.into());
                c
            }
            Some(live) => {
                TABLE.settle(&mut diff, &mut target, live, cx.ignored(&address));
                let write = diff.needs(Write::Update);
                let mut c = change(address, Action::Update, Some(live.id), diff, origin);
                if write {
                    c.ops.push(
                        Op::Update {
                            id: live.id,
                            set: target,
                            was: LocationFields::from_live(live),
                        }
                        .into(),
                    );
                }
                c
            }
        };
        cx.push(c);
    }
    for l in &cx.lookup.live.locations {
        if !desired.locations.contains_key(&l.short) {
            cx.unmanaged.locations.push(l.short.clone());
        }
    }
}
