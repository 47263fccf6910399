//! Keep in touch: how often the practitioner wants to be in touch with each person, when they
//! last were, and who is due.
//!
//! - A contact's cadence is its own setting, else the most frequent default of its tags, else
//!   its lifecycle stage's default, else none. The own setting may also be "none".
//! - "Last contact" is derived, never typed: the newest interaction of any kind that has
//!   happened (mail sent or received, a meeting, a logged call) or note, with its source.
//! - Someone is due once a cadence has passed since the last contact (since they were added,
//!   when there is none), unless snoozed until a later day. The due list is ordered by how
//!   overdue each person is relative to their cadence.
//!
//! Settings, defaults and snoozes are ordinary records: written through [`crate::records`],
//! in the change log, undoable.

pub mod cadence;
mod clock;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

pub use cadence::{Cadence, CadenceUnit};

use crate::changes::ChangeReceipt;
use crate::contacts::{self, LifecycleStage};
use crate::error::{Error, Result};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub(crate) const ENTITY: &str = "keep_in_touch";
pub(crate) const DEFAULT_ENTITY: &str = "keep_in_touch_default";

/// The text a contact's own setting stores when keeping in touch is off for them.
const NONE: &str = "none";

/// A contact's own keep-in-touch setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeepInTouch {
    pub id: String,
    pub contact_id: String,
    /// `30d`, `2w`, `3m`, or `none`; absent when the contact follows the defaults.
    pub cadence: Option<String>,
    /// A local date (`YYYY-MM-DD`): not shown as due before it.
    pub snoozed_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// Whom a default cadence applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DefaultScope {
    /// Every contact carrying the tag `target` (a tag id).
    Tag,
    /// Every contact at the lifecycle stage `target`.
    Stage,
}

impl DefaultScope {
    fn as_str(self) -> &'static str {
        match self {
            Self::Tag => "tag",
            Self::Stage => "stage",
        }
    }

    fn parse(text: &str) -> Self {
        if text == "tag" {
            Self::Tag
        } else {
            Self::Stage
        }
    }
}

/// A default cadence for a tag or a lifecycle stage ("VIP client: every 2 weeks").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeepInTouchDefault {
    pub id: String,
    pub scope: DefaultScope,
    /// The tag's id, or the stage (`core_client`).
    pub target: String,
    /// `30d`, `2w`, `3m`.
    pub cadence: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// What a contact's own setting says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "kind", content = "cadence")]
pub enum CadenceSetting {
    /// Follow the tag and stage defaults.
    Default,
    /// Not keeping in touch with this person.
    None,
    Every(Cadence),
}

impl CadenceSetting {
    /// Reads `30d`, `2w`, `3m`, `none` or `default`.
    pub fn parse(text: &str, field: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" | "off" | "never" => Ok(Self::None),
            "default" | "inherit" => Ok(Self::Default),
            _ => Cadence::parse(text, field).map(Self::Every),
        }
    }
}

/// Where a contact's cadence comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum CadenceOrigin {
    /// The contact's own setting.
    Own,
    /// The default of this tag.
    Tag(String),
    /// The default of the contact's lifecycle stage (its label).
    Stage(String),
}

/// The newest interaction or note with a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LastContact {
    /// UTC RFC 3339.
    pub at: String,
    /// `email`, `call`, `meeting`, `calendar_event`, `note`, ...
    pub kind: String,
    /// The subject or the note's first words.
    pub summary: Option<String>,
    /// The interaction's source (`gmail`, `google_calendar`, `manual`); `None` for a note.
    pub source: Option<String>,
}

/// A person due (or overdue) to be contacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DuePerson {
    pub contact_id: String,
    pub display_name: String,
    pub cadence: Cadence,
    pub cadence_origin: CadenceOrigin,
    /// `None` when there was never any contact (due a cadence after they were added).
    pub last_contact: Option<LastContact>,
    /// The local date they became due.
    pub due_on: String,
    pub days_overdue: u32,
    /// Time since the last contact divided by the cadence: 1.0 is just due, 2.0 twice as long.
    pub overdue_ratio: f64,
}

