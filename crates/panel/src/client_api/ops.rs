//! The Client API's route table: per operation its verb, the subuser permission it needs, the
//! limiter it passes and its retry rule (client/README.md endpoint index and §8; the
//! per-resource files). URLs come from the model's client routes
//! (`roost_model::client_*_routes`); everything else a request needs to know is here, in one
//! place.

use crate::client_api::limits::ClientLimiter;
use crate::retry::OperationRule;
use roost_model::Dialect;

/// A power signal (`POST …/power`). There is no `hibernate` in either panel or Wings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerSignal {
    Start,
    Stop,
    Restart,
    Kill,
}

impl PowerSignal {
    pub fn as_str(self) -> &'static str {
        match self {
            PowerSignal::Start => "start",
            PowerSignal::Stop => "stop",
            PowerSignal::Restart => "restart",
            PowerSignal::Kill => "kill",
        }
    }

    /// The permission a subuser needs to send it (`kill` counts as a stop).
    pub fn permission(self) -> &'static str {
        match self {
            PowerSignal::Start => "control.start",
            PowerSignal::Stop | PowerSignal::Kill => "control.stop",
            PowerSignal::Restart => "control.restart",
        }
    }
}

/// An HTTP verb of the Client API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
        }
    }

    pub(crate) fn method(self) -> reqwest::Method {
        match self {
            Verb::Get => reqwest::Method::GET,
            Verb::Post => reqwest::Method::POST,
            Verb::Put => reqwest::Method::PUT,
            Verb::Delete => reqwest::Method::DELETE,
        }
    }
}

/// Every Client-API operation roost's client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientOp {
    ListServers,
    Permissions,
    Account,
    ApiKeys,
    ApiKeyCreate,
    ApiKeyDelete,
    ServerDetails,
    Resources,
    Websocket,
    Activity,
    Command,
    Power(PowerSignal),
    Rename,
    Description,
    Reinstall,
    DockerImage,
    Startup,
    StartupVariable,
    Databases,
    DatabaseCreate,
    DatabaseRotate,
    DatabaseDelete,
    FileList,
    FileContents,
    FileDownload,
    FileUpload,
    FileWrite,
    FileRename,
    FileCopy,
    FileDelete,
    FileCompress,
    FileDecompress,
    FileChmod,
    FileCreateFolder,
    FilePull,
    Schedules,
    Schedule,
    ScheduleCreate,
    ScheduleUpdate,
    ScheduleDelete,
    ScheduleExecute,
    TaskCreate,
    TaskUpdate,
    TaskDelete,
    Allocations,
    AllocationAssign,
    AllocationNotes,
    AllocationPrimary,
    AllocationDelete,
    Subusers,
    Subuser,
    SubuserCreate,
    SubuserUpdate,
    SubuserDelete,
    Backups,
    Backup,
    BackupCreate,
    BackupDownload,
    BackupLock,
    BackupRestore,
    BackupRename,
    BackupDelete,
}

/// What a request of one operation needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpSpec {
    pub verb: Verb,
    /// The subuser permission the route checks (owners and admins hold every one).
    pub permission: Option<&'static str>,
    /// The route's own limiter, besides the per-user bucket every route counts in (`None`
    /// where this dialect has none).
    pub limiter: Option<ClientLimiter>,
    pub rule: OperationRule,
    /// The one dialect that has the route, if only one does.
    pub only: Option<Dialect>,
}

const fn op(verb: Verb, permission: Option<&'static str>, rule: OperationRule) -> OpSpec {
    OpSpec {
        verb,
        permission,
        limiter: None,
        rule,
        only: None,
    }
}

impl OpSpec {
    const fn limited(mut self, limiter: ClientLimiter) -> OpSpec {
        self.limiter = Some(limiter);
        self
    }

    const fn only(mut self, dialect: Dialect) -> OpSpec {
        self.only = Some(dialect);
        self
    }
}

impl ClientOp {
    /// The operation's row of the table, in `dialect`.
    pub fn spec(self, dialect: Dialect) -> OpSpec {
        let mut spec = self.row(dialect);
        // A limiter the dialect does not apply is not planned for.
        spec.limiter = spec.limiter.filter(|l| l.rule(dialect).is_some());
        spec
    }

