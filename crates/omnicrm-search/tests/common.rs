#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use omnicrm_core::contacts::ContactInput;
use omnicrm_core::Core;
use omnicrm_search::embedder::{normalize, EmbedFuture};
use omnicrm_search::terms::{fold, words};
use omnicrm_search::{register_sqlite_vec, Embedder, EmbeddingIndexer, SearchService};

/// A core over a real SQLite file in a fresh temporary directory, with sqlite-vec registered
/// first (as the app does).
pub fn open_core() -> (tempfile::TempDir, Core) {
    register_sqlite_vec();
    let directory = tempfile::tempdir().expect("temporary directory");
    let core = Core::open(directory.path()).expect("open core");
    (directory, core)
}

pub fn contact(core: &Core, name: &str) -> String {
    core.contacts
        .create(ContactInput {
            display_name: name.to_owned(),
            ..ContactInput::default()
        })
        .expect("create contact")
        .id
}

/// A deterministic stand-in for a model: each word is a dense pseudo-random unit vector (seeded
/// by the word), a text the normalised sum of its words, so texts sharing words are close — dense
/// like real embeddings, which sign quantization relies on. Lets the job, vector and hybrid
/// tests run without the weights.
pub struct HashEmbedder {
    pub model: String,
    pub dimensions: usize,
    pub remote: bool,
}

impl HashEmbedder {
    pub fn local(model: &str) -> Arc<dyn Embedder> {
        Arc::new(Self {
            model: model.to_owned(),
            dimensions: 384,
            remote: false,
        })
    }

    pub fn vector(&self, text: &str) -> Vec<f32> {
        let mut vector = vec![0.0f32; self.dimensions];
        for word in words(text) {
            let mut state: u64 = 1469598103934665603;
            for byte in fold(&word).bytes() {
                state = (state ^ u64::from(byte)).wrapping_mul(1099511628211);
            }
            // splitmix64: a non-linear mix, so similar words get unrelated vectors.
            for value in vector.iter_mut() {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut mixed = state;
                mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                mixed ^= mixed >> 31;
                *value += ((mixed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32;
            }
        }
        normalize(&mut vector);
        vector
    }
}

impl Embedder for HashEmbedder {
    fn model_id(&self) -> &str {
        &self.model
    }
    fn dimensions(&self) -> usize {
        self.dimensions
    }
    fn is_remote(&self) -> bool {
        self.remote
    }
    fn embed<'a>(&'a self, texts: &'a [String]) -> EmbedFuture<'a> {
        Box::pin(async move { Ok(texts.iter().map(|text| self.vector(text)).collect()) })
    }
}

pub fn service(core: &Core, embedder: Arc<dyn Embedder>) -> SearchService {
    SearchService::new(core.database.clone(), embedder).expect("search service")
}

pub async fn embed_everything(core: &Core, embedder: Arc<dyn Embedder>) {
    EmbeddingIndexer::new(core.database.clone(), embedder)
        .run_until_done(|_, _| async { false })
        .await
        .expect("embed");
}

/// The ids of one kind's hits, best first.
pub fn ids(
    response: &omnicrm_search::SearchResponse,
    kind: omnicrm_search::ItemKind,
) -> Vec<String> {
    response
        .groups
        .iter()
        .filter(|group| group.kind == kind)
        .flat_map(|group| group.hits.iter().map(|hit| hit.item_id.clone()))
        .collect()
}
