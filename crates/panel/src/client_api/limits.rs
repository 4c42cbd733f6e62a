//! The Client API's limiters (client/README.md §8) and where a client keeps its buckets.
//!
//! * Every `/api/client` route counts in one bucket **per user**, not per key: two keys of one
//!   user share it (Pterodactyl 1.11: 720/min, current Pelican 256/min, earlier Pelicans other
//!   figures, so the panel's `X-RateLimit-*` headers are followed, never a figure assumed).
//!   It is separate from the Application API's bucket.
//! * Pelican (beta31 on) adds limiters per server and route class, all users together:
//!   websocket tokens 5/min, database, allocation and schedule creates 2/min, subuser invites
//!   10 per 15 min, backup restores 3 per 15 min, file pulls 5 per 10 min. Pterodactyl limits
//!   file pulls to 10 per 5 min per user.
//! * Both panels throttle backup creation to 2 per 600 s per server (a service check: its 429
//!   is a `TooManyRequestsHttpException`).
//!
//! [`ClientBuckets`] holds one limiter per bucket, keyed by panel and user (or server), so every
//! [`ClientApi`](crate::ClientApi) of a process sharing one user's budget waits in one queue.
//! The per-server limiters are planned: a client spaces its creates instead of running into
//! the panel's 429s.

use crate::limiter::RateLimiter;
use roost_model::Dialect;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// One of the panels' Client-API limiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientLimiter {
    /// The per-user bucket every `/api/client` route counts in.
    Client,
    /// Pelican: `GET …/websocket`, 5 per minute per server.
    Websocket,
    /// Pelican: `POST …/databases`, 2 per minute per server.
    DatabaseCreate,
    /// Pelican: `POST …/network/allocations`, 2 per minute per server.
    AllocationCreate,
    /// Pelican: `POST …/schedules`, 2 per minute per server.
    ScheduleCreate,
    /// Pelican: `POST …/users`, 10 per 15 minutes per server.
    SubuserCreate,
    /// Pelican: `POST …/backups/{b}/restore`, 3 per 15 minutes per server.
    BackupRestore,
    /// `POST …/files/pull`: Pterodactyl 10 per 5 minutes per user, Pelican 5 per 10 minutes
    /// per server.
    FilePull,
    /// Both panels' backup throttle: 2 backups per 600 s per server (the panel's
    /// `BACKUP_THROTTLE_*` settings may differ).
    BackupCreate,
}

/// Whom a limiter counts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimiterScope {
    User,
    Server,
}

/// A limiter's budget as the panel applies it by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimiterRule {
    pub limit: u32,
    pub window: Duration,
    pub scope: LimiterScope,
}

const fn rule(limit: u32, seconds: u64, scope: LimiterScope) -> Option<LimiterRule> {
    Some(LimiterRule {
        limit,
        window: Duration::from_secs(seconds),
        scope,
    })
}

impl ClientLimiter {
    /// The limiter's default budget in `dialect`, or `None` where that dialect has none.
    pub fn rule(self, dialect: Dialect) -> Option<LimiterRule> {
        use ClientLimiter::*;
        use LimiterScope::*;
        match (dialect, self) {
            (_, Client) => rule(dialect.default_client_rate_limit(), 60, User),
            (_, BackupCreate) => rule(2, 600, Server),
            (Dialect::Pterodactyl, FilePull) => rule(10, 300, User),
            (Dialect::Pterodactyl, _) => None,
            (Dialect::Pelican, Websocket) => rule(5, 60, Server),
            (Dialect::Pelican, DatabaseCreate | AllocationCreate | ScheduleCreate) => {
                rule(2, 60, Server)
            }
            (Dialect::Pelican, SubuserCreate) => rule(10, 900, Server),
            (Dialect::Pelican, BackupRestore) => rule(3, 900, Server),
            (Dialect::Pelican, FilePull) => rule(5, 600, Server),
        }
    }

    fn name(self) -> &'static str {
        match self {
            ClientLimiter::Client => "the client API's per-user limit",
            ClientLimiter::Websocket => "the per-server websocket-token limiter",
            ClientLimiter::DatabaseCreate => "the per-server database-create limiter",
            ClientLimiter::AllocationCreate => "the per-server allocation-create limiter",
            ClientLimiter::ScheduleCreate => "the per-server schedule-create limiter",
            ClientLimiter::SubuserCreate => "the per-server subuser-invite limiter",
            ClientLimiter::BackupRestore => "the per-server backup-restore limiter",
            ClientLimiter::FilePull => "the file-pull limiter",
            ClientLimiter::BackupCreate => "the backup throttle",
        }
    }
}

impl fmt::Display for ClientLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The limiters of every Client-API bucket a process uses, keyed by panel and user or server.
/// Cheap to clone (shared). [`ClientBuckets::global`] is what a [`ClientApi`](crate::ClientApi)
/// uses unless given its own.
#[derive(Clone, Default)]
pub struct ClientBuckets(Arc<Mutex<HashMap<String, Arc<RateLimiter>>>>);

impl fmt::Debug for ClientBuckets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientBuckets(..)")
    }
}

