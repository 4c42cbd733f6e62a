//! Subusers, read through the Client API (`client_api/subusers.rs` holds the wire types and
//! endpoints), mapped into the model's live type.

use crate::client_api::Subuser;
use roost_model::LiveSubuser;

pub fn live_subuser(server_id: u64, s: &Subuser) -> LiveSubuser {
    LiveSubuser {
        server_id,
        uuid: s.uuid.clone(),
        username: s.username.clone(),
        email: s.email.clone(),
        permissions: s.permissions.clone(),
    }
}
