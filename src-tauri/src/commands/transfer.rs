//! Import, export and delete-all commands. Files travel from the UI as base64 text; exports are
//! written into the user's Downloads folder (or `<data dir>/exports`) under a fresh name.

use std::path::{Path, PathBuf};

use base64::Engine;
use omnicrm_app::job_handlers;
use omnicrm_core::changes::BatchUndoOutcome;
use omnicrm_core::export::{DeletionSummary, ExportFormat, ExportSummary};
use omnicrm_core::imports::{
    CsvPreview, ImportFormat, ImportOptions, ImportPreview, ImportSummary,
};
use omnicrm_core::{Core, Error};
use tauri::{AppHandle, State};

use super::jobs::{announce, JobInfo};
use super::{notify_contacts, CommandResult};
use crate::events::ContactsChangeReason;
use crate::{CoreState, JobsState};

fn decode(content_base64: &str) -> CommandResult<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(content_base64.trim())
        .map_err(|error| {
            Error::invalid_field("content_base64", format!("is not valid base64: {error}"))
        })
}

/// The first rows and a suggested column mapping of a generic CSV file.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn imports_csv_preview(
    state: State<'_, CoreState>,
    content_base64: String,
) -> CommandResult<CsvPreview> {
    let core = state.core()?;
    let bytes = decode(&content_base64)?;
    core.run(move |core| core.imports.csv_preview(&bytes)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn imports_detect_format(
    state: State<'_, CoreState>,
    content_base64: String,
    file_name: Option<String>,
) -> CommandResult<ImportFormat> {
    let core = state.core()?;
    let bytes = decode(&content_base64)?;
    core.run(move |core| core.imports.detect_format(&bytes, file_name.as_deref()))
        .await
}

/// Plans an import without writing anything.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn imports_preview(
    state: State<'_, CoreState>,
    content_base64: String,
    options: ImportOptions,
) -> CommandResult<ImportPreview> {
    let core = state.core()?;
    let bytes = decode(&content_base64)?;
    core.run(move |core| core.imports.preview(&bytes, &options))
        .await
}

/// Starts importing a file as a background job (`import.apply`) and returns the job; its
/// progress and end arrive as `JobChanged` events. A file the preview would refuse is refused
/// here, before any job exists. When the job succeeds, `imports_get(job id)` is the import.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn imports_start(
    app: AppHandle,
    state: State<'_, CoreState>,
    jobs: State<'_, JobsState>,
    content_base64: String,
    options: ImportOptions,
) -> CommandResult<JobInfo> {
    let core = state.core()?;
    let queue = jobs.queue()?;
    let bytes = decode(&content_base64)?;
    let job = core
        .run(move |core| job_handlers::stage_import(core, &queue, &bytes, options))
        .await?;
    announce(&app, &job);
    Ok(job.into())
}

/// One import, by its id (the id of the job that applied it).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn imports_get(
    state: State<'_, CoreState>,
    import_id: String,
) -> CommandResult<ImportSummary> {
    let core = state.core()?;
    core.run(move |core| {
        core.imports
            .list()?
            .into_iter()
            .find(|import| import.id == import_id)
            .ok_or_else(|| Error::not_found("import", &import_id))
    })
    .await
}

/// Imports, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn imports_list(state: State<'_, CoreState>) -> CommandResult<Vec<ImportSummary>> {
    let core = state.core()?;
    core.run(|core| core.imports.list()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn imports_undo(
    app: AppHandle,
    state: State<'_, CoreState>,
    import_id: String,
) -> CommandResult<BatchUndoOutcome> {
    let core = state.core()?;
    let outcome = core.run(move |core| core.imports.undo(&import_id)).await?;
    notify_contacts(&app, Vec::new(), ContactsChangeReason::Restored);
    Ok(outcome)
}

/// Writes an export (everything, or with `contact_id` one client's data) into the Downloads
/// folder under a name that does not overwrite anything, and says where.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn export_write(
    state: State<'_, CoreState>,
    format: ExportFormat,
    contact_id: Option<String>,
) -> CommandResult<ExportSummary> {
    let core = state.core()?;
    core.run(move |core| {
        let path = export_path(core, format, contact_id.as_deref())?;
        core.export.write(format, &path, contact_id.as_deref())
    })
    .await
}

