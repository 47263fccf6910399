//! The BERT encoder of all-MiniLM-L6-v2, written against candle's tensor operations so that the
//! dense layers can choose their matrix product by input size ([`Dense`]).
//!
//! BERT as published: token, position and segment embeddings, summed and normalised; then per
//! layer, multi-head self-attention with a residual connection and layer normalisation, and a
//! feed-forward block (GELU, erf form) with the same. The weight names are those of the
//! Hugging Face checkpoint (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.
//! query.weight`, …). `tests/local_model.rs` pins the output to candle-transformers' own BERT.

use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{Embedding, LayerNorm, VarBuilder};
use candle_transformers::models::bert::{Config, HiddenAct};

use super::few_rows_matmul::FewRowsWeights;

/// Up to this many tokens in a call, dense layers use [`FewRowsWeights`]; above it candle's
/// blocked product. At 12 rows the few-row product took half gemm's time on the feed-forward
/// shapes, at 64 rows about the same (`docs/benchmarks.md`, "The query's few tokens").
const FEW_ROWS: usize = 32;

/// What padding adds to an attention score, so that a padded position gets no weight.
const MASKED_SCORE: f64 = -10_000.0;

pub(crate) struct BertEncoder {
    word_embeddings: Embedding,
    position_embeddings: Embedding,
    segment_embeddings: Embedding,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
}

struct Layer {
    query: Dense,
    key: Dense,
    value: Dense,
    attention_output: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
    heads: usize,
    head_size: usize,
}

