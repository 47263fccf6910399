//! The local embedding model's files: where they live, how they are checked, and how they are
//! fetched (from their usual home, with progress) or installed from a local copy.
//!
//! Files are written into `<name>.partial/` beside the model directory and checked against
//! their SHA-256 as they stream in; only when every file matches is the directory renamed into
//! place, so a failed, interrupted or tampered download never leaves a model that loads.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use omnicrm_core::{Error, ErrorCode, Result};

/// The usual home of all-MiniLM-L6-v2's files.
pub const DEFAULT_MODEL_URL: &str =
    "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main";
/// The local model's directory name inside the models directory.
pub const LOCAL_MODEL_DIRECTORY: &str = "all-MiniLM-L6-v2";

/// One file of a model and what it must hash to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFile {
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

/// A model: the directory it is installed in and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub directory: String,
    pub files: Vec<ModelFile>,
}

impl ModelSpec {
    /// all-MiniLM-L6-v2 as published by sentence-transformers (the hashes are also in
    /// `scripts/fetch-models.sh`).
    pub fn all_minilm_l6_v2() -> Self {
        let file = |name: &str, sha256: &str, size: u64| ModelFile {
            name: name.to_owned(),
            sha256: sha256.to_owned(),
            size,
        };
        Self {
            directory: LOCAL_MODEL_DIRECTORY.to_owned(),
            files: vec![
                file(
                    "config.json",
                    "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
                    612,
                ),
                file(
                    "model.safetensors",
                    "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                    90_868_376,
                ),
                file(
                    "tokenizer.json",
                    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
                    466_247,
                ),
            ],
        }
    }

    fn total_bytes(&self) -> u64 {
        self.files.iter().map(|file| file.size).sum()
    }
}

/// The paths of the local model's files in `directory`.
#[derive(Debug, Clone)]
pub struct LocalModelFiles {
    pub config: PathBuf,
    pub weights: PathBuf,
    pub tokenizer: PathBuf,
}

impl LocalModelFiles {
    pub fn in_dir(directory: &Path) -> Self {
        Self {
            config: directory.join("config.json"),
            weights: directory.join("model.safetensors"),
            tokenizer: directory.join("tokenizer.json"),
        }
    }
}

/// `$OMNICRM_MODELS_DIR`, or the user's cache directory's `omnicrm/models`
/// (`~/.cache/omnicrm/models` on Linux), where `scripts/fetch-models.sh` also puts them.
pub fn default_models_dir() -> Option<PathBuf> {
    if let Some(directory) = std::env::var_os("OMNICRM_MODELS_DIR") {
        return Some(PathBuf::from(directory));
    }
    directories::BaseDirs::new().map(|dirs| dirs.cache_dir().join("omnicrm").join("models"))
}

/// Whether every file of `spec` is in `models_dir` with its expected size. (Hashes were
/// checked when the files were installed; sizes catch a truncated copy cheaply.)
pub fn is_installed(models_dir: &Path, spec: &ModelSpec) -> bool {
    let directory = models_dir.join(&spec.directory);
    spec.files.iter().all(|file| {
        std::fs::metadata(directory.join(&file.name))
            .map(|metadata| metadata.len() == file.size)
            .unwrap_or(false)
    })
}

/// How far a fetch is, in bytes over all files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchProgress {
    pub done_bytes: u64,
    pub total_bytes: u64,
}

/// Downloads `spec`'s files from `base_url` (`{base_url}/{file name}`) into
/// `models_dir/<spec.directory>`, checking each hash; returns the model's directory.
pub async fn fetch(
    models_dir: &Path,
    spec: &ModelSpec,
    base_url: &str,
    mut progress: impl FnMut(FetchProgress) + Send,
) -> Result<PathBuf> {
    let staging = prepare_staging(models_dir, spec)?;
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|error| Error::internal(format!("could not build the HTTP client: {error}")))?;
    let total_bytes = spec.total_bytes();
    let mut done_bytes = 0u64;
    for file in &spec.files {
        let url = format!("{}/{}", base_url.trim_end_matches('/'), file.name);
        let outcome = download_one(&client, &url, &staging, file, |bytes| {
            done_bytes += bytes;
            progress(FetchProgress {
                done_bytes,
                total_bytes,
            });
        })
        .await;
        if let Err(error) = outcome {
            discard(&staging);
            return Err(error);
        }
    }
    finish(models_dir, spec, &staging)
}