impl ClientBuckets {
    /// An empty registry (for a client that shares its budget with no one else).
    pub fn new() -> Self {
        ClientBuckets::default()
    }

    /// The process-wide registry: every client of one user on one panel shares its bucket.
    pub fn global() -> ClientBuckets {
        static GLOBAL: OnceLock<ClientBuckets> = OnceLock::new();
        GLOBAL.get_or_init(ClientBuckets::new).clone()
    }

    /// The limiter under `key`, made by `make` the first time.
    pub(crate) fn get_or_insert(
        &self,
        key: String,
        make: impl FnOnce() -> RateLimiter,
    ) -> Arc<RateLimiter> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key).or_insert_with(|| Arc::new(make())).clone()
    }

    /// The limiter of `limiter` for `server` (or for `user`, by the limiter's scope) on the
    /// panel at `base_url`, or `None` where the dialect has no such limiter.
    pub(crate) fn route_limiter(
        &self,
        base_url: &str,
        dialect: Dialect,
        limiter: ClientLimiter,
        server: &str,
        user: &str,
    ) -> Option<Arc<RateLimiter>> {
        let rule = limiter.rule(dialect)?;
        let whom = match rule.scope {
            LimiterScope::User => format!("user:{user}"),
            LimiterScope::Server => format!("server:{}", server_key(server)),
        };
        let key = format!("{base_url}|{limiter:?}|{whom}");
        Some(self.get_or_insert(key, || {
            RateLimiter::for_route(limiter, rule.limit, rule.window)
        }))
    }
}

/// One key per server whichever handle addresses it: the identifier is the uuid's first eight
/// characters in both panels.
fn server_key(server: &str) -> String {
    server
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_per_dialect_as_the_panels_apply_them() {
        let pl = |l: ClientLimiter| l.rule(Dialect::Pelican);
        let pt = |l: ClientLimiter| l.rule(Dialect::Pterodactyl);
        assert_eq!(pt(ClientLimiter::Client).map(|r| r.limit), Some(720));
        assert_eq!(pl(ClientLimiter::Client).map(|r| r.limit), Some(256));
        let db = pl(ClientLimiter::DatabaseCreate).unwrap();
        assert_eq!((db.limit, db.window.as_secs()), (2, 60));
        assert_eq!(
            pl(ClientLimiter::SubuserCreate).unwrap().window.as_secs(),
            900
        );
        assert_eq!(pl(ClientLimiter::Websocket).unwrap().limit, 5);
        assert_eq!(pl(ClientLimiter::ScheduleCreate).unwrap().limit, 2);
        for l in [
            ClientLimiter::Websocket,
            ClientLimiter::DatabaseCreate,
            ClientLimiter::ScheduleCreate,
            ClientLimiter::SubuserCreate,
            ClientLimiter::BackupRestore,
            ClientLimiter::AllocationCreate,
        ] {
            assert_eq!(pt(l), None, "{l:?}: Pterodactyl has no such limiter");
        }
        let pull = pt(ClientLimiter::FilePull).unwrap();
        assert_eq!((pull.limit, pull.scope), (10, LimiterScope::User));
        assert_eq!(
            pl(ClientLimiter::FilePull).unwrap().scope,
            LimiterScope::Server
        );
        assert_eq!(
            pt(ClientLimiter::BackupCreate).unwrap().window.as_secs(),
            600
        );
    }

    #[test]
    fn one_limiter_per_server_whichever_handle_names_it() {
        let b = ClientBuckets::new();
        let uuid = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
        let by_id = b
            .route_limiter(
                "http://p",
                Dialect::Pelican,
                ClientLimiter::DatabaseCreate,
                "1a2b3c4d",
                "u1",
            )
            .unwrap();
        let by_uuid = b
            .route_limiter(
                "http://p",
                Dialect::Pelican,
                ClientLimiter::DatabaseCreate,
                uuid,
                "u2",
            )
            .unwrap();
        assert!(
            Arc::ptr_eq(&by_id, &by_uuid),
            "per server, all users together"
        );
        let other = b
            .route_limiter(
                "http://p",
                Dialect::Pelican,
                ClientLimiter::ScheduleCreate,
                uuid,
                "u1",
            )
            .unwrap();
        assert!(!Arc::ptr_eq(&by_id, &other), "per route class");
        let pt_user1 = b
            .route_limiter(
                "http://p",
                Dialect::Pterodactyl,
                ClientLimiter::FilePull,
                uuid,
                "u1",
            )
            .unwrap();
        let pt_user2 = b
            .route_limiter(
                "http://p",
                Dialect::Pterodactyl,
                ClientLimiter::FilePull,
                uuid,
                "u2",
            )
            .unwrap();
        assert!(
            !Arc::ptr_eq(&pt_user1, &pt_user2),
            "Pterodactyl's pull limit is per user"
        );
        assert!(
            b.route_limiter(
                "http://p",
                Dialect::Pterodactyl,
                ClientLimiter::Websocket,
                uuid,
                "u1"
            )
            .is_none()
        );
    }
}
