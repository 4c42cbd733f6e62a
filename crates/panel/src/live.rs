//! The whole live state in as few requests as the API allows: one listing per kind, all kinds
//! concurrently; what a listing can bring along (allocations with nodes, eggs with variables,
//! allocation ids and databases with servers) comes with it.

use crate::client::PanelClient;
use crate::error::PanelError;
use crate::kinds::egg::{EggAttributes, eggs_of_nests};
use crate::kinds::location::LocationAttributes;
use crate::kinds::server::ListedServer;
use crate::kinds::user::RoleAttributes;
use crate::wire::DatabaseHostAttributes;
use roost_model::{Desired, Dialect, Live, LiveAllocation, LiveNode, LiveUser};
use std::collections::HashMap;

/// The listings both dialects have, already in live types, whose items need each other
/// (allocation holders are named by the servers). Each page is converted as it arrives
/// (`list_all_into`): the bodies and wire types of a large panel are never all held at once.
type Shared = (
    Vec<(LiveNode, Vec<LiveAllocation>)>,
    Vec<LiveUser>,
    Vec<ListedServer>,
);

/// How many objects of each listing that can run to many pages the caller expects the panel
/// to hold: the manifests' counts, for `plan`, `apply` and `drift`. A listing's pages are
/// normally learnt from its page 1; with an expectation, the pages it fills are requested
/// together with page 1, so a fleet of two pages per kind is read in the time of one. Only a
/// hint: a panel holding more is read to its end, one holding fewer answers the pages past
/// its end with empty pages (one request each, at most four per listing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpectedCounts {
    pub locations: u64,
    pub nodes: u64,
    pub users: u64,
    pub servers: u64,
}

impl ExpectedCounts {
    /// What the manifests declare.
    pub fn of(desired: &Desired) -> Self {
        let n = |len: usize| len as u64;
        ExpectedCounts {
            locations: n(desired.locations.len()),
            nodes: n(desired.nodes.len()),
            users: n(desired.users.len()),
            servers: n(desired.servers.len()),
        }
    }
}

impl PanelClient {
    /// Reads everything roost manages, in as few requests as the API allows: one listing per
    /// kind (more only past [`crate::DEFAULT_PAGE_SIZE`]-sized pages), all kinds concurrently.
    /// Allocations come with their nodes, eggs with their variables (PT through
    /// `/nests?include=eggs.variables`), allocation holders and server databases from the
    /// servers' side; Pelican's database hosts are one more listing (PT's API has none).
    /// The first call also detects or verifies the dialect (one more request).
    pub async fn read_live(&self) -> Result<Live, PanelError> {
        self.read_live_expecting(ExpectedCounts::default()).await
    }

    /// [`PanelClient::read_live`], the pages `expected` fills requested at once.
    pub async fn read_live_expecting(&self, expected: ExpectedCounts) -> Result<Live, PanelError> {
        let dialect = self.ensure_dialect().await?;
        let mut live = Live::empty(dialect);
        let (nodes, users, servers) = match dialect {
            Dialect::Pterodactyl => self.read_pterodactyl(&mut live, expected).await?,
            Dialect::Pelican => self.read_pelican(&mut live, expected).await?,
        };
        live.users = users;
        let databases = &mut live.databases;
        // Collected in place: the listing's buffer becomes the servers' (no second copy).
        live.servers = servers
            .into_iter()
            .map(|s| {
                databases.extend(s.databases);
                s.server
            })
            .collect();
        (live.nodes, live.allocations) = allocations(nodes, &live.servers);
        Ok(live)
    }

    /// Locations, nests with eggs, and the shared listings.
    async fn read_pterodactyl(
        &self,
        live: &mut Live,
        expected: ExpectedCounts,
    ) -> Result<Shared, PanelError> {
        let (locations, nodes, users, servers, nests) = tokio::try_join!(
            self.list_locations_raw(expected.locations),
            self.list_nodes_with_allocations(expected.nodes),
            self.list_users_for_live(expected.users),
            self.list_servers_with_databases(expected.servers),
            self.list_nests_with_eggs(),
        )?;
        live.locations = locations.iter().map(LocationAttributes::to_live).collect();
        live.nests = nests.iter().map(|n| n.to_live()).collect();
        live.eggs = eggs_of_nests(&nests)?;
        Ok((nodes, users, servers))
    }

    /// Eggs, roles, database hosts, and the shared listings.
    async fn read_pelican(
        &self,
        live: &mut Live,
        expected: ExpectedCounts,
    ) -> Result<Shared, PanelError> {
        let (nodes, users, servers, eggs, roles, hosts) = tokio::try_join!(
            self.list_nodes_with_allocations(expected.nodes),
            self.list_users_for_live(expected.users),
            self.list_servers_with_databases(expected.servers),
            self.list_eggs_raw(),
            self.list_roles_raw(),
            self.list_database_hosts_raw(),
        )?;
        live.eggs = eggs.iter().map(EggAttributes::to_live).collect();
        live.roles = roles.iter().filter_map(RoleAttributes::to_live).collect();
        live.database_hosts = hosts.iter().map(DatabaseHostAttributes::to_live).collect();
        Ok((nodes, users, servers))
    }
}

/// The nodes, and every allocation of every node with its holder. The allocation object does
/// not name its server; the servers' includes do (and a server's primary allocation is its own
/// even when the include left it out).
fn allocations(
    nodes: Vec<(LiveNode, Vec<LiveAllocation>)>,
    servers: &[roost_model::LiveServer],
) -> (Vec<LiveNode>, Vec<LiveAllocation>) {
    let held: usize = servers.iter().map(|s| s.allocations.len()).sum();
    let mut holder: HashMap<u64, u64> = HashMap::with_capacity(held);
    for s in servers {
        for &a in &s.allocations {
            if Some(a) == s.allocation {
                holder.entry(a).or_insert(s.id);
            } else {
                holder.insert(a, s.id);
            }
        }
    }
    let count = nodes.iter().map(|(_, a)| a.len()).sum();
    let mut out = Vec::with_capacity(count);
    let mut live_nodes = Vec::with_capacity(nodes.len());
    for (node, allocs) in nodes {
        live_nodes.push(node);
        for mut a in allocs {
            a.server_id = holder.get(&a.id).copied();
            out.push(a);
        }
    }
    (live_nodes, out)
}
