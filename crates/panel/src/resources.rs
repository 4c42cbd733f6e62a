//! Typed reads and writes per resource.

use crate::body::{
    AllocationBody, LocationBody, NodeBody, RolesBody, ServerBuildBody, ServerCreateBody,
    ServerDetailsBody, ServerStartupBody, UserBody,
};
use crate::client::{HasId, PanelClient, Req, q};
use crate::error::{PanelError, PanelSaid};
use crate::retry::Idempotency;
use crate::wire::{
    AllocationAttributes, EggAttributes, Item, LocationAttributes, NestAttributes, NodeAttributes,
    Relation, RoleAttributes, ServerAttributes, UserAttributes,
};
use reqwest::Method;
use roost_model::{
    Dialect, Live, LiveAllocation, LiveEgg, LiveLocation, LiveNest, LiveNode, LiveRole, LiveServer,
    LiveUser,
};
use serde::Serialize;
use std::collections::HashMap;

macro_rules! has_id {
    ($($t:ty),*) => {
        $(impl HasId for $t {
            fn id(&self) -> Option<u64> {
                Some(self.id)
            }
        })*
    };
}
has_id!(
    LocationAttributes,
    NodeAttributes,
    AllocationAttributes,
    UserAttributes,
    ServerAttributes,
    NestAttributes,
    EggAttributes
);

impl HasId for RoleAttributes {
    fn id(&self) -> Option<u64> {
        self.id
    }
}

/// The attributes of an included list the caller cannot do without. A relation withheld as
/// `null_resource` means the key lacks read permission on it: reading on would report resources
/// as absent that exist, so it is an error.
fn required_list<'a, T>(
    rel: Option<&'a Relation<T>>,
    what: &str,
    path: &str,
) -> Result<Vec<&'a T>, PanelError> {
    let forbidden = |detail: String| PanelError::Forbidden {
        method: "GET".into(),
        path: path.to_string(),
        said: PanelSaid {
            code: String::new(),
            detail,
        },
    };
    match rel {
        Some(r) if r.is_null_resource() => Err(forbidden(format!(
            "the panel withheld the `{what}` include: the API key needs read permission on {what}"
        ))),
        Some(r) => Ok(r.list().map(|l| l.collect()).unwrap_or_default()),
        None => Err(PanelError::Decode {
            method: "GET".into(),
            path: path.to_string(),
            message: format!("the panel ignored `include={what}`"),
        }),
    }
}

impl PanelClient {
    fn require(
        &self,
        dialect: Dialect,
        want: Dialect,
        operation: &'static str,
    ) -> Result<(), PanelError> {
        if dialect == want {
            Ok(())
        } else {
            Err(PanelError::Unsupported { operation, dialect })
        }
    }

