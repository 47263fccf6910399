//! PII redaction for text sent to a cloud provider, reversed in what the user is shown.
//!
//! Emails, phone numbers, card numbers (Luhn-checked), US social security numbers and IBANs
//! (mod-97-checked) become placeholders such as `[EMAIL_1]`. One [`Redactor`] serves a whole
//! conversation turn, so the same value always gets the same placeholder and the model can refer
//! to it; [`Redactor::restore`] puts the originals back into the answer and into tool arguments.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// What kind of value a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Email,
    Iban,
    Card,
    Ssn,
    Phone,
}

impl PiiKind {
    fn label(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Iban => "IBAN",
            Self::Card => "CARD",
            Self::Ssn => "SSN",
            Self::Phone => "PHONE",
        }
    }
}

/// Compiled once. The patterns are literals, so none fails to compile (the unit tests would
/// show it); a pattern that did would simply be left out rather than panic.
struct Patterns {
    ordered: Vec<(PiiKind, Regex)>,
    /// Record ids (UUIDs) and RFC 3339 timestamps: the model needs them intact to call tools,
    /// and they are not personal data, but their digit runs look like phone numbers.
    not_personal: Vec<Regex>,
    iso_date: Option<Regex>,
    placeholder: Option<Regex>,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let compile = |pattern: &str| Regex::new(pattern).ok();
        let ordered = [
            (
                PiiKind::Email,
                compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"),
            ),
            (
                PiiKind::Iban,
                compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"),
            ),
            (PiiKind::Card, compile(r"\b\d(?:[ \-]?\d){12,18}\b")),
            (PiiKind::Ssn, compile(r"\b\d{3}-\d{2}-\d{4}\b")),
            (
                PiiKind::Phone,
                compile(
                    r"(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d{2,4}(?:[ .\-]?\d{2,4}){1,4}",
                ),
            ),
        ];
        Patterns {
            ordered: ordered
                .into_iter()
                .filter_map(|(kind, pattern)| pattern.map(|pattern| (kind, pattern)))
                .collect(),
            not_personal: [
                compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
                compile(
                    r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?",
                ),
            ]
            .into_iter()
            .flatten()
            .collect(),
            iso_date: compile(r"^\d{4}-\d{2}-\d{2}$"),
            placeholder: compile(r"\[(EMAIL|IBAN|CARD|SSN|PHONE)_\d+\]"),
        }
    })
}

/// Replaces PII with placeholders and remembers the originals.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    by_value: HashMap<String, String>,
    by_placeholder: HashMap<String, String>,
    counts: HashMap<PiiKind, usize>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// `text` with every recognised value replaced by its placeholder.
    pub fn redact(&mut self, text: &str) -> String {
        let mut current = text.to_owned();
        for (kind, pattern) in &patterns().ordered {
            let kept: Vec<(usize, usize)> = patterns()
                .not_personal
                .iter()
                .flat_map(|pattern| pattern.find_iter(&current))
                .map(|found| (found.start(), found.end()))
                .collect();
            let mut output = String::with_capacity(current.len());
            let mut last = 0;
            for found in pattern.find_iter(&current) {
                let value = found.as_str();
                let inside_kept = kept
                    .iter()
                    .any(|&(start, end)| found.start() < end && start < found.end());
                if inside_kept || !accepts(*kind, value) {
                    continue;
                }
                output.push_str(current.get(last..found.start()).unwrap_or_default());
                output.push_str(&self.placeholder_for(*kind, value));
                last = found.end();
            }
            output.push_str(current.get(last..).unwrap_or_default());
            current = output;
        }
        current
    }

    /// `text` with every known placeholder replaced by the original value.
    pub fn restore(&self, text: &str) -> String {
        let Some(placeholder) = patterns().placeholder.as_ref() else {
            return text.to_owned();
        };
        if self.by_placeholder.is_empty() {
            return text.to_owned();
        }
        placeholder
            .replace_all(text, |captures: &regex::Captures<'_>| {
                let placeholder = captures.get(0).map_or("", |found| found.as_str());
                self.by_placeholder
                    .get(placeholder)
                    .cloned()
                    .unwrap_or_else(|| placeholder.to_owned())
            })
            .into_owned()
    }

    /// How many distinct values were redacted.
    pub fn redacted_count(&self) -> usize {
        self.by_value.len()
    }

    fn placeholder_for(&mut self, kind: PiiKind, value: &str) -> String {
        if let Some(known) = self.by_value.get(value) {
            return known.clone();
        }
        let count = self.counts.entry(kind).or_insert(0);
        *count += 1;
        let placeholder = format!("[{}_{}]", kind.label(), count);
        self.by_value.insert(value.to_owned(), placeholder.clone());
        self.by_placeholder
            .insert(placeholder.clone(), value.to_owned());
        placeholder
    }
}

