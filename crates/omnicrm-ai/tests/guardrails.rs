//! The guardrails at their exact boundaries, on a real database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/harness.rs"]
mod harness;

use chrono::{Duration, TimeZone, Utc};
use harness::{usage, Harness, Reply};
use omnicrm_ai::guardrails::CallBudget;
use omnicrm_ai::redaction::Redactor;
use omnicrm_ai::wire::{ChatMessage, Usage};
use omnicrm_ai::{AiLimits, CompletionRequest};
use omnicrm_core::ErrorCode;

fn limits(requests_per_minute: u32, daily: f64, monthly: f64, reserve: f64) -> AiLimits {
    AiLimits {
        requests_per_minute,
        daily_cost_cap_usd: daily,
        monthly_credits_usd: monthly,
        reserve_per_request_usd: reserve,
    }
}

/// A call to model `m` whose worst case is nothing (the limits' reserve is what it holds).
fn call() -> CallBudget<'static> {
    CallBudget {
        purpose: "test",
        model: "m",
        worst_case_usd: 0.0,
        hold: None,
    }
}

fn spend(usd: f64) -> Usage {
    Usage {
        prompt_tokens: 10,
        completion_tokens: 10,
        total_tokens: 20,
        cost: Some(usd),
    }
}

#[tokio::test]
async fn the_nth_request_of_a_minute_passes_and_the_next_is_refused_until_the_window_moves() {
    let harness = Harness::start().await;
    let guardrails = harness.assistant.engine.guardrails();
    let limits = limits(3, 100.0, 100.0, 0.0);
    let start = Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap();

    for second in 0..3 {
        guardrails
            .reserve_at(&limits, call(), start + Duration::seconds(second))
            .unwrap();
    }
    let refused = guardrails
        .reserve_at(&limits, call(), start + Duration::seconds(30))
        .unwrap_err();

    assert_eq!(refused.code, ErrorCode::RateLimitedMinute);
    let details = refused.details.unwrap().limit.unwrap();
    assert_eq!((details.limit, details.used), (3.0, 3.0));
    assert_eq!(details.resets_at, "2026-11-22T09:31:00.000Z");
    // Exactly 60 s after the first request, its slot is free again.
    guardrails
        .reserve_at(&limits, call(), start + Duration::seconds(60))
        .unwrap();
}

#[tokio::test]
async fn the_daily_cost_cap_refuses_once_reached_and_resets_at_midnight_utc() {
    let harness = Harness::start().await;
    let guardrails = harness.assistant.engine.guardrails();
    let settings = harness.settings();
    let limits = limits(1000, 0.10, 100.0, 0.0);
    let morning = Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap();

    let first = guardrails.reserve_at(&limits, call(), morning).unwrap();
    guardrails
        .settle(&first, "m", Some(&spend(0.06)), &settings)
        .unwrap();
    let second = guardrails
        .reserve_at(&limits, call(), morning + Duration::minutes(1))
        .unwrap();
    guardrails
        .settle(&second, "m", Some(&spend(0.04)), &settings)
        .unwrap();

    let refused = guardrails
        .reserve_at(&limits, call(), morning + Duration::minutes(2))
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::RateLimitedDailyCost);
    let details = refused.details.unwrap().limit.unwrap();
    assert!((details.used - 0.10).abs() < 1e-9);
    assert_eq!(details.resets_at, "2026-11-23T00:00:00.000Z");

    guardrails
        .reserve_at(
            &limits,
            call(),
            Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap(),
        )
        .unwrap();
}

#[tokio::test]
async fn a_reserve_that_would_pass_the_daily_cap_is_refused_before_the_call() {
    let harness = Harness::start().await;
    let guardrails = harness.assistant.engine.guardrails();
    let settings = harness.settings();
    let limits = limits(1000, 0.10, 100.0, 0.02);
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap();

    let first = guardrails.reserve_at(&limits, call(), now).unwrap();
    guardrails
        .settle(&first, "m", Some(&spend(0.08)), &settings)
        .unwrap();
    // 0.08 + 0.02 = 0.10: still within the cap.
    let second = guardrails.reserve_at(&limits, call(), now).unwrap();
    // While the second call is under way its reserve counts: 0.08 + 0.02 + 0.02 > 0.10.
    let refused = guardrails.reserve_at(&limits, call(), now).unwrap_err();
    assert_eq!(refused.code, ErrorCode::RateLimitedDailyCost);
    guardrails.fail(&second).unwrap();
    guardrails.reserve_at(&limits, call(), now).unwrap();
}

#[tokio::test]
async fn monthly_credits_run_out_across_days_and_return_next_month() {
    let harness = Harness::start().await;
    let guardrails = harness.assistant.engine.guardrails();
    let settings = harness.settings();
    let limits = limits(1000, 1.0, 1.5, 0.0);

    for day in [3, 10, 17] {
        let at = Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap();
        let reservation = guardrails.reserve_at(&limits, call(), at).unwrap();
        guardrails
            .settle(&reservation, "m", Some(&spend(0.5)), &settings)
            .unwrap();
    }
    let refused = guardrails
        .reserve_at(
            &limits,
            call(),
            Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
        )
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::RateLimitedMonthly);
    assert_eq!(
        refused.details.unwrap().limit.unwrap().resets_at,
        "2026-12-01T00:00:00.000Z"
    );
    guardrails
        .reserve_at(
            &limits,
            call(),
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
        )
        .unwrap();
}

