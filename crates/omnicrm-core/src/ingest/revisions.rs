//! Items that change after they were synced: a calendar event is moved, renamed, gets new
//! attendees or is cancelled, and the interaction made from it must follow.
//!
//! **Versions.** Raw events are kept per `(provider, source id, version)`, the version being
//! the provider's tag (Calendar: the event's `etag`; Gmail messages never change and have
//! none). Storing a version that is already there stores nothing (a replayed page, a crash
//! re-read, a full resync after an expired token). A version is ordered by the provider's
//! last-modified time (Calendar `updated`): one no newer than a version already stored is kept
//! for the record, marked superseded, and never applied (a page read out of order, a slow
//! batch finishing after a faster one). A version without a time (Google only guarantees the
//! `id` of a cancelled event) counts as the newest. A version is applied when it is normalized,
//! and then supersedes the one applied before, so every item has one current version.
//!
//! **Applying a newer version** goes through the interaction's generic write path, recording
//! an `update` (or `delete`, `restore`) change in the newer version's batch, so the change
//! log holds the before and after and the team sync and undo treat it like any edit:
//! - the fields the provider owns (kind, subject, body, time, duration) are merged three-way
//!   with the previous version as the base: a field the provider changed takes the provider's
//!   new value, even over an edit the user made in OmniCRM (the later change wins); a field the
//!   provider left alone keeps whatever the interaction has, the user's edit included. The
//!   provider's description of the event (`source_metadata`: attendees, location, status) is
//!   always the newest version's;
//! - contacts follow the attendee list the same way: contacts the provider added are linked,
//!   contacts it removed are unlinked, contacts the user linked by hand stay. When no contact
//!   is left the interaction is removed (tombstoned) and the version waits `unlinked` like any
//!   event without a contact;
//! - a cancelled event tombstones its interaction (user edits included: the appointment is
//!   off). An event that comes back (restored from the bin) revives the interaction with the
//!   new version, unless the user had deleted it themselves: their deletion stands.
//!
//! **Undo.** Undoing the batch that applied a version reverts its changes (the earlier version
//! of the interaction comes back, a cancelled one is undeleted), deletes the versions it
//! stored and makes the versions they had superseded current again. The batch that created
//! the interaction can be undone after that, as before; while a later batch's revision is
//! live, the change log refuses to undo the earlier batch ("undo the later change first"),
//! exactly as it does after a user's edit.

use rusqlite::{params, Connection, OptionalExtension};

use super::linking::{self, Linked, Owner, Screen};
use super::{NormalizedEvent, SyncProvider};
use crate::error::Result;
use crate::interactions::{self, Interaction, InteractionKind};
use crate::records;

/// Why a version was stored but never applied.
pub(super) const OUTDATED: &str = "an older version than one already stored";
/// Why a version that leaves the interaction deleted was not applied.
pub(super) const DELETED_BY_USER: &str = "the interaction was deleted in OmniCRM";

/// A stored version of an item, as far as ordering needs it.
pub(super) struct StoredVersion {
    pub id: String,
    /// The provider's last-modified time, UTC RFC 3339.
    pub updated_at: Option<String>,
    /// What the version meant, when it was an interaction.
    pub normalized_json: Option<String>,
}

/// Whether a version modified at `incoming` is no newer than `stored` (both known).
pub(super) fn is_outdated(incoming: Option<&str>, stored: &StoredVersion) -> bool {
    match (incoming, stored.updated_at.as_deref()) {
        (Some(incoming), Some(stored)) => incoming <= stored,
        _ => false,
    }
}

/// The most recently modified version stored of an item, in any state.
pub(super) fn newest_stored(
    connection: &Connection,
    provider: SyncProvider,
    source_id: &str,
) -> Result<Option<StoredVersion>> {
    let newest = connection
        .prepare_cached(
            "SELECT id, source_updated_at, normalized_json FROM raw_events
             WHERE provider = ?1 AND source_id = ?2
             ORDER BY source_updated_at IS NULL, source_updated_at DESC, fetched_at DESC, id DESC
             LIMIT 1",
        )?
        .query_row(params![provider.as_str(), source_id], version_from_row)
        .optional()?;
    Ok(newest)
}

