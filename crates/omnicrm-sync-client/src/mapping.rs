//! The one mapping between core's records and sync records, for every kind that syncs.
//!
//! `*_to_sync` turns a stored core record into the sync record a document holds (refusing what
//! must not leave the device); `*_from_sync` turns a sync record read from a document into the
//! input core's services take, plus the few stored values an input cannot carry (a task's
//! `completed_at`, a zone's position, a tag's system flag). Core ids are UUID text; sync ids are
//! [`Uuid`]s: the same values.
//!
//! Device-local state (integration accounts, AI settings and usage, job rows, search vectors,
//! a note's detected personal-data kinds) has no mapping here, so it cannot sync by mistake.

use omnicrm_core::consents::{Consent, ConsentInput, ConsentKind};
use omnicrm_core::contacts::{
    Address, ClientStatus, Contact, ContactInput, ContactSource, EmailEntry, LifecycleStage,
    PhoneEntry,
};
use omnicrm_core::identities::{AddedIdentity, ContactIdentifier, IdentityKind};
use omnicrm_core::interactions::{Interaction, InteractionInput, InteractionKind, MANUAL_SOURCE};
use omnicrm_core::notes::{Note, NoteInput, NoteSource};
use omnicrm_core::productivity::{
    Goal, GoalInput, GoalKind, GoalStatus, Project, ProjectInput, ProjectStatus, Task, TaskInput,
    TaskPriority, TaskStatus, Zone, ZoneInput,
};
use omnicrm_core::tags::{Tag, TagCategory, TagInput};
use omnicrm_sync as sync;
use uuid::Uuid;

/// What a workspace chose to share with the team.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SharingPolicy {
    /// "Share health details with my team": a contact's health context and emergency contact
    /// travel only when this is on. Off by default.
    pub share_health_details: bool,
}

/// Why a record is not shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotShareable {
    /// The record is private: it never leaves this device.
    Private,
    /// An interaction an integration imported (Gmail, Calendar): every device imports it
    /// itself.
    Imported,
}

/// Why a record could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// The record must not leave this device; no sync record is made.
    #[error("{kind} {id} is not shared with the team ({reason:?})")]
    NotShareable {
        kind: &'static str,
        id: String,
        reason: NotShareable,
    },
    /// An id that is not a UUID.
    #[error("field `{field}`: `{value}` is not a UUID")]
    InvalidId { field: &'static str, value: String },
    /// A value this build does not know (a newer client's stage or status, say). Applying the
    /// record without it would lose it, so the record is refused instead.
    #[error("field `{field}`: unknown value `{value}`")]
    UnknownValue { field: &'static str, value: String },
    /// A field core requires is missing from the document.
    #[error("field `{field}` is missing")]
    MissingField { field: &'static str },
}

/// A contact as it leaves the device: the stored contact, its identifiers as
/// [`omnicrm_core::identities::IdentityService::list_for_contact`] lists them, and whether the
/// user marked it private (core has no private flag on contacts yet; the sync service passes
/// what the user chose).
#[derive(Debug, Clone, Copy)]
pub struct LocalContact<'a> {
    pub contact: &'a Contact,
    pub identifiers: &'a [ContactIdentifier],
    pub private: bool,
}

/// A contact read from a document, ready for core.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteContact {
    pub id: String,
    /// Health context and emergency contact come from the document only when the policy
    /// shares them and the document has them; otherwise they are the local contact's (or
    /// empty for a contact new here).
    pub input: ContactInput,
    /// Added identities, sorted by kind then value.
    pub identities: Vec<AddedIdentity>,
}

/// A note read from a document, ready for core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteNote {
    pub id: String,
    pub contact_id: String,
    pub input: NoteInput,
}

/// A task read from a document, ready for core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTask {
    pub id: String,
    pub input: TaskInput,
    /// When the task was marked done on the device that did it.
    pub completed_at: Option<String>,
}

/// A project read from a document, ready for core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteProject {
    pub id: String,
    pub input: ProjectInput,
}

/// A goal read from a document, ready for core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteGoal {
    pub id: String,
    pub input: GoalInput,
}

/// A zone read from a document, ready for core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteZone {
    pub id: String,
    pub input: ZoneInput,
    pub position: u32,
}

/// A tag read from a document, ready for core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTag {
    pub id: String,
    pub input: TagInput,
    pub is_system: bool,
}

/// A consent read from a document, ready for core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteConsent {
    pub id: String,
    pub contact_id: String,
    pub input: ConsentInput,
}

