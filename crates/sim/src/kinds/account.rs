//! The one Client API route the simulator serves: `GET /api/client/account`, which tells a
//! client key's owner (client/account.md). roost asks it to learn which user owns the key it
//! uses, since the Application API cannot say. Shapes: Pterodactyl's AccountTransformer (`id`,
//! no uuid), Pelican's UserTransformer (`uuid`, no id).

use crate::response::ApiErr;
use crate::state::SimState;
use crate::util::ts_iso;
use roost_model::Dialect;
use serde_json::json;

pub const ACCOUNT_PATH: &str = "/api/client/account";

/// Deterministic 48-character client key (16-char identifier + 32-char secret) of the user
/// owning the application key.
pub fn default_client_token(dialect: Dialect) -> String {
    let prefix = match dialect {
        Dialect::Pterodactyl => "ptlc_",
        Dialect::Pelican => "pacc_",
    };
    format!("{prefix}simroost002roostsimclientaccountsecretkey2")
}

/// Which key a request carries.
pub enum Key {
    Client,
    Application,
    None,
}

/// `(status, body)` of `GET /api/client/account` for a request with `key`.
pub fn account(st: &SimState, method: &str, key: Key) -> (u16, String) {
    let err = |e: ApiErr| (e.status, e.body());
    match key {
        Key::None => {
            return err(ApiErr::new(
                401,
                "AuthenticationException",
                "Unauthenticated.",
            ));
        }
        Key::Application => {
            return err(ApiErr::new(
                403,
                "AccessDeniedHttpException",
                "You are attempting to use an application API key on an endpoint that requires a client API key.",
            ));
        }
        Key::Client => {}
    }
    if method != "GET" {
        return err(ApiErr::new(
            405,
            "MethodNotAllowedHttpException",
            format!(
                "The {method} method is not supported for route api/client/account. Supported methods: GET, HEAD."
            ),
        ));
    }
    let Some(u) = st.users.get(&st.api_key_owner) else {
        return err(ApiErr::new(
            401,
            "AuthenticationException",
            "Unauthenticated.",
        ));
    };
    let admin = st.is_root_admin(u);
    let attributes = match st.dialect {
        Dialect::Pterodactyl => json!({
            "id": u.id,
            "admin": admin,
            "username": u.username,
            "email": u.email,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "language": u.language,
        }),
        Dialect::Pelican => json!({
            "uuid": u.uuid,
            "username": u.username,
            "email": u.email,
            "language": u.language,
            "image": format!("https://gravatar.com/avatar/{}", u.uuid.replace('-', "")),
            "admin": admin,
            "root_admin": admin,
            "2fa_enabled": u.use_totp,
            "created_at": ts_iso(u.created_at),
            "updated_at": ts_iso(u.updated_at),
        }),
    };
    (
        200,
        json!({"object": "user", "attributes": attributes}).to_string(),
    )
}