/// The version of an item applied last (other than `raw_id`), if any: the base a newer
/// version is merged against.
pub(super) fn current(
    connection: &Connection,
    provider: SyncProvider,
    source_id: &str,
    raw_id: &str,
) -> Result<Option<StoredVersion>> {
    let current = connection
        .prepare_cached(
            "SELECT id, source_updated_at, normalized_json FROM raw_events
             WHERE provider = ?1 AND source_id = ?2 AND id <> ?3 AND status <> 'pending'
               AND superseded_by IS NULL
               AND NOT (status = 'skipped' AND status_reason IS ?4)
             ORDER BY COALESCE(processed_at, fetched_at) DESC, id DESC
             LIMIT 1",
        )?
        .query_row(
            params![provider.as_str(), source_id, raw_id, OUTDATED],
            version_from_row,
        )
        .optional()?;
    Ok(current)
}

fn version_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredVersion> {
    Ok(StoredVersion {
        id: row.get(0)?,
        updated_at: row.get(1)?,
        normalized_json: row.get(2)?,
    })
}

/// Marks every applied version of the item other than `raw_id` as superseded by it.
pub(super) fn supersede(
    connection: &Connection,
    provider: SyncProvider,
    source_id: &str,
    raw_id: &str,
) -> Result<()> {
    connection
        .prepare_cached(
            "UPDATE raw_events SET superseded_by = ?3
             WHERE provider = ?1 AND source_id = ?2 AND id <> ?3 AND status <> 'pending'
               AND superseded_by IS NULL",
        )?
        .execute(params![provider.as_str(), source_id, raw_id])?;
    Ok(())
}

/// Marks a version that arrived too late as superseded by the one that outranks it.
pub(super) fn mark_superseded(connection: &Connection, raw_id: &str, by: &str) -> Result<()> {
    connection
        .prepare_cached("UPDATE raw_events SET superseded_by = ?2 WHERE id = ?1")?
        .execute(params![raw_id, by])?;
    Ok(())
}

/// The provider removed the item (a cancelled event): tombstones its live interaction in the
/// batch; returns the interaction's id when there was one to remove.
pub(super) fn remove(
    connection: &Connection,
    batch_id: &str,
    provider: SyncProvider,
    source_id: &str,
) -> Result<Option<String>> {
    match interactions::find_by_source(connection, provider.as_str(), source_id)? {
        Some(found) if found.deleted_at.is_none() => {
            records::delete::<Interaction>(connection, &found.id, Some(batch_id))?;
            Ok(Some(found.id))
        }
        _ => Ok(None),
    }
}

/// What applying a newer version did.
pub(super) enum Revision {
    /// There was no live interaction to revise: the version was linked like a first sighting
    /// (a new interaction, one a sync had removed revived, or waiting for a contact).
    Linked(Linked),
    /// The interaction now matches the version (`changed`: it had to be updated).
    Updated {
        interaction_id: String,
        suggested: u32,
        changed: bool,
    },
    /// No one in the version is a contact any more: the interaction was removed.
    Unlinked { suggested: u32 },
    /// The user deleted the interaction; it stays deleted.
    DeletedByUser { interaction_id: String },
}

