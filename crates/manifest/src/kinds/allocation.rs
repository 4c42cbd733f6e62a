//! Allocations: `allocations "IP-OR-CIDR" PORT "FROM-TO" ... alias="..."` lines in a node
//! block, expanded into one allocation per (ip, port).

use crate::diag::{Problem, Span};
use crate::parse::{Rules, check_len, no_children};
use crate::print::{Out, port_ranges, q};
use crate::value::{Entries, Reader, Sp, ip_or_cidr, port_range};
use crate::read::KdlNode;
use roost_model::{Allocation, AllocationKey, Desired};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// The properties of an `allocations` line.
pub const FIELDS: &[&str] = &["alias"];

/// One `allocations` line.
#[derive(Debug, Clone)]
pub struct AllocBlock {
    pub ips: Vec<IpAddr>,
    pub ports: Vec<Sp<(u16, u16)>>,
    pub alias: Option<String>,
}

pub fn parse(r: &mut Reader, rules: Rules, child: &KdlNode) -> Option<AllocBlock> {
    no_children(r, child);
    let e = Entries::of(r, child, FIELDS);
    let example = "allocations \"10.0.0.5\" 25565 \"25570-25600\"";
    let Some(first) = e.args.first() else {
        let span = r.span(child.name().span());
        r.push(
            Problem::new(
                "roost::missing-value",
                "`allocations` needs an IP and ports",
                span,
                "values missing",
            )
            .help(format!("write it like this: {example}")),
        );
        return None;
    };
    let ip = r.string(first, example)?;
    let ips = ip_or_cidr(r, &ip, rules.min_cidr_prefix());
    if e.args.len() == 1 {
        let span = r.span(child.name().span());
        r.push(
            Problem::new(
                "roost::missing-value",
                "`allocations` lists no ports",
                span,
                "ports missing",
            )
            .help(format!("write it like this: {example}")),
        );
    }
    let ports: Vec<_> = e.args[1..]
        .iter()
        .filter_map(|p| port_range(r, p, rules.min_port()))
        .collect();
    let alias = match e.prop("alias") {
        Some(a) => {
            let s = r.string(a, "alias=\"play.example.com\"")?;
            let max = if rules.pt() { 191 } else { 255 };
            check_len(r, &s, "an allocation alias", 1, max)?;
            Some(s.v)
        }
        None => None,
    };
    Some(AllocBlock {
        ips: ips?,
        ports,
        alias,
    })
}

/// Expands the nodes' `allocations` lines into the desired allocations, each (ip, port) once
/// per node, and records the IPs each node declares (for resolving a server's bare ports).
pub(crate) struct Expander<'a> {
    /// Where each (node, ip, port) is first declared.
    spans: HashMap<AllocationKey, Span>,
    pub ips_by_node: HashMap<&'a str, Vec<IpAddr>>,
}

impl<'a> Expander<'a> {
    pub fn new() -> Self {
        Expander {
            spans: HashMap::new(),
            ips_by_node: HashMap::new(),
        }
    }

    /// The allocations of node `node`.
    pub fn expand(
        &mut self,
        node: &'a str,
        blocks: &[AllocBlock],
        desired: &mut Desired,
        problems: &mut Vec<Problem>,
    ) {
        for block in blocks {
            for ip in &block.ips {
                let ips = self.ips_by_node.entry(node).or_default();
                if !ips.contains(ip) {
                    ips.push(*ip);
                }
                for range in &block.ports {
                    for port in range.v.0..=range.v.1 {
                        let key = AllocationKey {
                            node: node.to_string(),
                            ip: *ip,
                            port,
                        };
                        if let Some(first) = self.spans.get(&key) {
                            problems.push(declared_twice(node, *ip, port, *first, range.span));
                            continue;
                        }
                        self.spans.insert(key.clone(), range.span);
                        desired.allocations.insert(
                            key,
                            Allocation {
                                node: node.to_string(),
                                ip: *ip,
                                port,
                                alias: block.alias.clone(),
                                origin: range.span.origin(),
                            },
                        );
                    }
                }
            }
        }
    }
}

fn declared_twice(node: &str, ip: IpAddr, port: u16, first: Span, again: Span) -> Problem {
    let p = Problem::new(
        "roost::duplicate",
        format!("allocation {ip}:{port} is declared twice on node `{node}`"),
        again,
        "declared again here",
    )
    .help("each ip:port may appear once per node; remove the overlap");
    if first.file == again.file {
        p.label(first, "first declared here")
    } else {
        p.related(Problem::new(
            "roost::duplicate",
            "first declared here",
            first,
            "first declaration",
        ))
    }
}

/// A node's allocations as `allocations` lines: grouped by (ip, alias), ports collapsed into
/// ranges.
pub(crate) fn print(o: &mut Out, allocations: &[Allocation]) {
    let mut groups: BTreeMap<(IpAddr, Option<String>), Vec<u16>> = BTreeMap::new();
    for a in allocations {
        groups
            .entry((a.ip, a.alias.clone()))
            .or_default()
            .push(a.port);
    }
    for ((ip, alias), ports) in groups {
        let mut line = format!("{} {}", q(&ip.to_string()), port_ranges(&ports).join(" "));
        if let Some(alias) = alias {
            line.push_str(&format!(" alias={}", q(&alias)));
        }
        o.field("allocations", line);
    }
}