/// An interaction read from a document, ready for core.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteInteraction {
    pub id: String,
    pub input: InteractionInput,
}

// ---------------------------------------------------------------------------------------------
// Contacts

/// A contact as a sync record. Refuses a private contact. Health details are included only
/// when the policy shares them (`None` otherwise, which leaves the document's as they are).
pub fn contact_to_sync(
    local: &LocalContact<'_>,
    policy: &SharingPolicy,
) -> Result<sync::Contact, MappingError> {
    let contact = local.contact;
    if local.private {
        return Err(not_shareable("contact", &contact.id, NotShareable::Private));
    }
    let mut identities: Vec<sync::Identity> = contact
        .emails
        .iter()
        .map(|email| own_identity(IdentityKind::Email, &email.address))
        .chain(
            contact
                .phones
                .iter()
                .map(|phone| own_identity(IdentityKind::Phone, &phone.number)),
        )
        .collect();
    identities.extend(
        local
            .identifiers
            .iter()
            .filter(|identifier| identifier.identity_id.is_some())
            .map(|identifier| sync::Identity {
                kind: identifier.kind.as_str().to_owned(),
                value: identifier.value.clone(),
                provider: Some(identifier.provider.clone()),
            }),
    );
    identities.sort();
    identities.dedup_by(|a, b| a.kind == b.kind && a.value == b.value);
    let health = policy.share_health_details.then(|| sync::HealthDetails {
        context: contact.health_context.clone(),
        emergency_contact_name: contact.emergency_contact_name.clone(),
        emergency_contact_phone: contact.emergency_contact_phone.clone(),
    });
    Ok(sync::Contact {
        id: uuid_of("id", &contact.id)?,
        display_name: contact.display_name.clone(),
        company: contact.organization.clone(),
        identities,
        tags: contact.tags.clone(),
        emails: contact
            .emails
            .iter()
            .map(|email| sync::Email {
                address: email.address.clone(),
                label: email.label.clone(),
                is_primary: email.is_primary,
            })
            .collect(),
        phones: contact
            .phones
            .iter()
            .map(|phone| sync::Phone {
                number: phone.number.clone(),
                label: phone.label.clone(),
                is_primary: phone.is_primary,
            })
            .collect(),
        address: contact.address.as_ref().map(|address| sync::Address {
            street: address.street.clone(),
            city: address.city.clone(),
            region: address.region.clone(),
            postal_code: address.postal_code.clone(),
            country: address.country.clone(),
        }),
        date_of_birth: contact.date_of_birth.clone(),
        photo: contact.photo.clone(),
        lifecycle_stage: contact
            .lifecycle_stage
            .map(|stage| stage.as_str().to_owned()),
        client_status: Some(contact.client_status.as_str().to_owned()),
        source: Some(contact.source.as_str().to_owned()),
        referral_source: contact.referral_source.clone(),
        preferences: contact.preferences.clone(),
        health,
        private: false,
    })
}

fn own_identity(kind: IdentityKind, value: &str) -> sync::Identity {
    sync::Identity {
        kind: kind.as_str().to_owned(),
        value: value.to_owned(),
        provider: Some(sync::records::OWN_IDENTITY_PROVIDER.to_owned()),
    }
}

