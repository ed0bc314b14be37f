//! The `route check --report` page: every finding with the source lines
//! it points at and its example lead. The figures block holds the same
//! object as `route check --format json`.

use super::page::{cards, escape, table, Cell, Page};
use super::svg::{self, Bar};
use crate::diagnostics::{self, Diagnostic, Label, Sources};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Lines of a label shown at most; longer spans end with `…`.
const MOST_LINES: usize = 8;
/// Lines shown after a label's own.
const CONTEXT_AFTER: usize = 2;

/// The whole page for the findings of `files`.
pub fn page(diagnostics: &[Diagnostic], sources: &Sources, files: &[String]) -> String {
    let mut page = Page::new("Rule check report");
    for file in files {
        page.fact("rules", file);
    }
    page.section("overview", "Overview", &overview(diagnostics));
    let mut findings = String::new();
    for (i, d) in diagnostics.iter().enumerate() {
        finding(&mut findings, i + 1, d, sources);
    }
    if diagnostics.is_empty() {
        findings.push_str("<p>No findings: the rules are sound.</p>\n");
    }
    page.section("findings", "Findings", &findings);
    let data: serde_json::Value =
        serde_json::from_str(&diagnostics::render_json(diagnostics, sources)).unwrap_or_default();
    page.render(&serde_json::json!({ "report": "check", "files": files, "check": data }))
}

fn overview(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let mut out = cards(&[
        ("errors", errors.to_string()),
        ("warnings", (diagnostics.len() - errors).to_string()),
    ]);
    // Per code, with its severity: a code is always one or the other.
    let mut codes: BTreeMap<&str, (bool, u64)> = BTreeMap::new();
    for d in diagnostics {
        codes.entry(d.code).or_insert((d.is_error(), 0)).1 += 1;
    }
    if codes.is_empty() {
        return out;
    }
    let bars: Vec<Bar> = (codes.iter())
        .map(|(code, (error, n))| Bar {
            label: code.to_string(),
            value: *n,
            colour: if *error { svg::VERMILLION } else { svg::ORANGE },
            limit: None,
        })
        .collect();
    let rows: Vec<Vec<Cell>> = (codes.iter())
        .map(|(code, (error, n))| {
            let severity = if *error { "error" } else { "warning" };
            vec![
                Cell::Text(code.to_string()),
                Cell::Text(severity.into()),
                Cell::Count(*n),
            ]
        })
        .collect();
    let _ = write!(
        out,
        "<div class=\"pair\"><div>{}</div><div>{}</div></div>\n\
         <p class=\"note\">Vermillion: errors; orange: warnings.</p>\n",
        svg::bars("Findings per code", &bars),
        table("code-table", &["code", "severity", "findings"], &rows)
    );
    out
}

/// One finding: what, where (with the lines), the example lead, the fix.
fn finding(out: &mut String, n: usize, d: &Diagnostic, sources: &Sources) {
    let severity = d.severity.as_str();
    let _ = write!(
        out,
        "<article class=\"finding {severity}\" id=\"finding-{n}\">\n\
         <h3><span class=\"sev\">{severity}</span> <code>[{}]</code> {}</h3>\n",
        escape(d.code),
        escape(&d.message)
    );
    for label in d.primary.iter().chain(&d.related) {
        excerpt(out, label, sources);
    }
    if let Some(leads) = d.leads {
        let _ = writeln!(
            out,
            "<p><strong>{leads}</strong> leads of the lead file fall here.</p>"
        );
    }
    if let Some(witness) = &d.witness {
        let rules = d.primary.as_ref().map_or("RULES", |l| sources.name(l.file));
        witness_table(out, witness, rules);
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "<p><strong>help:</strong> {}</p>", escape(help));
    }
    out.push_str("</article>\n");
}

/// The lines a label covers, numbered, with its span marked, and a line
/// of context before and [`CONTEXT_AFTER`] after (a rule's conditions).
fn excerpt(out: &mut String, label: &Label, sources: &Sources) {
    let (first, column) = sources.line_column(label.file, label.span.start);
    let (last, _) = sources.line_column(label.file, label.span.end.max(label.span.start));
    let text = sources.text(label.file);
    let (end_of_file, _) = sources.line_column(label.file, text.len());
    let _ = write!(
        out,
        "<p class=\"where\"><code>{}:{first}:{column}</code> {}</p>\n<pre class=\"src\">",
        escape(sources.name(label.file)),
        escape(&label.message)
    );
    let shown = last.min(first + MOST_LINES - 1);
    let from = first.saturating_sub(1).max(1);
    let to = (shown + CONTEXT_AFTER).min(end_of_file);
    for line in from..=to {
        let span = sources.line_span(label.file, line);
        let _ = write!(out, "<span class=\"ln\">{line:>4} │ </span>");
        marked(out, text, span, &label.span);
        out.push('\n');
        if line == shown && shown < last {
            out.push_str("<span class=\"ln\">     │ </span>…\n");
        }
    }
    out.push_str("</pre>\n");
}

/// One line's text, the part inside `mark` highlighted; all escaped.
fn marked(
    out: &mut String,
    text: &str,
    line: std::ops::Range<usize>,
    mark: &std::ops::Range<usize>,
) {
    let from = mark.start.clamp(line.start, line.end);
    let to = mark.end.clamp(from, line.end);
    let piece = |r: std::ops::Range<usize>| escape(text.get(r).unwrap_or_default());
    out.push_str(&piece(line.start..from));
    if from < to {
        let _ = write!(out, "<mark>{}</mark>", piece(from..to));
    }
    out.push_str(&piece(to..line.end));
}

fn witness_table(out: &mut String, witness: &[(String, String)], rules: &str) {
    let rows: Vec<Vec<Cell>> = (witness.iter())
        .map(|(k, v)| vec![Cell::Text(k.clone()), Cell::Text(v.clone())])
        .collect();
    out.push_str("<p>Example lead:</p>\n");
    out.push_str(&table("", &["column", "value"], &rows));
    let _ = writeln!(
        out,
        "<p class=\"note\">Try it: <code>route explain {} --lead {}</code></p>",
        escape(&shell_quote(rules)),
        escape(&shell_quote(&diagnostics::witness_text(witness)))
    );
}

/// Single-quoted for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}
