//! Getting data out: vCard 4.0 and Google CSV for contacts, a full JSON export of everything,
//! a per-client JSON export (for data subject requests), and deleting all data.

use std::path::Path;

use base64::Engine;
use omnicrm_interchange::{ContactRecord, LabeledValue, Photo, PostalAddress};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::consents::Consent;
use crate::contacts::{self, Contact};
use crate::error::{Error, Result};
use crate::identities::{Identity, IgnoredIdentifier};
use crate::interactions::Interaction;
use crate::notes::Note;
use crate::productivity::{Goal, Project, Task, Zone};
use crate::records::Record;
use crate::store::Database;
use crate::tags::Tag;
use crate::time::now_utc;

/// The `format` field of OmniCRM's JSON export.
pub const JSON_EXPORT_FORMAT: &str = "omnicrm-export";
pub const JSON_EXPORT_VERSION: u32 = 1;
/// What the user types to delete all data.
pub const DELETE_ALL_CONFIRMATION: &str = "DELETE ALL MY DATA";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Vcard,
    GoogleCsv,
    Json,
    /// The reminders and birthdays as an iCalendar file, for a calendar app.
    Ics,
}

impl ExportFormat {
    /// The format in plain words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Vcard => "vCard",
            Self::GoogleCsv => "Google CSV",
            Self::Json => "OmniCRM JSON",
            Self::Ics => "iCalendar",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "vcard" => Some(Self::Vcard),
            "csv" | "google_csv" => Some(Self::GoogleCsv),
            "json" => Some(Self::Json),
            "ics" => Some(Self::Ics),
            _ => None,
        }
    }
}

/// Everything OmniCRM holds, live records only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JsonExport {
    pub format: String,
    pub version: u32,
    pub exported_at: String,
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub notes: Vec<Note>,
    #[serde(default)]
    pub interactions: Vec<Interaction>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub identities: Vec<Identity>,
    #[serde(default)]
    pub ignored_identifiers: Vec<IgnoredIdentifier>,
    #[serde(default)]
    pub consents: Vec<Consent>,
    #[serde(default)]
    pub zones: Vec<Zone>,
    #[serde(default)]
    pub projects: Vec<Project>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub goals: Vec<Goal>,
    /// In one client's export: who has seen their data (GDPR art. 15), newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_log: Vec<crate::access_log::AccessEntry>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportSummary {
    pub path: String,
    /// The contacts written; for a calendar, its events (reminders and birthdays).
    pub contacts: u32,
    pub bytes: f64,
}

/// What deleting all data removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeletionSummary {
    pub contacts: u32,
    pub backups: u32,
}

/// `validation_failed` on `confirmation` unless it is exactly [`DELETE_ALL_CONFIRMATION`]
/// (surrounding spaces aside). Callers that do more than the core's deletion (disconnecting
/// accounts) check it first.
pub fn check_delete_all_confirmation(confirmation: &str) -> Result<()> {
    if confirmation.trim() == DELETE_ALL_CONFIRMATION {
        Ok(())
    } else {
        Err(Error::invalid_field(
            "confirmation",
            format!("must be exactly \"{DELETE_ALL_CONFIRMATION}\""),
        ))
    }
}

#[derive(Debug, Clone)]
pub struct ExportService {
    database: Database,
    data_dir: std::path::PathBuf,
}

