//! The provider client against a local server speaking the chat-completions wire format:
//! streaming, tool calls, usage, errors with Retry-After, slow replies, breaker and fallback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/harness.rs"]
mod harness;

use std::time::{Duration, Instant};

use harness::{usage, Harness, Reply, KEY};
use omnicrm_ai::breaker::BreakerState;
use omnicrm_ai::redaction::Redactor;
use omnicrm_ai::wire::ChatMessage;
use omnicrm_ai::{CompletionRequest, StreamEvent};
use omnicrm_core::ErrorCode;
use serde_json::json;

fn question(stream: bool) -> CompletionRequest {
    CompletionRequest {
        purpose: "test".to_owned(),
        messages: vec![ChatMessage::user("How is Ann doing?")],
        stream,
        ..CompletionRequest::default()
    }
}

async fn complete(
    harness: &Harness,
    request: CompletionRequest,
) -> (
    omnicrm_core::Result<omnicrm_ai::sse::Completion>,
    Vec<StreamEvent>,
) {
    let mut events = Vec::new();
    let mut redactor = Redactor::new();
    let result = harness
        .assistant
        .engine
        .complete(request, &mut redactor, &mut |event| events.push(event))
        .await;
    (result, events)
}

#[tokio::test]
async fn a_streamed_reply_arrives_in_pieces_with_its_usage_and_cost() {
    let harness = Harness::start().await;
    harness.provider.push(Reply::streamed_text(
        &["Ann is ", "doing ", "well."],
        usage(12, 5, Some(0.0021)),
    ));

    let (result, events) = complete(&harness, question(true)).await;
    let completion = result.unwrap();

    assert_eq!(completion.content, "Ann is doing well.");
    assert_eq!(
        events,
        vec![
            StreamEvent::Text("Ann is ".to_owned()),
            StreamEvent::Text("doing ".to_owned()),
            StreamEvent::Text("well.".to_owned()),
        ]
    );
    let usage = completion.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (12, 5));
    let received = harness.provider.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body["stream"], json!(true));
    assert_eq!(
        received[0].body["stream_options"]["include_usage"],
        json!(true)
    );
    assert_eq!(
        received[0].authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    let ledger = harness.assistant.engine.guardrails().ledger(10).unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].status, "settled");
    assert_eq!(ledger[0].cost_source, "provider");
    assert!((ledger[0].cost_usd - 0.0021).abs() < 1e-9);
    assert_eq!(
        (ledger[0].prompt_tokens, ledger[0].completion_tokens),
        (12, 5)
    );
}

#[tokio::test]
async fn a_streamed_tool_call_is_assembled_from_its_pieces() {
    let harness = Harness::start().await;
    harness.provider.push(Reply::streamed_tool_call(
        "call_1",
        "search_contacts",
        json!({"query": "Ann"}),
        usage(20, 8, None),
    ));

    let (result, _) = complete(&harness, question(true)).await;
    let completion = result.unwrap();

    assert_eq!(completion.tool_calls.len(), 1);
    assert_eq!(completion.tool_calls[0].id, "call_1");
    assert_eq!(completion.tool_calls[0].function.name, "search_contacts");
    let arguments: serde_json::Value =
        serde_json::from_str(&completion.tool_calls[0].function.arguments).unwrap();
    assert_eq!(arguments, json!({"query": "Ann"}));
}

#[tokio::test]
async fn a_plain_reply_without_a_reported_cost_is_priced_from_the_table() {
    let harness = Harness::start_with(|settings| {
        settings.prices = vec![omnicrm_ai::ModelPrice {
            model: "primary-model".to_owned(),
            prompt_usd_per_million: 1.0,
            completion_usd_per_million: 2.0,
        }];
    })
    .await;
    harness
        .provider
        .push(Reply::text("Fine.", usage(1_000, 500, None)));

    let (result, events) = complete(&harness, question(false)).await;

    assert_eq!(result.unwrap().content, "Fine.");
    assert_eq!(events, vec![StreamEvent::Text("Fine.".to_owned())]);
    let ledger = harness.assistant.engine.guardrails().ledger(1).unwrap();
    assert_eq!(ledger[0].cost_source, "price_table");
    // 1000 × $1/M + 500 × $2/M = $0.002
    assert!(
        (ledger[0].cost_usd - 0.002).abs() < 1e-9,
        "{}",
        ledger[0].cost_usd
    );
}

