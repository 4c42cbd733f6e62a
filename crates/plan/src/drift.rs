//! `roost drift`: where the panel differs from the manifests, derived from a [`Plan`].

use crate::render::show;
use crate::types::*;
use roost_model::{Address, Dialect};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// The first line of the Markdown drift report, hidden when rendered: a scheduled CI job finds
/// the issue or comment it posted before by it (as `<!-- roost-plan -->` for plans).
pub const DRIFT_MARKDOWN_MARKER: &str = "<!-- roost-drift -->";

/// Version of the JSON drift report.
pub const DRIFT_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DriftReport {
    pub format_version: u32,
    pub panel: Option<String>,
    pub dialect: Dialect,
    pub in_sync: bool,
    pub resources: Vec<DriftItem>,
    pub unmanaged: Unmanaged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DriftStatus {
    /// Declared in the manifests, absent from the panel.
    Missing,
    /// On both, with different attributes.
    Differs,
    /// Carries roost's marker on the panel, but the manifests no longer declare it.
    Extra,
    /// Declared, and on the panel without roost's ownership marker yet.
    Unadopted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DriftItem {
    pub address: Address,
    pub status: DriftStatus,
    pub id: Option<u64>,
    pub attributes: Vec<DriftAttribute>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DriftAttribute {
    pub name: String,
    /// The value on the panel.
    pub panel: Option<serde_json::Value>,
    /// The value the manifests declare.
    pub manifests: Option<serde_json::Value>,
    /// The values differ but are never shown (a secret egg variable): both are empty.
    #[serde(default)]
    pub sensitive: bool,
}

impl DriftReport {
    pub fn from_plan(plan: &Plan) -> DriftReport {
        let mut resources = Vec::new();
        for c in &plan.changes {
            let status = match c.action {
                Action::Create => DriftStatus::Missing,
                Action::Update | Action::Replace => DriftStatus::Differs,
                Action::Delete => DriftStatus::Extra,
                Action::Adopt => DriftStatus::Unadopted,
            };
            // A password rotation is a request, not a difference the panel can show; a secret
            // egg variable is a difference, shown without its values.
            let attributes: Vec<DriftAttribute> = c
                .attributes
                .iter()
                .filter(|a| {
                    !(a.sensitive && a.name == "password")
                        && matches!(status, DriftStatus::Differs | DriftStatus::Unadopted)
                })
                .map(|a| DriftAttribute {
                    name: a.name.clone(),
                    panel: a.old.clone(),
                    manifests: a.new.clone(),
                    sensitive: a.sensitive,
                })
                .collect();
            if status == DriftStatus::Differs && attributes.is_empty() {
                continue;
            }
            resources.push(DriftItem {
                address: c.address.clone(),
                status,
                id: c.id,
                attributes,
            });
        }
        DriftReport {
            format_version: DRIFT_FORMAT_VERSION,
            panel: plan.panel.clone(),
            dialect: plan.dialect,
            in_sync: resources.is_empty(),
            resources,
            unmanaged: plan.unmanaged.clone(),
        }
    }

    fn unmanaged_line(&self) -> Option<String> {
        let u = &self.unmanaged;
        if u.count() == 0 {
            return None;
        }
        let mut parts = Vec::new();
        if !u.servers.is_empty() {
            let names: Vec<String> = u
                .servers
                .iter()
                .take(10)
                .map(|s| format!("\"{}\" (id {})", s.name, s.id))
                .collect();
            let more = if u.servers.len() > 10 {
                format!(" and {} more", u.servers.len() - 10)
            } else {
                String::new()
            };
            parts.push(format!(
                "{} server(s): {}{more}",
                u.servers.len(),
                names.join(", ")
            ));
        }
        if !u.users.is_empty() {
            parts.push(format!("{} user(s): {}", u.users.len(), u.users.join(", ")));
        }
        if !u.nodes.is_empty() {
            parts.push(format!("{} node(s): {}", u.nodes.len(), u.nodes.join(", ")));
        }
        if !u.locations.is_empty() {
            parts.push(format!(
                "{} location(s): {}",
                u.locations.len(),
                u.locations.join(", ")
            ));
        }
        if u.allocations > 0 {
            parts.push(format!("{} allocation(s) on managed nodes", u.allocations));
        }
        Some(parts.join("; "))
    }

    fn headline(&self) -> String {
        if self.in_sync {
            "No drift: the panel matches the manifests.".to_string()
        } else {
            format!(
                "Drift: {} resource(s) on the panel differ from the manifests.",
                self.resources.len()
            )
        }
    }

    pub fn text(&self) -> String {
        let mut o = format!("{}\n", self.headline());
        for r in &self.resources {
            let id = r.id.map(|i| format!(" (id {i})")).unwrap_or_default();
            match r.status {
                DriftStatus::Missing => {
                    let _ = writeln!(
                        o,
                        "\n  + {}: declared in the manifests, missing on the panel",
                        r.address
                    );
                }
                DriftStatus::Extra => {
                    let _ = writeln!(
                        o,
                        "\n  - {}{id}: on the panel with roost's marker, no longer in the manifests",
                        r.address
                    );
                }
                DriftStatus::Differs | DriftStatus::Unadopted => {
                    let note = if r.status == DriftStatus::Unadopted {
                        " (not yet adopted)"
                    } else {
                        ""
                    };
                    let _ = writeln!(o, "\n  ~ {}{id}{note}", r.address);
                    let width = r.attributes.iter().map(|a| a.name.len()).max().unwrap_or(0);
                    for a in &r.attributes {
                        if a.sensitive {
                            let _ = writeln!(o, "      {:width$}  (sensitive) differs", a.name);
                            continue;
                        }
                        let p = a
                            .panel
                            .as_ref()
                            .map(show)
                            .unwrap_or_else(|| "(none)".into());
                        let m = a
                            .manifests
                            .as_ref()
                            .map(show)
                            .unwrap_or_else(|| "(none)".into());
                        let _ = writeln!(o, "      {:width$}  panel: {p}   manifests: {m}", a.name);
                    }
                }
            }
        }
        if let Some(u) = self.unmanaged_line() {
            let _ = writeln!(o, "\nUnmanaged on the panel: {u}.");
        }
        o
    }

    pub fn markdown(&self) -> String {
        let mut o = format!(
            "{DRIFT_MARKDOWN_MARKER}\n## roost drift\n\n**{}**\n\n",
            self.headline()
        );
        if let Some(p) = &self.panel {
            let _ = writeln!(o, "Panel: `{p}` ({})\n", self.dialect);
        }
        if !self.resources.is_empty() {
            o.push_str(
                "| resource | status | attribute | panel | manifests |\n|---|---|---|---|---|\n",
            );
            for r in &self.resources {
                let status = match r.status {
                    DriftStatus::Missing => "missing on the panel",
                    DriftStatus::Differs => "differs",
                    DriftStatus::Extra => "not in the manifests",
                    DriftStatus::Unadopted => "not adopted",
                };
                if r.attributes.is_empty() {
                    let _ = writeln!(o, "| `{}` | {status} | | | |", r.address);
                }
                for a in &r.attributes {
                    let cell = |v: &Option<serde_json::Value>| {
                        if a.sensitive {
                            return "(sensitive)".to_string();
                        }
                        v.as_ref()
                            .map(|x| format!("`{}`", show(x).replace('|', "\\\\|")))
                            .unwrap_or_default()
                    };
                    let _ = writeln!(
                        o,
                        "| `{}` | {status} | `{}` | {} | {} |",
                        r.address,
                        a.name,
                        cell(&a.panel),
                        cell(&a.manifests)
                    );
                }
            }
            o.push('\n');
        }
        if let Some(u) = self.unmanaged_line() {
            let _ = writeln!(o, "Unmanaged on the panel: {u}.");
        }
        o
    }
}
