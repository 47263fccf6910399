//! AI assistant commands: status, settings and key, usage, chat (streamed as `AiStreamed`
//! events), threads, proposals, contact features and the brain-dump. Each one validates its
//! input, calls `omnicrm-ai` and returns its result; the assistant decides everything else
//! (guardrails, redaction, fallbacks). The API key only ever travels inward: the UI learns
//! whether one is stored, never what it is.

use std::sync::Arc;

use omnicrm_ai::{
    AiSettings, AiStatus, Assistant, ChatAnswer, ContactFeature, FeatureResult, HybridRecordSearch,
    Message, Proposal, ProposedAction, RecordType, StreamEvent, Thread, UsageSummary,
};
use omnicrm_core::{Core, Error};
use omnicrm_secrets::SecretString;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::{notify_contacts, CommandResult};
use crate::events::{AiStreamed, ContactsChangeReason};
use crate::{CoreState, SearchState};

/// Messages of a thread the chat shows at most (the newest ones).
const THREAD_MESSAGES: u32 = 200;

/// The provider settings as the Settings page shows them: everything but the key, and whether
/// a key is stored (and readable).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct AiSettingsState {
    pub settings: AiSettings,
    pub api_key_stored: bool,
}

/// Where a citation leads in the app: the contact it belongs to, and the task when it is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CitationTarget {
    pub contact_id: Option<String>,
    pub task_id: Option<String>,
}

/// A required id: present and not blank.
fn required(field: &str, value: &str) -> CommandResult<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_field(field, "is required"));
    }
    Ok(())
}

/// The settings and whether a key is stored.
pub fn settings_state(core: &Core) -> CommandResult<AiSettingsState> {
    let assistant = Assistant::new(core.clone());
    let store = assistant.engine.settings();
    let settings = store.load()?;
    let api_key_stored = store.api_key(&settings)?.is_some();
    Ok(AiSettingsState {
        settings,
        api_key_stored,
    })
}

/// Where a cited record opens: contacts open themselves; notes, interactions and tasks open
/// the (first) contact they are about; tasks also name themselves.
pub fn citation_target(
    core: &Core,
    record_type: RecordType,
    id: &str,
) -> CommandResult<CitationTarget> {
    required("id", id)?;
    Ok(match record_type {
        RecordType::Contact => CitationTarget {
            contact_id: Some(core.contacts.get(id)?.id),
            task_id: None,
        },
        RecordType::Note => CitationTarget {
            contact_id: Some(core.notes.get(id)?.contact_id),
            task_id: None,
        },
        RecordType::Interaction => CitationTarget {
            contact_id: core.interactions.get(id)?.contact_ids.into_iter().next(),
            task_id: None,
        },
        RecordType::Task => {
            let task = core.tasks.get(id)?;
            CitationTarget {
                contact_id: task.contact_ids.into_iter().next(),
                task_id: Some(task.id),
            }
        }
    })
}

/// The contact a proposal writes to, so open views of it refresh after approval.
fn touched_contact(action: &ProposedAction) -> Option<String> {
    match action {
        ProposedAction::CreateTask { contact_id, .. } => contact_id.clone(),
        ProposedAction::AddNote { contact_id, .. }
        | ProposedAction::DraftEmail { contact_id, .. }
        | ProposedAction::SetLifecycleStage { contact_id, .. }
        | ProposedAction::AddTags { contact_id, .. } => Some(contact_id.clone()),
    }
}

/// Whether AI works now, and if not, why in plain words.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_status(state: State<'_, CoreState>) -> CommandResult<AiStatus> {
    let core = state.core()?;
    core.run(|core| Assistant::new(core.clone()).status()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_settings_get(state: State<'_, CoreState>) -> CommandResult<AiSettingsState> {
    let core = state.core()?;
    core.run(settings_state).await
}

/// Validates and saves the settings (the key's backend is kept as stored).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_settings_save(
    state: State<'_, CoreState>,
    settings: AiSettings,
) -> CommandResult<AiSettingsState> {
    let core = state.core()?;
    core.run(move |core| {
        Assistant::new(core.clone())
            .engine
            .settings()
            .save(&settings)?;
        settings_state(core)
    })
    .await
}

/// Stores the provider's API key in the OS keyring (or the encrypted-file fallback).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_key_set(
    state: State<'_, CoreState>,
    api_key: String,
) -> CommandResult<AiSettingsState> {
    if api_key.trim().is_empty() {
        return Err(Error::invalid_field("api_key", "is empty"));
    }
    let key = SecretString::from(api_key.trim().to_owned());
    let core = state.core()?;
    core.run(move |core| {
        Assistant::new(core.clone())
            .engine
            .settings()
            .set_api_key(&key)?;
        settings_state(core)
    })
    .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_key_clear(state: State<'_, CoreState>) -> CommandResult<AiSettingsState> {
    let core = state.core()?;
    core.run(|core| {
        Assistant::new(core.clone())
            .engine
            .settings()
            .clear_api_key()?;
        settings_state(core)
    })
    .await
}

/// Each limit with how much of it is used, and this month's use per model.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_usage(state: State<'_, CoreState>) -> CommandResult<UsageSummary> {
    let core = state.core()?;
    core.run(|core| Assistant::new(core.clone()).usage()).await
}