impl ExportService {
    pub fn new(database: Database, data_dir: &Path) -> Self {
        Self {
            database,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// Everything, or with `contact_id` everything about that one client.
    pub fn json(&self, contact_id: Option<&str>) -> Result<JsonExport> {
        self.database.read(|connection| match contact_id {
            None => full_export(connection),
            Some(id) => client_export(connection, id),
        })
    }

    /// Live contacts (or one) as vCard 4.0.
    pub fn vcard(&self, contact_id: Option<&str>) -> Result<String> {
        let records = self.contact_records(contact_id)?;
        Ok(omnicrm_interchange::write_vcards(&records))
    }

    /// Live contacts (or one) in Google Contacts CSV format.
    pub fn google_csv(&self, contact_id: Option<&str>) -> Result<String> {
        let records = self.contact_records(contact_id)?;
        Ok(omnicrm_interchange::write_google_csv(&records))
    }

    /// Writes an export to `path`: a file through a temporary one, so a failed export leaves
    /// nothing half-written behind; a pipe or a device (`/dev/stdout`) directly, like other
    /// Unix tools. Anything else that is not a file (a folder) is refused.
    pub fn write(
        &self,
        format: ExportFormat,
        path: &Path,
        contact_id: Option<&str>,
    ) -> Result<ExportSummary> {
        let (text, contacts) = match format {
            ExportFormat::Json => {
                let export = self.json(contact_id)?;
                let count = export.contacts.len();
                (serde_json::to_string_pretty(&export)?, count)
            }
            ExportFormat::Ics => {
                let text =
                    crate::reminders::ReminderService::new(self.database.clone()).calendar()?;
                let events = text.matches("BEGIN:VEVENT").count();
                (text, events)
            }
            ExportFormat::Vcard | ExportFormat::GoogleCsv => {
                let records = self.contact_records(contact_id)?;
                let count = records.len();
                let text = if format == ExportFormat::Vcard {
                    omnicrm_interchange::write_vcards(&records)
                } else {
                    omnicrm_interchange::write_google_csv(&records)
                };
                (text, count)
            }
        };
        write_output(path, text.as_bytes())?;
        let file_name = path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        let what = match format {
            ExportFormat::Ics => "the reminders and birthdays calendar".to_owned(),
            _ if contact_id.is_some() => "this client".to_owned(),
            _ => format!("all {contacts} contacts"),
        };
        crate::access_log::AccessLogService::new(self.database.clone()).record(
            crate::access_log::Disclosure {
                contact_id: contact_id.map(str::to_owned),
                action: crate::access_log::AccessAction::Exported,
                detail: format!("{what} exported as {} to {file_name}", format.describe()),
            },
        )?;
        Ok(ExportSummary {
            path: path.display().to_string(),
            contacts: u32::try_from(contacts).unwrap_or(u32::MAX),
            bytes: text.len() as f64,
        })
    }

    /// Erases every contact and everything about them, the change log and the backups. The
    /// seeded tags, zones and ignore patterns stay. `confirmation` must be
    /// [`DELETE_ALL_CONFIRMATION`].
    pub fn delete_all_data(&self, confirmation: &str) -> Result<DeletionSummary> {
        check_delete_all_confirmation(confirmation)?;
        let contacts = self.database.write(|transaction| {
            let contacts: u32 =
                transaction.query_row("SELECT COUNT(*) FROM contacts", [], |row| row.get(0))?;
            transaction.execute_batch(
                "DELETE FROM contacts_fts;
                 DELETE FROM contact_emails; DELETE FROM contact_phones; DELETE FROM contact_tags;
                 DELETE FROM interaction_contacts; DELETE FROM interactions;
                 DELETE FROM task_contacts; DELETE FROM tasks; DELETE FROM projects;
                 DELETE FROM goals; DELETE FROM consents; DELETE FROM contact_identities;
                 DELETE FROM reminders; DELETE FROM keep_in_touch;
                 DELETE FROM keep_in_touch_defaults;
                 DELETE FROM notes; DELETE FROM contacts; DELETE FROM imports; DELETE FROM jobs;
                 DELETE FROM duplicate_dismissals; DELETE FROM change_log;
                 DELETE FROM raw_event_addresses; DELETE FROM raw_events;
                 DELETE FROM contact_suggestions; DELETE FROM contact_suggestion_dismissals;
                 DELETE FROM sync_cursors; DELETE FROM sync_audit; DELETE FROM sync_batches;
                 DELETE FROM integration_accounts;
                 DELETE FROM sync_documents; DELETE FROM sync_connection;
                 DELETE FROM sync_conflicts;
                 DELETE FROM ai_messages; DELETE FROM ai_threads; DELETE FROM ai_proposals;
                 DELETE FROM ai_results; DELETE FROM ai_usage; DELETE FROM ai_breakers;
                 INSERT INTO settings (key, value) VALUES ('access_log.erasing', '1')
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value;
                 DELETE FROM access_log;
                 DELETE FROM settings WHERE key = 'access_log.erasing';
                 DELETE FROM tags WHERE is_system = 0;
                 DELETE FROM ignored_identifiers WHERE is_system = 0;
                 DELETE FROM zones WHERE created_at <> '2026-11-22T00:00:00.000Z';
                 UPDATE contact_totals SET live = 0;",
            )?;
            Ok(contacts)
        })?;
        self.database.with_writer(|connection| {
            connection.execute_batch("VACUUM")?;
            Ok(())
        })?;
        let mut backups = 0u32;
        let backup_dir = self.data_dir.join(crate::backups::BACKUP_DIR_NAME);
        if let Ok(entries) = std::fs::read_dir(&backup_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file() {
                    std::fs::remove_file(&path).map_err(|source| {
                        Error::io(&format!("could not remove {}", path.display()), &source)
                    })?;
                    backups += 1;
                }
            }
        }
        Ok(DeletionSummary { contacts, backups })
    }

    fn contact_records(&self, contact_id: Option<&str>) -> Result<Vec<ContactRecord>> {
        self.database.read(|connection| {
            let ids = match contact_id {
                Some(id) => {
                    contacts::ensure_live(connection, id)?;
                    vec![id.to_owned()]
                }
                None => live_ids(
                    connection,
                    "SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY sort_name, id",
                )?,
            };
            ids.iter()
                .map(|id| {
                    contacts::load_any(connection, id).map(|contact| contact_record(&contact))
                })
                .collect()
        })
    }
}

/// A contact in the format-neutral shape the vCard and CSV writers take.
pub fn contact_record(contact: &Contact) -> ContactRecord {
    let photo = contact.photo.as_deref().and_then(|url| {
        let (header, data) = url.strip_prefix("data:")?.split_once(',')?;
        let media_type = header.strip_suffix(";base64")?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .ok()?;
        Some(Photo {
            media_type: media_type.to_owned(),
            data: bytes,
        })
    });
    ContactRecord {
        display_name: contact.display_name.clone(),
        organization: contact.organization.clone(),
        emails: contact
            .emails
            .iter()
            .map(|email| LabeledValue {
                value: email.address.clone(),
                label: email.label.clone(),
                preferred: email.is_primary,
            })
            .collect(),
        phones: contact
            .phones
            .iter()
            .map(|phone| LabeledValue {
                value: phone.number.clone(),
                label: phone.label.clone(),
                preferred: phone.is_primary,
            })
            .collect(),
        addresses: contact
            .address
            .iter()
            .map(|address| PostalAddress {
                label: None,
                street: address.street.clone(),
                city: address.city.clone(),
                region: address.region.clone(),
                postal_code: address.postal_code.clone(),
                country: address.country.clone(),
            })
            .collect(),
        birthday: contact.date_of_birth.clone(),
        photo,
        categories: contact.tags.clone(),
        ..ContactRecord::default()
    }
}

fn live_ids(connection: &Connection, sql: &str) -> Result<Vec<String>> {
    let mut statement = connection.prepare(sql)?;
    let ids = statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

fn load_all<R: Record>(connection: &Connection, table: &str) -> Result<Vec<R>> {
    live_ids(
        connection,
        &format!("SELECT id FROM {table} WHERE deleted_at IS NULL ORDER BY created_at, id"),
    )?
    .iter()
    .map(|id| R::load(connection, id))
    .collect()
}

fn full_export(connection: &Connection) -> Result<JsonExport> {
    let contacts = live_ids(
        connection,
        "SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY created_at, id",
    )?
    .iter()
    .map(|id| contacts::load_any(connection, id))
    .collect::<Result<Vec<_>>>()?;
    Ok(JsonExport {
        format: JSON_EXPORT_FORMAT.to_owned(),
        version: JSON_EXPORT_VERSION,
        exported_at: now_utc(),
        contacts,
        notes: load_all(connection, "notes")?,
        interactions: load_all(connection, "interactions")?,
        tags: load_all(connection, "tags")?,
        identities: load_all(connection, "contact_identities")?,
        ignored_identifiers: load_all(connection, "ignored_identifiers")?,
        consents: load_all(connection, "consents")?,
        zones: load_all(connection, "zones")?,
        projects: load_all(connection, "projects")?,
        tasks: load_all(connection, "tasks")?,
        goals: load_all(connection, "goals")?,
        // The log stays with the device; a client's own export carries theirs.
        access_log: Vec::new(),
    })
}

/// Everything about one client: the contact, their notes, interactions, linked tasks, goals,
/// consents and identities, and who has seen their data (the access log).
fn client_export(connection: &Connection, contact_id: &str) -> Result<JsonExport> {
    contacts::ensure_live(connection, contact_id)?;
    let select = |sql: &str| -> Result<Vec<String>> {
        let mut statement = connection.prepare(sql)?;
        let ids = statement
            .query_map([contact_id], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    };
    fn load_each<R: Record>(connection: &Connection, ids: Vec<String>) -> Result<Vec<R>> {
        ids.iter().map(|id| R::load(connection, id)).collect()
    }
    Ok(JsonExport {
        format: JSON_EXPORT_FORMAT.to_owned(),
        version: JSON_EXPORT_VERSION,
        exported_at: now_utc(),
        contacts: vec![contacts::load_any(connection, contact_id)?],
        notes: load_each(
            connection,
            select("SELECT id FROM notes WHERE contact_id = ?1 AND deleted_at IS NULL")?,
        )?,
        interactions: load_each(
            connection,
            select(
                "SELECT i.id FROM interaction_contacts ic JOIN interactions i ON i.id = ic.interaction_id
                 WHERE ic.contact_id = ?1 AND i.deleted_at IS NULL",
            )?,
        )?,
        identities: load_each(
            connection,
            select("SELECT id FROM contact_identities WHERE contact_id = ?1 AND deleted_at IS NULL")?,
        )?,
        consents: load_each(
            connection,
            select("SELECT id FROM consents WHERE contact_id = ?1 AND deleted_at IS NULL")?,
        )?,
        tasks: load_each(
            connection,
            select(
                "SELECT t.id FROM task_contacts tc JOIN tasks t ON t.id = tc.task_id
                 WHERE tc.contact_id = ?1 AND t.deleted_at IS NULL",
            )?,
        )?,
        goals: load_each(
            connection,
            select("SELECT id FROM goals WHERE contact_id = ?1 AND deleted_at IS NULL")?,
        )?,
        access_log: crate::access_log::entries(
            connection,
            Some(contact_id),
            crate::access_log::MAX_LIST,
        )?,
        ..JsonExport::default()
    })
}

/// Writes `bytes` to `path` (see [`ExportService::write`]). A pipe or a device is never
/// renamed over: an export to `/dev/full` once replaced the device with a regular file.
fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    let could_not_write =
        |source: std::io::Error| Error::io(&format!("could not write {}", path.display()), &source);
    if let Ok(metadata) = std::fs::metadata(path) {
        if is_stream(&metadata.file_type()) {
            let mut output = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(could_not_write)?;
            return std::io::Write::write_all(&mut output, bytes)
                .and_then(|()| std::io::Write::flush(&mut output))
                .map_err(could_not_write);
        }
        if !metadata.is_file() {
            return Err(Error::invalid_field(
                "out",
                format!(
                    "{} is not a file (a folder or a device); name a file to write the export to",
                    path.display()
                ),
            ));
        }
    }
    let mut partial_name = path.as_os_str().to_owned();
    partial_name.push(".partial");
    let partial = std::path::PathBuf::from(partial_name);
    std::fs::write(&partial, bytes).map_err(|source| {
        if let Err(error) = std::fs::remove_file(&partial) {
            tracing::debug!(%error, "no unfinished export to remove");
        }
        Error::io(&format!("could not write {}", path.display()), &source)
    })?;
    std::fs::rename(&partial, path).map_err(could_not_write)
}

#[cfg(unix)]
fn is_stream(file_type: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    file_type.is_char_device() || file_type.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(_file_type: &std::fs::FileType) -> bool {
    false
}
