//! Human tables or JSON, and progress bars on a terminal.

use std::io::{IsTerminal, Write};

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use omnicrm_core::contacts::{Contact, ContactSummary};
use omnicrm_core::notes::Note;
use omnicrm_core::{Error, ErrorCode, Result};
use serde::Serialize;

pub struct Printer {
    pub json: bool,
}

impl Printer {
    /// Prints `value` as JSON, or the human text `describe` makes.
    pub fn value<T: Serialize>(&self, value: &T, describe: impl FnOnce() -> String) -> Result<()> {
        if self.json {
            print_line(&serde_json::to_string_pretty(value)?)
        } else {
            print_line(&describe())
        }
    }

    /// A progress bar on stderr, for humans at a terminal only.
    pub fn progress_bar(
        &self,
        total: u64,
        message: &'static str,
    ) -> Option<indicatif::ProgressBar> {
        if self.json || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta} left)")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message);
        Some(bar)
    }
}

/// Writes `text` and a newline to stdout.
///
/// When whoever reads the output has gone (`omnicrm contacts list | head`), the process ends
/// quietly with status 0: the command's work was done, and the reader wanted no more. Any
/// other failure (a full disk behind `> file`) is an error the caller reports.
pub fn print_line(text: &str) -> Result<()> {
    print_text(&format!("{text}\n"))
}

/// Writes `text` to stdout as it is (see [`print_line`]).
pub fn print_text(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(output_error)
}

/// Writes `text` and a newline to stderr (messages and progress for the person at the
/// terminal). A closed stderr leaves nowhere to say anything, so it is passed over.
pub fn print_note(text: &str) {
    let mut stderr = std::io::stderr().lock();
    if writeln!(stderr, "{text}").is_err() {
        tracing::debug!("stderr is closed; a message was not shown");
    }
}

/// Writes a question for the person at the terminal to stderr, with no newline (see
/// [`print_note`]).
pub fn print_prompt(text: &str) {
    let mut stderr = std::io::stderr().lock();
    if write!(stderr, "{text}")
        .and_then(|()| stderr.flush())
        .is_err()
    {
        tracing::debug!("stderr is closed; a prompt was not shown");
    }
}

/// The message of the error a closed stdout ends a command with (see [`is_stdout_closed`]).
const STDOUT_CLOSED: &str = "the output's reader stopped reading";

fn output_error(error: std::io::Error) -> Error {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        tracing::debug!("stdout was closed by its reader; stopping quietly");
        return Error::new(ErrorCode::Cancelled, STDOUT_CLOSED);
    }
    Error::io("could not write the output", &error)
}

/// Whether `error` says stdout's reader went away (`omnicrm contacts list | head`): the command
/// stops there, unwinding like any error so the data folder closes properly, and the process
/// then ends quietly with status 0. (It used to exit on the spot, and a thread still opening a
/// connection crashed it as the crypto library was torn down.)
pub fn is_stdout_closed(error: &Error) -> bool {
    error.code == ErrorCode::Cancelled && error.message == STDOUT_CLOSED
}

pub fn print_error(error: &Error, json: bool) {
    if json {
        let text = serde_json::to_string_pretty(error).unwrap_or_else(|_| {
            "{\"code\":\"internal\",\"message\":\"unprintable error\",\"details\":null}".to_owned()
        });
        if let Err(output_failed) = print_line(&text) {
            print_note(&format!("error: {}", error.message));
            print_note(&format!("error: {}", output_failed.message));
        }
        return;
    }
    print_note(&format!("error: {}", error.message));
    for field in error.field_errors() {
        print_note(&format!("  {}: {}", field.field, field.message));
    }
}

pub fn summaries_table(items: &[ContactSummary]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["Name", "Email", "Phone", "Stage", "Status", "Tags", "Id"]);
    for item in items {
        table.add_row([
            item.display_name.clone(),
            item.primary_email.clone().unwrap_or_default(),
            item.primary_phone.clone().unwrap_or_default(),
            item.lifecycle_stage
                .map(|stage| stage.label().to_owned())
                .unwrap_or_default(),
            item.client_status.as_str().to_owned(),
            item.tags.join(", "),
            item.id.clone(),
        ]);
    }
    table.to_string()
}

