//! Servers' power states, read through the Client API (`GET /servers/{id}/resources`) for the
//! servers whose manifests declare `power`: one request per server, counted in
//! `live.refresh_requests`. A server the panel will not answer for (409: still installing,
//! suspended, …) is recorded as unreadable with the panel's reason; any other error fails the
//! read, so that a plan is never made from a state it could not see.

use crate::client_api::ClientApi;
use crate::error::PanelError;
use roost_model::{Live, PowerRead};

/// The power state of `servers` (Application-API id, Client-API identifier) into `live.power`.
pub async fn read_power(
    api: &ClientApi,
    servers: &[(u64, String)],
    live: &mut Live,
) -> Result<(), PanelError> {
    for (id, identifier) in servers {
        live.refresh_requests += 1;
        let read = match api.resources(identifier).await {
            Ok(stats) => PowerRead::Read(stats.current_state),
            Err(PanelError::StateConflict { state, .. }) => {
                PowerRead::Unreadable(format!("the server is {state} (409)"))
            }
            Err(e) => return Err(e),
        };
        live.power.insert(*id, read);
    }
    Ok(())
}
