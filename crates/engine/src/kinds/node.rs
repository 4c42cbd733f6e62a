//! Nodes.

use crate::context::ApplyCx;
use crate::verify::json;
use crate::{Event, checked, create};
use roost_model::LiveNode;
use roost_panel::{NodeBody, PanelError};
use roost_plan::Change;
use roost_plan::kinds::node::{NodeFields, Op};

fn body(cx: &ApplyCx, f: &NodeFields) -> Result<NodeBody, String> {
    Ok(NodeBody {
        name: f.name.clone(),
        description: f.description.clone(),
        location_id: f.location.as_ref().map(|r| cx.resolve(r)).transpose()?,
        tags: f.tags.clone(),
        fqdn: f.fqdn.clone(),
        scheme: f.scheme.clone(),
        public: f.public,
        behind_proxy: f.behind_proxy,
        maintenance_mode: f.maintenance_mode,
        memory: f.memory,
        memory_overallocate: f.memory_overallocate,
        disk: f.disk,
        disk_overallocate: f.disk_overallocate,
        cpu: f.cpu,
        cpu_overallocate: f.cpu_overallocate,
        upload_size: f.upload_size,
        daemon_listen: f.daemon_listen,
        daemon_sftp: f.daemon_sftp,
        daemon_connect: f.daemon_connect,
        daemon_sftp_alias: f.daemon_sftp_alias.clone(),
        daemon_base: f.daemon_base.clone(),
    })
}

pub(crate) async fn execute(op: &Op, cx: &ApplyCx, change: &Change) -> Result<(), String> {
    match op {
        Op::Create { fields } => {
            let body = body(cx, fields)?;
            let created = create::once(
                cx,
                &change.address,
                || cx.client.create_node(&body),
                || find_after_ambiguous_create(cx, &fields.name),
            )
            .await?;
            cx.set_id(&change.address, created.id);
            Ok(())
        }
        Op::Update { id, set, was } => update(cx, change, *id, &body(cx, set)?, &body(cx, was)?).await,
    }
}

/// `PATCH /nodes/{id}`, checked (`checked.rs`).
async fn update(
    cx: &ApplyCx,
    change: &Change,
    id: u64,
    body: &NodeBody,
    was: &NodeBody,
) -> Result<(), String> {
    let as_body = |n: LiveNode| json(&NodeBody::from_live(&n));
    let write = || async {
        match cx.client.update_node(id, body).await {
            // Pterodactyl saved the node but could not push the new configuration to Wings
            // (400 ConfigurationNotPersistedException): the change is made; say what is left
            // to do rather than fail the run.
            Err(e) if e.code() == Some("ConfigurationNotPersistedException") => {
                cx.reporter.report(Event::Recovered {
                    address: change.address.clone(),
                    note: "saved, but the panel could not update Wings: copy the node's new configuration to the machine (Wings' config.yml) and restart Wings".into(),
                });
                cx.client.get_node(id).await.map(as_body)
            }
            other => other.map(as_body),
        }
    };
    checked::update(cx, change, json(body), json(was), write, || async {
        cx.client.get_node(id).await.map(as_body)
    })
    .await
}

/// The node of that name, if the panel has it.
async fn find_after_ambiguous_create(
    cx: &ApplyCx,
    name: &str,
) -> Result<Option<LiveNode>, PanelError> {
    Ok(cx
        .client
        .list_nodes()
        .await?
        .into_iter()
        .find(|x| x.name == name))
}
