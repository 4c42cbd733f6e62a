//! The key's own account (`GET /account`) and its client API keys (client/account.md).

use crate::client_api::ClientApi;
use crate::client_api::exec::{Buckets, ClientReq};
use crate::client_api::ops::ClientOp;
use crate::client_api::verify::Verified;
use crate::error::PanelError;
use crate::limiter::RateLimiter;
use crate::wire::Item;
use roost_model::{Dialect, KeyOwner, Secret, client_account_routes};
use serde::{Deserialize, Serialize};

/// `GET /api/client/account`: Pterodactyl sends `id`, `first_name`, `last_name` and no uuid;
/// Pelican `uuid`, `root_admin`, `image`, timestamps and no id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Account {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub uuid: Option<String>,
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// Root admin (Pterodactyl `root_admin`; Pelican: the Root Admin role, deprecated field).
    #[serde(default)]
    pub admin: bool,
    /// Pelican: the Root Admin role.
    #[serde(default)]
    pub root_admin: Option<bool>,
    #[serde(default, rename = "2fa_enabled")]
    pub two_factor: Option<bool>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl Account {
    /// The dialect the account's shape shows: Pelican's has `uuid` and `root_admin`; a
    /// Pterodactyl-shaped answer is an old Pelican when the key's prefix says so.
    pub fn dialect(&self, key_hint: Option<Dialect>) -> Dialect {
        if self.uuid.is_some() || self.root_admin.is_some() {
            Dialect::Pelican
        } else {
            key_hint.unwrap_or(Dialect::Pterodactyl)
        }
    }

    /// Whether the user is a root admin (whose key reaches every server).
    pub fn is_root_admin(&self) -> bool {
        self.root_admin.unwrap_or(self.admin)
    }

    /// What identifies the user: id, else uuid, else username.
    pub(crate) fn user_key(&self) -> String {
        match (&self.id, &self.uuid) {
            (Some(id), _) => format!("id:{id}"),
            (None, Some(uuid)) => format!("uuid:{uuid}"),
            (None, None) => format!("username:{}", self.username),
        }
    }

    pub fn to_key_owner(&self) -> KeyOwner {
        KeyOwner {
            id: self.id,
            uuid: self.uuid.clone(),
            username: roost_model::stored_username(&self.username),
        }
    }
}

/// An account (client) API key as listed; the secret is never shown again.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiKey {
    /// 16 characters, type prefix included.
    pub identifier: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    #[serde(default)]
    pub last_used_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// `POST /account/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyBody {
    /// Required and non-empty; it is how roost finds the key again after a lost answer.
    pub description: String,
    /// IPs or CIDR ranges the key may be used from; empty: any.
    pub allowed_ips: Vec<String>,
}

/// A new key: the listed part and the usable bearer token (identifier + secret, README §1:
/// `meta.secret_token` alone is only the secret half).
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "CreatedEnvelope")]
pub struct ApiKeyCreated {
    pub key: ApiKey,
    pub token: Secret,
}

#[derive(Deserialize)]
struct CreatedMeta {
    secret_token: crate::client_api::wire::WireSecret,
}

#[derive(Deserialize)]
struct CreatedEnvelope {
    attributes: ApiKey,
    meta: CreatedMeta,
}

impl From<CreatedEnvelope> for ApiKeyCreated {
    fn from(env: CreatedEnvelope) -> Self {
        let secret = env.meta.secret_token.0;
        ApiKeyCreated {
            token: Secret::new(format!("{}{}", env.attributes.identifier, secret.expose())),
            key: env.attributes,
        }
    }
}

impl ClientApi {
    /// The key's own account (read once, on first use, and remembered).
    pub async fn account(&self) -> Result<Account, PanelError> {
        Ok(self.session().await?.account.clone())
    }

    /// Who owns the key, as the plan's safety rules want it.
    pub async fn key_owner(&self) -> Result<KeyOwner, PanelError> {
        Ok(self.session().await?.account.to_key_owner())
    }

    pub(crate) async fn read_account(
        &self,
        dialect: Dialect,
        bucket: &RateLimiter,
    ) -> Result<Account, PanelError> {
        let req = ClientReq::new(ClientOp::Account, client_account_routes::account());
        let buckets = Buckets {
            dialect,
            user_bucket: bucket,
            route: None,
        };
        let answer = self.send_in(&req, buckets).await?;
        let item: Item<Account> = self.decode(&req, &answer.body)?;
        Ok(item.attributes)
    }

    /// The user's client keys (application keys are not listed).
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, PanelError> {
        self.list(&ClientReq::new(
            ClientOp::ApiKeys,
            client_account_routes::api_keys(),
        ))
        .await
    }

    /// Creates a client key. Its secret is shown in this answer only: after a lost answer
    /// nothing is sent again; the keys are re-read and the error says whether one with this
    /// description now exists (delete it and create another).
    pub async fn create_api_key(&self, body: &ApiKeyBody) -> Result<ApiKeyCreated, PanelError> {
        let req =
            ClientReq::new(ClientOp::ApiKeyCreate, client_account_routes::api_keys()).json(body)?;
        let description = body.description.clone();
        let found = self
            .send_verified(&req, "", || async {
                let keys = self.api_keys().await.map_err(|e| e.to_string())?;
                Ok(keys
                    .into_iter()
                    .any(|k| k.description.as_deref() == Some(description.as_str()))
                    .then_some(()))
            })
            .await?;
        let answer = match found {
            Verified::Sent(answer) => answer,
            Verified::Found(()) => {
                return Err(PanelError::NotResent {
                    method: "POST".into(),
                    path: "/api/client/account/api-keys".into(),
                    cause: "the answer was lost".into(),
                    reread: format!(
                        "a key described {description:?} exists now, but its secret was only in \
                         the lost answer: delete it and create another"
                    ),
                });
            }
        };
        self.decode(&req, &answer.body)
    }

    /// Deletes one of the user's client keys by identifier.
    pub async fn delete_api_key(&self, identifier: &str) -> Result<(), PanelError> {
        self.send(&ClientReq::new(
            ClientOp::ApiKeyDelete,
            client_account_routes::api_key(identifier),
        ))
        .await
        .map(|_| ())
    }
}
