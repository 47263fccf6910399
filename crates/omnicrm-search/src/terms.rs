//! What a user typed, as search terms: FTS5 expressions that are never user syntax, and the
//! normalized words snippets highlight.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::types::ItemKind;

const MAX_TERMS: usize = 16;
const MAX_TERM_CHARS: usize = 64;

/// The words of `text`: runs of letters and digits, at most 16, each at most 64 characters.
pub fn words(text: &str) -> Vec<String> {
    text.split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_TERMS)
        .map(|word| word.chars().take(MAX_TERM_CHARS).collect())
        .collect()
}

/// The FTS5 expression finding records of `kind` whose title or body holds every word as a
/// prefix; `None` when `text` has no words.
pub fn document_expression(kind: ItemKind, text: &str) -> Option<String> {
    let terms = words(text);
    if terms.is_empty() {
        return None;
    }
    let all = terms
        .iter()
        .map(|word| format!("\"{word}\"*"))
        .collect::<Vec<_>>()
        .join(" AND ");
    Some(format!(
        "kind : \"{}\" AND {{title body}} : ({all})",
        kind.as_str()
    ))
}

/// Lower case without diacritics, as the FTS5 tokenizer (`remove_diacritics 2`) compares.
pub fn fold(word: &str) -> String {
    word.nfd()
        .filter(|character| !is_combining_mark(*character))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_quotes_are_only_separators() {
        assert_eq!(
            document_expression(ItemKind::Note, "\"a\" OR b* NEAR(c)").as_deref(),
            Some("kind : \"note\" AND {title body} : (\"a\"* AND \"OR\"* AND \"b\"* AND \"NEAR\"* AND \"c\"*)")
        );
    }

    #[test]
    fn punctuation_only_text_searches_nothing() {
        assert_eq!(document_expression(ItemKind::Task, " *:() "), None);
    }

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold("Zoë ÅNGström"), "zoe angstrom");
    }
}
