//! A record of every disclosure: which client record was viewed, exported, printed, sent to an
//! AI provider or shared to the team workspace; when; from which device.
//!
//! The log is append-only (the schema refuses changes, and removes an entry only after the
//! retention the user chose, or when all data is deleted), lives in the encrypted database, and
//! is neither synced nor undoable: it says what happened, including what was undone since.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::Database;
use crate::time::{new_id, now_utc};

/// Entries are kept this many days unless the user chose otherwise (six years, the longest
/// record-keeping period health regulators commonly ask for).
pub const DEFAULT_RETENTION_DAYS: u32 = 2190;
const RETENTION_SETTING: &str = "access_log.retention_days";
/// Viewings of one client on one device closer together than this are one entry.
pub const VIEW_EVERY_MINUTES: u32 = 10;
/// The most entries one listing returns.
pub const MAX_LIST: u32 = 1_000;

/// What was done with a client's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AccessAction {
    /// The client's record was opened (the contact page, `omnicrm contacts show`).
    Viewed,
    /// Written to a file (an export).
    Exported,
    /// Printed.
    Printed,
    /// Sent to an AI provider.
    SentToAi,
    /// Shared to the team workspace.
    SharedWithTeam,
}

impl AccessAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewed => "viewed",
            Self::Exported => "exported",
            Self::Printed => "printed",
            Self::SentToAi => "sent_to_ai",
            Self::SharedWithTeam => "shared_with_team",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "viewed" => Some(Self::Viewed),
            "exported" => Some(Self::Exported),
            "printed" => Some(Self::Printed),
            "sent_to_ai" => Some(Self::SentToAi),
            "shared_with_team" => Some(Self::SharedWithTeam),
            _ => None,
        }
    }

    /// The action in plain words ("viewed", "sent to an AI provider").
    pub fn describe(self) -> &'static str {
        match self {
            Self::Viewed => "viewed",
            Self::Exported => "exported",
            Self::Printed => "printed",
            Self::SentToAi => "sent to an AI provider",
            Self::SharedWithTeam => "shared with the team",
        }
    }
}

/// One disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccessEntry {
    pub id: String,
    pub occurred_at: String,
    /// The client; `None` for many clients at once (a whole export).
    pub contact_id: Option<String>,
    /// The client's name as it is now (`None` when there is no client or it was erased).
    pub contact_name: Option<String>,
    pub action: AccessAction,
    /// What, in plain words: the export's format, the provider, model and fields sent.
    pub detail: String,
    /// The computer it happened on.
    pub device: String,
}

/// What to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    pub contact_id: Option<String>,
    pub action: AccessAction,
    pub detail: String,
}

impl Disclosure {
    pub fn of_contact(contact_id: &str, action: AccessAction, detail: impl Into<String>) -> Self {
        Self {
            contact_id: Some(contact_id.to_owned()),
            action,
            detail: detail.into(),
        }
    }
}

/// Records and lists disclosures.
#[derive(Debug, Clone)]
pub struct AccessLogService {
    database: Database,
    device: String,
}

impl AccessLogService {
    pub fn new(database: Database) -> Self {
        Self {
            database,
            device: this_device(),
        }
    }

    /// Appends one entry.
    pub fn record(&self, disclosure: Disclosure) -> Result<AccessEntry> {
        self.record_many(vec![disclosure])?
            .into_iter()
            .next()
            .ok_or_else(|| Error::internal("the access log recorded nothing"))
    }

    /// Appends several entries in one transaction (an answer that drew on several clients).
    /// Returns them in the order given; an empty list records nothing.
    pub fn record_many(&self, disclosures: Vec<Disclosure>) -> Result<Vec<AccessEntry>> {
        if disclosures.is_empty() {
            return Ok(Vec::new());
        }
        self.database.write(|transaction| {
            disclosures
                .into_iter()
                .map(|disclosure| insert(transaction, &self.device, disclosure))
                .collect()
        })
    }

    /// Records that the client's record was opened, once per [`VIEW_EVERY_MINUTES`] on this
    /// device: a page that reloads the record after each edit is one viewing, not twenty.
    pub fn record_view(&self, contact_id: &str, how: &str) -> Result<()> {
        // Opening a contact page is frequent; a viewing already logged needs no write lock.
        if self
            .database
            .read(|connection| self.viewed_recently(connection, contact_id))?
        {
            return Ok(());
        }
        self.database.write(|transaction| {
            // Checked again under the lock: another window may have logged it meanwhile.
            if !self.viewed_recently(transaction, contact_id)? {
                insert(
                    transaction,
                    &self.device,
                    Disclosure::of_contact(contact_id, AccessAction::Viewed, how),
                )?;
            }
            Ok(())
        })
    }

