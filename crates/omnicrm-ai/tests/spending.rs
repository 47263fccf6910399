//! Issue 19, "Spending and waiting": the assistant never spends past a cost cap, whatever the
//! provider reports, however many rounds a question takes, and however many callers share the
//! budget.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/harness.rs"]
mod harness;

use chrono::{Duration, TimeZone, Utc};
use harness::{usage, Harness, Reply};
use omnicrm_ai::guardrails::{CallBudget, QuestionBudget};
use omnicrm_ai::redaction::Redactor;
use omnicrm_ai::wire::{ChatMessage, Usage};
use omnicrm_ai::{AiLimits, CompletionRequest, ModelPrice, UnavailableReason};
use omnicrm_core::ErrorCode;
use serde_json::json;

fn question() -> CompletionRequest {
    CompletionRequest {
        purpose: "test".to_owned(),
        messages: vec![ChatMessage::user("How is Ann doing?")],
        ..CompletionRequest::default()
    }
}

fn price(model: &str, prompt: f64, completion: f64) -> ModelPrice {
    ModelPrice {
        model: model.to_owned(),
        prompt_usd_per_million: prompt,
        completion_usd_per_million: completion,
    }
}

/// Issue 19: "$0.1220 of $0.10 used". A call reserved a flat amount (nothing, when the reserve
/// was zero) and cost what it cost, so the last call before the cap went past it. Each call now
/// holds its worst case, and the one that could pass the cap is not sent.
#[tokio::test]
async fn cost_caps_overshoot_no_more_each_call_holds_its_worst_case() {
    let harness = Harness::start_with(|settings| {
        settings.limits.daily_cost_cap_usd = 0.10;
        settings.prices = vec![price("primary-model", 1.0, 10.0)];
    })
    .await;
    // Every reply is nearly as long as allowed and the provider reports no cost: each call
    // costs 100 × $1/M + 2000 × $10/M = $0.0201 at the model's price.
    for _ in 0..10 {
        harness
            .provider
            .push(Reply::text("a long answer", usage(100, 2000, None)));
    }

    let mut refused = None;
    for _ in 0..10 {
        let result = harness
            .assistant
            .engine
            .complete(question(), &mut Redactor::new(), &mut |_| {})
            .await;
        if let Err(error) = result {
            refused = Some(error);
            break;
        }
    }

    let refused = refused.expect("the cap refused a call");
    assert_eq!(refused.code, ErrorCode::RateLimitedDailyCost);
    assert!(
        refused.message.contains("could cost up to"),
        "{}",
        refused.message
    );
    let today = harness.assistant.usage().unwrap().today;
    assert!(today.used <= 0.10, "${} of $0.10 used", today.used);
    assert_eq!(harness.provider.received().len(), 4);
    // The reply may not be longer than what was held for it.
    assert_eq!(
        harness.provider.received()[0].body["max_tokens"],
        json!(2048)
    );
}

/// Issue 19: the caps did nothing when the provider reports no cost (OpenAI, Ollama behind a
/// proxy): the call was recorded as costing nothing. It is now charged at the model's price
/// from the built-in table.
#[tokio::test]
async fn a_provider_that_reports_no_cost_is_charged_at_the_models_price() {
    let harness = Harness::start_with(|settings| {
        settings.model = "openai/gpt-4o-mini".to_owned();
        settings.prices = Vec::new();
    })
    .await;
    harness
        .provider
        .push(Reply::text("Ann is well.", usage(1000, 1000, None)));

    harness
        .assistant
        .engine
        .complete(question(), &mut Redactor::new(), &mut |_| {})
        .await
        .unwrap();

    let ledger = harness.assistant.engine.guardrails().ledger(1).unwrap();
    assert_eq!(ledger[0].cost_source, "price_table");
    // 1000 × $0.15/M + 1000 × $0.60/M.
    assert!(
        (ledger[0].cost_usd - 0.00075).abs() < 1e-9,
        "{}",
        ledger[0].cost_usd
    );
}

