//! Diagnostics are data; `render` turns them into human, JSON, SARIF or
//! GitHub text. Every diagnostic has a stable code, a span and a help line.

mod github;
mod human;
mod json;
mod sarif;

use std::ops::Range;

pub use human::{render_human, witness_text};
pub use json::render_json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub usize);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A place in a source file, with what the diagnostic says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub file: FileId,
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Option<Label>,
    pub related: Vec<Label>,
    pub help: Option<String>,
    /// An example lead, in the lead file's own columns.
    pub witness: Option<Vec<(String, String)>>,
    /// Which leads the finding is about, for sizing it by a lead file.
    pub about: Option<About>,
    /// How many leads of a lead file it concerns (`route check --leads`).
    pub leads: Option<u64>,
}

/// The leads a finding is about, by rule index.
#[derive(Clone, Debug, PartialEq)]
pub enum About {
    /// Leads `earlier` takes first that `later` would send elsewhere.
    Overlap { earlier: usize, later: usize },
    /// Leads no rule (and no default) takes.
    NoDefault,
    /// Leads whose field falls in no band of this tier.
    TierGap(usize),
    /// A rule no lead can reach (it may still match leads).
    Unreachable(usize),
}

impl Diagnostic {
    pub fn error(code: &'static str, message: &str) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub fn warning(code: &'static str, message: &str) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    fn new(code: &'static str, severity: Severity, message: &str) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.to_string(),
            primary: None,
            related: vec![],
            help: None,
            witness: None,
            about: None,
            leads: None,
        }
    }

    pub fn about(mut self, about: About) -> Self {
        self.about = Some(about);
        self
    }

    pub fn at(mut self, file: FileId, span: Range<usize>, message: &str) -> Self {
        self.primary = Some(Label {
            file,
            span,
            message: message.to_string(),
        });
        self
    }

    pub fn related(mut self, file: FileId, span: Range<usize>, message: &str) -> Self {
        self.related.push(Label {
            file,
            span,
            message: message.to_string(),
        });
        self
    }

    pub fn help(mut self, help: &str) -> Self {
        self.help = Some(help.to_string());
        self
    }

    pub fn witness(mut self, witness: Vec<(String, String)>) -> Self {
        self.witness = Some(witness);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Every file a diagnostic may point into: rule files and their data files.
#[derive(Default, Debug)]
pub struct Sources {
    files: Vec<SourceFile>,
}

#[derive(Debug)]
struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

impl Sources {
    pub fn add(&mut self, name: &str, text: String) -> FileId {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        self.files.push(SourceFile {
            name: name.to_string(),
            text,
            line_starts,
        });
        FileId(self.files.len() - 1)
    }

    pub fn name(&self, file: FileId) -> &str {
        &self.files[file.0].name
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.files[file.0].text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, file: FileId, offset: usize) -> (usize, usize) {
        let f = &self.files[file.0];
        let line = f.line_starts.partition_point(|s| *s <= offset).max(1);
        let start = f.line_starts[line - 1];
        let end = offset.min(f.text.len());
        let column = f.text.get(start..end).map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    /// The byte span of a 1-based line, without its line break.
    pub fn line_span(&self, file: FileId, line: usize) -> Range<usize> {
        let f = &self.files[file.0];
        let start = f
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(f.text.len());
        let end = f.text[start..]
            .find('\n')
            .map_or(f.text.len(), |i| start + i);
        let end = if f.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        start..end
    }
}

/// Output formats of `route check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    color: bool,
) -> String {
    match format {
        Format::Human => render_human(diagnostics, sources, color),
        Format::Json => render_json(diagnostics, sources),
        Format::Sarif => sarif::render_sarif(diagnostics, sources),
        Format::Github => github::render_github(diagnostics, sources),
    }
}
