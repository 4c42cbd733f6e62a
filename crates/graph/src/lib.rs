//! The dependency graph of a fleet: locations → nodes → allocations → servers, users → servers,
//! plus explicit `depends-on`. Creates and updates run in topological order; deletes in reverse.

use petgraph::algo::{kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use roost_model::{Address, Desired, Kind};
use std::collections::HashMap;
use std::fmt::Write;

mod fast_hash;

/// Why one resource depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// Structural: a node's location, an allocation's node, a server's node/owner/allocation.
    Requires,
    /// Declared with `depends-on`.
    DependsOn,
}

/// A DAG over resource addresses. An edge `a → b` means `a` must exist before `b`.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    graph: DiGraph<Address, EdgeKind>,
    /// The graph of a large fleet hashes an address for every edge: a fast hash (see
    /// [`fast_hash`]), since SipHash's resistance to chosen keys buys nothing for the
    /// manifests' own names.
    index: HashMap<Address, NodeIndex, fast_hash::Build>,
}

/// The graph has a cycle: the addresses on it, in order, the first repeated at the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dependency cycle: {}", .cycle.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" -> "))]
pub struct CycleError {
    pub cycle: Vec<Address>,
}

impl Graph {
    /// Build the graph of a desired state. References that do not resolve were already rejected
    /// by the manifest loader; here they are skipped.
    pub fn from_desired(d: &Desired) -> Graph {
        let mut g = Graph::default();
        for addr in d.addresses() {
            g.add(addr);
        }
        for (name, node) in &d.nodes {
            if let Some(loc) = &node.location {
                g.edge(
                    &Address::new(Kind::Location, loc),
                    &Address::new(Kind::Node, name),
                    EdgeKind::Requires,
                );
            }
        }
        for key in d.allocations.keys() {
            g.edge(
                &Address::new(Kind::Node, &key.node),
                &key.address(),
                EdgeKind::Requires,
            );
        }
        let user_by_email: std::collections::HashMap<String, &String> = d
            .users
            .iter()
            .map(|(key, u)| (u.email.to_lowercase(), key))
            .collect();
        for (name, s) in &d.servers {
            let me = Address::new(Kind::Server, name);
            g.edge(&Address::new(Kind::User, &s.owner), &me, EdgeKind::Requires);
            g.edge(&Address::new(Kind::Node, &s.node), &me, EdgeKind::Requires);
            for ep in s.allocation.iter().chain(&s.additional_allocations) {
                g.edge(
                    &Address::allocation(&s.node, ep.ip, ep.port),
                    &me,
                    EdgeKind::Requires,
                );
            }
            for dep in &s.depends_on {
                g.edge(dep, &me, EdgeKind::DependsOn);
            }
            for db in s.databases.keys() {
                g.edge(
                    &me,
                    &Address::child(&me, Kind::Database, db),
                    EdgeKind::Requires,
                );
            }
            for name in s.subusers.keys() {
                let subuser = Address::child(&me, Kind::Subuser, name);
                g.edge(&me, &subuser, EdgeKind::Requires);
                // A subuser who is a declared user is invited after that user exists: invited
                // first, the panel would make an account of its own with the address.
                if let Some(user) = user_by_email.get(name.to_lowercase().as_str()) {
                    g.edge(
                        &Address::new(Kind::User, user.as_str()),
                        &subuser,
                        EdgeKind::Requires,
                    );
                }
            }
            for name in s.schedules.keys() {
                g.edge(
                    &me,
                    &Address::child(&me, Kind::Schedule, name),
                    EdgeKind::Requires,
                );
            }
            // A restart after the server's file writes (`restart-on-change`) waits for all.
            let restart = Address::child(&me, Kind::File, "/");
            let restarts = s.files.values().any(|f| f.restart_on_change);
            if restarts {
                g.add(restart.clone());
            }
            for path in s.files.keys() {
                let file = Address::child(&me, Kind::File, path);
                g.edge(&me, &file, EdgeKind::Requires);
                if restarts {
                    g.edge(&file, &restart, EdgeKind::Requires);
                }
            }
        }
        g
    }

    /// Add a resource (idempotent).
    pub fn add(&mut self, addr: Address) -> NodeIndex {
        if let Some(i) = self.index.get(&addr) {
            return *i;
        }
        let i = self.graph.add_node(addr.clone());
        self.index.insert(addr, i);
        i
    }

