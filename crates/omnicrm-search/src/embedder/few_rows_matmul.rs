//! A dense layer for inputs of a few rows: a search query is 4 to 20 tokens.
//!
//! candle's matrix product (the `gemm` crate) is built for big inputs: its kernel computes
//! tiles of 16 rows, so a 5-token query leaves two thirds of every tile empty. With this kernel
//! instead, hybrid search is about a fifth faster (`docs/benchmarks.md`).
//!
//! Here each weight row is read once, front to back, and multiplied with up to four input rows
//! while it is in cache; the rows of the weight matrix are split between the compute threads.
//! The inner loop is written once for `pulp`'s vectors, which compiles it for AVX2 and FMA as
//! well as the baseline and picks at run time.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::{IndexedParallelIterator, ParallelIterator, ParallelSlice, ParallelSliceMut};

/// Weight rows per parallel task: small enough that two threads share a 384-output layer
/// evenly, large enough that handing out the task costs little next to it.
const WEIGHT_ROWS_PER_TASK: usize = 32;

/// `input · weightᵀ + bias`, where `input` is `rows × inputs` and `weight` is `outputs × inputs`,
/// both row-major; returns `rows × outputs`, row-major. `bias` has `outputs` values. The caller
/// guarantees the lengths agree (`inputs > 0`, `input.len() == rows * inputs`,
/// `weight.len() == bias.len() * inputs`); extra values are ignored.
pub(crate) fn multiply_few_rows(
    input: &[f32],
    weight: &[f32],
    bias: &[f32],
    inputs: usize,
) -> Vec<f32> {
    let rows = input.len() / inputs.max(1);
    let outputs = bias.len();
    if rows == 0 || inputs == 0 {
        return vec![0.0; rows * outputs];
    }
    // Computed output-major (each weight row's results side by side), then transposed.
    let mut by_output = vec![0.0f32; outputs * rows];
    by_output
        .par_chunks_mut(WEIGHT_ROWS_PER_TASK * rows)
        .zip(weight.par_chunks(WEIGHT_ROWS_PER_TASK * inputs))
        .zip(bias.par_chunks(WEIGHT_ROWS_PER_TASK))
        .for_each(|((results, weight_rows), biases)| {
            Arch::new().dispatch(Block {
                input,
                weight_rows,
                biases,
                inputs,
                results,
            });
        });
    let mut output = vec![0.0f32; rows * outputs];
    for (output_index, results) in by_output.chunks_exact(rows).enumerate() {
        for (row_output, value) in output
            .chunks_exact_mut(outputs)
            .map(|row| row.get_mut(output_index))
            .zip(results)
        {
            if let Some(slot) = row_output {
                *slot = *value;
            }
        }
    }
    output
}

/// One task's weight rows against every input row; `results` is `weight rows × input rows`.
struct Block<'a> {
    input: &'a [f32],
    weight_rows: &'a [f32],
    biases: &'a [f32],
    inputs: usize,
    results: &'a mut [f32],
}

impl WithSimd for Block<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Block {
            input,
            weight_rows,
            biases,
            inputs,
            results,
        } = self;
        let rows = input.len() / inputs;
        for ((weight_row, bias), row_results) in weight_rows
            .chunks_exact(inputs)
            .zip(biases)
            .zip(results.chunks_exact_mut(rows))
        {
            let groups = input.chunks(ROWS_PER_GROUP * inputs);
            for (group, group_results) in groups.zip(row_results.chunks_mut(ROWS_PER_GROUP)) {
                // One or two rows left over are multiplied alone; three are padded to four
                // by repeating the last (its sum is dropped), which costs less.
                let mut group_rows = group.chunks_exact(inputs);
                let (Some(first), Some(second), Some(third)) =
                    (group_rows.next(), group_rows.next(), group_rows.next())
                else {
                    for (input_row, result) in group.chunks_exact(inputs).zip(group_results) {
                        *result = dot(simd, input_row, weight_row) + bias;
                    }
                    continue;
                };
                let fourth = group_rows.next().unwrap_or(third);
                let sums = dots(simd, [first, second, third, fourth], weight_row);
                for (result, sum) in group_results.iter_mut().zip(sums) {
                    *result = sum + bias;
                }
            }
        }
    }
}

/// The dot product of one input row with `weight_row`, four vectors per step (four running
/// sums, for the same reason as in [`dots`]).
#[inline(always)]
fn dot<S: Simd>(simd: S, input_row: &[f32], weight_row: &[f32]) -> f32 {
    let (weight, weight_tail) = S::as_simd_f32s(weight_row);
    let (input, input_tail) = S::as_simd_f32s(input_row);
    let zero = simd.splat_f32s(0.0);
    let mut sums = [zero; 4];
    for (weight, input) in weight.chunks_exact(4).zip(input.chunks_exact(4)) {
        for ((sum, weight), input) in sums.iter_mut().zip(weight).zip(input) {
            *sum = simd.mul_add_e_f32s(*input, *weight, *sum);
        }
    }
    let [first, second, third, fourth] = sums;
    let mut sum = simd.add_f32s(simd.add_f32s(first, second), simd.add_f32s(third, fourth));
    let whole = weight.len() - weight.len() % 4;
    for (weight, input) in weight.iter().zip(input).skip(whole) {
        sum = simd.mul_add_e_f32s(*input, *weight, sum);
    }
    let tail_sum: f32 = input_tail.iter().zip(weight_tail).map(|(a, b)| a * b).sum();
    simd.reduce_sum_f32s(sum) + tail_sum
}