    async fn get_item<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        query: Vec<(String, String)>,
    ) -> Result<T, PanelError> {
        let item: Item<T> = self.send_json(&Req::get(segments, query)).await?;
        Ok(item.attributes)
    }

    async fn write_item<T: serde::de::DeserializeOwned, B: Serialize>(
        &self,
        method: Method,
        segments: &[&str],
        query: Vec<(String, String)>,
        body: &B,
        idempotency: Idempotency,
    ) -> Result<T, PanelError> {
        let req = Self::write_req(method, segments, query, Some(body), idempotency)?;
        let item: Item<T> = self.send_json(&req).await?;
        Ok(item.attributes)
    }

    /// A request whose answer (204) has no body.
    async fn write_empty<B: Serialize>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&B>,
        idempotency: Idempotency,
    ) -> Result<(), PanelError> {
        let req = Self::write_req(method, segments, Vec::new(), body, idempotency)?;
        self.execute(&req).await.map(|_| ())
    }

    // -----------------------------------------------------------------------------------------
    // Whole live state
    // -----------------------------------------------------------------------------------------

    /// Reads everything roost manages, in as few requests as the API allows: one listing per
    /// kind (more only past [`crate::DEFAULT_PAGE_SIZE`]-sized pages), all kinds concurrently.
    /// Allocations come with their nodes, eggs with their variables (PT through
    /// `/nests?include=eggs.variables`), and allocation holders from the servers' side.
    /// The first call also detects or verifies the dialect (one more request).
    pub async fn read_live(&self) -> Result<Live, PanelError> {
        let dialect = self.ensure_dialect().await?;
        let mut live = Live::empty(dialect);
        let (nodes, users, servers) = match dialect {
            Dialect::Pterodactyl => {
                let (locations, nodes, users, servers, nests) = tokio::try_join!(
                    self.list_all::<LocationAttributes>(&["locations"], Vec::new()),
                    self.list_nodes_raw(),
                    self.list_all::<UserAttributes>(&["users"], Vec::new()),
                    self.list_servers_raw(),
                    self.list_all::<NestAttributes>(
                        &["nests"],
                        vec![q("include", "eggs.variables")]
                    ),
                )?;
                live.locations = locations.iter().map(LocationAttributes::to_live).collect();
                for nest in &nests {
                    live.nests.push(nest.to_live());
                    let eggs = required_list(nest.relationships.eggs.as_ref(), "eggs", "/nests")?;
                    for egg in eggs {
                        let mut e = egg.to_live();
                        e.nest = e.nest.or(Some(nest.id));
                        live.eggs.push(e);
                    }
                }
                (nodes, users, servers)
            }
            Dialect::Pelican => {
                let (nodes, users, servers, eggs, roles) = tokio::try_join!(
                    self.list_nodes_raw(),
                    self.list_all::<UserAttributes>(&["users"], vec![q("include", "roles")]),
                    self.list_servers_raw(),
                    self.list_eggs_raw(),
                    self.list_all::<RoleAttributes>(&["roles"], Vec::new()),
                )?;
                live.eggs = eggs.iter().map(EggAttributes::to_live).collect();
                live.roles = roles.iter().filter_map(RoleAttributes::to_live).collect();
                for u in &users {
                    if let Some(r) = &u.relationships.roles {
                        required_list(Some(r), "roles", "/users")?;
                    }
                }
                (nodes, users, servers)
            }
        };
        live.users = users.iter().map(UserAttributes::to_live).collect();

        // The allocation object does not name its server; the servers' includes do.
        let mut holder: HashMap<u64, u64> = HashMap::new();
        for s in &servers {
            let ids = required_list(
                s.relationships.allocations.as_ref(),
                "allocations",
                "/servers",
            )?;
            for a in ids {
                holder.insert(a.id, s.id);
            }
            if let Some(primary) = s.allocation {
                holder.entry(primary).or_insert(s.id);
            }
        }
        for n in &nodes {
            let allocs = required_list(
                n.relationships.allocations.as_ref(),
                "allocations",
                "/nodes",
            )?;
            for a in allocs {
                let mut la = a.to_live(n.id);
                la.server_id = holder.get(&a.id).copied();
                live.allocations.push(la);
            }
            live.nodes.push(n.to_live());
        }
        live.servers = servers.iter().map(ServerAttributes::to_live).collect();
        Ok(live)
    }

    async fn list_nodes_raw(&self) -> Result<Vec<NodeAttributes>, PanelError> {
        // Includes are not paginated: one page of nodes brings all their allocations.
        self.list_all(&["nodes"], vec![q("include", "allocations")])
            .await
    }

    async fn list_servers_raw(&self) -> Result<Vec<ServerAttributes>, PanelError> {
        self.list_all(&["servers"], vec![q("include", "allocations")])
            .await
    }

    async fn list_eggs_raw(&self) -> Result<Vec<EggAttributes>, PanelError> {
        // PL `/eggs` is not paginated (the per_page/page parameters are ignored).
        self.list_all(&["eggs"], vec![q("include", "variables")])
            .await
    }

    // -----------------------------------------------------------------------------------------
    // Targeted reads
    // -----------------------------------------------------------------------------------------

    fn user_query(&self, dialect: Dialect) -> Vec<(String, String)> {
        match dialect {
            Dialect::Pelican => vec![q("include", "roles")],
            Dialect::Pterodactyl => Vec::new(),
        }
    }

    /// Every node (without allocations).
    pub async fn list_nodes(&self) -> Result<Vec<LiveNode>, PanelError> {
        let nodes: Vec<NodeAttributes> = self.list_all(&["nodes"], Vec::new()).await?;
        Ok(nodes.iter().map(NodeAttributes::to_live).collect())
    }

    pub async fn get_node(&self, id: u64) -> Result<LiveNode, PanelError> {
        let n: NodeAttributes = self
            .get_item(&["nodes", &id.to_string()], Vec::new())
            .await?;
        Ok(n.to_live())
    }

    /// Every allocation of one node, with its holder (`include=server`).
    pub async fn list_node_allocations(
        &self,
        node_id: u64,
    ) -> Result<Vec<LiveAllocation>, PanelError> {
        let id = node_id.to_string();
        let allocs: Vec<AllocationAttributes> = self
            .list_all(&["nodes", &id, "allocations"], vec![q("include", "server")])
            .await?;
        Ok(allocs.iter().map(|a| a.to_live(node_id)).collect())
    }

    /// Pterodactyl only.
    pub async fn get_location(&self, id: u64) -> Result<LiveLocation, PanelError> {
        let d = self.ensure_dialect().await?;
        self.require(d, Dialect::Pterodactyl, "locations")?;
        let l: LocationAttributes = self
            .get_item(&["locations", &id.to_string()], Vec::new())
            .await?;
        Ok(l.to_live())
    }

    /// Pterodactyl only.
    pub async fn list_locations(&self) -> Result<Vec<LiveLocation>, PanelError> {
        let d = self.ensure_dialect().await?;
        self.require(d, Dialect::Pterodactyl, "locations")?;
        let ls: Vec<LocationAttributes> = self.list_all(&["locations"], Vec::new()).await?;
        Ok(ls.iter().map(LocationAttributes::to_live).collect())
    }

    /// With role ids on Pelican.
    pub async fn get_user(&self, id: u64) -> Result<LiveUser, PanelError> {
        let d = self.ensure_dialect().await?;
        let u: UserAttributes = self
            .get_item(&["users", &id.to_string()], self.user_query(d))
            .await?;
        Ok(u.to_live())
    }

    pub async fn list_users(&self) -> Result<Vec<LiveUser>, PanelError> {
        let d = self.ensure_dialect().await?;
        let us: Vec<UserAttributes> = self.list_all(&["users"], self.user_query(d)).await?;
        Ok(us.iter().map(UserAttributes::to_live).collect())
    }

    /// The user with exactly this username (the panel's filter is a substring match, and
    /// usernames are stored lower-cased, so the match is redone here case-insensitively).
    pub async fn find_user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<LiveUser>, PanelError> {
        let d = self.ensure_dialect().await?;
        let mut query = self.user_query(d);
        query.push(q("filter[username]", username));
        let us: Vec<UserAttributes> = self.list_all(&["users"], query).await?;
        let want = username.trim().to_lowercase();
        Ok(us
            .iter()
            .find(|u| u.username.to_lowercase() == want)
            .map(UserAttributes::to_live))
    }

    /// With all allocation ids (`include=allocations`).
    pub async fn get_server(&self, id: u64) -> Result<LiveServer, PanelError> {
        let s: ServerAttributes = self
            .get_item(
                &["servers", &id.to_string()],
                vec![q("include", "allocations")],
            )
            .await?;
        Ok(s.to_live())
    }

    pub async fn list_servers(&self) -> Result<Vec<LiveServer>, PanelError> {
        Ok(self
            .list_servers_raw()
            .await?
            .iter()
            .map(ServerAttributes::to_live)
            .collect())
    }

    /// The server with this external id, `None` when there is none.
    pub async fn find_server_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Option<LiveServer>, PanelError> {
        let r: Result<ServerAttributes, _> = self
            .get_item(
                &["servers", "external", external_id],
                vec![q("include", "allocations")],
            )
            .await;
        match r {
            Ok(s) => Ok(Some(s.to_live())),
            Err(e @ PanelError::NotFound { .. }) if e.is_route_not_found() => Err(e),
            Err(PanelError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every egg with its variables (PT through nests, PL at the top level).
    pub async fn list_eggs(&self) -> Result<Vec<LiveEgg>, PanelError> {
        match self.ensure_dialect().await? {
            Dialect::Pelican => Ok(self
                .list_eggs_raw()
                .await?
                .iter()
                .map(EggAttributes::to_live)
                .collect()),
            Dialect::Pterodactyl => {
                let nests: Vec<NestAttributes> = self
                    .list_all(&["nests"], vec![q("include", "eggs.variables")])
                    .await?;
                let mut out = Vec::new();
                for nest in &nests {
                    for egg in required_list(nest.relationships.eggs.as_ref(), "eggs", "/nests")? {
                        out.push(egg.to_live());
                    }
                }
                Ok(out)
            }
        }
    }

    /// Pterodactyl only.
    pub async fn list_nests(&self) -> Result<Vec<LiveNest>, PanelError> {
        let d = self.ensure_dialect().await?;
        self.require(d, Dialect::Pterodactyl, "nests")?;
        let nests: Vec<NestAttributes> = self.list_all(&["nests"], Vec::new()).await?;
        Ok(nests.iter().map(NestAttributes::to_live).collect())
    }

    /// Pelican only.
    pub async fn list_roles(&self) -> Result<Vec<LiveRole>, PanelError> {
        let d = self.ensure_dialect().await?;
        self.require(d, Dialect::Pelican, "roles")?;
        let roles: Vec<RoleAttributes> = self.list_all(&["roles"], Vec::new()).await?;
        Ok(roles.iter().filter_map(RoleAttributes::to_live).collect())
    }

    // -----------------------------------------------------------------------------------------
    // Locations (PT only)
    // -----------------------------------------------------------------------------------------

    pub async fn create_location(&self, body: &LocationBody) -> Result<LiveLocation, PanelError> {
        let d = self.ensure_dialect().await?;
        self.require(d, Dialect::Pterodactyl, "locations")?;
        let l: LocationAttributes = self
            .write_item(
                Method::POST,
                &["locations"],
                Vec::new(),
                body,
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(l.to_live())
    }

    pub async fn update_location(
        &self,
        id: u64,
        body: &LocationBody,
    ) -> Result<LiveLocation, PanelError> {
        let d = self.ensure_dialect().await?;
        self.require(d, Dialect::Pterodactyl, "locations")?;
        let l: LocationAttributes = self
            .write_item(
                Method::PATCH,
                &["locations", &id.to_string()],
                Vec::new(),
                body,
                Idempotency::Idempotent,
            )
            .await?;
        Ok(l.to_live())
    }

    pub async fn delete_location(&self, id: u64) -> Result<(), PanelError> {
        let d = self.ensure_dialect().await?;
        self.require(d, Dialect::Pterodactyl, "locations")?;
        self.write_empty::<()>(
            Method::DELETE,
            &["locations", &id.to_string()],
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Nodes
    // -----------------------------------------------------------------------------------------

    pub async fn create_node(&self, body: &NodeBody) -> Result<LiveNode, PanelError> {
        let n: NodeAttributes = self
            .write_item(
                Method::POST,
                &["nodes"],
                Vec::new(),
                body,
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(n.to_live())
    }

    /// Full replacement. PL answers 200 with the *pre-update* node when it could not reach
    /// Wings (the change may or may not have been kept), so on a mismatch the node is re-read.
    pub async fn update_node(&self, id: u64, body: &NodeBody) -> Result<LiveNode, PanelError> {
        let n: NodeAttributes = self
            .write_item(
                Method::PATCH,
                &["nodes", &id.to_string()],
                Vec::new(),
                body,
                Idempotency::Idempotent,
            )
            .await?;
        let live = n.to_live();
        if node_reflects(&live, body) {
            Ok(live)
        } else {
            self.get_node(id).await
        }
    }

    /// Fails with [`PanelError::Conflict`] (`HasActiveServersException`) while servers remain.
    /// The node's allocations go with it.
    pub async fn delete_node(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::DELETE,
            &["nodes", &id.to_string()],
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Allocations
    // -----------------------------------------------------------------------------------------

    /// Creates allocations (204, nothing returned: list them afterwards). Not retried after an
    /// unknown outcome: PL answers a duplicate with 500.
    pub async fn create_allocations(
        &self,
        node_id: u64,
        body: &AllocationBody,
    ) -> Result<(), PanelError> {
        self.write_empty(
            Method::POST,
            &["nodes", &node_id.to_string(), "allocations"],
            Some(body),
            Idempotency::NonIdempotent,
        )
        .await
    }

    /// Fails with [`PanelError::Conflict`] (`ServerUsingAllocationException`) while assigned.
    pub async fn delete_allocation(
        &self,
        node_id: u64,
        allocation_id: u64,
    ) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::DELETE,
            &[
                "nodes",
                &node_id.to_string(),
                "allocations",
                &allocation_id.to_string(),
            ],
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Users
    // -----------------------------------------------------------------------------------------

    pub async fn create_user(&self, body: &UserBody) -> Result<LiveUser, PanelError> {
        let d = self.ensure_dialect().await?;
        let u: UserAttributes = self
            .write_item(
                Method::POST,
                &["users"],
                self.user_query(d),
                body,
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(u.to_live())
    }

    pub async fn update_user(&self, id: u64, body: &UserBody) -> Result<LiveUser, PanelError> {
        let d = self.ensure_dialect().await?;
        let u: UserAttributes = self
            .write_item(
                Method::PATCH,
                &["users", &id.to_string()],
                self.user_query(d),
                body,
                Idempotency::Idempotent,
            )
            .await?;
        Ok(u.to_live())
    }

    /// Fails with [`PanelError::Conflict`] while the user owns servers; PL also refuses the key's
    /// own user (400) and Root Admins ([`PanelError::Forbidden`]).
    pub async fn delete_user(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::DELETE,
            &["users", &id.to_string()],
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    /// Pelican only. Assigning a held role is a no-op, so this is safe to retry.
    pub async fn assign_roles(&self, user_id: u64, roles: &[u64]) -> Result<LiveUser, PanelError> {
        self.change_roles(user_id, roles, "assign").await
    }

    /// Pelican only.
    pub async fn remove_roles(&self, user_id: u64, roles: &[u64]) -> Result<LiveUser, PanelError> {
        self.change_roles(user_id, roles, "remove").await
    }

    async fn change_roles(
        &self,
        user_id: u64,
        roles: &[u64],
        action: &str,
    ) -> Result<LiveUser, PanelError> {
        let d = self.ensure_dialect().await?;
        self.require(d, Dialect::Pelican, "user roles")?;
        let body = RolesBody {
            roles: roles.to_vec(),
        };
        let u: UserAttributes = self
            .write_item(
                Method::PATCH,
                &["users", &user_id.to_string(), "roles", action],
                vec![q("include", "roles")],
                &body,
                Idempotency::Idempotent,
            )
            .await?;
        Ok(u.to_live())
    }

    // -----------------------------------------------------------------------------------------
    // Servers
    // -----------------------------------------------------------------------------------------

    /// Creates a server. Never re-sent after an unknown outcome ([`PanelError::Ambiguous`]):
    /// find it by external id before trying again.
    pub async fn create_server(&self, body: &ServerCreateBody) -> Result<LiveServer, PanelError> {
        let s: ServerAttributes = self
            .write_item(
                Method::POST,
                &["servers"],
                vec![q("include", "allocations")],
                body,
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(s.to_live())
    }

    pub async fn update_server_details(
        &self,
        id: u64,
        body: &ServerDetailsBody,
    ) -> Result<LiveServer, PanelError> {
        self.patch_server(id, "details", body).await
    }

    pub async fn update_server_build(
        &self,
        id: u64,
        body: &ServerBuildBody,
    ) -> Result<LiveServer, PanelError> {
        self.patch_server(id, "build", body).await
    }

    pub async fn update_server_startup(
        &self,
        id: u64,
        body: &ServerStartupBody,
    ) -> Result<LiveServer, PanelError> {
        self.patch_server(id, "startup", body).await
    }

    async fn patch_server<B: Serialize>(
        &self,
        id: u64,
        what: &str,
        body: &B,
    ) -> Result<LiveServer, PanelError> {
        let s: ServerAttributes = self
            .write_item(
                Method::PATCH,
                &["servers", &id.to_string(), what],
                vec![q("include", "allocations")],
                body,
                Idempotency::Idempotent,
            )
            .await?;
        Ok(s.to_live())
    }

    /// Retried like an idempotent call: the panel answers 204 without acting when the server is
    /// already suspended, so a repeat cannot do anything twice.
    pub async fn suspend_server(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::POST,
            &["servers", &id.to_string(), "suspend"],
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    /// Retried like an idempotent call, as [`PanelClient::suspend_server`].
    pub async fn unsuspend_server(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::POST,
            &["servers", &id.to_string(), "unsuspend"],
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    /// Not retried after an unknown outcome: a second reinstall would wipe and install again.
    pub async fn reinstall_server(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::POST,
            &["servers", &id.to_string(), "reinstall"],
            None,
            Idempotency::NonIdempotent,
        )
        .await
    }

    /// `force` continues even when Wings (or a database host) cannot be reached.
    pub async fn delete_server(&self, id: u64, force: bool) -> Result<(), PanelError> {
        let id = id.to_string();
        let segments: Vec<&str> = if force {
            vec!["servers", &id, "force"]
        } else {
            vec!["servers", &id]
        };
        self.write_empty::<()>(Method::DELETE, &segments, None, Idempotency::Idempotent)
            .await
    }
}

/// Whether a node returned by a PATCH shows the values that were sent (PL returns the old node
/// when the Wings update failed). `fqdn` is not compared: PL shows the new one either way.
fn node_reflects(n: &LiveNode, b: &NodeBody) -> bool {
    n.name == b.name
        && n.scheme == b.scheme
        && n.public == b.public
        && n.behind_proxy == b.behind_proxy
        && n.maintenance_mode == b.maintenance_mode
        && n.memory == b.memory
        && n.memory_overallocate == b.memory_overallocate
        && n.disk == b.disk
        && n.disk_overallocate == b.disk_overallocate
        && n.upload_size == b.upload_size
        && n.daemon_listen == b.daemon_listen
        && n.daemon_sftp == b.daemon_sftp
        && n.daemon_base == b.daemon_base
}