    fn viewed_recently(&self, connection: &Connection, contact_id: &str) -> Result<bool> {
        Ok(connection.query_row(
            "SELECT EXISTS (SELECT 1 FROM access_log
             WHERE contact_id = ?1 AND action = 'viewed' AND device = ?2
               AND occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3))",
            params![
                contact_id,
                self.device,
                format!("-{VIEW_EVERY_MINUTES} minutes")
            ],
            |row| row.get(0),
        )?)
    }

    /// The newest entries first, of one client or of all; at most `limit` (up to
    /// [`MAX_LIST`]).
    pub fn list(&self, contact_id: Option<&str>, limit: u32) -> Result<Vec<AccessEntry>> {
        if limit == 0 || limit > MAX_LIST {
            return Err(Error::invalid_field(
                "limit",
                format!("must be between 1 and {MAX_LIST}"),
            ));
        }
        self.database
            .read(|connection| entries(connection, contact_id, limit))
    }

    /// How many days entries are kept.
    pub fn retention_days(&self) -> Result<u32> {
        self.database.read(|connection| {
            let stored: Option<String> = connection
                .query_row(
                    "SELECT value FROM settings WHERE key = ?1",
                    [RETENTION_SETTING],
                    |row| row.get(0),
                )
                .map(Some)
                .or_else(|error| match error {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    other => Err(other),
                })?;
            Ok(stored
                .and_then(|text| text.parse().ok())
                .unwrap_or(DEFAULT_RETENTION_DAYS))
        })
    }

    /// Keeps entries `days` days (at least 30), and removes those older now.
    pub fn set_retention_days(&self, days: u32) -> Result<u32> {
        if !(30..=36_500).contains(&days) {
            return Err(Error::invalid_field(
                "retention_days",
                "must be between 30 days and 100 years",
            ));
        }
        self.database.write(|transaction| {
            transaction.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![RETENTION_SETTING, days.to_string()],
            )?;
            Ok(())
        })?;
        self.prune()?;
        Ok(days)
    }

    /// Removes the entries older than the retention; returns how many.
    pub fn prune(&self) -> Result<u32> {
        let days = self.retention_days()?;
        self.database.write(|transaction| {
            let removed = transaction.execute(
                "DELETE FROM access_log WHERE occurred_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                     '-' || ?1 || ' days')",
                [days],
            )?;
            Ok(u32::try_from(removed).unwrap_or(u32::MAX))
        })
    }
}

/// The newest entries first, of one client or of all (a client's own export includes theirs).
pub(crate) fn entries(
    connection: &Connection,
    contact_id: Option<&str>,
    limit: u32,
) -> Result<Vec<AccessEntry>> {
    let mut statement = connection.prepare_cached(
        "SELECT a.id, a.occurred_at, a.contact_id, c.display_name, a.action, a.detail, a.device
         FROM access_log a LEFT JOIN contacts c ON c.id = a.contact_id
         WHERE ?1 IS NULL OR a.contact_id = ?1
         ORDER BY a.occurred_at DESC, a.id DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(params![contact_id, limit], read_entry)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn insert(connection: &Connection, device: &str, disclosure: Disclosure) -> Result<AccessEntry> {
    let entry = AccessEntry {
        id: new_id(),
        occurred_at: now_utc(),
        contact_name: None,
        contact_id: disclosure.contact_id,
        action: disclosure.action,
        detail: disclosure.detail,
        device: device.to_owned(),
    };
    connection.execute(
        "INSERT INTO access_log (id, occurred_at, contact_id, action, detail, device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            entry.id,
            entry.occurred_at,
            entry.contact_id,
            entry.action.as_str(),
            entry.detail,
            entry.device
        ],
    )?;
    let contact_name = match &entry.contact_id {
        Some(id) => connection
            .query_row(
                "SELECT display_name FROM contacts WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .map(Some)
            .or_else(|error| match error {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                other => Err(other),
            })?,
        None => None,
    };
    Ok(AccessEntry {
        contact_name,
        ..entry
    })
}

fn read_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccessEntry> {
    let action: String = row.get(4)?;
    Ok(AccessEntry {
        id: row.get(0)?,
        occurred_at: row.get(1)?,
        contact_id: row.get(2)?,
        contact_name: row.get(3)?,
        action: AccessAction::parse(&action).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Text,
                format!("unknown access action {action}").into(),
            )
        })?,
        detail: row.get(5)?,
        device: row.get(6)?,
    })
}

/// This computer's name, as the user knows it ("Ada's MacBook"), else its host name.
fn this_device() -> String {
    whoami::devicename()
        .ok()
        .filter(|name| !name.trim().is_empty())
        .or_else(|| whoami::hostname().ok())
        .unwrap_or_else(|| "this computer".to_owned())
}
