//! `omnicrm today`, `omnicrm reminders …`, `omnicrm keep-in-touch …` and
//! `omnicrm interactions add`: whom to be in touch with, and logging that you were.

use chrono::{Local, NaiveDate};
use clap::{Args, Subcommand};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use omnicrm_core::interactions::{InteractionInput, InteractionKind};
use omnicrm_core::keep_in_touch::{Cadence, CadenceOrigin, DefaultScope, DuePerson};
use omnicrm_core::reminders::{ReminderDue, ReminderInput, ReminderKind};
use omnicrm_core::{Core, Error, Result};

use crate::output::Printer;

#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// Remind me about a contact on a day ("follow up after surgery"), or every year on it.
    Add {
        /// The contact's id.
        contact_id: String,
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        on: String,
        /// What to remember.
        #[arg(long)]
        text: String,
        /// Comes back every year (an anniversary, a date that matters).
        #[arg(long)]
        yearly: bool,
        /// Show it this many days before the day.
        #[arg(long, default_value_t = 0)]
        days_ahead: u32,
    },
    /// Every reminder, or one contact's.
    List {
        #[arg(long)]
        contact: Option<String>,
    },
    /// Mark a reminder done (a yearly one comes back next year).
    Done { id: String },
    /// Hide a reminder until a day.
    Snooze {
        id: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        until: String,
    },
    /// Delete a reminder (undo with `omnicrm undo CHANGE_ID`).
    Delete { id: String },
}

#[derive(Debug, Subcommand)]
pub enum KeepInTouchCommand {
    /// People due to be contacted today, most overdue first.
    Due,
    /// A contact's cadence, last contact and due day.
    Show { contact_id: String },
    /// Do not show a contact as due before a day (`--until ""` ends the snooze).
    Snooze {
        contact_id: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        until: String,
    },
    /// Set a default cadence for everyone with a tag or at a stage (`none` removes it).
    Default(DefaultArgs),
    /// The default cadences.
    Defaults,
    /// How many people are within their cadence, overdue, or have none, per stage.
    Health,
}

#[derive(Debug, Args)]
pub struct DefaultArgs {
    /// Everyone carrying this tag (its name).
    #[arg(long, conflicts_with = "stage", required_unless_present = "stage")]
    pub tag: Option<String>,
    /// Everyone at this stage, e.g. core_client.
    #[arg(long)]
    pub stage: Option<String>,
    /// 30d, 2w, 3m, or none.
    pub cadence: String,
}

#[derive(Debug, Subcommand)]
pub enum InteractionsCommand {
    /// Log a touch with a contact: a call, a meeting, a message or a session.
    Add {
        contact_id: String,
        /// call, meeting, message, email, session or note.
        #[arg(long)]
        kind: String,
        /// When, RFC 3339 (default: now).
        #[arg(long)]
        at: Option<String>,
        /// A line about it.
        #[arg(long)]
        summary: Option<String>,
    },
}

/// The user's local date.
fn today() -> NaiveDate {
    Local::now().date_naive()
}

pub fn run_today(core: &Core, printer: &Printer) -> Result<()> {
    let page = core.today.today(today(), &Local)?;
    printer.value(&page, || {
        let mut text = format!("Today, {}\n", page.date);
        if page.meetings.is_empty()
            && page.due.is_empty()
            && page.reminders.is_empty()
            && page.tasks.is_empty()
        {
            text.push_str(
                "\nNothing due. Set how often to be in touch with someone with \
                 `omnicrm contacts edit ID --cadence 2w`, or remind yourself with \
                 `omnicrm reminders add ID --on DATE --text TEXT`.",
            );
            return text;
        }
        if !page.meetings.is_empty() {
            text.push_str("\nMeetings\n");
            for meeting in &page.meetings {
                let who: Vec<&str> = meeting
                    .contacts
                    .iter()
                    .map(|contact| contact.display_name.as_str())
                    .collect();
                text.push_str(&format!(
                    "  {}  {}{}\n",
                    local_time(&meeting.starts_at),
                    meeting.subject.as_deref().unwrap_or("(no title)"),
                    if who.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", who.join(", "))
                    }
                ));
            }
        }
        if !page.due.is_empty() {
            text.push_str("\nDue to contact\n");
            text.push_str(&due_table(&page.due));
            text.push('\n');
        }
        if !page.reminders.is_empty() {
            text.push_str("\nReminders and birthdays\n");
            text.push_str(&reminders_due_table(&page.reminders));
            text.push('\n');
        }
        if !page.tasks.is_empty() {
            text.push_str("\nTasks\n");
            for task in &page.tasks {
                text.push_str(&format!(
                    "  {}  {}\n",
                    task.due_date.as_deref().unwrap_or(""),
                    task.title
                ));
            }
        }
        text.trim_end().to_owned()
    })
}

