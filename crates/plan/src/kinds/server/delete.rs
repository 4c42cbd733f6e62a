//! roost's servers that left the manifests (`identity.rs` decides which are deleted): one
//! change each; the others are listed as unmanaged.

use super::{Op, address_of};
use crate::attr::json_of;
use crate::context::PlanCx;
use crate::types::{Action, AttrChange, Change, Impact};

pub(super) fn plan(cx: &mut PlanCx) {
    let deleted = cx.identity.deleted_servers.clone();
    for s in deleted {
        let c = Change {
            address: address_of(cx.desired, s),
            action: Action::Delete,
            id: Some(s.id),
            attributes: vec![AttrChange {
                name: "name".into(),
                old: Some(json_of(&s.name)),
                new: None,
                sensitive: false,
                impact: Impact::Destroy,
                cause: None,
            }],
            unchanged: 0,
            impact: Impact::Destroy,
            cause: None,
            ops: vec![Op::Delete { id: s.id }.into()],
            calls: Vec::new(),
            depends_on: Vec::new(),
            warnings: vec![format!("destroys server `{}` and its files", s.name)],
            origin: None,
        };
        cx.push(c);
    }
    let unmanaged = std::mem::take(&mut cx.identity.unmanaged_servers);
    cx.unmanaged.servers.extend(unmanaged);
}
