//! Subusers, through the Client API: invited (verified by a re-read of the server's subusers by
//! e-mail before any re-send, in `ClientApi::create_subuser`), their permissions replaced,
//! removed. A server still installing is waited for (`server_level::when_installed`).

use crate::context::ApplyCx;
use crate::run::gone_is_done;
use crate::server_level::{client_api, explain, identifier, when_installed};
use roost_panel::SubuserBody;
use roost_plan::Change;
use roost_plan::kinds::subuser::Op;

pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
    let address = &change.address;
    let api = client_api(cx, address)?;
    match op {
        Op::Create {
            server,
            identifier: known,
            email,
            permissions,
        } => {
            let ident = identifier(cx, server, known).await?;
            let body = SubuserBody {
                email: email.clone(),
                permissions: permissions.clone(),
            };
            when_installed(cx, address, api, &ident, || api.create_subuser(&ident, &body))
                .await
                .map(|_| ())
                .map_err(|e| explain(cx, e))
        }
        Op::Update {
            identifier,
            uuid,
            permissions,
        } => when_installed(cx, address, api, identifier, || {
            api.update_subuser(identifier, uuid, permissions)
        })
        .await
        .map(|_| ())
        .map_err(|e| explain(cx, e)),
        Op::Delete { identifier, uuid } => {
            gone_is_done(op, api.delete_subuser(identifier, uuid).await)
        }
    }
}
