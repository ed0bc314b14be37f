//! Reading the data files the rules name: text and CSV files, and the
//! sheets of workbooks, which are read as CSV text (see `data::workbook`).

use super::Checker;
use crate::data::{self, workbook, DataError};
use crate::diagnostics::{Diagnostic, FileId};
use crate::syntax::ast::DataFile;
use std::path::Path;

impl Checker<'_> {
    /// Reads a data file named in the rules, relative to the rule file.
    pub(super) fn load_data_file(&mut self, f: &DataFile) -> Option<(FileId, String)> {
        let full = self.dir.join(&f.path.node);
        if workbook::is_workbook(&full) {
            return self.load_sheet(&full, f);
        }
        if let Some(sheet) = &f.sheet {
            self.error(
                "sheet-on-text-file",
                sheet.span.clone(),
                &format!(
                    "`sheet` picks a sheet of a workbook, but `{}` is not a workbook",
                    f.path.node
                ),
                "not a workbook",
                "delete `sheet \"…\"`, or name an .xlsx, .xls or .ods file",
            );
        }
        match data::read_text(&full) {
            Ok(text) => {
                let id = self.sources.add(&full.display().to_string(), text.clone());
                Some((id, text))
            }
            Err(message) => {
                self.error(
                    "data-error",
                    f.path.span.clone(),
                    &message,
                    "this file",
                    "paths are relative to the rule file; check the name and that the file is UTF-8 text",
                );
                None
            }
        }
    }

    /// A workbook's sheet, as CSV text whose line N is row N.
    fn load_sheet(&mut self, full: &Path, f: &DataFile) -> Option<(FileId, String)> {
        let wanted = f.sheet.as_ref().map(|s| s.node.as_str());
        let path = full.display().to_string();
        match workbook::read_sheet(full, wanted) {
            Ok(sheet) => {
                let text = sheet.text.clone();
                let id = self.sources.add_sheet(
                    &path,
                    &sheet.name,
                    sheet.text,
                    sheet.first_column,
                    sheet.cell_starts,
                );
                self.report_error_cells(id, f, &sheet.errors);
                Some((id, text))
            }
            Err(workbook::WorkbookError::UnknownSheet(sheets)) => {
                self.unknown_sheet(f, &sheets);
                None
            }
            Err(workbook::WorkbookError::Unreadable { message, help }) => {
                let message = format!("cannot read {path}: {message}");
                self.error(
                    "data-error",
                    f.path.span.clone(),
                    &message,
                    "this file",
                    &help,
                );
                None
            }
        }
    }

    fn unknown_sheet(&mut self, f: &DataFile, sheets: &[String]) {
        let Some(sheet) = &f.sheet else { return };
        // In workbook order, as the tabs appear in the spreadsheet.
        let names: Vec<String> = sheets.iter().map(|s| format!("\"{s}\"")).collect();
        let help = match super::closest(&sheet.node, sheets.iter().map(String::as_str)) {
            Some(s) => format!("did you mean \"{s}\"? The sheets are {}", names.join(", ")),
            None => format!("the sheets of this workbook are {}", names.join(", ")),
        };
        self.error(
            "unknown-sheet",
            sheet.span.clone(),
            &format!("`{}` has no sheet named \"{}\"", f.path.node, sheet.node),
            "no such sheet",
            &help,
        );
    }

    /// Cells holding a spreadsheet error (`#N/A`): the first is reported at
    /// its cell, with a count of the others.
    fn report_error_cells(
        &mut self,
        file: FileId,
        f: &DataFile,
        errors: &[(usize, usize, String)],
    ) {
        let Some((line, cell, error)) = errors.first() else {
            return;
        };
        let others = match errors.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more cell)".into(),
            n => format!(" (and {n} more cells)"),
        };
        let e = DataError {
            line: *line,
            cell: Some(*cell),
            message: format!("this cell holds the spreadsheet error `{error}`{others}"),
            help:
                "fix the formula or clear the cell; a formula is read by the value it last computed"
                    .into(),
        };
        self.data_error(file, f.path.span.clone(), e);
    }

    /// A problem in a data file, at its line (or cell), related to the declaration.
    pub(super) fn data_error(
        &mut self,
        file: FileId,
        decl_span: std::ops::Range<usize>,
        e: DataError,
    ) {
        let span = match e.cell {
            Some(cell) => self.sources.cell_span(file, e.line, cell),
            None => self.sources.line_span(file, e.line),
        };
        let d = Diagnostic::error("data-error", &e.message)
            .at(file, span, &self.sources.line_label(file, e.line))
            .related(self.file, decl_span, "declared here")
            .help(&e.help);
        self.report(d);
        self.broken = true;
    }

    /// The values of a list file, or of the first column of a list sheet.
    pub(super) fn list_entries(&self, file: FileId, text: &str) -> Vec<(String, usize)> {
        if self.sources.is_sheet(file) {
            data::list::parse_sheet_list(text)
        } else {
            data::list::parse_list(text)
        }
    }
}
