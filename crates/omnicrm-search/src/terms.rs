//! What a user typed, as search terms: FTS5 expressions that are never user syntax, and the
//! normalized words snippets highlight.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

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

/// `text` as an FTS5 string: in double quotes, a quote inside doubled, so it is never read as
/// query syntax.
pub fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
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
        assert_eq!(words("\"a\" OR b* NEAR(c)"), ["a", "OR", "b", "NEAR", "c"]);
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn punctuation_only_text_searches_nothing() {
        assert!(words(" *:() ").is_empty());
    }

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold("Zoë ÅNGström"), "zoe angstrom");
    }
}
