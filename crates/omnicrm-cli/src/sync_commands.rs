//! `omnicrm sync connect|now|status|disconnect|share-health|rebuild|conflicts|resolve`: team
//! sync from the command line, over the same client as the desktop app (`omnicrm-sync-client`).

use clap::Subcommand;
use omnicrm_core::{Core, Error, Result};
use omnicrm_sync_client::{ConflictChoice, SyncConflict, SyncStatus, TeamSync};

use crate::output::Printer;

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Connect this device to the team's server with a device token. Every record of this
    /// device is shared at the next sync, except private ones.
    Connect {
        /// The server's address, e.g. http://192.168.1.20:3030 (the client derives /sync and
        /// /v1/…).
        #[arg(long)]
        server: String,
        /// The device token the server's administrator issued.
        #[arg(long, env = "OMNICRM_SYNC_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Send this device's changes and receive the team's, until in step with the server.
    Now,
    /// Whether this device is connected, how many changes wait, the last sync and its error.
    Status,
    /// Stop syncing. The records stay on this device; the team's copy is not touched.
    Disconnect,
    /// Share health context and emergency contacts with the team (off by default).
    ShareHealth {
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        setting: String,
    },
    /// Re-derive the local rows of synced records from their documents (for support).
    Rebuild,
    /// Fields two devices changed at the same time: the value every device kept and the one
    /// it was chosen over.
    Conflicts {
        /// Only this record's.
        #[arg(long)]
        record: Option<String>,
    },
    /// Settle a conflict on the value kept (--keep) or the one it was chosen over
    /// (--use-other); every device takes it at its next sync.
    Resolve {
        /// The conflict's id (omnicrm sync conflicts).
        id: String,
        /// Keep the value every device shows now.
        #[arg(
            long,
            conflicts_with = "use_other",
            required_unless_present = "use_other"
        )]
        keep: bool,
        /// Switch to the value it was chosen over.
        #[arg(long)]
        use_other: bool,
    },
}

pub fn run_sync(core: &Core, command: SyncCommand, printer: &Printer) -> Result<()> {
    let sync = TeamSync::new(core.clone());
    match command {
        SyncCommand::Connect { server, token } => {
            let outcome = runtime()?.block_on(sync.connect(&server, &token))?;
            printer.value(&outcome, || {
                format!(
                    "Connected to the workspace \"{}\" on {} ({} records there). {} records of \
                     this device will be shared at the next sync (omnicrm sync now); private \
                     ones stay here.",
                    outcome.workspace_name,
                    outcome.server,
                    outcome.documents_on_server,
                    outcome.records_to_share
                )
            })
        }
        SyncCommand::Now => {
            let report = runtime()?.block_on(sync.sync_now())?;
            printer.value(&report, || {
                format!(
                    "In step with the team: {} records sent, {} received{}.",
                    report.sent,
                    report.received,
                    report
                        .batch_id
                        .as_deref()
                        .map(|batch| format!(" (undo with: omnicrm undo --batch {batch})"))
                        .unwrap_or_default()
                )
            })
        }
        SyncCommand::Status => {
            let status = sync.status()?;
            printer.value(&status, || status_text(&status))
        }
        SyncCommand::Disconnect => {
            let status = sync.disconnect()?;
            printer.value(&status, || {
                "Disconnected. The records stay on this device and no longer sync.".to_owned()
            })
        }
        SyncCommand::ShareHealth { setting } => {
            let status = sync.set_share_health_details(setting == "on")?;
            printer.value(&status, || {
                if status.share_health_details {
                    "Health context and emergency contacts are shared with the team from the \
                     next sync."
                        .to_owned()
                } else {
                    "Health context and emergency contacts stay on this device.".to_owned()
                }
            })
        }
        SyncCommand::Conflicts { record } => {
            let conflicts = sync.conflicts(record.as_deref())?;
            printer.value(&conflicts, || conflicts_text(&conflicts))
        }
        SyncCommand::Resolve { id, keep, .. } => {
            let choice = if keep {
                ConflictChoice::KeepChosen
            } else {
                ConflictChoice::UseOther
            };
            let resolution = runtime()?.block_on(sync.resolve_conflict(&id, choice))?;
            printer.value(&resolution, || {
                format!(
                    "{} is now \"{}\" here, and on every device after its next sync{}.",
                    resolution.field_label,
                    resolution.value,
                    resolution
                        .batch_id
                        .as_deref()
                        .map(|batch| format!(" (undo with: omnicrm undo --batch {batch})"))
                        .unwrap_or_default()
                )
            })
        }
        SyncCommand::Rebuild => {
            let rebuilt = sync.rebuild()?;
            printer.value(&rebuilt, || {
                format!(
                    "Rebuilt {} records from their documents ({} changed).",
                    rebuilt.documents, rebuilt.changed
                )
            })
        }
    }
}

fn conflicts_text(conflicts: &[SyncConflict]) -> String {
    if conflicts.is_empty() {
        return "No conflicts: no field was changed on two devices at the same time.".to_owned();
    }
    let shown = |value: &str| {
        if value.is_empty() {
            "(empty)".to_owned()
        } else {
            format!("\"{value}\"")
        }
    };
    let mut lines = Vec::new();
    for conflict in conflicts {
        let by = conflict
            .other_by
            .as_deref()
            .map(|name| format!(" by {name}"))
            .unwrap_or_default();
        let at = conflict
            .other_at
            .as_deref()
            .map(|at| format!(" at {at}"))
            .unwrap_or_default();
        lines.push(format!(
            "{}  {}, {}: kept {} over {}{by}{at}",
            conflict.id,
            conflict.record_label,
            conflict.field_label,
            shown(&conflict.chosen),
            shown(&conflict.other)
        ));
    }
    lines.push("Settle one with: omnicrm sync resolve ID --keep (or --use-other)".to_owned());
    lines.join("\n")
}

fn status_text(status: &SyncStatus) -> String {
    if !status.connected {
        return "Not connected to a team server (omnicrm sync connect --server ADDRESS --token \
                TOKEN)."
            .to_owned();
    }
    let member = status
        .member_name
        .as_deref()
        .map(|name| format!(" as {name}"))
        .unwrap_or_default();
    let mut lines = vec![format!(
        "Connected to \"{}\" on {}{member}.",
        status.workspace_name.as_deref().unwrap_or("?"),
        status.server.as_deref().unwrap_or("?")
    )];
    lines.push(format!(
        "Changes waiting to be sent: {}",
        status.pending_changes
    ));
    lines.push(format!(
        "Last synced: {}",
        status.last_synced_at.as_deref().unwrap_or("never")
    ));
    if let Some(error) = &status.last_error {
        lines.push(format!("Last error: {error}"));
    }
    lines.join("\n")
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Error::io("could not start the async runtime", &error))
}
