use super::*;
use Dialect::{Pelican, Pterodactyl};

fn body(code: &str, status: u16, detail: &str) -> Vec<u8> {
    serde_json::json!({"errors": [{"code": code, "status": status.to_string(), "detail": detail}]})
        .to_string()
        .into_bytes()
}

fn facts(
    dialect: Dialect,
    permission: Option<&str>,
    limiter: Option<ClientLimiter>,
) -> RouteFacts<'_> {
    RouteFacts {
        dialect,
        permission,
        limiter,
        is_command: false,
    }
}

fn answer(status: u16, body: &[u8]) -> ErrorAnswer<'_> {
    ErrorAnswer {
        status,
        body,
        retry_after: None,
        limit: None,
        remaining: None,
    }
}

fn on(route: RouteFacts<'_>, path: &str, status: u16, b: &[u8]) -> PanelError {
    classify(route, "POST", path, answer(status, b))
}

#[test]
fn conflicts_name_the_servers_state() {
    let cases = [
        (
            "This server is currently suspended and the functionality requested is unavailable.",
            ServerState::Suspended,
        ),
        (
            "The node of this server is currently under maintenance and the functionality requested is unavailable.",
            ServerState::NodeMaintenance,
        ),
        (
            "This server has not yet completed its installation process, please try again later.",
            ServerState::Installing,
        ),
        (
            "This server is currently restoring from a backup, please try again later.",
            ServerState::RestoringBackup,
        ),
        (
            "This server is currently being transferred to a new machine, please try again later.",
            ServerState::Transferring,
        ),
        ("Something new.", ServerState::Other),
    ];
    for (detail, want) in cases {
        let b = body("ServerStateConflictException", 409, detail);
        let e = on(facts(Pelican, Some("control.start"), None), "/p", 409, &b);
        match &e {
            PanelError::StateConflict { state, .. } => assert_eq!(*state, want, "{detail}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(e.status(), Some(409));
        assert_eq!(e.is_transient(), want.is_temporary());
    }
    assert!(!ServerState::Suspended.is_temporary());
    assert!(ServerState::Installing.is_temporary());
}

#[test]
fn a_denied_permission_names_the_permission_the_route_needs() {
    let b = body(
        "AccessDeniedHttpException",
        403,
        "This action is unauthorized.",
    );
    let e = on(
        facts(Pterodactyl, Some("control.console"), None),
        "/x/command",
        403,
        &b,
    );
    match &e {
        PanelError::MissingPermission { permission, .. } => {
            assert_eq!(permission, "control.console")
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("`control.console`"), "{e}");
    let ws = body(
        "HttpForbiddenException",
        403,
        "You do not have permission to connect to this server's websocket.",
    );
    assert!(matches!(
        on(
            facts(Pelican, Some("websocket.connect"), None),
            "/x/websocket",
            403,
            &ws
        ),
        PanelError::MissingPermission { .. }
    ));
    // A subuser route adds the other reason for the same answer.
    let e = on(
        facts(Pelican, Some("user.update"), None),
        "/servers/x/users/u",
        403,
        &b,
    );
    assert!(e.to_string().contains("own account"), "{e}");
    // Not a permission check: an application key, or a grant the subuser lacks itself.
    let app = body(
        "AccessDeniedHttpException",
        403,
        "You are attempting to use an application API key on an endpoint that requires a client API key.",
    );
    assert!(matches!(
        on(
            facts(Pelican, Some("control.console"), None),
            "/x",
            403,
            &app
        ),
        PanelError::Forbidden { .. }
    ));
    let grant = body(
        "HttpForbiddenException",
        403,
        "Cannot assign permissions to a subuser that your account does not actively possess.",
    );
    assert!(matches!(
        on(
            facts(Pelican, Some("user.create"), None),
            "/servers/x/users",
            403,
            &grant
        ),
        PanelError::Forbidden { .. }
    ));
    // No permission on the route (a server's own page): a plain refusal.
    assert!(matches!(
        on(facts(Pelican, None, None), "/servers/x", 403, &b),
        PanelError::Forbidden { .. }
    ));
    // Pelican with descriptions not editable: the literal body `[]`.
    let e = on(
        facts(Pelican, Some("settings.description"), None),
        "/servers/x/settings/description",
        403,
        b"[]",
    );
    assert!(
        e.to_string().contains("PANEL_EDITABLE_SERVER_DESCRIPTIONS"),
        "{e}"
    );
}

#[test]
fn wings_failures_as_each_dialect_reports_them() {
    let f = facts(Pterodactyl, Some("file.update"), None);
    let unreachable = body(
        "DaemonConnectionException",
        504,
        "Could not establish a connection to the machine running this server. Please try again.",
    );
    assert!(matches!(
        on(f, "/x", 504, &unreachable),
        PanelError::DaemonUnreachable { status: 504, .. }
    ));
    let denylist = body(
        "DaemonConnectionException",
        403,
        "An error occurred on the remote host: This file cannot be modified: present in egg denylist.. (request id: x)",
    );
    match on(f, "/x", 403, &denylist) {
        PanelError::Wings {
            failure,
            status: 403,
            ..
        } => {
            assert_eq!(failure, WingsFailure::Refused { wings_status: 403 });
            assert!(failure.is_refusal());
        }
        other => panic!("{other:?}"),
    }
    let failed = body(
        "DaemonConnectionException",
        500,
        "There was an error while communicating with the machine running this server. (code: 500)",
    );
    assert!(matches!(
        on(f, "/x", 500, &failed),
        PanelError::Wings {
            failure: WingsFailure::Failed { wings_status: 500 },
            ..
        }
    ));
    let generic =
        "An unexpected error was encountered while processing this request, please try again.";
    let pl = facts(Pelican, Some("file.update"), None);
    assert!(matches!(
        on(pl, "/x", 500, &body("RequestException", 500, generic)),
        PanelError::Wings {
            failure: WingsFailure::Unspecified,
            status: 500,
            ..
        }
    ));
    assert!(matches!(
        on(pl, "/x", 500, &body("ConnectionException", 500, generic)),
        PanelError::DaemonUnreachable { status: 500, .. }
    ));
    // Pterodactyl's 502 to a command for a stopped server; the same status elsewhere is a
    // gateway error.
    let offline = body(
        "HttpException",
        502,
        "Server must be online in order to send commands.",
    );
    let command = RouteFacts {
        is_command: true,
        ..facts(Pterodactyl, Some("control.console"), None)
    };
    assert!(matches!(
        on(command, "/x/command", 502, &offline),
        PanelError::Wings {
            failure: WingsFailure::ServerOffline,
            ..
        }
    ));
    assert!(matches!(
        on(f, "/x", 502, &offline),
        PanelError::Server { status: 502, .. }
    ));
}

#[test]
fn refusals_by_exception_class() {
    let f = facts(Pterodactyl, Some("backup.create"), None);
    for (code, want) in [
        ("TooManyBackupsException", Refusal::TooManyBackups),
        ("TooManyDatabasesException", Refusal::TooManyDatabases),
        ("BackupLockedException", Refusal::BackupLocked),
        (
            "ServiceLimitExceededException",
            Refusal::ServiceLimitExceeded,
        ),
        ("FileSizeTooLargeException", Refusal::FileSizeTooLarge),
        ("UserIsServerOwnerException", Refusal::UserIsServerOwner),
        ("ServerSubuserExistsException", Refusal::ServerSubuserExists),
        (
            "NoSuitableDatabaseHostException",
            Refusal::NoSuitableDatabaseHost,
        ),
        (
            "AutoAllocationNotEnabledException",
            Refusal::AutoAllocationNotEnabled,
        ),
        (
            "NoAutoAllocationSpaceAvailableException",
            Refusal::NoAutoAllocationSpace,
        ),
        (
            "DuplicateDatabaseNameException",
            Refusal::DuplicateDatabaseName,
        ),
        ("DisplayException", Refusal::Display),
        ("BadRequestHttpException", Refusal::BadRequest),
        ("TwoFactorAuthRequiredException", Refusal::TwoFactorRequired),
        (
            "SomethingNewException",
            Refusal::Other("SomethingNewException".into()),
        ),
    ] {
        match on(f, "/x", 400, &body(code, 400, "no")) {
            PanelError::Refused {
                reason,
                status: 400,
                ..
            } => assert_eq!(reason, want),
            other => panic!("{code}: {other:?}"),
        }
    }
    // A malformed filter is the client's mistake, not a refusal; 422 stays a validation error.
    assert!(matches!(
        on(f, "/x", 400, &body("InvalidFilterQuery", 400, "no")),
        PanelError::Rejected { .. }
    ));
    let v = br#"{"errors":[{"code":"ValidationException","status":"422","detail":"The value format is invalid.","meta":{"source_field":"value","rule":"regex"}}]}"#;
    assert!(matches!(on(f, "/x", 422, v), PanelError::Validation { .. }));
}

#[test]
fn a_429_names_the_limiter_that_answered() {
    let throttle = body("ThrottleRequestsException", 429, "Too Many Attempts.");
    let create = facts(
        Pelican,
        Some("database.create"),
        Some(ClientLimiter::DatabaseCreate),
    );
    let limited = |limit, remaining| {
        let a = ErrorAnswer {
            retry_after: Some(Duration::from_secs(60)),
            limit,
            remaining,
            ..answer(429, &throttle)
        };
        match classify(create, "POST", "/x/databases", a) {
            PanelError::Throttled {
                limiter,
                retry_after,
                sent: true,
                ..
            } => {
                assert_eq!(retry_after, Some(Duration::from_secs(60)));
                limiter
            }
            other => panic!("{other:?}"),
        }
    };
    // The route limiter's 429 passes back through the client throttle: its headers remain.
    assert_eq!(limited(Some(256), Some(250)), ClientLimiter::DatabaseCreate);
    assert_eq!(limited(Some(2), Some(0)), ClientLimiter::DatabaseCreate);
    assert_eq!(limited(None, None), ClientLimiter::DatabaseCreate);
    // The user's bucket is empty: that is what answered.
    assert_eq!(limited(Some(256), Some(0)), ClientLimiter::Client);
    // No route limiter (Pterodactyl has none here): the bucket.
    let pt = facts(Pterodactyl, Some("database.create"), None);
    assert!(matches!(
        on(pt, "/x", 429, &throttle),
        PanelError::Throttled {
            limiter: ClientLimiter::Client,
            ..
        }
    ));
    // The backup throttle says so in its class; a throttle middleware on that route is the
    // bucket.
    let backups = facts(
        Pterodactyl,
        Some("backup.create"),
        Some(ClientLimiter::BackupCreate),
    );
    let service = body(
        "TooManyRequestsHttpException",
        429,
        "Only 2 backups may be generated within a 600 second span of time.",
    );
    assert!(matches!(
        on(backups, "/x/backups", 429, &service),
        PanelError::Throttled {
            limiter: ClientLimiter::BackupCreate,
            ..
        }
    ));
    assert!(matches!(
        on(backups, "/x/backups", 429, &throttle),
        PanelError::Throttled {
            limiter: ClientLimiter::Client,
            ..
        }
    ));
    let e = on(create, "/x/databases", 429, &throttle);
    assert!(e.to_string().contains("database-create limiter"), "{e}");
    assert!(e.is_transient());
}