    /// `before` must exist before `after`. Edges to unknown addresses are ignored.
    pub fn edge(&mut self, before: &Address, after: &Address, kind: EdgeKind) {
        if let (Some(&a), Some(&b)) = (self.index.get(before), self.index.get(after)) {
            self.graph.update_edge(a, b, kind);
        }
    }

    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    pub fn contains(&self, addr: &Address) -> bool {
        self.index.contains_key(addr)
    }

    /// What `addr` directly depends on.
    pub fn dependencies(&self, addr: &Address) -> Vec<&Address> {
        self.neighbors(addr, petgraph::Direction::Incoming)
    }

    /// What directly depends on `addr`.
    pub fn dependents(&self, addr: &Address) -> Vec<&Address> {
        self.neighbors(addr, petgraph::Direction::Outgoing)
    }

    fn neighbors(&self, addr: &Address, dir: petgraph::Direction) -> Vec<&Address> {
        let Some(&i) = self.index.get(addr) else {
            return Vec::new();
        };
        let mut v: Vec<&Address> = self
            .graph
            .neighbors_directed(i, dir)
            .map(|n| &self.graph[n])
            .collect();
        v.sort();
        v
    }

    /// Everything `roots` depend on, transitively, the roots included.
    pub fn closure_of(&self, roots: &[Address]) -> Vec<Address> {
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<NodeIndex> = roots
            .iter()
            .filter_map(|a| self.index.get(a).copied())
            .collect();
        while let Some(i) = stack.pop() {
            if seen.insert(i) {
                stack.extend(
                    self.graph
                        .neighbors_directed(i, petgraph::Direction::Incoming),
                );
            }
        }
        let mut out: Vec<Address> = seen.into_iter().map(|i| self.graph[i].clone()).collect();
        out.sort();
        out
    }

    /// Creation order: every resource after everything it depends on. Ties are broken by kind,
    /// then name, so the order is stable.
    pub fn create_order(&self) -> Result<Vec<Address>, CycleError> {
        if let Err(cycle) = toposort(&self.graph, None) {
            return Err(self.find_cycle(cycle.node_id()));
        }
        // Kahn's algorithm with a sorted ready set, for a deterministic order.
        let mut indegree: Vec<usize> = self
            .graph
            .node_indices()
            .map(|i| {
                self.graph
                    .neighbors_directed(i, petgraph::Direction::Incoming)
                    .count()
            })
            .collect();
        let mut ready: std::collections::BTreeSet<(Kind, &str, NodeIndex)> = self
            .graph
            .node_indices()
            .filter(|i| indegree[i.index()] == 0)
            .map(|i| (self.graph[i].kind, self.graph[i].name.as_str(), i))
            .collect();
        let mut out = Vec::with_capacity(self.graph.node_count());
        while let Some(first) = ready.pop_first() {
            let i = first.2;
            out.push(self.graph[i].clone());
            for n in self
                .graph
                .neighbors_directed(i, petgraph::Direction::Outgoing)
            {
                indegree[n.index()] -= 1;
                if indegree[n.index()] == 0 {
                    ready.insert((self.graph[n].kind, self.graph[n].name.as_str(), n));
                }
            }
        }
        Ok(out)
    }

    /// Deletion order: the reverse of creation order.
    pub fn delete_order(&self) -> Result<Vec<Address>, CycleError> {
        let mut v = self.create_order()?;
        v.reverse();
        Ok(v)
    }

    fn find_cycle(&self, start: NodeIndex) -> CycleError {
        // The strongly connected component holding `start` contains a cycle; walk it.
        let scc = kosaraju_scc(&self.graph)
            .into_iter()
            .find(|c| c.contains(&start))
            .unwrap_or_else(|| vec![start]);
        let members: std::collections::HashSet<NodeIndex> = scc.iter().copied().collect();
        let first = *scc
            .iter()
            .min_by_key(|i| &self.graph[**i])
            .unwrap_or(&start);
        let mut path = vec![first];
        let mut seen = std::collections::HashSet::from([first]);
        let mut cur = first;
        loop {
            let mut next: Vec<NodeIndex> = self
                .graph
                .neighbors_directed(cur, petgraph::Direction::Outgoing)
                .filter(|n| members.contains(n))
                .collect();
            next.sort_by_key(|n| &self.graph[*n]);
            let Some(&n) = next
                .iter()
                .find(|n| **n == first || !seen.contains(n))
                .or(next.first())
            else {
                break;
            };
            path.push(n);
            if n == first || !seen.insert(n) {
                break;
            }
            cur = n;
        }
        CycleError {
            cycle: path.into_iter().map(|i| self.graph[i].clone()).collect(),
        }
    }