/// Input rows multiplied with one weight row at a time: each vector of the weight row is
/// loaded once for four rows.
const ROWS_PER_GROUP: usize = 4;

/// The dot products of four input rows with `weight_row`. Two vectors of the weight row are
/// taken per step, so there are eight running sums, independent of each other: the processor
/// overlaps their multiply-adds instead of waiting for one sum after another.
#[inline(always)]
fn dots<S: Simd>(
    simd: S,
    input_rows: [&[f32]; ROWS_PER_GROUP],
    weight_row: &[f32],
) -> [f32; ROWS_PER_GROUP] {
    let (weight, weight_tail) = S::as_simd_f32s(weight_row);
    let [first, second, third, fourth] = input_rows.map(|row| S::as_simd_f32s(row).0);
    let zero = simd.splat_f32s(0.0);
    let mut sums = [[zero; 2]; ROWS_PER_GROUP];
    let steps = weight
        .chunks_exact(2)
        .zip(first.chunks_exact(2))
        .zip(second.chunks_exact(2))
        .zip(third.chunks_exact(2))
        .zip(fourth.chunks_exact(2));
    for ((((weight, first), second), third), fourth) in steps {
        if let (
            [weight_a, weight_b],
            [first_a, first_b],
            [second_a, second_b],
            [third_a, third_b],
            [fourth_a, fourth_b],
        ) = (weight, first, second, third, fourth)
        {
            let [[first_sum_a, first_sum_b], [second_sum_a, second_sum_b], [third_sum_a, third_sum_b], [fourth_sum_a, fourth_sum_b]] =
                &mut sums;
            *first_sum_a = simd.mul_add_e_f32s(*first_a, *weight_a, *first_sum_a);
            *first_sum_b = simd.mul_add_e_f32s(*first_b, *weight_b, *first_sum_b);
            *second_sum_a = simd.mul_add_e_f32s(*second_a, *weight_a, *second_sum_a);
            *second_sum_b = simd.mul_add_e_f32s(*second_b, *weight_b, *second_sum_b);
            *third_sum_a = simd.mul_add_e_f32s(*third_a, *weight_a, *third_sum_a);
            *third_sum_b = simd.mul_add_e_f32s(*third_b, *weight_b, *third_sum_b);
            *fourth_sum_a = simd.mul_add_e_f32s(*fourth_a, *weight_a, *fourth_sum_a);
            *fourth_sum_b = simd.mul_add_e_f32s(*fourth_b, *weight_b, *fourth_sum_b);
        }
    }
    // An odd last vector, then the values past the last whole vector.
    let odd = weight.len() - weight.len() % 2;
    let mut totals = [0.0f32; ROWS_PER_GROUP];
    for ((total, [sum_a, sum_b]), row) in totals.iter_mut().zip(sums).zip(input_rows) {
        let (vectors, tail) = S::as_simd_f32s(row);
        let mut sum = simd.add_f32s(sum_a, sum_b);
        if let (Some(input), Some(weight)) = (vectors.get(odd), weight.get(odd)) {
            sum = simd.mul_add_e_f32s(*input, *weight, sum);
        }
        let tail_sum: f32 = tail.iter().zip(weight_tail).map(|(a, b)| a * b).sum();
        *total = simd.reduce_sum_f32s(sum) + tail_sum;
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(input: &[f32], weight: &[f32], bias: &[f32], inputs: usize) -> Vec<f32> {
        let rows = input.len() / inputs;
        let outputs = bias.len();
        let mut output = vec![0.0; rows * outputs];
        for row in 0..rows {
            for column in 0..outputs {
                let mut sum = bias[column] as f64;
                for k in 0..inputs {
                    sum += input[row * inputs + k] as f64 * weight[column * inputs + k] as f64;
                }
                output[row * outputs + column] = sum as f32;
            }
        }
        output
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
        // 7 rows: a group of 4 and one of 3 (padded); 6 rows: 4, then 2 alone; 24 inputs: three
        // 8-lane vectors, an odd one out; 70 outputs leave the last task 6 weight rows; 37
        // inputs leave a tail of 5.
        for (rows, inputs, outputs) in [
            (1, 384, 384),
            (7, 37, 70),
            (5, 384, 1536),
            (8, 1536, 384),
            (2, 24, 3),
        ] {
            let input = values(rows * inputs, 1);
            let weight = values(outputs * inputs, 2);
            let bias = values(outputs, 3);
            let got = multiply_few_rows(&input, &weight, &bias, inputs);
            let want = reference(&input, &weight, &bias, inputs);
            assert_eq!(got.len(), want.len());
            for (index, (got, want)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                    "{rows}×{inputs}→{outputs}, value {index}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn no_rows_give_no_output() {
        assert!(multiply_few_rows(&[], &[1.0; 6], &[0.0; 2], 3).is_empty());
    }
}
