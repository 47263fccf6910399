//! A dense layer for inputs of a few rows: a search query is 4 to 20 tokens.
//!
//! candle's matrix product (the `gemm` crate) is built for big inputs: its kernel computes
//! tiles of 16 rows, so a 5-token query leaves two thirds of every tile empty. This product is
//! built for a few rows instead (`docs/benchmarks.md`, "The query's few tokens").
//!
//! With a few rows, reading the weights is most of the cost: timed alone on the model's
//! feed-forward shapes, one row took half the time of eight. So the weights are kept a second
//! time, as bfloat16 (the high half of an `f32`, rounded to nearest), which halves what a
//! query reads; the sums stay in `f32`. A weight is then within 2⁻⁹ of its value; a query's
//! vector within 2e-3 per value of the f32 model's (cosine above 0.9999, `tests/
//! local_model.rs`), and the retrieval test set scores the same (MRR 0.893, recall@5 0.957).
//! Inputs of more than 32 rows (document batches) still go through candle's f32 product; a short
//! text embedded alone takes this path too.
//!
//! The weights are repacked once, when the model loads, into panels: a panel holds the weights
//! of two SIMD vectors' worth of outputs (16 with AVX2), input by input, so it is read front to
//! back, and one 32-bit word holds two outputs' bfloat16 weights (widened with a shift and a
//! mask). The input rows go through a panel in groups of up to four, interleaved so that each
//! input's values of the group lie side by side: for each input, each row's value is broadcast
//! and multiply-added with the panel's two vectors, eight running sums that are each their own
//! output. A panel stays in cache while every group goes through it. Panels are split between
//! the compute threads (rayon, the pool candle already uses). The inner loop is written once
//! for `pulp`'s vectors, compiled for AVX2 and FMA as well as the baseline, and picked at run
//! time.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::{IndexedParallelIterator, ParallelIterator, ParallelSliceMut};

/// Panels per parallel task: 64 outputs with AVX2, so that two threads share a 384-output
/// layer evenly, and handing out a task costs little next to it.
const PANELS_PER_TASK: usize = 4;

/// Input rows that go through a panel together: four rows of two vectors are eight running
/// sums, enough to keep the processor's multiply-add units busy.
const ROWS_PER_GROUP: usize = 4;

/// A dense layer's weights, repacked for [`FewRowsWeights::multiply`].
pub(crate) struct FewRowsWeights {
    /// Panel after panel; panel `p`, input `k` holds the weights of outputs
    /// `p * width .. (p + 1) * width` for input `k` (zeros past the last output), as bfloat16
    /// pairs: word `i` holds output `i` in its low half and output `i + width / 2` in its high
    /// half.
    panels: Vec<u32>,
    /// The bias, padded with zeros to whole panels.
    bias: Vec<f32>,
    /// Outputs per panel: two SIMD vectors of the running processor.
    width: usize,
    inputs: usize,
    outputs: usize,
}

impl FewRowsWeights {
    /// Repacks `weight`, `outputs × inputs` row-major (as stored in the checkpoint), and
    /// `bias`, `outputs` values. The caller guarantees those lengths; shorter slices leave
    /// zeros.
    pub(crate) fn pack(weight: &[f32], bias: &[f32], inputs: usize, outputs: usize) -> Self {
        let width = Arch::new().dispatch(PanelWidth);
        let half = width / 2;
        let panel_count = outputs.div_ceil(width.max(1));
        let weight_at = |output: usize, input: usize| {
            if output < outputs {
                weight.get(output * inputs + input).copied().unwrap_or(0.0)
            } else {
                0.0
            }
        };
        let mut panels = vec![0u32; panel_count * inputs * half];
        for (panel_index, panel) in panels.chunks_exact_mut(inputs * half.max(1)).enumerate() {
            for (input, words) in panel.chunks_exact_mut(half.max(1)).enumerate() {
                for (offset, word) in words.iter_mut().enumerate() {
                    let low = weight_at(panel_index * width + offset, input);
                    let high = weight_at(panel_index * width + half + offset, input);
                    *word = u32::from(to_bfloat16(low)) | (u32::from(to_bfloat16(high)) << 16);
                }
            }
        }
        let mut padded_bias = vec![0.0f32; panel_count * width];
        for (slot, value) in padded_bias.iter_mut().zip(bias.iter().take(outputs)) {
            *slot = *value;
        }
        Self {
            panels,
            bias: padded_bias,
            width,
            inputs,
            outputs,
        }
    }