/// Erases all client data; `confirmation` must be the exact phrase. Google accounts are
/// disconnected first and the AI provider's key removed, so no secrets stay behind.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn data_delete_all(
    app: AppHandle,
    state: State<'_, CoreState>,
    confirmation: String,
) -> CommandResult<DeletionSummary> {
    let core = state.core()?;
    let summary = omnicrm_app::data_deletion::delete_all_data(&core, &confirmation).await?;
    notify_contacts(&app, Vec::new(), ContactsChangeReason::Deleted);
    Ok(summary)
}

fn export_path(
    core: &Core,
    format: ExportFormat,
    contact_id: Option<&str>,
) -> CommandResult<PathBuf> {
    let directory = directories::UserDirs::new()
        .and_then(|dirs| dirs.download_dir().map(Path::to_path_buf))
        .unwrap_or_else(|| core.data_dir.join("exports"));
    std::fs::create_dir_all(&directory).map_err(|source| {
        Error::io(
            &format!("could not create {}", directory.display()),
            &source,
        )
    })?;
    let stem = match contact_id {
        Some(id) => {
            let contact = core.contacts.get(id)?;
            format!("omnicrm-client-{}", slug(&contact.display_name))
        }
        None if format == ExportFormat::Json => "omnicrm-export".to_owned(),
        None if format == ExportFormat::Ics => "omnicrm-reminders".to_owned(),
        None => "omnicrm-contacts".to_owned(),
    };
    let date = chrono::Local::now().format("%Y-%m-%d");
    Ok(unused_path(
        &directory,
        &format!("{stem}-{date}"),
        extension(format),
    ))
}

fn extension(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Vcard => "vcf",
        ExportFormat::GoogleCsv => "csv",
        ExportFormat::Json => "json",
        ExportFormat::Ics => "ics",
    }
}

/// A file-name-safe version of a name: letters and digits, words joined by dashes.
fn slug(name: &str) -> String {
    let words: Vec<String> = name
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        "contact".to_owned()
    } else {
        words.join("-")
    }
}

/// `<stem>.<ext>`, or `<stem>-2.<ext>`, `<stem>-3.<ext>`… whichever does not exist yet.
fn unused_path(directory: &Path, stem: &str, extension: &str) -> PathBuf {
    let first = directory.join(format!("{stem}.{extension}"));
    if !first.exists() {
        return first;
    }
    let mut number = 2u32;
    loop {
        let candidate = directory.join(format!("{stem}-{number}.{extension}"));
        if !candidate.exists() {
            return candidate;
        }
        number += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slug("Anna-Lena Müller"), "anna-lena-müller");
        assert_eq!(slug("  / "), "contact");
    }

    #[test]
    fn never_overwrites() {
        let directory = tempfile::tempdir().unwrap();
        let first = unused_path(directory.path(), "omnicrm-contacts-2026-11-22", "vcf");
        assert!(first.ends_with("omnicrm-contacts-2026-11-22.vcf"));
        std::fs::write(&first, "x").unwrap();
        let second = unused_path(directory.path(), "omnicrm-contacts-2026-11-22", "vcf");
        assert!(second.ends_with("omnicrm-contacts-2026-11-22-2.vcf"));
        std::fs::write(&second, "x").unwrap();
        let third = unused_path(directory.path(), "omnicrm-contacts-2026-11-22", "vcf");
        assert!(third.ends_with("omnicrm-contacts-2026-11-22-3.vcf"));
    }

    #[test]
    fn bad_base64_is_a_field_error() {
        let error = decode("not base64!").unwrap_err();
        assert_eq!(error.field_errors()[0].field, "content_base64");
    }
}
