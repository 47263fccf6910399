//! Normalizing: a raw event becomes an interaction with the contacts its addresses belong to;
//! people who are not contacts yet are suggested, unless they must never be.

use rusqlite::{params, Connection};

use super::revisions::{self, ProviderFields, Revision};
use super::{
    batches, suggestions, Direction, NormalizeOutcome, NormalizedEvent, Participant,
    ParticipantRole, SyncBatch, SyncProvider,
};
use crate::error::{ErrorCode, Result};
use crate::identities::{self, IdentityKind};
use crate::interactions::{self, InteractionInput};
use crate::time::now_utc;

/// Parts of a local part that mark a machine sender even when the ignore list does not name
/// the exact form (`support-noreply@`, `bounce-123@`).
const AUTOMATED_MARKERS: [&str; 8] = [
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "mailer-daemon",
    "bounce",
];

/// Decides who may be suggested: the ignore list (read once per page) and no-reply forms.
pub(super) struct Screen {
    ignored_patterns: Vec<String>,
}

impl Screen {
    pub(super) fn load(connection: &Connection) -> Result<Self> {
        let mut statement = connection
            .prepare_cached("SELECT pattern FROM ignored_identifiers WHERE deleted_at IS NULL")?;
        let ignored_patterns = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Self { ignored_patterns })
    }

    /// Why an address must not be suggested, if it must not.
    pub(super) fn refusal(&self, email: &str) -> Option<&'static str> {
        if self
            .ignored_patterns
            .iter()
            .any(|pattern| identities::pattern_matches(pattern, email))
        {
            return Some("on the ignore list");
        }
        let local = email.split('@').next().unwrap_or_default();
        if AUTOMATED_MARKERS
            .iter()
            .any(|marker| local.contains(marker))
        {
            return Some("a no-reply address");
        }
        None
    }
}

/// Where a raw event's interaction goes: the batch it belongs to and whose account it is.
pub(super) struct Owner<'a> {
    pub batch_id: &'a str,
    pub account_id: &'a str,
    pub account_email: &'a str,
}

pub(super) struct Linked {
    pub interaction_id: Option<String>,
    pub suggested: u32,
}

