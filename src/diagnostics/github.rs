//! `--format github`: GitHub Actions workflow commands.

use super::{json::place, Diagnostic, Sources};

pub fn render_github(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let at = place(d.primary.as_ref(), sources);
        let (file, line, column) = (at.file, at.line, at.column);
        let mut message = format!("{} [{}]", d.message, d.code);
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!(
            "::{} file={},line={line},col={column},title={}::{}\n",
            d.severity.as_str(),
            escape_property(&file),
            escape_property(d.code),
            escape_data(&message)
        ));
    }
    out
}

/// Workflow-command escaping of the message part.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
