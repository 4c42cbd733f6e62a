//! What a panel's 5xx answer means for trying again: one typed classification, read from the
//! error body (exception class, message, SQL error codes), used by the retry policy, by
//! [`PanelError::is_transient`](crate::PanelError::is_transient) and by callers that adapt
//! their pace ([`PanelError::is_database_contention`](crate::PanelError::is_database_contention)).
//!
//! Both panels render any exception as `{"errors":[{"code": <class>, "detail": ...}]}`. In
//! production the detail of a database error is the generic "An unexpected error was
//! encountered..."; with `APP_DEBUG` it is the driver's message. So the class alone must be
//! enough where it can be: Laravel throws `DeadlockException` only for concurrency errors; a
//! `QueryException` or `PDOException` is a concurrency error when its message says so
//! (SQLSTATE 40001, MySQL 1213/1205, SQLite "database is locked"), and of unknown cause when the
//! message is hidden.

/// The class of a 5xx answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFault {
    /// The panel's database refused because of concurrent writes: a deadlock or lock wait
    /// timeout (MySQL/MariaDB 1213, 1205, SQLSTATE 40001) or a busy SQLite ("database is
    /// locked"). The transaction was rolled back: the same request can succeed a moment later,
    /// sooner with fewer writes at once. Pelican on SQLite answers `DeadlockException`,
    /// Pterodactyl on MariaDB `QueryException` for a deadlock.
    DatabaseContention,
    /// A database error whose cause the panel does not say (`QueryException`/`PDOException`
    /// with the production message). Under concurrent writes contention is its usual cause, so
    /// it is treated like one: an idempotent request is tried again, a create is re-read.
    DatabaseUnspecified,
    /// The panel could not reach Wings (PT `DaemonConnectionException`, PL `ConnectionException`).
    DaemonUnreachable,
    /// 502–504: a gateway or proxy in front of the panel, or the panel briefly down.
    Gateway,
    /// Anything else (a bug, a state the panel cannot handle): the same request is expected to
    /// fail the same way.
    Other,
}

/// Exception classes (short names, as the panels render them) that mean the Wings call failed.
const DAEMON_CODES: [&str; 2] = ["DaemonConnectionException", "ConnectionException"];

/// Exception classes of a failed database statement, whatever the cause.
const DATABASE_CODES: [&str; 2] = ["QueryException", "PDOException"];

/// Fragments of driver messages that mean a concurrency error (what Laravel's
/// `DetectsConcurrencyErrors` looks for, plus the SQL codes themselves). Compared in lower case.
const CONTENTION_MESSAGES: [&str; 9] = [
    "deadlock found when trying to get lock",
    "try restarting transaction",
    "lock wait timeout exceeded",
    "database is locked",
    "database table is locked",
    "sqlstate[40001]",
    "serialization failure",
    " 1213 ",
    " 1205 ",
];

/// The generic detail both panels send for non-HTTP exceptions in production.
const HIDDEN_DETAIL: &str = "An unexpected error was encountered";

/// Classifies a 5xx answer from its status and the first error entry's class and detail.
pub fn classify(status: u16, code: &str, detail: &str) -> ServerFault {
    if DAEMON_CODES.contains(&code) {
        return ServerFault::DaemonUnreachable;
    }
    if code == "DeadlockException" || mentions_contention(detail) {
        return ServerFault::DatabaseContention;
    }
    if DATABASE_CODES.contains(&code) {
        let hidden = detail.trim().is_empty() || detail.starts_with(HIDDEN_DETAIL);
        return if hidden {
            ServerFault::DatabaseUnspecified
        } else {
            ServerFault::Other
        };
    }
    match status {
        502..=504 => ServerFault::Gateway,
        _ => ServerFault::Other,
    }
}

fn mentions_contention(detail: &str) -> bool {
    // Pad so that " 1213 " also matches a code at either end of the message.
    let text = format!(" {} ", detail.to_lowercase());
    CONTENTION_MESSAGES.iter().any(|m| text.contains(m))
}

impl ServerFault {
    /// Contention in the panel's database, certain or likely: retry idempotent requests with
    /// backoff, and send fewer writes at once.
    pub fn is_contention(self) -> bool {
        matches!(
            self,
            ServerFault::DatabaseContention | ServerFault::DatabaseUnspecified
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ServerFault::*;
    use super::*;

    const GENERIC: &str =
        "An unexpected error was encountered while processing this request, please try again.";

    #[test]
    fn pelican_sqlite_lock_is_contention() {
        assert_eq!(
            classify(
                500,
                "DeadlockException",
                "SQLSTATE[HY000]: General error: 5 database is locked (Connection: sqlite, SQL: update \"servers\" set ...)"
            ),
            DatabaseContention
        );
        // In production the class alone says it.
        assert_eq!(
            classify(500, "DeadlockException", GENERIC),
            DatabaseContention
        );
        assert_eq!(
            classify(
                500,
                "QueryException",
                "SQLSTATE[HY000]: General error: 5 database is locked"
            ),
            DatabaseContention
        );
    }

    #[test]
    fn pterodactyl_mariadb_deadlock_is_contention() {
        assert_eq!(
            classify(
                500,
                "QueryException",
                "SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock; try restarting transaction (Connection: mysql, SQL: insert into `password_resets` ...)"
            ),
            DatabaseContention
        );
        assert_eq!(
            classify(
                500,
                "QueryException",
                "SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; try restarting transaction"
            ),
            DatabaseContention
        );
    }

    #[test]
    fn hidden_database_errors_are_likely_contention() {
        assert_eq!(
            classify(500, "QueryException", GENERIC),
            DatabaseUnspecified
        );
        assert_eq!(classify(500, "PDOException", ""), DatabaseUnspecified);
        assert!(DatabaseUnspecified.is_contention());
    }

    #[test]
    fn other_database_errors_are_not() {
        // A unique-key violation (PL adding an allocation that exists) is not contention.
        assert_eq!(
            classify(
                500,
                "QueryException",
                "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry '10.0.0.5-25565'"
            ),
            Other
        );
        // A port number 1213 in an unrelated message is not an error code.
        assert_eq!(classify(500, "HttpException", "port 12130 is taken"), Other);
    }

    #[test]
    fn daemon_gateway_and_other() {
        assert_eq!(
            classify(500, "ConnectionException", GENERIC),
            DaemonUnreachable
        );
        assert_eq!(
            classify(504, "DaemonConnectionException", "x"),
            DaemonUnreachable
        );
        assert_eq!(classify(502, "", "unexpected body: <html>"), Gateway);
        assert_eq!(classify(503, "HttpException", GENERIC), Gateway);
        assert_eq!(classify(500, "HttpException", GENERIC), Other);
        assert_eq!(classify(500, "", "empty body"), Other);
        for f in [DaemonUnreachable, Gateway, Other] {
            assert!(!f.is_contention(), "{f:?}");
        }
    }
}
