//! Chat with retrieval, privacy, proposals and contact features, end to end against the fake
//! provider: what the server received is what left the machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/harness.rs"]
mod harness;

use harness::{usage, Harness, Reply};
use std::sync::Arc;

use omnicrm_ai::{
    Assistant, ContactFeature, FeatureOutput, HybridRecordSearch, ProposalStatus, ProposedAction,
    RecordType, StreamEvent,
};
use omnicrm_core::contacts::{Contact, ContactInput, EmailEntry};
use omnicrm_core::notes::NoteInput;
use omnicrm_core::ErrorCode;
use serde_json::json;

const TODAY: &str = "2026-11-22";

fn ann(harness: &Harness) -> Contact {
    harness
        .core
        .contacts
        .create(ContactInput {
            display_name: "Ann Example".to_owned(),
            emails: vec![EmailEntry {
                address: "ann@example.com".to_owned(),
                label: None,
                is_primary: true,
            }],
            ..ContactInput::default()
        })
        .unwrap()
}

fn note(harness: &Harness, contact: &Contact, body: &str, private: bool) {
    harness
        .core
        .notes
        .create(
            &contact.id,
            NoteInput {
                is_private: private,
                ..NoteInput::plain(body)
            },
        )
        .unwrap();
}

#[tokio::test]
async fn an_answer_streams_cites_its_records_and_is_stored_in_the_thread() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    note(
        &harness,
        &contact,
        "Shoulder much better after the third session.",
        false,
    );
    harness.provider.push(Reply::streamed_tool_call(
        "call_1",
        "contact_timeline",
        json!({"contact_id": contact.id}),
        usage(50, 10, Some(0.001)),
    ));
    harness.provider.push(Reply::streamed_text(
        &["Ann Example's shoulder ", "is much better."],
        usage(80, 12, Some(0.002)),
    ));

    let mut streamed = String::new();
    let answer = harness
        .assistant
        .ask(None, "How is Ann's shoulder?", TODAY, &mut |event| {
            if let StreamEvent::Text(text) = event {
                streamed.push_str(&text);
            }
        })
        .await
        .unwrap();

    assert_eq!(streamed, "Ann Example's shoulder is much better.");
    assert_eq!(answer.message.content, streamed);
    assert!(answer
        .message
        .citations
        .iter()
        .any(|citation| citation.record_type == RecordType::Contact && citation.id == contact.id));
    let received = harness.provider.received();
    assert_eq!(received.len(), 2);
    // The tool result went back to the model as a tool message answering the call.
    let tool_message = received[1].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["role"] == "tool")
        .unwrap()
        .clone();
    assert_eq!(tool_message["tool_call_id"], "call_1");
    assert!(tool_message["content"]
        .as_str()
        .unwrap()
        .contains("third session"));

    let stored = harness
        .assistant
        .chat
        .messages(&answer.thread_id, 10)
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].citations, answer.message.citations);
    assert_eq!(harness.assistant.chat.threads().unwrap().len(), 1);
}

/// Regression (issue 19): an answer that named no record cited every search hit, related or
/// not ("I found nothing about that" cited Ann Example).
#[tokio::test]
async fn an_answer_that_draws_on_no_search_hit_cites_nothing() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    note(
        &harness,
        &contact,
        "Marathon training, knee strapping helps.",
        false,
    );
    harness.provider.push(Reply::tool_call(
        "call_1",
        "search_contacts",
        json!({"query": "Ann"}),
        usage(10, 5, None),
    ));
    harness.provider.push(Reply::text(
        "I could not find anyone who mentioned a new address.",
        usage(10, 5, None),
    ));
    let answer = harness
        .assistant
        .ask(None, "Who moved house lately?", TODAY, &mut |_| {})
        .await
        .unwrap();
    assert!(
        answer.message.citations.is_empty(),
        "{:?}",
        answer.message.citations
    );

    // An answer repeating a hit's own words still cites it, without naming it.
    harness.provider.push(Reply::tool_call(
        "call_2",
        "contact_timeline",
        json!({"contact_id": contact.id}),
        usage(10, 5, None),
    ));
    harness.provider.push(Reply::text(
        "Knee strapping helps with her marathon training.",
        usage(10, 5, None),
    ));
    let answer = harness
        .assistant
        .ask(None, "Who runs marathons?", TODAY, &mut |_| {})
        .await
        .unwrap();
    assert!(
        answer
            .message
            .citations
            .iter()
            .any(|citation| citation.record_type == RecordType::Note),
        "{:?}",
        answer.message.citations
    );
}

