//! Schedules: a server's cron-driven task lists, kept by the panel and run by its queue against
//! Wings. A child kind, declared inside a server block and addressed `server.lobby/schedule.nightly`;
//! managed through the Client API (client/schedules.md), identified by name under the server.

use crate::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The panels' default per-schedule task limit (`PTERODACTYL_PER_SCHEDULE_TASK_LIMIT`,
/// `PANEL_PER_SCHEDULE_TASK_LIMIT`).
pub const SCHEDULE_TASK_LIMIT: usize = 10;
/// The longest wait a task may have after the previous one, in seconds.
pub const TASK_OFFSET_MAX: u32 = 900;
/// The power signals a `power` task may send (the panel stores any string, which then fails
/// when the schedule runs).
pub const POWER_SIGNALS: &[&str] = &["start", "stop", "restart", "kill"];

/// A schedule of a server, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub name: String,
    pub cron: CronSpec,
    /// The panel's `is_active`.
    pub enabled: bool,
    pub only_when_online: bool,
    /// In run order.
    pub tasks: Vec<ScheduleTask>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// The five cron fields as the panel stores them (strings, as written).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
pub struct CronSpec {
    pub minute: String,
    pub hour: String,
    pub day_of_month: String,
    pub month: String,
    pub day_of_week: String,
}

impl CronSpec {
    /// `"0 4 * * *"` → its five fields, each checked as the panels' cron library checks it;
    /// the error names the first field it rejects.
    pub fn parse(expr: &str) -> Result<CronSpec, String> {
        let parts: Vec<&str> = expr.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = parts.as_slice() else {
            return Err(format!(
                "a cron expression has five fields (minute hour day-of-month month day-of-week), this one has {}",
                parts.len()
            ));
        };
        let spec = CronSpec {
            minute: minute.to_string(),
            hour: hour.to_string(),
            day_of_month: dom.to_string(),
            month: month.to_string(),
            day_of_week: dow.to_string(),
        };
        spec.check()?;
        Ok(spec)
    }

    /// Every field valid, as `dragonmantank/cron-expression` reads it.
    pub fn check(&self) -> Result<(), String> {
        let fields = [
            (CronField::Minute, &self.minute),
            (CronField::Hour, &self.hour),
            (CronField::DayOfMonth, &self.day_of_month),
            (CronField::Month, &self.month),
            (CronField::DayOfWeek, &self.day_of_week),
        ];
        for (field, value) in fields {
            if !field.valid(value) {
                let (lo, hi) = field.range();
                return Err(format!(
                    "`{value}` is not a valid {} (numbers {lo}-{hi}, `*`, lists `a,b`, ranges `a-b`, steps `*/n`{})",
                    field.name(),
                    field.extras()
                ));
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for CronSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} {} {}",
            self.minute, self.hour, self.day_of_month, self.month, self.day_of_week
        )
    }
}

#[derive(Clone, Copy, PartialEq)]
enum CronField {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl CronField {
    fn name(self) -> &'static str {
        match self {
            CronField::Minute => "minute",
            CronField::Hour => "hour",
            CronField::DayOfMonth => "day of month",
            CronField::Month => "month",
            CronField::DayOfWeek => "day of week",
        }
    }

    fn extras(self) -> &'static str {
        match self {
            CronField::DayOfMonth => ", `L`, `15W`, `?`",
            CronField::Month => ", names `jan`-`dec`",
            CronField::DayOfWeek => ", names `sun`-`sat`, `5L`, `1#2`, `?`",
            _ => "",
        }
    }

    fn range(self) -> (u32, u32) {
        match self {
            CronField::Minute => (0, 59),
            CronField::Hour => (0, 23),
            CronField::DayOfMonth => (1, 31),
            CronField::Month => (1, 12),
            CronField::DayOfWeek => (0, 7),
        }
    }

    /// One value: a number in range, or a month or weekday name.
    fn value(self, v: &str) -> Option<u32> {
        let upper = v.to_ascii_uppercase();
        let named = match self {
            CronField::Month => MONTHS.iter().position(|m| *m == upper).map(|p| p + 1),
            CronField::DayOfWeek => DAYS.iter().position(|d| *d == upper),
            _ => None,
        };
        let n = match named {
            Some(p) => p as u32,
            None if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => v.parse().ok()?,
            None => return None,
        };
        let (lo, hi) = self.range();
        (lo..=hi).contains(&n).then_some(n)
    }

    /// `*`, a value, `a-b`, each optionally `/step`.
    fn basic(self, part: &str) -> bool {
        let (base, step) = match part.split_once('/') {
            Some((b, s)) => (b, Some(s)),
            None => (part, None),
        };
        if let Some(step) = step {
            let (_, hi) = self.range();
            let ok = !step.is_empty()
                && step.bytes().all(|b| b.is_ascii_digit())
                && step.parse::<u32>().is_ok_and(|n| n >= 1 && n <= hi.max(1));
            if !ok {
                return false;
            }
        }
        if base == "*" {
            return true;
        }
        if let Some((a, b)) = base.split_once('-') {
            return matches!((self.value(a), self.value(b)), (Some(x), Some(y)) if x <= y);
        }
        self.value(base).is_some()
    }

    fn part(self, part: &str) -> bool {
        if self.basic(part) {
            return true;
        }
        match self {
            CronField::DayOfMonth => {
                part == "?"
                    || part == "L"
                    || part == "LW"
                    || part
                        .strip_suffix('W')
                        .is_some_and(|d| self.value(d).is_some())
            }
            CronField::DayOfWeek => {
                if part == "?" {
                    return true;
                }
                if let Some((day, nth)) = part.split_once('#') {
                    return self.value(day).is_some()
                        && nth.parse::<u32>().is_ok_and(|n| (1..=5).contains(&n));
                }
                part.strip_suffix('L')
                    .is_some_and(|d| self.value(d).is_some())
            }
            _ => false,
        }
    }

    fn valid(self, raw: &str) -> bool {
        if raw.is_empty() || raw.chars().any(char::is_whitespace) {
            return false;
        }
        let parts: Vec<&str> = raw.split(',').collect();
        // `L` and `W` stand alone in the day of month.
        if self == CronField::DayOfMonth
            && parts.len() > 1
            && (raw.contains('L') || raw.contains('W'))
        {
            return false;
        }
        parts.iter().all(|p| self.part(p))
    }
}

