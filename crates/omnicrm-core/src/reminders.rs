//! Reminders about people: "remind me about this person on DATE", and dates that matter every
//! year (a client's start anniversary, "follow-up after surgery"), plus birthdays, which come
//! from the contacts' dates of birth and are never typed twice.
//!
//! Dates are the user's local dates. A reminder shows from `days_ahead` days before its date
//! until it is marked done (a yearly one: done for that year) or snoozed to a later day. A
//! 29 February date falls on 28 February in other years.

pub mod calendar;

use chrono::{Datelike, NaiveDate};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::changes::ChangeReceipt;
use crate::contacts;
use crate::error::{Error, Result};
use crate::keep_in_touch::cadence::next_yearly;
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub(crate) const ENTITY: &str = "reminder";

/// How many days ahead birthdays are shown.
pub const BIRTHDAYS_DAYS_AHEAD: u32 = 7;
const MAX_DAYS_AHEAD: u32 = 365;
const MAX_TITLE_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reminder {
    pub id: String,
    pub contact_id: String,
    pub title: String,
    /// `YYYY-MM-DD`, a local date.
    pub due_on: String,
    /// Comes back every year on the same day.
    pub yearly: bool,
    /// Shown this many days before its date.
    pub days_ahead: u32,
    /// The latest occurrence marked done.
    pub done_through: Option<String>,
    /// Not shown before this local date.
    pub snoozed_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReminderInput {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    #[serde(default)]
    pub yearly: bool,
    #[serde(default)]
    pub days_ahead: u32,
}

/// A change to a reminder, with the change that undoes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReminderChange {
    pub reminder: Reminder,
    pub change_id: String,
}

/// A reminder or birthday to show today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReminderDue {
    /// `None` for a birthday.
    pub reminder_id: Option<String>,
    pub contact_id: String,
    pub display_name: String,
    pub kind: ReminderKind,
    pub title: String,
    /// The occurrence's local date (this year's, for a yearly date or a birthday).
    pub on: String,
    /// Negative when the date has passed (an overdue follow-up).
    pub days_until: i32,
    /// For a birthday with a known year: the age reached on `on`.
    pub turns: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    FollowUp,
    Date,
    Birthday,
}