/// A contact's keep-in-touch state, for their page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactKeepInTouch {
    pub contact_id: String,
    pub setting: CadenceSetting,
    /// The cadence that applies, own or default; `None` when none does.
    pub cadence: Option<Cadence>,
    pub cadence_origin: Option<CadenceOrigin>,
    pub snoozed_until: Option<String>,
    pub last_contact: Option<LastContact>,
    /// The local date they are (or were) due; `None` without a cadence.
    pub due_on: Option<String>,
}

/// How many people are within their cadence, overdue, or have none: for the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RelationshipHealth {
    pub within: u32,
    pub overdue: u32,
    pub no_cadence: u32,
    pub by_stage: Vec<StageHealth>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StageHealth {
    /// `None` for contacts without a stage.
    pub stage: Option<LifecycleStage>,
    pub within: u32,
    pub overdue: u32,
    pub no_cadence: u32,
}

impl Record for KeepInTouch {
    const ENTITY: &'static str = ENTITY;
    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!(
                "SELECT {OWN_COLUMNS} FROM keep_in_touch WHERE id = ?1"
            ))?
            .query_row([id], own_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO keep_in_touch (id, contact_id, cadence, snoozed_until, created_at,
                                            updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET
                     contact_id = excluded.contact_id, cadence = excluded.cadence,
                     snoozed_until = excluded.snoozed_until,
                     created_at = excluded.created_at, updated_at = excluded.updated_at,
                     deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.contact_id,
                self.cadence,
                self.snoozed_until,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

impl Record for KeepInTouchDefault {
    const ENTITY: &'static str = DEFAULT_ENTITY;
    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!(
                "SELECT {DEFAULT_COLUMNS} FROM keep_in_touch_defaults WHERE id = ?1"
            ))?
            .query_row([id], default_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(DEFAULT_ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO keep_in_touch_defaults (id, scope, target, cadence, created_at,
                                                     updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET
                     scope = excluded.scope, target = excluded.target,
                     cadence = excluded.cadence, created_at = excluded.created_at,
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.scope.as_str(),
                self.target,
                self.cadence,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

const OWN_COLUMNS: &str =
    "id, contact_id, cadence, snoozed_until, created_at, updated_at, deleted_at";

fn own_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeepInTouch> {
    Ok(KeepInTouch {
        id: row.get(0)?,
        contact_id: row.get(1)?,
        cadence: row.get(2)?,
        snoozed_until: row.get(3)?,
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
        deleted_at: row.get(6)?,
    })
}

/// A change to a contact's own setting, with the change that undoes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeepInTouchChange {
    pub keep_in_touch: KeepInTouch,
    pub change_id: String,
}

const DEFAULT_COLUMNS: &str = "id, scope, target, cadence, created_at, updated_at, deleted_at";

fn default_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeepInTouchDefault> {
    let scope: String = row.get(1)?;
    Ok(KeepInTouchDefault {
        id: row.get(0)?,
        scope: DefaultScope::parse(&scope),
        target: row.get(2)?,
        cadence: row.get(3)?,
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
        deleted_at: row.get(6)?,
    })
}

#[derive(Debug, Clone)]
pub struct KeepInTouchService {
    database: Database,
}

impl KeepInTouchService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Sets how often to be in touch with a contact (or "none", or back to the defaults).
    pub fn set_cadence(
        &self,
        contact_id: &str,
        setting: CadenceSetting,
    ) -> Result<KeepInTouchChange> {
        let cadence = match setting {
            CadenceSetting::Default => None,
            CadenceSetting::None => Some(NONE.to_owned()),
            CadenceSetting::Every(cadence) => Some(cadence.code()),
        };
        self.write_own(contact_id, |own| own.cadence = cadence)
    }

    /// Not due before `until` (a local date); `None` ends a snooze.
    pub fn snooze(&self, contact_id: &str, until: Option<&str>) -> Result<KeepInTouchChange> {
        let until = until
            .map(|text| {
                crate::time::parse_date(text)
                    .map(|date| date.format("%Y-%m-%d").to_string())
                    .ok_or_else(|| Error::invalid_field("until", "must be a date like 2026-12-24"))
            })
            .transpose()?;
        self.write_own(contact_id, |own| own.snoozed_until = until)
    }

    fn write_own(
        &self,
        contact_id: &str,
        change: impl FnOnce(&mut KeepInTouch),
    ) -> Result<KeepInTouchChange> {
        self.database.write(|transaction| {
            contacts::ensure_live(transaction, contact_id)?;
            match live_own(transaction, contact_id)? {
                Some(before) => {
                    let mut after = before.clone();
                    change(&mut after);
                    let (after, receipt) =
                        records::update_with_receipt(transaction, &before, after, None)?;
                    Ok(KeepInTouchChange {
                        keep_in_touch: after,
                        change_id: receipt.change_id,
                    })
                }
                None => {
                    let now = now_utc();
                    let mut own = KeepInTouch {
                        id: new_id(),
                        contact_id: contact_id.to_owned(),
                        cadence: None,
                        snoozed_until: None,
                        created_at: now.clone(),
                        updated_at: now,
                        deleted_at: None,
                    };
                    change(&mut own);
                    let change_id = records::create(transaction, &own, None)?;
                    Ok(KeepInTouchChange {
                        keep_in_touch: own,
                        change_id,
                    })
                }
            }
        })
    }

    /// Sets the default cadence of a tag (by id) or a stage; `None` removes it.
    pub fn set_default(
        &self,
        scope: DefaultScope,
        target: &str,
        cadence: Option<Cadence>,
    ) -> Result<Option<KeepInTouchDefault>> {
        self.database.write(|transaction| {
            match scope {
                DefaultScope::Tag => {
                    crate::tags::Tag::load_live(transaction, target).map_err(|_| {
                        Error::invalid_field("tag", "is not a tag (give the tag's id)")
                    })?;
                }
                DefaultScope::Stage => {
                    if LifecycleStage::parse(target).is_none() {
                        return Err(Error::invalid_field("stage", "is not a lifecycle stage"));
                    }
                }
            }
            let existing = transaction
                .prepare_cached(&format!(
                    "SELECT {DEFAULT_COLUMNS} FROM keep_in_touch_defaults
                     WHERE scope = ?1 AND target = ?2 AND deleted_at IS NULL"
                ))?
                .query_row(params![scope.as_str(), target], default_from_row)
                .optional()?;
            match (existing, cadence) {
                (Some(before), Some(cadence)) => {
                    let after = KeepInTouchDefault {
                        cadence: cadence.code(),
                        ..before.clone()
                    };
                    records::update(transaction, &before, after, None).map(Some)
                }
                (Some(before), None) => {
                    records::delete::<KeepInTouchDefault>(transaction, &before.id, None)?;
                    Ok(None)
                }
                (None, Some(cadence)) => {
                    let now = now_utc();
                    let default = KeepInTouchDefault {
                        id: new_id(),
                        scope,
                        target: target.to_owned(),
                        cadence: cadence.code(),
                        created_at: now.clone(),
                        updated_at: now,
                        deleted_at: None,
                    };
                    records::create(transaction, &default, None)?;
                    Ok(Some(default))
                }
                (None, None) => Ok(None),
            }
        })
    }

    /// Every default cadence, tags first.
    pub fn defaults(&self) -> Result<Vec<KeepInTouchDefault>> {
        self.database.read(live_defaults)
    }

    /// A contact's setting, the cadence that applies, the last contact and when they are due.
    pub fn for_contact<Tz: TimeZone>(
        &self,
        contact_id: &str,
        zone: &Tz,
    ) -> Result<ContactKeepInTouch> {
        self.database.read(|connection| {
            contacts::ensure_live(connection, contact_id)?;
            let rules = CadenceRules::load(connection)?;
            let person = connection
                .prepare_cached(&format!("{PEOPLE_SQL} AND c.id = ?1"))?
                .query_row([contact_id], person_from_row)?;
            let setting = match person.own.as_deref() {
                None => CadenceSetting::Default,
                Some(NONE) => CadenceSetting::None,
                Some(code) => Cadence::parse(code, "cadence")
                    .map(CadenceSetting::Every)
                    .unwrap_or(CadenceSetting::Default),
            };
            let applied = rules.cadence_of(&person);
            let last_contact = last_contact(connection, contact_id)?;
            let due_on = applied.as_ref().map(|(cadence, _)| {
                due_date(*cadence, &person, last_contact.as_ref(), zone)
                    .format("%Y-%m-%d")
                    .to_string()
            });
            Ok(ContactKeepInTouch {
                contact_id: contact_id.to_owned(),
                setting,
                cadence: applied.as_ref().map(|(cadence, _)| *cadence),
                cadence_origin: applied.map(|(_, origin)| origin),
                snoozed_until: person.snoozed_until,
                last_contact,
                due_on,
            })
        })
    }

    /// Everyone due on `today` (the user's local date in `zone`), most overdue first.
    ///
    /// Reads only the people due (and a bounded few around them) from the clock kept by the
    /// triggers of migration 0025: see [`clock`].
    pub fn due<Tz: TimeZone>(&self, today: NaiveDate, zone: &Tz) -> Result<Vec<DuePerson>> {
        self.database
            .read(|connection| clock::due(connection, today, zone))
    }

    /// [`KeepInTouchService::due`] worked out the plain way: every live contact, its cadence,
    /// its newest interaction and note, then everyone due sorted. Slow at scale (seconds at
    /// 100k contacts); kept as the reference the fast read is checked against, and used when
    /// a tag default's cadence is not written the canonical way (`30d`, `2w`, `3m`).
    pub fn due_by_walking_everyone<Tz: TimeZone>(
        &self,
        today: NaiveDate,
        zone: &Tz,
    ) -> Result<Vec<DuePerson>> {
        self.database
            .read(|connection| due_by_walking_everyone(connection, today, zone))
    }

    /// How many people are within their cadence, overdue, or have none, in all and per stage.
    pub fn health<Tz: TimeZone>(&self, today: NaiveDate, zone: &Tz) -> Result<RelationshipHealth> {
        self.database.read(|connection| {
            let rules = CadenceRules::load(connection)?;
            let mut statement = connection.prepare_cached(PEOPLE_SQL)?;
            let people = statement
                .query_map([], person_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut health = RelationshipHealth::default();
            let mut stages: Vec<StageHealth> = Vec::new();
            for person in people {
                let stage = person.stage.as_deref().and_then(LifecycleStage::parse);
                let index = match stages.iter().position(|entry| entry.stage == stage) {
                    Some(index) => index,
                    None => {
                        stages.push(StageHealth {
                            stage,
                            within: 0,
                            overdue: 0,
                            no_cadence: 0,
                        });
                        stages.len() - 1
                    }
                };
                let Some(entry) = stages.get_mut(index) else {
                    continue;
                };
                match rules.cadence_of(&person) {
                    None => {
                        health.no_cadence += 1;
                        entry.no_cadence += 1;
                    }
                    Some((cadence, _)) => {
                        let last = last_contact(connection, &person.id)?;
                        if due_date(cadence, &person, last.as_ref(), zone) <= today {
                            health.overdue += 1;
                            entry.overdue += 1;
                        } else {
                            health.within += 1;
                            entry.within += 1;
                        }
                    }
                }
            }
            stages.sort_by_key(|entry| entry.stage.map_or(u8::MAX, stage_order));
            health.by_stage = stages;
            Ok(health)
        })
    }

    /// Removes a contact's own setting (cadence and snooze), so the defaults apply again.
    pub fn clear(&self, contact_id: &str) -> Result<Option<ChangeReceipt>> {
        self.database.write(|transaction| {
            let Some(own) = live_own(transaction, contact_id)? else {
                return Ok(None);
            };
            records::delete::<KeepInTouch>(transaction, &own.id, None).map(Some)
        })
    }
}

/// See [`KeepInTouchService::due_by_walking_everyone`].
pub(crate) fn due_by_walking_everyone<Tz: TimeZone>(
    connection: &Connection,
    today: NaiveDate,
    zone: &Tz,
) -> Result<Vec<DuePerson>> {
    let rules = CadenceRules::load(connection)?;
    let mut due = Vec::new();
    let mut statement = connection.prepare_cached(PEOPLE_SQL)?;
    let people = statement
        .query_map([], person_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for person in people {
        let Some((cadence, origin)) = rules.cadence_of(&person) else {
            continue;
        };
        if snoozed_past(&person, today) {
            continue;
        }
        let last = last_contact(connection, &person.id)?;
        if let Some(entry) = due_person(person, cadence, origin, last, today, zone) {
            due.push(entry);
        }
    }
    sort_due(&mut due);
    Ok(due)
}

/// Whether the person is snoozed until a day after `today`.
fn snoozed_past(person: &Person, today: NaiveDate) -> bool {
    person
        .snoozed_until
        .as_deref()
        .and_then(crate::time::parse_date)
        .is_some_and(|until| until > today)
}

/// The person as listed when due on `today`; `None` when not due yet.
fn due_person<Tz: TimeZone>(
    person: Person,
    cadence: Cadence,
    origin: CadenceOrigin,
    last: Option<LastContact>,
    today: NaiveDate,
    zone: &Tz,
) -> Option<DuePerson> {
    let since = last_date(&person, last.as_ref(), zone);
    let due_on = due_after(cadence, since, &person);
    if due_on > today {
        return None;
    }
    let elapsed_days = (today - since).num_days().max(0) as f64;
    Some(DuePerson {
        contact_id: person.id,
        display_name: person.display_name,
        cadence,
        cadence_origin: origin,
        last_contact: last,
        due_on: date_text(due_on),
        days_overdue: u32::try_from((today - due_on).num_days()).unwrap_or(0),
        overdue_ratio: elapsed_days / f64::from(cadence.approximate_days().max(1)),
    })
}

/// `YYYY-MM-DD`, as `%Y-%m-%d` writes it (without parsing the format for every person).
fn date_text(date: NaiveDate) -> String {
    if (0..=9999).contains(&date.year()) {
        format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
    } else {
        date.format("%Y-%m-%d").to_string()
    }
}

/// Most overdue relative to the cadence first; then by name, then by id.
fn sort_due(due: &mut [DuePerson]) {
    // Unstable is the same order here: no two entries are of one contact.
    due.sort_unstable_by(|first, second| {
        second
            .overdue_ratio
            .total_cmp(&first.overdue_ratio)
            .then_with(|| first.display_name.cmp(&second.display_name))
            .then_with(|| first.contact_id.cmp(&second.contact_id))
    });
}

fn stage_order(stage: LifecycleStage) -> u8 {
    LifecycleStage::ALL
        .iter()
        .position(|candidate| *candidate == stage)
        .and_then(|position| u8::try_from(position).ok())
        .unwrap_or(u8::MAX)
}

/// A contact's live own setting.
fn live_own(connection: &Connection, contact_id: &str) -> Result<Option<KeepInTouch>> {
    Ok(connection
        .prepare_cached(&format!(
            "SELECT {OWN_COLUMNS} FROM keep_in_touch
             WHERE contact_id = ?1 AND deleted_at IS NULL"
        ))?
        .query_row([contact_id], own_from_row)
        .optional()?)
}

/// Live contacts with their own setting, if any.
const PEOPLE_SQL: &str = "SELECT c.id, c.display_name, c.lifecycle_stage, c.created_at, k.cadence,
                                 k.snoozed_until
                          FROM contacts c
                          LEFT JOIN keep_in_touch k ON k.contact_id = c.id AND k.deleted_at IS NULL
                          WHERE c.deleted_at IS NULL";

struct Person {
    id: String,
    display_name: String,
    stage: Option<String>,
    created_at: String,
    own: Option<String>,
    snoozed_until: Option<String>,
}

fn person_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: row.get(0)?,
        display_name: row.get(1)?,
        stage: row.get(2)?,
        created_at: row.get(3)?,
        own: row.get(4)?,
        snoozed_until: row.get(5)?,
    })
}

/// The defaults in force, to find each contact's cadence.
struct CadenceRules {
    /// Contact id -> the most frequent default among its tags, with the tag's name.
    by_contact_tag: HashMap<String, (Cadence, String)>,
    by_stage: HashMap<String, Cadence>,
}

impl CadenceRules {
    fn load(connection: &Connection) -> Result<Self> {
        let mut by_contact_tag: HashMap<String, (Cadence, String)> = HashMap::new();
        let mut statement = connection.prepare_cached(
            "SELECT ct.contact_id, d.cadence, t.name
             FROM keep_in_touch_defaults d
             JOIN tags t ON t.id = d.target AND t.deleted_at IS NULL
             JOIN contact_tags ct ON ct.tag_id = d.target
             WHERE d.scope = 'tag' AND d.deleted_at IS NULL",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (contact_id, code, tag) = row?;
            let Ok(cadence) = Cadence::parse(&code, "cadence") else {
                continue;
            };
            // The shortest cadence; of equal ones, the tag whose name sorts first.
            let more_frequent = by_contact_tag
                .get(&contact_id)
                .is_none_or(|(current, name)| {
                    (cadence.approximate_days(), tag.as_str())
                        < (current.approximate_days(), name.as_str())
                });
            if more_frequent {
                by_contact_tag.insert(contact_id, (cadence, tag));
            }
        }
        let mut by_stage = HashMap::new();
        let mut statement = connection.prepare_cached(
            "SELECT target, cadence FROM keep_in_touch_defaults
             WHERE scope = 'stage' AND deleted_at IS NULL",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (stage, code) = row?;
            if let Ok(cadence) = Cadence::parse(&code, "cadence") {
                by_stage.insert(stage, cadence);
            }
        }
        Ok(Self {
            by_contact_tag,
            by_stage,
        })
    }

    fn cadence_of(&self, person: &Person) -> Option<(Cadence, CadenceOrigin)> {
        let tag = self
            .by_contact_tag
            .get(&person.id)
            .map(|(cadence, name)| (*cadence, name.as_str()));
        resolve_cadence(person, tag, &self.by_stage)
    }
}

/// The cadence that applies to a person: their own setting (none when turned off), else the
/// tag default given, else their stage's default.
fn resolve_cadence(
    person: &Person,
    tag: Option<(Cadence, &str)>,
    by_stage: &HashMap<String, Cadence>,
) -> Option<(Cadence, CadenceOrigin)> {
    match person.own.as_deref() {
        Some(NONE) => return None,
        Some(code) => {
            if let Ok(cadence) = Cadence::parse(code, "cadence") {
                return Some((cadence, CadenceOrigin::Own));
            }
        }
        None => {}
    }
    if let Some((cadence, tag)) = tag {
        return Some((cadence, CadenceOrigin::Tag(tag.to_owned())));
    }
    let stage = person.stage.as_deref()?;
    let cadence = by_stage.get(stage)?;
    let label = LifecycleStage::parse(stage)
        .map_or_else(|| stage.to_owned(), |stage| stage.label().to_owned());
    Some((*cadence, CadenceOrigin::Stage(label)))
}

fn live_defaults(connection: &Connection) -> Result<Vec<KeepInTouchDefault>> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {DEFAULT_COLUMNS} FROM keep_in_touch_defaults WHERE deleted_at IS NULL
         ORDER BY scope DESC, target"
    ))?;
    let defaults = statement
        .query_map([], default_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(defaults)
}