    fn row(self, dialect: Dialect) -> OpSpec {
        use ClientOp::*;
        use OperationRule::{Once, Read, Repeatable, Verify, VerifyNoResend};
        use Verb::{Get, Post, Put};
        const REMOVE: OperationRule = OperationRule::Delete;
        let p = Some;
        match self {
            ListServers | Permissions | Account | ApiKeys | ServerDetails | Resources => {
                op(Get, None, Read)
            }
            // The secret of a new key is shown once: a lost answer cannot be recovered.
            ApiKeyCreate => op(Post, None, VerifyNoResend),
            ApiKeyDelete => op(Verb::Delete, None, REMOVE),
            Websocket => op(Get, p("websocket.connect"), Read).limited(ClientLimiter::Websocket),
            Activity => op(Get, p("activity.read"), Read),
            Command => op(Post, p("control.console"), Once),
            Power(signal) => op(Post, p(signal.permission()), Once),
            Rename => op(Post, p("settings.rename"), Repeatable),
            ClientOp::Description => {
                op(Post, p("settings.description"), Repeatable).only(Dialect::Pelican)
            }
            Reinstall => op(Post, p("settings.reinstall"), Once),
            DockerImage => op(Put, p("startup.docker-image"), Repeatable),
            Startup => op(Get, p("startup.read"), Read),
            StartupVariable => op(Put, p("startup.update"), Repeatable),
            Databases => op(Get, p("database.read"), Read),
            DatabaseCreate => {
                // Pelican's client create answers 500 and leaves the database on the host
                // (client/README.md, checked against running panels): never sent again.
                let rule = match dialect {
                    Dialect::Pterodactyl => Verify,
                    Dialect::Pelican => VerifyNoResend,
                };
                op(Post, p("database.create"), rule).limited(ClientLimiter::DatabaseCreate)
            }
            // A second rotation only replaces a password nobody has seen; the last answer
            // carries the one in force.
            DatabaseRotate => op(Post, p("database.update"), Repeatable),
            DatabaseDelete => op(Verb::Delete, p("database.delete"), REMOVE),
            FileList => op(Get, p("file.read"), Read),
            FileContents | FileDownload => op(Get, p("file.read-content"), Read),
            FileUpload => op(Get, p("file.create"), Read),
            FileWrite | FileCreateFolder => op(Post, p("file.create"), Repeatable),
            FileRename => op(Put, p("file.update"), Once),
            FileChmod => op(Post, p("file.update"), Repeatable),
            FileCopy | FileDecompress => op(Post, p("file.create"), Once),
            FileDelete => op(Post, p("file.delete"), Repeatable),
            FileCompress => op(Post, p("file.archive"), Once),
            FilePull => op(Post, p("file.create"), Once).limited(ClientLimiter::FilePull),
            Schedules | Schedule => op(Get, p("schedule.read"), Read),
            ScheduleCreate => {
                op(Post, p("schedule.create"), Verify).limited(ClientLimiter::ScheduleCreate)
            }
            ScheduleUpdate | TaskUpdate => op(Post, p("schedule.update"), Repeatable),
            ScheduleDelete => op(Verb::Delete, p("schedule.delete"), REMOVE),
            ScheduleExecute => op(Post, p("schedule.update"), Once),
            TaskCreate => op(Post, p("schedule.update"), Verify),
            TaskDelete => op(Verb::Delete, p("schedule.update"), REMOVE),
            Allocations => op(Get, p("allocation.read"), Read),
            AllocationAssign => {
                op(Post, p("allocation.create"), Verify).limited(ClientLimiter::AllocationCreate)
            }
            AllocationNotes | AllocationPrimary => op(Post, p("allocation.update"), Repeatable),
            AllocationDelete => op(Verb::Delete, p("allocation.delete"), REMOVE),
            Subusers | Subuser => op(Get, p("user.read"), Read),
            SubuserCreate => {
                op(Post, p("user.create"), Verify).limited(ClientLimiter::SubuserCreate)
            }
            SubuserUpdate => op(Post, p("user.update"), Repeatable),
            SubuserDelete => op(Verb::Delete, p("user.delete"), REMOVE),
            Backups | Backup => op(Get, p("backup.read"), Read),
            BackupCreate => {
                op(Post, p("backup.create"), Verify).limited(ClientLimiter::BackupCreate)
            }
            BackupDownload => op(Get, p("backup.download"), Read),
            // Lock toggles: re-read to see whether it flipped before sending again.
            BackupLock => op(Post, p("backup.delete"), Verify),
            BackupRestore => {
                op(Post, p("backup.restore"), Once).limited(ClientLimiter::BackupRestore)
            }
            BackupRename => op(Put, p("backup.delete"), Repeatable).only(Dialect::Pelican),
            BackupDelete => op(Verb::Delete, p("backup.delete"), REMOVE),
        }
    }