#[tokio::test]
async fn personal_data_is_redacted_before_it_leaves_and_restored_in_the_answer() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    harness.provider.push(Reply::tool_call(
        "call_1",
        "search_contacts",
        json!({"query": "Ann"}),
        usage(10, 5, None),
    ));
    harness.provider.push(Reply::streamed_text(
        &["Write to [EMA", "IL_1] or call [PHONE_1]."],
        usage(10, 5, None),
    ));

    let answer = harness
        .assistant
        .ask(
            None,
            "What is Ann's email? My number is +1 415 555 0100.",
            TODAY,
            &mut |_| {},
        )
        .await
        .unwrap();

    for received in harness.provider.received() {
        let sent = received.body.to_string();
        assert!(
            !sent.contains("ann@example.com"),
            "email left the machine: {sent}"
        );
        assert!(!sent.contains("555 0100"), "phone left the machine: {sent}");
    }
    assert!(harness.provider.received()[1]
        .all_text()
        .contains("[EMAIL_1]"));
    assert_eq!(
        answer.message.content,
        "Write to ann@example.com or call +1 415 555 0100."
    );
    assert!(answer
        .message
        .citations
        .iter()
        .any(|citation| citation.id == contact.id));
}

#[tokio::test]
async fn private_notes_are_never_sent() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    note(&harness, &contact, "Prefers morning sessions.", false);
    note(&harness, &contact, "SECRET: going through a divorce.", true);
    harness.provider.push(Reply::tool_call(
        "call_1",
        "contact_timeline",
        json!({"contact_id": contact.id}),
        usage(10, 5, None),
    ));
    harness.provider.push(Reply::text(
        "Mornings suit Ann Example.",
        usage(10, 5, None),
    ));
    harness.provider.push(Reply::text(
        r#"{"summary": "Likes mornings."}"#,
        usage(10, 5, None),
    ));

    harness
        .assistant
        .ask(None, "When does Ann like to come?", TODAY, &mut |_| {})
        .await
        .unwrap();
    harness
        .assistant
        .features
        .contact(&contact.id, ContactFeature::Summary)
        .await
        .unwrap();

    let received = harness.provider.received();
    assert_eq!(received.len(), 3);
    for request in &received {
        let sent = request.body.to_string();
        assert!(
            !sent.contains("divorce"),
            "a private note left the machine: {sent}"
        );
    }
    assert!(received[1].body.to_string().contains("morning sessions"));
    assert!(received[2].body.to_string().contains("morning sessions"));
}

/// The search tool in the app is the hybrid search over every record, not a contact lookup:
/// a note is found by its words and cited, while a private note with the same words is not.
#[tokio::test]
async fn the_search_tool_finds_notes_by_their_words_but_never_a_private_one() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    note(
        &harness,
        &contact,
        "Sciatica flared after the marathon.",
        false,
    );
    note(
        &harness,
        &contact,
        "Sciatica SECRET: caused by a fall at home.",
        true,
    );
    let search = omnicrm_search::SearchService::keyword_only(
        harness.core.database.clone(),
        omnicrm_search::SearchNotice {
            reason: omnicrm_search::ModeNotice::ModelMissing,
            message: "no model in this test".to_owned(),
        },
    );
    let assistant = Assistant::with_search(
        harness.core.clone(),
        Arc::new(HybridRecordSearch::new(search, harness.core.clone())),
    );
    harness.provider.push(Reply::tool_call(
        "call_1",
        "search_contacts",
        json!({"query": "sciatica"}),
        usage(10, 5, None),
    ));
    harness.provider.push(Reply::text(
        "Her sciatica flared after a marathon.",
        usage(10, 5, None),
    ));

    let answer = assistant
        .ask(None, "Who has sciatica?", TODAY, &mut |_| {})
        .await
        .unwrap();

    let received = harness.provider.received();
    let tool_message = received[1].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["role"] == "tool")
        .unwrap()
        .clone();
    let content = tool_message["content"].as_str().unwrap();
    assert!(
        content.contains("marathon"),
        "the note was not found: {content}"
    );
    assert!(
        content.contains(&contact.id),
        "no contact id to follow up: {content}"
    );
    for request in &received {
        let sent = request.body.to_string();
        assert!(
            !sent.contains("SECRET"),
            "a private note left the machine: {sent}"
        );
    }
    let notes: Vec<_> = answer
        .message
        .citations
        .iter()
        .filter(|citation| citation.record_type == RecordType::Note)
        .collect();
    assert_eq!(notes.len(), 1, "citations: {:?}", answer.message.citations);
}

