//! The emulated Wings: one daemon serving every node of the sim, behind the `Wings` seam
//! (`client/wings.rs`) for the panel's calls and on the sim's own HTTP server for what clients
//! reach directly (the console websocket, signed download and upload URLs).
//!
//! Per server it keeps a power state machine on the sim's clock ([`power`]), the console's
//! events and ring buffer ([`console`]), an in-memory volume ([`tree`], [`files`],
//! [`archive`]) and backup archives ([`backups`]). Nothing runs in the background: whoever
//! looks (a panel request, a socket's poll) first moves each server to the sim's present.
//! Work the panel must hear about (finished backups and restores) comes back through
//! `Wings::settle` as reports.

mod archive;
mod backups;
pub mod console;
pub mod faulty;
mod files;
mod jwt;
mod multipart;
pub mod power;
pub mod routes;
pub mod socket;
mod stats;
mod tree;

use crate::client::wings::{Report, ServerConfig, Wings, WingsAnswer, WingsCall, WingsError};
use crate::clock::Clock;
use crate::state::{Node, Server, WingsTimings};
use crate::{Dialect, lock};
use console::{Console, Event};
use files::{FsCx, fail};
use power::{Power, Refused, Timings};
use std::collections::HashMap;
use std::sync::Mutex;
use tree::Tree;

/// Everything the daemon holds for one server.
#[derive(Debug, Default)]
pub struct Box_ {
    pub config: ServerConfig,
    pub power: Power,
    pub console: Console,
    pub tree: Tree,
    pub archives: HashMap<String, backups::Archive>,
    pub pending: Vec<backups::Pending>,
    pub restoring: Option<backups::Restoring>,
}

struct Daemon {
    timings: WingsTimings,
    servers: HashMap<String, Box_>,
    /// Reports not yet collected by the panel.
    reports: Vec<Report>,
    /// `unique_id`s of signed URLs already used, with when they may be forgotten (sim s).
    used_tokens: HashMap<String, i64>,
    /// Denied JTIs and when (sim s): tokens with that JTI issued before are refused.
    denied_jtis: HashMap<String, i64>,
    /// Bumped per node token when the panel deauthorizes users: sockets of an older
    /// generation are dropped.
    deauthorized: HashMap<String, u64>,
}

/// The sim's Wings.
pub struct Emulated {
    dialect: Dialect,
    clock: Clock,
    /// When the daemon booted (sim seconds): tokens issued before are refused.
    boot_s: i64,
    address: String,
    inner: Mutex<Daemon>,
}

/// The name in the daemon's own console lines (`app_name`).
fn app_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Pterodactyl => "Pterodactyl",
        Dialect::Pelican => "pelican",
    }
}

