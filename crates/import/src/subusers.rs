//! A server's subusers, from the subusers the Client API listed for it (read by the caller when a
//! client key is at hand). Permission names the dialect does not know (a plugin's) are left out
//! of the block with a warning, since the manifests would refuse them.

use crate::Imported;
use roost_model::{Live, LiveServer, SUBUSER_BASE_PERMISSION, Subuser, subuser_permissions};
use std::collections::BTreeMap;

pub(crate) fn of_server(
    live: &Live,
    s: &LiveServer,
    out: &mut Imported,
) -> BTreeMap<String, Subuser> {
    let known = subuser_permissions(live.dialect);
    let mut subusers = BTreeMap::new();
    for l in live.subusers.iter().filter(|x| x.server_id == s.id) {
        let (permissions, unknown): (Vec<String>, Vec<String>) = l
            .permissions
            .iter()
            .cloned()
            .partition(|p| known.contains(&p.as_str()));
        if !unknown.is_empty() {
            out.warnings.push(format!(
                "server \"{}\" (id {}): subuser {} holds permissions roost does not know ({}); left out of the manifest",
                s.name,
                s.id,
                l.email,
                unknown.join(", ")
            ));
        }
        // The panels add `websocket.connect` to every list; written only when it is all there is.
        let mut permissions: Vec<String> = permissions
            .into_iter()
            .filter(|p| p != SUBUSER_BASE_PERMISSION)
            .collect();
        if permissions.is_empty() {
            permissions.push(SUBUSER_BASE_PERMISSION.to_string());
        }
        subusers.insert(
            l.email.to_lowercase(),
            Subuser {
                email: l.email.clone(),
                permissions,
                origin: Default::default(),
            },
        );
        out.count("subusers", 1);
    }
    subusers
}
