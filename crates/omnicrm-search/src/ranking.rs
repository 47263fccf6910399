//! Re-ranking a window of keyword matches: a BM25-style score computed from the matches' own
//! text, so ranking never needs FTS5's collection statistics (which cost a walk of each term's
//! whole doclist per query).
//!
//! Per field: `weight × tf·(k1 + 1) / (tf + k1·(1 − b + b·length / average length))`, summed
//! over the query's words and the fields, where `tf` counts the field's words that start with
//! the query word (every word is searched as a prefix) and the average length is taken over the
//! window. Every match holds every query word (the search ANDs them), so the inverse document
//! frequency that BM25 would multiply in weighs all words alike: it is left out.

/// BM25's term-frequency saturation.
const K1: f64 = 1.2;
/// BM25's length normalization.
const B: f64 = 0.75;

/// A contact's name counts twice a title.
pub(crate) const NAME_WEIGHT: f64 = 4.0;
pub(crate) const TITLE_WEIGHT: f64 = 2.0;
pub(crate) const BODY_WEIGHT: f64 = 1.0;

/// One field of a match and its weight.
pub(crate) struct Field<'text> {
    text: &'text str,
    weight: f64,
}

impl<'text> Field<'text> {
    pub(crate) fn new(text: &'text str, weight: f64) -> Self {
        Self { text, weight }
    }
}

/// How often each query word starts a word of one field, and the field's length in words.
struct Counted {
    weight: f64,
    length: usize,
    frequencies: Vec<usize>,
}

fn count(field: &Field<'_>, words: &[String]) -> Counted {
    let mut frequencies = vec![0; words.len()];
    let mut length = 0;
    for token in field
        .text
        .split(|character: char| !character.is_alphanumeric())
        .filter(|token| !token.is_empty())
    {
        length += 1;
        if token.is_ascii() {
            // Most words: compared in place, without folding a copy.
            for (word, frequency) in words.iter().zip(frequencies.iter_mut()) {
                if token
                    .as_bytes()
                    .get(..word.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(word.as_bytes()))
                {
                    *frequency += 1;
                }
            }
        } else {
            let folded = crate::terms::fold(token);
            for (word, frequency) in words.iter().zip(frequencies.iter_mut()) {
                if folded.starts_with(word.as_str()) {
                    *frequency += 1;
                }
            }
        }
    }
    Counted {
        weight: field.weight,
        length,
        frequencies,
    }
}

/// The score of each match, in the order given. `words` are folded (`terms::fold`).
pub(crate) fn scores<'text>(
    words: &[String],
    matches: impl Iterator<Item = Vec<Field<'text>>>,
) -> Vec<f64> {
    let counted: Vec<Vec<Counted>> = matches
        .map(|fields| fields.iter().map(|field| count(field, words)).collect())
        .collect();
    let field_count = counted.iter().map(Vec::len).max().unwrap_or(0);
    let averages: Vec<f64> = (0..field_count)
        .map(|index| {
            let lengths: Vec<usize> = counted
                .iter()
                .filter_map(|fields| fields.get(index).map(|field| field.length))
                .collect();
            let total: usize = lengths.iter().sum();
            (total as f64 / lengths.len().max(1) as f64).max(1.0)
        })
        .collect();
    counted
        .iter()
        .map(|fields| {
            fields
                .iter()
                .zip(&averages)
                .map(|(field, average)| {
                    let norm = K1 * (1.0 - B + B * field.length as f64 / average);
                    field
                        .frequencies
                        .iter()
                        .map(|&frequency| {
                            let frequency = frequency as f64;
                            field.weight * frequency * (K1 + 1.0) / (frequency + norm)
                        })
                        .sum::<f64>()
                })
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn more_occurrences_in_a_shorter_text_score_higher() {
        let scores = scores(
            &words(&["yoga"]),
            [
                vec![Field::new(
                    "a long message that mentions yoga once among many other words",
                    1.0,
                )],
                vec![Field::new("yoga yoga", 1.0)],
            ]
            .into_iter(),
        );
        assert!(scores[1] > scores[0], "{scores:?}");
    }

    #[test]
    fn a_title_match_outweighs_the_same_match_in_the_body() {
        let scores = scores(
            &words(&["massage"]),
            [
                vec![
                    Field::new("Note", TITLE_WEIGHT),
                    Field::new("massage booked", BODY_WEIGHT),
                ],
                vec![
                    Field::new("Massage", TITLE_WEIGHT),
                    Field::new("note booked", BODY_WEIGHT),
                ],
            ]
            .into_iter(),
        );
        assert!(scores[1] > scores[0], "{scores:?}");
    }

    #[test]
    fn words_match_as_prefixes_ignoring_case_and_accents() {
        let scores = scores(
            &words(&["sess", "zoe"]),
            [
                vec![Field::new("Sessions with Zoë", 1.0)],
                vec![Field::new("nothing here", 1.0)],
            ]
            .into_iter(),
        );
        assert!(scores[0] > 0.0 && scores[1] == 0.0, "{scores:?}");
    }
}
