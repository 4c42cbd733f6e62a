//! `roost server status|power|command|console` end to end, in both dialects, against the
//! simulator's emulated Wings: selectors through the manifests, power with `--wait` watched on
//! the console socket, `--ensure running`, the confirmation scripts must give, console lines
//! and `--tail`, and the unhappy paths (a typo, a server still installing, Wings down, no
//! client key).

mod common;

use common::cli::Run;
use common::ops::{ops, ready};
use common::panel::Panel;
use common::sim_state::server_by_name;
use common::{p, small};
use roost_sim::{Dialect, Faults, WingsFaults};

/// `roost server ARGS --dir <the small fleet>` with the admin's client key.
fn server(panel: &Panel, args: &[&str]) -> Run {
    let mut all = vec!["server"];
    all.extend_from_slice(args);
    ops(panel, &all)
}

/// Every server's state, past the panel's 20-second cache of Wings' answer.
fn states(panel: &Panel) -> Vec<(String, String)> {
    panel.sim.advance_clock(std::time::Duration::from_secs(21));
    let run = server(panel, &["status", "--format", "json"]).expect(0, "status");
    let v = run.json();
    assert_eq!(v["format_version"], 1);
    v["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["server"].as_str().unwrap().to_string(),
                s["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn state_of(panel: &Panel, address: &str) -> String {
    states(panel)
        .into_iter()
        .find(|(a, _)| a == address)
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("{address} not in status"))
}

fn console_of(panel: &Panel, name: &str) -> Vec<String> {
    let uuid = server_by_name(&panel.state(), name).uuid.clone();
    panel.sim.console(&uuid)
}

fn power_status_and_console(d: Dialect) {
    let panel = ready(d);
    let all = states(&panel);
    let names: Vec<&str> = all.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "server.alpha",
            "server.bravo",
            "server.charlie",
            "server.delta"
        ]
    );
    assert!(all.iter().all(|(_, s)| s == "offline"), "{d}: {all:?}");

    let run = server(
        &panel,
        &[
            "power",
            "server.alpha",
            "server.b*",
            "start",
            "--wait",
            "--timeout",
            "20s",
        ],
    )
    .expect(0, "start and wait");
    assert!(
        run.stdout.contains("server.alpha: start → running in"),
        "{}",
        run.show()
    );
    assert!(
        run.stdout.contains("server.bravo: start → running in"),
        "{}",
        run.show()
    );
    assert_eq!(state_of(&panel, "server.alpha"), "running", "{d}");
    assert_eq!(state_of(&panel, "server.charlie"), "offline", "{d}");

    server(&panel, &["command", "server.alpha", "say hello from roost"]).expect(0, "command");
    assert!(
        console_of(&panel, "Alpha").contains(&"say hello from roost".to_string()),
        "{d}"
    );
    let tail = server(&panel, &["console", "server.alpha", "--tail", "1"]).expect(0, "tail");
    assert_eq!(
        tail.stdout,
        "say hello from roost\n",
        "{d}: {}",
        tail.show()
    );

    // Stopping asks for confirmation; a script without --yes is refused and nothing is sent.
    let refused = server(&panel, &["power", "server.alpha", "stop"]).expect(1, "no --yes");
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.show());
    assert_eq!(
        state_of(&panel, "server.alpha"),
        "running",
        "{d}: nothing sent"
    );
    server(
        &panel,
        &["power", "server.alpha", "stop", "--yes", "--wait"],
    )
    .expect(0, "stop");
    assert_eq!(state_of(&panel, "server.alpha"), "offline", "{d}");

    // --ensure running starts only what is offline.
    let run = server(
        &panel,
        &[
            "power", "--all", "--ensure", "running", "--wait", "--format", "json",
        ],
    )
    .expect(0, "ensure running");
    let results = run.json()["results"].as_array().unwrap().clone();
    let by = |addr: &str| {
        results
            .iter()
            .find(|r| r["server"] == addr)
            .map(|r| {
                (
                    r["action"].as_str().unwrap().to_string(),
                    r["result"].as_str().unwrap().to_string(),
                )
            })
            .unwrap()
    };
    assert_eq!(
        by("server.bravo"),
        ("none".into(), "unchanged".into()),
        "{d}"
    );
    assert_eq!(
        by("server.alpha"),
        ("start".into(), "reached".into()),
        "{d}"
    );
    assert!(states(&panel).iter().all(|(_, s)| s == "running"), "{d}");
}

#[test]
fn power_status_and_console_pterodactyl() {
    power_status_and_console(Dialect::Pterodactyl);
}

#[test]
fn power_status_and_console_pelican() {
    power_status_and_console(Dialect::Pelican);
}

fn unhappy_paths(d: Dialect) {
    let panel = ready(d);
    let typo = server(&panel, &["status", "server.alpah"]).expect(1, "typo");
    assert!(
        typo.stderr.contains("did you mean server.alpha"),
        "{}",
        typo.show()
    );

    let charlie = server_by_name(&panel.state(), "Charlie").id;
    panel.mutate(|s| {
        if let Some(x) = s.servers.get_mut(&charlie) {
            x.status = Some("installing".into());
        }
    });
    let run = server(&panel, &["power", "server.charlie", "start"]).expect(1, "installing");
    assert!(
        run.stdout.contains("server.charlie: start failed"),
        "{}",
        run.show()
    );
    assert!(
        run.stdout.to_lowercase().contains("install"),
        "{}",
        run.show()
    );
    let status =
        server(&panel, &["status", "server.charlie", "--format", "json"]).expect(0, "status");
    assert_eq!(status.json()["servers"][0]["state"], "installing", "{d}");

    panel.sim.set_faults(Faults {
        wings: WingsFaults {
            unreachable: true,
            ..WingsFaults::default()
        },
        ..Faults::default()
    });
    let run = server(&panel, &["power", "server.alpha", "start"]).expect(1, "Wings down");
    assert!(
        run.stdout.contains("server.alpha: start failed"),
        "{}",
        run.show()
    );
    panel.sim.set_faults(Faults::default());

    let dir = small(d);
    let no_key = panel
        .roost(&["server", "status", "--dir", p(&dir)])
        .expect(1, "no client key");
    assert!(
        no_key.stderr.contains("ROOST_CLIENT_TOKEN"),
        "{}",
        no_key.show()
    );
}

#[test]
fn unhappy_paths_pterodactyl() {
    unhappy_paths(Dialect::Pterodactyl);
}

#[test]
fn unhappy_paths_pelican() {
    unhappy_paths(Dialect::Pelican);
}
