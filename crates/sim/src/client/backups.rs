//! `/servers/{server}/backups` (client/backups.md): backups as the panel records them. Listing
//! (20 per page, `meta.backup_count`), lock toggling and Pelican's rename are the panel's own;
//! creating, deleting (Wings storage) and restoring hand work to Wings after the panel's
//! throttle, limit and state checks. The creation throttle counts deleted backups on
//! Pterodactyl (soft deletes), not on Pelican.

use super::access::unauthorized;
use super::ctx::Cx;
use super::jwt::{Scope, TokenRequest, sign};
use super::listing::{Links, paginate};
use super::servers::owned;
use super::wings::{WingsCall, WingsError, daemon_error};
use crate::render::{close, open};
use crate::response::{ApiErr, Out, Res, validate};
use crate::rules::{Validator, string_column_max, truthy};
use crate::state::{Backup, SimState};
use crate::util::{W, ts_datetime, ts_iso};
use roost_model::Dialect;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    List,
    Create,
    View(String),
    Download(String),
    Rename(String),
    Lock(String),
    Restore(String),
    Delete(String),
}

pub fn routes(d: Dialect, tail: &[&str]) -> Vec<(&'static str, Route)> {
    let s = |x: &str| x.to_string();
    match (d, tail) {
        (_, []) => vec![("GET", Route::List), ("POST", Route::Create)],
        (_, [b]) => vec![("GET", Route::View(s(b))), ("DELETE", Route::Delete(s(b)))],
        (_, [b, "download"]) => vec![("GET", Route::Download(s(b)))],
        (Dialect::Pelican, [b, "rename"]) => vec![("PUT", Route::Rename(s(b)))],
        (_, [b, "lock"]) => vec![("POST", Route::Lock(s(b)))],
        (_, [b, "restore"]) => vec![("POST", Route::Restore(s(b)))],
        _ => vec![],
    }
}

/// `{backup}` is a uuid scoped to the server (Pterodactyl's soft-deleted ones are gone).
pub fn bind(st: &SimState, sid: u64, route: &Route) -> Result<Option<u64>, ApiErr> {
    let (Route::View(u)
    | Route::Download(u)
    | Route::Rename(u)
    | Route::Lock(u)
    | Route::Restore(u)
    | Route::Delete(u)) = route
    else {
        return Ok(None);
    };
    st.server_backups(sid)
        .find(|b| &b.uuid == u)
        .map(|b| Some(b.id))
        .ok_or_else(ApiErr::not_found)
}

pub fn handle(st: &mut SimState, cx: &mut Cx, sid: u64, route: Route, b: Option<u64>) -> Res {
    let b = || b.ok_or_else(ApiErr::not_found);
    match route {
        Route::List => list(st, cx, sid),
        Route::Create => create(st, cx, sid),
        Route::View(_) => {
            controller_check(st, cx, sid, "backup.read")?;
            one(st, b()?)
        }
        Route::Lock(_) => lock(st, cx, sid, b()?),
        Route::Rename(_) => rename(st, cx, sid, b()?),
        Route::Delete(_) => delete(st, cx, sid, b()?),
        Route::Download(_) => download(st, cx, sid, b()?),
        Route::Restore(_) => restore(st, cx, sid, b()?),
    }
}

/// The controllers' own `can()` checks (an `AuthorizationException`, i.e. the usual 403).
fn controller_check(st: &SimState, cx: &Cx, sid: u64, perm: &str) -> Result<(), ApiErr> {
    if cx.access(st, sid)?.can(perm) {
        Ok(())
    } else {
        Err(unauthorized())
    }
}

/// The `backup` object (Pelican adds `is_scheduled`).
fn render(w: &mut W, d: Dialect, b: &Backup) {
    open(w, "backup");
    w.k_str("uuid", &b.uuid);
    w.k_bool("is_successful", b.is_successful);
    w.k_bool("is_locked", b.is_locked);
    if d == Dialect::Pelican {
        w.k_bool("is_scheduled", b.is_scheduled);
    }
    w.k_str("name", &b.name);
    w.key("ignored_files");
    w.arr();
    for f in &b.ignored_files {
        w.str(f);
    }
    w.end_arr();
    w.k_ostr("checksum", b.checksum.as_deref());
    w.k_i64("bytes", b.bytes);
    w.k_str("created_at", &ts_iso(b.created_at));
    w.k_ostr("completed_at", b.completed_at.map(ts_iso).as_deref());
    close(w);
}

