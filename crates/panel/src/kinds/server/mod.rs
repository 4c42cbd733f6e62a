//! Servers: wire types (`wire.rs`), bodies (`body.rs`) and endpoints.

mod body;
mod power;
mod wire;

pub use power::read_power;
pub use body::{
    AllocationSpec, DeploySpec, FeatureLimitsBody, LimitsBody, ServerBuildBody, ServerCreateBody,
    ServerDetailsBody, ServerStartupBody,
};
pub use wire::{
    PANEL_ENV_EXTRAS, ServerAttributes, ServerContainer, ServerFeatureLimits, ServerLimits,
    ServerRelationships,
};

use crate::client::{PanelClient, q};
use crate::endpoint::{required_items, required_list};
use crate::error::PanelError;
use crate::pagination::HasId;
use crate::retry::Idempotency;
use reqwest::Method;
use roost_model::{LiveDatabase, LiveServer, Route, server_routes};
use serde::Serialize;

/// A server of `read_live`'s listing, with the databases that came along with it.
pub(crate) struct ListedServer {
    pub server: LiveServer,
    pub databases: Vec<LiveDatabase>,
}

impl ServerAttributes {
    /// The server and its databases, for `read_live`. Allocation ids or databases withheld
    /// (`null_resource`: the key cannot read them) or not included are an error: reading on
    /// would plan creating what exists.
    pub(crate) fn into_listed(mut self) -> Result<ListedServer, PanelError> {
        required_list(
            self.relationships.allocations.as_ref(),
            "allocations",
            "/servers",
        )?;
        let id = self.id;
        let databases = required_items(
            self.relationships.databases.take(),
            "databases",
            "/servers",
        )?;
        Ok(ListedServer {
            databases: databases.into_iter().map(|d| d.into_live(id)).collect(),
            server: self.into_live(),
        })
    }
}

impl HasId for ServerAttributes {
    fn id(&self) -> Option<u64> {
        Some(self.id)
    }
}

/// The include of every server read but the whole listing: allocation ids.
fn with_allocations() -> Vec<(String, String)> {
    vec![q("include", "allocations")]
}

impl PanelClient {
    /// With all allocation ids (`include=allocations`).
    pub async fn get_server(&self, id: u64) -> Result<LiveServer, PanelError> {
        let s: ServerAttributes = self
            .get_item(server_routes::one(id), with_allocations())
            .await?;
        Ok(s.into_live())
    }

    /// Every server with its allocation ids.
    pub async fn list_servers(&self) -> Result<Vec<LiveServer>, PanelError> {
        self.list_all_into(
            server_routes::list(),
            with_allocations(),
            0,
            |s: ServerAttributes| Ok(s.into_live()),
        )
        .await
    }

    /// Every server with its allocation ids and its databases, for `read_live`: the databases
    /// come in the same pages, at no extra request.
    pub(crate) async fn list_servers_with_databases(
        &self,
        expected: u64,
    ) -> Result<Vec<ListedServer>, PanelError> {
        self.list_all_into(
            server_routes::list(),
            vec![q("include", "allocations,databases")],
            expected,
            ServerAttributes::into_listed,
        )
        .await
    }

    /// The server with this external id, `None` when there is none.
    pub async fn find_server_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Option<LiveServer>, PanelError> {
        let r: Result<ServerAttributes, _> = self
            .get_item(
                server_routes::by_external_id(external_id),
                with_allocations(),
            )
            .await;
        match r {
            Ok(s) => Ok(Some(s.into_live())),
            Err(e @ PanelError::NotFound { .. }) if e.is_route_not_found() => Err(e),
            Err(PanelError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a server. Never re-sent after an unknown outcome ([`PanelError::Ambiguous`]):
    /// find it by external id before trying again.
    pub async fn create_server(&self, body: &ServerCreateBody) -> Result<LiveServer, PanelError> {
        let s: ServerAttributes = self
            .write_item(
                Method::POST,
                server_routes::list(),
                with_allocations(),
                body,
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(s.into_live())
    }

    pub async fn update_server_details(
        &self,
        id: u64,
        body: &ServerDetailsBody,
    ) -> Result<LiveServer, PanelError> {
        self.patch_server(server_routes::details(id), body).await
    }

    pub async fn update_server_build(
        &self,
        id: u64,
        body: &ServerBuildBody,
    ) -> Result<LiveServer, PanelError> {
        self.patch_server(server_routes::build(id), body).await
    }

    pub async fn update_server_startup(
        &self,
        id: u64,
        body: &ServerStartupBody,
    ) -> Result<LiveServer, PanelError> {
        self.patch_server(server_routes::startup(id), body).await
    }

    async fn patch_server<B: Serialize>(
        &self,
        route: Route,
        body: &B,
    ) -> Result<LiveServer, PanelError> {
        let s: ServerAttributes = self
            .write_item(
                Method::PATCH,
                route,
                with_allocations(),
                body,
                Idempotency::Idempotent,
            )
            .await?;
        Ok(s.into_live())
    }

    /// Retried like an idempotent call: the panel answers 204 without acting when the server is
    /// already suspended, so a repeat cannot do anything twice.
    pub async fn suspend_server(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::POST,
            server_routes::suspend(id),
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    /// Retried like an idempotent call, as [`PanelClient::suspend_server`].
    pub async fn unsuspend_server(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::POST,
            server_routes::unsuspend(id),
            None,
            Idempotency::Idempotent,
        )
        .await
    }

    /// Not retried after an unknown outcome: a second reinstall would wipe and install again.
    pub async fn reinstall_server(&self, id: u64) -> Result<(), PanelError> {
        self.write_empty::<()>(
            Method::POST,
            server_routes::reinstall(id),
            None,
            Idempotency::NonIdempotent,
        )
        .await
    }

    /// `force` continues even when Wings (or a database host) cannot be reached.
    pub async fn delete_server(&self, id: u64, force: bool) -> Result<(), PanelError> {
        let route = if force {
            server_routes::force(id)
        } else {
            server_routes::one(id)
        };
        self.write_empty::<()>(Method::DELETE, route, None, Idempotency::Idempotent)
            .await
    }
}