impl Record for Reminder {
    const ENTITY: &'static str = ENTITY;
    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!("SELECT {COLUMNS} FROM reminders WHERE id = ?1"))?
            .query_row([id], reminder_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO reminders (id, contact_id, title, due_on, yearly, days_ahead,
                                        done_through, snoozed_until, created_at, updated_at,
                                        deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET
                     contact_id = excluded.contact_id, title = excluded.title,
                     due_on = excluded.due_on, yearly = excluded.yearly,
                     days_ahead = excluded.days_ahead, done_through = excluded.done_through,
                     snoozed_until = excluded.snoozed_until, created_at = excluded.created_at,
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.contact_id,
                self.title,
                self.due_on,
                self.yearly,
                self.days_ahead,
                self.done_through,
                self.snoozed_until,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

const COLUMNS: &str = "id, contact_id, title, due_on, yearly, days_ahead, done_through, \
                       snoozed_until, created_at, updated_at, deleted_at";

fn reminder_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Reminder> {
    Ok(Reminder {
        id: row.get(0)?,
        contact_id: row.get(1)?,
        title: row.get(2)?,
        due_on: row.get(3)?,
        yearly: row.get(4)?,
        days_ahead: row.get(5)?,
        done_through: row.get(6)?,
        snoozed_until: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        deleted_at: row.get(10)?,
    })
}

fn parse_day(text: &str, field: &str) -> Result<NaiveDate> {
    crate::time::parse_date(text)
        .ok_or_else(|| Error::invalid_field(field, "must be a date like 2026-12-24"))
}

fn day_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[derive(Debug, Clone)]
pub struct ReminderService {
    database: Database,
}

impl ReminderService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Adds a reminder about a contact.
    pub fn add(&self, contact_id: &str, input: ReminderInput) -> Result<Reminder> {
        let title = input.title.trim().to_owned();
        if title.is_empty() {
            return Err(Error::invalid_field("title", "is required"));
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(Error::invalid_field(
                "title",
                format!("is longer than {MAX_TITLE_CHARS} characters"),
            ));
        }
        let due_on = day_text(parse_day(&input.due_on, "due_on")?);
        if input.days_ahead > MAX_DAYS_AHEAD {
            return Err(Error::invalid_field(
                "days_ahead",
                format!("must be at most {MAX_DAYS_AHEAD}"),
            ));
        }
        self.database.write(|transaction| {
            contacts::ensure_live(transaction, contact_id)?;
            let now = now_utc();
            let reminder = Reminder {
                id: new_id(),
                contact_id: contact_id.to_owned(),
                title,
                due_on,
                yearly: input.yearly,
                days_ahead: input.days_ahead,
                done_through: None,
                snoozed_until: None,
                created_at: now.clone(),
                updated_at: now,
                deleted_at: None,
            };
            records::create(transaction, &reminder, None)?;
            Ok(reminder)
        })
    }

    pub fn get(&self, id: &str) -> Result<Reminder> {
        self.database
            .read(|connection| Reminder::load_live(connection, id))
    }

    /// Every live reminder, or a contact's, by date.
    pub fn list(&self, contact_id: Option<&str>) -> Result<Vec<Reminder>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM reminders
                 WHERE deleted_at IS NULL AND (?1 IS NULL OR contact_id = ?1)
                 ORDER BY due_on, id"
            ))?;
            let reminders = statement
                .query_map([contact_id], reminder_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(reminders)
        })
    }

    /// Marks the reminder's occurrence that is showing on `today` done (a yearly one comes
    /// back next year).
    pub fn done(&self, id: &str, today: NaiveDate) -> Result<ReminderChange> {
        self.database.write(|transaction| {
            let before = Reminder::load_live(transaction, id)?;
            let occurrence = occurrence_showing(&before, today)
                .or_else(|| parse_day(&before.due_on, "due_on").ok())
                .ok_or_else(|| Error::internal("a stored reminder has no date"))?;
            let after = Reminder {
                done_through: Some(day_text(occurrence)),
                snoozed_until: None,
                ..before.clone()
            };
            changed(transaction, &before, after)
        })
    }

    /// Not shown before `until`.
    pub fn snooze(&self, id: &str, until: &str) -> Result<ReminderChange> {
        let until = day_text(parse_day(until, "until")?);
        self.database.write(|transaction| {
            let before = Reminder::load_live(transaction, id)?;
            let after = Reminder {
                snoozed_until: Some(until),
                ..before.clone()
            };
            changed(transaction, &before, after)
        })
    }

    /// Every reminder not yet done and every birthday as an iCalendar file (RFC 5545).
    pub fn calendar(&self) -> Result<String> {
        self.database.read(calendar::write)
    }

    pub fn delete(&self, id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<Reminder>(transaction, id, None))
    }

    /// The reminders and birthdays to show on `today`: follow-ups and dates from their
    /// `days_ahead` until done (overdue ones included), and birthdays in the next
    /// [`BIRTHDAYS_DAYS_AHEAD`] days. Soonest first.
    pub fn due(&self, today: NaiveDate) -> Result<Vec<ReminderDue>> {
        self.database.read(|connection| {
            let mut due = Vec::new();
            let mut statement = connection.prepare_cached(
                "SELECT r.id, r.contact_id, r.title, r.due_on, r.yearly, r.days_ahead,
                        r.done_through, r.snoozed_until, r.created_at, r.updated_at,
                        r.deleted_at, c.display_name
                 FROM reminders r JOIN contacts c ON c.id = r.contact_id
                 WHERE r.deleted_at IS NULL AND c.deleted_at IS NULL",
            )?;
            let rows = statement.query_map([], |row| {
                Ok((reminder_from_row(row)?, row.get::<_, String>(11)?))
            })?;
            for row in rows {
                let (reminder, display_name) = row?;
                let Some(on) = occurrence_showing(&reminder, today) else {
                    continue;
                };
                due.push(ReminderDue {
                    reminder_id: Some(reminder.id),
                    contact_id: reminder.contact_id,
                    display_name,
                    kind: if reminder.yearly {
                        ReminderKind::Date
                    } else {
                        ReminderKind::FollowUp
                    },
                    title: reminder.title,
                    on: day_text(on),
                    days_until: i32::try_from((on - today).num_days()).unwrap_or(i32::MAX),
                    turns: None,
                });
            }
            due.extend(birthdays(connection, today, BIRTHDAYS_DAYS_AHEAD)?);
            due.sort_by(|first, second| {
                first
                    .on
                    .cmp(&second.on)
                    .then_with(|| first.display_name.cmp(&second.display_name))
            });
            Ok(due)
        })
    }
}

fn changed(connection: &Connection, before: &Reminder, after: Reminder) -> Result<ReminderChange> {
    let (reminder, receipt) = records::update_with_receipt(connection, before, after, None)?;
    Ok(ReminderChange {
        reminder,
        change_id: receipt.change_id,
    })
}

/// The occurrence of `reminder` that shows on `today`, if one does.
///
/// A one-off reminder shows from `days_ahead` before its date until it is done. A yearly one
/// shows its earliest occurrence that is not done, counting from the reminder's date or the
/// day it was added, whichever is later (a start anniversary added today begins with the next
/// one); a passed occurrence that is not done keeps showing, as an overdue reminder does.
fn occurrence_showing(reminder: &Reminder, today: NaiveDate) -> Option<NaiveDate> {
    let date = crate::time::parse_date(&reminder.due_on)?;
    let done_through = reminder
        .done_through
        .as_deref()
        .and_then(crate::time::parse_date);
    let occurrence = if reminder.yearly {
        let added = crate::time::parse_utc(&reminder.created_at)
            .map_or(date, |instant| instant.date_naive());
        let mut from = date.max(added);
        if let Some(done) = done_through {
            from = from.max(done.succ_opt()?);
        }
        next_yearly(date.month(), date.day(), from)?
    } else {
        if done_through.is_some() {
            return None;
        }
        date
    };
    let shows_from = occurrence - chrono::Days::new(u64::from(reminder.days_ahead));
    let snoozed = reminder
        .snoozed_until
        .as_deref()
        .and_then(crate::time::parse_date)
        .is_some_and(|until| until > today);
    (today >= shows_from && !snoozed).then_some(occurrence)
}