#[tokio::test]
async fn a_429_is_retried_after_the_time_the_server_asked_for() {
    let harness = Harness::start().await;
    harness.provider.push(Reply::error(429, Some("1")));
    harness
        .provider
        .push(Reply::text("Later.", usage(1, 1, None)));

    let started = Instant::now();
    let (result, _) = complete(&harness, question(false)).await;

    assert_eq!(result.unwrap().content, "Later.");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(harness.provider.received().len(), 2);
}

#[tokio::test]
async fn a_500_is_retried_and_the_second_answer_is_used() {
    let harness = Harness::start().await;
    harness.provider.push(Reply::error(500, None));
    harness
        .provider
        .push(Reply::text("Recovered.", usage(1, 1, None)));

    let (result, _) = complete(&harness, question(false)).await;

    assert_eq!(result.unwrap().content, "Recovered.");
    assert_eq!(harness.provider.received().len(), 2);
    let ledger = harness.assistant.engine.guardrails().ledger(10).unwrap();
    assert_eq!(ledger.len(), 1, "retries share one request of the budget");
}

#[tokio::test]
async fn a_slow_reply_times_out_and_counts_as_a_failure() {
    let harness = Harness::start_with(|settings| {
        settings.resilience.request_timeout_ms = 200;
        settings.resilience.max_attempts = 1;
    })
    .await;
    harness
        .provider
        .push(Reply::text("Too late.", usage(1, 1, None)).delayed(Duration::from_millis(1_500)));

    let started = Instant::now();
    let (result, _) = complete(&harness, question(false)).await;
    let error = result.unwrap_err();

    assert_eq!(error.code, ErrorCode::Network);
    assert!(
        error.message.contains("did not answer within"),
        "{}",
        error.message
    );
    assert!(started.elapsed() < Duration::from_millis(1_200));
    let ledger = harness.assistant.engine.guardrails().ledger(1).unwrap();
    assert_eq!(ledger[0].status, "failed");
    let breaker = harness
        .assistant
        .engine
        .breakers()
        .status("primary-model")
        .unwrap();
    assert_eq!(breaker.consecutive_failures, 1);
}

#[tokio::test]
async fn a_failing_model_falls_back_to_the_next_one() {
    let harness = Harness::start_with(|settings| {
        settings.fallback_models = vec!["backup-model".to_owned()];
        settings.resilience.max_attempts = 2;
    })
    .await;
    harness
        .provider
        .push(Reply::error(503, None).for_model("primary-model"));
    harness
        .provider
        .push(Reply::error(503, None).for_model("primary-model"));
    harness
        .provider
        .push(Reply::text("From the backup.", usage(3, 3, None)).for_model("backup-model"));

    let (result, _) = complete(&harness, question(false)).await;

    assert_eq!(result.unwrap().content, "From the backup.");
    let models: Vec<String> = harness
        .provider
        .received()
        .iter()
        .map(|received| received.model().to_owned())
        .collect();
    assert_eq!(models, ["primary-model", "primary-model", "backup-model"]);
    let ledger = harness.assistant.engine.guardrails().ledger(1).unwrap();
    assert_eq!(ledger[0].model, "backup-model");
}

