//! `omnicrm notes|tasks|tags`: the basics from the command line.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::Table;
use omnicrm_core::notes::NoteInput;
use omnicrm_core::productivity::{TaskInput, TaskPriority, TaskQuery, TaskStatus, TaskView};
use omnicrm_core::tags::{TagCategory, TagInput};
use omnicrm_core::{Core, Error, Result};

use crate::arguments::{NotesCommand, TagsCommand, TaskViewArg, TasksCommand};
use crate::output::Printer;

pub fn run_notes(core: &Core, command: NotesCommand, printer: &Printer) -> Result<()> {
    match command {
        NotesCommand::Add {
            contact_id,
            text,
            private,
        } => {
            let note = core.notes.create(
                &contact_id,
                NoteInput {
                    is_private: private,
                    ..NoteInput::plain(&text)
                },
            )?;
            printer.value(&note, || {
                let flags = if note.pii_kinds.is_empty() {
                    String::new()
                } else {
                    format!(" (holds personal data: {:?})", note.pii_kinds)
                };
                format!("Added note {}{flags}.", note.id)
            })
        }
        NotesCommand::List { contact_id } => {
            let notes = core.notes.list_for_contact(&contact_id)?;
            printer.value(&notes, || {
                if notes.is_empty() {
                    return "No notes yet.".to_owned();
                }
                notes
                    .iter()
                    .map(|note| format!("{}  {}", note.created_at, note.body))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

pub fn run_tasks(core: &Core, command: TasksCommand, printer: &Printer) -> Result<()> {
    match command {
        TasksCommand::Add {
            title,
            due,
            priority,
            contacts,
        } => {
            let priority = priority
                .map(|text| {
                    TaskPriority::parse(&text).ok_or_else(|| {
                        Error::invalid_field("priority", "must be low, medium or high")
                    })
                })
                .transpose()?;
            let task = core.tasks.create(TaskInput {
                title,
                due_date: due,
                priority,
                contact_ids: contacts,
                ..TaskInput::default()
            })?;
            printer.value(&task, || format!("Added task {}.", task.id))
        }
        TasksCommand::List { view } => {
            let view = match view {
                TaskViewArg::Today => TaskView::Today,
                TaskViewArg::Upcoming => TaskView::Upcoming,
                TaskViewArg::Overdue => TaskView::Overdue,
                TaskViewArg::Open => TaskView::Open,
                TaskViewArg::Closed => TaskView::Closed,
            };
            let today = chrono::Local::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string();
            let tasks = core.tasks.list(&TaskQuery {
                view,
                today,
                ..TaskQuery::default()
            })?;
            printer.value(&tasks, || {
                if tasks.is_empty() {
                    return "No tasks here.".to_owned();
                }
                let mut table = Table::new();
                table.load_preset(UTF8_FULL_CONDENSED);
                table.set_header(["Title", "Due", "Priority", "Status", "Id"]);
                for task in &tasks {
                    table.add_row([
                        task.title.clone(),
                        task.due_date.clone().unwrap_or_default(),
                        task.priority.as_str().to_owned(),
                        task.status.as_str().to_owned(),
                        task.id.clone(),
                    ]);
                }
                table.to_string()
            })
        }
        TasksCommand::Done { id } => {
            let task = core.tasks.set_status(&id, TaskStatus::Done)?.task;
            printer.value(&task, || format!("Done: {}.", task.title))
        }
    }
}

pub fn run_tags(core: &Core, command: TagsCommand, printer: &Printer) -> Result<()> {
    match command {
        TagsCommand::List => {
            let tags = core.tags.list()?;
            printer.value(&tags, || {
                let mut table = Table::new();
                table.load_preset(UTF8_FULL_CONDENSED);
                table.set_header(["Tag", "Category", "Colour", "Contacts"]);
                for tag in &tags {
                    table.add_row([
                        tag.tag.name.clone(),
                        tag.tag
                            .category
                            .map(TagCategory::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        tag.tag.color.clone(),
                        tag.usage_count.to_string(),
                    ]);
                }
                table.to_string()
            })
        }
        TagsCommand::Add {
            name,
            category,
            color,
        } => {
            let category = category
                .map(|text| {
                    TagCategory::parse(&text).ok_or_else(|| {
                        Error::invalid_field("category", "is not one of the six tag categories")
                    })
                })
                .transpose()?;
            let tag = core.tags.create(TagInput {
                name,
                category,
                color,
            })?;
            printer.value(&tag, || format!("Created tag {}.", tag.name))
        }
        TagsCommand::Apply { tag, contact_ids } => {
            let receipt = core.tags.tag_contacts(&contact_ids, &[tag])?;
            printer.value(&receipt, || {
                format!(
                    "Tagged {} contact(s). Undo with: omnicrm undo --batch {}",
                    receipt.changed, receipt.batch_id
                )
            })
        }
        TagsCommand::Remove { tag, contact_ids } => {
            let receipt = core.tags.untag_contacts(&contact_ids, &[tag])?;
            printer.value(&receipt, || {
                format!(
                    "Untagged {} contact(s). Undo with: omnicrm undo --batch {}",
                    receipt.changed, receipt.batch_id
                )
            })
        }
    }
}
