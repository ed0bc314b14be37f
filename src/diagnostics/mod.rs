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
    sheet: Option<SheetCells>,
}

/// Where the cells of a workbook sheet are in its text (line N = row N).
#[derive(Debug)]
struct SheetCells {
    path: String,
    sheet: String,
    first_column: u32,
    /// Byte offsets where each cell starts, per line (index 0 = line 1).
    cell_starts: Vec<Vec<usize>>,
}

/// Where a label points, for the machine-readable formats.
#[derive(Debug, PartialEq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The sheet and cell (`B12`) of a place in a workbook.
    pub sheet: Option<String>,
    pub cell: Option<String>,
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
            sheet: None,
        });
        FileId(self.files.len() - 1)
    }

    /// Every file's name and text, the rule file first.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files
            .iter()
            .map(|f| (f.name.as_str(), f.text.as_str()))
    }

    /// Every file on disk the sources came from, the rule file first: a
    /// workbook once, however many of its sheets were read.
    pub fn paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = Vec::new();
        for f in &self.files {
            let path = f
                .sheet
                .as_ref()
                .map_or(f.name.as_str(), |s| s.path.as_str());
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        paths
    }

    /// A workbook sheet as text (line N = row N), named `PATH!SHEET`.
    pub fn add_sheet(
        &mut self,
        path: &str,
        sheet: &str,
        text: String,
        first_column: u32,
        cell_starts: Vec<Vec<usize>>,
    ) -> FileId {
        let id = self.add(&format!("{path}!{sheet}"), text);
        self.files[id.0].sheet = Some(SheetCells {
            path: path.to_string(),
            sheet: sheet.to_string(),
            first_column,
            cell_starts,
        });
        id
    }

    /// The span of one cell of a line: the cell itself in a workbook sheet,
    /// the whole line in a text file (which has no cell positions).
    pub fn cell_span(&self, file: FileId, line: usize, cell: usize) -> Range<usize> {
        let whole = self.line_span(file, line);
        let starts = self.files[file.0]
            .sheet
            .as_ref()
            .and_then(|s| s.cell_starts.get(line.wrapping_sub(1)));
        match starts.and_then(|s| s.get(cell).map(|start| (start, s.get(cell + 1)))) {
            Some((&start, Some(&next))) => start..next - 1,
            Some((&start, None)) => start..whole.end,
            None => whole,
        }
    }

    /// Whether the file is a workbook sheet.
    pub fn is_sheet(&self, file: FileId) -> bool {
        self.files[file.0].sheet.is_some()
    }

    /// How a line is named in labels: `row 12` in a sheet, `line 12` in a file.
    pub fn line_label(&self, file: FileId, line: usize) -> String {
        match self.files[file.0].sheet {
            Some(_) => format!("row {line}"),
            None => format!("line {line}"),
        }
    }

    /// Two lines named in a message: `rows 3 and 7` in a sheet, `lines 3 and 7` in a file.
    pub fn lines_label(&self, file: FileId, first: usize, second: usize) -> String {
        match self.files[file.0].sheet {
            Some(_) => format!("rows {first} and {second}"),
            None => format!("lines {first} and {second}"),
        }
    }

    /// File, line and column of an offset; a workbook cell also gets its name.
    pub fn place(&self, file: FileId, offset: usize) -> Place {
        let (line, column) = self.line_column(file, offset);
        let f = &self.files[file.0];
        let Some(sheet) = &f.sheet else {
            return Place {
                file: f.name.clone(),
                line,
                column,
                sheet: None,
                cell: None,
            };
        };
        let starts = sheet
            .cell_starts
            .get(line - 1)
            .map_or(&[][..], Vec::as_slice);
        let index = starts.partition_point(|s| *s <= offset).saturating_sub(1);
        let column = sheet.first_column as usize + index + 1;
        Place {
            file: sheet.path.clone(),
            line,
            column,
            sheet: Some(sheet.sheet.clone()),
            cell: Some(format!("{}{line}", column_letters(column as u32))),
        }
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

/// 1-based column number → spreadsheet letters: 1 → `A`, 28 → `AB`, 16384 → `XFD`.
pub fn column_letters(mut column: u32) -> String {
    let mut letters = Vec::new();
    while column > 0 {
        letters.push(b'A' + ((column - 1) % 26) as u8);
        column = (column - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
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