/// The newest interaction that has happened, or note, with the contact.
pub(crate) fn last_contact(
    connection: &Connection,
    contact_id: &str,
) -> Result<Option<LastContact>> {
    let now = now_utc();
    let interaction = connection
        .prepare_cached(
            "SELECT ic.occurred_at, i.kind, i.subject, i.source
             FROM interaction_contacts ic
             JOIN interactions i ON i.id = ic.interaction_id AND i.deleted_at IS NULL
             WHERE ic.contact_id = ?1 AND ic.occurred_at <= ?2
             ORDER BY ic.occurred_at DESC, ic.interaction_id DESC LIMIT 1",
        )?
        .query_row(params![contact_id, now], |row| {
            Ok(LastContact {
                at: row.get(0)?,
                kind: row.get(1)?,
                summary: row.get(2)?,
                source: row.get(3)?,
            })
        })
        .optional()?;
    let note = connection
        .prepare_cached(
            "SELECT created_at, body FROM notes
             WHERE contact_id = ?1 AND deleted_at IS NULL AND created_at <= ?2
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![contact_id, now], |row| {
            let body: String = row.get(1)?;
            Ok(LastContact {
                at: row.get(0)?,
                kind: "note".to_owned(),
                summary: Some(first_words(&body)),
                source: None,
            })
        })
        .optional()?;
    Ok(match (interaction, note) {
        (Some(interaction), Some(note)) if note.at > interaction.at => Some(note),
        (Some(interaction), _) => Some(interaction),
        (None, note) => note,
    })
}

