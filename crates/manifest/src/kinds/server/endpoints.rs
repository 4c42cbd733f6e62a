//! A server's allocations: `"IP:PORT"` or a bare port, resolved against its node's declared
//! allocations, each claimed by one server.

use super::AllocSpec;
use super::build::ServerContext;
use crate::diag::Problem;
use crate::value::Sp;
use roost_model::{AllocationKey, Endpoint};
use std::net::IpAddr;

/// The endpoint `spec` names on `node`, claimed for server `key`; `None` after reporting why
/// not.
pub(super) fn resolve(
    key: &str,
    spec: &Sp<AllocSpec>,
    node: &Sp<String>,
    cx: &mut ServerContext,
    problems: &mut Vec<Problem>,
) -> Option<Endpoint> {
    let ep = match spec.v {
        AllocSpec::Full(ip, port) => Endpoint { ip, port },
        AllocSpec::Port(port) => bare_port(port, spec, node, cx, problems)?,
    };
    let k = AllocationKey {
        node: node.v.clone(),
        ip: ep.ip,
        port: ep.port,
    };
    if !cx.desired.allocations.contains_key(&k) {
        problems.push(not_on_node(ep, spec, node, cx));
        return None;
    }
    if let Some((other, first)) = cx.claimed.get(&k) {
        let p = Problem::new(
            "roost::allocation-claimed-twice",
            format!("allocation {ep} is claimed by servers `{other}` and `{key}`"),
            spec.span,
            format!("also claimed by `{other}`"),
        )
        .help("an allocation belongs to one server; give one of them another port");
        problems.push(if first.file == spec.span.file {
            p.label(*first, format!("claimed by `{other}`"))
        } else {
            p.related(Problem::new(
                "roost::allocation-claimed-twice",
                format!("`{other}` claims it here"),
                *first,
                "first claim",
            ))
        });
        return None;
    }
    cx.claimed.insert(k, (key.to_string(), spec.span));
    Some(ep)
}

/// A bare port: the one IP of the node that declares it.
fn bare_port(
    port: u16,
    spec: &Sp<AllocSpec>,
    node: &Sp<String>,
    cx: &ServerContext,
    problems: &mut Vec<Problem>,
) -> Option<Endpoint> {
    let node_ips = cx
        .ips_by_node
        .get(node.v.as_str())
        .cloned()
        .unwrap_or_default();
    let with_port: Vec<IpAddr> = node_ips
        .iter()
        .copied()
        .filter(|ip| {
            cx.desired.allocations.contains_key(&AllocationKey {
                node: node.v.clone(),
                ip: *ip,
                port,
            })
        })
        .collect();
    match with_port.as_slice() {
        [ip] => Some(Endpoint { ip: *ip, port }),
        [] => {
            problems.push(Problem::new("roost::undefined-reference", format!("node `{}` declares no allocation with port {port}", node.v), spec.span, "no such allocation").label(node.span, "on this node").help(format!("add the port to the node's `allocations`, e.g. allocations \"10.0.0.5\" {port}")));
            None
        }
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|ip| Endpoint { ip: *ip, port }.to_string())
                .collect();
            problems.push(
                Problem::new(
                    "roost::ambiguous-allocation",
                    format!("port {port} exists on several IPs of node `{}`", node.v),
                    spec.span,
                    "which IP?",
                )
                .help(format!(
                    "write the full address: one of {}",
                    list.join(", ")
                )),
            );
            None
        }
    }
}

/// An endpoint the server's node does not declare: on another node, or on none.
fn not_on_node(ep: Endpoint, spec: &Sp<AllocSpec>, node: &Sp<String>, cx: &ServerContext) -> Problem {
    let elsewhere: Vec<&str> = cx
        .desired
        .allocations
        .keys()
        .filter(|o| o.ip == ep.ip && o.port == ep.port)
        .map(|o| o.node.as_str())
        .collect();
    if let Some(other) = elsewhere.first() {
        Problem::new(
            "roost::allocation-not-on-node",
            format!(
                "allocation {ep} belongs to node `{other}`, not to the server's node `{}`",
                node.v
            ),
            spec.span,
            format!("on node `{other}`"),
        )
        .label(node.span, "the server's node")
        .help(format!(
            "move the server to node `{other}`, or use an allocation of `{}`",
            node.v
        ))
    } else {
        Problem::new(
            "roost::undefined-reference",
            format!("allocation {ep} is not declared on node `{}`", node.v),
            spec.span,
            "no such allocation",
        )
        .label(node.span, "the server's node")
        .help(format!(
            "add it to the node: allocations \"{}\" {}",
            ep.ip, ep.port
        ))
    }
}
