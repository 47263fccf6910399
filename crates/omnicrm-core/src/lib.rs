//! OmniCRM's core: the domain model and the local store that the desktop app and the CLI share.
//!
//! Every write goes through a service here. Services validate input, stamp UUIDv7 ids and UTC
//! times, soft-delete, and append to the change log that sync and undo use.

pub mod access_log;
pub mod backups;
pub mod changes;
pub mod chunked_writes;
pub mod consents;
pub mod contacts;
pub mod dashboard;
pub mod demo;
pub mod duplicates;
pub mod encryption;
pub mod error;
pub mod export;
pub mod identities;
pub mod imports;
pub mod ingest;
pub mod integrations;
pub mod interactions;
pub mod keep_in_touch;
pub mod migrations;
pub mod names;
pub mod notes;
pub mod paths;
pub mod pii;
pub mod productivity;
mod records;
pub mod reminders;
pub mod remote_changes;
pub mod store;
pub mod tags;
pub mod time;
pub mod timeline;
pub mod today;
pub mod undo;

use std::path::{Path, PathBuf};

pub use error::{Error, ErrorCode, ErrorDetails, FieldError, LimitDetails, Result};
pub use records::RecordReader;
pub use store::Database;

/// The services over one database, as the app and the CLI use them.
#[derive(Debug, Clone)]
pub struct Core {
    pub data_dir: PathBuf,
    pub database: Database,
    pub access_log: access_log::AccessLogService,
    pub backups: backups::BackupService,
    pub contacts: contacts::ContactService,
    pub notes: notes::NoteService,
    pub changes: changes::ChangeService,
    pub dashboard: dashboard::DashboardService,
    pub demo: demo::DemoService,
    pub duplicates: duplicates::DuplicateService,
    pub tags: tags::TagService,
    pub interactions: interactions::InteractionService,
    pub identities: identities::IdentityService,
    pub consents: consents::ConsentService,
    pub timeline: timeline::TimelineService,
    pub zones: productivity::ZoneService,
    pub projects: productivity::ProjectService,
    pub tasks: productivity::TaskService,
    pub goals: productivity::GoalService,
    pub imports: imports::ImportService,
    pub ingest: ingest::IngestService,
    pub export: export::ExportService,
    pub integrations: integrations::IntegrationAccountService,
    pub remote: remote_changes::RemoteChangeService,
    pub keep_in_touch: keep_in_touch::KeepInTouchService,
    pub reminders: reminders::ReminderService,
    pub today: today::TodayService,
    pub undo: undo::UndoService,
}

impl Core {
    /// Opens the plain store in `data_dir`, creating and migrating it as needed.
    pub fn open(data_dir: &Path) -> Result<Self> {
        Self::open_with_key(data_dir, None)
    }

    /// Opens the store in `data_dir`, encrypted under `key` when one is given (the
    /// application layer finds it: see `omnicrm_app::at_rest`).
    pub fn open_with_key(data_dir: &Path, key: Option<encryption::DatabaseKey>) -> Result<Self> {
        let database = Database::open_in_dir_with_key(data_dir, key)?;
        // An import or demo data a crash cut short is rolled back as a whole.
        chunked_writes::roll_back_interrupted(&database)?;
        let backups = backups::BackupService::new(database.clone(), data_dir);
        // What a crash left behind; a read-only folder must not stop the data being opened.
        if let Err(error) = backups.remove_unfinished() {
            tracing::warn!(error = %error.message, "could not remove unfinished backups");
        }
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            access_log: access_log::AccessLogService::new(database.clone()),
            backups,
            contacts: contacts::ContactService::new(database.clone()),
            notes: notes::NoteService::new(database.clone()),
            changes: changes::ChangeService::new(database.clone()),
            dashboard: dashboard::DashboardService::new(database.clone()),
            demo: demo::DemoService::new(database.clone()),
            duplicates: duplicates::DuplicateService::new(database.clone()),
            tags: tags::TagService::new(database.clone()),
            interactions: interactions::InteractionService::new(database.clone()),
            identities: identities::IdentityService::new(database.clone()),
            consents: consents::ConsentService::new(database.clone()),
            timeline: timeline::TimelineService::new(database.clone()),
            zones: productivity::ZoneService::new(database.clone()),
            projects: productivity::ProjectService::new(database.clone()),
            tasks: productivity::TaskService::new(database.clone()),
            goals: productivity::GoalService::new(database.clone()),
            imports: imports::ImportService::new(database.clone()),
            ingest: ingest::IngestService::new(database.clone()),
            export: export::ExportService::new(database.clone(), data_dir),
            integrations: integrations::IntegrationAccountService::new(database.clone()),
            remote: remote_changes::RemoteChangeService::new(database.clone()),
            keep_in_touch: keep_in_touch::KeepInTouchService::new(database.clone()),
            reminders: reminders::ReminderService::new(database.clone()),
            today: today::TodayService::new(database.clone()),
            undo: undo::UndoService::new(database.clone()),
            database,
        })
    }

    /// Runs blocking core work from async code on tokio's blocking pool.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Core) -> Result<T> + Send + 'static,
    {
        let core = self.clone();
        tokio::task::spawn_blocking(move || work(&core)).await?
    }
}
