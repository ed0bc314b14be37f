//! `--report FILE.html`: one self-contained page per run, diff or check,
//! for the people who own the routing rather than the rules. The figures
//! come from the structures the text output prints (the run summary, the
//! diff, the diagnostics); nothing here counts leads again.
//!
//! A page loads nothing: charts are inline SVG drawn in [`svg`], styles
//! are inline, there is no script, and a Content-Security-Policy says so
//! to the browser. Its figures are also embedded as JSON for tools
//! (`<script type="application/json" id="route-data">`).

pub mod check;
pub mod diff;
pub mod page;
pub mod run;
mod svg;

use crate::run::OutputFile;
use std::io::Write;
use std::path::Path;

/// A report that cannot be written (exit 2).
#[derive(Debug)]
pub struct ReportError {
    /// Stable: `report-not-writable`.
    pub code: &'static str,
    pub message: String,
    pub help: String,
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "error[{}]: {}\n  help: {}",
            self.code, self.message, self.help
        )
    }
}

fn not_writable(path: &Path, e: std::io::Error) -> ReportError {
    ReportError {
        code: "report-not-writable",
        message: format!("cannot write the report {}: {e}", path.display()),
        help: "check that its folder exists and that you may write there, or give --report another path".into(),
    }
}

/// Claims the report's place before any work: a temporary file beside it,
/// so a run over a million leads does not end on "cannot write".
pub fn open(path: &Path) -> Result<OutputFile, ReportError> {
    let mut file = OutputFile::new(path.to_path_buf());
    // An empty write creates the temporary file.
    file.write(&[]).map_err(|e| not_writable(path, e))?;
    Ok(file)
}

/// Writes the page and moves it into place.
pub fn finish(mut file: OutputFile, html: &str) -> Result<(), ReportError> {
    let path = file.path().to_path_buf();
    file.write_all(html.as_bytes())
        .and_then(|()| file.finish())
        .map_err(|e| not_writable(&path, e))
}