/// A stand-in for the local embedding model: each word a dense pseudo-random unit vector, a
/// text the normalised sum of its words (texts sharing words are close). Local, so private
/// notes are embedded too, as the real local model does.
struct WordEmbedder;

impl omnicrm_search::Embedder for WordEmbedder {
    fn model_id(&self) -> &str {
        "word-test-model"
    }
    fn dimensions(&self) -> usize {
        128
    }
    fn is_remote(&self) -> bool {
        false
    }
    fn embed<'a>(&'a self, texts: &'a [String]) -> omnicrm_search::embedder::EmbedFuture<'a> {
        Box::pin(async move {
            Ok(texts
                .iter()
                .map(|text| {
                    let mut vector = vec![0.0f32; 128];
                    for word in omnicrm_search::terms::words(text) {
                        let mut state: u64 = 1469598103934665603;
                        for byte in omnicrm_search::terms::fold(&word).bytes() {
                            state = (state ^ u64::from(byte)).wrapping_mul(1099511628211);
                        }
                        for value in vector.iter_mut() {
                            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                            let mut mixed = state;
                            mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                            mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                            mixed ^= mixed >> 31;
                            *value +=
                                ((mixed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32;
                        }
                    }
                    omnicrm_search::embedder::normalize(&mut vector);
                    vector
                })
                .collect())
        })
    }
}

#[tokio::test]
async fn the_model_is_never_told_whom_a_private_note_concerns() {
    // Semantic search needs sqlite-vec on the core's connections, as in the app.
    omnicrm_search::register_sqlite_vec();
    let harness = Harness::start().await;
    let paula = harness
        .core
        .contacts
        .create(ContactInput {
            display_name: "Paula Reyes".to_owned(),
            ..ContactInput::default()
        })
        .unwrap();
    let sam = harness
        .core
        .contacts
        .create(ContactInput {
            display_name: "Sam Ortiz".to_owned(),
            ..ContactInput::default()
        })
        .unwrap();
    note(
        &harness,
        &paula,
        "History of panic disorder; breathing work before sessions.",
        true,
    );
    note(
        &harness,
        &sam,
        "Sleep disorder, prefers a quiet room and morning sessions.",
        false,
    );
    let embedder: Arc<dyn omnicrm_search::Embedder> = Arc::new(WordEmbedder);
    omnicrm_search::EmbeddingIndexer::new(harness.core.database.clone(), embedder.clone())
        .run_until_done(|_, _| async { false })
        .await
        .unwrap();
    let search =
        omnicrm_search::SearchService::new(harness.core.database.clone(), embedder).unwrap();
    let assistant = Assistant::with_search(
        harness.core.clone(),
        Arc::new(HybridRecordSearch::new(search, harness.core.clone())),
    );
    harness.provider.push(Reply::tool_call(
        "call_1",
        "search_contacts",
        json!({"query": "panic disorder"}),
        usage(10, 5, None),
    ));
    harness
        .provider
        .push(Reply::text("I found no one.", usage(10, 5, None)));

    assistant
        .ask(
            None,
            "Which client has a panic disorder?",
            TODAY,
            &mut |_| {},
        )
        .await
        .unwrap();

    let received = harness.provider.received();
    assert_eq!(received.len(), 2);
    let tool_message = received[1].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["role"] == "tool")
        .unwrap()
        .clone();
    // The search ran and answered (Sam's note shares a word), so its silence about Paula is
    // the privacy rule at work, not a search that found nothing.
    assert!(
        tool_message["content"].as_str().unwrap().contains(&sam.id),
        "{tool_message}"
    );
    for request in &received {
        let sent = request.body.to_string();
        for secret in ["Paula", "Reyes", paula.id.as_str(), "breathing"] {
            assert!(
                !sent.contains(secret),
                "the model was told {secret:?} for a private note's words: {sent}"
            );
        }
    }
}

#[tokio::test]
async fn a_write_tool_only_proposes_and_approval_creates_the_task() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    harness.provider.push(Reply::tool_call(
        "call_1",
        "create_task",
        json!({"title": "Call Ann about her shoulder", "due_date": "2026-11-25",
               "contact_id": contact.id}),
        usage(10, 5, None),
    ));
    harness.provider.push(Reply::text(
        "I proposed a task for you to approve.",
        usage(10, 5, None),
    ));

