//! A server's subusers (client/subusers.md), by the subuser's user uuid.

use crate::client_api::ClientApi;
use crate::client_api::exec::ClientReq;
use crate::client_api::ops::ClientOp;
use crate::client_api::wire::de_string_list;
use crate::error::PanelError;
use roost_model::client_subuser_routes;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A `server_subuser`: the user's client fields and its permissions on this server.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Subuser {
    /// The user's uuid: the subuser's handle.
    pub uuid: String,
    pub username: String,
    pub email: String,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default, rename = "2fa_enabled")]
    pub two_factor: bool,
    #[serde(default)]
    pub created_at: Option<String>,
    /// Always holds `websocket.connect`; Pelican sorts it.
    #[serde(default, deserialize_with = "de_string_list")]
    pub permissions: Vec<String>,
    /// Pelican only.
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub root_admin: Option<bool>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `POST /users`: invites `email` (a new account is made when none has it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubuserBody {
    pub email: String,
    /// Unknown names are dropped by the panels; a subuser may only grant what it holds.
    pub permissions: Vec<String>,
}

impl ClientApi {
    pub async fn subusers(&self, server: &str) -> Result<Vec<Subuser>, PanelError> {
        let req =
            ClientReq::new(ClientOp::Subusers, client_subuser_routes::list(server)).on(server);
        self.list(&req).await
    }

    pub async fn subuser(&self, server: &str, user_uuid: &str) -> Result<Subuser, PanelError> {
        let req = ClientReq::new(
            ClientOp::Subuser,
            client_subuser_routes::one(server, user_uuid),
        )
        .on(server);
        self.item(&req).await
    }

    /// Invites a subuser (Pelican: 10 per 15 minutes per server, planned). After an unknown
    /// outcome the subusers are re-read by e-mail: found, it is returned; absent, the invite
    /// is sent again.
    pub async fn create_subuser(
        &self,
        server: &str,
        body: &SubuserBody,
    ) -> Result<Subuser, PanelError> {
        let req = ClientReq::new(ClientOp::SubuserCreate, client_subuser_routes::list(server))
            .on(server)
            .json(&SubuserBody {
                email: body.email.clone(),
                permissions: dedup(&body.permissions),
            })?;
        let verified = self
            .send_verified(&req, "", || async {
                let all = self.subusers(server).await.map_err(|e| e.to_string())?;
                Ok(all
                    .into_iter()
                    .find(|s| s.email.eq_ignore_ascii_case(&body.email)))
            })
            .await?;
        self.take(&req, verified)
    }

    /// Replaces a subuser's permissions.
    pub async fn update_subuser(
        &self,
        server: &str,
        user_uuid: &str,
        permissions: &[String],
    ) -> Result<Subuser, PanelError> {
        let list = dedup(permissions);
        let req = ClientReq::new(
            ClientOp::SubuserUpdate,
            client_subuser_routes::one(server, user_uuid),
        )
        .on(server)
        .json(&json!({ "permissions": list }))?;
        self.item(&req).await
    }

    /// Removes the subuser (the account stays).
    pub async fn delete_subuser(&self, server: &str, user_uuid: &str) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::SubuserDelete,
            client_subuser_routes::one(server, user_uuid),
        )
        .on(server);
        self.send(&req).await.map(|_| ())
    }
}

/// Without duplicates, in the given order: Pterodactyl stores a list with gaps as an object
/// otherwise.
fn dedup(permissions: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in permissions {
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}