pub(super) fn normalize_pending(
    connection: &Connection,
    batch: &SyncBatch,
    limit: u32,
) -> Result<NormalizeOutcome> {
    let pending = {
        let mut statement = connection.prepare_cached(
            "SELECT id, provider, source_id, normalized_json, version, source_updated_at, removed
             FROM raw_events
             WHERE batch_id = ?1 AND status = 'pending' ORDER BY fetched_at, id LIMIT ?2",
        )?;
        let rows = statement
            .query_map(params![batch.id, limit.max(1)], |row| {
                Ok(PendingEvent {
                    raw_id: row.get(0)?,
                    provider: row.get(1)?,
                    source_id: row.get(2)?,
                    normalized_json: row.get(3)?,
                    version: row.get(4)?,
                    updated_at: row.get(5)?,
                    removed: row.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    let screen = Screen::load(connection)?;
    let owner = Owner {
        batch_id: &batch.id,
        account_id: &batch.account_id,
        account_email: &batch.account_email,
    };
    let mut outcome = NormalizeOutcome::default();
    for event in pending {
        match normalize_one(connection, &owner, &screen, &event) {
            Ok(step) => outcome.add(step),
            Err(error) if error.code == ErrorCode::ValidationFailed => {
                set_status(
                    connection,
                    &event.raw_id,
                    "failed",
                    Some(&error.message),
                    None,
                )?;
                outcome.failed += 1;
            }
            Err(error) => return Err(error),
        }
    }
    batches::count(
        connection,
        &batch.id,
        0,
        outcome.normalized,
        outcome.suggested,
    )?;
    Ok(outcome)
}

/// A raw event waiting to be normalized.
struct PendingEvent {
    raw_id: String,
    provider: String,
    source_id: String,
    normalized_json: Option<String>,
    /// '' for items that never change: no other version can exist.
    version: String,
    updated_at: Option<String>,
    removed: bool,
}

/// Normalizes one raw event: a first version is linked, a newer one revises the interaction
/// made from the version before it (see `revisions`), an older one is set aside.
fn normalize_one(
    connection: &Connection,
    owner: &Owner<'_>,
    screen: &Screen,
    event: &PendingEvent,
) -> Result<NormalizeOutcome> {
    let mut outcome = NormalizeOutcome::default();
    let raw_id = event.raw_id.as_str();
    let Some(provider) = SyncProvider::parse(&event.provider) else {
        return unreadable(connection, raw_id);
    };
    let source_id = event.source_id.as_str();
    let previous = if event.version.is_empty() {
        None
    } else {
        revisions::current(connection, provider, source_id, raw_id)?
    };
    if let Some(previous) = previous
        .as_ref()
        .filter(|previous| revisions::is_outdated(event.updated_at.as_deref(), previous))
    {
        set_status(
            connection,
            raw_id,
            "skipped",
            Some(revisions::OUTDATED),
            None,
        )?;
        revisions::mark_superseded(connection, raw_id, &previous.id)?;
        outcome.skipped += 1;
        return Ok(outcome);
    }
    if event.removed {
        let removed = revisions::remove(connection, owner.batch_id, provider, source_id)?;
        set_status(
            connection,
            raw_id,
            "skipped",
            Some("cancelled"),
            removed.as_deref(),
        )?;
        revisions::supersede(connection, provider, source_id, raw_id)?;
        outcome.skipped += 1;
        outcome.removed += u32::from(removed.is_some());
        return Ok(outcome);
    }
    let parsed = event
        .normalized_json
        .as_deref()
        .map(serde_json::from_str::<NormalizedEvent>);
    let Some(Ok(normalized)) = parsed else {
        return unreadable(connection, raw_id);
    };
    let base = previous
        .as_ref()
        .and_then(|previous| previous.normalized_json.as_deref())
        .and_then(|json| serde_json::from_str::<NormalizedEvent>(json).ok());
    let revision = match &previous {
        Some(_) => revisions::revise(
            connection,
            owner,
            provider,
            source_id,
            base.as_ref(),
            &normalized,
            screen,
        )?,
        None => Revision::Linked(link(
            connection,
            owner,
            provider,
            source_id,
            &normalized,
            screen,
            true,
        )?),
    };
    match revision {
        Revision::Linked(linked) => {
            outcome.suggested += linked.suggested;
            match linked.interaction_id {
                Some(interaction_id) => {
                    set_status(
                        connection,
                        raw_id,
                        "normalized",
                        None,
                        Some(&interaction_id),
                    )?;
                    outcome.normalized += 1;
                    outcome.revised += u32::from(previous.is_some());
                }
                None => {
                    set_status(
                        connection,
                        raw_id,
                        "unlinked",
                        Some("no one in it is a contact yet"),
                        None,
                    )?;
                    outcome.unlinked += 1;
                }
            }
        }
        Revision::Updated {
            interaction_id,
            suggested,
            changed,
        } => {
            set_status(
                connection,
                raw_id,
                "normalized",
                None,
                Some(&interaction_id),
            )?;
            outcome.suggested += suggested;
            outcome.normalized += 1;
            outcome.revised += u32::from(changed);
        }
        Revision::Unlinked { suggested } => {
            set_status(
                connection,
                raw_id,
                "unlinked",
                Some("no one in it is a contact any more"),
                None,
            )?;
            outcome.suggested += suggested;
            outcome.unlinked += 1;
            outcome.removed += 1;
        }
        Revision::DeletedByUser { interaction_id } => {
            set_status(
                connection,
                raw_id,
                "skipped",
                Some(revisions::DELETED_BY_USER),
                Some(&interaction_id),
            )?;
            outcome.skipped += 1;
        }
    }
    if !event.version.is_empty() {
        revisions::supersede(connection, provider, source_id, raw_id)?;
    }
    Ok(outcome)
}

pub(super) fn set_status(
    connection: &Connection,
    raw_id: &str,
    status: &str,
    reason: Option<&str>,
    interaction_id: Option<&str>,
) -> Result<()> {
    connection
        .prepare_cached(
            "UPDATE raw_events SET status = ?2, status_reason = ?3, interaction_id = ?4,
                 processed_at = ?5
             WHERE id = ?1",
        )?
        .execute(params![raw_id, status, reason, interaction_id, now_utc()])?;
    Ok(())
}

/// Links one normalized event: an interaction with every participant who is a contact (the
/// account itself left out), and, when `suggest`, suggestions for the others who may be.
pub(super) fn link(
    connection: &Connection,
    owner: &Owner<'_>,
    provider: SyncProvider,
    source_id: &str,
    event: &NormalizedEvent,
    screen: &Screen,
    suggest: bool,
) -> Result<Linked> {
    let (contact_ids, suggested) =
        contacts_of(connection, owner, provider, event, screen, suggest)?;
    if contact_ids.is_empty() {
        return Ok(Linked {
            interaction_id: None,
            suggested,
        });
    }
    let fields = ProviderFields::of(event);
    let interaction = interactions::insert_or_revive(
        connection,
        InteractionInput {
            kind: Some(fields.kind),
            subject: fields.subject,
            body: fields.body,
            occurred_at: Some(fields.occurred_at),
            duration_minutes: fields.duration_minutes,
            contact_ids,
            source: Some(provider.as_str().to_owned()),
            source_id: Some(source_id.to_owned()),
            source_metadata: event.metadata.clone(),
        },
        Some(owner.batch_id),
    )?;
    Ok(Linked {
        interaction_id: Some(interaction.id),
        suggested,
    })
}

/// The contacts among an event's participants (the account itself left out), and, when
/// `suggest`, how many of the others were newly suggested.
pub(super) fn contacts_of(
    connection: &Connection,
    owner: &Owner<'_>,
    provider: SyncProvider,
    event: &NormalizedEvent,
    screen: &Screen,
    suggest: bool,
) -> Result<(Vec<String>, u32)> {
    let account_email = owner.account_email.to_lowercase();
    let mut contact_ids: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut suggested = 0;
    for participant in &event.participants {
        let Ok(email) = identities::normalize(IdentityKind::Email, &participant.email) else {
            continue;
        };
        if email == account_email || seen.contains(&email) {
            continue;
        }
        seen.push(email.clone());
        let known = identities::contacts_by_identifier(connection, IdentityKind::Email, &email)?;
        if let Some(contact_id) = known.into_iter().next() {
            if !contact_ids.contains(&contact_id) {
                contact_ids.push(contact_id);
            }
            continue;
        }
        if !suggest || !may_suggest(event, participant) || screen.refusal(&email).is_some() {
            continue;
        }
        let reason = reason(provider, event);
        if suggestions::record(
            connection,
            owner,
            provider,
            participant,
            &email,
            &reason,
            &event.occurred_at,
        )? {
            suggested += 1;
        }
    }
    Ok((contact_ids, suggested))
}

/// Who in an event may become a contact: the sender of mail the account received (unless a
/// machine sent it), the recipients of mail it sent, and the people in its meetings. Others
/// copied on received mail are left alone: they would be noise.
fn may_suggest(event: &NormalizedEvent, participant: &Participant) -> bool {
    match (event.direction, participant.role) {
        (Some(Direction::Inbound), ParticipantRole::From) => !event.automated,
        (Some(Direction::Inbound), _) => false,
        (Some(Direction::Outbound), role) => matches!(
            role,
            ParticipantRole::To | ParticipantRole::Cc | ParticipantRole::Bcc
        ),
        (None, role) => matches!(role, ParticipantRole::Organizer | ParticipantRole::Attendee),
    }
}

fn reason(provider: SyncProvider, event: &NormalizedEvent) -> String {
    let title = event
        .subject
        .as_deref()
        .map(|subject| truncate(subject, 80))
        .unwrap_or_else(|| "(no subject)".to_owned());
    match (provider, event.direction) {
        (SyncProvider::Gmail, Some(Direction::Outbound)) => {
            format!("You emailed them: \"{title}\"")
        }
        (SyncProvider::Gmail, _) => format!("Emailed you: \"{title}\""),
        (SyncProvider::GoogleCalendar, _) => format!("In your calendar: \"{title}\""),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => text.get(..cut).unwrap_or(text).to_owned(),
        None => text.to_owned(),
    }
}

/// A stored event that cannot be read (an unknown provider, a broken normalized form) is marked
/// failed with that reason and counted.
fn unreadable(connection: &Connection, raw_id: &str) -> Result<NormalizeOutcome> {
    set_status(
        connection,
        raw_id,
        "failed",
        Some("could not be read"),
        None,
    )?;
    Ok(NormalizeOutcome {
        failed: 1,
        ..NormalizeOutcome::default()
    })
}