impl Emulated {
    /// A daemon served at `address` (the sim's URL), on the sim's clock.
    pub fn new(dialect: Dialect, clock: Clock, address: String, timings: WingsTimings) -> Self {
        Emulated {
            dialect,
            boot_s: clock.now(),
            clock,
            address,
            inner: Mutex::new(Daemon {
                timings,
                servers: HashMap::new(),
                reports: Vec::new(),
                used_tokens: HashMap::new(),
                denied_jtis: HashMap::new(),
                deauthorized: HashMap::new(),
            }),
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Runs `f` on a server brought to the present (None: the daemon does not know it).
    pub fn with_server<R>(
        &self,
        uuid: &str,
        f: impl FnOnce(&mut Box_, &Timings) -> R,
    ) -> Option<R> {
        let mut d = lock(&self.inner);
        let now = self.clock.now_ms();
        let t = d.timings;
        let timings = Timings {
            start_ms: t.start_ms,
            stop_ms: t.stop_ms,
        };
        let app = app_name(self.dialect);
        let mut reports = Vec::new();
        let r = d.servers.get_mut(uuid).map(|b| {
            b.power.step(now, timings, app, &mut b.console);
            b.settle_backups(now, &mut reports);
            f(b, &timings)
        });
        d.reports.extend(reports);
        r
    }

    /// Power action from the panel or a socket.
    pub fn power(&self, uuid: &str, action: &str) -> Result<(), Refused> {
        let now = self.clock.now_ms();
        let app = app_name(self.dialect);
        self.with_server(uuid, |b, t| {
            let suspended = b.config.suspended;
            b.power.act(action, suspended, now, *t, app, &mut b.console)
        })
        .unwrap_or(Err(Refused::Ignored))
    }

    /// A console line to the server's stdin (echoed as output); false when it is not running.
    pub fn command(&self, uuid: &str, line: &str) -> bool {
        self.with_server(uuid, |b, _| {
            let on = matches!(
                b.power.state,
                power::State::Running | power::State::Starting
            );
            if on {
                b.console.push(Event::Console(line.to_string()));
            }
            on
        })
        .unwrap_or(false)
    }

    /// The stats event's JSON of a server.
    pub fn stats(&self, uuid: &str) -> Option<String> {
        let now = self.clock.now_ms();
        self.with_server(uuid, |b, _| stats::websocket(b, now).to_string())
    }

    /// Records a signed URL's `unique_id`; false when it was used before (single use).
    pub fn redeem(&self, unique_id: &str) -> bool {
        let now = self.clock.now();
        let mut d = lock(&self.inner);
        d.used_tokens.retain(|_, until| *until > now);
        // Wings remembers used ids for an hour.
        d.used_tokens
            .insert(unique_id.to_string(), now + 3_600)
            .is_none()
    }

    /// A file's bytes (None: missing or a directory).
    pub fn read_file(&self, uuid: &str, path: &str) -> Option<Vec<u8>> {
        self.with_server(uuid, |b, _| {
            let p = tree::resolve("/", path)?;
            b.tree.get(&p).and_then(|e| e.content.clone())
        })
        .flatten()
    }

    /// A backup archive's bytes.
    pub fn backup_archive(&self, uuid: &str, backup: &str) -> Option<Vec<u8>> {
        self.with_server(uuid, |b, _| b.archives.get(backup).map(|a| a.bytes.clone()))
            .flatten()
    }

    /// One uploaded file (`upload/file`): denylist and disk limit apply, existing files are
    /// overwritten.
    pub fn upload(
        &self,
        uuid: &str,
        dir: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), WingsError> {
        let now = self.clock.now();
        let d = self.dialect;
        self.with_server(uuid, |b, _| {
            let path = tree::resolve(dir, name)
                .ok_or_else(|| fail(404, "The requested resource was not found on this server."))?;
            let denylist = b.config.denylist.clone();
            // Only `write` checks the length: an upload may be empty on both daemons.
            let cx = FsCx {
                d: Dialect::Pelican,
                ..fs_cx(d, &b.config, &denylist, now)
            };
            files::write(&mut b.tree, &cx, &path, bytes)?;
            Ok(())
        })
        .unwrap_or_else(|| {
            Err(fail(
                404,
                "The requested resource does not exist on this instance.",
            ))
        })
    }

    /// Whether a token with this JTI issued at `iat` (sim s) was denied since.
    pub fn jti_denied(&self, jti: &str, iat: i64) -> bool {
        lock(&self.inner)
            .denied_jtis
            .get(jti)
            .is_some_and(|at| iat < *at)
    }

    /// How often the node's sockets were dropped by a deauthorization.
    pub fn deauthorizations(&self, node_token: &str) -> u64 {
        lock(&self.inner)
            .deauthorized
            .get(node_token)
            .copied()
            .unwrap_or(0)
    }

    /// The daemon's state name of a server (`offline` when unknown).
    pub fn state(&self, uuid: &str) -> &'static str {
        self.with_server(uuid, |b, _| b.power.state.name())
            .unwrap_or("offline")
    }

    /// Events after `cursor` (and the new cursor).
    pub fn events_since(&self, uuid: &str, cursor: u64) -> Vec<(u64, Event)> {
        self.with_server(uuid, |b, _| b.console.since(cursor))
            .unwrap_or_default()
    }

    /// The newest event's sequence number.
    pub fn head(&self, uuid: &str) -> u64 {
        self.with_server(uuid, |b, _| b.console.head()).unwrap_or(0)
    }

    /// The last console lines (`send logs`).
    pub fn logs(&self, uuid: &str) -> Vec<String> {
        self.with_server(uuid, |b, _| b.console.lines())
            .unwrap_or_default()
    }

    /// The server's configuration as last synced (None: unknown to the daemon).
    pub fn config(&self, uuid: &str) -> Option<ServerConfig> {
        lock(&self.inner)
            .servers
            .get(uuid)
            .map(|b| b.config.clone())
    }

    fn dispatch(
        &self,
        b: &mut Box_,
        call: WingsCall,
        t: &WingsTimings,
    ) -> Result<WingsAnswer, WingsError> {
        let now_ms = self.clock.now_ms();
        match call {
            WingsCall::Details => Ok(WingsAnswer::Json(stats::details(b, now_ms))),
            WingsCall::Power { signal } => {
                let app = app_name(self.dialect);
                let timings = Timings {
                    start_ms: t.start_ms,
                    stop_ms: t.stop_ms,
                };
                let suspended = b.config.suspended;
                match b
                    .power
                    .act(&signal, suspended, now_ms, timings, app, &mut b.console)
                {
                    Err(Refused::Suspended) => Err(fail(
                        400,
                        "Cannot start or restart a server that is suspended.",
                    )),
                    Err(Refused::Unknown) => Err(fail(
                        422,
                        "The power action provided was not valid, should be one of \"stop\", \"start\", \"restart\", \"kill\"",
                    )),
                    // Accepted (202): a refused action is only logged by Wings.
                    _ => Ok(WingsAnswer::Accepted),
                }
            }
            WingsCall::Command { command } => {
                if !matches!(
                    b.power.state,
                    power::State::Running | power::State::Starting
                ) {
                    return Err(fail(
                        502,
                        "Cannot send commands to a stopped server instance.",
                    ));
                }
                b.console.push(Event::Console(command));
                Ok(WingsAnswer::Accepted)
            }
            WingsCall::Reinstall => {
                let app = app_name(self.dialect);
                let timings = Timings {
                    start_ms: t.start_ms,
                    stop_ms: t.stop_ms,
                };
                let _ = b
                    .power
                    .act("kill", false, now_ms, timings, app, &mut b.console);
                b.console.push(Event::InstallStarted);
                b.console
                    .push(Event::InstallOutput("Installing server...".into()));
                b.console.push(Event::InstallCompleted);
                Ok(WingsAnswer::Accepted)
            }
            WingsCall::Backup { uuid, ignore, .. } => {
                b.start_backup(&uuid, &ignore, now_ms + t.backup_ms as i64)
            }
            WingsCall::DeleteBackup { uuid } => b.delete_backup(&uuid),
            WingsCall::RestoreBackup { uuid, truncate, .. } => {
                let app = app_name(self.dialect);
                let timings = Timings {
                    start_ms: t.start_ms,
                    stop_ms: t.stop_ms,
                };
                let _ = b
                    .power
                    .act("kill", false, now_ms, timings, app, &mut b.console);
                b.start_restore(&uuid, truncate, now_ms + t.restore_ms as i64)
            }
            WingsCall::DenyTokens { .. } | WingsCall::DeauthorizeUser => Ok(WingsAnswer::Accepted),
            WingsCall::Files {
                route, body, raw, ..
            } => {
                let denylist = b.config.denylist.clone();
                let cx = fs_cx(self.dialect, &b.config, &denylist, now_ms / 1000);
                files::handle(&mut b.tree, &cx, route, &body, &raw)
            }
        }
    }
}

fn fs_cx<'a>(d: Dialect, c: &ServerConfig, denylist: &'a [String], now: i64) -> FsCx<'a> {
    FsCx {
        d,
        denylist,
        disk_limit: (c.disk_mb > 0).then(|| c.disk_mb as u64 * 1024 * 1024),
        now,
    }
}

