//! `--format json`: the object the spec defines.

use super::{Diagnostic, Label, Place, Sources};
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
    let at = place(d.primary.as_ref(), sources);
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
            let at = place(Some(r), sources);
            let mut item = json!({ "file": at.file, "line": at.line, "column": at.column, "message": r.message });
            add_cell(&mut item, &at);
            item
        })
        .collect();
    let mut item = json!({
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": at.file,
        "line": at.line,
        "column": at.column,
        "witness": witness,
        "related": related,
        "help": d.help,
        "leads": d.leads,
    });
    add_cell(&mut item, &at);
    item
}

/// A place in a workbook also names its sheet and cell (`"cell": "B12"`).
fn add_cell(item: &mut Value, at: &Place) {
    if let (Some(sheet), Some(cell)) = (&at.sheet, &at.cell) {
        item["sheet"] = json!(sheet);
        item["cell"] = json!(cell);
    }
}

/// File name, line and column (1-based) of a label; line 1 when there is none.
pub(super) fn place(label: Option<&Label>, sources: &Sources) -> Place {
    match label {
        Some(l) => sources.place(l.file, l.span.start),
        None => Place {
            file: String::new(),
            line: 1,
            column: 1,
            sheet: None,
            cell: None,
        },
    }
}
