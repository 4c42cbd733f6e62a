//! Who owns a client API key: the Client API's `GET /api/client/account` (client/account.md).
//! The Application API cannot tell who owns the key it is called with; a client key of the same
//! user can, and roost uses the answer to refuse deleting that user.

use crate::client::PanelClient;
use crate::error::PanelError;
use roost_model::{KeyOwner, Secret};

impl PanelClient {
    /// The owner of `client_token` (a client API key, `ptlc_`/`pacc_`), asked through the
    /// Client API ([`ClientApi::key_owner`](crate::ClientApi::key_owner)): its own bucket,
    /// retried as any read.
    pub async fn key_owner(&self, client_token: &Secret) -> Result<KeyOwner, PanelError> {
        self.client_api(client_token.clone())?.key_owner().await
    }
}
