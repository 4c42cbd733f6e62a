//! Server databases (both dialects, below their server) and Pelican's database hosts: wire
//! types, body and endpoints.
//!
//! A database's password never passes through roost: no request asks for it
//! (`include=password`), and no wire type has a field for it, so an included one would be
//! skipped by the decoder without being read into a string.

use crate::client::PanelClient;
use crate::error::{PanelError, PanelSaid};
use crate::pagination::HasId;
use crate::retry::Idempotency;
use reqwest::Method;
use roost_model::{
    Dialect, LiveDatabase, LiveDatabaseHost, database_host_routes, database_routes,
};
use serde::{Deserialize, Serialize};

/// A `server_database` as both panels send it (`GET /servers/{id}/databases`, a create's
/// answer). No `relationships`: the password and host includes are never decoded.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseAttributes {
    pub id: u64,
    /// The owning server's id.
    pub server: u64,
    /// The database host's id.
    pub host: u64,
    /// The full name on the host, `s<server id>_<name>`.
    pub database: String,
    pub username: String,
    pub remote: String,
    /// `null` in a create's answer, `0` when read back; not settable through the API.
    #[serde(default)]
    pub max_connections: Option<i64>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl DatabaseAttributes {
    pub fn to_live(&self) -> LiveDatabase {
        LiveDatabase {
            id: self.id,
            server_id: self.server,
            host_id: self.host,
            database: self.database.clone(),
            username: self.username.clone(),
            remote: self.remote.clone(),
        }
    }
}

impl HasId for DatabaseAttributes {
    fn id(&self) -> Option<u64> {
        Some(self.id)
    }
}

/// A database included in a server (`include=databases`): only the fields `Live.databases`
/// holds, so the servers listing decodes no more than it must (the rest, timestamps included,
/// is skipped unread).
#[derive(Debug, Clone, Deserialize)]
pub struct IncludedDatabase {
    pub id: u64,
    pub host: u64,
    pub database: String,
    pub username: String,
    pub remote: String,
}

impl IncludedDatabase {
    /// The live database; `server_id` is the server it was included in.
    pub fn to_live(&self, server_id: u64) -> LiveDatabase {
        self.clone().into_live(server_id)
    }

    /// [`IncludedDatabase::to_live`], the strings moved rather than copied.
    pub fn into_live(self, server_id: u64) -> LiveDatabase {
        LiveDatabase {
            id: self.id,
            server_id,
            host_id: self.host,
            database: self.database,
            username: self.username,
            remote: self.remote,
        }
    }
}

/// A `database_host` (Pelican's `GET /database-hosts`).
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseHostAttributes {
    pub id: u64,
    pub name: String,
    pub host: String,
    pub port: u16,
    /// The panel's admin account on the host.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl DatabaseHostAttributes {
    pub fn to_live(&self) -> LiveDatabaseHost {
        LiveDatabaseHost {
            id: self.id,
            name: self.name.clone(),
            host: self.host.clone(),
            port: self.port,
        }
    }
}

impl HasId for DatabaseHostAttributes {
    fn id(&self) -> Option<u64> {
        Some(self.id)
    }
}

/// `POST /servers/{id}/databases`. There is no update: `remote` and `host` are fixed once the
/// database exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseBody {
    /// The name as declared (`alpha_dash`, 1–48): the panel stores `s<server id>_<database>`.
    pub database: String,
    /// Where clients may connect from, `^[0-9%.]{1,15}$` (`%`: anywhere).
    pub remote: String,
    /// The database host's id.
    pub host: u64,
}

impl DatabaseBody {
    pub fn from_live(d: &LiveDatabase) -> Self {
        DatabaseBody {
            database: d.declared_name().to_string(),
            remote: d.remote.clone(),
            host: d.host_id,
        }
    }
}

impl PanelClient {
    /// Every database of one server (the endpoint is not paginated).
    pub async fn list_server_databases(
        &self,
        server_id: u64,
    ) -> Result<Vec<LiveDatabase>, PanelError> {
        let dbs: Vec<DatabaseAttributes> = self
            .list_all(database_routes::list(server_id), Vec::new())
            .await?;
        Ok(dbs.iter().map(DatabaseAttributes::to_live).collect())
    }

