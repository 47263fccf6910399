//! The Today page: today's meetings from the synced calendar, people due to be contacted,
//! reminders and birthdays coming up, and tasks due today or overdue, in one read.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::keep_in_touch::{DuePerson, KeepInTouchService};
use crate::productivity::{Task, TaskQuery, TaskService, TaskView};
use crate::reminders::{ReminderDue, ReminderService};
use crate::store::Database;

/// Everything the Today page shows, for one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Today {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// Calendar meetings of the day, earliest first.
    pub meetings: Vec<TodayMeeting>,
    /// People due to be contacted, most overdue first.
    pub due: Vec<DuePerson>,
    /// Follow-ups, dates that matter and birthdays showing today, soonest first.
    pub reminders: Vec<ReminderDue>,
    /// Open tasks due today, then overdue ones.
    pub tasks: Vec<Task>,
}

/// A meeting from the synced calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TodayMeeting {
    pub interaction_id: String,
    pub subject: Option<String>,
    /// UTC RFC 3339.
    pub starts_at: String,
    pub duration_minutes: Option<u32>,
    pub contacts: Vec<MeetingContact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MeetingContact {
    pub id: String,
    pub display_name: String,
}

#[derive(Debug, Clone)]
pub struct TodayService {
    database: Database,
    keep_in_touch: KeepInTouchService,
    reminders: ReminderService,
    tasks: TaskService,
}

impl TodayService {
    pub fn new(database: Database) -> Self {
        Self {
            keep_in_touch: KeepInTouchService::new(database.clone()),
            reminders: ReminderService::new(database.clone()),
            tasks: TaskService::new(database.clone()),
            database,
        }
    }

    /// The Today page for the local day `today` in `zone`.
    pub fn today<Tz: TimeZone>(&self, today: NaiveDate, zone: &Tz) -> Result<Today> {
        let date = today.format("%Y-%m-%d").to_string();
        let task_query = |view| TaskQuery {
            view,
            today: date.clone(),
            ..TaskQuery::default()
        };
        let mut tasks = self.tasks.list(&task_query(TaskView::Today))?;
        tasks.extend(self.tasks.list(&task_query(TaskView::Overdue))?);
        Ok(Today {
            meetings: self.meetings(today, zone)?,
            due: self.keep_in_touch.due(today, zone)?,
            reminders: self.reminders.due(today)?,
            tasks,
            date,
        })
    }

    fn meetings<Tz: TimeZone>(&self, today: NaiveDate, zone: &Tz) -> Result<Vec<TodayMeeting>> {
        let start_of = |day: NaiveDate| {
            zone.from_local_datetime(&day.and_time(NaiveTime::MIN))
                .earliest()
                .map(|instant| crate::time::format_utc(instant.with_timezone(&Utc)))
        };
        let (Some(from), Some(until)) = (start_of(today), today.succ_opt().and_then(start_of))
        else {
            return Ok(Vec::new());
        };
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, subject, occurred_at, duration_minutes FROM interactions
                 WHERE kind = 'calendar_event' AND deleted_at IS NULL
                   AND occurred_at >= ?1 AND occurred_at < ?2
                 ORDER BY occurred_at, id",
            )?;
            let rows = statement
                .query_map([&from, &until], |row| {
                    Ok(TodayMeeting {
                        interaction_id: row.get(0)?,
                        subject: row.get(1)?,
                        starts_at: row.get(2)?,
                        duration_minutes: row.get(3)?,
                        contacts: Vec::new(),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut people = connection.prepare_cached(
                "SELECT c.id, c.display_name FROM interaction_contacts ic
                 JOIN contacts c ON c.id = ic.contact_id AND c.deleted_at IS NULL
                 WHERE ic.interaction_id = ?1 ORDER BY c.display_name",
            )?;
            let mut meetings = Vec::with_capacity(rows.len());
            for mut meeting in rows {
                meeting.contacts = people
                    .query_map([&meeting.interaction_id], |row| {
                        Ok(MeetingContact {
                            id: row.get(0)?,
                            display_name: row.get(1)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                meetings.push(meeting);
            }
            Ok(meetings)
        })
    }
}