/// Birthdays in the `days_ahead` days from `today` (today included), from the contacts' dates
/// of birth: `YYYY-MM-DD`, or `--MM-DD` without a year.
pub(crate) fn birthdays(
    connection: &Connection,
    today: NaiveDate,
    days_ahead: u32,
) -> Result<Vec<ReminderDue>> {
    let last_day = today + chrono::Days::new(u64::from(days_ahead));
    let mut found = Vec::new();
    for birthday in birthdays_near(connection, today, last_day)? {
        let Some(on) = next_yearly(birthday.month, birthday.day, today) else {
            continue;
        };
        if on > last_day {
            continue;
        }
        found.push(ReminderDue {
            reminder_id: None,
            title: format!("{}'s birthday", birthday.display_name),
            contact_id: birthday.contact_id,
            display_name: birthday.display_name,
            kind: ReminderKind::Birthday,
            on: day_text(on),
            days_until: i32::try_from((on - today).num_days()).unwrap_or(i32::MAX),
            turns: birthday
                .year
                .and_then(|year| u32::try_from(on.year() - year).ok()),
        });
    }
    Ok(found)
}

/// A live contact's birthday.
pub(crate) struct Birthday {
    pub contact_id: String,
    pub display_name: String,
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
}

/// Every live contact with a readable date of birth, by name.
pub(crate) fn birthdays_of_contacts(connection: &Connection) -> Result<Vec<Birthday>> {
    let mut statement = connection.prepare_cached(
        "SELECT id, display_name, date_of_birth FROM contacts
         WHERE deleted_at IS NULL AND date_of_birth IS NOT NULL ORDER BY display_name, id",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut birthdays = Vec::new();
    for row in rows {
        let (contact_id, display_name, text) = row?;
        if let Some((year, month, day)) = birth_date_parts(&text) {
            birthdays.push(Birthday {
                contact_id,
                display_name,
                year,
                month,
                day,
            });
        }
    }
    Ok(birthdays)
}

/// The month and day of a date of birth as migration 0025's index `contacts_by_birthday` has
/// it: `MM-DD`, or '' for a date not written `YYYY-MM-DD` or `--MM-DD`.
const BIRTHDAY_KEY: &str = "CASE WHEN date_of_birth GLOB '--[0-9][0-9]-[0-9][0-9]' \
                                 THEN substr(date_of_birth, 3, 5)
         WHEN date_of_birth GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
             THEN substr(date_of_birth, 6, 5)
         ELSE '' END";

/// The live contacts whose birthday may fall from `first_day` to `last_day`, by name: those
/// born on one of those days of the year, on 29 February (kept on the 28th in other years),
/// or with a date of birth written some other way; read by index, not from every contact.
/// [`birthdays`] checks each.
fn birthdays_near(
    connection: &Connection,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Result<Vec<Birthday>> {
    let mut keys = vec![String::new(), "02-29".to_owned()];
    let mut day = first_day;
    while day <= last_day && keys.len() < 370 {
        keys.push(day.format("%m-%d").to_string());
        let Some(next) = day.succ_opt() else {
            break;
        };
        day = next;
    }
    keys.sort();
    keys.dedup();
    let placeholders = vec!["?"; keys.len()].join(", ");
    let mut statement = connection.prepare_cached(&format!(
        "SELECT id, display_name, date_of_birth FROM contacts
         WHERE deleted_at IS NULL AND date_of_birth IS NOT NULL
           AND {BIRTHDAY_KEY} IN ({placeholders})
         ORDER BY display_name, id"
    ))?;
    let rows = statement.query_map(rusqlite::params_from_iter(keys.iter()), |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut birthdays = Vec::new();
    for row in rows {
        let (contact_id, display_name, text) = row?;
        if let Some((year, month, day)) = birth_date_parts(&text) {
            birthdays.push(Birthday {
                contact_id,
                display_name,
                year,
                month,
                day,
            });
        }
    }
    Ok(birthdays)
}

/// The year (when known), month and day of a date of birth.
pub fn birth_date_parts(text: &str) -> Option<(Option<i32>, u32, u32)> {
    if let Some(month_day) = text.strip_prefix("--") {
        let (month, day) = month_day.split_once('-')?;
        let (month, day) = (month.parse().ok()?, day.parse().ok()?);
        // 2000 is a leap year: 29 February is a valid birthday without a year.
        NaiveDate::from_ymd_opt(2000, month, day)?;
        return Some((None, month, day));
    }
    let date = crate::time::parse_date(text)?;
    Some((Some(date.year()), date.month(), date.day()))
}