    /// Creates a database on `body.host` (the panel also creates its user and password; the
    /// password is not asked for). Never re-sent after an unknown outcome
    /// ([`PanelError::Ambiguous`]): list the server's databases before trying again. Fails with
    /// [`PanelError::Conflict`] (`TooManyDatabasesException`) at the server's database limit.
    pub async fn create_server_database(
        &self,
        server_id: u64,
        body: &DatabaseBody,
    ) -> Result<LiveDatabase, PanelError> {
        let d: DatabaseAttributes = self
            .write_item(
                Method::POST,
                database_routes::list(server_id),
                Vec::new(),
                body,
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(d.to_live())
    }

    /// Drops the database and its user on the host.
    pub async fn delete_server_database(&self, server_id: u64, id: u64) -> Result<(), PanelError> {
        self.check_database_of_server(server_id, id).await?;
        self.write_empty::<()>(
            Method::DELETE,
            database_routes::one(server_id, id),
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    /// Gives the database's user a new password (not returned). Safe to repeat: a second reset
    /// only replaces a password nobody has read.
    pub async fn reset_server_database_password(
        &self,
        server_id: u64,
        id: u64,
    ) -> Result<(), PanelError> {
        self.check_database_of_server(server_id, id).await?;
        self.write_empty::<()>(
            Method::POST,
            database_routes::reset_password(server_id, id),
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    /// Pterodactyl finds `/servers/A/databases/{id}` whatever server the database belongs to
    /// (its route binding is not scoped), so a delete or reset there could act on another
    /// server's database. There, the database is read first and refused as not found unless it
    /// belongs to `server_id`, as Pelican (which scopes) answers.
    async fn check_database_of_server(&self, server_id: u64, id: u64) -> Result<(), PanelError> {
        if self.ensure_dialect().await? == Dialect::Pelican {
            return Ok(());
        }
        let route = database_routes::one(server_id, id);
        let d: DatabaseAttributes = self.get_item(route.clone(), Vec::new()).await?;
        if d.server == server_id {
            return Ok(());
        }
        Err(PanelError::NotFound {
            method: "GET".into(),
            path: route.to_string(),
            said: PanelSaid {
                code: String::new(),
                detail: format!(
                    "database {id} belongs to server {}, not to server {server_id}; nothing \
                     was changed",
                    d.server
                ),
            },
        })
    }

    /// Pelican only (Pterodactyl's Application API has no database-host routes).
    pub async fn list_database_hosts(&self) -> Result<Vec<LiveDatabaseHost>, PanelError> {
        self.require_dialect(Dialect::Pelican, "database hosts")
            .await?;
        Ok(self
            .list_database_hosts_raw()
            .await?
            .iter()
            .map(DatabaseHostAttributes::to_live)
            .collect())
    }

    /// One listing (the panel's default page is 10; roost's page size is sent). A refusal names
    /// the permission, since a key made before roost managed databases may well lack it.
    pub(crate) async fn list_database_hosts_raw(
        &self,
    ) -> Result<Vec<DatabaseHostAttributes>, PanelError> {
        self.list_all(database_host_routes::list(), Vec::new())
            .await
            .map_err(|e| match e {
                PanelError::Forbidden { method, path, said } => PanelError::Forbidden {
                    method,
                    path,
                    said: PanelSaid {
                        detail: format!(
                            "{} (roost reads the database hosts to resolve a database's `host` \
                             by name: the API key needs read permission on database hosts)",
                            said.detail
                        ),
                        code: said.code,
                    },
                },
                other => other,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_sends_the_declared_name() {
        let live = LiveDatabase {
            id: 4,
            server_id: 12,
            host_id: 1,
            database: "s12_luckperms".into(),
            username: "u12_x".into(),
            remote: "10.0.0.%".into(),
        };
        assert_eq!(
            serde_json::to_value(DatabaseBody::from_live(&live)).unwrap(),
            json!({"database": "luckperms", "remote": "10.0.0.%", "host": 1})
        );
    }

    #[test]
    fn an_included_password_is_skipped_unread() {
        let text = r#"{"id": 5, "server": 21, "host": 2, "database": "s21_shop",
            "username": "u21_x", "remote": "%", "max_connections": 0,
            "relationships": {"password": {"object": "database_password",
                "attributes": {"password": "hunter2-secret"}}}}"#;
        let d: DatabaseAttributes = serde_json::from_str(text).unwrap();
        assert!(!format!("{d:?}").contains("hunter2"));
        let inc: IncludedDatabase = serde_json::from_str(text).unwrap();
        assert!(!format!("{inc:?}").contains("hunter2"));
        assert_eq!(inc.to_live(21), d.to_live());
    }
}
