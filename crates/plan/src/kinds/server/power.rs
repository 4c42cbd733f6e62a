//! A server's desired power state (`power "running"` / `power "stopped"`), opt-in.
//!
//! * Compared as the server's attribute `power` (so `ignore "power"` leaves it alone and drift
//!   reports it), in Wings' words: `running`, or `offline` for `power "stopped"`. The live state
//!   is read by the caller (`GET /client/servers/{id}/resources`, only for servers that declare
//!   `power`: `server_level::power_reads`) and counted as where the server is heading: a start
//!   under way (`starting`) is running, a stop under way (`stopping`) is offline, since each
//!   completes without another signal.
//! * The operation (`Op::Power`, a start or stop signal through the Client API) is the server
//!   change's last and runs last of everything of that server: after its schedules, subusers,
//!   databases (and any other child of the server: `OpSpec::runs_last`), so that a server starts
//!   with its configuration in place. (Deletes of its children run in the plan's last phase,
//!   after every create and update, so after the signal: a pruned schedule does not hold a
//!   server's start back.)
//! * Stopping disconnects the players: the change carries a warning, so that it needs the same
//!   explicit approval as other destructive changes (`--allow-destroy` with `--auto-approve`),
//!   as `roost server power … stop` asks for confirmation. Starting needs none.
//! * A server still installing (the panel answers 409) cannot report its state: its start is
//!   planned anyway and apply waits for the install to finish (by reading), then acts only if
//!   the server is not already where it should be. A new server is offline after its install:
//!   `power "running"` starts it, `power "stopped"` needs nothing.
//! * Without a client key the plan fails, naming `client-token-env`, as for schedules.
//! * A server declared `suspended #true` is kept offline by Wings: `power "stopped"` holds
//!   without a signal, `power "running"` is an error.

use super::Op;
use crate::attr::json_of;
use crate::context::PlanCx;
use crate::error::PlanError;
use crate::lookup::Lookup;
use crate::ops::Ref;
use crate::types::{AttrChange, Change, Impact};
use roost_model::{Address, LiveServer, PowerRead, PowerState, Server};

/// The attribute's name, in the server's table and in `ignore`.
pub(crate) const ATTRIBUTE: &str = "power";

/// The value to reach, for the table: none when the server declares no power or is declared
/// suspended (Wings keeps it offline), or when its state could not be read (then `plan` says
/// why).
pub(super) fn want(
    power: Option<PowerState>,
    suspended: bool,
    live: Option<&LiveServer>,
    lk: &Lookup,
) -> Option<serde_json::Value> {
    let p = power.filter(|_| !suspended)?;
    match live {
        None => Some(json_of(p.wings_state())),
        Some(l) => lk
            .live
            .power
            .get(&l.id)
            .and_then(PowerRead::heading)
            .map(|_| json_of(p.wings_state())),
    }
}

/// The state the panel reports, as where the server is heading.
pub(super) fn have(l: &LiveServer, lk: &Lookup) -> serde_json::Value {
    json_of(lk.live.power.get(&l.id).and_then(PowerRead::heading))
}

/// Adds the power operation (last) to `c`, the change of server `s` (`live`: the server on
/// the panel, `None` when this plan creates it), with what a reviewer needs to know.
pub(super) fn plan(cx: &mut PlanCx, s: &Server, live: Option<&LiveServer>, c: &mut Change) {
    let Some(want) = s.power else {
        return;
    };
    let address = Address::new(roost_model::Kind::Server, &s.key);
    if cx.ignores.ignores(&address, ATTRIBUTE) {
        return;
    }
    if !cx.lookup.live.client_key {
        cx.error(super::super::schedule::no_client_key(
            cx.desired,
            s,
            &format!("`power \"{}\"`", want.as_str()),
        ));
        return;
    }
    if s.suspended {
        // Wings keeps a suspended server offline: `stopped` holds, `running` cannot.
        if want == PowerState::Running {
            cx.error(PlanError::new("roost::power-while-suspended", format!("server `{}` is declared `suspended #true` and `power \"running\"`: the panel refuses to start a suspended server", s.key), Some(s.origin)).help("remove `suspended #true`, or write `power \"stopped\"` (or leave `power` out)"));
        }
        return;
    }
    let Some(l) = live else {
        // Created by this plan: offline once installed.
        if want == PowerState::Running {
            c.ops.push(op(Ref::Pending(address), None, want, None));
        }
        return;
    };
    let server = cx.reference(Some(l.id), || address.clone());
    let identifier = Some(l.identifier.clone());
    match cx.lookup.live.power.get(&l.id) {
        Some(PowerRead::Read(state)) => {
            if !c.attributes.iter().any(|a| a.name == ATTRIBUTE) {
                return;
            }
            if want == PowerState::Stopped {
                c.impact = c.impact.max(Impact::Restart);
                c.warnings.push(format!(
                    "stops server `{}` (now {state}): whoever is on it is disconnected",
                    s.key
                ));
            }
            c.ops
                .push(op(server, identifier, want, Some(state.clone())));
        }
        Some(PowerRead::Unreadable(reason)) => {
            cx.notes.push(format!(
                "server `{}` cannot report its power state now ({reason}): apply reads it again, waiting while the server installs, and brings it to {} if it is not already",
                s.key,
                want.wings_state()
            ));
            c.attributes.push(AttrChange {
                name: ATTRIBUTE.into(),
                old: None,
                new: Some(json_of(want.wings_state())),
                sensitive: false,
                impact: Impact::None,
                cause: None,
            });
            if want == PowerState::Stopped {
                c.warnings.push(format!(
                    "may stop server `{}` once it can be read: whoever is on it is disconnected",
                    s.key
                ));
            }
            c.ops.push(op(server, identifier, want, None));
        }
        None => cx.error(PlanError::new(
            "roost::server-level-unread",
            format!(
                "the power state of server `{}` was not read from the panel, so it cannot be compared",
                s.key
            ),
            Some(s.origin),
        )),
    }
}

fn op(server: Ref, identifier: Option<String>, want: PowerState, was: Option<String>) -> crate::kinds::Op {
    Op::Power {
        server,
        identifier,
        want,
        was,
    }
    .into()
}
