//! Server databases: created on their host (the panel makes the user and the password, which
//! roost never asks for), re-read by name after an unknown outcome; deleted with their data.

use crate::context::ApplyCx;
use crate::create;
use crate::run::gone_is_done;
use roost_model::panel_database_name;
use roost_panel::{DatabaseBody, PanelError};
use roost_plan::Change;
use roost_plan::kinds::database::Op;

pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
    match op {
        Op::Create {
            server,
            name,
            host,
            remote,
        } => {
            let server = cx.resolve(server)?;
            let body = DatabaseBody {
                database: name.clone(),
                remote: remote.clone(),
                host: *host,
            };
            let created = create::once(
                cx,
                &change.address,
                || cx.client.create_server_database(server, &body),
                || find_after_ambiguous_create(cx, server, name),
            )
            .await?;
            cx.set_id(&change.address, created.id);
            Ok(())
        }
        Op::Delete { server, id } => {
            gone_is_done(op, cx.client.delete_server_database(*server, *id).await)
        }
    }
}

/// The database `name` of server `server`, if the panel has it (by the name it gives it).
async fn find_after_ambiguous_create(
    cx: &ApplyCx,
    server: u64,
    name: &str,
) -> Result<Option<roost_model::LiveDatabase>, PanelError> {
    let full = panel_database_name(server, name);
    Ok(cx
        .client
        .list_server_databases(server)
        .await?
        .into_iter()
        .find(|d| d.database == full))
}