    /// `input · weightᵀ + bias`, where `input` is `rows × inputs` row-major; returns
    /// `rows × outputs`, row-major.
    /// `None` when the weights were packed for another vector width than the running
    /// processor's (cannot happen: packing asks the same question), so that the caller uses
    /// another product instead of reading a panel the wrong way.
    pub(crate) fn multiply(&self, input: &[f32]) -> Option<Vec<f32>> {
        let (inputs, outputs, width) = (self.inputs, self.outputs, self.width);
        let rows = input.len() / inputs.max(1);
        if rows == 0 || inputs == 0 || width == 0 {
            return Some(vec![0.0; rows * outputs]);
        }
        if Arch::new().dispatch(PanelWidth) != width {
            return None;
        }
        let panel_count = outputs.div_ceil(width);
        // Rows in groups of four (the last may be smaller), each group's values input by input:
        // value k of every row of the group side by side.
        let mut interleaved = vec![0.0f32; rows * inputs];
        for (group, group_values) in input
            .chunks(ROWS_PER_GROUP * inputs)
            .zip(interleaved.chunks_mut(ROWS_PER_GROUP * inputs))
        {
            let group_rows = group.len() / inputs;
            for (row_index, row) in group.chunks_exact(inputs).enumerate() {
                for (input_index, value) in row.iter().enumerate() {
                    if let Some(slot) = group_values.get_mut(input_index * group_rows + row_index) {
                        *slot = *value;
                    }
                }
            }
        }
        // Computed panel by panel (each panel's rows side by side), then laid out by row.
        let mut by_panel = vec![0.0f32; panel_count * rows * width];
        by_panel
            .par_chunks_mut(PANELS_PER_TASK * rows * width)
            .enumerate()
            .for_each(|(task, results)| {
                let first_panel = task * PANELS_PER_TASK;
                let panel_values = inputs * width / 2;
                let Some(panels) = self.panels.get(
                    first_panel * panel_values
                        ..((first_panel + PANELS_PER_TASK) * panel_values).min(self.panels.len()),
                ) else {
                    return;
                };
                let Some(biases) = self.bias.get(
                    first_panel * width
                        ..((first_panel + PANELS_PER_TASK) * width).min(self.bias.len()),
                ) else {
                    return;
                };
                Arch::new().dispatch(Panels {
                    interleaved: &interleaved,
                    panels,
                    biases,
                    inputs,
                    width,
                    results,
                });
            });
        let mut output = vec![0.0f32; rows * outputs];
        for (panel_index, panel_results) in by_panel.chunks_exact(rows * width).enumerate() {
            let first_output = panel_index * width;
            let count = width.min(outputs - first_output);
            for (row_output, row_results) in output
                .chunks_exact_mut(outputs)
                .zip(panel_results.chunks_exact(width))
            {
                if let (Some(slots), Some(values)) = (
                    row_output.get_mut(first_output..first_output + count),
                    row_results.get(..count),
                ) {
                    slots.copy_from_slice(values);
                }
            }
        }
        Some(output)
    }
}

/// `value` rounded to the nearest bfloat16 (the high 16 bits of an `f32`), ties to even.
fn to_bfloat16(value: f32) -> u16 {
    let bits = value.to_bits();
    let rounding = 0x7fff + ((bits >> 16) & 1);
    (bits.wrapping_add(rounding) >> 16) as u16
}

/// The panel width for the running processor: two vectors of `f32`.
struct PanelWidth;

impl WithSimd for PanelWidth {
    type Output = usize;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) -> usize {
        2 * S::F32_LANES
    }
}

/// One task's panels against every input row; `results` is `panels × rows × width`.
struct Panels<'a> {
    /// The input rows, interleaved by groups (see [`FewRowsWeights::multiply`]).
    interleaved: &'a [f32],
    panels: &'a [u32],
    biases: &'a [f32],
    inputs: usize,
    width: usize,
    results: &'a mut [f32],
}

impl WithSimd for Panels<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Panels {
            interleaved,
            panels,
            biases,
            inputs,
            width,
            results,
        } = self;
        // Packed for another vector width: `multiply` checked already.
        if width != 2 * S::F32_LANES {
            return;
        }
        let rows = interleaved.len() / inputs;
        for ((panel, bias), panel_results) in panels
            .chunks_exact(inputs * width / 2)
            .zip(biases.chunks_exact(width))
            .zip(results.chunks_exact_mut(rows * width))
        {
            let (bias, _) = S::as_simd_f32s(bias);
            let (Some(&bias_low), Some(&bias_high)) = (bias.first(), bias.get(1)) else {
                return;
            };
            let bias = [bias_low, bias_high];
            for (group, group_results) in interleaved
                .chunks(ROWS_PER_GROUP * inputs)
                .zip(panel_results.chunks_mut(ROWS_PER_GROUP * width))
            {
                match group.len() / inputs {
                    4 => group_through_panel::<S, 4>(simd, group, panel, bias, group_results),
                    3 => group_through_panel::<S, 3>(simd, group, panel, bias, group_results),
                    2 => group_through_panel::<S, 2>(simd, group, panel, bias, group_results),
                    _ => group_through_panel::<S, 1>(simd, group, panel, bias, group_results),
                }
            }
        }
    }
}

