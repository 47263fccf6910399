//! `omnicrm backup create|list|restore`.

use omnicrm_core::backups::BackupReason;
use omnicrm_core::{Core, Result};

use crate::arguments::BackupCommand;
use crate::output::{self, Printer};

pub fn run_backup(core: &Core, command: BackupCommand, printer: &Printer) -> Result<()> {
    match command {
        BackupCommand::Create => {
            let bar = printer.progress_bar(0, "Backing up");
            let backup =
                core.backups
                    .create_with_progress(BackupReason::Manual, &mut |done, total| {
                        if let Some(bar) = &bar {
                            bar.set_length(total);
                            bar.set_position(done);
                        }
                    })?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            printer.value(&backup, || {
                format!(
                    "Backed up {} contacts to {} ({}).",
                    backup.contact_count.unwrap_or_default(),
                    core.backups.backup_dir().join(&backup.file_name).display(),
                    output::human_size(backup.size_bytes)
                )
            })
        }
        BackupCommand::List => {
            let backups = core.backups.list()?;
            printer.value(&backups, || {
                if backups.is_empty() {
                    format!(
                        "No backups yet in {}. Make one with: omnicrm backup create",
                        core.backups.backup_dir().display()
                    )
                } else {
                    output::backups_table(&backups)
                }
            })
        }
        BackupCommand::Restore { file_name } => {
            let outcome = core.backups.restore(&file_name)?;
            printer.value(&outcome, || {
                format!(
                    "Restored {}. The database as it was is saved as {} (restore it with: \
                     omnicrm backup restore {}).",
                    outcome.restored_from, outcome.previous_saved_as, outcome.previous_saved_as
                )
            })
        }
    }
}
