//! The day-2 commands at their edges, in both dialects: a subuser's key without the
//! permission a command needs, fifty servers at once with `--all`, and `console --follow`
//! living through a token expiry and a dropped socket without losing or repeating a line.

mod common;

use common::manifests::Fleet;
use common::ops::{ops, ready};
use common::panel::Panel;
use common::sim_state::server_by_name;
use common::{DIALECTS, dialect_name, p};
use roost_sim::{Dialect, Faults, Subuser, WingsFaults};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn a_subusers_key_without_the_permission_is_refused_with_its_name() {
    for d in DIALECTS {
        let panel = ready(d);
        let alpha = server_by_name(&panel.state(), "Alpha").id;
        let helper = panel
            .state()
            .users
            .values()
            .find(|u| u.username == "ben")
            .unwrap()
            .id;
        panel.mutate(|s| {
            let now = s.now();
            s.insert_subuser(Subuser {
                id: 900,
                user_id: helper,
                server_id: alpha,
                permissions: json!(["websocket.connect", "control.console"]),
                created_at: now,
                updated_at: now,
            });
        });
        let key = panel.sim.mint_client_key(helper).unwrap();
        let dir = common::small(d);
        let run = panel
            .roost_env(
                &["server", "power", "server.alpha", "start", "--dir", p(&dir)],
                &[("ROOST_CLIENT_TOKEN", &key)],
            )
            .expect(1, "missing permission");
        assert!(run.stdout.contains("control.start"), "{d}: {}", run.show());
        assert!(
            !run.stdout.contains(&key) && !run.stderr.contains(&key),
            "{d}: the key is never shown"
        );
    }
}

/// A fleet of `n` servers on one node, owned by one user.
fn fleet(d: Dialect, n: u16) -> Fleet {
    let fleet = Fleet::copy(&common::small(d));
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "server \"mc-{i:02}\" from=\"paper\" {{\n    owner \"ana\"\n    node \"wide\"\n    allocation {}\n}}\n",
            30000 + i
        ));
    }
    let location = if d == Dialect::Pterodactyl {
        "    location \"fra\"\n"
    } else {
        ""
    };
    text.push_str(&format!(
        "node \"wide\" {{\n{location}    fqdn \"wide.nodes.example.com\"\n    memory \"512GiB\" overallocate=0\n    disk \"5TiB\" overallocate=0\n    allocations \"10.0.0.9\" \"30000-30099\"\n}}\n"
    ));
    fleet.append("fleet.kdl", &text);
    fleet
}

