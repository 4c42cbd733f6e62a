//! Who owns a client API key: the Client API's `GET /api/client/account` (client/account.md).
//! The Application API cannot tell who owns the key it is called with; a client key of the same
//! user can, and roost uses the answer to refuse deleting that user.

use crate::client::PanelClient;
use crate::error::PanelError;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use roost_model::{KeyOwner, Secret};
use serde::Deserialize;
use std::sync::atomic::Ordering;

const PATH: &str = "/api/client/account";

#[derive(Deserialize)]
struct Envelope {
    attributes: Account,
}

/// Pterodactyl answers with `id`, Pelican with `uuid`; both with `username`.
#[derive(Deserialize)]
struct Account {
    id: Option<u64>,
    uuid: Option<String>,
    username: String,
}

impl PanelClient {
    /// The owner of `client_token` (a client API key, `ptlc_`/`pacc_`), by one request outside
    /// the rate limiter and without retries: it is asked once per plan.
    pub async fn key_owner(&self, client_token: &Secret) -> Result<KeyOwner, PanelError> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", client_token.expose()))
            .map_err(|_| {
                PanelError::Config("the client token contains invalid characters".into())
            })?;
        auth.set_sensitive(true);
        let url = format!("{}{PATH}", self.inner.base_url);
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let resp = self
            .inner
            .http
            .get(url)
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .send()
            .await
            .map_err(|e| self.transport_error("GET", PATH, &e))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| self.transport_error("GET", PATH, &e))?;
        if !(200..300).contains(&status) {
            return Err(PanelError::from_response("GET", PATH, status, &body, None));
        }
        let env: Envelope = serde_json::from_slice(&body).map_err(|e| PanelError::Decode {
            method: "GET".into(),
            path: PATH.into(),
            message: e.to_string(),
        })?;
        let a = env.attributes;
        Ok(KeyOwner {
            id: a.id,
            uuid: a.uuid,
            username: roost_model::stored_username(&a.username),
        })
    }
}
