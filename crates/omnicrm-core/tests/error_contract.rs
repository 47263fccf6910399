//! The JSON of every error code is a contract with the UI and the CLI's --json output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_core::{Error, ErrorCode, FieldError, LimitDetails};
use serde_json::json;

fn json_of(error: &Error) -> serde_json::Value {
    serde_json::to_value(error).unwrap()
}

#[test]
fn validation_failed_names_each_field() {
    let error = Error::validation(vec![
        FieldError::new("display_name", "is required"),
        FieldError::new("emails[0].address", "is not a valid email address"),
    ]);
    assert_eq!(
        json_of(&error),
        json!({
            "code": "validation_failed",
            "message": "2 fields are invalid",
            "details": {"fields": [
                {"field": "display_name", "message": "is required"},
                {"field": "emails[0].address", "message": "is not a valid email address"}
            ]}
        })
    );
}

#[test]
fn a_single_invalid_field_is_named_in_the_message() {
    let error = Error::invalid_field("date_of_birth", "cannot be in the future");
    assert_eq!(error.message, "date_of_birth cannot be in the future");
}

#[test]
fn each_code_serializes_to_its_pinned_name() {
    let pinned = [
        (ErrorCode::ValidationFailed, "validation_failed"),
        (ErrorCode::NotFound, "not_found"),
        (ErrorCode::Conflict, "conflict"),
        (ErrorCode::UndoUnavailable, "undo_unavailable"),
        (ErrorCode::SchemaTooNew, "schema_too_new"),
        (ErrorCode::Database, "database"),
        (ErrorCode::Io, "io"),
        (ErrorCode::Internal, "internal"),
        (ErrorCode::AuthRequired, "auth_required"),
        (ErrorCode::Network, "network"),
        (ErrorCode::RateLimited, "rate_limited"),
        (ErrorCode::Cancelled, "cancelled"),
        (ErrorCode::RateLimitedMinute, "rate_limited_minute"),
        (ErrorCode::RateLimitedDailyCost, "rate_limited_daily_cost"),
        (ErrorCode::RateLimitedMonthly, "rate_limited_monthly"),
        (ErrorCode::AiUnavailable, "ai_unavailable"),
        (ErrorCode::TooLarge, "too_large"),
        (ErrorCode::EncryptionKeyMissing, "encryption_key_missing"),
        (ErrorCode::EncryptionKeyWrong, "encryption_key_wrong"),
    ];
    for (code, name) in pinned {
        let error = Error::new(code, "message text");
        assert_eq!(
            json_of(&error),
            json!({"code": name, "message": "message text", "details": null})
        );
    }
}

#[test]
fn not_found_names_the_entity_and_id() {
    assert_eq!(
        json_of(&Error::not_found("contact", "0190-abc")),
        json!({"code": "not_found", "message": "contact 0190-abc was not found", "details": null})
    );
}

#[test]
fn errors_round_trip_through_json() {
    let error = Error::invalid_field("phones[1].number", "is not a phone number");
    let back: Error = serde_json::from_value(json_of(&error)).unwrap();
    assert_eq!(back, error);
}

#[test]
fn a_guardrail_limit_carries_the_limit_the_amount_used_and_the_reset_time() {
    let error = Error::limit_reached(
        ErrorCode::RateLimitedMinute,
        "20 of 20 AI requests this minute",
        LimitDetails {
            limit: 20.0,
            used: 20.0,
            resets_at: "2026-11-22T09:31:00.000Z".to_owned(),
        },
    );
    assert_eq!(
        json_of(&error),
        json!({
            "code": "rate_limited_minute",
            "message": "20 of 20 AI requests this minute",
            "details": {"fields": [], "limit": {
                "limit": 20.0, "used": 20.0, "resets_at": "2026-11-22T09:31:00.000Z"
            }}
        })
    );
}