/// A group of `ROWS` input rows (interleaved) through one panel: for each input, broadcast each
/// row's value and multiply-add it with the panel's two vectors for that input, widened from
/// bfloat16. `results` gets each row's `width` outputs.
#[inline(always)]
fn group_through_panel<S: Simd, const ROWS: usize>(
    simd: S,
    group: &[f32],
    panel: &[u32],
    bias: [S::f32s; 2],
    results: &mut [f32],
) {
    let (words, _) = S::as_simd_u32s(panel);
    let high_half = simd.splat_u32s(0xffff_0000);
    let sixteen = simd.splat_u32s(16);
    let mut sums = [bias; ROWS];
    for (word, values) in words.iter().zip(group.chunks_exact(ROWS)) {
        let Ok(values) = <&[f32; ROWS]>::try_from(values) else {
            break;
        };
        let low = simd.transmute_f32s_u32s(simd.wrapping_dyn_shl_u32s(*word, sixteen));
        let high = simd.transmute_f32s_u32s(simd.and_u32s(*word, high_half));
        for (sum, value) in sums.iter_mut().zip(values) {
            let value = simd.splat_f32s(*value);
            let [sum_low, sum_high] = sum;
            *sum_low = simd.mul_add_e_f32s(value, low, *sum_low);
            *sum_high = simd.mul_add_e_f32s(value, high, *sum_high);
        }
    }
    for (sum, row_results) in sums.iter().zip(results.chunks_exact_mut(2 * S::F32_LANES)) {
        let (vectors, _) = S::as_mut_simd_f32s(row_results);
        for (slot, value) in vectors.iter_mut().zip(sum) {
            *slot = *value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The product in double precision, and for each output the sum of the magnitudes of its
    /// terms (what a rounding of the weights is relative to).
    fn reference(
        input: &[f32],
        weight: &[f32],
        bias: &[f32],
        inputs: usize,
    ) -> (Vec<f32>, Vec<f64>) {
        let rows = input.len() / inputs;
        let outputs = bias.len();
        let mut output = vec![0.0; rows * outputs];
        let mut magnitude = vec![0.0; rows * outputs];
        for row in 0..rows {
            for column in 0..outputs {
                let mut sum = bias[column] as f64;
                let mut size = (bias[column] as f64).abs();
                for k in 0..inputs {
                    let term = input[row * inputs + k] as f64 * weight[column * inputs + k] as f64;
                    sum += term;
                    size += term.abs();
                }
                output[row * outputs + column] = sum as f32;
                magnitude[row * outputs + column] = size;
            }
        }
        (output, magnitude)
    }

    fn values(count: usize, seed: u32) -> Vec<f32> {
        (0..count)
            .map(|index| {
                let mixed = (index as u32)
                    .wrapping_mul(2_654_435_761)
                    .wrapping_add(seed);
                (mixed % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn matches_a_plain_product_for_odd_sizes_and_a_partial_last_task() {
        // 7 rows: a group of 4, then 3; 6 rows: 4, then 2; 5 rows: 4, then 1; 70 outputs: a
        // partial last panel and a partial last task; 37 inputs: not a multiple of anything.
        for (rows, inputs, outputs) in [
            (1, 384, 384),
            (7, 37, 70),
            (5, 384, 1536),
            (6, 1536, 384),
            (8, 1536, 384),
            (2, 24, 3),
            (3, 5, 200),
        ] {
            let input = values(rows * inputs, 1);
            let weight = values(outputs * inputs, 2);
            let bias = values(outputs, 3);
            let packed = FewRowsWeights::pack(&weight, &bias, inputs, outputs);
            let got = packed.multiply(&input).expect("packed for this processor");
            let (want, magnitude) = reference(&input, &weight, &bias, inputs);
            assert_eq!(got.len(), want.len());
            // A bfloat16 weight is within 2⁻⁹ of the f32 one, so each term is too.
            for (index, ((got, want), magnitude)) in
                got.iter().zip(&want).zip(&magnitude).enumerate()
            {
                let allowed = magnitude / 512.0 + 1e-5;
                assert!(
                    f64::from((got - want).abs()) <= allowed,
                    "{rows}×{inputs}→{outputs}, value {index}: {got} vs {want} (allowed {allowed})"
                );
            }
        }
    }

    #[test]
    fn no_rows_give_no_output() {
        let packed = FewRowsWeights::pack(&[1.0; 6], &[0.0; 2], 3, 2);
        assert_eq!(packed.multiply(&[]), Some(Vec::new()));
    }
}
