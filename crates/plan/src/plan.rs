//! The planner's pipeline: the desired state as the panel stores it, every kind planned
//! against the live state, pre-flight checks, order, base, targets, batches, summary.

use crate::classify::classify;
use crate::context::PlanCx;
use crate::error::PlanError;
use crate::kinds::{self, allocation};
use crate::lookup::Lookup;
use crate::options::Options;
use crate::types::*;
use roost_graph::Graph;
use roost_model::release::PelicanRelease;
use roost_model::{Desired, Dialect, Live};

/// Make the plan, or say every reason it cannot be made.
pub fn plan(desired: &Desired, live: &Live, opts: &Options) -> Result<Plan, Vec<PlanError>> {
    let desired = crate::normalize::as_panel_stores(desired);
    let graph = Graph::from_desired(&desired);
    let mut plan = make(&desired, live, opts, Some(&graph))?;
    if let Some(base) = &opts.base {
        // Plan the base against the same panel: whatever the base would change too is drift.
        let base = crate::normalize::as_panel_stores(base);
        let base_opts = Options {
            base: None,
            ..opts.clone()
        };
        let base_plan = make(&base, live, &base_opts, None).ok();
        classify(&mut plan, base_plan.as_ref(), &base);
        plan.has_base = true;
    }
    if !opts.targets.is_empty() {
        crate::target::restrict(&mut plan, &graph, &opts.targets);
    }
    allocation::batch(&mut plan.changes);
    for c in &mut plan.changes {
        c.calls = c.rendered_calls();
    }
    (plan.threshold, plan.user_threshold) = crate::threshold::thresholds(&desired, live, &plan);
    crate::summary::summarise(&mut plan);
    plan.summary.refresh_requests = live.refresh_requests;
    Ok(plan)
}

/// The plan of `d` (as the panel stores it) against `live`; in apply order when `graph` is
/// given (a base's plan is only compared, never ordered).
fn make(
    d: &Desired,
    live: &Live,
    opts: &Options,
    graph: Option<&Graph>,
) -> Result<Plan, Vec<PlanError>> {
    if let Some(expected) = d.panel.dialect.known()
        && expected != live.dialect
    {
        return Err(vec![
            PlanError::new(
                "roost::dialect-mismatch",
                format!(
                    "the manifests are written for {expected}, but the panel is {}",
                    live.dialect
                ),
                None,
            )
            .help(format!(
                "point --panel at a {expected} panel, or change `dialect` in the panel block"
            )),
        ]);
    }
    let sensitive = crate::sensitive::sensitive_variables(d, live);
    let mut cx = PlanCx::new(d, Lookup::new(live, sensitive, &opts.secrets), opts);
    kinds::plan_all(&mut cx);
    for c in cx.changes.iter_mut().chain(cx.deletes.iter_mut()) {
        c.attributes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    crate::preflight::check(&mut cx);
    if !cx.errors.is_empty() {
        cx.errors
            .sort_by_key(|e| e.origin.map(|o| (o.file, o.offset)));
        return Err(cx.errors);
    }
    let changes = match graph {
        Some(g) => crate::order::order(cx.changes, cx.deletes, g).map_err(|e| vec![e])?,
        None => cx.deletes.into_iter().chain(cx.changes).collect(),
    };
    let rate_limit = opts
        .rate_limit
        .or(d.panel.rate_limit)
        .unwrap_or_else(|| live.dialect.default_rate_limit());
    let mut unmanaged = cx.unmanaged;
    unmanaged.users.sort();
    unmanaged.nodes.sort();
    unmanaged.locations.sort();
    unmanaged.servers.sort_by_key(|s| s.id);
    unmanaged.databases.sort();
    let mut notes = cx.notes;
    notes.sort();
    notes.dedup();
    let sensitive = cx.lookup.sensitive;
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        panel: None,
        dialect: live.dialect,
        changes,
        unmanaged,
        summary: Summary {
            unchanged: cx.unchanged,
            ..Summary::default()
        },
        has_base: false,
        rate_limit,
        fingerprints: crate::fingerprint::fingerprints(live, &sensitive),
        sensitive_variables: sensitive.into_iter().collect(),
        manifests: None,
        notes,
        threshold: None,
        user_threshold: None,
        allow_destroy: d.panel.allow_destroy,
        targets: Vec::new(),
        panel_release: match live.dialect {
            Dialect::Pelican => PelicanRelease::of_nodes(&live.nodes)
                .describe()
                .map(str::to_string),
            Dialect::Pterodactyl => None,
        },
    })
}
