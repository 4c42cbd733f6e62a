//! The server-level figure: a fleet whose servers each declare 2 schedules, 1 subuser and 2
//! files (a text file and a binary), applied to the simulator, then planned with no changes.
//! What that plan costs in Client-API requests and bytes is set against a floor: one schedule
//! listing, one subuser listing and one file listing per directory holding declared files, per
//! server (the least any client can read to know the state without a record of its own). Three
//! reads are timed: with the checksum cache apply left (a workstation, or CI keeping its
//! cache), with an empty cache (CI without one), and the naive read that downloads every
//! declared file. The time at each panel's real client limit (720/min on Pterodactyl, 256/min
//! on Pelican) is requests ÷ limit: the limiter spaces requests at exactly that rate.

use crate::fleet::{self, FleetSize};
use crate::measure::Series;
use anyhow::{Context, ensure};
use roost_model::{Dialect, Live, Secret};
use roost_panel::{ChecksumCache, ClientApi, ClientConfig, FilesToRead, PanelClient, RateLimit};
use roost_plan::{Action, Options};
use roost_sim::{Sim, SimConfig, SimHandle};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The binary file each server holds (a plugin jar, by checksum).
const JAR_BYTES: usize = 256 * 1024;

/// What one way of reading the server-level state cost.
#[derive(Debug, Default)]
pub struct Read {
    pub requests: u64,
    pub bytes: u64,
    pub seconds: Series,
}

#[derive(Debug)]
pub struct Figures {
    pub dialect: Dialect,
    pub servers: usize,
    pub seed_seconds: f64,
    pub seed_requests: u64,
    /// Requests of the floor: 2 listings + 1 per directory holding files, per server.
    pub floor_requests: u64,
    pub warm: Read,
    pub cold: Read,
    /// Every declared file downloaded whole, the listings included.
    pub naive: Read,
    /// The client limit of the dialect, requests per minute.
    pub limit: u32,
}

/// The lines inside fleet server `s`: two schedules, a subuser (another user of the fleet),
/// a text file and a plugin jar.
fn children(s: usize, users: usize) -> String {
    format!(
        "    schedule \"nightly\" cron=\"0 4 * * *\" {{\n        task \"backup\"\n        task \"command\" \"say Restarting in 60s\"\n        task \"power\" \"restart\" offset=60\n    }}\n    schedule \"autosave\" cron=\"*/30 * * * *\" {{\n        task \"command\" \"save-all\"\n    }}\n    subuser \"user{}@example.com\" {{\n        permissions \"control.console\" \"control.restart\" \"file.read\"\n    }}\n    file \"/server.properties\" {{\n        content \"motd=Server {s}\\nmax-players=40\\nview-distance=8\\n\"\n    }}\n    file \"/plugins/Tool.jar\" {{ source \"files/Tool.jar\" }}\n",
        (s + 1) % users
    )
}

/// Writes the fleet (with its children and the jar) into `dir` and loads it.
fn write_fleet(
    dir: &Path,
    size: FleetSize,
    dialect: Dialect,
) -> anyhow::Result<roost_model::Desired> {
    let files = fleet::generate_with(size, dialect, 0, &|s| children(s, size.users));
    std::fs::create_dir_all(dir.join("files"))?;
    let jar: Vec<u8> = (0..JAR_BYTES).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(dir.join("files/Tool.jar"), jar)?;
    for (name, text) in &files {
        std::fs::write(dir.join(name), text)?;
    }
    let manifest = roost_manifest::load_dir(dir)
        .map_err(|e| anyhow::anyhow!("the fleet does not validate:\n{}", e.render_plain(100)))?;
    Ok(manifest.desired)
}