fn accepts(kind: PiiKind, value: &str) -> bool {
    let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
    match kind {
        PiiKind::Email | PiiKind::Ssn => true,
        PiiKind::Iban => iban_is_valid(value),
        PiiKind::Card => (13..=19).contains(&digits.len()) && luhn_is_valid(&digits),
        PiiKind::Phone => {
            (7..=15).contains(&digits.len())
                && !patterns()
                    .iso_date
                    .as_ref()
                    .is_some_and(|date| date.is_match(value.trim()))
        }
    }
}

/// The Luhn checksum that every payment card number passes.
pub fn luhn_is_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position, digit)| {
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                *digit
            }
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// ISO 13616: move the first four characters to the end, letters to numbers, mod 97 is 1.
fn iban_is_valid(value: &str) -> bool {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut remainder: u32 = 0;
    for character in tail.chars().chain(head.chars()) {
        let Some(number) = character.to_digit(36) else {
            return false;
        };
        let step = if number >= 10 { 100 } else { 10 };
        remainder = (remainder * step + number) % 97;
    }
    remainder == 1
}

/// Restores placeholders in streamed text, holding back a placeholder cut between two pieces
/// until it is whole.
#[derive(Debug, Default)]
pub struct StreamRestorer {
    pending: String,
}

/// The longest placeholder, `[PHONE_9999]` and some room.
const MAX_PLACEHOLDER: usize = 16;

impl StreamRestorer {
    /// The text that can be shown now.
    pub fn push(&mut self, redactor: &Redactor, piece: &str) -> String {
        self.pending.push_str(piece);
        let cut = match self.pending.rfind('[') {
            Some(open)
                if !self.pending[open..].contains(']')
                    && self.pending.len() - open < MAX_PLACEHOLDER =>
            {
                open
            }
            _ => self.pending.len(),
        };
        let ready: String = self.pending.drain(..cut).collect();
        redactor.restore(&ready)
    }

    /// Whatever is left at the end.
    pub fn finish(&mut self, redactor: &Redactor) -> String {
        let rest = std::mem::take(&mut self.pending);
        redactor.restore(&rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_replaced_and_restored() {
        let mut redactor = Redactor::new();
        let text = "Mail ann@example.com or call +1 415 555 0100; card 4111 1111 1111 1111, \
                    SSN 123-45-6789, IBAN GB82 WEST 1234 5698 7654 32. Seen 2026-11-22.";
        let redacted = redactor.redact(text);
        for secret in [
            "ann@example.com",
            "415 555 0100",
            "4111 1111 1111 1111",
            "123-45-6789",
            "GB82 WEST 1234 5698 7654 32",
        ] {
            assert!(!redacted.contains(secret), "{secret} leaked: {redacted}");
        }
        assert!(redacted.contains("[EMAIL_1]"), "{redacted}");
        assert!(redacted.contains("[CARD_1]"), "{redacted}");
        assert!(redacted.contains("[IBAN_1]"), "{redacted}");
        assert!(redacted.contains("[SSN_1]"), "{redacted}");
        assert!(redacted.contains("[PHONE_1]"), "{redacted}");
        assert!(redacted.contains("2026-11-22"), "dates stay: {redacted}");
        assert_eq!(redactor.restore(&redacted), text);
    }

    #[test]
    fn record_ids_and_timestamps_are_not_mistaken_for_phone_numbers() {
        let mut redactor = Redactor::new();
        let text = "note 01a203cc-c240-721a-8b0e-123456780acd of contact \
                    01A203CC-C240-721A-8B0E-987654321ACD, written 2026-11-22T15:08:00.464Z; \
                    call +1 415 555 0100";
        let redacted = redactor.redact(text);
        assert!(
            redacted.contains("01a203cc-c240-721a-8b0e-123456780acd"),
            "{redacted}"
        );
        assert!(
            redacted.contains("01A203CC-C240-721A-8B0E-987654321ACD"),
            "{redacted}"
        );
        assert!(redacted.contains("2026-11-22T15:08:00.464Z"), "{redacted}");
        assert!(redacted.contains("call [PHONE_1]"), "{redacted}");
        assert_eq!(redactor.redacted_count(), 1);
    }

    #[test]
    fn a_number_failing_luhn_is_not_a_card() {
        let mut redactor = Redactor::new();
        let redacted = redactor.redact("ref 4111 1111 1111 1112");
        assert!(!redacted.contains("[CARD_"), "{redacted}");
    }

    #[test]
    fn a_placeholder_cut_between_stream_pieces_is_restored_whole() {
        let mut redactor = Redactor::new();
        redactor.redact("ann@example.com");
        let mut restorer = StreamRestorer::default();
        let mut shown = restorer.push(&redactor, "Write to [EMA");
        shown.push_str(&restorer.push(&redactor, "IL_1] today"));
        shown.push_str(&restorer.finish(&redactor));
        assert_eq!(shown, "Write to ann@example.com today");
    }
}
