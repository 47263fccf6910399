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

/// A JSON value stored as Automerge maps, lists and scalars (so two devices editing different
/// keys of an object both keep theirs). Absent reads as `null`; text objects read as strings.
pub fn get_json<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    key: &str,
) -> Result<serde_json::Value, ModelError> {
    match doc.get(obj, key)? {
        None => Ok(serde_json::Value::Null),
        Some((value, id)) => json_of(doc, key, value, &id),
    }
}

fn json_of<R: ReadDoc>(
    doc: &R,
    key: &str,
    value: Value<'_>,
    id: &ObjId,
) -> Result<serde_json::Value, ModelError> {
    use serde_json::Value as Json;
    Ok(match value {
        Value::Object(ObjType::Map | ObjType::Table) => {
            let mut object = serde_json::Map::new();
            for entry in doc.keys(id).collect::<Vec<_>>() {
                object.insert(entry.clone(), get_json(doc, id, &entry)?);
            }
            Json::Object(object)
        }
        Value::Object(ObjType::List) => {
            let mut items = Vec::new();
            for index in 0..doc.length(id) {
                match doc.get(id, index)? {
                    Some((item, item_id)) => items.push(json_of(doc, key, item, &item_id)?),
                    None => items.push(Json::Null),
                }
            }
            Json::Array(items)
        }
        Value::Object(ObjType::Text) => Json::String(doc.text(id)?),
        Value::Scalar(scalar) => match scalar.as_ref() {
            ScalarValue::Null => Json::Null,
            ScalarValue::Boolean(value) => Json::Bool(*value),
            ScalarValue::Str(text) => Json::String(text.to_string()),
            ScalarValue::Int(value) => Json::from(*value),
            ScalarValue::Uint(value) => Json::from(*value),
            ScalarValue::F64(value) => serde_json::Number::from_f64(*value)
                .map(Json::Number)
                .unwrap_or(Json::Null),
            ScalarValue::Counter(counter) => Json::from(i64::from(counter)),
            ScalarValue::Timestamp(value) => Json::from(*value),
            other => {
                return Err(ModelError::field(
                    key,
                    format!("expected JSON data, found {other:?}"),
                ))
            }
        },
    })
}

/// Sets a JSON field, changing only what differs: object keys are updated one by one (keys the
/// new value lacks are removed), arrays and scalars are replaced when they differ.
pub fn put_json<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: &serde_json::Value,
) -> Result<(), ModelError> {
    let present = tx.get(obj, key)?.is_some();
    if present && get_json(tx, obj, key).ok().as_ref() == Some(value) {
        return Ok(());
    }
    match value {
        serde_json::Value::Object(object) => {
            let map = ensure_map(tx, obj, key)?;
            for existing in tx.keys(&map).collect::<Vec<_>>() {
                if !object.contains_key(&existing) {
                    tx.delete(&map, existing.as_str())?;
                }
            }
            for (entry, item) in object {
                put_json(tx, &map, entry, item)?;
            }
        }
        serde_json::Value::Array(items) => {
            let list = tx.put_object(obj, key, ObjType::List)?;
            for (index, item) in items.iter().enumerate() {
                insert_json(tx, &list, index, item)?;
            }
        }
        scalar => tx.put(obj, key, scalar_of(scalar))?,
    }
    Ok(())
}

fn insert_json<T: Transactable + ReadDoc>(
    tx: &mut T,
    list: &ObjId,
    index: usize,
    value: &serde_json::Value,
) -> Result<(), ModelError> {
    match value {
        serde_json::Value::Object(object) => {
            let map = tx.insert_object(list, index, ObjType::Map)?;
            for (entry, item) in object {
                put_json(tx, &map, entry, item)?;
            }
        }
        serde_json::Value::Array(items) => {
            let inner = tx.insert_object(list, index, ObjType::List)?;
            for (position, item) in items.iter().enumerate() {
                insert_json(tx, &inner, position, item)?;
            }
        }
        scalar => tx.insert(list, index, scalar_of(scalar))?,
    }
    Ok(())
}

fn scalar_of(value: &serde_json::Value) -> ScalarValue {
    match value {
        serde_json::Value::Bool(flag) => ScalarValue::Boolean(*flag),
        serde_json::Value::Number(number) => {
            if let Some(whole) = number.as_i64() {
                ScalarValue::Int(whole)
            } else if let Some(whole) = number.as_u64() {
                ScalarValue::Uint(whole)
            } else {
                ScalarValue::F64(number.as_f64().unwrap_or(0.0))
            }
        }
        serde_json::Value::String(text) => ScalarValue::Str(text.as_str().into()),
        _ => ScalarValue::Null,
    }
}

/// A set of ids kept in order: a map from each id to its position, so two devices adding
/// different ids at once both keep theirs. Read back sorted by position, then id.
pub fn get_ordered_ids<R: ReadDoc>(
    doc: &R,
    obj: &ObjId,
    key: &str,
) -> Result<Option<Vec<uuid::Uuid>>, ModelError> {
    let Some(map) = get_map(doc, obj, key)? else {
        return Ok(None);
    };
    let mut entries = Vec::new();
    for entry in doc.keys(&map).collect::<Vec<_>>() {
        let id = uuid::Uuid::parse_str(&entry)
            .map_err(|error| ModelError::field(key, error.to_string()))?;
        entries.push((get_u64(doc, &map, &entry)?.unwrap_or(u64::MAX), id));
    }
    entries.sort();
    Ok(Some(entries.into_iter().map(|(_, id)| id).collect()))
}

/// Writes [`get_ordered_ids`]'s map: removes ids no longer listed, sets each position.
pub fn put_ordered_ids<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    ids: &[uuid::Uuid],
) -> Result<(), ModelError> {
    let map = ensure_map(tx, obj, key)?;
    let wanted: Vec<String> = ids.iter().map(uuid::Uuid::to_string).collect();
    for existing in tx.keys(&map).collect::<Vec<_>>() {
        if !wanted.contains(&existing) {
            tx.delete(&map, existing.as_str())?;
        }
    }
    for (position, id) in wanted.iter().enumerate() {
        put_u64(tx, &map, id, u64::try_from(position).unwrap_or(u64::MAX))?;
    }
    Ok(())
}

/// An optional whole number field that fits in `u32`.
pub fn get_u32<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Result<Option<u32>, ModelError> {
    get_u64(doc, obj, key)?
        .map(|value| {
            u32::try_from(value).map_err(|_| ModelError::field(key, "is too large a number"))
        })
        .transpose()
}

/// Sets an optional whole number field; `None` writes null.
pub fn put_optional_u64<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: Option<u64>,
) -> Result<(), ModelError> {
    match value {
        Some(value) => put_u64(tx, obj, key, value),
        None => {
            let present = tx.get(obj, key)?;
            let is_null = matches!(
                present.as_ref().map(|(value, _)| value),
                Some(Value::Scalar(scalar)) if matches!(scalar.as_ref(), ScalarValue::Null)
            );
            if !is_null {
                tx.put(obj, key, ScalarValue::Null)?;
            }
            Ok(())
        }
    }
}
