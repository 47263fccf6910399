//! Contact suggestions: unknown people from synced mail and calendars, held for approval.

use rusqlite::{params, Connection, OptionalExtension};

use super::linking::{self, Owner, Screen};
use super::{
    batches, ContactSuggestion, NormalizedEvent, Participant, SuggestionApproval, SuggestionStatus,
    SyncProvider,
};
use crate::contacts::{self, ContactInput, EmailEntry};
use crate::error::{Error, Result};
use crate::time::{new_id, now_utc};

const ENTITY: &str = "contact suggestion";
const COLUMNS: &str = "id, batch_id, account_id, email, display_name, reason, source, \
     occurrences, status, contact_id, first_seen_at, last_seen_at, created_at, decided_at";

/// Records that `email` was seen: a new pending suggestion, or one more occurrence of the open
/// one. Returns whether a suggestion was made. Dismissed addresses are never suggested.
pub(super) fn record(
    connection: &Connection,
    owner: &Owner<'_>,
    provider: SyncProvider,
    participant: &Participant,
    email: &str,
    reason: &str,
    seen_at: &str,
) -> Result<bool> {
    let dismissed: bool = connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM contact_suggestion_dismissals
                            WHERE email_normalized = ?1)",
        )?
        .query_row([email], |row| row.get(0))?;
    if dismissed {
        return Ok(false);
    }
    let name = participant
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty() && !name.eq_ignore_ascii_case(email));
    let seen_again = connection
        .prepare_cached(
            "UPDATE contact_suggestions SET occurrences = occurrences + 1,
                 last_seen_at = max(last_seen_at, ?2),
                 first_seen_at = min(first_seen_at, ?2),
                 display_name = COALESCE(display_name, ?3), updated_at = ?4
             WHERE email_normalized = ?1 AND status = 'pending'",
        )?
        .execute(params![email, seen_at, name, now_utc()])?;
    if seen_again > 0 {
        return Ok(false);
    }
    let now = now_utc();
    connection
        .prepare_cached(
            "INSERT INTO contact_suggestions (id, batch_id, account_id, email, email_normalized,
                 display_name, reason, source, occurrences, status, first_seen_at, last_seen_at,
                 created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 'pending', ?9, ?9, ?10, ?10)",
        )?
        .execute(params![
            new_id(),
            owner.batch_id,
            owner.account_id,
            participant.email.trim(),
            email,
            name,
            reason,
            provider.as_str(),
            seen_at,
            now,
        ])?;
    Ok(true)
}

pub(super) fn list(
    connection: &Connection,
    status: SuggestionStatus,
) -> Result<Vec<ContactSuggestion>> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM contact_suggestions WHERE status = ?1
         ORDER BY occurrences DESC, first_seen_at, id"
    ))?;
    let suggestions = statement
        .query_map([status.as_str()], suggestion_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(suggestions)
}

fn load_pending(connection: &Connection, id: &str) -> Result<ContactSuggestion> {
    let suggestion = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM contact_suggestions WHERE id = ?1"
        ))?
        .query_row([id], suggestion_from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(ENTITY, id))?;
    if suggestion.status != SuggestionStatus::Pending {
        return Err(Error::conflict(format!(
            "the suggestion was already {}",
            suggestion.status.as_str()
        )));
    }
    Ok(suggestion)
}

pub(super) fn approve(
    connection: &Connection,
    id: &str,
    display_name: Option<&str>,
) -> Result<SuggestionApproval> {
    let suggestion = load_pending(connection, id)?;
    let name = display_name
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .or_else(|| suggestion.display_name.clone())
        .unwrap_or_else(|| name_from_email(&suggestion.email));
    let contact = contacts::create_in(
        connection,
        ContactInput {
            display_name: name,
            emails: vec![EmailEntry {
                address: suggestion.email.clone(),
                label: None,
                is_primary: true,
            }],
            source: Some(suggestion.source.contact_source()),
            ..ContactInput::default()
        },
        Some(&suggestion.batch_id),
    )?;
    let now = now_utc();
    connection.execute(
        "UPDATE contact_suggestions SET status = 'approved', contact_id = ?2, decided_at = ?3,
             updated_at = ?3
         WHERE id = ?1",
        params![id, contact.id, now],
    )?;
    let linked_interactions = link_waiting(connection, &suggestion.email.to_lowercase())?;
    Ok(SuggestionApproval {
        contact,
        linked_interactions,
    })
}