/// Asks the assistant. The reply streams as `AiStreamed` events tagged with `request_id` (the
/// UI's own id for this question); the stored answer, its citations and any proposals it made
/// are returned at the end.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_ask(
    app: AppHandle,
    state: State<'_, CoreState>,
    search: State<'_, SearchState>,
    request_id: String,
    question: String,
    thread_id: Option<String>,
) -> CommandResult<ChatAnswer> {
    required("request_id", &request_id)?;
    if question.trim().is_empty() {
        return Err(Error::invalid_field("question", "is empty"));
    }
    let thread_id = thread_id.filter(|id| !id.trim().is_empty());
    let core = state.core()?;
    // The model finds records with the palette's hybrid search (keyword only until the model
    // is installed).
    let assistant = match search.service() {
        Ok(service) => Assistant::with_search(
            core.clone(),
            Arc::new(HybridRecordSearch::new(service, core)),
        ),
        Err(_) => Assistant::new(core),
    };
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let mut on_event = move |event: StreamEvent| {
        let streamed = match event {
            StreamEvent::Text(delta) => AiStreamed {
                request_id: request_id.clone(),
                delta,
                reset: false,
            },
            StreamEvent::Reset => AiStreamed {
                request_id: request_id.clone(),
                delta: String::new(),
                reset: true,
            },
        };
        if let Err(error) = streamed.emit(&app) {
            tracing::debug!(%error, "could not stream the answer to the UI");
        }
    };
    assistant
        .ask(thread_id.as_deref(), &question, &today, &mut on_event)
        .await
}

/// Threads, most recently active first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_threads(state: State<'_, CoreState>) -> CommandResult<Vec<Thread>> {
    let core = state.core()?;
    core.run(|core| Assistant::new(core.clone()).chat.threads())
        .await
}

/// A thread's messages, oldest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_thread_messages(
    state: State<'_, CoreState>,
    thread_id: String,
) -> CommandResult<Vec<Message>> {
    required("thread_id", &thread_id)?;
    let core = state.core()?;
    core.run(move |core| {
        let chat = Assistant::new(core.clone()).chat;
        chat.thread(&thread_id)?;
        chat.messages(&thread_id, THREAD_MESSAGES)
    })
    .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_thread_delete(state: State<'_, CoreState>, thread_id: String) -> CommandResult<()> {
    required("thread_id", &thread_id)?;
    let core = state.core()?;
    core.run(move |core| Assistant::new(core.clone()).chat.delete_thread(&thread_id))
        .await
}

/// Writes the assistant proposed, waiting for approval, oldest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_proposals_pending(state: State<'_, CoreState>) -> CommandResult<Vec<Proposal>> {
    let core = state.core()?;
    core.run(|core| Assistant::new(core.clone()).proposals.pending())
        .await
}

/// Runs a proposal through the usual services (validated, in the change log, undoable).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_proposal_approve(
    app: AppHandle,
    state: State<'_, CoreState>,
    proposal_id: String,
) -> CommandResult<Proposal> {
    required("proposal_id", &proposal_id)?;
    let core = state.core()?;
    let proposal = core
        .run(move |core| Assistant::new(core.clone()).proposals.approve(&proposal_id))
        .await?;
    if let Some(contact_id) = touched_contact(&proposal.action) {
        notify_contacts(&app, vec![contact_id], ContactsChangeReason::Updated);
    }
    Ok(proposal)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_proposal_reject(
    state: State<'_, CoreState>,
    proposal_id: String,
) -> CommandResult<Proposal> {
    required("proposal_id", &proposal_id)?;
    let core = state.core()?;
    core.run(move |core| Assistant::new(core.clone()).proposals.reject(&proposal_id))
        .await
}

/// Runs a contact feature, or returns the stored result of an identical request (not paid for
/// twice). Suggestions that would write become pending proposals.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_contact_feature(
    state: State<'_, CoreState>,
    contact_id: String,
    feature: ContactFeature,
) -> CommandResult<FeatureResult> {
    required("contact_id", &contact_id)?;
    let core = state.core()?;
    Assistant::new(core)
        .features
        .contact(&contact_id, feature)
        .await
}

/// The newest stored result of each feature for a contact, without calling the provider.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_contact_features_stored(
    state: State<'_, CoreState>,
    contact_id: String,
) -> CommandResult<Vec<FeatureResult>> {
    required("contact_id", &contact_id)?;
    let core = state.core()?;
    core.run(move |core| {
        let features = Assistant::new(core.clone()).features;
        let mut stored = Vec::new();
        for feature in [
            ContactFeature::Summary,
            ContactFeature::NextSteps,
            ContactFeature::ChurnRisk,
            ContactFeature::Suggestions,
            ContactFeature::EmailDraft,
            ContactFeature::StageAndTags,
        ] {
            stored.extend(features.latest(&contact_id, feature)?);
        }
        Ok(stored)
    })
    .await
}

/// Turns free text into tasks held for approval.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_brain_dump(
    state: State<'_, CoreState>,
    text: String,
) -> CommandResult<FeatureResult> {
    if text.trim().is_empty() {
        return Err(Error::invalid_field("text", "is empty"));
    }
    let core = state.core()?;
    Assistant::new(core).features.brain_dump(&text).await
}

/// Where a cited record opens in the app.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ai_citation_target(
    state: State<'_, CoreState>,
    record_type: RecordType,
    id: String,
) -> CommandResult<CitationTarget> {
    let core = state.core()?;
    core.run(move |core| citation_target(core, record_type, &id))
        .await
}
