//! Precision and recall of duplicate suggestions on a labelled set of pairs
//! (`tests/fixtures/duplicate_pairs.json`, written by `make_duplicate_pairs.py` there): true
//! duplicates as exporters produce them, and hard negatives such as spouses sharing a phone.
//!
//! Every record of every pair goes into one real SQLite store through the contact service, as
//! one address book, and the duplicate finder runs once over all of it. A suggested pair counts
//! as right only if both contacts are the two sides of one pair labelled `duplicate`; a
//! suggestion joining contacts of two different pairs is as wrong as one joining a husband and
//! wife. Run with `-- --nocapture` to see the figures (docs/benchmarks.md records them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};

use common::{email, open_core, phone};
use omnicrm_core::contacts::{Address, ContactInput};
use omnicrm_core::duplicates::{DuplicateConfidence, MAX_SUGGESTIONS};
use serde::Deserialize;

#[derive(Deserialize)]
struct PairSet {
    pairs: Vec<Pair>,
}

#[derive(Deserialize)]
struct Pair {
    id: u32,
    kind: String,
    duplicate: bool,
    first: Side,
    second: Side,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Side {
    display_name: String,
    emails: Vec<String>,
    phones: Vec<String>,
    organization: Option<String>,
    address: Option<Address>,
    date_of_birth: Option<String>,
}

impl Side {
    fn input(&self) -> ContactInput {
        ContactInput {
            display_name: self.display_name.clone(),
            emails: self.emails.iter().map(|address| email(address)).collect(),
            phones: self.phones.iter().map(|number| phone(number)).collect(),
            organization: self.organization.clone(),
            address: self.address.clone(),
            date_of_birth: self.date_of_birth.clone(),
            ..ContactInput::default()
        }
    }
}

/// What the finder said about the labelled pairs.
#[derive(Debug, Default)]
struct Measured {
    /// Contact pairs in a likely suggestion, and how many of them are true duplicates.
    likely: usize,
    likely_right: usize,
    /// Contact pairs in any suggestion (exact groups give every pair of their members).
    suggested: usize,
    suggested_right: usize,
    /// True duplicate pairs, and how many were suggested at all.
    duplicates: usize,
    duplicates_found: usize,
    /// Per kind of pair: (pairs, pairs suggested exact, pairs suggested likely).
    by_kind: BTreeMap<String, (usize, usize, usize)>,
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

fn measure() -> Measured {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/duplicate_pairs.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let set: PairSet = serde_json::from_str(&text).unwrap();
    assert!(set.pairs.len() >= 300, "{} pairs", set.pairs.len());

    let (_directory, core) = open_core();
    // Contact id -> the pair it belongs to.
    let mut pair_of: HashMap<String, u32> = HashMap::new();
    let labels: HashMap<u32, (&str, bool)> = set
        .pairs
        .iter()
        .map(|pair| (pair.id, (pair.kind.as_str(), pair.duplicate)))
        .collect();
    for pair in &set.pairs {
        for side in [&pair.first, &pair.second] {
            let contact = core
                .contacts
                .create(side.input())
                .unwrap_or_else(|error| panic!("pair {}: {error:?}", pair.id));
            pair_of.insert(contact.id, pair.id);
        }
    }

    let suggestions = core.duplicates.suggestions(MAX_SUGGESTIONS).unwrap();
    assert!(
        suggestions.len() < MAX_SUGGESTIONS as usize,
        "the limit cut the suggestions short"
    );
    let mut measured = Measured::default();
    let mut found: HashMap<u32, DuplicateConfidence> = HashMap::new();
    for suggestion in &suggestions {
        let ids = &suggestion.contact_ids;
        for (position, first) in ids.iter().enumerate() {
            for second in ids.iter().skip(position + 1) {
                let first_pair = pair_of[first];
                let right = first_pair == pair_of[second] && labels[&first_pair].1;
                measured.suggested += 1;
                measured.suggested_right += usize::from(right);
                if suggestion.confidence == DuplicateConfidence::Likely {
                    measured.likely += 1;
                    measured.likely_right += usize::from(right);
                }
                if first_pair == pair_of[second] {
                    found.insert(first_pair, suggestion.confidence);
                }
                if !right {
                    println!(
                        "  wrong: {:?} {} ({} / {}): {}",
                        suggestion.confidence,
                        labels[&first_pair].0,
                        suggestion.display_names.join(" · "),
                        pair_of[second],
                        suggestion.reasons.join("; ")
                    );
                }
            }
        }
    }
    let mut missed = HashSet::new();
    for pair in &set.pairs {
        let entry = measured.by_kind.entry(pair.kind.clone()).or_default();
        entry.0 += 1;
        match found.get(&pair.id) {
            Some(DuplicateConfidence::Exact) => entry.1 += 1,
            Some(DuplicateConfidence::Likely) => entry.2 += 1,
            None => {
                if pair.duplicate {
                    missed.insert(pair.id);
                }
            }
        }
        if pair.duplicate {
            measured.duplicates += 1;
            measured.duplicates_found += usize::from(found.contains_key(&pair.id));
        }
    }
    for pair in set.pairs.iter().filter(|pair| missed.contains(&pair.id)) {
        println!(
            "  missed: {} ({} / {})",
            pair.kind, pair.first.display_name, pair.second.display_name
        );
    }
    measured
}

#[test]
fn likely_suggestions_are_precise_and_true_duplicates_are_found_on_the_labelled_pairs() {
    let measured = measure();
    let precision_likely = ratio(measured.likely_right, measured.likely);
    let precision_all = ratio(measured.suggested_right, measured.suggested);
    let recall = ratio(measured.duplicates_found, measured.duplicates);
    println!("kind                 pairs  exact  likely");
    for (kind, (pairs, exact, likely)) in &measured.by_kind {
        println!("{kind:<20} {pairs:>5}  {exact:>5}  {likely:>6}");
    }
    println!(
        "precision of likely: {precision_likely:.3} ({} of {} pairs)",
        measured.likely_right, measured.likely
    );
    println!(
        "precision of all suggestions: {precision_all:.3} ({} of {} pairs)",
        measured.suggested_right, measured.suggested
    );
    println!(
        "recall of true duplicates: {recall:.3} ({} of {})",
        measured.duplicates_found, measured.duplicates
    );
    assert!(precision_likely >= 0.98, "{measured:#?}");
    assert!(precision_all >= 0.98, "{measured:#?}");
    assert!(recall >= 0.9, "{measured:#?}");
}
