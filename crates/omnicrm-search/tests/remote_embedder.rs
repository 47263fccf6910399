//! The remote embedder against a local server speaking the OpenAI embeddings format, including
//! 429 and 500 answers and a refused key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

mod common;

use omnicrm_core::ErrorCode;
use omnicrm_search::{
    probe_remote, Embedder, EmbedderSettings, EmbedderSettingsStore, EmbedderSource, ModeNotice,
    RemoteEmbedder, RemoteEmbedderConfig, SearchMode, SearchRequest, SearchService,
};
use omnicrm_secrets::{ExposeSecret, SecretString};

/// How the fake endpoint answers: `failures` errors with `status` first, then embeddings.
#[derive(Clone)]
struct Behaviour {
    status: StatusCode,
    failures: u32,
    calls: Arc<AtomicU32>,
}

async fn serve(behaviour: Behaviour) -> String {
    let app = Router::new().route(
        "/v1/embeddings",
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let behaviour = behaviour.clone();
            async move { answer(&behaviour, &headers, &body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/v1")
}

fn answer(behaviour: &Behaviour, headers: &HeaderMap, body: &Value) -> Response {
    let call = behaviour.calls.fetch_add(1, Ordering::SeqCst);
    if headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        != Some("Bearer test-key")
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"message": "bad key"}})),
        )
            .into_response();
    }
    if call < behaviour.failures {
        let mut response = (
            behaviour.status,
            Json(json!({"error": {"message": "try later"}})),
        )
            .into_response();
        if behaviour.status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert("retry-after", "0".parse().unwrap());
        }
        return response;
    }
    assert_eq!(body["model"], "text-embedding-test");
    let inputs = body["input"].as_array().cloned().unwrap_or_default();
    // Answered out of order, with `index`, as the API allows.
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .rev()
        .map(|(index, text)| {
            let length = text.as_str().unwrap_or_default().len() as f32;
            json!({"object": "embedding", "index": index, "embedding": [length, 1.0, 0.0]})
        })
        .collect();
    Json(
        json!({"object": "list", "data": data, "model": "text-embedding-test",
                "usage": {"prompt_tokens": 3, "total_tokens": 3}}),
    )
    .into_response()
}

fn embedder(base_url: &str, key: &str) -> RemoteEmbedder {
    let mut config = RemoteEmbedderConfig::new(base_url, "text-embedding-test", 3);
    config.api_key = Some(key.to_owned());
    config.retry_base = Duration::from_millis(5);
    config.attempts = 3;
    RemoteEmbedder::new(config).unwrap()
}

fn behaviour(status: StatusCode, failures: u32) -> Behaviour {
    Behaviour {
        status,
        failures,
        calls: Arc::new(AtomicU32::new(0)),
    }
}

#[tokio::test]
async fn vectors_come_back_in_input_order_and_normalised() {
    let base_url = serve(behaviour(StatusCode::OK, 0)).await;
    let remote = embedder(&base_url, "test-key");
    assert!(remote.is_remote());
    let texts = vec!["abc".to_owned(), "a".to_owned()];
    let vectors = remote.embed(&texts).await.unwrap();
    assert_eq!(vectors.len(), 2);
    let expected_first = [3.0f32 / 10f32.sqrt(), 1.0 / 10f32.sqrt(), 0.0];
    for (got, want) in vectors[0].iter().zip(expected_first) {
        assert!((got - want).abs() < 1e-6, "{:?}", vectors[0]);
    }
    assert!(
        (vectors[1][0] - vectors[1][1]).abs() < 1e-6,
        "{:?}",
        vectors[1]
    );
}

#[tokio::test]
async fn a_429_is_retried_and_then_succeeds() {
    let behaviour = behaviour(StatusCode::TOO_MANY_REQUESTS, 2);
    let calls = behaviour.calls.clone();
    let base_url = serve(behaviour).await;
    let vectors = embedder(&base_url, "test-key")
        .embed(&["x".to_owned()])
        .await
        .unwrap();
    assert_eq!(vectors.len(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn persistent_429_is_rate_limited_and_500_is_network() {
    let base_url = serve(behaviour(StatusCode::TOO_MANY_REQUESTS, 100)).await;
    let error = embedder(&base_url, "test-key")
        .embed(&["x".to_owned()])
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::RateLimited);

    let failing = behaviour(StatusCode::INTERNAL_SERVER_ERROR, 100);
    let calls = failing.calls.clone();
    let base_url = serve(failing).await;
    let error = embedder(&base_url, "test-key")
        .embed(&["x".to_owned()])
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Network);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "tried the configured number of times"
    );
}