/// A contact read from a document as core's input. `local` is the contact as stored here, if
/// it is: its health details are kept unless the policy shares them and the document has them.
pub fn contact_from_sync(
    remote: &sync::Contact,
    local: Option<&Contact>,
    policy: &SharingPolicy,
) -> Result<RemoteContact, MappingError> {
    let (health_context, emergency_contact_name, emergency_contact_phone) =
        match (&remote.health, policy.share_health_details) {
            (Some(health), true) => (
                health.context.clone(),
                health.emergency_contact_name.clone(),
                health.emergency_contact_phone.clone(),
            ),
            _ => match local {
                Some(local) => (
                    local.health_context.clone(),
                    local.emergency_contact_name.clone(),
                    local.emergency_contact_phone.clone(),
                ),
                None => (serde_json::Value::Null, None, None),
            },
        };
    let mut identities = Vec::new();
    for identity in &remote.identities {
        // Own emails and phones travel in `emails` and `phones`; version-1 identities (no
        // provider) were all the contact's own.
        let Some(provider) = identity
            .provider
            .as_deref()
            .filter(|provider| *provider != sync::records::OWN_IDENTITY_PROVIDER)
        else {
            continue;
        };
        identities.push(AddedIdentity {
            kind: parse("identities.kind", &identity.kind, IdentityKind::parse)?,
            value: identity.value.clone(),
            provider: provider.to_owned(),
        });
    }
    identities.sort_by(|a, b| (a.kind.as_str(), &a.value).cmp(&(b.kind.as_str(), &b.value)));
    let input = ContactInput {
        display_name: remote.display_name.clone(),
        organization: remote.company.clone(),
        emails: remote
            .emails
            .iter()
            .map(|email| EmailEntry {
                address: email.address.clone(),
                label: email.label.clone(),
                is_primary: email.is_primary,
            })
            .collect(),
        phones: remote
            .phones
            .iter()
            .map(|phone| PhoneEntry {
                number: phone.number.clone(),
                label: phone.label.clone(),
                is_primary: phone.is_primary,
            })
            .collect(),
        address: remote.address.as_ref().map(|address| Address {
            street: address.street.clone(),
            city: address.city.clone(),
            region: address.region.clone(),
            postal_code: address.postal_code.clone(),
            country: address.country.clone(),
        }),
        date_of_birth: remote.date_of_birth.clone(),
        photo: remote.photo.clone(),
        lifecycle_stage: parse_optional(
            "lifecycle_stage",
            remote.lifecycle_stage.as_deref(),
            LifecycleStage::parse,
        )?,
        client_status: parse_optional(
            "client_status",
            remote.client_status.as_deref(),
            ClientStatus::parse,
        )?,
        source: parse_optional("source", remote.source.as_deref(), ContactSource::parse)?,
        referral_source: remote.referral_source.clone(),
        emergency_contact_name,
        emergency_contact_phone,
        health_context,
        preferences: remote.preferences.clone(),
        tags: remote.tags.clone(),
    };
    Ok(RemoteContact {
        id: remote.id.to_string(),
        input,
        identities,
    })
}

// ---------------------------------------------------------------------------------------------
// Notes

/// A note as a sync record. Refuses a private note. The detected personal-data kinds stay
/// local (each device detects them itself).
pub fn note_to_sync(note: &Note) -> Result<sync::Note, MappingError> {
    if note.is_private {
        return Err(not_shareable("note", &note.id, NotShareable::Private));
    }
    Ok(sync::Note {
        id: uuid_of("id", &note.id)?,
        body: note.body.clone(),
        body_html: note.body_html.clone(),
        source_type: Some(note.source_type.as_str().to_owned()),
        contact_id: Some(uuid_of("contact_id", &note.contact_id)?),
        private: false,
    })
}

/// A note read from a document as core's input (never private: documents hold no private
/// notes). With a rich-text body, core derives the plain text from it.
pub fn note_from_sync(remote: &sync::Note) -> Result<RemoteNote, MappingError> {
    let contact_id = remote.contact_id.ok_or(MappingError::MissingField {
        field: "contact_id",
    })?;
    Ok(RemoteNote {
        id: remote.id.to_string(),
        contact_id: contact_id.to_string(),
        input: NoteInput {
            body: Some(remote.body.clone()),
            body_html: remote.body_html.clone(),
            source_type: parse_optional(
                "source_type",
                remote.source_type.as_deref(),
                parse_note_source,
            )?,
            is_private: false,
        },
    })
}

fn parse_note_source(text: &str) -> Option<NoteSource> {
    [NoteSource::Typed, NoteSource::Voice, NoteSource::Upload]
        .into_iter()
        .find(|source| source.as_str() == text)
}

// ---------------------------------------------------------------------------------------------
// Tasks, projects, goals, zones

/// A task (or subtask) as a sync record.
pub fn task_to_sync(task: &Task) -> Result<sync::Task, MappingError> {
    Ok(sync::Task {
        id: uuid_of("id", &task.id)?,
        title: task.title.clone(),
        description: task.description.clone(),
        status: task.status.as_str().to_owned(),
        priority: Some(task.priority.as_str().to_owned()),
        due_date: task.due_date.clone(),
        completed_at: task.completed_at.clone(),
        project_id: optional_uuid("project_id", task.project_id.as_deref())?,
        zone_id: optional_uuid("zone_id", task.zone_id.as_deref())?,
        parent_task_id: optional_uuid("parent_task_id", task.parent_task_id.as_deref())?,
        contact_ids: task
            .contact_ids
            .iter()
            .map(|id| uuid_of("contact_ids", id))
            .collect::<Result<_, _>>()?,
        private: false,
    })
}