fn clients(sim: &SimHandle, dialect: Dialect) -> anyhow::Result<(Arc<PanelClient>, ClientApi)> {
    let mut app = ClientConfig::new(sim.url(), Secret::new(sim.token()));
    app.dialect = Some(dialect);
    app.rate_limit = RateLimit::Off;
    let mut client = ClientConfig::new(sim.url(), Secret::new(sim.client_token()));
    client.dialect = Some(dialect);
    client.rate_limit = RateLimit::Off;
    Ok((Arc::new(PanelClient::new(app)?), ClientApi::new(client)?))
}

/// The server-level reads a plan of `desired` needs through the Client API, added to `live`
/// (as `roost plan` does after the Application API's listings).
async fn read_server_level(
    api: &ClientApi,
    cache: &ChecksumCache,
    desired: &roost_model::Desired,
    live: &mut Live,
) -> anyhow::Result<()> {
    live.client_key = true;
    let needs = roost_plan::server_level_reads(desired, live);
    let servers: Vec<_> = needs
        .iter()
        .filter(|n| !n.kinds.is_empty())
        .map(|n| (n.server_id, n.identifier.clone(), n.kinds.clone()))
        .collect();
    roost_panel::read_server_level(api, &servers, live).await?;
    let files: Vec<FilesToRead> = needs
        .into_iter()
        .filter(|n| !n.files.is_empty())
        .map(|n| FilesToRead {
            server_id: n.server_id,
            identifier: n.identifier,
            uuid: n.uuid,
            files: n.files,
        })
        .collect();
    roost_panel::read_files(api, cache, &files, live).await?;
    Ok(())
}

fn plan(desired: &roost_model::Desired, live: &Live) -> anyhow::Result<roost_plan::Plan> {
    roost_plan::plan(desired, live, &Options::default()).map_err(|errors| {
        anyhow::anyhow!(
            "the planner refused the fleet: {}",
            errors.first().map(|e| e.to_string()).unwrap_or_default()
        )
    })
}