fn first_words(body: &str) -> String {
    const MAX_CHARS: usize = 80;
    let line = body
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    let mut words: String = line.trim().chars().take(MAX_CHARS).collect();
    if line.trim().chars().count() > MAX_CHARS {
        words.push('…');
    }
    words
}

/// The local date of the last contact, or of the day the contact was added.
fn last_date<Tz: TimeZone>(person: &Person, last: Option<&LastContact>, zone: &Tz) -> NaiveDate {
    let at = last.map_or(person.created_at.as_str(), |last| last.at.as_str());
    local_date(at, zone).unwrap_or(NaiveDate::MIN)
}

fn due_date<Tz: TimeZone>(
    cadence: Cadence,
    person: &Person,
    last: Option<&LastContact>,
    zone: &Tz,
) -> NaiveDate {
    due_after(cadence, last_date(person, last, zone), person)
}

/// The day a person is due: a cadence after `since`, or the end of their snooze if later.
fn due_after(cadence: Cadence, since: NaiveDate, person: &Person) -> NaiveDate {
    let due = cadence.after(since);
    match person
        .snoozed_until
        .as_deref()
        .and_then(crate::time::parse_date)
    {
        Some(until) if until > due => until,
        _ => due,
    }
}

/// The local date in `zone` of a UTC time.
pub(crate) fn local_date<Tz: TimeZone>(utc: &str, zone: &Tz) -> Option<NaiveDate> {
    let instant: DateTime<Utc> = canonical_utc(utc).or_else(|| crate::time::parse_utc(utc))?;
    Some(instant.with_timezone(zone).date_naive())
}

/// Reads a time as [`crate::time::format_utc`] writes it (`2026-12-08T09:30:00.000Z`), the
/// way nearly every stored time is, faster than a general RFC 3339 parse (the due list reads
/// one per person); `None` for any other text, which the general parse then reads.
fn canonical_utc(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    if bytes.len() != 24
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || bytes[13] != b':'
        || bytes[16] != b':'
        || bytes[19] != b'.'
        || bytes[23] != b'Z'
    {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        bytes.get(from..to)?.iter().try_fold(0_u32, |value, digit| {
            digit
                .is_ascii_digit()
                .then(|| value * 10 + u32::from(digit - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok()?,
        number(5, 7)?,
        number(8, 10)?,
    )?;
    let time = chrono::NaiveTime::from_hms_milli_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        number(20, 23)?,
    )?;
    Some(date.and_time(time).and_utc())
}
