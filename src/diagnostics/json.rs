//! `--format json`: the object the spec defines.

use super::{Diagnostic, Label, Sources};
use serde_json::{json, Value};

pub fn render_json(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let items: Vec<Value> = diagnostics
        .iter()
        .map(|d| diagnostic_json(d, sources))
        .collect();
    let doc =
        json!({ "diagnostics": items, "errors": errors, "warnings": diagnostics.len() - errors });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

fn diagnostic_json(d: &Diagnostic, sources: &Sources) -> Value {
    let (file, line, column) = place(d.primary.as_ref(), sources);
    let witness = d.witness.as_ref().map(|w| {
        let map: serde_json::Map<String, Value> = w
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        Value::Object(map)
    });
    let related: Vec<Value> = d
        .related
        .iter()
        .map(|r| {
            let (file, line, column) = place(Some(r), sources);
            json!({ "file": file, "line": line, "column": column, "message": r.message })
        })
        .collect();
    json!({
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": file,
        "line": line,
        "column": column,
        "witness": witness,
        "related": related,
        "help": d.help,
        "leads": d.leads,
    })
}

/// File name, line and column (1-based) of a label; line 1 when there is none.
pub(super) fn place(label: Option<&Label>, sources: &Sources) -> (String, usize, usize) {
    match label {
        Some(l) => {
            let (line, column) = sources.line_column(l.file, l.span.start);
            (sources.name(l.file).to_string(), line, column)
        }
        None => (String::new(), 1, 1),
    }
}
