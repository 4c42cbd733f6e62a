//! Schedules and their tasks (client/schedules.md). Updates are full replacements sent as
//! `POST`; creates are verified after an unknown outcome against the ids seen before them.

use crate::client_api::ClientApi;
use crate::client_api::exec::ClientReq;
use crate::client_api::ops::ClientOp;
use crate::client_api::verify::Verified;
use crate::error::PanelError;
use crate::lenient::{de_bool_lenient, de_i64_lenient};
use crate::wire::{Item, Relation};
use roost_model::client_schedule_routes;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The five cron fields, as strings, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cron {
    pub minute: String,
    pub hour: String,
    pub day_of_month: String,
    pub month: String,
    pub day_of_week: String,
}

/// A `server_schedule` with its tasks.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawSchedule")]
pub struct Schedule {
    pub id: u64,
    pub name: String,
    pub cron: Cron,
    pub is_active: bool,
    pub is_processing: bool,
    pub only_when_online: bool,
    pub last_run_at: Option<String>,
    pub next_run_at: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// In `sequence_id` order.
    pub tasks: Vec<Task>,
}

#[derive(Deserialize)]
struct RawSchedule {
    id: u64,
    name: String,
    cron: Cron,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    is_active: bool,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    is_processing: bool,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    only_when_online: bool,
    #[serde(default)]
    last_run_at: Option<String>,
    #[serde(default)]
    next_run_at: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    relationships: Option<ScheduleRelationships>,
}

#[derive(Deserialize)]
struct ScheduleRelationships {
    #[serde(default)]
    tasks: Option<Relation<Task>>,
}

impl From<RawSchedule> for Schedule {
    fn from(r: RawSchedule) -> Self {
        let mut tasks: Vec<Task> = r
            .relationships
            .and_then(|rel| rel.tasks)
            .and_then(|t| t.list().map(|l| l.cloned().collect()))
            .unwrap_or_default();
        tasks.sort_by_key(|t| t.sequence_id);
        Schedule {
            id: r.id,
            name: r.name,
            cron: r.cron,
            is_active: r.is_active,
            is_processing: r.is_processing,
            only_when_online: r.only_when_online,
            last_run_at: r.last_run_at,
            next_run_at: r.next_run_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            tasks,
        }
    }
}

/// A `schedule_task`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Task {
    pub id: u64,
    #[serde(deserialize_with = "de_i64_lenient")]
    pub sequence_id: i64,
    /// `command`, `power`, `backup`, Pelican also `delete_files`.
    pub action: String,
    /// `""` when none.
    #[serde(default)]
    pub payload: String,
    /// Seconds after the previous task.
    #[serde(deserialize_with = "de_i64_lenient")]
    pub time_offset: i64,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub is_queued: bool,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub continue_on_failure: bool,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A schedule's create and update body (update replaces everything). `month` is always sent:
/// Pterodactyl answers 500 without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleBody {
    pub name: String,
    #[serde(flatten)]
    pub cron: Cron,
    pub is_active: bool,
    pub only_when_online: bool,
}

/// A task's create and update body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskBody {
    pub action: String,
    pub payload: String,
    /// 0–900 seconds.
    pub time_offset: u32,
    /// Where to insert it (later tasks move up); `None`: last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<u32>,
    pub continue_on_failure: bool,
}

impl TaskBody {
    fn made(&self, t: &Task) -> bool {
        t.action == self.action
            && t.payload == self.payload
            && t.time_offset == i64::from(self.time_offset)
    }
}

impl ClientApi {
    pub async fn schedules(&self, server: &str) -> Result<Vec<Schedule>, PanelError> {
        let req =
            ClientReq::new(ClientOp::Schedules, client_schedule_routes::list(server)).on(server);
        self.list(&req).await
    }

    pub async fn schedule(&self, server: &str, id: u64) -> Result<Schedule, PanelError> {
        let req =
            ClientReq::new(ClientOp::Schedule, client_schedule_routes::one(server, id)).on(server);
        self.item(&req).await
    }

