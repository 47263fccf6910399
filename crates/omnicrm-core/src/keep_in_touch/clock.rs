//! Who is due, read from the clock that migration 0025's triggers keep (one row per live
//! contact: its own setting and snooze, its tag default, its last contact), so the read
//! touches only the people due and a bounded few around them instead of every contact.
//!
//! - People are grouped by what sets their cadence: each distinct own or tag cadence (found
//!   with one index probe each), and each stage that has a default. Within a group everyone
//!   shares a cadence, so who is due is a range of `since_at` (the last contact, else when
//!   they were added): older than a bound worked out from the cadence and today. The bound
//!   is a UTC date three days later than the exact local one, so no time zone or stored
//!   offset can leave someone out; each row read is then checked exactly, with the same
//!   functions as the plain walk ([`super::due_by_walking_everyone`]).
//! - A meeting (or note) dated later than when it was written is in `keep_in_touch_pending`;
//!   once its time has passed and until the next write settles it, the contact's last
//!   contact is worked out afresh here.
//! - A tag default whose cadence is not written the canonical way (only possible through
//!   direct edits) sends the read down the plain walk, which reads such codes itself.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate, TimeZone};
use rusqlite::{Connection, OptionalExtension};

use super::{
    due_person, last_contact, resolve_cadence, snoozed_past, sort_due, Cadence, CadenceOrigin,
    DuePerson, LastContact, Person, NONE,
};
use crate::contacts::LifecycleStage;
use crate::error::Result;
use crate::time::now_utc;

const ROW_COLUMNS: &str = "contact_id, display_name, stage, created_at, own, snoozed_until, \
                           tag_cadence, tag_name, touch_at, touch_kind, touch_subject, \
                           touch_source";

/// A clock row as read.
struct ClockRow {
    person: Person,
    tag_cadence: Option<String>,
    tag_name: Option<String>,
    touch_at: Option<String>,
    touch_kind: Option<String>,
    touch_subject: Option<String>,
    touch_source: Option<String>,
}

fn row_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<ClockRow> {
    Ok(ClockRow {
        person: Person {
            id: row.get(0)?,
            display_name: row.get(1)?,
            stage: row.get(2)?,
            created_at: row.get(3)?,
            own: row.get(4)?,
            snoozed_until: row.get(5)?,
        },
        tag_cadence: row.get(6)?,
        tag_name: row.get(7)?,
        touch_at: row.get(8)?,
        touch_kind: row.get(9)?,
        touch_subject: row.get(10)?,
        touch_source: row.get(11)?,
    })
}

/// Everyone due on `today` in `zone`, most overdue first: the same list as the plain walk.
pub(super) fn due<Tz: TimeZone>(
    connection: &Connection,
    today: NaiveDate,
    zone: &Tz,
) -> Result<Vec<DuePerson>> {
    // One read transaction: one snapshot for every statement below (and one lock taken, not
    // one per statement).
    let snapshot = connection.unchecked_transaction()?;
    let due = due_in(&snapshot, today, zone)?;
    snapshot.commit()?;
    Ok(due)
}