#[tokio::test]
async fn the_breaker_opens_after_repeated_failures_then_a_probe_closes_it() {
    let harness = Harness::start_with(|settings| {
        settings.resilience.max_attempts = 1;
        settings.resilience.breaker_failure_threshold = 2;
        settings.resilience.breaker_cooldown_ms = 400;
    })
    .await;
    for _ in 0..2 {
        harness.provider.push(Reply::error(500, None));
        let (result, _) = complete(&harness, question(false)).await;
        assert_eq!(result.unwrap_err().code, ErrorCode::Network);
    }
    let breaker = harness
        .assistant
        .engine
        .breakers()
        .status("primary-model")
        .unwrap();
    assert_eq!(breaker.state, BreakerState::Open);

    // Open: refused without a request leaving, and the status says why.
    let (result, _) = complete(&harness, question(false)).await;
    assert_eq!(result.unwrap_err().code, ErrorCode::AiUnavailable);
    assert_eq!(harness.provider.received().len(), 2);
    let status = harness.assistant.status().unwrap();
    assert!(!status.available);
    assert_eq!(
        status.reason,
        Some(omnicrm_ai::UnavailableReason::CircuitsOpen)
    );
    let ledger = harness.assistant.engine.guardrails().ledger(10).unwrap();
    assert_eq!(
        ledger.len(),
        2,
        "a refused call is not counted against the limits"
    );

    // After the cooldown one probe goes out; its success closes the circuit.
    tokio::time::sleep(Duration::from_millis(450)).await;
    harness
        .provider
        .push(Reply::text("Back.", usage(1, 1, None)));
    let (result, _) = complete(&harness, question(false)).await;
    assert_eq!(result.unwrap().content, "Back.");
    let breaker = harness
        .assistant
        .engine
        .breakers()
        .status("primary-model")
        .unwrap();
    assert_eq!(breaker.state, BreakerState::Closed);
    assert_eq!(breaker.consecutive_failures, 0);
    assert!(harness.assistant.status().unwrap().available);
}

#[tokio::test]
async fn a_failed_half_open_probe_opens_the_circuit_again() {
    let harness = Harness::start_with(|settings| {
        settings.resilience.max_attempts = 1;
        settings.resilience.breaker_failure_threshold = 1;
        settings.resilience.breaker_cooldown_ms = 300;
    })
    .await;
    harness.provider.push(Reply::error(500, None));
    let (result, _) = complete(&harness, question(false)).await;
    assert!(result.is_err());
    tokio::time::sleep(Duration::from_millis(350)).await;

    harness.provider.push(Reply::error(502, None));
    let (result, _) = complete(&harness, question(false)).await;
    assert_eq!(result.unwrap_err().code, ErrorCode::Network);

    let breaker = harness
        .assistant
        .engine
        .breakers()
        .status("primary-model")
        .unwrap();
    assert_eq!(breaker.state, BreakerState::Open);
    let (result, _) = complete(&harness, question(false)).await;
    assert_eq!(result.unwrap_err().code, ErrorCode::AiUnavailable);
    assert_eq!(harness.provider.received().len(), 2);
}

#[tokio::test]
async fn an_open_circuit_sends_calls_straight_to_the_fallback_model() {
    let harness = Harness::start_with(|settings| {
        settings.fallback_models = vec!["backup-model".to_owned()];
        settings.resilience.max_attempts = 1;
        settings.resilience.breaker_failure_threshold = 1;
    })
    .await;
    harness
        .provider
        .push(Reply::error(500, None).for_model("primary-model"));
    harness
        .provider
        .push(Reply::text("one", usage(1, 1, None)).for_model("backup-model"));
    harness
        .provider
        .push(Reply::text("two", usage(1, 1, None)).for_model("backup-model"));

    assert_eq!(
        complete(&harness, question(false)).await.0.unwrap().content,
        "one"
    );
    assert_eq!(
        complete(&harness, question(false)).await.0.unwrap().content,
        "two"
    );

    let models: Vec<String> = harness
        .provider
        .received()
        .iter()
        .map(|received| received.model().to_owned())
        .collect();
    assert_eq!(models, ["primary-model", "backup-model", "backup-model"]);
}

