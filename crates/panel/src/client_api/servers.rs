//! Servers through the Client API (client/servers.md, websocket.md §1): the list a key reaches,
//! one server with the user's permissions on it, live resources, power, console commands, the
//! websocket credentials, activity, and the permission names of `/permissions`.

use crate::client_api::ClientApi;
use crate::client_api::exec::ClientReq;
use crate::client_api::network::ClientAllocation;
use crate::client_api::ops::{ClientOp, PowerSignal};
use crate::client_api::settings::StartupVariable;
use crate::client_api::subusers::Subuser;
use crate::error::{PanelError, PanelSaid};
use crate::lenient::{de_bool_lenient, de_i64_lenient, de_i64_opt_lenient};
use crate::wire::Relation;
use roost_model::{Secret, client_root, client_server_routes};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `type` of `GET /api/client`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerListType {
    /// Servers the user owns or is a subuser of.
    #[default]
    Member,
    /// Servers the user owns.
    Owner,
    /// Root admins: every server they are neither owner nor subuser of.
    Admin,
    /// Root admins: every server.
    AdminAll,
}

impl ServerListType {
    fn query(self) -> Option<&'static str> {
        match self {
            ServerListType::Member => None,
            ServerListType::Owner => Some("owner"),
            ServerListType::Admin => Some("admin"),
            ServerListType::AdminAll => Some("admin-all"),
        }
    }
}