#[tokio::test]
async fn two_threads_cannot_both_take_the_last_slot() {
    let harness = Harness::start().await;
    let limits = limits(5, 100.0, 100.0, 0.0);
    let now = Utc::now();
    let guardrails = harness.assistant.engine.guardrails().clone();
    for _ in 0..4 {
        guardrails.reserve_at(&limits, call(), now).unwrap();
    }

    for _round in 0..10 {
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let guardrails = guardrails.clone();
                let limits = limits.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    guardrails.reserve_at(&limits, call(), now)
                })
            })
            .collect();
        let results: Vec<_> = handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect();
        let passed = results.iter().filter(|result| result.is_ok()).count();
        // The first round takes the last slot; every later round is refused entirely.
        assert!(passed <= 1, "both threads passed");
        for refused in results.iter().filter_map(|result| result.as_ref().err()) {
            assert_eq!(refused.code, ErrorCode::RateLimitedMinute);
        }
    }
    let used = guardrails.usage_at(&limits, now).unwrap().minute.used;
    assert_eq!(used, 5.0);
}

#[tokio::test]
async fn a_refused_call_never_reaches_the_provider_and_the_usage_shows_the_limits() {
    let harness = Harness::start_with(|settings| {
        settings.limits.requests_per_minute = 1;
    })
    .await;
    harness
        .provider
        .push(Reply::text("one", usage(5, 5, Some(0.01))));
    harness
        .provider
        .push(Reply::text("two", usage(5, 5, Some(0.01))));
    let request = || CompletionRequest {
        purpose: "chat".to_owned(),
        messages: vec![ChatMessage::user("hi")],
        ..CompletionRequest::default()
    };
    let engine = &harness.assistant.engine;

    engine
        .complete(request(), &mut Redactor::new(), &mut |_| {})
        .await
        .unwrap();
    let refused = engine
        .complete(request(), &mut Redactor::new(), &mut |_| {})
        .await
        .unwrap_err();

    assert_eq!(refused.code, ErrorCode::RateLimitedMinute);
    assert_eq!(harness.provider.received().len(), 1);
    let summary = harness.assistant.usage().unwrap();
    assert_eq!((summary.minute.limit, summary.minute.used), (1.0, 1.0));
    assert!((summary.today.used - 0.01).abs() < 1e-9);
    assert!((summary.month.used - 0.01).abs() < 1e-9);
    assert_eq!(summary.by_model.len(), 1);
    assert_eq!(summary.by_model[0].model, "primary-model");
    assert_eq!(summary.by_model[0].prompt_tokens, 5);
}

/// Issue 19: a limit of 0 answered "6 of 0 AI requests in the last minute". A limit of 0
/// turns AI requests off, and the refusal says that.
#[tokio::test]
async fn a_limit_of_zero_says_ai_requests_are_off() {
    let harness = Harness::start().await;
    let guardrails = harness.assistant.engine.guardrails();
    let start = Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap();
    for _ in 0..6 {
        guardrails
            .reserve_at(&limits(10, 100.0, 100.0, 0.0), call(), start)
            .unwrap();
    }
    for (off, code) in [
        (limits(0, 100.0, 100.0, 0.0), ErrorCode::RateLimitedMinute),
        (limits(10, 0.0, 100.0, 0.0), ErrorCode::RateLimitedDailyCost),
        (limits(10, 100.0, 0.0, 0.0), ErrorCode::RateLimitedMonthly),
    ] {
        let refused = guardrails
            .reserve_at(&off, call(), start + Duration::seconds(1))
            .unwrap_err();
        assert_eq!(refused.code, code);
        assert!(
            refused.message.starts_with("AI requests are turned off"),
            "{}",
            refused.message
        );
        assert!(!refused.message.contains("of 0"), "{}", refused.message);
    }
}

/// Issue 19: `ai status` said "available" while the per-minute limit refused every question.
#[tokio::test]
async fn the_status_says_the_assistant_waits_while_a_limit_refuses_or_is_zero() {
    let harness = Harness::start_with(|settings| settings.limits.requests_per_minute = 2).await;
    assert!(harness.assistant.engine.status().unwrap().available);
    let guardrails = harness.assistant.engine.guardrails();
    let limits = harness.settings().limits;
    for _ in 0..2 {
        guardrails.reserve(&limits, call()).unwrap();
    }
    let status = harness.assistant.engine.status().unwrap();
    assert!(!status.available);
    assert_eq!(
        status.reason,
        Some(omnicrm_ai::UnavailableReason::LimitReached)
    );
    let message = status.message.unwrap();
    assert!(message.contains("per minute is reached"), "{message}");

    harness.update_settings(|settings| {
        settings.limits.requests_per_minute = 10;
        settings.limits.daily_cost_cap_usd = 0.0;
    });
    let status = harness.assistant.engine.status().unwrap();
    assert_eq!(
        status.reason,
        Some(omnicrm_ai::UnavailableReason::LimitReached)
    );
    assert!(status.message.unwrap().contains("set to zero"));
}