    /// Every operation (power once per signal), for tables and tests.
    pub const ALL: &'static [ClientOp] = {
        use ClientOp::*;
        &[
            ListServers,
            Permissions,
            Account,
            ApiKeys,
            ApiKeyCreate,
            ApiKeyDelete,
            ServerDetails,
            Resources,
            Websocket,
            Activity,
            Command,
            Power(PowerSignal::Start),
            Power(PowerSignal::Stop),
            Power(PowerSignal::Restart),
            Power(PowerSignal::Kill),
            Rename,
            Description,
            Reinstall,
            DockerImage,
            Startup,
            StartupVariable,
            Databases,
            DatabaseCreate,
            DatabaseRotate,
            DatabaseDelete,
            FileList,
            FileContents,
            FileDownload,
            FileUpload,
            FileWrite,
            FileRename,
            FileCopy,
            FileDelete,
            FileCompress,
            FileDecompress,
            FileChmod,
            FileCreateFolder,
            FilePull,
            Schedules,
            Schedule,
            ScheduleCreate,
            ScheduleUpdate,
            ScheduleDelete,
            ScheduleExecute,
            TaskCreate,
            TaskUpdate,
            TaskDelete,
            Allocations,
            AllocationAssign,
            AllocationNotes,
            AllocationPrimary,
            AllocationDelete,
            Subusers,
            Subuser,
            SubuserCreate,
            SubuserUpdate,
            SubuserDelete,
            Backups,
            Backup,
            BackupCreate,
            BackupDownload,
            BackupLock,
            BackupRestore,
            BackupRename,
            BackupDelete,
        ]
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The permission names of `/api/client/permissions` per dialect (client/subusers.md),
    /// declared once in the model.
    fn known(dialect: Dialect) -> &'static [&'static str] {
        roost_model::subuser_permissions(dialect)
    }

    #[test]
    fn every_permission_in_the_table_is_one_the_dialect_knows() {
        for dialect in Dialect::ALL {
            for op in ClientOp::ALL {
                let spec = op.spec(dialect);
                if spec.only.is_some_and(|d| d != dialect) {
                    continue;
                }
                if let Some(p) = spec.permission {
                    assert!(known(dialect).contains(&p), "{op:?} on {dialect}: {p}");
                }
            }
        }
    }

    #[test]
    fn rules_follow_the_operation_not_the_verb() {
        let pt = |op: ClientOp| op.spec(Dialect::Pterodactyl);
        let pl = |op: ClientOp| op.spec(Dialect::Pelican);
        // Updates are POSTs, yet repeatable; power and command are never re-sent.
        assert_eq!(pt(ClientOp::ScheduleUpdate).verb, Verb::Post);
        assert_eq!(pt(ClientOp::ScheduleUpdate).rule, OperationRule::Repeatable);
        assert_eq!(
            pt(ClientOp::Power(PowerSignal::Start)).rule,
            OperationRule::Once
        );
        assert_eq!(pt(ClientOp::Command).rule, OperationRule::Once);
        assert_eq!(pt(ClientOp::DatabaseCreate).rule, OperationRule::Verify);
        assert_eq!(
            pl(ClientOp::DatabaseCreate).rule,
            OperationRule::VerifyNoResend
        );
        assert_eq!(
            pt(ClientOp::Power(PowerSignal::Kill)).permission,
            Some("control.stop")
        );
        // Limiters only where the dialect applies them.
        assert_eq!(pt(ClientOp::DatabaseCreate).limiter, None);
        assert_eq!(
            pl(ClientOp::DatabaseCreate).limiter,
            Some(ClientLimiter::DatabaseCreate)
        );
        assert_eq!(
            pl(ClientOp::Websocket).limiter,
            Some(ClientLimiter::Websocket)
        );
        assert_eq!(
            pt(ClientOp::FilePull).limiter,
            Some(ClientLimiter::FilePull)
        );
        assert_eq!(
            pt(ClientOp::BackupCreate).limiter,
            Some(ClientLimiter::BackupCreate)
        );
        assert_eq!(pl(ClientOp::BackupRename).only, Some(Dialect::Pelican));
    }
}
