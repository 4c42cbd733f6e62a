//! Allocation notes: `allocation "10.0.0.5:25565" notes="game port"` for the primary, and
//! `allocation-note "10.0.0.5:25567" "query port"` (repeatable) for any of the server's
//! allocations. Each note is checked against the panel's limit (256 characters) and names one
//! of the server's own declared allocations; templates merge them allocation by allocation.

use super::{AllocSpec, ServerDraft, fields};
use crate::diag::Problem;
use crate::parse::{check_len, no_children};
use crate::print::{Out, endpoint, q};
use crate::value::{Entries, Reader, Sp, expect_args};
use crate::read::{KdlEntry, KdlNode};
use roost_model::{AllocationNote, Endpoint, Server};

/// The panel's limit on an allocation's notes (`max:256`).
pub const MAX_NOTES: usize = 256;

/// One `allocation-note` line: which allocation, and its text.
#[derive(Debug, Clone)]
pub struct NoteDecl {
    pub allocation: Sp<AllocSpec>,
    pub notes: Sp<String>,
}

/// The `notes=` value of an `allocation` line, checked.
pub(super) fn notes_value(r: &mut Reader, entry: &KdlEntry) -> Option<Sp<String>> {
    let s = r.string(entry, "notes=\"game port\"")?;
    check_len(r, &s, "this note", 0, MAX_NOTES)?;
    Some(s)
}

/// `allocation-note "IP:PORT" "TEXT"` (or a bare port of the server's).
pub(super) fn parse(r: &mut Reader, child: &KdlNode) -> Option<NoteDecl> {
    no_children(r, child);
    let e = Entries::of(r, child, &[]);
    let example = "allocation-note \"10.0.0.5:25567\" \"query port\"";
    if !expect_args(r, child, &e.args, 2, example) {
        return None;
    }
    let allocation = fields::alloc_spec(r, e.args[0]);
    let notes = notes_value(r, e.args[1]);
    Some(NoteDecl {
        allocation: allocation?,
        notes: notes?,
    })
}

/// Adds a parsed line to the draft, each allocation noted once per block.
pub(super) fn insert_once(r: &mut Reader, d: &mut ServerDraft, n: NoteDecl) {
    if let Some(first) = d
        .allocation_notes
        .iter()
        .find(|x| x.allocation.v == n.allocation.v)
    {
        r.push(
            Problem::new(
                "roost::duplicate",
                "this allocation's notes are set twice",
                n.allocation.span,
                "set again here",
            )
            .label(first.allocation.span, "first set here")
            .help("keep one `allocation-note` line per allocation"),
        );
        return;
    }
    d.allocation_notes.push(n);
}

/// A template's notes under a block's: the block's win for the same allocation.
pub(crate) fn overlay(base: Vec<NoteDecl>, over: Vec<NoteDecl>) -> Vec<NoteDecl> {
    let mut out: Vec<NoteDecl> = base
        .into_iter()
        .filter(|b| !over.iter().any(|o| o.allocation.v == b.allocation.v))
        .collect();
    out.extend(over);
    out
}

/// The notes of server `key` whose allocations resolved to `primary` and `additional`: each
/// must name one of them, once. `primary_note` is the `notes=` of the `allocation` line.
pub(super) fn resolve(
    key: &str,
    d: &ServerDraft,
    primary: Option<Endpoint>,
    additional: &[Endpoint],
    problems: &mut Vec<Problem>,
) -> Vec<AllocationNote> {
    let own: Vec<Endpoint> = primary.iter().chain(additional).copied().collect();
    let mut out: Vec<(AllocationNote, crate::diag::Span)> = Vec::new();
    let primary_note = d
        .primary_note
        .as_ref()
        .zip(primary)
        .zip(d.allocation.as_ref())
        .map(|((n, ep), a)| (ep, n, a.span));
    let declared = d.allocation_notes.iter().filter_map(|n| {
        let ep = endpoint_of(key, &n.allocation, &own, problems)?;
        Some((ep, &n.notes, n.allocation.span))
    });
    for (ep, notes, span) in primary_note.into_iter().chain(declared.collect::<Vec<_>>()) {
        if let Some((_, first)) = out.iter().find(|(x, _)| x.endpoint == ep) {
            problems.push(
                Problem::new(
                    "roost::duplicate",
                    format!("the notes of allocation {ep} are set twice on server `{key}`"),
                    span,
                    "set again here",
                )
                .label(*first, "first set here")
                .help("give each allocation one note: `notes=` on `allocation`, or one `allocation-note` line"),
            );
            continue;
        }
        let note = AllocationNote {
            endpoint: ep,
            notes: notes.v.trim().to_string(),
            origin: notes.span.origin(),
        };
        out.push((note, span));
    }
    let mut notes: Vec<AllocationNote> = out.into_iter().map(|(n, _)| n).collect();
    notes.sort_by_key(|n| n.endpoint);
    notes
}

/// The server's allocation a note names: exactly, or by its port alone.
fn endpoint_of(
    key: &str,
    spec: &Sp<AllocSpec>,
    own: &[Endpoint],
    problems: &mut Vec<Problem>,
) -> Option<Endpoint> {
    let found = own.iter().copied().find(|ep| match spec.v {
        AllocSpec::Full(ip, port) => ep.ip == ip && ep.port == port,
        AllocSpec::Port(port) => ep.port == port,
    });
    if found.is_none() {
        let shown = match spec.v {
            AllocSpec::Full(ip, port) => Endpoint { ip, port }.to_string(),
            AllocSpec::Port(port) => format!("port {port}"),
        };
        let list: Vec<String> = own.iter().map(|e| format!("\"{e}\"")).collect();
        let help = if list.is_empty() {
            format!("server `{key}` declares no allocations: add `allocation` first")
        } else {
            format!(
                "note one of its allocations ({}), or add this one to `additional-allocations`",
                list.join(", ")
            )
        };
        problems.push(
            Problem::new(
                "roost::note-not-on-server",
                format!("{shown} is not one of server `{key}`'s allocations"),
                spec.span,
                "not an allocation of this server",
            )
            .help(help),
        );
    }
    found
}

/// `notes="…"` for the `allocation` line, when the primary has a note.
pub(super) fn primary_suffix(s: &Server) -> String {
    s.allocation
        .and_then(|p| s.allocation_notes.iter().find(|n| n.endpoint == p))
        .map(|n| format!(" notes={}", q(&n.notes)))
        .unwrap_or_default()
}

/// An `allocation-note` line for every noted allocation but the primary.
pub(super) fn print(o: &mut Out, s: &Server) {
    for n in &s.allocation_notes {
        if Some(n.endpoint) != s.allocation {
            o.field(
                "allocation-note",
                format!("{} {}", endpoint(&n.endpoint), q(&n.notes)),
            );
        }
    }
}