    let answer = harness
        .assistant
        .ask(None, "Remind me to call Ann", TODAY, &mut |_| {})
        .await
        .unwrap();

    assert_eq!(answer.proposals.len(), 1);
    let proposal = &answer.proposals[0];
    assert_eq!(proposal.status, ProposalStatus::Pending);
    let open = omnicrm_core::productivity::TaskQuery {
        view: omnicrm_core::productivity::TaskView::Open,
        today: TODAY.to_owned(),
        ..Default::default()
    };
    assert!(
        harness.core.tasks.list(&open).unwrap().is_empty(),
        "nothing written yet"
    );

    let approved = harness.assistant.proposals.approve(&proposal.id).unwrap();
    assert_eq!(approved.status, ProposalStatus::Approved);
    let tasks = harness.core.tasks.list(&open).unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].title, "Call Ann about her shoulder");
    assert_eq!(tasks[0].contact_ids, vec![contact.id.clone()]);
    let result = approved.result.unwrap();
    assert_eq!(result["task_id"], json!(tasks[0].id),);
    // The approval says which change undoes it, and that change does.
    let change_id = result["change_id"]
        .as_str()
        .expect("the change that undoes it");
    harness.core.undo.change(change_id).unwrap();
    assert!(harness.core.tasks.list(&open).unwrap().is_empty());
    harness.core.undo.change(change_id).unwrap_err();
    let again = harness
        .assistant
        .proposals
        .approve(&proposal.id)
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict);
    assert!(
        harness.core.tasks.list(&open).unwrap().is_empty(),
        "approving again wrote nothing"
    );
}

#[tokio::test]
async fn an_identical_feature_request_is_answered_from_the_store_without_a_call() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    note(&harness, &contact, "Missed the last two sessions.", false);
    harness.provider.push(Reply::text(
        r#"{"risk": "high", "reason": "Missed the last two sessions."}"#,
        usage(30, 10, Some(0.003)),
    ));

    let first = harness
        .assistant
        .features
        .contact(&contact.id, ContactFeature::ChurnRisk)
        .await
        .unwrap();
    let second = harness
        .assistant
        .features
        .contact(&contact.id, ContactFeature::ChurnRisk)
        .await
        .unwrap();

    assert!(!first.cached);
    assert!(second.cached);
    assert_eq!(first.fingerprint, second.fingerprint);
    assert_eq!(second.output, first.output);
    assert!(matches!(
        second.output,
        FeatureOutput::ChurnRisk {
            risk: omnicrm_ai::features::RiskLevel::High,
            ..
        }
    ));
    assert_eq!(harness.provider.received().len(), 1);
    assert_eq!(
        harness
            .assistant
            .engine
            .guardrails()
            .ledger(10)
            .unwrap()
            .len(),
        1
    );

    // A new note changes the inputs, so the next request is a new call.
    note(&harness, &contact, "Booked again for Friday.", false);
    harness.provider.push(Reply::text(
        r#"{"risk": "low", "reason": "Booked again."}"#,
        usage(30, 10, None),
    ));
    let third = harness
        .assistant
        .features
        .contact(&contact.id, ContactFeature::ChurnRisk)
        .await
        .unwrap();
    assert!(!third.cached);
    assert_ne!(third.fingerprint, first.fingerprint);
}

