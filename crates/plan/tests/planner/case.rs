//! Table-driven planner cases: (desired, live, options) → the plan's changes, each with its
//! operations, or the plan's errors. No panel, no simulator: each case runs in milliseconds.
//!
//! A case starts from the panel of `common::panel` (node `n1` with 10.0.0.5:25565-25575, the egg
//! `Paper`, location `fra` on Pterodactyl) and the manifest head of `common::head` (the same
//! node and location), adds its own manifest text, panel objects and options, and states:
//!
//! * `plan`: every change, in apply order, as `SYMBOL ADDRESS (IMPACT) [KIND OP, ...]`;
//! * `attrs`: attribute changes that must be among them, as `ADDRESS NAME: OLD -> NEW` (`_`
//!   for none, `(sensitive)` for a value never shown);
//! * `error`: a code the plan must fail with instead;
//! * `check`: anything else, on the plan.

use crate::common::{desired, head};
use roost_model::{Desired, Dialect, Live};
use roost_plan::render::show;
use roost_plan::{Change, Impact, Options, Plan, PlanError};

pub const PT: Dialect = Dialect::Pterodactyl;
pub const PL: Dialect = Dialect::Pelican;

pub struct Case {
    pub dialect: Dialect,
    /// Lines of the panel block (`prune "servers"`).
    pub panel: &'static str,
    /// The manifest text after the head.
    pub kdl: fn(Dialect) -> String,
    /// Changes to the desired state that the manifest language does not express (yet).
    pub desired: fn(&mut Desired),
    /// The panel's state beyond `common::panel`.
    pub live: fn(&mut Live),
    pub options: fn(&mut Options),
    pub plan: &'static [&'static str],
    pub attrs: &'static [&'static str],
    pub error: Option<&'static str>,
    pub check: fn(&Plan),
}

/// A case that plans the head against the stock panel: no changes.
pub const CASE: Case = Case {
    dialect: PT,
    panel: "",
    kdl: |_| String::new(),
    desired: |_| {},
    live: |_| {},
    options: |_| {},
    plan: &[],
    attrs: &[],
    error: None,
    check: |_| {},
};

/// A change as one line: `~ server.lobby (restart) [server build]`.
pub fn line(c: &Change) -> String {
    let impact = match c.impact {
        Impact::None => String::new(),
        other => format!(
            " ({})",
            serde_json::to_value(other).unwrap().as_str().unwrap()
        ),
    };
    let ops: Vec<String> = c
        .ops
        .iter()
        .map(|op| {
            let v = serde_json::to_value(op).unwrap();
            format!(
                "{} {}",
                v["kind"].as_str().unwrap(),
                v["op"].as_str().unwrap()
            )
        })
        .collect();
    format!(
        "{} {}{impact} [{}]",
        c.action.symbol(),
        c.address,
        ops.join(", ")
    )
}

/// Every attribute change of the plan as a line: `server.lobby limits.memory: 1024 -> 2048`.
pub fn attr_lines(plan: &Plan) -> Vec<String> {
    let value = |v: &Option<serde_json::Value>, sensitive: bool| match (v, sensitive) {
        (_, true) => "(sensitive)".to_string(),
        (None, false) => "_".to_string(),
        (Some(v), false) => show(v),
    };
    plan.changes
        .iter()
        .flat_map(|c| {
            c.attributes.iter().map(move |a| {
                format!(
                    "{} {}: {} -> {}",
                    c.address,
                    a.name,
                    value(&a.old, a.sensitive),
                    value(&a.new, a.sensitive)
                )
            })
        })
        .collect()
}

fn describe(errors: &[PlanError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.code, e.message))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Case {
    /// The desired state, the live state and the options of the case.
    pub fn inputs(&self) -> (Desired, Live, Options) {
        let text = format!(
            "{}{}",
            head(self.dialect, self.panel),
            (self.kdl)(self.dialect)
        );
        let mut d = desired(&text);
        (self.desired)(&mut d);
        let mut live = crate::common::panel(self.dialect);
        (self.live)(&mut live);
        let mut opts = Options::default();
        (self.options)(&mut opts);
        (d, live, opts)
    }

    pub fn run(&self, name: &str) {
        let (d, live, opts) = self.inputs();
        let result = roost_plan::plan(&d, &live, &opts);
        match (result, self.error) {
            (Err(errors), Some(code)) => assert!(
                errors.iter().any(|e| e.code == code),
                "{name}: no {code} among the errors:\n{}",
                describe(&errors)
            ),
            (Err(errors), None) => panic!("{name}: the plan fails:\n{}", describe(&errors)),
            (Ok(plan), Some(code)) => panic!(
                "{name}: the plan should fail with {code}, but it is:\n{}",
                plan.changes.iter().map(line).collect::<Vec<_>>().join("\n")
            ),
            (Ok(plan), None) => {
                let lines: Vec<String> = plan.changes.iter().map(line).collect();
                assert_eq!(lines, self.plan, "{name}: the changes");
                let attrs = attr_lines(&plan);
                for want in self.attrs {
                    assert!(
                        attrs.iter().any(|a| a == want),
                        "{name}: no `{want}` among the attribute changes:\n{}",
                        attrs.join("\n")
                    );
                }
                (self.check)(&plan);
            }
        }
    }
}

/// One `#[test]` per case of the table.
macro_rules! cases {
    ($($name:ident: $case:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let case: $crate::case::Case = $case;
                case.run(stringify!($name));
            }
        )*
    };
}
pub(crate) use cases;

/// Operation `i` of the change of `address`, as JSON.
pub fn op(plan: &Plan, address: &str, i: usize) -> serde_json::Value {
    let c = crate::common::change(plan, address);
    serde_json::to_value(&c.ops[i]).unwrap()
}