/// A task read from a document as core's input.
pub fn task_from_sync(remote: &sync::Task) -> Result<RemoteTask, MappingError> {
    Ok(RemoteTask {
        id: remote.id.to_string(),
        input: TaskInput {
            title: remote.title.clone(),
            description: remote.description.clone(),
            status: Some(parse("status", &remote.status, TaskStatus::parse)?),
            priority: parse_optional("priority", remote.priority.as_deref(), TaskPriority::parse)?,
            due_date: remote.due_date.clone(),
            project_id: remote.project_id.map(|id| id.to_string()),
            zone_id: remote.zone_id.map(|id| id.to_string()),
            parent_task_id: remote.parent_task_id.map(|id| id.to_string()),
            contact_ids: remote.contact_ids.iter().map(Uuid::to_string).collect(),
        },
        completed_at: remote.completed_at.clone(),
    })
}

/// A project as a sync record.
pub fn project_to_sync(project: &Project) -> Result<sync::Project, MappingError> {
    Ok(sync::Project {
        id: uuid_of("id", &project.id)?,
        name: project.name.clone(),
        status: project.status.as_str().to_owned(),
        description: project.description.clone(),
        zone_id: optional_uuid("zone_id", project.zone_id.as_deref())?,
        due_date: project.due_date.clone(),
        private: false,
    })
}

/// A project read from a document as core's input. An empty status (a version-1 document
/// that had none) is left to core's default.
pub fn project_from_sync(remote: &sync::Project) -> Result<RemoteProject, MappingError> {
    let status = Some(remote.status.as_str()).filter(|status| !status.is_empty());
    Ok(RemoteProject {
        id: remote.id.to_string(),
        input: ProjectInput {
            name: remote.name.clone(),
            description: remote.description.clone(),
            zone_id: remote.zone_id.map(|id| id.to_string()),
            status: parse_optional("status", status, ProjectStatus::parse)?,
            due_date: remote.due_date.clone(),
        },
    })
}

/// A goal as a sync record.
pub fn goal_to_sync(goal: &Goal) -> Result<sync::Goal, MappingError> {
    Ok(sync::Goal {
        id: uuid_of("id", &goal.id)?,
        title: goal.title.clone(),
        description: goal.description.clone(),
        kind: goal.kind.as_str().to_owned(),
        status: goal.status.as_str().to_owned(),
        contact_id: optional_uuid("contact_id", goal.contact_id.as_deref())?,
        target_date: goal.target_date.clone(),
        progress: goal.progress,
        private: false,
    })
}

/// A goal read from a document as core's input.
pub fn goal_from_sync(remote: &sync::Goal) -> Result<RemoteGoal, MappingError> {
    let status = Some(remote.status.as_str()).filter(|status| !status.is_empty());
    Ok(RemoteGoal {
        id: remote.id.to_string(),
        input: GoalInput {
            title: remote.title.clone(),
            description: remote.description.clone(),
            kind: parse("goal_kind", &remote.kind, GoalKind::parse)?,
            status: parse_optional("status", status, GoalStatus::parse)?,
            contact_id: remote.contact_id.map(|id| id.to_string()),
            target_date: remote.target_date.clone(),
            progress: Some(remote.progress),
        },
    })
}

/// A zone as a sync record.
pub fn zone_to_sync(zone: &Zone) -> Result<sync::Zone, MappingError> {
    Ok(sync::Zone {
        id: uuid_of("id", &zone.id)?,
        name: zone.name.clone(),
        color: zone.color.clone(),
        icon: zone.icon.clone(),
        position: zone.position,
        private: false,
    })
}

/// A zone read from a document as core's input.
pub fn zone_from_sync(remote: &sync::Zone) -> Result<RemoteZone, MappingError> {
    Ok(RemoteZone {
        id: remote.id.to_string(),
        input: ZoneInput {
            name: remote.name.clone(),
            color: Some(remote.color.clone()).filter(|color| !color.is_empty()),
            icon: remote.icon.clone(),
        },
        position: remote.position,
    })
}

// ---------------------------------------------------------------------------------------------
// Tags, consents, interactions

/// A tag's definition as a sync record.
pub fn tag_to_sync(tag: &Tag) -> Result<sync::Tag, MappingError> {
    Ok(sync::Tag {
        id: uuid_of("id", &tag.id)?,
        name: tag.name.clone(),
        category: tag.category.map(|category| category.as_str().to_owned()),
        color: tag.color.clone(),
        is_system: tag.is_system,
        private: false,
    })
}

