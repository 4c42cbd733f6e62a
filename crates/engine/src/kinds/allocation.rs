//! Allocations: one request creates the ports of a (node, ip, alias) group; the node's listing
//! then says which exist (and their ids), also after an unknown outcome.

use crate::context::ApplyCx;
use crate::run::{failed, gone_is_done};
use crate::Event;
use roost_model::{Address, LiveAllocation};
use roost_panel::{AllocationBody, PanelError};
use roost_plan::Change;
use roost_plan::kinds::allocation::Op;
use std::net::IpAddr;

pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
    match op {
        Op::Create {
            node,
            node_name,
            ip,
            alias,
            ports,
        } => {
            let node = cx.resolve(node)?;
            let group = Group {
                node,
                node_name,
                ip: *ip,
                alias,
            };
            create(cx, change, op, &group, ports).await
        }
        // Created by the request of `with`'s change, which runs first in the same task.
        Op::Batched { with } => match cx.created(&change.address) {
            Some(_) => Ok(()),
            None => Err(format!(
                "to be created by the request of {with}, which did not create it"
            )),
        },
        Op::Delete { node, id } => gone_is_done(op, cx.client.delete_allocation(*node, *id).await),
    }
}

struct Group<'a> {
    node: u64,
    node_name: &'a str,
    ip: IpAddr,
    alias: &'a Option<String>,
}

impl Group<'_> {
    /// Records the ids of the wanted ports the node's listing shows; returns those ports.
    fn record(&self, cx: &ApplyCx, list: &[LiveAllocation], wanted: &[u16]) -> Vec<u16> {
        let mut found = Vec::new();
        for a in list.iter().filter(|a| a.ip_addr() == Some(self.ip)) {
            if wanted.contains(&a.port) {
                cx.set_id(&Address::allocation(self.node_name, self.ip, a.port), a.id);
                found.push(a.port);
            }
        }
        found
    }
}

/// Create every port of the group with one request, then learn the new ids by listing the
/// node's allocations. After an unknown outcome only the ports still missing are sent again.
async fn create(
    cx: &ApplyCx,
    change: &Change,
    op: &Op,
    group: &Group<'_>,
    ports: &[u16],
) -> Result<(), String> {
    let mut missing = ports.to_vec();
    let mut resent = 0u32;
    let request = format!("create {}", change.address);
    loop {
        let body = AllocationBody::new(group.ip.to_string(), group.alias.clone(), &missing);
        let result = cx.client.create_allocations(group.node, &body).await;
        if let Err(e) = result {
            if !matches!(e, PanelError::Ambiguous { .. }) {
                return Err(failed(op, e));
            }
            // Unknown outcome: the listing says which exist now.
            let list = cx
                .client
                .list_node_allocations(group.node)
                .await
                .map_err(|e| failed(op, e))?;
            let found = group.record(cx, &list, &missing);
            missing.retain(|p| !found.contains(p));
            if missing.is_empty() {
                cx.reporter.report(Event::Recovered {
                    address: change.address.clone(),
                    note: "the panel had created the allocations before the error".into(),
                });
                return Ok(());
            }
            let cause = e.to_string();
            if !cx.client.pause_before_resend(resent, &request, &cause).await {
                return Err(format!(
                    "could not create {} allocation(s) after {} attempts: {cause}",
                    missing.len(),
                    resent + 1
                ));
            }
            resent += 1;
            continue;
        }
        let list = cx
            .client
            .list_node_allocations(group.node)
            .await
            .map_err(|e| failed(op, e))?;
        let found = group.record(cx, &list, &missing);
        missing.retain(|p| !found.contains(p));
        if missing.is_empty() {
            return Ok(());
        }
        return Err(format!(
            "the panel accepted the allocations but {} of them are missing afterwards",
            missing.len()
        ));
    }
}