fn local_time(utc: &str) -> String {
    omnicrm_core::time::parse_utc(utc).map_or_else(
        || utc.to_owned(),
        |instant| instant.with_timezone(&Local).format("%H:%M").to_string(),
    )
}

fn origin_text(origin: &CadenceOrigin) -> String {
    match origin {
        CadenceOrigin::Own => "own".to_owned(),
        CadenceOrigin::Tag(tag) => format!("tag {tag}"),
        CadenceOrigin::Stage(stage) => format!("stage {stage}"),
    }
}

fn due_table(due: &[DuePerson]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["Name", "Cadence", "Last contact", "Due", "Overdue", "Id"]);
    for person in due {
        let last = person.last_contact.as_ref().map_or_else(
            || "never".to_owned(),
            |last| {
                format!(
                    "{} {}{}",
                    last.at.get(..10).unwrap_or(&last.at),
                    last.kind.replace('_', " "),
                    last.summary
                        .as_deref()
                        .map(|summary| format!(": {summary}"))
                        .unwrap_or_default()
                )
            },
        );
        table.add_row([
            person.display_name.clone(),
            format!(
                "{} ({})",
                person.cadence.describe(),
                origin_text(&person.cadence_origin)
            ),
            last,
            person.due_on.clone(),
            days_text(i64::from(person.days_overdue)),
            person.contact_id.clone(),
        ]);
    }
    table.to_string()
}

fn days_text(days: i64) -> String {
    if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    }
}

fn reminders_due_table(due: &[ReminderDue]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["On", "Who", "What", "Id"]);
    for reminder in due {
        let when = match reminder.days_until {
            0 => format!("{} (today)", reminder.on),
            days if days < 0 => format!("{} ({} ago)", reminder.on, days_text(-i64::from(days))),
            days => format!("{} (in {})", reminder.on, days_text(i64::from(days))),
        };
        let what = match (reminder.kind, reminder.turns) {
            (ReminderKind::Birthday, Some(age)) => format!("Birthday, turns {age}"),
            (ReminderKind::Birthday, None) => "Birthday".to_owned(),
            _ => reminder.title.clone(),
        };
        table.add_row([
            when,
            reminder.display_name.clone(),
            what,
            reminder.reminder_id.clone().unwrap_or_default(),
        ]);
    }
    table.to_string()
}

pub fn run_reminders(core: &Core, command: RemindersCommand, printer: &Printer) -> Result<()> {
    match command {
        RemindersCommand::Add {
            contact_id,
            on,
            text,
            yearly,
            days_ahead,
        } => {
            let reminder = core.reminders.add(
                &contact_id,
                ReminderInput {
                    title: text,
                    due_on: on,
                    yearly,
                    days_ahead,
                },
            )?;
            printer.value(&reminder, || {
                format!(
                    "Reminder {} on {}{} ({})",
                    reminder.title,
                    reminder.due_on,
                    if reminder.yearly { ", every year" } else { "" },
                    reminder.id
                )
            })
        }
        RemindersCommand::List { contact } => {
            let reminders = core.reminders.list(contact.as_deref())?;
            printer.value(&reminders, || {
                if reminders.is_empty() {
                    return "No reminders.".to_owned();
                }
                let mut table = Table::new();
                table.load_preset(UTF8_FULL_CONDENSED);
                table.set_header(["On", "What", "Repeats", "Done through", "Id"]);
                for reminder in &reminders {
                    table.add_row([
                        reminder.due_on.clone(),
                        reminder.title.clone(),
                        if reminder.yearly { "yearly" } else { "" }.to_owned(),
                        reminder.done_through.clone().unwrap_or_default(),
                        reminder.id.clone(),
                    ]);
                }
                table.to_string()
            })
        }
        RemindersCommand::Done { id } => {
            let changed = core.reminders.done(&id, today())?;
            printer.value(&changed, || {
                format!(
                    "Done: {}; undo with: omnicrm undo {}",
                    changed.reminder.title, changed.change_id
                )
            })
        }
        RemindersCommand::Snooze { id, until } => {
            let changed = core.reminders.snooze(&id, &until)?;
            printer.value(&changed, || {
                format!(
                    "{} is hidden until {until}; undo with: omnicrm undo {}",
                    changed.reminder.title, changed.change_id
                )
            })
        }
        RemindersCommand::Delete { id } => {
            let receipt = core.reminders.delete(&id)?;
            printer.value(&receipt, || {
                format!("Deleted; undo with: omnicrm undo {}", receipt.change_id)
            })
        }
    }
}

