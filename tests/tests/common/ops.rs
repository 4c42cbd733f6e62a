//! Day-2 commands (`roost server …`, `roost backup …`) against a panel holding the small
//! fleet, with the admin's client key and Wings' transitions short.

use super::cli::Run;
use super::panel::Panel;
use super::{p, small};
use roost_sim::Dialect;

/// The small fleet applied; Wings starts, stops and backs up within a fraction of a second.
pub fn ready(d: Dialect) -> Panel {
    let panel = Panel::start(d);
    panel.apply_ok(&small(d));
    panel.mutate(|s| {
        s.settings.wings.start_ms = 300;
        s.settings.wings.stop_ms = 300;
        s.settings.wings.backup_ms = 300;
        s.settings.wings.restore_ms = 300;
        // The fleet declares no backup limit (the panels' default: none allowed).
        for server in s.servers.values_mut() {
            server.backup_limit = Some(3);
        }
    });
    panel
}

/// `roost ARGS --dir <the small fleet>` with the admin's client key.
pub fn ops(panel: &Panel, args: &[&str]) -> Run {
    let dir = small(panel.dialect());
    let mut all = args.to_vec();
    all.extend(["--dir", p(&dir)]);
    let token = panel.sim.client_token();
    panel.roost_env(&all, &[("ROOST_CLIENT_TOKEN", &token)])
}