    fn sorted_edges(&self) -> Vec<(&Address, &Address, EdgeKind)> {
        let mut edges: Vec<_> = self
            .graph
            .edge_indices()
            .filter_map(|e| {
                self.graph
                    .edge_endpoints(e)
                    .map(|(a, b)| (&self.graph[a], &self.graph[b], self.graph[e]))
            })
            .collect();
        edges.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
        edges
    }

    fn sorted_nodes(&self) -> Vec<&Address> {
        let mut v: Vec<&Address> = self.graph.node_weights().collect();
        v.sort();
        v
    }

    /// Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let mut o = String::from(
            "digraph roost {\n    rankdir=LR;\n    node [shape=box, fontname=\"monospace\"];\n",
        );
        for a in self.sorted_nodes() {
            let shape = match a.kind {
                Kind::Location => "folder",
                Kind::Node => "box3d",
                Kind::Allocation => "cds",
                Kind::User => "ellipse",
                Kind::Server => "box",
                Kind::Database => "cylinder",
                Kind::Schedule => "note",
                Kind::Subuser => "component",
                Kind::File => "tab",
            };
            let _ = writeln!(o, "    {} [shape={shape}];", dot_id(a));
        }
        for (a, b, kind) in self.sorted_edges() {
            let style = if kind == EdgeKind::DependsOn {
                " [style=dashed, label=\"depends-on\"]"
            } else {
                ""
            };
            let _ = writeln!(o, "    {} -> {}{style};", dot_id(a), dot_id(b));
        }
        o.push_str("}\n");
        o
    }

    /// Mermaid flowchart.
    pub fn to_mermaid(&self) -> String {
        let mut o = String::from("flowchart LR\n");
        let ids: HashMap<&Address, String> = self
            .sorted_nodes()
            .into_iter()
            .enumerate()
            .map(|(i, a)| (a, format!("n{i}")))
            .collect();
        for a in self.sorted_nodes() {
            let label = a.to_string().replace('"', "#quot;");
            let _ = writeln!(o, "    {}[\"{label}\"]", ids[a]);
        }
        for (a, b, kind) in self.sorted_edges() {
            let arrow = if kind == EdgeKind::DependsOn {
                "-. depends-on .->"
            } else {
                "-->"
            };
            let _ = writeln!(o, "    {} {arrow} {}", ids[a], ids[b]);
        }
        o
    }
}

fn dot_id(a: &Address) -> String {
    format!(
        "\"{}\"",
        a.to_string().replace('\\', "\\\\").replace('"', "\\\"")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> Address {
        s.parse().unwrap()
    }

    #[test]
    fn create_order_respects_edges_and_is_stable() {
        let mut g = Graph::default();
        for a in ["server.b", "server.a", "node.n", "location.l", "user.u"] {
            g.add(addr(a));
        }
        g.edge(&addr("location.l"), &addr("node.n"), EdgeKind::Requires);
        g.edge(&addr("node.n"), &addr("server.a"), EdgeKind::Requires);
        g.edge(&addr("user.u"), &addr("server.a"), EdgeKind::Requires);
        g.edge(&addr("server.b"), &addr("server.a"), EdgeKind::DependsOn);
        let order: Vec<String> = g
            .create_order()
            .unwrap()
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(
            order,
            ["location.l", "node.n", "user.u", "server.b", "server.a"]
        );
        let del: Vec<String> = g
            .delete_order()
            .unwrap()
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(del.first().map(String::as_str), Some("server.a"));
    }

    #[test]
    fn cycles_are_reported_with_their_path() {
        let mut g = Graph::default();
        for a in ["server.a", "server.b", "server.c"] {
            g.add(addr(a));
        }
        g.edge(&addr("server.a"), &addr("server.b"), EdgeKind::DependsOn);
        g.edge(&addr("server.b"), &addr("server.c"), EdgeKind::DependsOn);
        g.edge(&addr("server.c"), &addr("server.a"), EdgeKind::DependsOn);
        let err = g.create_order().unwrap_err();
        assert_eq!(
            err.to_string(),
            "dependency cycle: server.a -> server.b -> server.c -> server.a"
        );
    }

    #[test]
    fn closure_includes_transitive_dependencies() {
        let mut g = Graph::default();
        for a in ["location.l", "node.n", "server.s", "server.t"] {
            g.add(addr(a));
        }
        g.edge(&addr("location.l"), &addr("node.n"), EdgeKind::Requires);
        g.edge(&addr("node.n"), &addr("server.s"), EdgeKind::Requires);
        let c: Vec<String> = g
            .closure_of(&[addr("server.s")])
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(c, ["location.l", "node.n", "server.s"]);
    }
}