fn one(st: &SimState, id: u64) -> Res {
    let b = st.backups.get(&id).ok_or_else(ApiErr::not_found)?;
    let mut w = W::new();
    render(&mut w, st.dialect, b);
    Ok(Out::json(200, w.s))
}

fn list(st: &SimState, cx: &Cx, sid: u64) -> Res {
    controller_check(st, cx, sid, "backup.read")?;
    let items: Vec<&Backup> = st.server_backups(sid).collect();
    let count = items.iter().filter(|b| b.non_failed()).count();
    // `min($request->query('per_page') ?? 20, 50)`.
    let pp = match cx.q("per_page").map(|p| p.trim().parse::<i64>()) {
        None => 20,
        Some(Ok(0)) => 15,
        Some(Ok(n)) if n > 0 => (n as usize).min(50),
        Some(Ok(_)) => return Err(ApiErr::server("QueryException")),
        Some(Err(_)) => 50,
    };
    Ok(paginate(
        cx,
        st,
        &items,
        pp,
        Links::PageOnly,
        |w| w.k_i64("backup_count", count as i64),
        |w, c, b| render(w, c.d, b),
    ))
}

/// Why a backup could not be started: a panel answer, or a daemon failure (which a schedule
/// task may be allowed to survive).
pub enum Failure {
    Panel(ApiErr),
    Daemon(WingsError),
}

impl From<ApiErr> for Failure {
    fn from(e: ApiErr) -> Self {
        Failure::Panel(e)
    }
}

/// What a new backup is made from.
struct Start {
    name: Option<String>,
    ignored: String,
    locked: bool,
    scheduled: bool,
    /// Schedule tasks rotate out the oldest unlocked backup at the limit instead of failing.
    rotate: bool,
}

/// `InitiateBackupService::handle`: throttle, limit (with rotation for schedule tasks), then
/// the row and the daemon call; a daemon failure rolls the row back.
fn initiate(st: &mut SimState, cx: &Cx, sid: u64, start: Start) -> Result<u64, Failure> {
    let now = st.now();
    let (limit, period) = (
        st.settings.backup_throttle_limit,
        st.settings.backup_throttle_period,
    );
    if period > 0 {
        // Pterodactyl counts soft-deleted rows too; Pelican deletes rows.
        let recent: Vec<&Backup> = st
            .server_backup_rows(sid)
            .filter(|b| b.non_failed() && b.created_at >= now - period)
            .filter(|b| cx.d == Dialect::Pterodactyl || b.deleted_at.is_none())
            .collect();
        if recent.len() >= limit as usize {
            let newest = recent.iter().map(|b| b.created_at).max().unwrap_or(now);
            return Err(Failure::Panel(ApiErr {
                retry_after: Some((newest + period - now).max(0) as u64),
                ..ApiErr::new(
                    429,
                    "TooManyRequestsHttpException",
                    format!(
                        "Only {limit} backups may be generated within a {period} second span of time."
                    ),
                )
            }));
        }
    }
    let backup_limit = st.servers.get(&sid).and_then(|s| s.backup_limit);
    let live: Vec<&Backup> = st.server_backups(sid).filter(|b| b.non_failed()).collect();
    if backup_limit.is_none_or(|l| l == 0 || live.len() as i64 >= l) {
        // `new TooManyBackupsException(int $limit)` with a null limit is PHP's TypeError.
        let Some(l) = backup_limit else {
            return Err(ApiErr::server("TypeError").into());
        };
        let too_many = || {
            ApiErr::display(
                "TooManyBackupsException",
                format!(
                    "Cannot create a new backup, this server has reached its limit of {l} backups."
                ),
            )
        };
        if !start.rotate || l <= 0 {
            return Err(too_many().into());
        }
        let oldest = live
            .iter()
            .filter(|b| !b.is_locked)
            .min_by_key(|b| (b.created_at, b.id))
            .map(|b| b.id)
            .ok_or_else(too_many)?;
        remove(st, cx, sid, oldest)?;
    }
    let id = SimState::next_id(&mut st.counters.backup);
    let uuid = st.new_uuid();
    let name = start
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("Backup at {}", ts_datetime(now)));
    let ignored: Vec<String> = start
        .ignored
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let call = WingsCall::Backup {
        uuid: uuid.clone(),
        adapter: "wings".into(),
        ignore: ignored.join("\n"),
    };
    cx.wings(st, sid, call).map_err(Failure::Daemon)?;
    st.insert_backup(Backup {
        id,
        server_id: sid,
        uuid,
        name,
        ignored_files: ignored,
        disk: "wings".into(),
        checksum: None,
        bytes: 0,
        is_successful: false,
        is_locked: start.locked,
        is_scheduled: start.scheduled && cx.d == Dialect::Pelican,
        created_at: now,
        completed_at: None,
        deleted_at: None,
    });
    Ok(id)
}