impl BertEncoder {
    pub(crate) fn load(variables: VarBuilder, config: &Config) -> Result<Self> {
        if config.hidden_act != HiddenAct::Gelu {
            candle_core::bail!("the model's activation must be GELU (erf form)");
        }
        if config.hidden_size.checked_rem(config.num_attention_heads) != Some(0) {
            candle_core::bail!("the model's width does not split evenly into attention heads");
        }
        let hidden = config.hidden_size;
        let epsilon = config.layer_norm_eps;
        let embeddings = variables.pp("embeddings");
        let encoder = variables.pp("encoder");
        let layers = (0..config.num_hidden_layers)
            .map(|index| {
                let layer = encoder.pp(format!("layer.{index}"));
                let attention = layer.pp("attention");
                Ok(Layer {
                    query: Dense::load(attention.pp("self.query"), hidden, hidden)?,
                    key: Dense::load(attention.pp("self.key"), hidden, hidden)?,
                    value: Dense::load(attention.pp("self.value"), hidden, hidden)?,
                    attention_output: Dense::load(attention.pp("output.dense"), hidden, hidden)?,
                    attention_norm: candle_nn::layer_norm(
                        hidden,
                        epsilon,
                        attention.pp("output.LayerNorm"),
                    )?,
                    intermediate: Dense::load(
                        layer.pp("intermediate.dense"),
                        hidden,
                        config.intermediate_size,
                    )?,
                    output: Dense::load(
                        layer.pp("output.dense"),
                        config.intermediate_size,
                        hidden,
                    )?,
                    output_norm: candle_nn::layer_norm(
                        hidden,
                        epsilon,
                        layer.pp("output.LayerNorm"),
                    )?,
                    heads: config.num_attention_heads,
                    head_size: hidden / config.num_attention_heads,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            word_embeddings: candle_nn::embedding(
                config.vocab_size,
                hidden,
                embeddings.pp("word_embeddings"),
            )?,
            position_embeddings: candle_nn::embedding(
                config.max_position_embeddings,
                hidden,
                embeddings.pp("position_embeddings"),
            )?,
            segment_embeddings: candle_nn::embedding(
                config.type_vocab_size,
                hidden,
                embeddings.pp("token_type_embeddings"),
            )?,
            embeddings_norm: candle_nn::layer_norm(hidden, epsilon, embeddings.pp("LayerNorm"))?,
            layers,
        })
    }

    /// The last layer's hidden states, `(texts, tokens, hidden)`, for token ids and an
    /// attention mask (1 for a token, 0 for padding), both `(texts, tokens)` of `u32`.
    pub(crate) fn forward(&self, token_ids: &Tensor, attention_mask: &Tensor) -> Result<Tensor> {
        let (texts, tokens) = token_ids.dims2()?;
        let positions = Tensor::arange(0u32, tokens as u32, token_ids.device())?;
        let segments = token_ids.zeros_like()?;
        let embedded = self
            .word_embeddings
            .forward(token_ids)?
            .add(&self.segment_embeddings.forward(&segments)?)?
            .broadcast_add(&self.position_embeddings.forward(&positions)?)?;
        let mut hidden = self.embeddings_norm.forward(&embedded)?.flatten_to(1)?;
        // (texts, 1, 1, tokens): 0 where attended, MASKED_SCORE on padding.
        let score_mask = ((attention_mask.to_dtype(DType::F32)? - 1.0)? * -MASKED_SCORE)?
            .reshape((texts, 1, 1, tokens))?;
        for layer in &self.layers {
            hidden = layer.forward(&hidden, &score_mask, texts, tokens)?;
        }
        hidden.reshape((texts, tokens, ()))
    }
}

impl Layer {
    /// `hidden` is `(texts × tokens, width)`; so is the result.
    fn forward(
        &self,
        hidden: &Tensor,
        score_mask: &Tensor,
        texts: usize,
        tokens: usize,
    ) -> Result<Tensor> {
        let per_head = |projection: Tensor| -> Result<Tensor> {
            projection
                .reshape((texts, tokens, self.heads, self.head_size))?
                .transpose(1, 2)?
                .contiguous()
        };
        let query = per_head(self.query.forward(hidden)?)?;
        let key = per_head(self.key.forward(hidden)?)?;
        let value = per_head(self.value.forward(hidden)?)?;
        let scale = 1.0 / (self.head_size as f64).sqrt();
        let scores = (query.matmul(&key.t()?.contiguous()?)? * scale)?.broadcast_add(score_mask)?;
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = weights
            .matmul(&value)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((texts * tokens, ()))?;
        let attended = self
            .attention_norm
            .forward(&self.attention_output.forward(&context)?.add(hidden)?)?;
        let expanded = self.intermediate.forward(&attended)?.gelu_erf()?;
        self.output_norm
            .forward(&self.output.forward(&expanded)?.add(&attended)?)
    }
}

/// A dense layer: `input · weightᵀ + bias`.
struct Dense {
    /// `(outputs, inputs)`, contiguous: candle's product, for many rows.
    weight: Tensor,
    bias: Tensor,
    /// The same weights and bias, repacked for a few rows (the weights as bfloat16: half the
    /// bytes to read).
    few_rows: FewRowsWeights,
    outputs: usize,
}

impl Dense {
    fn load(variables: VarBuilder, inputs: usize, outputs: usize) -> Result<Self> {
        let weight = variables.get((outputs, inputs), "weight")?.contiguous()?;
        let bias = variables.get(outputs, "bias")?;
        let few_rows = FewRowsWeights::pack(
            &weight.flatten_all()?.to_vec1::<f32>()?,
            &bias.to_vec1::<f32>()?,
            inputs,
            outputs,
        );
        Ok(Self {
            weight,
            bias,
            few_rows,
            outputs,
        })
    }

    /// `input` is `(rows, inputs)`.
    fn forward(&self, input: &Tensor) -> Result<Tensor> {
        let rows = input.dim(0)?;
        if rows <= FEW_ROWS {
            let values = input.flatten_all()?.to_vec1::<f32>()?;
            if let Some(product) = self.few_rows.multiply(&values) {
                return Tensor::from_vec(product, (rows, self.outputs), input.device());
            }
        }
        input.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }
}

/// Mean of the token vectors over the attention mask: the sentence embedding, not yet
/// normalised. `hidden` is `(texts, tokens, width)`, `attention_mask` `(texts, tokens)`.
pub(crate) fn mean_pool(hidden: &Tensor, attention_mask: &Tensor) -> Result<Tensor> {
    let mask = attention_mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
    summed.broadcast_div(&counts)
}
