//! Splits long text (mail, long notes) into overlapping passages for embedding: the model reads
//! at most 256 word pieces, and one vector for a long email blurs what each part says.

/// Words per chunk: about 160 word pieces, well inside the model's 256.
pub const CHUNK_WORDS: usize = 120;
/// Words shared by neighbouring chunks, so a sentence cut at a boundary is whole in one.
pub const OVERLAP_WORDS: usize = 30;
/// Chunks per record at most; the rest of a very long text is not embedded (keyword search
/// still finds it).
pub const MAX_CHUNKS: usize = 32;

/// The passages of `text`, in order; one passage when it is short, none when it is blank.
pub fn split(text: &str) -> Vec<String> {
    let spans: Vec<(usize, usize)> = word_spans(text);
    if spans.is_empty() {
        return Vec::new();
    }
    if spans.len() <= CHUNK_WORDS {
        return vec![text.trim().to_owned()];
    }
    let step = CHUNK_WORDS - OVERLAP_WORDS;
    let mut chunks = Vec::new();
    let mut first = 0;
    while first < spans.len() && chunks.len() < MAX_CHUNKS {
        let last = (first + CHUNK_WORDS).min(spans.len());
        let start = spans.get(first).map_or(0, |span| span.0);
        let end = spans.get(last - 1).map_or(text.len(), |span| span.1);
        chunks.push(text.get(start..end).unwrap_or_default().to_owned());
        if last == spans.len() {
            break;
        }
        first += step;
    }
    chunks
}

/// Byte ranges of whitespace-separated words.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    spans_where(text, |character| !character.is_whitespace())
}

/// Byte ranges of the maximal runs of characters for which `part` holds: words between
/// whitespace for chunking, alphanumeric runs for snippets.
pub(crate) fn spans_where(text: &str, part: impl Fn(char) -> bool) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (index, character) in text.char_indices() {
        match (part(character), start) {
            (true, None) => start = Some(index),
            (false, Some(begin)) => {
                spans.push((begin, index));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        spans.push((begin, text.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_chunk_and_blank_text_none() {
        assert_eq!(
            split("  book a massage "),
            vec!["book a massage".to_owned()]
        );
        assert!(split(" \n ").is_empty());
    }

    #[test]
    fn long_text_is_cut_with_overlap_and_every_word_is_covered() {
        let text: String = (0..300).map(|n| format!("w{n} ")).collect();
        let chunks = split(&text);
        assert_eq!(chunks.len(), 3, "{chunks:?}");
        assert!(chunks[0].starts_with("w0 ") && chunks[0].ends_with("w119"));
        assert!(chunks[1].starts_with("w90 "), "overlap of 30 words");
        assert!(chunks[2].ends_with("w299"));
    }
}
