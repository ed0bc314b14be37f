//! `--format sarif`: SARIF 2.1.0, one run, one result per diagnostic.

use super::{Diagnostic, Label, Sources};
use serde_json::{json, Value};

pub fn render_sarif(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        // helpUri must be an absolute URI; the docs ship with the project, so
        // the rule points at them in words.
        .map(|c| json!({ "id": c, "help": { "text": format!("See docs/lints.md, section {c}.") } }))
        .collect();
    let results: Vec<Value> = diagnostics.iter().map(|d| result(d, sources)).collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "route", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "results": results,
        }],
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

fn result(d: &Diagnostic, sources: &Sources) -> Value {
    let mut text = d.message.clone();
    if let Some(h) = &d.help {
        text.push_str(&format!("\nhelp: {h}"));
    }
    let mut r = json!({
        "ruleId": d.code,
        "level": d.severity.as_str(),
        "message": { "text": text },
        "locations": d.primary.iter().map(|l| location(l, sources)).collect::<Vec<_>>(),
    });
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut loc = location(l, sources);
                loc["id"] = json!(i);
                loc["message"] = json!({ "text": l.message });
                loc
            })
            .collect();
        r["relatedLocations"] = json!(related);
    }
    if let Some(w) = &d.witness {
        let map: serde_json::Map<String, Value> =
            w.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        r["properties"] = json!({ "witness": map });
    }
    r
}

fn location(l: &Label, sources: &Sources) -> Value {
    let start = sources.place(l.file, l.span.start);
    let end = sources.place(l.file, l.span.end.max(l.span.start));
    let (start_line, start_col, end_line, end_col) =
        (start.line, start.column, end.line, end.column);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": start.file },
            "region": { "startLine": start_line, "startColumn": start_col, "endLine": end_line, "endColumn": end_col },
        }
    })
}
