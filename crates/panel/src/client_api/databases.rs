//! A server's databases through the Client API (client/databases.md): the panel picks the
//! host; ids are Pterodactyl hashids (strings) or Pelican numbers; passwords come back in
//! create and rotate answers (permission allowing) and are decoded straight into [`Secret`].

use crate::client_api::ClientApi;
use crate::client_api::exec::ClientReq;
use crate::client_api::ops::ClientOp;
use crate::client_api::verify::Verified;
use crate::client_api::wire::WireSecret;
use crate::error::PanelError;
use crate::lenient::de_i64_opt_lenient;
use roost_model::{Dialect, Secret, client_database_routes};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A database's handle in Client-API paths: Pterodactyl's hashid (`"bEY4yAD5"`), Pelican's
/// number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(untagged)]
pub enum ClientDatabaseId {
    Number(u64),
    Hashid(String),
}

impl fmt::Display for ClientDatabaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientDatabaseId::Number(n) => write!(f, "{n}"),
            ClientDatabaseId::Hashid(h) => f.write_str(h),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DatabaseHostAddress {
    pub address: String,
    pub port: u16,
}

/// A `server_database` as the Client API shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawDatabase")]
pub struct ClientDatabase {
    pub id: ClientDatabaseId,
    pub host: DatabaseHostAddress,
    /// The full name on the host, `s<server id>_<name>`.
    pub name: String,
    pub username: String,
    /// The `remote` pattern.
    pub connections_from: String,
    pub max_connections: Option<i64>,
    /// Present when the answer carries it and the user may see it (create, rotate,
    /// `include=password`).
    pub password: Option<Secret>,
}

impl ClientDatabase {
    /// Whether this is the database a create named `requested` makes (`s<id>_<requested>`,
    /// cut to 48 bytes).
    pub fn is_named(&self, requested: &str) -> bool {
        let rest = self
            .name
            .strip_prefix('s')
            .and_then(|r| r.split_once('_'))
            .filter(|(id, _)| id.chars().all(|c| c.is_ascii_digit()))
            .map(|(_, rest)| rest)
            .unwrap_or(&self.name);
        rest == requested
            || (self.name.len() == roost_model::DATABASE_NAME_MAX
                && !rest.is_empty()
                && requested.starts_with(rest))
    }
}

#[derive(Deserialize)]
struct RawDatabase {
    id: ClientDatabaseId,
    host: DatabaseHostAddress,
    name: String,
    username: String,
    connections_from: String,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    max_connections: Option<i64>,
    #[serde(default)]
    relationships: Option<DatabaseRelationships>,
}

#[derive(Deserialize)]
struct DatabaseRelationships {
    #[serde(default)]
    password: Option<PasswordRelation>,
}

/// `{object: "database_password", attributes: {password}}`, or a `null_resource` without
/// the view-password permission.
#[derive(Deserialize)]
struct PasswordRelation {
    #[serde(default)]
    attributes: Option<PasswordAttributes>,
}

#[derive(Deserialize)]
struct PasswordAttributes {
    password: WireSecret,
}

impl From<RawDatabase> for ClientDatabase {
    fn from(r: RawDatabase) -> Self {
        let password = r
            .relationships
            .and_then(|rel| rel.password)
            .and_then(|p| p.attributes)
            .map(|a| a.password.0);
        ClientDatabase {
            id: r.id,
            host: r.host,
            name: r.name,
            username: r.username,
            connections_from: r.connections_from,
            max_connections: r.max_connections,
            password,
        }
    }
}

/// `POST /databases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientDatabaseBody {
    /// `alpha_dash`, 3–48; stored as `s<server id>_<database>`.
    pub database: String,
    /// Where clients may connect from (`%`, `10.0.0.%`, a hostname ...).
    pub remote: String,
}

/// Why Pelican's client database create is never sent again (client/README.md, checked
/// against running panels).
const PELICAN_CREATE_NOTE: &str = "Pelican's client database create fails with 500 after \
    creating the database and its user on the database host, and rolls back only the panel's \
    row: the database may exist on the host without the panel listing it. Ask the host's admin \
    to drop it, and create databases through the Application API (a server's `database` \
    blocks) instead";

impl ClientApi {
    /// The server's databases (`with_passwords`: ask for each password the user may see).
    pub async fn databases(
        &self,
        server: &str,
        with_passwords: bool,
    ) -> Result<Vec<ClientDatabase>, PanelError> {
        let mut req =
            ClientReq::new(ClientOp::Databases, client_database_routes::list(server)).on(server);
        if with_passwords {
            req = req.query("include", "password");
        }
        self.list(&req).await
    }

    /// Creates a database (the panel picks the host). After an unknown outcome the list is
    /// re-read: found, it is returned (without its password); absent, Pterodactyl's create is
    /// sent again, Pelican's never ([`PanelError::NotResent`] says why).
    pub async fn create_database(
        &self,
        server: &str,
        body: &ClientDatabaseBody,
    ) -> Result<ClientDatabase, PanelError> {
        let req = ClientReq::new(
            ClientOp::DatabaseCreate,
            client_database_routes::list(server),
        )
        .on(server)
        .json(body)?;
        let note = match self.ensure_dialect().await? {
            Dialect::Pelican => PELICAN_CREATE_NOTE,
            Dialect::Pterodactyl => "",
        };
        let verified = self
            .send_verified(&req, note, || async {
                let all = self
                    .databases(server, false)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(all.into_iter().find(|d| d.is_named(&body.database)))
            })
            .await?;
        match verified {
            Verified::Found(d) => Ok(d),
            Verified::Sent(answer) => {
                let item: crate::wire::Item<ClientDatabase> = self.decode(&req, &answer.body)?;
                Ok(item.attributes)
            }
        }
    }

    /// Gives the database's user a new password, returned when the user may see it.
    pub async fn rotate_database_password(
        &self,
        server: &str,
        id: &ClientDatabaseId,
    ) -> Result<ClientDatabase, PanelError> {
        let req = ClientReq::new(
            ClientOp::DatabaseRotate,
            client_database_routes::rotate_password(server, id),
        )
        .on(server);
        self.item(&req).await
    }

    /// Drops the database and its user on the host.
    pub async fn delete_database(
        &self,
        server: &str,
        id: &ClientDatabaseId,
    ) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::DatabaseDelete,
            client_database_routes::one(server, id),
        )
        .on(server);
        self.send(&req).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(name: &str) -> ClientDatabase {
        ClientDatabase {
            id: ClientDatabaseId::Number(1),
            host: DatabaseHostAddress {
                address: "h".into(),
                port: 3306,
            },
            name: name.into(),
            username: "u".into(),
            connections_from: "%".into(),
            max_connections: None,
            password: None,
        }
    }

    #[test]
    fn a_create_is_recognised_by_its_prefixed_name() {
        assert!(db("s12_stats").is_named("stats"));
        assert!(!db("s12_stats").is_named("stat"));
        assert!(!db("s12_other").is_named("stats"));
        let long = "x".repeat(60);
        let cut = roost_model::panel_database_name(12, &long);
        assert!(db(&cut).is_named(&long), "cut to 48 bytes");
        assert!(!db(&cut).is_named("y"));
    }
}
