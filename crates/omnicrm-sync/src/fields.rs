//! Reading and writing typed fields of Automerge maps.
//!
//! Readers accept both scalar strings and text objects, because the JS Automerge library stores
//! strings as collaborative text by default. Writers only touch a field when its value changes,
//! so syncing an unchanged record produces no change, and they never remove keys they were not
//! asked about: that is how unknown fields survive a round trip through an older client.

use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value};

use crate::ModelError;

/// A string field; `None` when absent or null.
pub fn get_string<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    key: &str,
) -> Result<Option<String>, ModelError> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some((Value::Scalar(scalar), _)) => match scalar.as_ref() {
            ScalarValue::Str(text) => Ok(Some(text.to_string())),
            ScalarValue::Null => Ok(None),
            other => Err(ModelError::field(
                key,
                format!("expected a string, found {other:?}"),
            )),
        },
        Some((Value::Object(ObjType::Text), id)) => Ok(Some(doc.text(&id)?)),
        Some((Value::Object(other), _)) => Err(ModelError::field(
            key,
            format!("expected a string, found a {other:?}"),
        )),
    }
}

/// A required string field.
pub fn require_string<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Result<String, ModelError> {
    get_string(doc, obj, key)?.ok_or_else(|| ModelError::field(key, "missing"))
}

/// A boolean field; absent reads as `false`.
pub fn get_bool<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Result<bool, ModelError> {
    match doc.get(obj, key)? {
        None => Ok(false),
        Some((Value::Scalar(scalar), _)) => match scalar.as_ref() {
            ScalarValue::Boolean(value) => Ok(*value),
            ScalarValue::Null => Ok(false),
            other => Err(ModelError::field(
                key,
                format!("expected a boolean, found {other:?}"),
            )),
        },
        Some((Value::Object(_), _)) => Err(ModelError::field(
            key,
            "expected a boolean, found an object",
        )),
    }
}

/// An unsigned integer field (JS numbers may arrive as int, uint or f64).
pub fn get_u64<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Result<Option<u64>, ModelError> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some((Value::Scalar(scalar), _)) => match scalar.as_ref() {
            ScalarValue::Uint(value) => Ok(Some(*value)),
            ScalarValue::Int(value) if *value >= 0 => Ok(Some(u64::try_from(*value).unwrap_or(0))),
            ScalarValue::F64(value) if *value >= 0.0 && value.fract() == 0.0 => {
                Ok(Some(*value as u64))
            }
            ScalarValue::Null => Ok(None),
            other => Err(ModelError::field(
                key,
                format!("expected a whole number, found {other:?}"),
            )),
        },
        Some((Value::Object(_), _)) => {
            Err(ModelError::field(key, "expected a number, found an object"))
        }
    }
}

/// The id of a nested map, if present.
pub fn get_map<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Result<Option<ObjId>, ModelError> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some((Value::Object(ObjType::Map), id)) => Ok(Some(id)),
        Some(_) => Err(ModelError::field(key, "expected a map")),
    }
}

/// Sets a string field unless it already holds this value; `None` writes null.
pub fn put_string<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: Option<&str>,
) -> Result<(), ModelError> {
    let current = get_string(tx, obj, key).unwrap_or(None);
    if current.as_deref() == value && (value.is_some() || tx.get(obj, key)?.is_some()) {
        return Ok(());
    }
    match (value, tx.get(obj, key)?) {
        (Some(text), Some((Value::Object(ObjType::Text), id))) => tx.update_text(&id, text)?,
        (Some(text), _) => tx.put(obj, key, text)?,
        (None, _) => tx.put(obj, key, ScalarValue::Null)?,
    }
    Ok(())
}

/// Sets a collaborative text field (concurrent edits merge character by character).
pub fn put_text<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: &str,
) -> Result<(), ModelError> {
    let id = match tx.get(obj, key)? {
        Some((Value::Object(ObjType::Text), id)) => id,
        _ => tx.put_object(obj, key, ObjType::Text)?,
    };
    if tx.text(&id)? != value {
        tx.update_text(&id, value)?;
    }
    Ok(())
}

/// Sets a boolean field unless it already holds this value.
pub fn put_bool<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: bool,
) -> Result<(), ModelError> {
    if tx.get(obj, key)?.is_none() || get_bool(tx, obj, key).ok() != Some(value) {
        tx.put(obj, key, value)?;
    }
    Ok(())
}

/// Sets an unsigned integer field unless it already holds this value.
pub fn put_u64<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: u64,
) -> Result<(), ModelError> {
    if get_u64(tx, obj, key).ok().flatten() != Some(value) {
        tx.put(obj, key, value)?;
    }
    Ok(())
}

/// The nested map at `key`, created when missing.
pub fn ensure_map<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
) -> Result<ObjId, ModelError> {
    match tx.get(obj, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Ok(tx.put_object(obj, key, ObjType::Map)?),
    }
}
