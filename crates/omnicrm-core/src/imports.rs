//! Importing contacts from vCard, Google or Outlook CSV, any CSV with a column mapping, and
//! OmniCRM's own JSON export.
//!
//! An import is planned before anything is written: each record is matched against existing
//! contacts by normalized email and phone, and against earlier records of the same file. The
//! plan says, per record, whether it will be created, update an existing contact, be merged
//! into an earlier record, be skipped (nothing new), or is invalid, and why. Importing the same
//! file twice therefore creates nothing the second time. Everything one import writes shares a
//! change-log batch, so the import can be undone as a whole.

mod plan;
mod records;
mod related;

use std::borrow::Cow;
use std::path::Path;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::changes::BatchUndoOutcome;
use crate::error::{Error, Result};
use crate::store::Database;
use crate::time::now_utc;

pub use omnicrm_interchange::{ColumnMapping, ColumnTarget, CsvPreview, Field};
pub use plan::{ImportAction, ImportPlanItem};

/// The plan lists at most this many records; the counts always cover the whole file.
pub const MAX_PLAN_ITEMS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    Vcard,
    GoogleCsv,
    OutlookCsv,
    /// Any CSV, read through a column mapping.
    Csv,
    /// OmniCRM's own JSON export.
    Json,
}

impl ImportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vcard => "vcard",
            Self::GoogleCsv => "google_csv",
            Self::OutlookCsv => "outlook_csv",
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Vcard,
            Self::GoogleCsv,
            Self::OutlookCsv,
            Self::Csv,
            Self::Json,
        ]
        .into_iter()
        .find(|format| format.as_str() == text)
    }
}

/// How to read a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportOptions {
    /// Shown in the import history; also helps recognise the format.
    pub file_name: Option<String>,
    /// Detected from the content when absent.
    pub format: Option<ImportFormat>,
    /// Required for generic CSV files.
    pub mapping: Option<ColumnMapping>,
    /// Write the valid records even though some are invalid. Without it, an import with
    /// invalid records writes nothing.
    pub accept_valid_rows: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportCounts {
    pub create: u32,
    pub update: u32,
    pub merge: u32,
    pub skip: u32,
    pub invalid: u32,
}

/// What an import would do, before it does it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportPreview {
    pub format: ImportFormat,
    pub records: u32,
    pub counts: ImportCounts,
    /// Invalid records first, then the rest in file order, up to [`MAX_PLAN_ITEMS`].
    pub items: Vec<ImportPlanItem>,
}

/// A finished import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportSummary {
    /// Also the change-log batch: undo the import with it.
    pub id: String,
    pub file_name: Option<String>,
    pub format: ImportFormat,
    pub undone: bool,
    pub counts: ImportCounts,
    pub created_at: String,
    pub undone_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ImportService {
    database: Database,
}