/// Issue 19: with no price and no reported cost, a cap could not be kept, yet the call went
/// out. It is refused before it leaves, saying how to set a price; the status says so too.
#[tokio::test]
async fn a_model_without_a_price_is_refused_with_how_to_set_one() {
    let harness = Harness::start_with(|settings| {
        settings.model = "someone/brand-new-model".to_owned();
        settings.prices = Vec::new();
    })
    .await;
    harness
        .provider
        .push(Reply::text("never sent", usage(10, 10, None)));

    let refused = harness
        .assistant
        .engine
        .complete(question(), &mut Redactor::new(), &mut |_| {})
        .await
        .unwrap_err();

    assert_eq!(refused.code, ErrorCode::AiUnavailable);
    assert!(
        refused.message.contains("someone/brand-new-model")
            && refused
                .message
                .contains("omnicrm ai config --price someone/brand-new-model=INPUT/OUTPUT"),
        "{}",
        refused.message
    );
    assert!(harness.provider.received().is_empty());
    let status = harness.assistant.status().unwrap();
    assert!(!status.available);
    assert_eq!(status.reason, Some(UnavailableReason::PriceUnknown));

    // A price set by the user lets it through.
    harness.update_settings(|settings| {
        settings.prices = vec![price("someone/brand-new-model", 0.5, 1.5)];
    });
    harness
        .assistant
        .engine
        .complete(question(), &mut Redactor::new(), &mut |_| {})
        .await
        .unwrap();
}

/// A local provider (Ollama, LM Studio) costs nothing: no price needed, nothing held.
#[tokio::test]
async fn a_local_provider_needs_no_price_and_costs_nothing() {
    let harness = Harness::start_with(|settings| {
        settings.location = omnicrm_ai::ProviderLocation::Local;
        settings.model = "llama3.2".to_owned();
        settings.prices = Vec::new();
        settings.limits.daily_cost_cap_usd = 0.000_001;
    })
    .await;
    harness
        .provider
        .push(Reply::text("Ann is well.", usage(1000, 1000, None)));

    harness
        .assistant
        .engine
        .complete(question(), &mut Redactor::new(), &mut |_| {})
        .await
        .unwrap();

    assert_eq!(harness.assistant.usage().unwrap().today.used, 0.0);
}

/// Issue 19: a question spends up to five requests (one per tool round) and was refused at its
/// third round after paying for two. The whole question's worst case is now checked — and set
/// aside — before its first request, and the refusal says why.
#[tokio::test]
async fn a_question_that_cannot_afford_all_its_rounds_is_refused_before_the_first() {
    let harness = Harness::start_with(|settings| {
        settings.limits.daily_cost_cap_usd = 0.05;
    })
    .await;
    for _ in 0..4 {
        harness.provider.push(Reply::tool_call(
            "call_1",
            "list_tasks",
            json!({}),
            usage(10, 10, Some(0.025)),
        ));
    }
    harness
        .provider
        .push(Reply::streamed_text(&["Done."], usage(10, 10, Some(0.025))));

    let refused = harness
        .assistant
        .ask(None, "What is due today?", "2026-11-22", &mut |_| {})
        .await
        .unwrap_err();

    assert_eq!(refused.code, ErrorCode::RateLimitedDailyCost);
    assert!(
        refused
            .message
            .starts_with("A question can take up to 5 AI requests"),
        "{}",
        refused.message
    );
    assert_eq!(harness.provider.received().len(), 0);
    assert_eq!(harness.assistant.usage().unwrap().today.used, 0.0);
    assert!(harness.assistant.chat.threads().unwrap().is_empty());
}