pub fn run_keep_in_touch(
    core: &Core,
    command: KeepInTouchCommand,
    printer: &Printer,
) -> Result<()> {
    match command {
        KeepInTouchCommand::Due => {
            let due = core.keep_in_touch.due(today(), &Local)?;
            printer.value(&due, || {
                if due.is_empty() {
                    "Nobody is due.".to_owned()
                } else {
                    due_table(&due)
                }
            })
        }
        KeepInTouchCommand::Show { contact_id } => {
            let state = core.keep_in_touch.for_contact(&contact_id, &Local)?;
            printer.value(&state, || {
                let cadence = match (&state.cadence, &state.cadence_origin) {
                    (Some(cadence), Some(origin)) => {
                        format!("{} ({})", cadence.describe(), origin_text(origin))
                    }
                    _ => "none".to_owned(),
                };
                let last = state.last_contact.as_ref().map_or_else(
                    || "never".to_owned(),
                    |last| format!("{} ({})", last.at, last.kind.replace('_', " ")),
                );
                format!(
                    "Cadence: {cadence}\nLast contact: {last}\nDue: {}{}",
                    state.due_on.as_deref().unwrap_or("-"),
                    state
                        .snoozed_until
                        .as_deref()
                        .map(|until| format!("\nSnoozed until {until}"))
                        .unwrap_or_default()
                )
            })
        }
        KeepInTouchCommand::Snooze { contact_id, until } => {
            let until = Some(until.trim()).filter(|until| !until.is_empty());
            let changed = core.keep_in_touch.snooze(&contact_id, until)?;
            printer.value(&changed, || match until {
                Some(until) => format!(
                    "Not due before {until}; undo with: omnicrm undo {}",
                    changed.change_id
                ),
                None => format!(
                    "Snooze ended; undo with: omnicrm undo {}",
                    changed.change_id
                ),
            })
        }
        KeepInTouchCommand::Default(arguments) => {
            let cadence = match arguments.cadence.trim().to_ascii_lowercase().as_str() {
                "none" | "off" => None,
                text => Some(Cadence::parse(text, "cadence")?),
            };
            let (scope, target) = match (arguments.tag, arguments.stage) {
                (Some(tag), _) => (DefaultScope::Tag, tag_id(core, &tag)?),
                (None, Some(stage)) => (DefaultScope::Stage, stage),
                (None, None) => return Err(Error::invalid_field("tag", "or --stage is required")),
            };
            let default = core.keep_in_touch.set_default(scope, &target, cadence)?;
            printer.value(&default, || match &default {
                Some(default) => format!("Default set: every {}", default.cadence),
                None => "Default removed.".to_owned(),
            })
        }
        KeepInTouchCommand::Defaults => {
            let defaults = core.keep_in_touch.defaults()?;
            printer.value(&defaults, || {
                if defaults.is_empty() {
                    return "No default cadences.".to_owned();
                }
                defaults
                    .iter()
                    .map(|default| {
                        format!(
                            "{:?} {}: {}",
                            default.scope, default.target, default.cadence
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        KeepInTouchCommand::Health => {
            let health = core.keep_in_touch.health(today(), &Local)?;
            printer.value(&health, || {
                let mut text = format!(
                    "{} within their cadence, {} overdue, {} without a cadence",
                    health.within, health.overdue, health.no_cadence
                );
                for stage in &health.by_stage {
                    text.push_str(&format!(
                        "\n  {}: {} within, {} overdue, {} none",
                        stage.stage.map_or("No stage", |stage| stage.label()),
                        stage.within,
                        stage.overdue,
                        stage.no_cadence
                    ));
                }
                text
            })
        }
    }
}

/// The id of the tag named `name`.
fn tag_id(core: &Core, name: &str) -> Result<String> {
    core.tags
        .list()?
        .into_iter()
        .find(|tag| tag.tag.name.eq_ignore_ascii_case(name.trim()))
        .map(|tag| tag.tag.id)
        .ok_or_else(|| Error::invalid_field("tag", format!("there is no tag named {name}")))
}

pub fn run_interactions(
    core: &Core,
    command: InteractionsCommand,
    printer: &Printer,
) -> Result<()> {
    match command {
        InteractionsCommand::Add {
            contact_id,
            kind,
            at,
            summary,
        } => {
            let (kind, default_subject) = match kind.trim().to_ascii_lowercase().as_str() {
                "call" => (InteractionKind::Call, "Call"),
                "meeting" => (InteractionKind::Meeting, "Meeting"),
                "session" => (InteractionKind::Meeting, "Session"),
                "message" => (InteractionKind::Email, "Message"),
                "email" => (InteractionKind::Email, "Email"),
                "note" => (InteractionKind::Note, "Note"),
                _ => {
                    return Err(Error::invalid_field(
                        "kind",
                        "must be call, meeting, session, message, email or note",
                    ))
                }
            };
            let interaction = core.interactions.create(InteractionInput {
                kind: Some(kind),
                subject: Some(summary.unwrap_or_else(|| default_subject.to_owned())),
                occurred_at: at,
                contact_ids: vec![contact_id],
                ..InteractionInput::default()
            })?;
            printer.value(&interaction, || {
                format!(
                    "Logged: {} at {} ({})",
                    interaction.subject.as_deref().unwrap_or(default_subject),
                    interaction.occurred_at,
                    interaction.id
                )
            })
        }
    }
}
