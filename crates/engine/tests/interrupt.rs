//! An interrupted apply: nothing new starts, what runs finishes within the grace period or is
//! reported as of unknown outcome, and every change of the plan is accounted for exactly once.

use roost_engine::{ApplyOptions, Event, Interrupt, Outcome, Reporter};
use roost_model::{Address, Kind, Secret};
use roost_panel::{ClientConfig, PanelClient};
use roost_sim::{Dialect, FaultAction, FaultRule, Faults, Sim, SimConfig, SimHandle};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Records events, and requests the interrupt at the first event `trigger` accepts.
struct Recorder {
    events: Mutex<Vec<Event>>,
    interrupt: Interrupt,
    trigger: fn(&Event) -> bool,
}

impl Reporter for Recorder {
    fn report(&self, e: Event) {
        if (self.trigger)(&e) {
            self.interrupt.request();
        }
        self.events.lock().unwrap().push(e);
    }
}

async fn sim(faults: Faults) -> SimHandle {
    let mut config = SimConfig::new(Dialect::Pterodactyl);
    config.rate_limit = None;
    config.faults = faults;
    Sim::start(config).await.unwrap()
}

/// Plans the small fleet of the end-to-end tests against `sim`, then applies it one change at
/// a time until `trigger` interrupts it.
async fn interrupted_apply(
    sim: &SimHandle,
    grace: Duration,
    trigger: fn(&Event) -> bool,
) -> (roost_plan::Plan, Outcome, Vec<Event>) {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/apply/small-pterodactyl");
    let manifest = roost_manifest::load_dir(&dir).unwrap();
    let client =
        Arc::new(PanelClient::new(ClientConfig::new(sim.url(), Secret::new(sim.token()))).unwrap());
    let live = client.read_live().await.unwrap();
    let plan = roost_plan::plan(&manifest.desired, &live, &Default::default()).unwrap();
    let interrupt = Interrupt::new(grace);
    let recorder = Arc::new(Recorder {
        events: Mutex::new(Vec::new()),
        interrupt: interrupt.clone(),
        trigger,
    });
    let opts = ApplyOptions {
        parallelism: 1,
        secrets: roost_engine::env_and_file_secrets(dir),
        client_api: None,
        install_wait: roost_engine::DEFAULT_INSTALL_WAIT,
        file_cache: None,
        manifests: None,
        power_timeout: roost_engine::DEFAULT_POWER_TIMEOUT,
    };
    let outcome =
        roost_engine::apply_interruptible(&plan, client, opts, recorder.clone(), &interrupt).await;
    let events = recorder.events.lock().unwrap().clone();
    (plan, outcome, events)
}

/// Every change of the plan is in exactly one list of the outcome.
fn assert_accounted_for(plan: &roost_plan::Plan, o: &Outcome) {
    let mut all: Vec<&Address> = o
        .applied
        .iter()
        .chain(o.failed.iter().map(|(a, _)| a))
        .chain(&o.skipped)
        .chain(&o.not_started)
        .chain(&o.unknown)
        .collect();
    all.sort();
    let mut planned: Vec<&Address> = plan.changes.iter().map(|c| &c.address).collect();
    planned.sort();
    assert_eq!(all, planned);
}

fn interrupted_events(events: &[Event], started: bool) -> Vec<Address> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Interrupted {
                address,
                started: s,
                ..
            } if *s == started => Some(address.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn an_interrupt_lets_the_running_change_finish_and_starts_nothing_new() {
    let sim = sim(Faults {
        latency_ms: 20,
        ..Faults::default()
    })
    .await;
    // Interrupted while the first change runs.
    let (plan, o, events) = interrupted_apply(&sim, Duration::from_secs(30), |e| {
        matches!(e, Event::Started { .. })
    })
    .await;
    assert!(o.interrupted && !o.success(), "{o:?}");
    assert_eq!(o.applied.len(), 1, "the running change finished: {o:?}");
    assert!(o.failed.is_empty() && o.skipped.is_empty() && o.unknown.is_empty());
    assert_eq!(o.not_started.len(), plan.changes.len() - 1);
    assert_accounted_for(&plan, &o);
    assert_eq!(interrupted_events(&events, false), o.not_started);
    let started = events
        .iter()
        .filter(|e| matches!(e, Event::Started { .. }))
        .count();
    assert_eq!(started, 1, "nothing new started after the interrupt");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_change_still_running_after_the_grace_period_is_of_unknown_outcome() {
    // The server create hangs far longer than the grace period.
    let sim = sim(Faults {
        rules: vec![FaultRule {
            method: Some("POST".into()),
            path: "/servers".into(),
            nth: 1,
            times: 1,
            action: FaultAction::Delay { ms: 10_000 },
        }],
        ..Faults::default()
    })
    .await;
    let t0 = Instant::now();
    let (plan, o, events) = interrupted_apply(
        &sim,
        Duration::from_millis(300),
        |e| matches!(e, Event::Started { address, .. } if address.kind == Kind::Server),
    )
    .await;
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "the grace period bounds the wait: {:?}",
        t0.elapsed()
    );
    assert!(o.interrupted, "{o:?}");
    assert_eq!(o.unknown.len(), 1, "{o:?}");
    assert_eq!(o.unknown[0].kind, Kind::Server);
    assert_eq!(interrupted_events(&events, true), o.unknown);
    assert!(!o.applied.is_empty() && !o.not_started.is_empty(), "{o:?}");
    assert_accounted_for(&plan, &o);
    sim.shutdown().await;
}
