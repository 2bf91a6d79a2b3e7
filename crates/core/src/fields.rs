//! Reading documents: a document is hydrated once into plain values and
//! its fields are read from those. (In automerge 0.12 each `get` seeks
//! through the document's columns, so reading field by field costs far more
//! than one sequential hydrate.)
//!
//! Readers are lenient in one way only: a missing optional field reads as
//! absent. A field of the wrong type is a [`Error::MalformedDocument`], since
//! it can only come from a peer that does not follow the schema.

use automerge::hydrate::{Map, Value};
use automerge::{Automerge, ScalarValue};

use crate::Error;

/// The document's root map, hydrated.
pub(crate) fn root(doc: &Automerge) -> Result<Map, Error> {
    match doc.hydrate(None) {
        Value::Map(map) => Ok(map),
        _ => Err(malformed("root", "expected a map")),
    }
}

/// A string (or text) field; `None` when absent.
pub(crate) fn get_str(map: &Map, key: &str) -> Result<Option<String>, Error> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Scalar(ScalarValue::Str(text))) => Ok(Some(text.to_string())),
        Some(Value::Text(text)) => Ok(Some(String::from(text))),
        Some(_) => Err(malformed(key, "expected a string")),
    }
}

/// A required string field.
pub(crate) fn require_str(map: &Map, key: &str) -> Result<String, Error> {
    get_str(map, key)?.ok_or_else(|| malformed(key, "missing"))
}

/// An integer field; `None` when absent.
pub(crate) fn get_int(map: &Map, key: &str) -> Result<Option<i64>, Error> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Scalar(ScalarValue::Int(n) | ScalarValue::Timestamp(n))) => Ok(Some(*n)),
        Some(Value::Scalar(ScalarValue::Uint(n))) => {
            i64::try_from(*n).map(Some).map_err(|_| malformed(key, "too large"))
        }
        Some(_) => Err(malformed(key, "expected an integer")),
    }
}

/// A section number field (absent reads as 0, which no section has).
pub(crate) fn get_section_number(map: &Map, key: &str) -> Result<u32, Error> {
    let number = get_int(map, key)?.unwrap_or_default();
    u32::try_from(number).map_err(|_| malformed(key, "not a section number"))
}

/// A boolean field; absent reads as `false`.
pub(crate) fn get_bool(map: &Map, key: &str) -> Result<bool, Error> {
    match map.get(key) {
        None => Ok(false),
        Some(Value::Scalar(ScalarValue::Boolean(b))) => Ok(*b),
        Some(_) => Err(malformed(key, "expected a boolean")),
    }
}

/// A nested map; `None` when absent.
pub(crate) fn get_map<'a>(map: &'a Map, key: &str) -> Result<Option<&'a Map>, Error> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Map(inner)) => Ok(Some(inner)),
        Some(_) => Err(malformed(key, "expected a map")),
    }
}

/// A required nested map.
pub(crate) fn require_map<'a>(map: &'a Map, key: &str) -> Result<&'a Map, Error> {
    get_map(map, key)?.ok_or_else(|| malformed(key, "missing"))
}

/// The entries of a map field whose values are maps, sorted by key (empty when absent).
pub(crate) fn map_entries<'a>(map: &'a Map, key: &str) -> Result<Vec<(&'a str, &'a Map)>, Error> {
    match get_map(map, key)? {
        Some(inner) => entries(inner),
        None => Ok(Vec::new()),
    }
}

/// The entries of a map whose values are maps, sorted by key.
pub(crate) fn entries(map: &Map) -> Result<Vec<(&str, &Map)>, Error> {
    let mut entries = Vec::new();
    for (name, value) in map.iter() {
        match &value.value {
            Value::Map(entry) => entries.push((name.as_str(), entry)),
            _ => return Err(malformed(name, "expected a map")),
        }
    }
    entries.sort_by_key(|(name, _)| *name);
    Ok(entries)
}

/// A list of strings (empty when absent).
pub(crate) fn get_str_list(map: &Map, key: &str) -> Result<Vec<String>, Error> {
    match map.get(key) {
        None => Ok(Vec::new()),
        Some(Value::List(list)) => list
            .iter()
            .map(|item| match &item.value {
                Value::Scalar(ScalarValue::Str(text)) => Ok(text.to_string()),
                _ => Err(malformed(key, "expected a list of strings")),
            })
            .collect(),
        Some(_) => Err(malformed(key, "expected a list")),
    }
}

pub(crate) fn malformed(key: &str, problem: &str) -> Error {
    Error::MalformedDocument(format!("field {key:?}"), problem.to_string())
}