/// A tag read from a document as core's input.
pub fn tag_from_sync(remote: &sync::Tag) -> Result<RemoteTag, MappingError> {
    Ok(RemoteTag {
        id: remote.id.to_string(),
        input: TagInput {
            name: remote.name.clone(),
            category: parse_optional("category", remote.category.as_deref(), TagCategory::parse)?,
            color: Some(remote.color.clone()).filter(|color| !color.is_empty()),
        },
        is_system: remote.is_system,
    })
}

/// A consent grant or revocation as a sync record.
pub fn consent_to_sync(consent: &Consent) -> Result<sync::Consent, MappingError> {
    Ok(sync::Consent {
        id: uuid_of("id", &consent.id)?,
        contact_id: Some(uuid_of("contact_id", &consent.contact_id)?),
        kind: consent.kind.as_str().to_owned(),
        granted: consent.granted,
        recorded_at: consent.recorded_at.clone(),
        note: consent.note.clone(),
        private: false,
    })
}

/// A consent read from a document as core's input.
pub fn consent_from_sync(remote: &sync::Consent) -> Result<RemoteConsent, MappingError> {
    let contact_id = remote.contact_id.ok_or(MappingError::MissingField {
        field: "contact_id",
    })?;
    Ok(RemoteConsent {
        id: remote.id.to_string(),
        contact_id: contact_id.to_string(),
        input: ConsentInput {
            kind: parse("consent_kind", &remote.kind, ConsentKind::parse)?,
            granted: remote.granted,
            recorded_at: Some(remote.recorded_at.clone()),
            note: remote.note.clone(),
        },
    })
}

/// A logged interaction as a sync record. Refuses interactions an integration imported: each
/// device imports those itself.
pub fn interaction_to_sync(interaction: &Interaction) -> Result<sync::Interaction, MappingError> {
    if interaction.source != MANUAL_SOURCE {
        return Err(not_shareable(
            "interaction",
            &interaction.id,
            NotShareable::Imported,
        ));
    }
    Ok(sync::Interaction {
        id: uuid_of("id", &interaction.id)?,
        kind: interaction.kind.as_str().to_owned(),
        occurred_at: interaction.occurred_at.clone(),
        summary: interaction.subject.clone().unwrap_or_default(),
        body: interaction.body.clone(),
        duration_minutes: interaction.duration_minutes,
        metadata: interaction.source_metadata.clone(),
        contact_ids: interaction
            .contact_ids
            .iter()
            .map(|id| uuid_of("contact_ids", id))
            .collect::<Result<_, _>>()?,
        private: false,
    })
}

/// A logged interaction read from a document as core's input (source `manual`).
pub fn interaction_from_sync(
    remote: &sync::Interaction,
) -> Result<RemoteInteraction, MappingError> {
    Ok(RemoteInteraction {
        id: remote.id.to_string(),
        input: InteractionInput {
            kind: Some(parse(
                "interaction_kind",
                &remote.kind,
                InteractionKind::parse,
            )?),
            subject: Some(remote.summary.clone()).filter(|summary| !summary.is_empty()),
            body: remote.body.clone(),
            occurred_at: Some(remote.occurred_at.clone()),
            duration_minutes: remote.duration_minutes,
            contact_ids: remote.contact_ids.iter().map(Uuid::to_string).collect(),
            source: None,
            source_id: None,
            source_metadata: remote.metadata.clone(),
        },
    })
}

// ---------------------------------------------------------------------------------------------

fn not_shareable(kind: &'static str, id: &str, reason: NotShareable) -> MappingError {
    MappingError::NotShareable {
        kind,
        id: id.to_owned(),
        reason,
    }
}

fn uuid_of(field: &'static str, text: &str) -> Result<Uuid, MappingError> {
    Uuid::parse_str(text).map_err(|_| MappingError::InvalidId {
        field,
        value: text.to_owned(),
    })
}

fn optional_uuid(field: &'static str, text: Option<&str>) -> Result<Option<Uuid>, MappingError> {
    text.map(|text| uuid_of(field, text)).transpose()
}

fn parse<T>(
    field: &'static str,
    text: &str,
    parser: impl Fn(&str) -> Option<T>,
) -> Result<T, MappingError> {
    parser(text).ok_or_else(|| MappingError::UnknownValue {
        field,
        value: text.to_owned(),
    })
}

fn parse_optional<T>(
    field: &'static str,
    text: Option<&str>,
    parser: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, MappingError> {
    text.map(|text| parse(field, text, parser)).transpose()
}