pub fn contact_card(contact: &Contact, notes: &[Note]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut row = |label: &str, value: String| {
        if !value.is_empty() {
            table.add_row([label.to_owned(), value]);
        }
    };
    row("Name", contact.display_name.clone());
    row("Id", contact.id.clone());
    row(
        "Organization",
        contact.organization.clone().unwrap_or_default(),
    );
    for email in &contact.emails {
        let primary = if email.is_primary { " (primary)" } else { "" };
        row("Email", format!("{}{primary}", email.address));
    }
    for phone in &contact.phones {
        let primary = if phone.is_primary { " (primary)" } else { "" };
        row("Phone", format!("{}{primary}", phone.number));
    }
    row(
        "Stage",
        contact
            .lifecycle_stage
            .map(|stage| stage.label().to_owned())
            .unwrap_or_default(),
    );
    row("Status", contact.client_status.as_str().to_owned());
    row("Source", contact.source.as_str().to_owned());
    row(
        "Birthday",
        contact.date_of_birth.clone().unwrap_or_default(),
    );
    row("Tags", contact.tags.join(", "));
    row("Created", contact.created_at.clone());
    row("Updated", contact.updated_at.clone());
    for note in notes {
        row("Note", format!("{} — {}", &note.created_at, note.body));
    }
    table.to_string()
}

/// A page of a contact's timeline, newest first, and how to get the next one.
pub fn timeline_text(name: &str, page: &omnicrm_core::timeline::TimelinePage) -> String {
    if page.items.is_empty() {
        return format!("Nothing on {name}'s timeline yet.");
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["When", "What", "Title", "Summary"]);
    for item in &page.items {
        let what = match item.kind {
            omnicrm_core::timeline::TimelineItemKind::Interaction => item.detail.replace('_', " "),
            omnicrm_core::timeline::TimelineItemKind::Note if item.is_private => {
                "private note".to_owned()
            }
            omnicrm_core::timeline::TimelineItemKind::Note => "note".to_owned(),
            omnicrm_core::timeline::TimelineItemKind::Task => {
                format!("task ({})", item.detail.replace('_', " "))
            }
        };
        table.add_row([
            item.at.get(..16).unwrap_or(&item.at).replace('T', " "),
            what,
            item.title.clone().unwrap_or_default(),
            item.summary.clone().unwrap_or_default(),
        ]);
    }
    let mut text = format!("{name}\n{table}");
    if let Some(next) = &page.next {
        text.push_str(&format!("\nMore: --after {}/{}", next.at, next.id));
    }
    text
}

pub fn doctor_text(lines: &[(String, String)]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    for (label, value) in lines {
        table.add_row([label.clone(), value.clone()]);
    }
    table.to_string()
}

pub fn jobs_table(jobs: &[omnicrm_jobs::Job]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "Id",
        "Kind",
        "Status",
        "Attempts",
        "Progress",
        "Last error",
        "Updated",
    ]);
    for job in jobs {
        let progress = match job.progress_total {
            Some(total) => format!("{}/{total}", job.progress_done),
            None if job.progress_done > 0 => job.progress_done.to_string(),
            None => String::new(),
        };
        table.add_row([
            job.id.clone(),
            job.kind.clone(),
            job.status.as_str().to_owned(),
            format!("{}/{}", job.attempts, job.max_attempts),
            progress,
            job.last_error.clone().unwrap_or_default(),
            job.updated_at.clone(),
        ]);
    }
    table.to_string()
}

pub fn backups_table(backups: &[omnicrm_core::backups::BackupInfo]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["File", "Created", "Reason", "Size", "Schema", "Contacts"]);
    for backup in backups {
        let (schema, contacts) = match &backup.error {
            Some(error) => (String::new(), format!("unreadable: {error}")),
            None => (
                backup
                    .schema_version
                    .map(|version| version.to_string())
                    .unwrap_or_default(),
                backup
                    .contact_count
                    .map(|count| count.to_string())
                    .unwrap_or_default(),
            ),
        };
        table.add_row([
            backup.file_name.clone(),
            backup.created_at.clone(),
            backup.reason.as_str().to_owned(),
            human_size(backup.size_bytes),
            schema,
            contacts,
        ]);
    }
    table.to_string()
}

pub fn access_log_table(entries: &[omnicrm_core::access_log::AccessEntry]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["When", "Client", "What", "Details", "Computer"]);
    for entry in entries {
        table.add_row([
            entry.occurred_at.clone(),
            match (&entry.contact_name, &entry.contact_id) {
                (Some(name), _) => name.clone(),
                (None, Some(id)) => format!("(erased) {id}"),
                (None, None) => "several clients".to_owned(),
            },
            entry.action.describe().to_owned(),
            entry.detail.clone(),
            entry.device.clone(),
        ]);
    }
    table.to_string()
}

/// `12.3 MB`-style sizes (decimal units).
pub fn human_size(bytes: f64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000.0 {
        return format!("{bytes} B");
    }
    let mut value = bytes;
    let mut unit = "B";
    for next in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}
