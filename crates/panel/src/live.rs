//! The whole live state in as few requests as the API allows: one listing per kind, all kinds
//! concurrently; what a listing can bring along (allocations with nodes, eggs with variables,
//! allocation ids and databases with servers) comes with it.

use crate::client::PanelClient;
use crate::endpoint::required_list;
use crate::error::PanelError;
use crate::kinds::egg::{EggAttributes, eggs_of_nests};
use crate::kinds::location::LocationAttributes;
use crate::kinds::node::NodeAttributes;
use crate::kinds::server::ServerAttributes;
use crate::kinds::user::{RoleAttributes, UserAttributes};
use crate::wire::DatabaseHostAttributes;
use roost_model::{Dialect, Live, LiveAllocation, LiveDatabase};
use std::collections::HashMap;

/// The listings both dialects have, whose items need each other (allocation holders are named
/// by the servers).
type Shared = (
    Vec<NodeAttributes>,
    Vec<UserAttributes>,
    Vec<ServerAttributes>,
);

impl PanelClient {
    /// Reads everything roost manages, in as few requests as the API allows: one listing per
    /// kind (more only past [`crate::DEFAULT_PAGE_SIZE`]-sized pages), all kinds concurrently.
    /// Allocations come with their nodes, eggs with their variables (PT through
    /// `/nests?include=eggs.variables`), allocation holders and server databases from the
    /// servers' side; Pelican's database hosts are one more listing (PT's API has none).
    /// The first call also detects or verifies the dialect (one more request).
    pub async fn read_live(&self) -> Result<Live, PanelError> {
        let dialect = self.ensure_dialect().await?;
        let mut live = Live::empty(dialect);
        let (nodes, users, servers) = match dialect {
            Dialect::Pterodactyl => self.read_pterodactyl(&mut live).await?,
            Dialect::Pelican => self.read_pelican(&mut live).await?,
        };
        live.users = users.iter().map(UserAttributes::to_live).collect();
        live.allocations = allocations(&nodes, &servers)?;
        live.nodes = nodes.iter().map(NodeAttributes::to_live).collect();
        live.databases = databases(&servers)?;
        live.servers = servers.iter().map(ServerAttributes::to_live).collect();
        Ok(live)
    }

    /// Locations, nests with eggs, and the shared listings.
    async fn read_pterodactyl(&self, live: &mut Live) -> Result<Shared, PanelError> {
        let (locations, nodes, users, servers, nests) = tokio::try_join!(
            self.list_locations_raw(),
            self.list_nodes_with_allocations(),
            self.list_users_raw(),
            self.list_servers_with_databases(),
            self.list_nests_with_eggs(),
        )?;
        live.locations = locations.iter().map(LocationAttributes::to_live).collect();
        live.nests = nests.iter().map(|n| n.to_live()).collect();
        live.eggs = eggs_of_nests(&nests)?;
        Ok((nodes, users, servers))
    }

    /// Eggs, roles, database hosts, and the shared listings.
    async fn read_pelican(&self, live: &mut Live) -> Result<Shared, PanelError> {
        let (nodes, users, servers, eggs, roles, hosts) = tokio::try_join!(
            self.list_nodes_with_allocations(),
            self.list_users_raw(),
            self.list_servers_with_databases(),
            self.list_eggs_raw(),
            self.list_roles_raw(),
            self.list_database_hosts_raw(),
        )?;
        live.eggs = eggs.iter().map(EggAttributes::to_live).collect();
        live.roles = roles.iter().filter_map(RoleAttributes::to_live).collect();
        live.database_hosts = hosts.iter().map(DatabaseHostAttributes::to_live).collect();
        for u in &users {
            if let Some(r) = &u.relationships.roles {
                required_list(Some(r), "roles", "/users")?;
            }
        }
        Ok((nodes, users, servers))
    }
}

/// Every allocation of every node, with its holder. The allocation object does not name its
/// server; the servers' includes do.
fn allocations(
    nodes: &[NodeAttributes],
    servers: &[ServerAttributes],
) -> Result<Vec<LiveAllocation>, PanelError> {
    let mut holder: HashMap<u64, u64> = HashMap::new();
    for s in servers {
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
    let mut out = Vec::new();
    for n in nodes {
        let allocs = required_list(
            n.relationships.allocations.as_ref(),
            "allocations",
            "/nodes",
        )?;
        for a in allocs {
            let mut la = a.to_live(n.id);
            la.server_id = holder.get(&a.id).copied();
            out.push(la);
        }
    }
    Ok(out)
}

/// Every server's databases, from the servers' `include=databases`. Withheld (the key cannot
/// read server databases) is an error: reading on would plan creating databases that exist.
fn databases(servers: &[ServerAttributes]) -> Result<Vec<LiveDatabase>, PanelError> {
    let mut out = Vec::new();
    for s in servers {
        let dbs = required_list(s.relationships.databases.as_ref(), "databases", "/servers")?;
        out.extend(dbs.into_iter().map(|d| d.to_live(s.id)));
    }
    Ok(out)
}
