//! Embedders turn text into unit-length vectors. Two kinds: the local all-MiniLM-L6-v2 model on
//! the CPU ([`LocalEmbedder`], no network) and a remote OpenAI-compatible `/v1/embeddings`
//! endpoint ([`RemoteEmbedder`]).

mod bert_encoder;
mod few_rows_matmul;
mod local;
mod remote;

use std::future::Future;
use std::pin::Pin;

use omnicrm_core::Result;

pub use local::{LocalEmbedder, LOCAL_MODEL_ID};
pub use remote::{RemoteEmbedder, RemoteEmbedderConfig};

/// A boxed future, so embedders can be used as trait objects.
pub type EmbedFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Vec<f32>>>> + Send + 'a>>;

/// Turns texts into vectors of [`Embedder::dimensions`] floats, L2-normalised, so the dot
/// product is the cosine similarity.
pub trait Embedder: Send + Sync {
    /// Names the model; stored with every vector, and a change of it re-embeds everything.
    fn model_id(&self) -> &str;
    fn dimensions(&self) -> usize;
    /// Whether text leaves the machine. Private notes are never sent to a remote embedder.
    fn is_remote(&self) -> bool;
    /// One vector per text, in order.
    fn embed<'a>(&'a self, texts: &'a [String]) -> EmbedFuture<'a>;
}

/// Scales `vector` to unit length (left as is when it is all zeros).
pub fn normalize(vector: &mut [f32]) {
    let norm = vector.iter().map(|value| value * value).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|value| *value /= norm);
    }
}

/// The dot product; the cosine similarity of unit vectors.
pub fn dot(left: &[f32], right: &[f32]) -> f32 {
    left.iter().zip(right).map(|(a, b)| a * b).sum()
}
