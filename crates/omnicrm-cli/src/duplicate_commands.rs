//! `omnicrm duplicates list|merge|dismiss`.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use omnicrm_core::duplicates::{DuplicateSuggestion, MergeFieldChoices, MergeRequest};
use omnicrm_core::{Core, Error, Result};

use crate::arguments::DuplicatesCommand;
use crate::output::Printer;

pub fn run_duplicates(core: &Core, command: DuplicatesCommand, printer: &Printer) -> Result<()> {
    match command {
        DuplicatesCommand::List { limit } => {
            let suggestions = core.duplicates.suggestions(limit)?;
            printer.value(&suggestions, || {
                if suggestions.is_empty() {
                    "No duplicates found.".to_owned()
                } else {
                    format!(
                        "{}\n{} suggestions. Merge with: omnicrm duplicates merge SURVIVOR_ID \
                         MERGED_ID...",
                        suggestions_table(&suggestions),
                        suggestions.len()
                    )
                }
            })
        }
        DuplicatesCommand::Merge {
            survivor_id,
            merged_ids,
            takes,
        } => {
            let fields = field_choices(&takes)?;
            let outcome = core.duplicates.merge(MergeRequest {
                survivor_id,
                merged_ids,
                fields,
            })?;
            printer.value(&outcome, || {
                let moved = &outcome.moved;
                format!(
                    "Merged into {} ({}). Moved {} notes, {} interactions, {} tasks, {} goals, \
                     {} identities and {} consents.\nBatch {}; undo with: omnicrm undo --batch {}",
                    outcome.survivor.display_name,
                    outcome.survivor.id,
                    moved.notes,
                    moved.interactions,
                    moved.tasks,
                    moved.goals,
                    moved.identities,
                    moved.consents,
                    outcome.batch_id,
                    outcome.batch_id
                )
            })
        }
        DuplicatesCommand::Dismiss { contact_ids } => {
            core.duplicates.dismiss(&contact_ids)?;
            printer.value(&serde_json::json!({ "dismissed": contact_ids }), || {
                format!(
                    "These {} contacts will not be suggested as duplicates of each other again.",
                    contact_ids.len()
                )
            })
        }
    }
}

/// `FIELD=CONTACT_ID` pairs from `--take`.
fn field_choices(takes: &[String]) -> Result<MergeFieldChoices> {
    let mut choices = MergeFieldChoices::default();
    for take in takes {
        let Some((field, contact_id)) = take.split_once('=') else {
            return Err(Error::invalid_field(
                "take",
                format!("'{take}' is not FIELD=CONTACT_ID"),
            ));
        };
        choices.set(field.trim(), contact_id.trim())?;
    }
    Ok(choices)
}

fn suggestions_table(suggestions: &[DuplicateSuggestion]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["Confidence", "Contacts", "Ids (oldest first)", "Why"]);
    for suggestion in suggestions {
        table.add_row([
            suggestion.confidence.as_str().to_owned(),
            suggestion.display_names.join("\n"),
            suggestion.contact_ids.join("\n"),
            suggestion.reasons.join("\n"),
        ]);
    }
    table.to_string()
}