/// What a task does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskAction {
    /// Sends a console command (payload: the line).
    Command,
    /// Sends a power signal (payload: start, stop, restart or kill).
    Power,
    /// Makes a backup (payload: ignore patterns, one a line; may be empty).
    Backup,
    /// Pelican only: deletes files (payload: paths, one a line).
    DeleteFiles,
}

impl TaskAction {
    pub const ALL: &'static [TaskAction] = &[
        TaskAction::Command,
        TaskAction::Power,
        TaskAction::Backup,
        TaskAction::DeleteFiles,
    ];

    /// As the panel stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskAction::Command => "command",
            TaskAction::Power => "power",
            TaskAction::Backup => "backup",
            TaskAction::DeleteFiles => "delete_files",
        }
    }

    /// As a manifest writes it.
    pub fn manifest_name(self) -> &'static str {
        match self {
            TaskAction::DeleteFiles => "delete-files",
            other => other.as_str(),
        }
    }

    pub fn from_manifest(s: &str) -> Option<TaskAction> {
        TaskAction::ALL
            .iter()
            .copied()
            .find(|a| a.manifest_name() == s)
    }

    pub fn from_panel(s: &str) -> Option<TaskAction> {
        TaskAction::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

/// One task of a schedule, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleTask {
    pub action: TaskAction,
    /// `""` when none.
    pub payload: String,
    /// Seconds to wait after the previous task (0–900).
    pub offset: u32,
    pub continue_on_failure: bool,
}

impl ScheduleTask {
    /// One line for plans: `power "restart" offset=60`.
    pub fn summary(&self) -> String {
        task_summary(
            self.action.manifest_name(),
            &self.payload,
            i64::from(self.offset),
            self.continue_on_failure,
        )
    }
}

/// A task as one line: `power "restart" offset=60`.
pub fn task_summary(action: &str, payload: &str, offset: i64, cont: bool) -> String {
    let mut s = action.to_string();
    if !payload.is_empty() {
        s.push_str(&format!(" {payload:?}"));
    }
    if offset != 0 {
        s.push_str(&format!(" offset={offset}"));
    }
    if cont {
        s.push_str(" continue-on-failure=#true");
    }
    s
}

/// A schedule as the panel reports it (with its tasks, in `sequence_id` order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveSchedule {
    pub id: u64,
    /// The Application API id of its server.
    pub server_id: u64,
    pub name: String,
    pub cron: CronSpec,
    pub is_active: bool,
    pub only_when_online: bool,
    pub tasks: Vec<LiveTask>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LiveTask {
    pub id: u64,
    pub sequence_id: i64,
    /// As the panel stores it (`command`, `power`, `backup`, `delete_files`).
    pub action: String,
    pub payload: String,
    pub time_offset: i64,
    pub continue_on_failure: bool,
}

impl LiveTask {
    /// As [`ScheduleTask::summary`] writes it, so both compare as text.
    pub fn summary(&self) -> String {
        let action = TaskAction::from_panel(&self.action)
            .map(TaskAction::manifest_name)
            .unwrap_or(&self.action);
        task_summary(
            action,
            &self.payload,
            self.time_offset,
            self.continue_on_failure,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_fields_are_checked_as_the_panels_library_does() {
        for ok in [
            "0 4 * * *",
            "*/5 * * * *",
            "0 0-6/2 1,15 jan-jun mon-fri",
            "30 2 L * ?",
            "0 3 15W * *",
            "0 3 * * 5L",
            "0 3 * * 1#2",
            "0 0 * * 7",
        ] {
            assert!(CronSpec::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "60 * * * *",
            "0 24 * * *",
            "0 0 0 * *",
            "0 0 * 13 *",
            "0 0 * * 8",
            "* * * *",
            "* * * * * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "a * * * *",
            "0 0 L,3 * *",
            "0 0 * * 1#6",
        ] {
            assert!(CronSpec::parse(bad).is_err(), "{bad}");
        }
        let err = CronSpec::parse("0 25 * * *").unwrap_err();
        assert!(err.contains("`25` is not a valid hour"), "{err}");
        assert_eq!(
            CronSpec::parse("0 4 * * *").unwrap().to_string(),
            "0 4 * * *"
        );
    }

    #[test]
    fn declared_and_live_tasks_summarise_alike() {
        let t = ScheduleTask {
            action: TaskAction::Power,
            payload: "restart".into(),
            offset: 60,
            continue_on_failure: false,
        };
        let l = LiveTask {
            id: 1,
            sequence_id: 1,
            action: "power".into(),
            payload: "restart".into(),
            time_offset: 60,
            continue_on_failure: false,
        };
        assert_eq!(t.summary(), l.summary());
        assert_eq!(t.summary(), "power \"restart\" offset=60");
        assert_eq!(TaskAction::from_manifest("delete-files"), Some(TaskAction::DeleteFiles));
        assert_eq!(TaskAction::from_panel("delete_files"), Some(TaskAction::DeleteFiles));
    }
}
