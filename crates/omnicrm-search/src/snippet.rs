//! Snippets: the part of a record's text that shows why it matched, with the matching words
//! highlighted. Cut here rather than by FTS5 because the document index is contentless (the
//! text lives once, in the records).

use crate::terms::fold;
use crate::types::SnippetPart;

/// Words shown before the first match.
const WORDS_BEFORE: usize = 6;
/// Words in a snippet at most.
const WORDS_SHOWN: usize = 28;

/// The passage of `text` around the first word that starts with one of `terms` (folded), with
/// every such word highlighted; the start of the text when nothing matches.
pub fn highlight(text: &str, terms: &[String]) -> Vec<SnippetPart> {
    let folded_terms: Vec<String> = terms.iter().map(|term| fold(term)).collect();
    let spans = word_spans(text);
    let is_match = |start: usize, end: usize| {
        let word = fold(text.get(start..end).unwrap_or_default());
        folded_terms
            .iter()
            .any(|term| !term.is_empty() && word.starts_with(term.as_str()))
    };
    let first_match = spans
        .iter()
        .position(|&(start, end)| is_match(start, end))
        .unwrap_or(0);
    let first = first_match.saturating_sub(WORDS_BEFORE);
    let last = (first + WORDS_SHOWN).min(spans.len());
    let Some(&(window_start, _)) = spans.get(first) else {
        return plain(text.trim());
    };
    // The whole rest of the text when the window reaches its end (keeps closing punctuation).
    let window_end = if last == spans.len() {
        text.trim_end().len()
    } else {
        spans
            .get(last.saturating_sub(1))
            .map_or(text.len(), |&(_, end)| end)
    };

    let mut parts = Vec::new();
    if first > 0 {
        parts.push(SnippetPart {
            text: "… ".to_owned(),
            highlighted: false,
        });
    }
    let mut cursor = window_start;
    for &(start, end) in spans.get(first..last).unwrap_or_default() {
        if is_match(start, end) {
            push(
                &mut parts,
                text.get(cursor..start).unwrap_or_default(),
                false,
            );
            push(&mut parts, text.get(start..end).unwrap_or_default(), true);
            cursor = end;
        }
    }
    push(
        &mut parts,
        text.get(cursor..window_end).unwrap_or_default(),
        false,
    );
    if last < spans.len() {
        push(&mut parts, " …", false);
    }
    parts
}

/// The snippet as one line, with highlighted words in «guillemets» (for the CLI).
pub fn to_marked_text(parts: &[SnippetPart]) -> String {
    parts
        .iter()
        .map(|part| {
            if part.highlighted {
                format!("«{}»", part.text)
            } else {
                part.text.clone()
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn plain(text: &str) -> Vec<SnippetPart> {
    if text.is_empty() {
        return Vec::new();
    }
    vec![SnippetPart {
        text: text.to_owned(),
        highlighted: false,
    }]
}

fn push(parts: &mut Vec<SnippetPart>, text: &str, highlighted: bool) {
    if text.is_empty() {
        return;
    }
    match parts.last_mut() {
        Some(last) if last.highlighted == highlighted => last.text.push_str(text),
        _ => parts.push(SnippetPart {
            text: text.to_owned(),
            highlighted,
        }),
    }
}

/// Byte ranges of the words (runs of letters and digits) of `text`.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    crate::chunks::spans_where(text, char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_words_are_highlighted_by_prefix_ignoring_case_and_accents() {
        let parts = highlight("Booked a Massage for Zoë.", &["mass".into(), "zoe".into()]);
        assert_eq!(to_marked_text(&parts), "Booked a «Massage» for «Zoë».");
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_match() {
        let text = format!("{} needle {}", "word ".repeat(50), "tail ".repeat(50));
        let marked = to_marked_text(&highlight(&text, &["needle".into()]));
        assert!(marked.starts_with("… word"), "{marked}");
        assert!(marked.contains("«needle»"), "{marked}");
        assert!(marked.ends_with('…'), "{marked}");
    }

    #[test]
    fn without_a_match_the_start_of_the_text_is_shown() {
        let parts = highlight("Quarterly tax filing", &["zzz".into()]);
        assert_eq!(to_marked_text(&parts), "Quarterly tax filing");
    }
}
