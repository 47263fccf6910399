//! Secrets logged through tracing never reach the log file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn secrets_are_redacted_in_the_written_log_file() {
    let directory = tempfile::tempdir().unwrap();
    let (subscriber, guard) = omnicrm_logging::file_subscriber(directory.path(), "test").unwrap();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(
            authorization = "Bearer ya29.super-secret-access-token",
            "calling the Gmail API"
        );
        tracing::warn!(
            "token refresh answered {{\"access_token\": \"ya29.another-secret-value\", \"refresh_token\": \"1//refresh-secret-value\"}}"
        );
        tracing::info!(api_key = %"sk-or-v1-abcdefghijklmnopqrstuvwxyz", model = "openrouter/auto", "AI request");
        tracing::info!(contacts = 42, "listed contacts");
    });
    drop(guard);

    let mut text = String::new();
    for entry in std::fs::read_dir(directory.path()).unwrap() {
        text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert_eq!(text.lines().count(), 4, "{text}");
    for secret in [
        "super-secret-access-token",
        "another-secret-value",
        "refresh-secret-value",
        "abcdefghijklmnopqrstuvwxyz",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into: {text}");
    }
    assert!(text.contains("[REDACTED]"));
    assert!(text.contains("listed contacts"));
    assert!(text.contains("openrouter/auto"));
    for line in text.lines() {
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
        assert!(parsed.is_ok(), "not a JSON line: {line}");
    }
}