pub async fn run(servers: usize, dialect: Dialect, runs: usize) -> anyhow::Result<Figures> {
    let size = FleetSize::for_servers(servers);
    let tmp = std::env::temp_dir().join(format!("roost-bench-{}-{dialect}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let dir = tmp.join("fleet");
    let desired = write_fleet(&dir, size, dialect)?;
    let mut config = SimConfig::new(dialect);
    config.rate_limit = None;
    config.client_rate_limit = None;
    let sim = Sim::start(config).await?;
    sim.mutate(|s| s.settings.install_ms = 0);
    let (app, api) = clients(&sim, dialect)?;
    let cache_path = tmp.join("cache.json");
    let cache = ChecksumCache::open(Some(cache_path.clone()));

    // Seed: apply the whole fleet, children included.
    let mut empty = app.read_live().await?;
    empty.client_key = true;
    let seed = plan(&desired, &empty)?;
    ensure!(
        seed.changes.iter().all(|c| c.action == Action::Create),
        "the simulator was not empty"
    );
    let started = Instant::now();
    let before = app.requests_sent() + api.requests_sent();
    crate::measure::apply_with_client(&seed, app.clone(), api.clone(), cache.clone(), &dir).await?;
    let seed_seconds = started.elapsed().as_secs_f64();
    let seed_requests = app.requests_sent() + api.requests_sent() - before;
    cache.save().context("saving the checksum cache")?;

    let floor_requests = (servers * (2 + 2)) as u64;
    let mut warm = Read::default();
    let mut cold = Read::default();
    for _ in 0..runs {
        for (with_cache, target) in [(true, &mut warm), (false, &mut cold)] {
            // The warm cache is the one apply left; the cold one is never saved, so it stays
            // empty from run to run.
            let cache = if with_cache {
                ChecksumCache::open(Some(cache_path.clone()))
            } else {
                ChecksumCache::open(None)
            };
            let mut live = app.read_live().await?;
            sim.clear_request_log();
            let (r0, b0) = (api.requests_sent(), sim.bytes_served());
            let started = Instant::now();
            read_server_level(&api, &cache, &desired, &mut live).await?;
            target.seconds.push(started.elapsed().as_secs_f64());
            target.requests = api.requests_sent() - r0 + downloads(&sim);
            target.bytes = sim.bytes_served() - b0;
            let p = plan(&desired, &live)?;
            ensure!(
                p.changes.is_empty(),
                "a plan after apply has {} changes, e.g. {:?}",
                p.changes.len(),
                p.changes.first().map(|c| c.address.to_string())
            );
        }
    }
    let naive = naive_read(&sim, &app, &api, runs).await?;
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(Figures {
        dialect,
        servers,
        seed_seconds,
        seed_requests,
        floor_requests,
        warm,
        cold,
        naive,
        limit: match dialect {
            Dialect::Pterodactyl => 720,
            Dialect::Pelican => 256,
        },
    })
}

/// The signed downloads since the request log was cleared: each signed URL the panel handed
/// out was then fetched from Wings with a plain HTTP client, outside the API client's count.
fn downloads(sim: &SimHandle) -> u64 {
    sim.request_log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/files/download"))
        .count() as u64
}

/// The read with no checksums at all: each server's two listings, and both files downloaded
/// through signed URLs (2 requests each: the URL, then the file).
async fn naive_read(
    sim: &SimHandle,
    app: &PanelClient,
    api: &ClientApi,
    runs: usize,
) -> anyhow::Result<Read> {
    let mut out = Read::default();
    let live = app.read_live().await?;
    let tmp = std::env::temp_dir().join(format!("roost-bench-naive-{}", std::process::id()));
    for _ in 0..runs {
        sim.clear_request_log();
        let (r0, b0) = (api.requests_sent(), sim.bytes_served());
        let started = Instant::now();
        for s in &live.servers {
            let id = &s.identifier;
            api.schedules(id).await?;
            api.subusers(id).await?;
            for path in ["/server.properties", "/plugins/Tool.jar"] {
                let url = api.file_download_url(id, path).await?;
                api.download_signed(&url, &tmp).await?;
            }
        }
        out.seconds.push(started.elapsed().as_secs_f64());
        out.requests = api.requests_sent() - r0 + downloads(sim);
        out.bytes = sim.bytes_served() - b0;
    }
    let _ = std::fs::remove_file(&tmp);
    Ok(out)
}

/// The figure as a table: requests and bytes of each read against the floor, and the time
/// each takes here and at the panel's client limit.
pub fn print(f: &Figures) {
    let n = f.servers;
    println!(
        "server-level state, {} ({n} servers × 2 schedules, 1 subuser, 2 files; seeded in {:.1} s, {} requests)",
        f.dialect, f.seed_seconds, f.seed_requests
    );
    println!(
        "  {:<34} {:>9} {:>8} {:>10} {:>9} {:>15}",
        "read", "requests", "× floor", "MiB", "seconds", "at the limit"
    );
    let minutes = |requests: u64| requests as f64 / f64::from(f.limit);
    let row = |name: &str, r: &Read| {
        println!(
            "  {:<34} {:>9} {:>8.2} {:>10.2} {:>9} {:>10.1} min",
            name,
            r.requests,
            r.requests as f64 / f.floor_requests as f64,
            r.bytes as f64 / (1024.0 * 1024.0),
            format!("{:.2}", r.seconds.median()),
            minutes(r.requests)
        );
    };
    println!(
        "  {:<34} {:>9} {:>8.2} {:>10} {:>9} {:>10.1} min",
        "floor (2 listings + 1 per directory)",
        f.floor_requests,
        1.0,
        "",
        "",
        minutes(f.floor_requests)
    );
    row("plan, cache as apply left it", &f.warm);
    row("plan, empty cache (fresh CI runner)", &f.cold);
    row("naive: download every file", &f.naive);
    println!(
        "  (at the limit: requests ÷ {}/min, the {} client limit per user)\n",
        f.limit, f.dialect
    );
}