impl ImportService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// The first rows and a suggested column mapping of a generic CSV file.
    pub fn csv_preview(&self, bytes: &[u8]) -> Result<CsvPreview> {
        let text = records::decode(bytes)?;
        omnicrm_interchange::csv_preview(&text, 5).map_err(records::format_error)
    }

    /// The format of a file, from its content and name.
    pub fn detect_format(&self, bytes: &[u8], file_name: Option<&str>) -> Result<ImportFormat> {
        records::detect(&records::decode(bytes)?, file_name)
    }

    /// Reads a file and plans the import without writing anything.
    pub fn preview(&self, bytes: &[u8], options: &ImportOptions) -> Result<ImportPreview> {
        let text = records::decode(bytes)?;
        let parsed = records::read(&text, options)?;
        self.database.read(|connection| {
            let plan = plan::plan(connection, parsed.records)?;
            Ok(plan.preview(parsed.format))
        })
    }

    /// Reads a file from disk and plans its import.
    pub fn preview_file(&self, path: &Path, options: &ImportOptions) -> Result<ImportPreview> {
        let bytes = read_file(path)?;
        self.preview(&bytes, options)
    }

    /// Imports a file, all or nothing (see [`crate::chunked_writes`]). `progress` gets
    /// (records written, records to write). A file handed over owned (a `Vec<u8>`) is let go
    /// of once planned, before the writing starts.
    pub fn run<'file>(
        &self,
        bytes: impl Into<Cow<'file, [u8]>>,
        options: &ImportOptions,
        progress: &mut dyn FnMut(u32, u32),
    ) -> Result<ImportSummary> {
        self.run_as(&crate::time::new_id(), bytes, options, progress)
    }

    /// Imports a file, all or nothing, under the id `import_id` (a UUIDv7, also the
    /// change-log batch). When an import with that id exists already it is returned and nothing
    /// is written, so a background job retried after its first attempt committed (the app died
    /// before recording success) does not import twice.
    pub fn run_as<'file>(
        &self,
        import_id: &str,
        bytes: impl Into<Cow<'file, [u8]>>,
        options: &ImportOptions,
        progress: &mut dyn FnMut(u32, u32),
    ) -> Result<ImportSummary> {
        if let Some(applied) = self
            .list()?
            .into_iter()
            .find(|import| import.id == import_id)
        {
            return Ok(applied);
        }
        // Planned from a snapshot, without the write lock (reading a large database and
        // matching every record takes seconds), before anything is written.
        let bytes = bytes.into();
        let (format, plan, mut rest) = {
            let text = records::decode(&bytes)?;
            let parsed = records::read(&text, options)?;
            let plan = self
                .database
                .read(|connection| plan::plan(connection, parsed.records))?;
            (parsed.format, plan, parsed.rest)
        };
        // The plan holds what is to be written: the file itself is not needed any more.
        drop(bytes);
        let counts = plan.counts();
        if counts.invalid > 0 && !options.accept_valid_rows {
            return Err(plan.invalid_error());
        }
        let batch_id = import_id.to_owned();
        // Written in short transactions.
        crate::chunked_writes::write_in_chunks(&self.database, import_id, "import", |chunks| {
            if let Some(rest) = rest.as_mut() {
                chunks.write(|transaction| related::import_tags(transaction, rest, &batch_id))?;
            }
            let contact_ids = plan.apply(chunks, &batch_id, progress)?;
            chunks.write_last(|transaction| {
                if let Some(rest) = rest {
                    related::import(transaction, rest, &contact_ids, &batch_id)?;
                }
                let now = now_utc();
                transaction.execute(
                    "INSERT INTO imports (id, file_name, format, status, created, updated, merged,
                                          skipped, invalid, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 'applied', ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                    params![
                        batch_id,
                        options.file_name,
                        format.as_str(),
                        counts.create,
                        counts.update,
                        counts.merge,
                        counts.skip,
                        counts.invalid,
                        now,
                    ],
                )?;
                Ok(ImportSummary {
                    id: batch_id.clone(),
                    file_name: options.file_name.clone(),
                    format,
                    undone: false,
                    counts,
                    created_at: now,
                    undone_at: None,
                })
            })
        })
    }

    pub fn run_file(
        &self,
        path: &Path,
        options: &ImportOptions,
        progress: &mut dyn FnMut(u32, u32),
    ) -> Result<ImportSummary> {
        let bytes = read_file(path)?;
        self.run(bytes, options, progress)
    }

    /// Imports, newest first.
    pub fn list(&self) -> Result<Vec<ImportSummary>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, file_name, format, status, created, updated, merged, skipped, invalid,
                        created_at, undone_at
                 FROM imports ORDER BY created_at DESC, id DESC",
            )?;
            let imports = statement
                .query_map([], |row| {
                    let format: String = row.get(2)?;
                    let status: String = row.get(3)?;
                    Ok(ImportSummary {
                        id: row.get(0)?,
                        file_name: row.get(1)?,
                        format: ImportFormat::parse(&format).unwrap_or(ImportFormat::Csv),
                        undone: status == "undone",
                        counts: ImportCounts {
                            create: row.get(4)?,
                            update: row.get(5)?,
                            merge: row.get(6)?,
                            skip: row.get(7)?,
                            invalid: row.get(8)?,
                        },
                        created_at: row.get(9)?,
                        undone_at: row.get(10)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(imports)
        })
    }

    /// Undoes everything an import wrote: the contacts it created are deleted, the ones it
    /// updated go back to how they were, and its notes are removed.
    pub fn undo(&self, import_id: &str) -> Result<BatchUndoOutcome> {
        self.database.write(|transaction| {
            let outcome = crate::undo::undo_batch_in(transaction, import_id)?;
            let now = now_utc();
            transaction.execute(
                "UPDATE imports SET status = 'undone', undone_at = ?2, updated_at = ?2
                 WHERE id = ?1",
                params![import_id, now],
            )?;
            Ok(outcome)
        })
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    let metadata = std::fs::metadata(path)
        .map_err(|source| Error::io(&format!("could not read {}", path.display()), &source))?;
    if metadata.len() > omnicrm_interchange::MAX_FILE_BYTES as u64 {
        return Err(Error::invalid_field(
            "file",
            format!(
                "is {} MB; files up to {} MB can be imported",
                metadata.len() / 1_000_000,
                omnicrm_interchange::MAX_FILE_BYTES / 1_000_000
            ),
        ));
    }
    std::fs::read(path)
        .map_err(|source| Error::io(&format!("could not read {}", path.display()), &source))
}