fn create(st: &mut SimState, cx: &mut Cx, sid: u64) -> Res {
    cx.access(st, sid)?.require("backup.create")?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check(
        "name",
        &format!("nullable|string|max:{}", string_column_max(cx.d)),
    );
    v.check("is_locked", "nullable|boolean");
    v.check("ignored", "nullable|string");
    validate(v)?;
    let may_lock = cx.access(st, sid)?.can("backup.delete");
    let locked = cx.get("is_locked").is_some_and(truthy);
    let start = Start {
        name: cx.str("name"),
        ignored: cx.str("ignored").unwrap_or_default(),
        locked: may_lock && locked,
        scheduled: false,
        rotate: false,
    };
    let id = match initiate(st, cx, sid, start) {
        Ok(id) => id,
        Err(Failure::Panel(e)) => return Err(e),
        Err(Failure::Daemon(e)) => return Err(daemon_error(cx.d, &e)),
    };
    cx.changed = true;
    let name = st
        .backups
        .get(&id)
        .map(|b| b.name.clone())
        .unwrap_or_default();
    cx.log(
        "server:backup.start",
        Some(sid),
        json!({"name": name, "locked": locked}),
    );
    one(st, id)
}

/// A schedule's backup task: rotation at the limit, Pelican marks it scheduled. Daemon
/// failures come back as such so the task's `continue_on_failure` can apply.
pub fn scheduled(st: &mut SimState, cx: &mut Cx, sid: u64, payload: &str) -> Result<(), Failure> {
    let start = Start {
        name: None,
        ignored: payload.to_string(),
        locked: false,
        scheduled: true,
        rotate: true,
    };
    initiate(st, cx, sid, start)?;
    cx.changed = true;
    Ok(())
}

fn lock(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    controller_check(st, cx, sid, "backup.delete")?;
    let b = st.backups.get_mut(&id).ok_or_else(ApiErr::not_found)?;
    b.is_locked = !b.is_locked;
    let event = if b.is_locked {
        "server:backup.lock"
    } else {
        "server:backup.unlock"
    };
    let name = b.name.clone();
    cx.changed = true;
    cx.log(event, Some(sid), json!({"name": name}));
    one(st, id)
}

fn rename(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    cx.access(st, sid)?.require("backup.delete")?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("name", "required|string|max:255");
    validate(v)?;
    let new = cx.str("name").unwrap_or_default();
    let b = st.backups.get_mut(&id).ok_or_else(ApiErr::not_found)?;
    let old = std::mem::replace(&mut b.name, new.clone());
    cx.changed = true;
    if old != new {
        cx.log(
            "server:backup.rename",
            Some(sid),
            json!({"old_name": old, "new_name": new}),
        );
    }
    one(st, id)
}

/// `DeleteBackupService`: a locked, completed backup stays; otherwise Wings deletes the
/// archive (Pterodactyl ignores a 404 from it, Pelican any failure of an unsuccessful backup)
/// and the row goes (Pterodactyl: soft-deleted).
fn remove(st: &mut SimState, cx: &Cx, sid: u64, id: u64) -> Result<(), Failure> {
    let b = st.backups.get(&id).ok_or_else(ApiErr::not_found)?;
    if b.is_locked && b.is_successful && b.completed_at.is_some() {
        return Err(ApiErr::display(
            "BackupLockedException",
            "Cannot delete a backup that is marked as locked.",
        )
        .into());
    }
    let (uuid, successful, disk) = (b.uuid.clone(), b.is_successful, b.disk.clone());
    if !(cx.d == Dialect::Pterodactyl && disk == "s3") {
        match cx.wings(st, sid, WingsCall::DeleteBackup { uuid }) {
            Ok(_) => {}
            Err(WingsError::Status { status: 404, .. }) if cx.d == Dialect::Pterodactyl => {}
            Err(_) if cx.d == Dialect::Pelican && !successful => {}
            Err(e) => return Err(Failure::Daemon(e)),
        }
    }
    match cx.d {
        Dialect::Pterodactyl => {
            let now = st.now();
            if let Some(b) = st.backups.get_mut(&id) {
                b.deleted_at = Some(now);
            }
        }
        Dialect::Pelican => {
            st.remove_backup(id);
        }
    }
    Ok(())
}