fn due_in<Tz: TimeZone>(
    connection: &Connection,
    today: NaiveDate,
    zone: &Tz,
) -> Result<Vec<DuePerson>> {
    let mut by_stage: HashMap<String, Cadence> = HashMap::new();
    {
        let mut statement = connection.prepare_cached(
            "SELECT scope, target, cadence FROM keep_in_touch_defaults WHERE deleted_at IS NULL",
        )?;
        let defaults = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (scope, target, code) in defaults {
            let parsed = Cadence::parse(&code, "cadence");
            if scope == "tag" {
                if !parsed.is_ok_and(|cadence| cadence.code() == code) {
                    return super::due_by_walking_everyone(connection, today, zone);
                }
            } else if let Ok(cadence) = parsed {
                by_stage.insert(target, cadence);
            }
        }
    }
    // Taken once the read has begun: every refresh the read sees happened before it.
    let now = now_utc();
    let passed: HashSet<String> = connection
        .prepare_cached("SELECT DISTINCT contact_id FROM keep_in_touch_pending WHERE at <= ?1")?
        .query_map([&now], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;

    let mut listing = Listing {
        connection,
        today,
        zone,
        now,
        passed,
        by_stage,
        due: Vec::new(),
    };
    let mut rule: Option<String> = connection
        .prepare_cached(
            "SELECT rule FROM keep_in_touch_clock WHERE rule IS NOT NULL ORDER BY rule LIMIT 1",
        )?
        .query_row([], |row| row.get(0))
        .optional()?;
    while let Some(current) = rule {
        if current != NONE {
            let cadence = Cadence::parse(&current, "cadence").ok();
            match cadence.and_then(|cadence| Some((cadence, since_bound(cadence, today)?))) {
                Some((cadence, bound)) => listing.read(
                    &format!(
                        "SELECT {ROW_COLUMNS} FROM keep_in_touch_clock
                         WHERE rule = ?1 AND since_at < ?2"
                    ),
                    &[&current, &bound],
                    &Group::Rule(cadence),
                )?,
                // An own cadence that does not read (the defaults apply), or no bound: all.
                None => listing.read(
                    &format!("SELECT {ROW_COLUMNS} FROM keep_in_touch_clock WHERE rule = ?1"),
                    &[&current],
                    &Group::Any,
                )?,
            }
        }
        rule = connection
            .prepare_cached(
                "SELECT rule FROM keep_in_touch_clock WHERE rule > ?1 ORDER BY rule LIMIT 1",
            )?
            .query_row([&current], |row| row.get(0))
            .optional()?;
    }
    let stages: Vec<(String, Cadence)> = listing
        .by_stage
        .iter()
        .map(|(stage, cadence)| (stage.clone(), *cadence))
        .collect();
    for (stage, cadence) in stages {
        let label = LifecycleStage::parse(&stage)
            .map_or_else(|| stage.clone(), |stage| stage.label().to_owned());
        match since_bound(cadence, today) {
            Some(bound) => listing.read(
                &format!(
                    "SELECT {ROW_COLUMNS} FROM keep_in_touch_clock
                     WHERE rule IS NULL AND stage = ?1 AND since_at < ?2"
                ),
                &[&stage, &bound],
                &Group::Stage(cadence, label),
            )?,
            None => listing.read(
                &format!(
                    "SELECT {ROW_COLUMNS} FROM keep_in_touch_clock
                     WHERE rule IS NULL AND stage = ?1"
                ),
                &[&stage],
                &Group::Any,
            )?,
        }
    }
    // Whoever had a meeting pass since their row was last refreshed: left out above, and
    // read again here and checked in full.
    let passed: Vec<String> = listing.passed.iter().cloned().collect();
    for contact_id in &passed {
        listing.read(
            &format!("SELECT {ROW_COLUMNS} FROM keep_in_touch_clock WHERE contact_id = ?1"),
            &[contact_id],
            &Group::Passed,
        )?;
    }
    let mut due = listing.due;
    sort_due(&mut due);
    Ok(due)
}

/// What the rows of one read have in common.
enum Group {
    /// Everyone whose own or tag cadence is this.
    Rule(Cadence),
    /// Everyone at a stage with this default, with the stage's label.
    Stage(Cadence, String),
    /// Rows worked out one by one.
    Any,
    /// A contact whose last contact is worked out afresh.
    Passed,
}

/// The due list as it is read.
struct Listing<'a, Tz: TimeZone> {
    connection: &'a Connection,
    today: NaiveDate,
    zone: &'a Tz,
    now: String,
    passed: HashSet<String>,
    by_stage: HashMap<String, Cadence>,
    due: Vec<DuePerson>,
}

impl<Tz: TimeZone> Listing<'_, Tz> {
    fn read(
        &mut self,
        sql: &str,
        parameters: &[&dyn rusqlite::ToSql],
        group: &Group,
    ) -> Result<()> {
        let mut statement = self.connection.prepare_cached(sql)?;
        let mut rows = statement.query(parameters)?;
        while let Some(row) = rows.next()? {
            match group {
                Group::Rule(cadence) => self.take_in_rule(row, *cadence)?,
                Group::Stage(cadence, label) => {
                    self.take_plain(row, *cadence, CadenceOrigin::Stage(label.clone()))?;
                }
                Group::Any | Group::Passed => self.take(row_from(row)?, group)?,
            }
        }
        Ok(())
    }

    /// A row of an own or tag cadence that reads: the cadence is the group's.
    fn take_in_rule(&mut self, row: &rusqlite::Row<'_>, cadence: Cadence) -> Result<()> {
        if text(row, 4)?.is_some() {
            return self.take_plain(row, cadence, CadenceOrigin::Own);
        }
        match text(row, 7)? {
            Some(tag) => {
                let origin = CadenceOrigin::Tag(tag.to_owned());
                self.take_plain(row, cadence, origin)
            }
            None => self.take(row_from(row)?, &Group::Any),
        }
    }

    /// A row whose cadence is known: copies out only what the list shows (most rows of a
    /// large list go this way).
    fn take_plain(
        &mut self,
        row: &rusqlite::Row<'_>,
        cadence: Cadence,
        origin: CadenceOrigin,
    ) -> Result<()> {
        let Some(contact_id) = text(row, 0)? else {
            return Ok(());
        };
        if !self.passed.is_empty() && self.passed.contains(contact_id) {
            return Ok(());
        }
        let touch_at = text(row, 8)?;
        let touch_kind = text(row, 9)?;
        let recount = touch_at.is_some_and(|at| at > self.now.as_str())
            || (touch_at.is_some() && touch_kind.is_none());
        if recount {
            return self.take(row_from(row)?, &Group::Passed);
        }
        let person = Person {
            id: contact_id.to_owned(),
            display_name: row.get(1)?,
            stage: None,
            // Only read when there was never any contact.
            created_at: if touch_at.is_none() {
                row.get(3)?
            } else {
                String::new()
            },
            own: None,
            snoozed_until: row.get(5)?,
        };
        if snoozed_past(&person, self.today) {
            return Ok(());
        }
        let last = match (touch_at, touch_kind) {
            (Some(at), Some(kind)) => Some(LastContact {
                at: at.to_owned(),
                kind: kind.to_owned(),
                summary: row.get(10)?,
                source: row.get(11)?,
            }),
            _ => None,
        };
        if let Some(entry) = due_person(person, cadence, origin, last, self.today, self.zone) {
            self.due.push(entry);
        }
        Ok(())
    }

    /// Lists the person when due, working out the cadence from the row.
    fn take(&mut self, row: ClockRow, group: &Group) -> Result<()> {
        let passed = !self.passed.is_empty() && self.passed.contains(&row.person.id);
        if passed && !matches!(group, Group::Passed) {
            return Ok(());
        }
        let tag = row
            .tag_cadence
            .as_deref()
            .and_then(|code| Cadence::parse(code, "cadence").ok())
            .zip(row.tag_name.as_deref());
        let Some((cadence, origin)) = resolve_cadence(&row.person, tag, &self.by_stage) else {
            return Ok(());
        };
        if snoozed_past(&row.person, self.today) {
            return Ok(());
        }
        let recount = passed
            || matches!(group, Group::Passed)
            || row
                .touch_at
                .as_deref()
                .is_some_and(|at| at > self.now.as_str());
        let last = match (recount, row.touch_at, row.touch_kind) {
            (false, None, _) => None,
            (false, Some(at), Some(kind)) => Some(LastContact {
                at,
                kind,
                summary: row.touch_subject,
                source: row.touch_source,
            }),
            _ => last_contact(self.connection, &row.person.id)?,
        };
        if let Some(entry) = due_person(row.person, cadence, origin, last, self.today, self.zone) {
            self.due.push(entry);
        }
        Ok(())
    }
}

