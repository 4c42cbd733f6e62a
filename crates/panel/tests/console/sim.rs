//! The console against the simulator's emulated Wings (the real token route, the real socket
//! URL, Origin and JWT checks), in both dialects: a session that lives through a token expiry
//! and a dropped socket passes on every line the server wrote, once, in order.

use roost_panel::{
    ClientApi, ClientConfig, Console, ConsoleConfig, ConsoleEvent, Dialect, PowerSignal,
    ReconnectPolicy, Secret, ServerStatus,
};
use roost_sim::{
    Faults, NodeParams, ServerParams, Sim, SimConfig, SimHandle, UserParams, WingsFaults,
};
use std::time::Duration;

/// A sim with one installed server owned by a user with a client key.
async fn panel(d: Dialect) -> (SimHandle, ClientApi, String) {
    let mut cfg = SimConfig::new(d);
    cfg.rate_limit = None;
    cfg.client_rate_limit = None;
    let sim = Sim::start(cfg).await.expect("sim starts");
    let (owner, server) = sim.mutate(|s| {
        let node = s.add_node(NodeParams {
            name: "de-fra-01".into(),
            fqdn: "node1.example.com".into(),
            ..Default::default()
        });
        let alloc = s.add_allocation(node, "203.0.113.10", 25565, None);
        let owner = s.add_user(UserParams {
            username: "owner".into(),
            email: "owner@example.com".into(),
            ..Default::default()
        });
        let server = s.add_server(ServerParams {
            name: "Survival SMP".into(),
            user_id: owner,
            allocation_id: Some(alloc),
            ..Default::default()
        });
        (owner, server)
    });
    let key = sim.mint_client_key(owner).expect("owner exists");
    let uuid = sim.state().servers[&server].uuid.clone();
    let mut c = ClientConfig::new(sim.url(), Secret::new(key));
    c.timeout = Duration::from_secs(5);
    let api = ClientApi::new(c).expect("client");
    (sim, api, uuid)
}

fn config() -> ConsoleConfig {
    ConsoleConfig {
        connect_timeout: Duration::from_secs(2),
        auth_timeout: Duration::from_secs(2),
        reconnect: ReconnectPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(40),
            max_delay: Duration::from_millis(200),
        },
        catchup_quiet: Duration::from_millis(150),
        ..ConsoleConfig::default()
    }
}

/// Everything the console passed on, in order.
struct Seen {
    lines: Vec<String>,
    events: Vec<ConsoleEvent>,
}

impl Seen {
    /// Reads events until `done` holds (10 s at most).
    async fn until(&mut self, console: &mut Console, what: &str, done: impl Fn(&Seen) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !done(self) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, console.next_event()).await {
                Ok(Some(Ok(ConsoleEvent::Output(line)))) => self.lines.push(line),
                Ok(Some(Ok(ConsoleEvent::Stats(_)))) => {}
                Ok(Some(Ok(event))) => self.events.push(event),
                Ok(Some(Err(e))) => panic!("waiting for {what}: the session ended: {e}"),
                Ok(None) => panic!("waiting for {what}: the session ended"),
                Err(_) => panic!(
                    "waiting for {what}: timed out; lines {:?}, events {:?}",
                    self.lines, self.events
                ),
            }
        }
    }

    fn has_line(&self, line: &str) -> bool {
        self.lines.iter().any(|l| l == line)
    }
}

#[tokio::test]
async fn a_session_survives_a_token_expiry_and_a_dropped_socket_without_losing_or_repeating_lines()
{
    for d in [Dialect::Pterodactyl, Dialect::Pelican] {
        let (sim, api, uuid) = panel(d).await;
        let ident = &uuid[..8];
        let mut console = Console::connect(&api, ident, config())
            .await
            .expect("connects");
        let mut seen = Seen {
            lines: Vec::new(),
            events: Vec::new(),
        };
        console.set_state(PowerSignal::Start).await.expect("start");
        seen.until(&mut console, "starting", |s| {
            s.events
                .contains(&ConsoleEvent::Status(ServerStatus::Starting))
        })
        .await;
        sim.advance_clock(Duration::from_secs(5));
        seen.until(&mut console, "running", |s| {
            s.events
                .contains(&ConsoleEvent::Status(ServerStatus::Running))
        })
        .await;
        for i in 1..=3 {
            console.send_command(format!("say {i}")).await.unwrap();
        }
        seen.until(&mut console, "say 3", |s| s.has_line("say 3"))
            .await;

        // The token expires mid-stream: Wings sends `jwt error` instead of the next lines.
        sim.set_faults(wings_fault(WingsFaults {
            token_expiry_after_frames: Some(1),
            ..WingsFaults::default()
        }));
        for i in 4..=7 {
            api.command(ident, &format!("say {i}"))
                .await
                .expect("command");
        }
        seen.until(&mut console, "renewal and say 7", |s| {
            s.events.contains(&ConsoleEvent::TokenRenewed) && s.has_line("say 7")
        })
        .await;

        // The socket drops without a close frame; lines written meanwhile come back once.
        sim.set_faults(wings_fault(WingsFaults {
            socket_drop_after_frames: Some(1),
            socket_drops: 1,
            ..WingsFaults::default()
        }));
        for i in 8..=11 {
            api.command(ident, &format!("say {i}"))
                .await
                .expect("command");
        }
        seen.until(&mut console, "reconnect and say 11", |s| {
            s.events
                .iter()
                .any(|e| matches!(e, ConsoleEvent::Reconnected { .. }))
                && s.has_line("say 11")
        })
        .await;
        sim.set_faults(Faults::default());
        console.send_command("say 12").await.unwrap();
        seen.until(&mut console, "say 12", |s| s.has_line("say 12"))
            .await;

        assert_eq!(
            seen.lines,
            sim.console(&uuid),
            "{d}: every line once, in order"
        );
        let said: Vec<&String> = seen
            .lines
            .iter()
            .filter(|l| l.starts_with("say "))
            .collect();
        assert_eq!(said.len(), 12, "{d}: {said:?}");
        assert!(!seen.events.contains(&ConsoleEvent::OutputLost), "{d}");
        console.close().await;
        sim.shutdown().await;
    }
}

fn wings_fault(wings: WingsFaults) -> Faults {
    Faults {
        wings,
        ..Faults::default()
    }
}