#[tokio::test]
async fn a_refused_key_is_auth_required_without_retrying() {
    let refusing = behaviour(StatusCode::OK, 0);
    let calls = refusing.calls.clone();
    let base_url = serve(refusing).await;
    let error = embedder(&base_url, "wrong-key")
        .embed(&["x".to_owned()])
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::AuthRequired);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let error = embedder(&format!("http://{address}/v1"), "test-key")
        .embed(&["x".to_owned()])
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Network);
}

#[test]
fn the_embedder_is_the_local_model_until_chosen_and_bad_remote_fields_are_named() {
    let (directory, core) = common::open_core();
    let store = EmbedderSettingsStore::new(core.database.clone(), directory.path());
    assert_eq!(store.load().unwrap().source, EmbedderSource::Local);

    let error = store
        .save(&EmbedderSettings {
            source: EmbedderSource::Remote,
            base_url: "ftp://example.com".into(),
            model: " ".into(),
            dimensions: 0,
            api_key_backend: None,
        })
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    let fields: Vec<String> = error
        .details
        .unwrap()
        .fields
        .into_iter()
        .map(|field| field.field)
        .collect();
    assert_eq!(fields, ["base_url", "model", "dimensions"]);
    // The local model needs none of them.
    store
        .save(&EmbedderSettings {
            source: EmbedderSource::Local,
            model: String::new(),
            ..EmbedderSettings::default()
        })
        .unwrap();
}

#[tokio::test]
async fn a_chosen_remote_endpoint_with_its_key_in_the_secret_store_becomes_the_search_embedder() {
    std::env::set_var(omnicrm_secrets::STORAGE_ENV, "encrypted_file");
    let base_url = serve(behaviour(StatusCode::OK, 0)).await;
    let (directory, core) = common::open_core();
    let store = EmbedderSettingsStore::new(core.database.clone(), directory.path());
    let settings = store
        .save(&EmbedderSettings {
            source: EmbedderSource::Remote,
            base_url: format!("{base_url}/"),
            model: "text-embedding-test".into(),
            dimensions: 3,
            api_key_backend: None,
        })
        .unwrap();
    assert_eq!(settings.base_url, base_url, "the trailing slash is dropped");

    // Without the key the endpoint refuses, and the probe says so.
    let refused = probe_remote(&settings, None).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::AuthRequired);
    store
        .set_api_key(&SecretString::from("test-key".to_owned()))
        .unwrap();
    let settings = store.load().unwrap();
    let key = store.api_key(&settings).unwrap().unwrap();
    assert_eq!(key.expose_secret(), "test-key");
    let stored: String = core
        .database
        .read(|connection| {
            Ok(connection.query_row(
                "SELECT value FROM settings WHERE key = 'search.embedder'",
                [],
                |row| row.get(0),
            )?)
        })
        .unwrap();
    assert!(
        !stored.contains("test-key"),
        "the key is not in the database: {stored}"
    );
    let probe = probe_remote(&settings, Some(&key)).await.unwrap();
    assert_eq!(probe.dimensions, 3);
    assert_eq!(
        probe.model_id,
        format!("remote:text-embedding-test@{base_url}")
    );
    // Stating the wrong length is caught by the probe, not by the first search.
    let wrong = EmbedderSettings {
        dimensions: 768,
        ..settings.clone()
    };
    let mismatch = probe_remote(&wrong, Some(&key)).await.unwrap_err();
    assert!(
        mismatch.message.contains("3 dimensions, expected 768"),
        "{}",
        mismatch.message
    );

    // The service built from the settings embeds remotely: no model weights are needed.
    let no_models = directory.path().join("no-models");
    let search = SearchService::from_settings(core.database.clone(), &no_models, &store).unwrap();
    assert_eq!(search.embedder().unwrap().model_id(), probe.model_id);
    let response = search
        .search(SearchRequest {
            text: "anything".into(),
            mode: SearchMode::Semantic,
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(response.mode_used, SearchMode::Semantic);

    // Back to the local model, which is not installed here: keyword search, saying why.
    store
        .save(&EmbedderSettings {
            source: EmbedderSource::Local,
            ..settings
        })
        .unwrap();
    let search = SearchService::from_settings(core.database.clone(), &no_models, &store).unwrap();
    assert!(search.embedder().is_none());
    let response = search
        .search(SearchRequest {
            text: "anything".into(),
            mode: SearchMode::Hybrid,
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(
        response.notice.map(|notice| notice.reason),
        Some(ModeNotice::ModelMissing)
    );
}