/// A server as the Client API shows it (both dialects; Pelican's extras optional).
#[derive(Debug, Clone, Deserialize)]
pub struct ClientServer {
    #[serde(default)]
    pub server_owner: bool,
    /// The 8-character handle the Client API addresses servers by.
    pub identifier: String,
    /// The Application API's numeric id.
    pub internal_id: u64,
    pub uuid: String,
    pub name: String,
    /// The node's **name**.
    #[serde(default)]
    pub node: String,
    #[serde(default)]
    pub is_node_under_maintenance: bool,
    pub sftp_details: SftpDetails,
    /// Pelican leaves it out when users may not edit descriptions.
    #[serde(default)]
    pub description: Option<String>,
    pub limits: ClientLimits,
    #[serde(default)]
    pub invocation: String,
    #[serde(default)]
    pub docker_image: String,
    #[serde(default)]
    pub egg_features: Option<Vec<String>>,
    pub feature_limits: FeatureLimits,
    /// `installing`, `install_failed`, `reinstall_failed`, `suspended`, `restoring_backup`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub is_suspended: bool,
    #[serde(default)]
    pub is_installing: bool,
    #[serde(default)]
    pub is_transferring: bool,
    #[serde(default)]
    pub relationships: ClientServerRelationships,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SftpDetails {
    pub ip: String,
    pub port: u16,
    /// Pelican only.
    #[serde(default)]
    pub alias: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClientLimits {
    #[serde(deserialize_with = "de_i64_lenient")]
    pub memory: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub swap: i64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub disk: i64,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub io: Option<i64>,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub cpu: i64,
    #[serde(default)]
    pub threads: Option<String>,
    #[serde(default)]
    pub oom_disabled: Option<bool>,
    /// Pelican only.
    #[serde(default)]
    pub oom_killer: Option<bool>,
}

/// `null` is unlimited for databases, and blocks client changes for allocations; for backups
/// `0` and `null` both mean none (client/dialects.md §3).
#[derive(Debug, Clone, Deserialize)]
pub struct FeatureLimits {
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub databases: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub allocations: Option<i64>,
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub backups: Option<i64>,
}

/// Includes: `allocations` and `variables` always, `egg` and `subusers` when asked. A relation
/// the user may not read is a `null_resource`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientServerRelationships {
    #[serde(default)]
    pub allocations: Option<Relation<ClientAllocation>>,
    #[serde(default)]
    pub variables: Option<Relation<StartupVariable>>,
    #[serde(default)]
    pub egg: Option<Relation<EggRef>>,
    #[serde(default)]
    pub subusers: Option<Relation<Subuser>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EggRef {
    pub uuid: String,
    pub name: String,
}

#[derive(Deserialize)]
struct DetailsMeta {
    #[serde(default)]
    is_server_owner: bool,
    #[serde(default)]
    user_permissions: Vec<String>,
}

#[derive(Deserialize)]
struct DetailsEnvelope {
    attributes: ClientServer,
    meta: DetailsMeta,
}

/// `GET /servers/{server}`: the server and what the key's user may do on it.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "DetailsEnvelope")]
pub struct ServerDetails {
    pub server: ClientServer,
    pub is_server_owner: bool,
    /// Owners `["*"]`; admins also `admin.websocket.*`; subusers their own list.
    pub user_permissions: Vec<String>,
}

impl From<DetailsEnvelope> for ServerDetails {
    fn from(env: DetailsEnvelope) -> Self {
        ServerDetails {
            server: env.attributes,
            is_server_owner: env.meta.is_server_owner,
            user_permissions: env.meta.user_permissions,
        }
    }
}

impl ServerDetails {
    /// Whether the user holds `permission` here (`*` grants all but the `admin.` ones).
    pub fn can(&self, permission: &str) -> bool {
        self.user_permissions
            .iter()
            .any(|p| p == permission || (p == "*" && !permission.starts_with("admin")))
    }
}

/// `GET /servers/{server}/resources` (`object: stats`).
#[derive(Debug, Clone, Deserialize)]
pub struct ServerStats {
    /// `offline`, `starting`, `running`, `stopping`; Pelican `missing` when Wings did not answer.
    pub current_state: String,
    #[serde(default)]
    pub is_suspended: bool,
    pub resources: StatsResources,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsResources {
    #[serde(default)]
    pub memory_bytes: u64,
    /// Percent, 100 = one core.
    #[serde(default)]
    pub cpu_absolute: f64,
    #[serde(default)]
    pub disk_bytes: u64,
    #[serde(default)]
    pub network_rx_bytes: u64,
    #[serde(default)]
    pub network_tx_bytes: u64,
    /// Milliseconds.
    #[serde(default)]
    pub uptime: u64,
}

/// `GET /servers/{server}/websocket`: where the console is and the token that opens it (valid
/// 10 minutes; a credential, so redacted). Decoded from the whole answer (`{"data": {...}}`,
/// no Fractal envelope).
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawData<WebsocketData>")]
pub struct WebsocketCredentials {
    pub token: Secret,
    /// `wss://node:port/api/servers/<uuid>/ws`.
    pub socket: String,
}

#[derive(Deserialize)]
struct WebsocketData {
    #[serde(deserialize_with = "crate::client_api::wire::de_secret")]
    pub token: Secret,
    /// `wss://node:port/api/servers/<uuid>/ws`.
    pub socket: String,
}

#[derive(Deserialize)]
struct RawData<T> {
    data: T,
}

impl From<RawData<WebsocketData>> for WebsocketCredentials {
    fn from(raw: RawData<WebsocketData>) -> Self {
        WebsocketCredentials {
            token: raw.data.token,
            socket: raw.data.socket,
        }
    }
}

/// `GET /api/client/permissions`: Pterodactyl's (and Pelican ≤ beta29's) groups, or current
/// Pelican's flat list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SystemPermissions {
    Flat(Vec<String>),
    Grouped(BTreeMap<String, PermissionGroup>),
}

#[derive(Debug, Clone, Deserialize)]
pub struct PermissionGroup {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
}

impl SystemPermissions {
    /// Every permission name (`group.key`), as subusers may be given them.
    pub fn names(&self) -> Vec<String> {
        match self {
            SystemPermissions::Flat(names) => names.clone(),
            SystemPermissions::Grouped(groups) => groups
                .iter()
                .flat_map(|(g, group)| group.keys.keys().map(move |k| format!("{g}.{k}")))
                .collect(),
        }
    }
}

/// The attributes of `/permissions` (`object: system_permissions`).
#[derive(Debug, Clone, Deserialize)]
pub struct SystemPermissionsAttributes {
    pub permissions: SystemPermissions,
}

/// One entry of a server's (or the account's) activity log.
#[derive(Debug, Clone, Deserialize)]
pub struct ActivityEntry {
    pub id: String,
    /// Pterodactyl only.
    #[serde(default)]
    pub batch: Option<String>,
    pub event: String,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub is_api: bool,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub properties: Value,
    #[serde(default)]
    pub timestamp: Option<String>,
}

impl ClientApi {
    /// The servers the key's user reaches (every page; 100 a page, the panels' maximum). With
    /// [`ServerListType::Admin`]/[`AdminAll`](ServerListType::AdminAll) a root admin's key
    /// lists every server; for anyone else the panels answer an empty list, so this refuses
    /// instead of reporting no servers.
    pub async fn list_servers(
        &self,
        kind: ServerListType,
    ) -> Result<Vec<ClientServer>, PanelError> {
        let admin_list = matches!(kind, ServerListType::Admin | ServerListType::AdminAll);
        if admin_list && !self.session().await?.account.is_root_admin() {
            return Err(PanelError::Forbidden {
                method: "GET".into(),
                path: "/api/client".into(),
                said: PanelSaid {
                    code: String::new(),
                    detail: "only a root admin's key lists servers it is not a member of; the \
                             panel would answer an empty list"
                        .into(),
                },
            });
        }
        let mut req = ClientReq::new(ClientOp::ListServers, client_root());
        if let Some(t) = kind.query() {
            req = req.query("type", t);
        }
        self.pages(&req, 100).await
    }

    /// Every permission name a subuser may be given on this panel.
    pub async fn permission_names(&self) -> Result<Vec<String>, PanelError> {
        let req = ClientReq::new(ClientOp::Permissions, client_server_routes::permissions());
        let attrs: SystemPermissionsAttributes = self.item(&req).await?;
        Ok(attrs.permissions.names())
    }

    /// One server (by identifier or uuid) with the user's permissions on it. Works in every
    /// server state.
    pub async fn server(&self, server: &str) -> Result<ServerDetails, PanelError> {
        let req =
            ClientReq::new(ClientOp::ServerDetails, client_server_routes::one(server)).on(server);
        let env: DetailsEnvelope = self.json(&req).await?;
        if let Ok(mut uuids) = self.inner.uuids.lock() {
            uuids.insert(
                env.attributes.identifier.clone(),
                env.attributes.uuid.clone(),
            );
        }
        Ok(ServerDetails {
            server: env.attributes,
            is_server_owner: env.meta.is_server_owner,
            user_permissions: env.meta.user_permissions,
        })
    }

    /// Live state and usage from Wings (the panel caches it 20 s). Wings unreachable:
    /// Pterodactyl 504, Pelican `current_state: "missing"`.
    pub async fn resources(&self, server: &str) -> Result<ServerStats, PanelError> {
        let req =
            ClientReq::new(ClientOp::Resources, client_server_routes::resources(server)).on(server);
        self.item(&req).await
    }

    /// Sends a power signal. `Ok` means Wings accepted it (it acts asynchronously: watch
    /// `resources`). Never sent twice: after an unknown outcome the error says so.
    pub async fn power(&self, server: &str, signal: PowerSignal) -> Result<(), PanelError> {
        let req = ClientReq::new(ClientOp::Power(signal), client_server_routes::power(server))
            .on(server)
            .json(&serde_json::json!({ "signal": signal.as_str() }))?;
        self.send(&req).await.map(|_| ())
    }

    /// Writes a line to the server's console. Never sent twice. Pterodactyl refuses when the
    /// server is not running ([`WingsFailure::ServerOffline`](crate::WingsFailure)); Pelican
    /// answers 204 even then, so there `Ok` does not prove the server read it.
    pub async fn command(&self, server: &str, command: &str) -> Result<(), PanelError> {
        let req = ClientReq::new(ClientOp::Command, client_server_routes::command(server))
            .on(server)
            .json(&serde_json::json!({ "command": command }))?;
        self.send(&req).await.map(|_| ())
    }

    /// A console token and socket URL (Pelican: 5 per minute per server, planned).
    pub async fn websocket(&self, server: &str) -> Result<WebsocketCredentials, PanelError> {
        let req =
            ClientReq::new(ClientOp::Websocket, client_server_routes::websocket(server)).on(server);
        self.json(&req).await
    }

    /// The server's activity log, newest first (every page, 100 a page).
    pub async fn server_activity(&self, server: &str) -> Result<Vec<ActivityEntry>, PanelError> {
        let req = ClientReq::new(ClientOp::Activity, client_server_routes::activity(server))
            .on(server)
            .query("sort", "-timestamp");
        self.pages(&req, 100).await
    }
}