#[test]
fn fifty_servers_at_once() {
    for d in DIALECTS {
        let panel = Panel::start(d);
        let fleet = fleet(d, 50);
        panel.apply_ok(fleet.path());
        panel.mutate(|s| s.settings.wings.start_ms = 200);
        let token = panel.sim.client_token();
        let started = Instant::now();
        let run = panel
            .roost_env(
                &[
                    "server",
                    "power",
                    "--all",
                    "--ensure",
                    "running",
                    "--wait",
                    "--format",
                    "json",
                    "--dir",
                    p(fleet.path()),
                ],
                &[("ROOST_CLIENT_TOKEN", &token)],
            )
            .expect(0, "ensure running");
        let results = run.json()["results"].as_array().unwrap().clone();
        assert_eq!(
            results.len(),
            54,
            "{}: 50 new servers and the fleet's 4",
            dialect_name(d)
        );
        assert!(
            results.iter().all(|r| r["result"] == "reached"),
            "{d}: {results:?}"
        );
        eprintln!(
            "{d}: 54 servers started and watched in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let again = panel
            .roost_env(
                &[
                    "server",
                    "power",
                    "--all",
                    "--ensure",
                    "running",
                    "--format",
                    "json",
                    "--dir",
                    p(fleet.path()),
                ],
                &[("ROOST_CLIENT_TOKEN", &token)],
            )
            .expect(0, "again");
        let results = again.json()["results"].as_array().unwrap().clone();
        assert!(
            results.iter().all(|r| r["result"] == "unchanged"),
            "{d}: nothing to do"
        );
    }
}

#[test]
fn console_follow_survives_a_token_expiry_and_a_dropped_socket() {
    for d in DIALECTS {
        let panel = ready(d);
        ops(
            &panel,
            &["server", "power", "server.alpha", "start", "--wait"],
        )
        .expect(0, "start");
        let dir = common::small(d);
        let token = panel.sim.client_token();
        let url = panel.sim.url();
        let mut child = panel
            .command(&[
                "server",
                "console",
                "server.alpha",
                "--follow",
                "--dir",
                p(&dir),
                "--panel",
                &url,
            ])
            .env("ROOST_CLIENT_TOKEN", &token)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // The console is open once it reports the server's state (stderr).
        let (etx, erx) = std::sync::mpsc::channel::<String>();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = etx.send(line);
            }
        });
        loop {
            let line = erx
                .recv_timeout(Duration::from_secs(15))
                .expect("the console opens");
            if line.starts_with("[state: running]") {
                break;
            }
        }
        let mut seen: Vec<String> = Vec::new();
        let wait_for = |what: &str, seen: &mut Vec<String>| {
            let deadline = Instant::now() + Duration::from_secs(15);
            while !seen.iter().any(|l| l == what) {
                let left = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left) {
                    Ok(l) => seen.push(l),
                    Err(_) => panic!("{d}: no `{what}` in {seen:?}"),
                }
            }
        };
        let say = |line: &str| {
            ops(&panel, &["server", "command", "server.alpha", line]).expect(0, "command");
        };
        say("say one");
        wait_for("say one", &mut seen);
        panel.sim.set_faults(Faults {
            wings: WingsFaults {
                token_expiry_after_frames: Some(1),
                ..WingsFaults::default()
            },
            ..Faults::default()
        });
        say("say two");
        say("say three");
        wait_for("say three", &mut seen);
        panel.sim.set_faults(Faults {
            wings: WingsFaults {
                socket_drop_after_frames: Some(1),
                socket_drops: 1,
                ..WingsFaults::default()
            },
            ..Faults::default()
        });
        say("say four");
        say("say five");
        wait_for("say five", &mut seen);
        let _ = child.kill();
        let _ = child.wait();
        let said: Vec<&String> = seen.iter().filter(|l| l.starts_with("say ")).collect();
        assert_eq!(
            said,
            ["say one", "say two", "say three", "say four", "say five"],
            "{d}: {seen:?}"
        );
    }
}

/// A suspended server: the panel answers 409 to a power signal and a backup alike, and roost
/// says the server is suspended rather than a bare status.
#[test]
fn a_suspended_server_is_named_as_suspended() {
    for d in DIALECTS {
        let panel = ready(d);
        let alpha = server_by_name(&panel.state(), "Alpha").id;
        panel.mutate(|s| {
            if let Some(x) = s.servers.get_mut(&alpha) {
                x.status = Some("suspended".into());
            }
        });
        let power = ops(&panel, &["server", "power", "server.alpha", "start"]).expect(1, "power");
        assert!(
            power.stdout.to_lowercase().contains("suspended"),
            "{d}: {}",
            power.show()
        );
        let backup = ops(&panel, &["backup", "create", "server.alpha"]).expect(1, "backup");
        assert!(
            backup.stdout.to_lowercase().contains("suspended"),
            "{d}: {}",
            backup.show()
        );
    }
}

/// `server status --watch` prints one JSON document per refresh until Ctrl-C, then exits 0.
#[test]
fn status_watch_refreshes_until_interrupted() {
    let panel = ready(Dialect::Pelican);
    let dir = common::small(Dialect::Pelican);
    let url = panel.sim.url();
    let mut child = panel
        .command(&[
            "server",
            "status",
            "server.alpha",
            "--watch",
            "--interval",
            "100ms",
            "--format",
            "json",
            "--dir",
            p(&dir),
            "--panel",
            &url,
        ])
        .env("ROOST_CLIENT_TOKEN", panel.sim.client_token())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for refresh in 0..3 {
        let line = lines.next().expect("a refresh").unwrap();
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            doc["servers"][0]["server"], "server.alpha",
            "{refresh}: {line}"
        );
    }
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "Ctrl-C ends --watch cleanly");
}
