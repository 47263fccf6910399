//! `import.apply`: applying a previewed import as a durable job.
//!
//! The command checks the file the way the preview did, keeps a copy of it in the data folder
//! (`imports/pending/`) and enqueues a job naming that copy and the preview's options. The job
//! re-reads the copy and applies it in one transaction under the job's id, so a crash mid-import
//! rolls back and the retry starts clean, and a retry after a committed attempt finds the import
//! already there and writes nothing. The import history and its undo use the same id.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use omnicrm_core::imports::ImportOptions;
use omnicrm_core::time::new_id;
use omnicrm_core::{Core, Error, Result};
use omnicrm_jobs::{Job, JobContext, JobFailure, JobOutcome, JobQueue, JobStatus, NewJob};
use serde::{Deserialize, Serialize};

use super::IMPORT_APPLY;

/// Where staged import files wait for their job, inside the data folder.
pub fn staging_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("imports").join("pending")
}

/// The payload of an `import.apply` job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportJob {
    /// The staged copy of the file.
    pub file: PathBuf,
    /// The options the preview used.
    pub options: ImportOptions,
}

/// Checks `bytes` as the preview did (a file that cannot be read, or invalid records without
/// `accept_valid_rows`, are refused at once, before any job exists), stages a copy and enqueues
/// the job that applies it.
pub fn stage_import(
    core: &Core,
    queue: &JobQueue,
    bytes: &[u8],
    options: ImportOptions,
) -> Result<Job> {
    let preview = core.imports.preview(bytes, &options)?;
    if preview.counts.invalid > 0 && !options.accept_valid_rows {
        return Err(Error::invalid_field(
            "accept_valid_rows",
            format!(
                "{} records are invalid; import only the valid ones, or fix the file",
                preview.counts.invalid
            ),
        ));
    }
    let directory = staging_dir(&core.data_dir);
    std::fs::create_dir_all(&directory)
        .map_err(|source| Error::io("could not create the import staging folder", &source))?;
    let file = directory.join(format!("{}.import", new_id()));
    // Beside an encrypted database the copy is encrypted too.
    let sealed = omnicrm_core::encryption::seal(core.database.key(), bytes)?;
    std::fs::write(&file, sealed)
        .map_err(|source| Error::io("could not keep a copy of the import file", &source))?;
    let payload = serde_json::to_value(ImportJob {
        file: file.clone(),
        options,
    })?;
    let mut job = NewJob::new(IMPORT_APPLY, payload);
    job.max_attempts = 3;
    queue.enqueue(job).inspect_err(|_| remove_staged(&file))
}

/// Applies the staged file under the job's id, announcing progress as it goes.
#[tracing::instrument(skip_all, fields(job = %context.job.id))]
pub async fn run(core: Core, context: JobContext) -> JobOutcome {
    let payload: ImportJob =
        serde_json::from_value(context.job.payload.clone()).map_err(|error| {
            JobFailure::permanent(format!("the import job's payload is not valid: {error}"))
        })?;
    let import_id = context.job.id.clone();
    let announcer = context.clone();
    let file = payload.file.clone();
    let summary = core
        .run(move |core| {
            if let Some(applied) = core
                .imports
                .list()?
                .into_iter()
                .find(|import| import.id == import_id)
            {
                return Ok(applied);
            }
            let sealed = std::fs::read(&payload.file)
                .map_err(|source| Error::io("could not read the staged import file", &source))?;
            let bytes = omnicrm_core::encryption::unseal(core.database.key(), &sealed)?;
            drop(sealed);
            let mut announced = 0u32;
            // Handed over: the file is let go of once planned.
            core.imports
                .run_as(&import_id, bytes, &payload.options, &mut |done, total| {
                    // The transaction holds the writer, so progress is announced, not
                    // recorded; about a hundred announcements per import are plenty.
                    if done == total || done.saturating_sub(announced) >= (total / 100).max(1) {
                        announced = done;
                        announcer.announce_progress(done, Some(total));
                    }
                })
        })
        .await
        .map_err(JobFailure::from)?;
    remove_staged(&file);
    let written = summary.counts.create + summary.counts.update + summary.counts.merge;
    context
        .progress(written, Some(written))
        .await
        .map_err(JobFailure::from)?;
    tracing::info!(import = %summary.id, written, "import applied");
    Ok(())
}

/// Removes staged files that no waiting, running, failed or dead import job names any more
/// (the job succeeded or was canceled) and that are older than `grace`, so client data does
/// not linger in the staging folder. Returns how many it removed.
pub fn remove_orphaned_staging(
    data_dir: &Path,
    queue: &JobQueue,
    grace: Duration,
) -> Result<usize> {
    let directory = staging_dir(data_dir);
    let entries = match std::fs::read_dir(&directory) {
        Ok(entries) => entries,
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(source) => {
            return Err(Error::io(
                "could not read the import staging folder",
                &source,
            ))
        }
    };
    let kept: HashSet<PathBuf> = queue
        .list(
            &[
                JobStatus::Queued,
                JobStatus::Running,
                JobStatus::Failed,
                JobStatus::Dead,
            ],
            u32::MAX,
        )?
        .into_iter()
        .filter(|job| job.kind == IMPORT_APPLY)
        .filter_map(|job| serde_json::from_value::<ImportJob>(job.payload).ok())
        .map(|payload| payload.file)
        .collect();
    let mut removed = 0;
    for entry in entries {
        let entry = entry
            .map_err(|source| Error::io("could not read the import staging folder", &source))?;
        let path = entry.path();
        let old_enough = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age >= grace);
        if old_enough && !kept.contains(&path) {
            remove_staged(&path);
            removed += 1;
        }
    }
    Ok(removed)
}

/// Deletes a staged file; one already gone is fine, any other failure is logged.
fn remove_staged(file: &Path) {
    match std::fs::remove_file(file) {
        Ok(()) => {}
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            tracing::warn!(file = %file.display(), %source, "could not remove a staged import file")
        }
    }
}