fn delete(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    controller_check(st, cx, sid, "backup.delete")?;
    let (name, failed) = st
        .backups
        .get(&id)
        .map(|b| (b.name.clone(), !b.is_successful))
        .ok_or_else(ApiErr::not_found)?;
    match remove(st, cx, sid, id) {
        Ok(()) => {}
        Err(Failure::Panel(e)) => return Err(e),
        Err(Failure::Daemon(e)) => return Err(daemon_error(cx.d, &e)),
    }
    cx.changed = true;
    cx.log(
        "server:backup.delete",
        Some(sid),
        json!({"name": name, "failed": failed}),
    );
    Ok(Out::empty())
}

/// The signed URL of a backup archive (Wings storage: a 15-minute token; S3: a presigned URL).
fn download_url(st: &mut SimState, cx: &Cx, sid: u64, id: u64) -> Result<String, ApiErr> {
    let b = st.backups.get(&id).cloned().ok_or_else(ApiErr::not_found)?;
    let (server, node, user) = owned(st, sid, cx.user)?;
    if b.disk == "s3" {
        return Ok(format!(
            "https://s3.example.invalid/{}/{}.tar.gz?X-Amz-Expires=300",
            server.uuid, b.uuid
        ));
    }
    let now = st.now();
    let token = sign(
        cx.d,
        &mut st.rng,
        TokenRequest {
            node: &node,
            panel_url: cx.base,
            user: &user,
            identified_by: format!("{}{}", user.id, server.uuid),
            now,
            ttl_secs: 900,
            scope: Scope::BackupDownload,
            claims: vec![
                ("backup_uuid", b.uuid.clone().into()),
                ("server_uuid", server.uuid.clone().into()),
            ],
        },
    );
    Ok(format!(
        "{}/download/backup?token={token}",
        cx.daemon_address(&node)
    ))
}

fn download(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    controller_check(st, cx, sid, "backup.download")?;
    let b = st.backups.get(&id).ok_or_else(ApiErr::not_found)?;
    if b.disk != "wings" && b.disk != "s3" {
        return Err(ApiErr::new(
            400,
            "BadRequestHttpException",
            "The backup requested references an unknown disk driver type and cannot be downloaded.",
        ));
    }
    let name = b.name.clone();
    let url = download_url(st, cx, sid, id)?;
    cx.log("server:backup.download", Some(sid), json!({"name": name}));
    let body = json!({"object": "signed_url", "attributes": {"url": url}});
    Ok(Out::json(200, body.to_string()))
}

fn restore(st: &mut SimState, cx: &mut Cx, sid: u64, id: u64) -> Res {
    cx.access(st, sid)?.require("backup.restore")?;
    let mut v = Validator::new(cx.d, &cx.input);
    v.check("truncate", "required|boolean");
    validate(v)?;
    if st.servers.get(&sid).is_some_and(|s| s.status.is_some()) {
        return Err(ApiErr::new(
            400,
            "BadRequestHttpException",
            "This server is not currently in a state that allows for a backup to be restored.",
        ));
    }
    let b = st.backups.get(&id).ok_or_else(ApiErr::not_found)?;
    if !b.is_successful && b.completed_at.is_none() {
        return Err(ApiErr::new(
            400,
            "BadRequestHttpException",
            "This backup cannot be restored at this time: not completed or failed.",
        ));
    }
    let (uuid, name, disk) = (b.uuid.clone(), b.name.clone(), b.disk.clone());
    let url = match (cx.d, disk.as_str()) {
        (Dialect::Pelican, _) | (_, "s3") => Some(download_url(st, cx, sid, id)?),
        _ => None,
    };
    let truncate = cx.get("truncate").is_some_and(truthy);
    let call = WingsCall::RestoreBackup {
        uuid,
        adapter: disk,
        truncate,
        download_url: url,
    };
    cx.wings(st, sid, call)
        .map_err(|e| daemon_error(cx.d, &e))?;
    if let Some(s) = st.servers.get_mut(&sid) {
        s.status = Some("restoring_backup".into());
    }
    cx.changed = true;
    cx.log(
        "server:backup.restore",
        Some(sid),
        json!({"name": name, "truncate": cx.get("truncate").cloned()}),
    );
    Ok(Out::empty())
}
