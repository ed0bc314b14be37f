//! A lead sent as JSON: an object of the lead's CSV columns. Its keys are
//! matched to the fields' columns as `route run` matches a header (exactly,
//! else ignoring case); strings are cells, numbers are read as their text,
//! `null` is an empty cell, and a column the object leaves out is missing.
//! Keys no field reads are passed over, unless one looks like a typo of a
//! column the object leaves out.

use super::error::ApiError;
use crate::ir::Program;
use serde_json::Value;

/// One cell per field of the program (`None`: the lead has no such column).
pub fn cells(program: &Program, body: &[u8]) -> Result<Vec<Option<String>>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "invalid-json",
            format!("the body is not valid JSON: {e}"),
            r#"send one JSON object of the lead's columns, e.g. {"Email": "jane@nasa.gov", "Country": "US"}"#,
        )
    })?;
    let Value::Object(object) = value else {
        return Err(ApiError::bad_request(
            "wrong-type",
            format!("the body is a JSON {}, not an object", kind(&value)),
            r#"send one JSON object of the lead's columns, e.g. {"Email": "jane@nasa.gov"}; to route many leads, send them as a text/csv body"#,
        ));
    };
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut used = vec![false; keys.len()];
    let mut cells = Vec::with_capacity(program.fields.len());
    for f in &program.fields {
        let found = column_key(&f.column, &keys)?;
        if let Some(i) = found {
            used[i] = true;
        }
        cells.push(found.map(|i| cell(keys[i], &object[keys[i]])).transpose()?);
    }
    // A column no field reads is passed over, as in a CSV file (a web form
    // sends all its fields); one that looks like a typo of a column the
    // lead lacks is refused, since it would otherwise read as missing.
    let lacking: Vec<&str> = program
        .fields
        .iter()
        .zip(&cells)
        .filter(|(_, cell)| cell.is_none())
        .map(|(f, _)| f.column.as_str())
        .collect();
    for (key, _) in keys.iter().zip(&used).filter(|(_, used)| !**used) {
        if let Some(refused) = unused_key(program, key, &lacking) {
            return Err(refused);
        }
    }
    Ok(cells)
}

/// The index of the key that holds a field's column: the exact name, else
/// the one key equal to it ignoring case.
fn column_key(column: &str, keys: &[&str]) -> Result<Option<usize>, ApiError> {
    if let Some(exact) = keys.iter().position(|k| *k == column) {
        return Ok(Some(exact));
    }
    let alike: Vec<usize> = (0..keys.len())
        .filter(|i| keys[*i].eq_ignore_ascii_case(column))
        .collect();
    match alike.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        [first, second, ..] => Err(twice(keys[*first], keys[*second], column)),
    }
}

fn twice(first: &str, second: &str, column: &str) -> ApiError {
    ApiError::bad_request(
        "duplicate-column",
        format!("\"{first}\" and \"{second}\" both name the column \"{column}\""),
        "send each column once",
    )
}

/// Why a key no field reads is refused, if it is: it repeats a column
/// another key names exactly, or it is close to a column the lead lacks.
fn unused_key(program: &Program, key: &str, lacking: &[&str]) -> Option<ApiError> {
    let columns: Vec<&str> = program.fields.iter().map(|f| f.column.as_str()).collect();
    if let Some(column) = columns.iter().find(|c| c.eq_ignore_ascii_case(key)) {
        return Some(twice(column, key, column));
    }
    let typo = crate::check::closest(key, lacking.iter().copied())?;
    Some(ApiError::bad_request(
        "unknown-column",
        format!("the rules read no column \"{key}\", and the lead has no \"{typo}\""),
        format!(
            "did you mean \"{typo}\"? The rules read the columns: {}",
            columns.join(", ")
        ),
    ))
}

/// A JSON value as the text of a cell.
fn cell(key: &str, value: &Value) -> Result<String, ApiError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        other => Err(ApiError::bad_request(
            "wrong-type",
            format!("column \"{key}\" holds a JSON {}", kind(other)),
            "give each column a string or a number (null for an empty cell)",
        )),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
