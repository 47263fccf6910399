//! Privacy commands: whether the data is encrypted at rest, the recovery key (shown, or saved
//! to a file the user names), and opening a data folder whose key is not on this computer.

use std::path::PathBuf;

use omnicrm_app::encryption_at_rest::{self, EncryptionStatus};
use omnicrm_core::{Core, Error};
use tauri::{AppHandle, State};

use super::CommandResult;
use crate::{CoreState, DataDirState};

/// Whether the data is encrypted, where its key is kept (in plain words) and how many backups
/// are still plain.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn encryption_status(state: State<'_, CoreState>) -> CommandResult<EncryptionStatus> {
    let core = state.core()?;
    core.run(encryption_at_rest::status).await
}

/// The data folder's recovery key, for the user to write down or keep away from this computer.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn reveal_recovery_key(state: State<'_, CoreState>) -> CommandResult<String> {
    let core = state.core()?;
    core.run(|core| encryption_at_rest::recovery_key(&core.data_dir))
        .await
}

/// Writes the recovery key to `path`, a new file only the user can read (an existing file is
/// never replaced); returns the full path written. `~/` names the home folder.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn save_recovery_key(state: State<'_, CoreState>, path: String) -> CommandResult<String> {
    let core = state.core()?;
    core.run(move |core| write_recovery_key(core, &path)).await
}

/// Writes the recovery key of `core`'s data folder to the file the user typed (see
/// [`save_recovery_key`]); returns the full path written.
pub fn write_recovery_key(core: &Core, typed_path: &str) -> CommandResult<String> {
    let path = recovery_key_path(typed_path)?;
    let recovery_key = encryption_at_rest::recovery_key(&core.data_dir)?;
    encryption_at_rest::write_recovery_key_file(&path, &recovery_key, "path")?;
    Ok(path.display().to_string())
}

/// Opens a data folder whose key is not on this computer (copied from another one, or this
/// computer's keyring was lost) with its recovery key: the key is checked, kept here, and the
/// app restarts so it opens the data with it. A wrong key is `encryption_key_wrong`, a
/// mistyped one `validation_failed` on `recovery_key`, and nothing is kept.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn recover_data_folder(
    app: AppHandle,
    data_dir: State<'_, DataDirState>,
    recovery_key: String,
) -> CommandResult<()> {
    if recovery_key.trim().is_empty() {
        return Err(Error::invalid_field("recovery_key", "is required"));
    }
    let data_dir = data_dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        encryption_at_rest::adopt_recovery_key(&data_dir, &recovery_key)
    })
    .await??;
    tracing::info!("the recovery key opens the data folder; restarting to open it");
    app.restart()
}

/// The file the user named: a full path, or one under the home folder (`~/...`).
fn recovery_key_path(typed: &str) -> CommandResult<PathBuf> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(Error::invalid_field("path", "is required"));
    }
    let path = match typed.strip_prefix("~/") {
        Some(rest) => directories::BaseDirs::new()
            .map(|dirs| dirs.home_dir().join(rest))
            .ok_or_else(|| Error::invalid_field("path", "must be a full path (no home folder)"))?,
        None => PathBuf::from(typed),
    };
    if !path.is_absolute() {
        return Err(Error::invalid_field(
            "path",
            "must be a full path, such as /media/usb/omnicrm-recovery-key.txt",
        ));
    }
    if path.file_name().is_none() {
        return Err(Error::invalid_field("path", "must end with a file name"));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_key_path_needs_a_full_path_to_a_file() {
        assert_eq!(
            recovery_key_path("  /tmp/key.txt ").ok(),
            Some(PathBuf::from("/tmp/key.txt"))
        );
        for typed in ["", "   ", "key.txt", "folder/key.txt"] {
            let error = recovery_key_path(typed).err();
            assert_eq!(
                error.map(|error| error.code),
                Some(omnicrm_core::ErrorCode::ValidationFailed),
                "{typed:?}"
            );
        }
    }
}
