//! A server's allocation notes: one attribute per noted allocation
//! (`allocation_notes.10.0.0.5:25567`), compared with the notes the Application API's allocation
//! listings already carry (no extra request), written through the Client API (the Application
//! API cannot write them), one `POST …/network/allocations/{id}` per allocation. Only declared
//! notes are managed: an allocation without one keeps the panel's note.

use super::Op;
use super::table::ServerTarget;
use crate::attr::{Compared, json_of};
use crate::context::PlanCx;
use crate::error::PlanError;
use crate::kinds;
use crate::lookup::Lookup;
use crate::ops::Ref;
use roost_model::{Address, Endpoint, LiveServer, Server};
use serde_json::Value;

/// The attribute a note is compared as: `allocation_notes.IP:PORT`.
pub(crate) const PREFIX: &str = "allocation_notes";

/// One declared note, its allocation resolved.
pub(crate) struct NoteTarget {
    pub endpoint: Endpoint,
    pub allocation: Ref,
    /// As the panel stores it: trimmed, `""` for none.
    pub notes: String,
}

/// The declared notes of `s`, each with the allocation it goes to.
pub(super) fn targets(cx: &PlanCx, s: &Server) -> Vec<NoteTarget> {
    s.allocation_notes
        .iter()
        .map(|n| {
            let id = cx.lookup.allocation_at(&s.node, n.endpoint).map(|a| a.id);
            NoteTarget {
                endpoint: n.endpoint,
                allocation: cx.reference(id, || {
                    Address::allocation(&s.node, n.endpoint.ip, n.endpoint.port)
                }),
                notes: n.notes.trim().to_string(),
            }
        })
        .collect()
}

/// The note the panel has on the allocation at `ep` (`""` for none, or when it does not exist).
fn panel_note(t: &ServerTarget, ep: Endpoint, lk: &Lookup) -> String {
    lk.allocation_at(&t.node, ep)
        .and_then(|a| a.notes.as_deref())
        .map(str::trim)
        .unwrap_or_default()
        .to_string()
}

/// Every declared note against the panel's; a create shows the notes it sets.
pub(super) fn compare(
    t: &ServerTarget,
    live: Option<&LiveServer>,
    lk: &Lookup,
) -> Vec<(String, Compared)> {
    t.allocation_notes
        .iter()
        .map(|n| {
            let want = match (live, n.notes.is_empty()) {
                (None, true) => Value::Null,
                _ => json_of(&n.notes),
            };
            let have = live.map(|_| json_of(panel_note(t, n.endpoint, lk)));
            (n.endpoint.to_string(), Compared::Values { have, want })
        })
        .collect()
}

/// An ignored note keeps the panel's: it is no longer written.
pub(super) fn keep_panel(t: &mut ServerTarget, key: &str) {
    t.allocation_notes.retain(|n| n.endpoint.to_string() != key);
}

/// The writes that bring every declared note to the panel (after the server holds its
/// allocations): one per allocation whose note differs. `server` is the server (pending when
/// this plan creates it), `identifier` its Client-API name when it exists. Without a client
/// key they cannot be sent: an error naming `client-token-env`.
pub(super) fn ops_for(
    cx: &mut PlanCx,
    s: &Server,
    t: &ServerTarget,
    server: &Ref,
    identifier: Option<&str>,
) -> Vec<kinds::Op> {
    let ops: Vec<kinds::Op> = t
        .allocation_notes
        .iter()
        .filter_map(|n| {
            let was = panel_note(t, n.endpoint, &cx.lookup);
            (was != n.notes).then(|| {
                Op::AllocationNotes {
                    server: server.clone(),
                    identifier: identifier.map(str::to_string),
                    allocation: n.allocation.clone(),
                    endpoint: n.endpoint.to_string(),
                    notes: (!n.notes.is_empty()).then(|| n.notes.clone()),
                    was: (!was.is_empty()).then_some(was),
                }
                .into()
            })
        })
        .collect();
    if !ops.is_empty() && !cx.lookup.live.client_key {
        cx.error(no_client_key(cx, s));
        return Vec::new();
    }
    ops
}

/// Puts the note writes of an update among its other operations: after the build (which
/// assigns the allocations) and an unsuspension, before a suspension and a reinstall (the Client
/// API refuses a suspended or installing server). A server that stays suspended cannot take
/// them: the warning that says so.
pub(super) fn insert_update_ops(
    cx: &mut PlanCx,
    s: &Server,
    t: &ServerTarget,
    live: &LiveServer,
    ops: &mut Vec<kinds::Op>,
) -> Option<String> {
    let notes = ops_for(cx, s, t, &Ref::Id(live.id), Some(&live.identifier));
    if notes.is_empty() {
        return None;
    }
    let at = ops
        .iter()
        .position(|o| {
            matches!(
                o,
                kinds::Op::Server(Op::Suspend { .. } | Op::Reinstall { .. })
            )
        })
        .unwrap_or(ops.len());
    ops.splice(at..at, notes);
    let stays_suspended =
        t.suspended && (live.suspended || live.status.as_deref() == Some("suspended"));
    stays_suspended.then(|| format!("server `{}` is suspended, and the Client API refuses to write a suspended server's allocation notes (409): unsuspend it (`suspended #false`) for the notes to be written, or `ignore` them until then", s.key))
}

fn no_client_key(cx: &PlanCx, s: &Server) -> PlanError {
    let var = &cx.desired.panel.client_token_env;
    let origin = s.allocation_notes.first().map_or(s.origin, |n| n.origin);
    PlanError::new(
        "roost::no-client-key",
        format!(
            "server `{}` declares allocation notes to write, which only the Client API can, but no client key is set (${var} is empty)",
            s.key
        ),
        Some(origin),
    )
    .help(format!(
        "export {var}=<client API key of the application key's owner, a root admin> (Account → API Credentials), or set `client-token-env` in the panel block"
    ))
}

/// The attribute name of the note on `endpoint` (as the engine checks what the panel kept).
pub fn attribute(endpoint: &str) -> String {
    format!("{PREFIX}.{endpoint}")
}