/// Column `index` of `row` as text, without copying it.
fn text<'row>(row: &'row rusqlite::Row<'_>, index: usize) -> Result<Option<&'row str>> {
    row.get_ref(index)?.as_str_or_null().map_err(|source| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(source),
        )
        .into()
    })
}

/// A bound on `since_at` that takes in everyone with `cadence` due on `today`: a UTC date
/// three days after the latest local date of a last contact that makes them due (a local
/// date is at most a day from the UTC one, and a stored offset at most another). `None` when
/// no bound can be worked out (dates at the ends of the calendar): then all are read.
fn since_bound(cadence: Cadence, today: NaiveDate) -> Option<String> {
    let days = u64::from(cadence.approximate_days());
    // A month is up to 31 days, not 30: start early enough for any run of months.
    let mut latest = today.checked_sub_days(Days::new(days + days / 10 + 7))?;
    if cadence.after(latest) > today {
        return None;
    }
    while let Some(next) = latest.succ_opt() {
        if cadence.after(next) > today {
            break;
        }
        latest = next;
    }
    let bound = latest.checked_add_days(Days::new(3))?;
    Some(bound.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn the_fast_read_of_a_stored_time_is_the_general_one() {
        for text in [
            "2026-12-08T09:30:00.000Z",
            "1999-01-01T00:00:00.999Z",
            "2028-02-29T23:59:59.123Z",
            "2026-02-29T10:00:00.000Z",
            "2026-12-08T24:00:00.000Z",
            "2026-12-08T23:59:60.000Z",
            "2026-12-08T09:30:00Z",
            "2026-12-08T09:30:00.000+01:00",
            "2026-12-08 09:30:00.000Z",
            "+2026-12-08T09:30:00.00Z",
            "2026-1a-08T09:30:00.000Z",
        ] {
            let general = crate::time::parse_utc(text);
            let fast = super::super::canonical_utc(text);
            assert!(fast.is_none() || fast == general, "{text}");
            assert_eq!(
                fast.or_else(|| crate::time::parse_utc(text)),
                general,
                "{text}"
            );
        }
        assert!(super::super::canonical_utc("2026-12-08T09:30:00.000Z").is_some());
    }

    #[test]
    fn the_bound_is_three_days_after_the_last_day_that_makes_someone_due() {
        // 30 days: a last contact on 2026-11-08 is due on 2026-12-08.
        assert_eq!(
            since_bound(Cadence::days(30), date("2026-12-08")).as_deref(),
            Some("2026-11-11")
        );
        // 1 month to 2026-03-31: 2026-02-28 is the last day due (its month ends).
        assert_eq!(
            since_bound(Cadence::months(1), date("2026-03-28")).as_deref(),
            Some("2026-03-03")
        );
        assert_eq!(
            since_bound(Cadence::months(120), date("2036-01-01")).as_deref(),
            Some("2026-01-04")
        );
    }
}