#[tokio::test]
async fn a_rejected_key_is_auth_required_and_not_retried() {
    let harness = Harness::start_with(|settings| {
        settings.fallback_models = vec!["backup-model".to_owned()];
    })
    .await;
    harness.provider.push(Reply::error(401, None));

    let (result, _) = complete(&harness, question(false)).await;

    assert_eq!(result.unwrap_err().code, ErrorCode::AuthRequired);
    assert_eq!(harness.provider.received().len(), 1);
}

#[tokio::test]
async fn a_cloud_provider_without_a_key_is_unavailable_with_a_reason() {
    let harness = Harness::start().await;
    harness.assistant.engine.settings().clear_api_key().unwrap();

    let status = harness.assistant.status().unwrap();
    assert!(!status.available);
    assert_eq!(
        status.reason,
        Some(omnicrm_ai::UnavailableReason::MissingApiKey)
    );
    let (result, _) = complete(&harness, question(false)).await;
    assert_eq!(result.unwrap_err().code, ErrorCode::AiUnavailable);
    assert!(harness.provider.received().is_empty());
}

#[tokio::test]
async fn a_local_provider_needs_no_key_and_says_nothing_is_redacted() {
    let harness = Harness::start_with(|settings| {
        settings.location = omnicrm_ai::ProviderLocation::Auto;
    })
    .await;
    harness.assistant.engine.settings().clear_api_key().unwrap();
    harness
        .provider
        .push(Reply::text("Local answer.", usage(1, 1, None)));

    let status = harness.assistant.status().unwrap();
    assert!(status.available);
    assert_eq!(status.provider, omnicrm_ai::ProviderKind::Local);
    assert!(!status.redacts);
    assert!(
        status.privacy.contains("nothing is redacted"),
        "{}",
        status.privacy
    );

    let request = CompletionRequest {
        purpose: "test".to_owned(),
        messages: vec![ChatMessage::user("Mail ann@example.com")],
        ..CompletionRequest::default()
    };
    let (result, _) = complete(&harness, request).await;
    assert_eq!(result.unwrap().content, "Local answer.");
    let received = harness.provider.received();
    assert!(received[0].all_text().contains("ann@example.com"));
    assert_eq!(received[0].authorization, None);
}

#[tokio::test]
async fn a_stream_that_breaks_off_is_retried_and_the_shown_text_is_reset_first() {
    let harness = Harness::start().await;
    harness.provider.push(Reply::truncated_stream(&["Ann is "]));
    harness
        .provider
        .push(Reply::streamed_text(&["Ann is well."], usage(5, 3, None)));

    let (result, events) = complete(&harness, question(true)).await;

    assert_eq!(result.unwrap().content, "Ann is well.");
    assert_eq!(
        events,
        vec![
            StreamEvent::Text("Ann is ".to_owned()),
            StreamEvent::Reset,
            StreamEvent::Text("Ann is well.".to_owned()),
        ]
    );
}

/// Issue 19: a hung model stalled a question for about 9 minutes (the request timeout, per
/// attempt) before the fallback answered. A streamed answer that has not started within the
/// first-token timeout is given up on at once.
#[tokio::test]
async fn a_hung_model_is_given_up_at_the_first_token_timeout_and_the_backup_answers() {
    let harness = Harness::start_with(|settings| {
        settings.fallback_models = vec!["backup-model".to_owned()];
        settings.resilience.max_attempts = 1;
        settings.resilience.first_token_timeout_ms = 300;
        settings.resilience.request_timeout_ms = 5_000;
    })
    .await;
    harness.provider.push(
        Reply::streamed_text(&["Too late."], usage(3, 3, None))
            .for_model("primary-model")
            .delayed(std::time::Duration::from_secs(4)),
    );
    harness.provider.push(
        Reply::streamed_text(&["From ", "the backup."], usage(3, 3, None))
            .for_model("backup-model"),
    );
    let started = std::time::Instant::now();
    let (result, _) = complete(&harness, question(true)).await;
    assert_eq!(result.unwrap().content, "From the backup.");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2_500),
        "took {:?}",
        started.elapsed()
    );
}