    /// Creates a schedule (Pelican: 2 per minute per server, planned). The schedules are read
    /// first; after an unknown outcome a new one of this name and cron is taken as made, and
    /// its absence allows sending again.
    pub async fn create_schedule(
        &self,
        server: &str,
        body: &ScheduleBody,
    ) -> Result<Schedule, PanelError> {
        let before: Option<HashSet<u64>> = self
            .schedules(server)
            .await
            .ok()
            .map(|l| l.iter().map(|s| s.id).collect());
        let req = ClientReq::new(
            ClientOp::ScheduleCreate,
            client_schedule_routes::list(server),
        )
        .on(server)
        .json(body)?;
        let verified = self
            .send_verified(&req, "", || async {
                let Some(before) = &before else {
                    return Err(unverifiable("the schedules"));
                };
                let now = self.schedules(server).await.map_err(|e| e.to_string())?;
                Ok(now.into_iter().find(|s| {
                    !before.contains(&s.id) && s.name == body.name && s.cron == body.cron
                }))
            })
            .await?;
        self.take(&req, verified)
    }

    /// Replaces the schedule's name, cron and flags.
    pub async fn update_schedule(
        &self,
        server: &str,
        id: u64,
        body: &ScheduleBody,
    ) -> Result<Schedule, PanelError> {
        let req = ClientReq::new(
            ClientOp::ScheduleUpdate,
            client_schedule_routes::one(server, id),
        )
        .on(server)
        .json(body)?;
        self.item(&req).await
    }

    /// Deletes the schedule and its tasks.
    pub async fn delete_schedule(&self, server: &str, id: u64) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::ScheduleDelete,
            client_schedule_routes::one(server, id),
        )
        .on(server);
        self.send(&req).await.map(|_| ())
    }

    /// Runs the schedule now (its first task inside this request). Never sent twice.
    pub async fn execute_schedule(&self, server: &str, id: u64) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::ScheduleExecute,
            client_schedule_routes::execute(server, id),
        )
        .on(server);
        self.send(&req).await.map(|_| ())
    }

    /// Adds a task (at most 10 per schedule by default). Verified like a schedule's create.
    pub async fn create_task(
        &self,
        server: &str,
        schedule: u64,
        body: &TaskBody,
    ) -> Result<Task, PanelError> {
        let before: Option<HashSet<u64>> = self
            .schedule(server, schedule)
            .await
            .ok()
            .map(|s| s.tasks.iter().map(|t| t.id).collect());
        let req = ClientReq::new(
            ClientOp::TaskCreate,
            client_schedule_routes::tasks(server, schedule),
        )
        .on(server)
        .json(body)?;
        let verified = self
            .send_verified(&req, "", || async {
                let Some(before) = &before else {
                    return Err(unverifiable("the schedule's tasks"));
                };
                let now = self
                    .schedule(server, schedule)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(now
                    .tasks
                    .into_iter()
                    .find(|t| !before.contains(&t.id) && body.made(t)))
            })
            .await?;
        self.take(&req, verified)
    }

    pub async fn update_task(
        &self,
        server: &str,
        schedule: u64,
        task: u64,
        body: &TaskBody,
    ) -> Result<Task, PanelError> {
        let req = ClientReq::new(
            ClientOp::TaskUpdate,
            client_schedule_routes::task(server, schedule, task),
        )
        .on(server)
        .json(body)?;
        self.item(&req).await
    }

    /// Deletes a task (later tasks move down by one).
    pub async fn delete_task(
        &self,
        server: &str,
        schedule: u64,
        task: u64,
    ) -> Result<(), PanelError> {
        let req = ClientReq::new(
            ClientOp::TaskDelete,
            client_schedule_routes::task(server, schedule, task),
        )
        .on(server);
        self.send(&req).await.map(|_| ())
    }

    /// The object of a verified create: the answer's, or the one the re-read found.
    pub(crate) fn take<T: serde::de::DeserializeOwned>(
        &self,
        req: &ClientReq,
        verified: Verified<T>,
    ) -> Result<T, PanelError> {
        match verified {
            Verified::Found(t) => Ok(t),
            Verified::Sent(answer) => {
                let item: Item<T> = self.decode(req, &answer.body)?;
                Ok(item.attributes)
            }
        }
    }
}

/// Why a re-read cannot tell: `what` could not be read before the create, so a new item
/// cannot be told from an old one.
pub(crate) fn unverifiable(what: &str) -> String {
    format!(
        "{what} could not be read before the create, so a new one cannot be told from an old one"
    )
}