/// Once a question is allowed, another caller spending what is left cannot stop it halfway:
/// its rounds draw on what it set aside. What it did not use is free again when it ends.
#[tokio::test]
async fn a_question_once_allowed_is_not_refused_at_a_later_round_by_another_caller() {
    let harness = Harness::start().await;
    let guardrails = harness.assistant.engine.guardrails();
    let settings = harness.settings();
    let limits = AiLimits {
        requests_per_minute: 100,
        daily_cost_cap_usd: 0.10,
        monthly_credits_usd: 10.0,
        reserve_per_request_usd: 0.0,
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap();
    let call = |worst_case_usd, hold| CallBudget {
        purpose: "test",
        model: "m",
        worst_case_usd,
        hold,
    };
    let hold = guardrails
        .hold_at(
            &limits,
            QuestionBudget {
                purpose: "chat",
                requests: 5,
                worst_case_usd: 0.05,
                lasts: Duration::minutes(30),
            },
            now,
        )
        .unwrap();

    // Another caller takes the rest of the day's cap.
    let other = guardrails
        .reserve_at(&limits, call(0.05, None), now)
        .unwrap();
    let refused = guardrails
        .reserve_at(&limits, call(0.01, None), now)
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::RateLimitedDailyCost);

    // The question's five rounds still go out.
    for _ in 0..5 {
        let round = guardrails
            .reserve_at(&limits, call(0.01, Some(&hold)), now)
            .unwrap();
        guardrails
            .settle(&round, "m", Some(&cost(0.004)), &settings)
            .unwrap();
    }
    // But not past what it set aside while the cap is full.
    guardrails
        .reserve_at(&limits, call(0.04, Some(&hold)), now)
        .unwrap_err();

    guardrails
        .settle(&other, "m", Some(&cost(0.05)), &settings)
        .unwrap();
    guardrails.release(&hold).unwrap();
    let today = guardrails.usage_at(&limits, now).unwrap().today;
    assert!((today.used - 0.07).abs() < 1e-9, "{}", today.used);
}

/// A question allowed just before midnight UTC whose rounds run after it is paid from the day
/// it was allowed in: the new day's cap was never checked for it.
#[tokio::test]
async fn a_question_running_past_midnight_is_paid_from_the_day_it_was_allowed_in() {
    let harness = Harness::start().await;
    let guardrails = harness.assistant.engine.guardrails();
    let settings = harness.settings();
    let limits = AiLimits {
        requests_per_minute: 100,
        daily_cost_cap_usd: 0.10,
        monthly_credits_usd: 10.0,
        reserve_per_request_usd: 0.0,
    };
    let evening = Utc.with_ymd_and_hms(2026, 11, 22, 23, 59, 50).unwrap();
    let morning = evening + Duration::seconds(20);
    let hold = guardrails
        .hold_at(
            &limits,
            QuestionBudget {
                purpose: "chat",
                requests: 5,
                worst_case_usd: 0.05,
                lasts: Duration::minutes(30),
            },
            evening,
        )
        .unwrap();
    let call = CallBudget {
        purpose: "chat",
        model: "m",
        worst_case_usd: 0.01,
        hold: Some(&hold),
    };
    let round = guardrails.reserve_at(&limits, call, morning).unwrap();
    guardrails
        .settle(&round, "m", Some(&cost(0.01)), &settings)
        .unwrap();
    guardrails.release(&hold).unwrap();

    let next_day = guardrails.usage_at(&limits, morning).unwrap();
    assert_eq!(next_day.today.used, 0.0);
    assert!((next_day.month.used - 0.01).abs() < 1e-9);
    let day_before = guardrails.usage_at(&limits, evening).unwrap();
    assert!((day_before.today.used - 0.01).abs() < 1e-9);
}

fn cost(usd: f64) -> Usage {
    Usage {
        prompt_tokens: 10,
        completion_tokens: 10,
        total_tokens: 20,
        cost: Some(usd),
    }
}

mod concurrent {
    //! Issue 19: no sequence of questions, asked at once from threads and from two handles on
    //! one data folder (standing for the app and the CLI), spends past a cap.

    use std::thread;

    use chrono::{Duration, TimeZone, Utc};
    use omnicrm_ai::guardrails::{CallBudget, Guardrails, QuestionBudget};
    use omnicrm_ai::wire::Usage;
    use omnicrm_ai::{AiLimits, AiSettings, ModelPrice};
    use omnicrm_core::Core;
    use proptest::prelude::*;

    /// Micro-dollars per completion token of model `m` ($2 per million).
    const COMPLETION_MICROS_PER_TOKEN: u64 = 2;

    #[derive(Debug, Clone)]
    struct Question {
        /// Rounds it takes before it answers.
        rounds: u32,
        /// The worst case of each round, in micro-dollars.
        round_worst_micros: u64,
        /// What a round really costs, as a share of its worst case.
        spent_share: f64,
        /// Sets its worst case aside first (a chat question), or calls round by round.
        holds: bool,
        /// The provider reports the cost; else it is priced from the tokens.
        reports_cost: bool,
        /// The round that fails (the provider errs), if any.
        failing_round: Option<u32>,
    }