/// Links the raw events that waited for someone with `email` to become a contact. Each
/// interaction belongs to its raw event's batch. Only an item's current version is linked: an
/// older one a newer version replaced must not bring its old content back.
fn link_waiting(connection: &Connection, email: &str) -> Result<u32> {
    let waiting = {
        let mut statement = connection.prepare_cached(
            "SELECT r.id, r.provider, r.source_id, r.normalized_json, b.id, b.account_id,
                    b.account_email
             FROM raw_event_addresses a
             JOIN raw_events r ON r.id = a.raw_event_id
             JOIN sync_batches b ON b.id = r.batch_id
             WHERE a.email_normalized = ?1 AND r.status = 'unlinked' AND b.status <> 'undone'
               AND r.superseded_by IS NULL",
        )?;
        let rows = statement
            .query_map([email], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    let screen = Screen::load(connection)?;
    let mut linked_count = 0;
    for (raw_id, provider, source_id, normalized, batch_id, account_id, account_email) in waiting {
        let (Some(provider), Some(Ok(event))) = (
            SyncProvider::parse(&provider),
            normalized
                .as_deref()
                .map(serde_json::from_str::<NormalizedEvent>),
        ) else {
            continue;
        };
        let owner = Owner {
            batch_id: &batch_id,
            account_id: &account_id,
            account_email: &account_email,
        };
        let linked = linking::link(
            connection, &owner, provider, &source_id, &event, &screen, false,
        )?;
        if let Some(interaction_id) = linked.interaction_id {
            linking::set_status(
                connection,
                &raw_id,
                "normalized",
                None,
                Some(&interaction_id),
            )?;
            batches::count(connection, &batch_id, 0, 1, 0)?;
            linked_count += 1;
        }
    }
    Ok(linked_count)
}

pub(super) fn dismiss(connection: &Connection, id: &str) -> Result<ContactSuggestion> {
    let suggestion = load_pending(connection, id)?;
    let now = now_utc();
    connection.execute(
        "UPDATE contact_suggestions SET status = 'dismissed', decided_at = ?2, updated_at = ?2
         WHERE id = ?1",
        params![id, now],
    )?;
    connection.execute(
        "INSERT INTO contact_suggestion_dismissals (email_normalized, email, dismissed_at)
         VALUES (?1, ?2, ?3) ON CONFLICT (email_normalized) DO NOTHING",
        params![suggestion.email.to_lowercase(), suggestion.email, now],
    )?;
    Ok(ContactSuggestion {
        status: SuggestionStatus::Dismissed,
        decided_at: Some(now),
        ..suggestion
    })
}

/// Deletes a batch's suggestions; returns how many.
pub(super) fn delete_batch(connection: &Connection, batch_id: &str) -> Result<u32> {
    let removed = connection.execute(
        "DELETE FROM contact_suggestions WHERE batch_id = ?1",
        [batch_id],
    )?;
    Ok(u32::try_from(removed).unwrap_or(u32::MAX))
}

/// `ada.lovelace@studio.com` → `Ada Lovelace`.
fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    let words: Vec<String> = local
        .split(['.', '_', '-', '+'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut characters = word.chars();
            match characters.next() {
                Some(first) => first.to_uppercase().chain(characters).collect(),
                None => String::new(),
            }
        })
        .collect();
    if words.is_empty() {
        email.to_owned()
    } else {
        words.join(" ")
    }
}

fn suggestion_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ContactSuggestion> {
    let source: String = row.get(6)?;
    let status: String = row.get(8)?;
    Ok(ContactSuggestion {
        id: row.get(0)?,
        batch_id: row.get(1)?,
        account_id: row.get(2)?,
        email: row.get(3)?,
        display_name: row.get(4)?,
        reason: row.get(5)?,
        source: SyncProvider::parse(&source).unwrap_or(SyncProvider::Gmail),
        occurrences: row.get(7)?,
        status: SuggestionStatus::parse(&status).unwrap_or(SuggestionStatus::Pending),
        contact_id: row.get(9)?,
        first_seen_at: row.get(10)?,
        last_seen_at: row.get(11)?,
        created_at: row.get(12)?,
        decided_at: row.get(13)?,
    })
}

#[cfg(test)]
mod tests {
    use super::name_from_email;

    #[test]
    fn names_are_made_from_the_local_part() {
        assert_eq!(name_from_email("ada.lovelace@studio.com"), "Ada Lovelace");
        assert_eq!(name_from_email("zoe@studio.com"), "Zoe");
    }
}
