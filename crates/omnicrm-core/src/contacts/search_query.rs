//! Turns what a user types into a safe FTS5 query.
//!
//! User text is never passed to FTS5 as syntax. It is split into words of letters and digits;
//! each word becomes a quoted prefix term (`"ann"*`), and the terms are ANDed. Quotes,
//! operators (`AND`, `NEAR`, `-`, `:`), and stray punctuation therefore only separate words.
//! Text that looks like a phone number is matched against phone digits instead.

const MAX_TERMS: usize = 16;
const MAX_TERM_CHARS: usize = 64;
const MIN_PHONE_DIGITS: usize = 3;

/// The FTS5 MATCH expression for `text`, or `None` when it holds nothing to search for.
pub fn fts_match_expression(text: &str) -> Option<String> {
    if let Some(digits) = phone_digits(text) {
        return Some(format!("phones : \"{digits}\"*"));
    }
    let terms: Vec<String> = text
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_TERMS)
        .map(|word| {
            let word: String = word.chars().take(MAX_TERM_CHARS).collect();
            format!("\"{word}\"*")
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// The digits of `text` when it is written like a phone number (digits, spaces, `+-().`).
fn phone_digits(text: &str) -> Option<String> {
    let trimmed = text.trim();
    let phone_like = trimmed
        .chars()
        .all(|character| character.is_ascii_digit() || " +-().".contains(character));
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    (phone_like && digits.len() >= MIN_PHONE_DIGITS).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::fts_match_expression;

    #[test]
    fn words_become_quoted_prefix_terms() {
        assert_eq!(
            fts_match_expression("Ann Lee").as_deref(),
            Some("\"Ann\"* AND \"Lee\"*")
        );
    }

    #[test]
    fn operators_and_quotes_are_only_separators() {
        assert_eq!(
            fts_match_expression("\"a\" OR b* NEAR(c) -d").as_deref(),
            Some("\"a\"* AND \"OR\"* AND \"b\"* AND \"NEAR\"* AND \"c\"* AND \"d\"*")
        );
    }

    #[test]
    fn empty_and_punctuation_only_text_searches_nothing() {
        assert_eq!(fts_match_expression(""), None);
        assert_eq!(fts_match_expression("  \"*:()  "), None);
    }

    #[test]
    fn phone_like_text_searches_phone_digits() {
        assert_eq!(
            fts_match_expression("(415) 555-01").as_deref(),
            Some("phones : \"41555501\"*")
        );
    }

    #[test]
    fn short_numbers_are_words() {
        assert_eq!(fts_match_expression("12").as_deref(), Some("\"12\"*"));
    }

    #[test]
    fn unicode_words_survive() {
        assert_eq!(
            fts_match_expression("Zoë Ångström").as_deref(),
            Some("\"Zoë\"* AND \"Ångström\"*")
        );
    }
}
