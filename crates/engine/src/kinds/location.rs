//! Locations (Pterodactyl only).

use crate::checked;
use crate::context::ApplyCx;
use crate::create;
use crate::verify::json;
use roost_panel::LocationBody;
use roost_plan::Change;
use roost_plan::kinds::location::{LocationFields, Op};

fn body(f: &LocationFields) -> LocationBody {
    LocationBody {
        short: f.short.clone(),
        long: f.long.clone(),
    }
}

pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
    match op {
        Op::Create { fields } => {
            let body = body(fields);
            let created = create::once(
                cx,
                &change.address,
                || cx.client.create_location(&body),
                || find_after_ambiguous_create(cx, &fields.short),
            )
            .await?;
            cx.set_id(&change.address, created.id);
            Ok(())
        }
        Op::Update { id, set, was } => {
            let id = *id;
            let body = body(set);
            let as_body = |l: roost_model::LiveLocation| json(&LocationBody::from_live(&l));
            checked::update(
                cx,
                change,
                json(&body),
                json(&self::body(was)),
                || async { cx.client.update_location(id, &body).await.map(as_body) },
                || async { cx.client.get_location(id).await.map(as_body) },
            )
            .await
        }
    }
}

/// The location of that short code, if the panel has it.
async fn find_after_ambiguous_create(
    cx: &ApplyCx,
    short: &str,
) -> Result<Option<roost_model::LiveLocation>, roost_panel::PanelError> {
    Ok(cx
        .client
        .list_locations()
        .await?
        .into_iter()
        .find(|x| x.short == short))
}
