//! Users, and Pelican's roles (held by users): wire types, bodies and endpoints.

use crate::client::{PanelClient, q};
use crate::endpoint::required_list;
use crate::error::PanelError;
use crate::lenient::*;
use crate::pagination::HasId;
use crate::retry::Idempotency;
use crate::wire::Relation;
use reqwest::Method;
use roost_model::{Dialect, LiveRole, LiveUser, Secret, role_routes, user_routes};
use serde::{Deserialize, Serialize, Serializer};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserRelationships {
    /// PL `include=roles`.
    #[serde(default)]
    pub roles: Option<Relation<RoleAttributes>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserAttributes {
    pub id: u64,
    #[serde(default)]
    pub external_id: Option<String>,
    /// PL@b30+.
    #[serde(default)]
    pub is_managed_externally: Option<bool>,
    #[serde(default)]
    pub uuid: String,
    pub username: String,
    pub email: String,
    /// PT only (PL removed names in b17).
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub root_admin: bool,
    /// PL@b6+.
    #[serde(default, rename = "2fa_enabled")]
    pub two_factor_enabled: Option<bool>,
    #[serde(default, rename = "2fa")]
    pub two_factor: Option<bool>,
    #[serde(default)]
    pub relationships: UserRelationships,
}

impl UserAttributes {
    /// The live user; its strings are moved, not copied.
    pub fn into_live(self) -> LiveUser {
        let role_ids = self
            .relationships
            .roles
            .as_ref()
            .and_then(|r| r.list())
            .map(|roles| roles.filter_map(|r| r.id).collect())
            .unwrap_or_default();
        LiveUser {
            id: self.id,
            uuid: self.uuid,
            external_id: self.external_id,
            username: self.username,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            language: self.language.unwrap_or_else(|| "en".to_string()),
            root_admin: self.root_admin,
            role_ids,
        }
    }

    /// [`UserAttributes::into_live`] for a listing: roles a Pelican panel withheld
    /// (`null_resource`) are an error, not a user without roles.
    pub(crate) fn into_listed(self) -> Result<LiveUser, PanelError> {
        if let Some(r) = &self.relationships.roles {
            required_list(Some(r), "roles", "/users")?;
        }
        Ok(self.into_live())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RoleAttributes {
    #[serde(default)]
    pub id: Option<u64>,
    pub name: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl RoleAttributes {
    pub fn to_live(&self) -> Option<LiveRole> {
        self.id.map(|id| LiveRole {
            id,
            name: self.name.clone(),
        })
    }
}

impl HasId for UserAttributes {
    fn id(&self) -> Option<u64> {
        Some(self.id)
    }
}

impl HasId for RoleAttributes {
    fn id(&self) -> Option<u64> {
        self.id
    }
}

fn ser_secret<S: Serializer>(s: &Option<Secret>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(secret) => ser.serialize_str(secret.expose()),
        None => ser.serialize_none(),
    }
}

/// `POST /users`, `PATCH /users/{id}`. `email` and `username` are required on every PATCH
/// (and PT's names too); omitted optional fields keep their value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserBody {
    pub email: String,
    pub username: String,
    /// PT only (required there); PL ignores them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    pub external_id: Option<String>,
    pub language: String,
    /// PT only (PL derives it from roles and ignores it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_admin: Option<bool>,
    /// Write-only. `None` leaves the password unchanged (on create: the panel mails a
    /// set-password link).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_secret")]
    pub password: Option<Secret>,
}

impl UserBody {
    pub fn from_live(u: &LiveUser) -> Self {
        UserBody {
            email: u.email.clone(),
            username: u.username.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            external_id: u.external_id.clone(),
            language: u.language.clone(),
            root_admin: Some(u.root_admin),
            password: None,
        }
    }
}

/// `PATCH /users/{id}/roles/assign|remove` (Pelican only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolesBody {
    /// JSON integers: PL compares the Root Admin role id strictly.
    pub roles: Vec<u64>,
}

/// The query of every user read: Pelican's users bring their role ids.
fn user_query(dialect: Dialect) -> Vec<(String, String)> {
    match dialect {
        Dialect::Pelican => vec![q("include", "roles")],
        Dialect::Pterodactyl => Vec::new(),
    }
}

impl PanelClient {
    /// With role ids on Pelican.
    pub async fn get_user(&self, id: u64) -> Result<LiveUser, PanelError> {
        let d = self.ensure_dialect().await?;
        let u: UserAttributes = self.get_item(user_routes::one(id), user_query(d)).await?;
        Ok(u.into_live())
    }

    pub async fn list_users(&self) -> Result<Vec<LiveUser>, PanelError> {
        let d = self.ensure_dialect().await?;
        self.list_all_into(user_routes::list(), user_query(d), 0, |u: UserAttributes| {
            Ok(u.into_live())
        })
        .await
    }

    /// Every user, for `read_live`: withheld roles are an error.
    pub(crate) async fn list_users_for_live(
        &self,
        expected: u64,
    ) -> Result<Vec<LiveUser>, PanelError> {
        let d = self.ensure_dialect().await?;
        self.list_all_into(
            user_routes::list(),
            user_query(d),
            expected,
            UserAttributes::into_listed,
        )
        .await
    }

    /// The user with exactly this username (the panel's filter is a substring match, and
    /// usernames are stored lower-cased, so the match is redone here case-insensitively).
    pub async fn find_user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<LiveUser>, PanelError> {
        let d = self.ensure_dialect().await?;
        let mut query = user_query(d);
        query.push(q("filter[username]", username));
        let us: Vec<UserAttributes> = self.list_all(user_routes::list(), query).await?;
        let want = username.trim().to_lowercase();
        Ok(us
            .into_iter()
            .find(|u| u.username.to_lowercase() == want)
            .map(UserAttributes::into_live))
    }

    pub async fn create_user(&self, body: &UserBody) -> Result<LiveUser, PanelError> {
        let d = self.ensure_dialect().await?;
        let u: UserAttributes = self
            .write_item(
                Method::POST,
                user_routes::list(),
                user_query(d),
                body,
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(u.into_live())
    }

    pub async fn update_user(&self, id: u64, body: &UserBody) -> Result<LiveUser, PanelError> {
        let d = self.ensure_dialect().await?;
        let u: UserAttributes = self
            .write_item(
                Method::PATCH,
                user_routes::one(id),
                user_query(d),
                body,
                Idempotency::Idempotent,
            )
            .await?;
        Ok(u.into_live())
    }

    /// Fails with [`PanelError::Conflict`] while the user owns servers; PL also refuses the key's
    /// own user (400) and Root Admins ([`PanelError::Forbidden`]).
    pub async fn delete_user(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::DELETE,
            user_routes::one(id),
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    /// Pelican only.
    pub async fn list_roles(&self) -> Result<Vec<LiveRole>, PanelError> {
        self.require_dialect(Dialect::Pelican, "roles").await?;
        Ok(self
            .list_roles_raw()
            .await?
            .iter()
            .filter_map(RoleAttributes::to_live)
            .collect())
    }

    pub(crate) async fn list_roles_raw(&self) -> Result<Vec<RoleAttributes>, PanelError> {
        self.list_all(role_routes::list(), Vec::new()).await
    }

    /// Pelican only. Assigning a held role is a no-op, so this is safe to retry.
    pub async fn assign_roles(&self, user_id: u64, roles: &[u64]) -> Result<LiveUser, PanelError> {
        self.change_roles(user_routes::assign_roles(user_id), roles)
            .await
    }

    /// Pelican only.
    pub async fn remove_roles(&self, user_id: u64, roles: &[u64]) -> Result<LiveUser, PanelError> {
        self.change_roles(user_routes::remove_roles(user_id), roles)
            .await
    }

    async fn change_roles(
        &self,
        route: roost_model::Route,
        roles: &[u64],
    ) -> Result<LiveUser, PanelError> {
        self.require_dialect(Dialect::Pelican, "user roles").await?;
        let body = RolesBody {
            roles: roles.to_vec(),
        };
        let u: UserAttributes = self
            .write_item(
                Method::PATCH,
                route,
                vec![q("include", "roles")],
                &body,
                Idempotency::Idempotent,
            )
            .await?;
        Ok(u.into_live())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_password_is_sent_but_never_debug_printed() {
        let mut b = UserBody {
            email: "a@b.c".into(),
            username: "abc".into(),
            first_name: Some("A".into()),
            last_name: Some("B".into()),
            external_id: None,
            language: "en".into(),
            root_admin: Some(false),
            password: Some(Secret::new("hunter22")),
        };
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(v["password"], json!("hunter22"));
        assert!(!format!("{b:?}").contains("hunter22"));
        b.password = None;
        let v = serde_json::to_value(&b).unwrap();
        assert!(v.get("password").is_none());
    }
}
