//! Concurrent writes of the same field. Automerge keeps one value (the same one on every
//! device) and remembers the others until the field is written again; these read what was
//! chosen over what, and settle a field on one of its values, which every device then takes.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc, ScalarValue, Value, ROOT};

use crate::author::{author_of, ChangeAuthor};
use crate::ModelError;

/// Envelope fields: never edited by a person, so never shown as a conflict.
const ENVELOPE: [&str; 4] = ["schema_version", "kind", "id", "deleted_at"];

/// One field that two devices wrote at the same time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    /// The document's field name (`company`, `lifecycle_stage`...).
    pub field: String,
    /// The value every device shows, as text ("" for none).
    pub chosen: String,
    /// The values it was chosen over.
    pub others: Vec<OtherValue>,
}

/// A value a field's chosen value was chosen over, and who wrote it when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherValue {
    /// As text ("" for none).
    pub value: String,
    pub author: ChangeAuthor,
}

/// The top-level fields of a record document that hold more than one value. Nested values
/// (emails, the address) and collaborative text merge instead, so they are not listed.
pub fn field_conflicts(doc: &Automerge) -> Result<Vec<FieldConflict>, ModelError> {
    let mut conflicts = Vec::new();
    for field in doc.keys(ROOT) {
        if ENVELOPE.contains(&field.as_str()) {
            continue;
        }
        let values = doc.get_all(ROOT, field.as_str())?;
        if values.len() < 2 {
            continue;
        }
        let Some((chosen, _)) = doc.get(ROOT, field.as_str())? else {
            continue;
        };
        let Some(chosen) = scalar_text(&chosen) else {
            continue;
        };
        let mut others: Vec<OtherValue> = Vec::new();
        for (value, op) in &values {
            match scalar_text(value) {
                Some(text) if text != chosen && !others.iter().any(|other| other.value == text) => {
                    others.push(OtherValue {
                        value: text,
                        author: author_of(doc, op),
                    })
                }
                Some(_) => {}
                // A nested value among them: not a plain field conflict.
                None => {
                    others.clear();
                    break;
                }
            }
        }
        if !others.is_empty() {
            conflicts.push(FieldConflict {
                field,
                chosen,
                others,
            });
        }
    }
    Ok(conflicts)
}

/// Writes `field` again with the one of its current values whose text is `value`, so the
/// conflict ends on every device (the change signed by `author`). False when the field holds
/// no such value (already settled).
pub fn settle(
    doc: &mut Automerge,
    field: &str,
    value: &str,
    author: &ChangeAuthor,
) -> Result<bool, ModelError> {
    let values = doc.get_all(ROOT, field)?;
    let Some(scalar) = values.iter().find_map(|(found, _)| match found {
        Value::Scalar(scalar) if scalar_text(found).as_deref() == Some(value) => {
            Some(scalar.as_ref().clone())
        }
        _ => None,
    }) else {
        return Ok(false);
    };
    doc.transact_with::<_, _, ModelError, _>(
        |_| author.commit_options(),
        |tx| {
            tx.put(ROOT, field, scalar.clone())?;
            Ok(())
        },
    )
    .map_err(|failure| failure.error)?;
    Ok(true)
}

/// A scalar value as text; `None` for objects.
fn scalar_text(value: &Value<'_>) -> Option<String> {
    match value {
        Value::Scalar(scalar) => Some(match scalar.as_ref() {
            ScalarValue::Str(text) => text.to_string(),
            ScalarValue::Null => String::new(),
            ScalarValue::Int(number) => number.to_string(),
            ScalarValue::Uint(number) => number.to_string(),
            ScalarValue::F64(number) => number.to_string(),
            ScalarValue::Boolean(flag) => flag.to_string(),
            ScalarValue::Timestamp(time) => time.to_string(),
            ScalarValue::Counter(counter) => counter.to_string(),
            _ => return None,
        }),
        Value::Object(ObjType::Text) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concurrent(first: &str, second: &str) -> Automerge {
        let mut base = Automerge::new();
        base.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "kind", "contact")?;
            tx.put(ROOT, "company", "Start")?;
            tx.put(ROOT, "display_name", "Ada")?;
            Ok(())
        })
        .unwrap();
        let mut left = base.fork();
        let mut right = base.fork();
        left.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "company", first))
            .unwrap();
        right
            .transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "company", second))
            .unwrap();
        left.merge(&mut right).unwrap();
        left
    }

    #[test]
    fn a_field_two_devices_wrote_at_once_shows_the_chosen_value_and_the_other() {
        let doc = concurrent("Alpha", "Beta");
        let conflicts = field_conflicts(&doc).unwrap();
        assert_eq!(conflicts.len(), 1);
        let conflict = &conflicts[0];
        assert_eq!(conflict.field, "company");
        let mut both = vec![conflict.chosen.clone(), conflict.others[0].value.clone()];
        both.sort();
        assert_eq!(both, ["Alpha", "Beta"]);
    }

    #[test]
    fn settling_on_the_other_value_ends_the_conflict_with_that_value() {
        let mut doc = concurrent("Alpha", "Beta");
        let other = field_conflicts(&doc).unwrap()[0].others[0].value.clone();
        assert!(settle(&mut doc, "company", &other, &ChangeAuthor::default()).unwrap());
        assert!(field_conflicts(&doc).unwrap().is_empty());
        let (value, _) = doc.get(ROOT, "company").unwrap().unwrap();
        assert_eq!(scalar_text(&value).unwrap(), other);
        assert!(!settle(&mut doc, "company", "Gamma", &ChangeAuthor::default()).unwrap());
    }

    #[test]
    fn the_same_value_written_twice_is_no_conflict() {
        let doc = concurrent("Same", "Same");
        assert!(field_conflicts(&doc).unwrap().is_empty());
    }

    #[test]
    fn the_other_value_says_who_wrote_it_and_when() {
        let mut base = Automerge::new();
        base.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "company", "Start"))
            .unwrap();
        let mut left = base.fork();
        let mut right = base.fork();
        let lee = ChangeAuthor {
            name: Some("Dr. Lee".into()),
            time_seconds: Some(1_796_000_000),
        };
        let kim = ChangeAuthor {
            name: Some("Kim".into()),
            time_seconds: Some(1_796_000_060),
        };
        left.transact_with::<_, _, automerge::AutomergeError, _>(
            |_| lee.commit_options(),
            |tx| tx.put(ROOT, "company", "Alpha"),
        )
        .unwrap();
        right
            .transact_with::<_, _, automerge::AutomergeError, _>(
                |_| kim.commit_options(),
                |tx| tx.put(ROOT, "company", "Beta"),
            )
            .unwrap();
        left.merge(&mut right).unwrap();
        let conflict = &field_conflicts(&left).unwrap()[0];
        let other = &conflict.others[0];
        let expected = if other.value == "Alpha" { &lee } else { &kim };
        assert_eq!(&other.author, expected);
        // A change written without a name (another client's) says nothing.
        let unsigned = concurrent("Alpha", "Beta");
        let other = &field_conflicts(&unsigned).unwrap()[0].others[0];
        assert_eq!(other.author, ChangeAuthor::default());
    }
}
