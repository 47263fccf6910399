//! Finds personal data in free text, so notes holding it can be flagged: email addresses, phone
//! numbers, payment card numbers (Luhn-checked), national ids (US SSN, UK National Insurance,
//! Canadian SIN shape) and street addresses.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Email,
    Phone,
    CardNumber,
    NationalId,
    Address,
}

// The patterns are literals that the tests below exercise; one that failed to compile would
// detect nothing rather than panic.
fn pattern(source: &str) -> Option<Regex> {
    Regex::new(source).ok()
}

static EMAIL: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}\b"));
static CARD: LazyLock<Option<Regex>> = LazyLock::new(|| pattern(r"\b(?:\d[ -]?){12,18}\d\b"));
static NATIONAL_ID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(concat!(
        r"\b\d{3}-\d{2}-\d{4}\b",                     // US SSN
        r"|\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", // UK NI number
        r"|\b\d{3} \d{3} \d{3}\b",                    // Canadian SIN
    ))
});
static PHONE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}(?:[ .-]\d{2,4})?")
});
static ADDRESS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b\d{1,5}[a-z]?\s+(?:[a-z'.-]+\s+){1,4}(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl|terrace|close|crescent|square|sq)\b\.?",
    )
});

/// The kinds of personal data found in `text`, sorted and without repeats.
pub fn detect(text: &str) -> Vec<PiiKind> {
    let mut kinds = Vec::new();
    if matches(&EMAIL, text) {
        kinds.push(PiiKind::Email);
    }
    let mut card_spans = Vec::new();
    for found in CARD.iter().flat_map(|regex| regex.find_iter(text)) {
        if luhn_valid(found.as_str()) {
            card_spans.push(found.range());
        }
    }
    if !card_spans.is_empty() {
        kinds.push(PiiKind::CardNumber);
    }
    let mut id_spans = Vec::new();
    for found in NATIONAL_ID.iter().flat_map(|regex| regex.find_iter(text)) {
        id_spans.push(found.range());
    }
    if !id_spans.is_empty() {
        kinds.push(PiiKind::NationalId);
    }
    let phone_found = PHONE
        .iter()
        .flat_map(|regex| regex.find_iter(text))
        .any(|found| {
            let digits = found.as_str().chars().filter(char::is_ascii_digit).count();
            let inside_other = card_spans
                .iter()
                .chain(&id_spans)
                .any(|span| span.start <= found.start() && found.end() <= span.end);
            (7..=15).contains(&digits) && !inside_other
        });
    if phone_found {
        kinds.push(PiiKind::Phone);
    }
    if matches(&ADDRESS, text) {
        kinds.push(PiiKind::Address);
    }
    kinds.sort();
    kinds
}

fn matches(regex: &Option<Regex>, text: &str) -> bool {
    regex.as_ref().is_some_and(|regex| regex.is_match(text))
}

fn luhn_valid(candidate: &str) -> bool {
    let digits: Vec<u32> = candidate.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position, &digit)| {
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_kind() {
        assert_eq!(detect("write to zoe@example.org"), vec![PiiKind::Email]);
        assert_eq!(detect("call 415-555-0123 after 5"), vec![PiiKind::Phone]);
        assert_eq!(detect("call +44 20 7946 0958"), vec![PiiKind::Phone]);
        assert_eq!(
            detect("paid with 4111 1111 1111 1111"),
            vec![PiiKind::CardNumber]
        );
        assert_eq!(detect("SSN 078-05-1120 on file"), vec![PiiKind::NationalId]);
        assert_eq!(detect("NI number QQ 12 34 56 C"), vec![PiiKind::NationalId]);
        assert_eq!(
            detect("lives at 12 Hillcrest Drive"),
            vec![PiiKind::Address]
        );
    }

    #[test]
    fn ignores_ordinary_notes() {
        assert!(
            detect("Lower back tension, better after 3 sessions. Try 20 min stretches.").is_empty()
        );
        assert!(detect("Session on 2026-11-22 at 10:30").is_empty());
        // Sixteen digits that fail the Luhn check are not a card.
        assert!(!detect("ref 1234 5678 9012 3456").contains(&PiiKind::CardNumber));
    }

    #[test]
    fn reports_several_kinds_sorted() {
        assert_eq!(
            detect("zoe@example.org, 415-555-0123, 12 River Road"),
            vec![PiiKind::Email, PiiKind::Phone, PiiKind::Address]
        );
    }
}