/// Applies `next`, a newer version of an item whose previous version meant `previous`
/// (`None` when it was no interaction: a cancellation, an event without a time; then every
/// field the provider owns is taken from `next`).
pub(super) fn revise(
    connection: &Connection,
    owner: &Owner<'_>,
    provider: SyncProvider,
    source_id: &str,
    previous: Option<&NormalizedEvent>,
    next: &NormalizedEvent,
    screen: &Screen,
) -> Result<Revision> {
    let current = match interactions::find_by_source(connection, provider.as_str(), source_id)? {
        Some(found) if found.deleted_at.is_none() => found,
        Some(found) if deleted_by_user(connection, &found.id)? => {
            return Ok(Revision::DeletedByUser {
                interaction_id: found.id,
            })
        }
        _ => {
            return linking::link(connection, owner, provider, source_id, next, screen, true)
                .map(Revision::Linked)
        }
    };
    let (next_contacts, suggested) =
        linking::contacts_of(connection, owner, provider, next, screen, true)?;
    let previous_contacts = match previous {
        Some(previous) => {
            linking::contacts_of(connection, owner, provider, previous, screen, false)?.0
        }
        None => Vec::new(),
    };
    let base = previous.map(ProviderFields::of);
    let newer = ProviderFields::of(next);
    // A field takes the provider's value when the provider changed it since the base.
    let changed = |same: fn(&ProviderFields, &ProviderFields) -> bool| {
        base.as_ref().is_none_or(|base| !same(base, &newer))
    };
    let mut revised = current.clone();
    if changed(|base, newer| base.kind == newer.kind) {
        revised.kind = newer.kind;
    }
    if changed(|base, newer| base.subject == newer.subject) {
        revised.subject = newer.subject.clone();
    }
    if changed(|base, newer| base.body == newer.body) {
        revised.body = newer.body.clone();
    }
    if changed(|base, newer| base.occurred_at == newer.occurred_at) {
        revised.occurred_at = newer.occurred_at.clone();
    }
    if changed(|base, newer| base.duration_minutes == newer.duration_minutes) {
        revised.duration_minutes = newer.duration_minutes;
    }
    if revised.subject.is_none() && revised.body.is_none() {
        revised.subject = Some("(no subject)".to_owned());
    }
    revised.source_metadata = next.metadata.clone();
    revised.contact_ids = current
        .contact_ids
        .iter()
        .filter(|contact| !previous_contacts.contains(contact) || next_contacts.contains(contact))
        .chain(
            next_contacts
                .iter()
                .filter(|contact| !previous_contacts.contains(contact)),
        )
        .cloned()
        .collect();
    revised.contact_ids.sort();
    revised.contact_ids.dedup();
    if revised.contact_ids.is_empty() {
        records::delete::<Interaction>(connection, &current.id, Some(owner.batch_id))?;
        return Ok(Revision::Unlinked { suggested });
    }
    if revised == current {
        return Ok(Revision::Updated {
            interaction_id: current.id,
            suggested,
            changed: false,
        });
    }
    let updated = records::update(connection, &current, revised, Some(owner.batch_id))?;
    Ok(Revision::Updated {
        interaction_id: updated.id,
        suggested,
        changed: true,
    })
}

/// Whether the interaction's tombstone is the user's own deletion (not a sync's, nor an
/// undo's), which a newer version of its event must not overturn.
fn deleted_by_user(connection: &Connection, interaction_id: &str) -> Result<bool> {
    let by_user = connection
        .prepare_cached(
            "SELECT c.operation = 'delete' AND c.reverts_change_id IS NULL
                    AND (c.batch_id IS NULL
                         OR NOT EXISTS (SELECT 1 FROM sync_batches b WHERE b.id = c.batch_id))
             FROM change_log c WHERE c.entity = ?1 AND c.entity_id = ?2
             ORDER BY c.seq DESC LIMIT 1",
        )?
        .query_row(params![interactions::ENTITY, interaction_id], |row| {
            row.get::<_, bool>(0)
        })
        .optional()?;
    Ok(by_user.unwrap_or(false))
}

/// The interaction fields a provider's version decides, in the form they are stored in.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ProviderFields {
    pub kind: InteractionKind,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub occurred_at: String,
    pub duration_minutes: Option<u32>,
}

impl ProviderFields {
    pub(super) fn of(event: &NormalizedEvent) -> Self {
        let subject = stored_text(event.subject.as_deref(), interactions::MAX_SUBJECT_CHARS);
        let body = stored_text(event.body.as_deref(), interactions::MAX_BODY_CHARS);
        let subject = match (subject, &body) {
            (None, None) => Some("(no subject)".to_owned()),
            (subject, _) => subject,
        };
        Self {
            kind: event.kind,
            subject,
            body,
            occurred_at: crate::time::parse_utc(&event.occurred_at)
                .map(crate::time::format_utc)
                .unwrap_or_else(|| event.occurred_at.clone()),
            duration_minutes: event.duration_minutes.map(|minutes| minutes.min(24 * 60)),
        }
    }
}

/// Text cut to `max_chars` and trimmed, `None` when blank: what validation stores.
fn stored_text(text: Option<&str>, max_chars: usize) -> Option<String> {
    let text = text?;
    let cut = match text.char_indices().nth(max_chars) {
        Some((cut, _)) => text.get(..cut).unwrap_or(text),
        None => text,
    };
    Some(cut.trim().to_owned()).filter(|text| !text.is_empty())
}