/// Installs `spec`'s files from a local copy in `source` (a directory holding them), checking
/// each hash; returns the model's directory.
pub fn install_from_dir(models_dir: &Path, spec: &ModelSpec, source: &Path) -> Result<PathBuf> {
    let staging = prepare_staging(models_dir, spec)?;
    for file in &spec.files {
        let outcome = copy_one(&source.join(&file.name), &staging, file);
        if let Err(error) = outcome {
            discard(&staging);
            return Err(error);
        }
    }
    finish(models_dir, spec, &staging)
}

fn prepare_staging(models_dir: &Path, spec: &ModelSpec) -> Result<PathBuf> {
    let staging = models_dir.join(format!(".{}.partial", spec.directory));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .map_err(|source| Error::io("could not clear an earlier partial download", &source))?;
    }
    std::fs::create_dir_all(&staging)
        .map_err(|source| Error::io("could not create the models directory", &source))?;
    Ok(staging)
}

fn finish(models_dir: &Path, spec: &ModelSpec, staging: &Path) -> Result<PathBuf> {
    let destination = models_dir.join(&spec.directory);
    if destination.exists() {
        std::fs::remove_dir_all(&destination)
            .map_err(|source| Error::io("could not replace the installed model", &source))?;
    }
    std::fs::rename(staging, &destination)
        .map_err(|source| Error::io("could not move the model into place", &source))?;
    Ok(destination)
}

fn discard(staging: &Path) {
    if let Err(error) = std::fs::remove_dir_all(staging) {
        tracing::warn!(%error, path = %staging.display(), "could not remove a partial download");
    }
}

async fn download_one(
    client: &reqwest::Client,
    url: &str,
    staging: &Path,
    file: &ModelFile,
    mut advanced: impl FnMut(u64),
) -> Result<()> {
    let network = |message: String| Error::new(ErrorCode::Network, message);
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|error| network(format!("could not download {}: {error}", file.name)))?;
    if !response.status().is_success() {
        return Err(network(format!(
            "could not download {}: the server answered {}",
            file.name,
            response.status()
        )));
    }
    let path = staging.join(&file.name);
    let mut output = std::fs::File::create(&path)
        .map_err(|source| Error::io(&format!("could not write {}", file.name), &source))?;
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| network(format!("the download of {} broke off: {error}", file.name)))?
    {
        written += chunk.len() as u64;
        if written > file.size {
            return Err(network(format!(
                "{} is larger than expected ({} bytes)",
                file.name, file.size
            )));
        }
        hasher.update(&chunk);
        output
            .write_all(&chunk)
            .map_err(|source| Error::io(&format!("could not write {}", file.name), &source))?;
        advanced(chunk.len() as u64);
    }
    output
        .sync_all()
        .map_err(|source| Error::io(&format!("could not write {}", file.name), &source))?;
    check_hash(file, &hasher.finalize(), ErrorCode::Network)
}

fn copy_one(source: &Path, staging: &Path, file: &ModelFile) -> Result<()> {
    let bytes = std::fs::read(source).map_err(|error| {
        Error::invalid_field(
            "from",
            format!("could not read {}: {error}", source.display()),
        )
    })?;
    check_hash(file, &Sha256::digest(&bytes), ErrorCode::ValidationFailed)?;
    std::fs::write(staging.join(&file.name), &bytes)
        .map_err(|error| Error::io(&format!("could not write {}", file.name), &error))
}

fn check_hash(file: &ModelFile, digest: &[u8], code: ErrorCode) -> Result<()> {
    let found: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    if found != file.sha256 {
        let message = format!(
            "{} does not match its expected SHA-256 (expected {}, found {found}); nothing was installed",
            file.name, file.sha256
        );
        return Err(if code == ErrorCode::ValidationFailed {
            Error::invalid_field("from", message)
        } else {
            Error::new(code, message)
        });
    }
    Ok(())
}