impl Wings for Emulated {
    fn call(
        &self,
        node: &Node,
        server: &Server,
        call: WingsCall,
    ) -> Result<WingsAnswer, WingsError> {
        match call {
            // `DenyJTI` stores the time; a token issued in that same second is denied too.
            WingsCall::DenyTokens { jtis } => {
                let mut d = lock(&self.inner);
                let at = self.clock.now() + 1;
                for j in jtis {
                    d.denied_jtis.insert(j, at);
                }
                return Ok(WingsAnswer::Accepted);
            }
            WingsCall::DeauthorizeUser => {
                let mut d = lock(&self.inner);
                *d.deauthorized.entry(node.daemon_token.clone()).or_default() += 1;
                return Ok(WingsAnswer::Accepted);
            }
            _ => {}
        }
        let timings = lock(&self.inner).timings;
        self.with_server(&server.uuid, |b, _| self.dispatch(b, call, &timings))
            .unwrap_or_else(|| {
                Err(fail(
                    404,
                    "The requested resource does not exist on this instance.",
                ))
            })
    }

    fn sync(&self, config: &ServerConfig) {
        let mut d = lock(&self.inner);
        d.servers.entry(config.uuid.clone()).or_default().config = config.clone();
    }

    fn settle(&self, timings: &WingsTimings) -> Vec<Report> {
        let uuids: Vec<String> = {
            let mut d = lock(&self.inner);
            d.timings = *timings;
            d.servers.keys().cloned().collect()
        };
        for u in uuids {
            self.with_server(&u, |_, _| ());
        }
        std::mem::take(&mut lock(&self.inner).reports)
    }

    fn address(&self) -> Option<String> {
        Some(self.address.clone())
    }

    fn emulated(&self) -> Option<&Emulated> {
        Some(self)
    }
}