#[tokio::test]
async fn stage_and_tag_suggestions_apply_only_on_approval() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    harness.provider.push(Reply::text(
        r#"{"lifecycle_stage": "core_client", "tags": ["Weekly"], "reason": "Comes every week."}"#,
        usage(30, 10, None),
    ));

    let result = harness
        .assistant
        .features
        .contact(&contact.id, ContactFeature::StageAndTags)
        .await
        .unwrap();

    assert_eq!(result.proposal_ids.len(), 2);
    let unchanged = harness.core.contacts.get(&contact.id).unwrap();
    assert_eq!(unchanged.lifecycle_stage, None);
    for id in &result.proposal_ids {
        harness.assistant.proposals.approve(id).unwrap();
    }
    let changed = harness.core.contacts.get(&contact.id).unwrap();
    assert_eq!(
        changed.lifecycle_stage,
        Some(omnicrm_core::contacts::LifecycleStage::CoreClient)
    );
    assert!(
        changed.tags.iter().any(|tag| tag == "Weekly"),
        "{:?}",
        changed.tags
    );
}

#[tokio::test]
async fn a_brain_dump_becomes_tasks_held_for_approval() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    harness.provider.push(Reply::text(
        r#"{"tasks": [
            {"title": "Send Ann the stretching sheet", "due_date": null, "contact_name": "Ann Example"},
            {"title": "Renew insurance", "due_date": "2026-12-01", "contact_name": null}
        ]}"#,
        usage(30, 10, None),
    ));

    let result = harness
        .assistant
        .features
        .brain_dump("send ann the stretching sheet, renew insurance by dec 1")
        .await
        .unwrap();

    assert_eq!(result.proposal_ids.len(), 2);
    let pending = harness.assistant.proposals.pending().unwrap();
    assert_eq!(pending.len(), 2);
    assert!(matches!(
        &pending[0].action,
        ProposedAction::CreateTask { contact_id: Some(id), .. } if *id == contact.id
    ));
}

#[tokio::test]
async fn a_feature_reply_that_is_not_the_expected_json_is_a_clear_error() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    harness
        .provider
        .push(Reply::text("Ann seems fine!", usage(30, 10, None)));

    let error = harness
        .assistant
        .features
        .contact(&contact.id, ContactFeature::Summary)
        .await
        .unwrap_err();

    assert_eq!(error.code, ErrorCode::Network);
    assert!(
        error
            .message
            .contains("summary reply is not the expected JSON"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_client_whose_record_the_assistant_sent_to_the_provider_has_it_in_their_access_log() {
    let harness = Harness::start().await;
    let contact = ann(&harness);
    note(&harness, &contact, "Prefers morning sessions.", false);
    harness.provider.push(Reply::streamed_tool_call(
        "call_1",
        "contact_timeline",
        json!({"contact_id": contact.id}),
        usage(50, 10, Some(0.001)),
    ));
    harness.provider.push(Reply::streamed_text(
        &["Mornings."],
        usage(80, 12, Some(0.002)),
    ));
    let before = harness.core.access_log.list(Some(&contact.id), 10).unwrap();
    assert!(before.is_empty());
    harness
        .assistant
        .ask(None, "When does Ann like to come?", TODAY, &mut |_| {})
        .await
        .unwrap();

    let logged = harness.core.access_log.list(Some(&contact.id), 10).unwrap();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(
        logged[0].action,
        omnicrm_core::access_log::AccessAction::SentToAi
    );
    // Which provider, the model that answered (as the provider names it), and redaction.
    assert!(
        logged[0]
            .detail
            .starts_with("to 127.0.0.1 (served-model), names, emails and phone numbers redacted"),
        "{}",
        logged[0].detail
    );
    assert!(
        logged[0].detail.contains("recent interactions, notes"),
        "{}",
        logged[0].detail
    );
    // A question that sends no client data records nothing.
    harness.provider.push(Reply::streamed_text(
        &["Hello."],
        usage(10, 2, Some(0.0001)),
    ));
    harness
        .assistant
        .ask(None, "Say hello", TODAY, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(harness.core.access_log.list(None, 10).unwrap().len(), 1);
}