    fn question() -> impl Strategy<Value = Question> {
        (
            1u32..=5,
            500u64..30_000,
            0.0f64..=1.0,
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(0u32..5),
        )
            .prop_map(
                |(rounds, round_worst_micros, spent_share, holds, reports_cost, failing_round)| {
                    Question {
                        rounds,
                        round_worst_micros,
                        spent_share,
                        holds,
                        reports_cost,
                        failing_round,
                    }
                },
            )
    }

    fn settings() -> AiSettings {
        AiSettings {
            prices: vec![ModelPrice {
                model: "m".to_owned(),
                prompt_usd_per_million: 1.0,
                completion_usd_per_million: COMPLETION_MICROS_PER_TOKEN as f64,
            }],
            ..AiSettings::default()
        }
    }

    fn ask(guardrails: &Guardrails, limits: &AiLimits, question: &Question) {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let worst_case_usd = question.round_worst_micros as f64 / 1_000_000.0;
        let hold = if question.holds {
            let budget = QuestionBudget {
                purpose: "chat",
                requests: 5,
                worst_case_usd: worst_case_usd * 5.0,
                lasts: Duration::minutes(30),
            };
            match guardrails.hold_at(limits, budget, now) {
                Ok(hold) => Some(hold),
                Err(_refused) => return,
            }
        } else {
            None
        };
        for round in 0..question.rounds {
            let call = CallBudget {
                purpose: "chat",
                model: "m",
                worst_case_usd,
                hold: hold.as_ref(),
            };
            let Ok(reservation) = guardrails.reserve_at(limits, call, now) else {
                break;
            };
            if question.failing_round == Some(round) {
                guardrails.fail(&reservation).unwrap();
                break;
            }
            let spent_micros =
                (question.round_worst_micros as f64 * question.spent_share).floor() as u64;
            let usage = if question.reports_cost {
                Usage {
                    cost: Some(spent_micros as f64 / 1_000_000.0),
                    ..Usage::default()
                }
            } else {
                Usage {
                    completion_tokens: spent_micros / COMPLETION_MICROS_PER_TOKEN,
                    ..Usage::default()
                }
            };
            guardrails
                .settle(&reservation, "m", Some(&usage), &settings())
                .unwrap();
        }
        if let Some(hold) = hold {
            guardrails.release(&hold).unwrap();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn no_sequence_of_concurrent_questions_passes_a_cost_cap(
            daily_micros in 5_000u64..120_000,
            monthly_micros in 5_000u64..120_000,
            questions in proptest::collection::vec(question(), 1..20),
        ) {
            let directory = tempfile::tempdir().unwrap();
            // Two handles on one data folder: two processes' worth of connections and locks.
            let app = Core::open(directory.path()).unwrap();
            let command_line = Core::open(directory.path()).unwrap();
            let limits = AiLimits {
                requests_per_minute: 1000,
                daily_cost_cap_usd: daily_micros as f64 / 1_000_000.0,
                monthly_credits_usd: monthly_micros as f64 / 1_000_000.0,
                reserve_per_request_usd: 0.0,
            };
            let workers: Vec<_> = (0..4)
                .map(|worker| {
                    let core = if worker % 2 == 0 { &app } else { &command_line };
                    let guardrails = Guardrails::new(core.database.clone());
                    let limits = limits.clone();
                    let mine: Vec<Question> =
                        questions.iter().skip(worker).step_by(4).cloned().collect();
                    thread::spawn(move || {
                        for question in &mine {
                            ask(&guardrails, &limits, question);
                        }
                    })
                })
                .collect();
            for worker in workers {
                worker.join().unwrap();
            }

            let spent: i64 = app
                .database
                .read(|connection| {
                    Ok(connection.query_row(
                        "SELECT COALESCE(SUM(cost_micros), 0) FROM ai_usage", [], |row| row.get(0),
                    )?)
                })
                .unwrap();
            let cap = daily_micros.min(monthly_micros) as i64;
            prop_assert!(spent <= cap, "{} micro-dollars spent, the cap is {}", spent, cap);
            let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
            let usage = Guardrails::new(app.database.clone()).usage_at(&limits, now).unwrap();
            prop_assert!(usage.today.used <= limits.daily_cost_cap_usd);
            prop_assert!(usage.month.used <= limits.monthly_credits_usd);
        }
    }
}
