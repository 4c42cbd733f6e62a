//! The two tokens: the panel block's `client-token-env` names the variable holding the client
//! API key (default `ROOST_CLIENT_TOKEN`), read only when set, and asked through the Client API
//! who owns the application key.

mod common;

use common::{manifests::*, panel::*, *};
use roost_sim::Dialect;

const FLEET: &str = "fleet.kdl";

/// The small fleet with `client-token-env "MY_CLIENT_KEY"` in its panel block.
fn with_client_token_env(dialect: Dialect) -> (Panel, Fleet) {
    let panel = Panel::start(dialect);
    let dir = Fleet::copy(&small(dialect));
    dir.edit(
        FLEET,
        "panel {\n",
        "panel {\n    client-token-env \"MY_CLIENT_KEY\"\n",
    );
    (panel, dir)
}

fn account_reads(panel: &Panel) -> usize {
    panel
        .log()
        .iter()
        .filter(|r| r.path.starts_with("/api/client/account"))
        .count()
}

fn named_variable_is_read(dialect: Dialect) {
    let (panel, dir) = with_client_token_env(dialect);
    let client = panel.sim.client_token();

    // The named variable holds the client key: the Client API is asked, once.
    panel.sim.clear_request_log();
    let run = panel.roost_env(
        &["plan", p(dir.path())],
        &[("MY_CLIENT_KEY", client.as_str())],
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert_eq!(account_reads(&panel), 1, "{:?}", panel.log());

    // The default variable is not read once another is named.
    panel.sim.clear_request_log();
    let run = panel.roost_env(
        &["plan", p(dir.path())],
        &[("ROOST_CLIENT_TOKEN", panel.sim.token().as_str())],
    );
    assert_eq!(run.code, Some(0), "{}", run.show());
    assert_eq!(account_reads(&panel), 0);

    // An application key in it is refused by the panel, and the message names the variable.
    let run = panel.roost_env(
        &["plan", p(dir.path())],
        &[("MY_CLIENT_KEY", panel.sim.token().as_str())],
    );
    assert_eq!(run.code, Some(1), "{}", run.show());
    assert!(
        run.stderr.contains("roost::client-token") && run.stderr.contains("$MY_CLIENT_KEY"),
        "{}",
        run.show()
    );
    assert!(
        !run.stderr.contains(&panel.sim.token()),
        "no key in the output"
    );
}

#[test]
fn client_token_env_names_the_variable_pterodactyl() {
    named_variable_is_read(Dialect::Pterodactyl);
}

#[test]
fn client_token_env_names_the_variable_pelican() {
    named_variable_is_read(Dialect::Pelican);
}
