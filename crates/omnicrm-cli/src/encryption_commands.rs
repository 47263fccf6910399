//! `omnicrm encryption status|enable|rotate-key|export-recovery-key|recover`.
//!
//! These run before the data folder is opened as usual: encrypting or re-keying needs the
//! folder to itself, and a folder copied from another computer cannot be opened until its
//! recovery key is given.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use omnicrm_app::encryption_at_rest;
use omnicrm_core::{Error, Result};
use serde::Serialize;

use crate::output::Printer;

#[derive(Debug, Subcommand)]
pub enum EncryptionCommand {
    /// Whether the data folder is encrypted, and where its key is kept.
    Status,
    /// Encrypt a plain data folder (and its backups) now, and show its recovery key once.
    Enable,
    /// Give the data folder a new key: the database and every backup are re-keyed. The old
    /// recovery key stops working; the new one is shown once.
    RotateKey,
    /// Write the recovery key to a file (readable only by you), or print it. Keep it away from
    /// this computer: it opens the backups if this computer's keyring is lost.
    ExportRecoveryKey {
        /// The file to write (it must not exist yet); without it the key is printed.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Open a data folder copied from another computer, or start one from an encrypted
    /// backup, with the recovery key shown there.
    Recover {
        /// A file holding the recovery key (as `export-recovery-key` writes it).
        #[arg(long, value_name = "FILE")]
        recovery_key_file: PathBuf,
        /// An encrypted backup to restore into this (new, empty) data folder.
        #[arg(long, value_name = "FILE")]
        backup: Option<PathBuf>,
    },
}

#[derive(Debug, Serialize)]
struct RecoveryKeyShown {
    recovery_key: String,
}

#[derive(Debug, Serialize)]
struct RecoveryKeyWritten {
    written_to: PathBuf,
}

#[derive(Debug, Serialize)]
struct Recovered {
    data_dir: PathBuf,
}

pub fn run(data_dir: &Path, command: EncryptionCommand, printer: &Printer) -> Result<()> {
    match command {
        EncryptionCommand::Status => {
            let application = omnicrm_app::Application::open(data_dir)?;
            let status = encryption_at_rest::status(&application.core)?;
            printer.value(&status, || {
                let mut text = status.summary.clone();
                if status.encrypted {
                    text.push_str(
                        "\nKeep the recovery key somewhere safe, away from this computer: \
                         omnicrm encryption export-recovery-key --output FILE",
                    );
                } else {
                    text.push_str("\nEncrypt it with: omnicrm encryption enable");
                }
                if status.plain_backups > 0 {
                    text.push_str(&format!(
                        "\n{} backup(s) are not encrypted yet.",
                        status.plain_backups
                    ));
                }
                text
            })
        }
        EncryptionCommand::Enable => {
            let key = encryption_at_rest::encrypt_folder(data_dir)?;
            let shown = RecoveryKeyShown {
                recovery_key: key.recovery_key().to_string(),
            };
            printer.value(&shown, || {
                format!(
                    "The data folder and its backups are encrypted.\n\nRecovery key (write it \
                     down or print it, and keep it away from this computer; it opens your \
                     backups if this computer's keyring is lost):\n\n  {}\n",
                    shown.recovery_key
                )
            })
        }
        EncryptionCommand::RotateKey => {
            let key = encryption_at_rest::rotate_key(data_dir)?;
            let shown = RecoveryKeyShown {
                recovery_key: key.recovery_key().to_string(),
            };
            printer.value(&shown, || {
                format!(
                    "The data folder and its backups have a new key; the old recovery key no \
                     longer opens them.\n\nNew recovery key:\n\n  {}\n",
                    shown.recovery_key
                )
            })
        }
        EncryptionCommand::ExportRecoveryKey { output } => {
            let recovery_key = encryption_at_rest::recovery_key(data_dir)?;
            match output {
                None => {
                    let shown = RecoveryKeyShown { recovery_key };
                    printer.value(&shown, || shown.recovery_key.clone())
                }
                Some(path) => {
                    encryption_at_rest::write_recovery_key_file(&path, &recovery_key, "output")?;
                    let written = RecoveryKeyWritten { written_to: path };
                    printer.value(&written, || {
                        format!(
                            "The recovery key is in {}. Print it or move it off this computer, \
                             then delete the file.",
                            written.written_to.display()
                        )
                    })
                }
            }
        }
        EncryptionCommand::Recover {
            recovery_key_file,
            backup,
        } => {
            let recovery_key = std::fs::read_to_string(&recovery_key_file).map_err(|source| {
                Error::io("could not read the recovery key file", &source)
                    .with_field("recovery_key_file", "could not be read")
            })?;
            match backup {
                Some(backup) => encryption_at_rest::restore_backup_with_recovery_key(
                    data_dir,
                    &backup,
                    &recovery_key,
                )?,
                None => encryption_at_rest::adopt_recovery_key(data_dir, &recovery_key)?,
            }
            let recovered = Recovered {
                data_dir: data_dir.to_path_buf(),
            };
            printer.value(&recovered, || {
                format!(
                    "The data folder {} opens on this computer now; its key is kept here.",
                    recovered.data_dir.display()
                )
            })
        }
    }
}
