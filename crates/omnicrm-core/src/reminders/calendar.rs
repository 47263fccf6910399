//! The reminders and birthdays as an iCalendar file (RFC 5545), for a calendar app to import
//! or subscribe to: all-day events, yearly ones repeating (`RRULE:FREQ=YEARLY`), each with an
//! alarm (`VALARM`) when it should show ahead. UIDs are stable, so a calendar that subscribes
//! updates its events instead of adding them again.

use chrono::{Datelike, NaiveDate};
use icalendar::{Alarm, Calendar, Component, Event, EventLike};
use rusqlite::Connection;

use super::{birthdays_of_contacts, reminder_from_row, BIRTHDAYS_DAYS_AHEAD, COLUMNS};
use crate::error::Result;

/// The domain in every UID this calendar writes.
const UID_DOMAIN: &str = "omnicrm.local";

/// The calendar of every live reminder not yet done and every birthday.
pub(crate) fn write(connection: &Connection) -> Result<String> {
    let mut calendar = Calendar::new();
    calendar.name("OmniCRM reminders and birthdays");
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {columns}, c.display_name FROM reminders r
         JOIN contacts c ON c.id = r.contact_id AND c.deleted_at IS NULL
         WHERE r.deleted_at IS NULL ORDER BY r.due_on, r.id",
        columns = COLUMNS
            .split(", ")
            .map(|column| format!("r.{column}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let rows = statement.query_map([], |row| {
        Ok((reminder_from_row(row)?, row.get::<_, String>(11)?))
    })?;
    for row in rows {
        let (reminder, display_name) = row?;
        if !reminder.yearly && reminder.done_through.is_some() {
            continue;
        }
        let Some(date) = crate::time::parse_date(&reminder.due_on) else {
            continue;
        };
        let mut event = all_day(
            &format!("reminder-{}", reminder.id),
            date,
            &format!("{display_name}: {}", reminder.title),
            reminder.days_ahead,
        );
        if reminder.yearly {
            event.add_property("RRULE", yearly_rule(date.month(), date.day()));
        }
        calendar.push(event.done());
    }
    for birthday in birthdays_of_contacts(connection)? {
        // Without a year, the series starts in 2000 (a leap year, for 29 February).
        let Some(first) =
            NaiveDate::from_ymd_opt(birthday.year.unwrap_or(2000), birthday.month, birthday.day)
        else {
            continue;
        };
        let mut event = all_day(
            &format!("birthday-{}", birthday.contact_id),
            first,
            &format!("{}'s birthday", birthday.display_name),
            BIRTHDAYS_DAYS_AHEAD,
        );
        event.add_property("RRULE", yearly_rule(birthday.month, birthday.day));
        calendar.push(event.done());
    }
    Ok(calendar.done().to_string())
}

/// Every year on `month`/`day`; 29 February falls on the last day of February.
fn yearly_rule(month: u32, day: u32) -> String {
    if month == 2 && day == 29 {
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1".to_owned()
    } else {
        "FREQ=YEARLY".to_owned()
    }
}

fn all_day(uid: &str, date: NaiveDate, summary: &str, days_ahead: u32) -> Event {
    let mut event = Event::new();
    event
        .uid(&format!("{uid}@{UID_DOMAIN}"))
        .all_day(date)
        .summary(summary);
    // An all-day event ends (exclusively) on the next day.
    if let Some(next_day) = date.succ_opt() {
        event.ends(next_day);
    }
    let ahead = chrono::Duration::days(i64::from(days_ahead));
    let mut alarm = Alarm::display(summary, -ahead);
    alarm.uid(&format!("{uid}-alarm@{UID_DOMAIN}"));
    event.alarm(alarm);
    event
}
