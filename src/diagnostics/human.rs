//! Human output: source excerpts with labels, via codespan-reporting.

use super::{Diagnostic, Severity, Sources};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;

pub fn render_human(diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let mut files = SimpleFiles::new();
    for i in 0..sources.files.len() {
        let id = super::FileId(i);
        files.add(sources.name(id).to_string(), sources.text(id).to_string());
    }
    let config = term::Config::default();
    let mut out = String::new();
    for d in diagnostics {
        let rendered = if color {
            emit_colored(&files, &config, &to_codespan(d))
        } else {
            term::emit_into_string(&config, &files, &to_codespan(d))
                .unwrap_or_else(|e| format!("{e}\n"))
        };
        out.push_str(&name_cells(rendered, d, sources));
    }
    out.push_str(&summary_line(diagnostics));
    out
}

/// codespan names a place `FILE:LINE:COLUMN`; in a workbook sheet (named
/// `FILE!SHEET`) the cell's own name is what a spreadsheet user looks for:
/// `FILE!SHEET:B12`.
fn name_cells(mut rendered: String, d: &Diagnostic, sources: &Sources) -> String {
    for label in d.primary.iter().chain(&d.related) {
        let Some(cell) = sources.place(label.file, label.span.start).cell else {
            continue;
        };
        let (line, column) = sources.line_column(label.file, label.span.start);
        let name = sources.name(label.file);
        rendered = rendered.replace(
            &format!("{name}:{line}:{column}"),
            &format!("{name}:{cell}"),
        );
    }
    rendered
}

fn emit_colored(
    files: &SimpleFiles<String, String>,
    config: &term::Config,
    d: &cs::Diagnostic<usize>,
) -> String {
    use term::termcolor::{Ansi, ColorSpec};
    let _ = ColorSpec::new();
    let mut buffer = Ansi::new(Vec::new());
    let styles = term::Styles::default();
    let mut writer = term::StylesWriter::new(&mut buffer, &styles);
    match term::emit_to_write_style(&mut writer, config, files, d) {
        Ok(()) => String::from_utf8_lossy(&buffer.into_inner()).into_owned(),
        Err(e) => format!("{e}\n"),
    }
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<usize> {
    let base = match d.severity {
        Severity::Error => cs::Diagnostic::error(),
        Severity::Warning => cs::Diagnostic::warning(),
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(cs::Label::primary(p.file.0, p.span.clone()).with_message(&p.message));
    }
    for r in &d.related {
        labels.push(cs::Label::secondary(r.file.0, r.span.clone()).with_message(&r.message));
    }
    let mut notes = Vec::new();
    if let Some(w) = &d.witness {
        notes.push(format!("example lead: {}", witness_text(w)));
    }
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    base.with_code(d.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// A witness as `Column=value,...`, ready for `route explain --lead`.
pub fn witness_text(witness: &[(String, String)]) -> String {
    witness
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn summary_line(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if diagnostics.is_empty() {
        return String::new();
    }
    format!(
        "route check: {errors} error{}, {warnings} warning{}\n",
        plural(errors),
        plural(warnings)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
