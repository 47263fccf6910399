//! Fetching the model's files: from a local HTTP server standing in for their usual home, and
//! from a local copy. Hashes are checked and nothing partial is left in place.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use omnicrm_core::ErrorCode;
use omnicrm_search::models::{self, ModelFile, ModelSpec};

const CONFIG: &[u8] = b"{\"hidden_size\": 384}";
const WEIGHTS: &[u8] = &[7u8; 300_000];

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn spec(weights_hash: String) -> ModelSpec {
    ModelSpec {
        directory: "tiny-model".to_owned(),
        files: vec![
            ModelFile {
                name: "config.json".into(),
                sha256: sha256(CONFIG),
                size: CONFIG.len() as u64,
            },
            ModelFile {
                name: "model.safetensors".into(),
                sha256: weights_hash,
                size: WEIGHTS.len() as u64,
            },
        ],
    }
}

/// Serves the files under `/resolve/main/`; `model.safetensors` is served tampered when asked.
async fn serve(tampered: bool) -> String {
    let app = Router::new().route(
        "/resolve/main/{name}",
        get(move |Path(name): Path<String>| async move {
            match name.as_str() {
                "config.json" => Ok(CONFIG.to_vec()),
                "model.safetensors" if tampered => {
                    let mut bytes = WEIGHTS.to_vec();
                    bytes[1000] ^= 1;
                    Ok(bytes)
                }
                "model.safetensors" => Ok(WEIGHTS.to_vec()),
                _ => Err(StatusCode::NOT_FOUND),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/resolve/main")
}

#[tokio::test]
async fn a_fetch_checks_hashes_reports_progress_and_installs_atomically() {
    let base_url = serve(false).await;
    let models_dir = tempfile::tempdir().unwrap();
    let spec = spec(sha256(WEIGHTS));
    let last = Arc::new(AtomicU64::new(0));
    let seen = last.clone();
    let installed = models::fetch(models_dir.path(), &spec, &base_url, move |progress| {
        assert!(progress.done_bytes <= progress.total_bytes);
        seen.store(progress.done_bytes, Ordering::SeqCst);
    })
    .await
    .unwrap();
    assert_eq!(
        last.load(Ordering::SeqCst),
        (CONFIG.len() + WEIGHTS.len()) as u64
    );
    assert_eq!(
        std::fs::read(installed.join("model.safetensors")).unwrap(),
        WEIGHTS
    );
    assert!(models::is_installed(models_dir.path(), &spec));
}

#[tokio::test]
async fn a_download_that_does_not_match_its_hash_is_rejected_and_removed() {
    let base_url = serve(true).await;
    let models_dir = tempfile::tempdir().unwrap();
    let spec = spec(sha256(WEIGHTS));
    let error = models::fetch(models_dir.path(), &spec, &base_url, |_| {})
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Network);
    assert!(error.message.contains("SHA-256"), "{}", error.message);
    assert!(!models::is_installed(models_dir.path(), &spec));
    let left: Vec<_> = std::fs::read_dir(models_dir.path()).unwrap().collect();
    assert!(left.is_empty(), "no partial download is left: {left:?}");
}

#[tokio::test]
async fn a_missing_file_on_the_server_fails_with_nothing_installed() {
    let base_url = serve(false).await;
    let models_dir = tempfile::tempdir().unwrap();
    let mut spec = spec(sha256(WEIGHTS));
    spec.files.push(ModelFile {
        name: "tokenizer.json".into(),
        sha256: sha256(b""),
        size: 0,
    });
    let error = models::fetch(models_dir.path(), &spec, &base_url, |_| {})
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Network);
    assert!(std::fs::read_dir(models_dir.path())
        .unwrap()
        .next()
        .is_none());
}

#[test]
fn installing_from_a_local_copy_checks_hashes_too() {
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("config.json"), CONFIG).unwrap();
    std::fs::write(source.path().join("model.safetensors"), WEIGHTS).unwrap();
    let models_dir = tempfile::tempdir().unwrap();

    let wrong = spec(sha256(b"something else"));
    let error = models::install_from_dir(models_dir.path(), &wrong, source.path()).unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert_eq!(error.field_errors()[0].field, "from");
    assert!(std::fs::read_dir(models_dir.path())
        .unwrap()
        .next()
        .is_none());

    let right = spec(sha256(WEIGHTS));
    models::install_from_dir(models_dir.path(), &right, source.path()).unwrap();
    assert!(models::is_installed(models_dir.path(), &right));
}
