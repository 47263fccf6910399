//! Where OmniCRM keeps its data. The desktop app and the CLI resolve it the same way, so they
//! share one database.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// Environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "OMNICRM_DATA_DIR";

/// The data directory: `$OMNICRM_DATA_DIR` when set, else the OS data directory
/// (`~/.local/share/omnicrm` on Linux, `~/Library/Application Support/app.OmniCRM.OmniCRM` on
/// macOS, `%APPDATA%\OmniCRM\OmniCRM\data` on Windows).
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|value| !value.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("app", "OmniCRM", "OmniCRM")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| {
            Error::internal(format!(
                "could not find a home directory for the data; set {DATA_DIR_ENV}"
            ))
        })
}

/// The log directory inside a data directory.
pub fn log_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}
