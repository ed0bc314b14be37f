//! A lead sent as JSON: an object of the lead's CSV columns. Its keys are
//! matched to the fields' columns as `route run` matches a header (exactly,
//! else ignoring case); strings are cells, numbers are read as their text,
//! `null` is an empty cell, and a column the object leaves out is missing.

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
    match keys.iter().zip(&used).find(|(_, used)| !**used) {
        Some((key, _)) => Err(unused_key(program, key)),
        None => Ok(cells),
    }
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

/// Why a key no field reads is refused: it repeats a column another key
/// names exactly, or it names no column of the rules (the closest suggested).
fn unused_key(program: &Program, key: &str) -> ApiError {
    let columns: Vec<&str> = program.fields.iter().map(|f| f.column.as_str()).collect();
    if let Some(column) = columns.iter().find(|c| c.eq_ignore_ascii_case(key)) {
        return twice(column, key, column);
    }
    let help = match crate::check::closest(key, columns.iter().copied()) {
        Some(c) => format!(
            "did you mean \"{c}\"? The rules read the columns: {}",
            columns.join(", ")
        ),
        None => format!("the rules read the columns: {}", columns.join(", ")),
    };
    ApiError::bad_request(
        "unknown-column",
        format!("the rules read no column \"{key}\""),
        help,
    )
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
