//! A server's allocation notes, through the Client API (the Application API cannot write them):
//! one `POST …/network/allocations/{id}` per allocation, checked against the allocation the
//! panel answers with (or, after an unknown outcome, a re-read of the server's allocations). A
//! server still installing is waited for (`server_level::when_installed`).

use crate::checked;
use crate::context::ApplyCx;
use crate::server_level::{client_api, identifier, when_installed};
use roost_panel::ClientAllocation;
use roost_plan::kinds::server::allocation_notes_attribute;
use roost_plan::{Change, Ref};
use serde_json::{Value, json};

/// What the plan says about one allocation's notes.
pub(crate) struct NotesWrite<'a> {
    pub server: &'a Ref,
    pub identifier: &'a Option<String>,
    pub allocation: &'a Ref,
    pub endpoint: &'a str,
    pub notes: &'a Option<String>,
    pub was: &'a Option<String>,
}

pub(crate) async fn write(cx: &ApplyCx, change: &Change, w: NotesWrite<'_>) -> Result<(), String> {
    let api = client_api(cx, &change.address)?;
    let ident = identifier(cx, w.server, w.identifier).await?;
    let id = cx.resolve(w.allocation)?;
    let name = allocation_notes_attribute(w.endpoint);
    let state = |notes: Option<&str>| -> Value { json!({ name.as_str(): notes }) };
    let of = |a: &ClientAllocation| state(a.notes.as_deref());
    checked::update(
        cx,
        change,
        state(w.notes.as_deref()),
        state(w.was.as_deref()),
        || async {
            when_installed(cx, &change.address, api, &ident, || {
                api.set_allocation_notes(&ident, id, w.notes.as_deref())
            })
            .await
            .map(|a| of(&a))
        },
        // An allocation no longer on the server reports nothing: the error stands.
        || async {
            let all = api.allocations(&ident).await?;
            Ok(all.iter().find(|a| a.id == id).map_or(json!({}), of))
        },
    )
    .await
}
