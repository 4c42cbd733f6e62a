//! Users. Passwords are read from their source only into the request that sets them; they are
//! never compared, stored or shown.

use crate::context::ApplyCx;
use crate::run::{failed, gone_is_done};
use crate::verify::json;
use crate::{checked, create};
use roost_model::{LiveUser, Secret, SecretRef};
use roost_panel::UserBody;
use roost_plan::Change;
use roost_plan::kinds::user::{Op, UserFields};

fn body(f: &UserFields, password: Option<Secret>) -> UserBody {
    UserBody {
        email: f.email.clone(),
        username: f.username.clone(),
        first_name: f.first_name.clone(),
        last_name: f.last_name.clone(),
        external_id: f.external_id.clone(),
        language: f.language.clone(),
        root_admin: f.root_admin,
        password,
    }
}

fn password(cx: &ApplyCx, source: &Option<SecretRef>) -> Result<Option<Secret>, String> {
    source.as_ref().map(|s| (cx.secrets)(s)).transpose()
}

pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
    match op {
        Op::Create { fields, password: source } => {
            let body = body(fields, password(cx, source)?);
            let created = create::once(
                cx,
                &change.address,
                || cx.client.create_user(&body),
                || cx.client.find_user_by_username(&fields.username),
            )
            .await?;
            cx.set_id(&change.address, created.id);
            Ok(())
        }
        Op::Update {
            id,
            set,
            was,
            password: source,
        } => {
            let id = *id;
            let body = body(set, password(cx, source)?);
            // The password is write-only: never compared, never put in a JSON value.
            let sent = json(&UserBody {
                password: None,
                ..body.clone()
            });
            let as_body = |u: LiveUser| json(&UserBody::from_live(&u));
            checked::update(
                cx,
                change,
                sent,
                json(&self::body(was, None)),
                || async { cx.client.update_user(id, &body).await.map(as_body) },
                || async { cx.client.get_user(id).await.map(as_body) },
            )
            .await
        }
        Op::AssignRoles { user, roles } => {
            let id = cx.resolve(user)?;
            cx.client
                .assign_roles(id, roles)
                .await
                .map(|_| ())
                .map_err(|e| failed(op, e))
        }
        Op::RemoveRoles { id, roles } => cx
            .client
            .remove_roles(*id, roles)
            .await
            .map(|_| ())
            .map_err(|e| failed(op, e)),
        Op::Delete { id, .. } => gone_is_done(op, cx.client.delete_user(*id).await),
    }
}
