//! all-MiniLM-L6-v2 (384-d, Apache-2.0) on the CPU with candle: BERT, mean-pooled over the
//! attention mask and L2-normalised, as sentence-transformers does.
//!
//! The shipped `tokenizer.json` pads every text to 128 tokens; we pad a batch to its longest
//! text instead (short texts cost far less) and truncate at 256 word pieces (the model was
//! trained on 128 but handles 256 well; chunks are cut shorter than that anyway).

use std::path::Path;
use std::sync::Arc;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use omnicrm_core::{Error, Result};

use super::bert_encoder::{mean_pool, BertEncoder};
use super::{normalize, EmbedFuture, Embedder};
use crate::models::LocalModelFiles;

/// The model id stored with local vectors.
pub const LOCAL_MODEL_ID: &str = "sentence-transformers/all-MiniLM-L6-v2";
const DIMENSIONS: usize = 384;
const MAX_TOKENS: usize = 256;

/// The local model, loaded once; cheap to clone.
#[derive(Clone)]
pub struct LocalEmbedder {
    inner: Arc<Inner>,
}

struct Inner {
    model: BertEncoder,
    tokenizer: Tokenizer,
    device: Device,
}

impl std::fmt::Debug for LocalEmbedder {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("LocalEmbedder")
            .finish_non_exhaustive()
    }
}

impl LocalEmbedder {
    /// Loads the model from a directory holding `config.json`, `model.safetensors` and
    /// `tokenizer.json` (see [`crate::models`]).
    pub fn load(directory: &Path) -> Result<Self> {
        let files = LocalModelFiles::in_dir(directory);
        let config_text = std::fs::read_to_string(&files.config)
            .map_err(|source| Error::io("could not read the model's config.json", &source))?;
        let config: Config = serde_json::from_str(&config_text)?;
        let weights = std::fs::read(&files.weights)
            .map_err(|source| Error::io("could not read the model's weights", &source))?;
        let device = Device::Cpu;
        let variables = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(model_error)?;
        let model = BertEncoder::load(variables, &config).map_err(model_error)?;
        let mut tokenizer = Tokenizer::from_file(&files.tokenizer).map_err(|error| {
            Error::internal(format!("could not load the model's tokenizer: {error}"))
        })?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|error| Error::internal(format!("could not set truncation: {error}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                model,
                tokenizer,
                device,
            }),
        })
    }

    /// Embeds on the calling thread (blocking; [`Embedder::embed`] moves it off the runtime).
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let inner = &self.inner;
        let encodings = inner
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|error| Error::internal(format!("could not tokenize: {error}")))?;
        let rows = encodings.len();
        let columns = encodings.first().map_or(0, |encoding| encoding.len());
        let mut ids = Vec::with_capacity(rows * columns);
        let mut mask = Vec::with_capacity(rows * columns);
        for encoding in &encodings {
            ids.extend_from_slice(encoding.get_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let embed = || -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = Tensor::from_vec(ids, (rows, columns), &inner.device)?;
            let mask = Tensor::from_vec(mask, (rows, columns), &inner.device)?;
            let hidden = inner.model.forward(&ids, &mask)?;
            mean_pool(&hidden, &mask)?.to_vec2::<f32>()
        };
        let mut vectors = embed().map_err(model_error)?;
        vectors.iter_mut().for_each(|vector| normalize(vector));
        Ok(vectors)
    }
}

impl Embedder for LocalEmbedder {
    fn model_id(&self) -> &str {
        LOCAL_MODEL_ID
    }

    fn dimensions(&self) -> usize {
        DIMENSIONS
    }

    fn is_remote(&self) -> bool {
        false
    }

    fn embed<'a>(&'a self, texts: &'a [String]) -> EmbedFuture<'a> {
        let embedder = self.clone();
        let texts = texts.to_vec();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || embedder.embed_blocking(&texts)).await?
        })
    }
}

fn model_error(error: candle_core::Error) -> Error {
    Error::internal(format!("the embedding model failed: {error}"))
}
