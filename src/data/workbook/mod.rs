//! Workbooks (`.xlsx`, `.xls`, `.ods`) as data files.
//!
//! A sheet becomes CSV text with one line per sheet row (line N is row N),
//! so lists, tables and the reps file are read by the same code as CSV
//! files, and a finding on line N can name the cell of row N it is about.
//! [`cell::cell_text`] is the one place a cell turns into text.

mod cell;
mod open;

use crate::diagnostics::column_letters;
use calamine::Data;
use std::path::Path;

/// Most cells a sheet's used range may span (rows × columns). The sheet is
/// laid out densely as text, so this bounds the memory a sheet takes.
pub const MAX_RANGE_CELLS: u64 = 4_000_000;

/// A sheet read as CSV text.
#[derive(Debug)]
pub struct Sheet {
    pub name: String,
    /// CSV text: line N holds row N of the sheet; rows above the used range
    /// and rows with no value are blank lines.
    pub text: String,
    /// 0-based index of the first used column (the first cell of each line).
    pub first_column: u32,
    /// Byte offsets in `text` where each cell starts, per line (index 0 = line 1).
    pub cell_starts: Vec<Vec<usize>>,
    /// Cells that hold a spreadsheet error: (line, cell index in the line, `#N/A`).
    pub errors: Vec<(usize, usize, String)>,
}

/// Why a workbook could not be read.
#[derive(Debug, PartialEq)]
pub enum WorkbookError {
    /// The rules name a sheet the workbook does not have; these are its sheets.
    UnknownSheet(Vec<String>),
    /// The file cannot be read as a workbook.
    Unreadable { message: String, help: String },
}

impl WorkbookError {
    fn unreadable(message: impl Into<String>, help: &str) -> Self {
        WorkbookError::Unreadable {
            message: message.into(),
            help: help.to_string(),
        }
    }
}

/// Workbooks are chosen by their extension, in any case.
pub fn is_workbook(path: &Path) -> bool {
    open::Format::of(path).is_some()
}

/// Reads one sheet (the first when `sheet` is `None`) of a workbook.
pub fn read_sheet(path: &Path, sheet: Option<&str>) -> Result<Sheet, WorkbookError> {
    let (name, grid) = open::read_cells(path, sheet)?;
    Ok(grid.into_sheet(name))
}

/// The A1-style name of a 0-based (row, column).
fn cell_name((row, column): (u32, u32)) -> String {
    format!("{}{}", column_letters(column + 1), u64::from(row) + 1)
}

/// The cells of a sheet that hold something, and the box they span.
#[derive(Default)]
struct Grid {
    cells: Vec<((u32, u32), Data)>,
    /// First row, first column, last row, last column (0-based).
    bounds: Option<(u32, u32, u32, u32)>,
}

impl Grid {
    /// Adds a cell; refuses one that would make the used range too large.
    fn push(&mut self, at: (u32, u32), value: Data) -> Result<(), WorkbookError> {
        if value == Data::Empty {
            return Ok(());
        }
        let (r0, c0, r1, c1) = self.bounds.unwrap_or((at.0, at.1, at.0, at.1));
        let bounds = (r0.min(at.0), c0.min(at.1), r1.max(at.0), c1.max(at.1));
        let rows = u64::from(bounds.2 - bounds.0) + 1;
        let columns = u64::from(bounds.3 - bounds.1) + 1;
        if rows * columns > MAX_RANGE_CELLS {
            return Err(too_large(at, (bounds.0, bounds.1), (bounds.2, bounds.3)));
        }
        self.bounds = Some(bounds);
        self.cells.push((at, value));
        Ok(())
    }

    fn into_sheet(mut self, name: String) -> Sheet {
        let mut sheet = Sheet {
            name,
            text: String::new(),
            first_column: 0,
            cell_starts: vec![],
            errors: vec![],
        };
        let Some((r0, c0, _, c1)) = self.bounds else {
            return sheet;
        };
        sheet.first_column = c0;
        // Rows above the used range are blank lines, so line N stays row N.
        sheet.text = "\n".repeat(r0 as usize);
        sheet.cell_starts = vec![vec![]; r0 as usize];
        self.cells.sort_by_key(|(at, _)| *at);
        let mut row: Vec<Option<String>> = vec![None; (c1 - c0 + 1) as usize];
        let mut current = r0;
        for ((r, c), value) in self.cells {
            while current < r {
                sheet.push_line(&mut row);
                current += 1;
            }
            let index = (c - c0) as usize;
            row[index] = Some(cell::cell_text(&value).unwrap_or_else(|error| {
                sheet.errors.push((r as usize + 1, index, error));
                String::new()
            }));
        }
        sheet.push_line(&mut row);
        sheet
    }
}

impl Sheet {
    /// Appends a row as a CSV line; a row with no cell at all is a blank line.
    fn push_line(&mut self, row: &mut [Option<String>]) {
        let mut starts = Vec::new();
        if row.iter().any(Option::is_some) {
            for (i, cell) in row.iter_mut().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                starts.push(self.text.len());
                push_csv_field(&mut self.text, cell.take().as_deref().unwrap_or(""));
            }
        }
        self.text.push('\n');
        self.cell_starts.push(starts);
    }
}

/// Quotes a field the way a CSV export does when it holds a comma or starts with a quote.
fn push_csv_field(out: &mut String, field: &str) {
    if field.contains(',') || field.starts_with('"') {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

fn too_large(at: (u32, u32), first: (u32, u32), last: (u32, u32)) -> WorkbookError {
    WorkbookError::unreadable(
        format!(
            "the sheet's used range {}:{} is too large: route reads at most {MAX_RANGE_CELLS} cells \
             (e.g. 100,000 rows by 40 columns), and the cell {} is far from the rest",
            cell_name(first),
            cell_name(last),
            cell_name(at)
        ),
        "delete stray cells below or to the right of the table (Ctrl+End in Excel jumps to \
         the last used cell), or copy the table to a new sheet",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_count_like_excel() {
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(27), "AA");
        assert_eq!(column_letters(16384), "XFD");
        assert_eq!(cell_name((1_048_575, 16383)), "XFD1048576");
    }

    #[test]
    fn a_grid_becomes_csv_with_line_n_for_row_n() {
        let mut grid = Grid::default();
        grid.push((1, 1), Data::String("zip".into())).unwrap();
        grid.push((1, 2), Data::String("queue, main".into()))
            .unwrap();
        grid.push((2, 1), Data::Float(2134.0)).unwrap();
        grid.push((4, 2), Data::String("socal".into())).unwrap();
        let sheet = grid.into_sheet("S".into());
        assert_eq!(sheet.text, "\nzip,\"queue, main\"\n2134,\n\n,socal\n");
        assert_eq!(sheet.first_column, 1);
        assert_eq!(sheet.cell_starts[4], vec![26, 27]);
    }

    #[test]
    fn a_far_away_cell_is_refused_before_anything_is_laid_out() {
        let mut grid = Grid::default();
        grid.push((0, 0), Data::Int(1)).unwrap();
        let e = grid.push((1_048_575, 16383), Data::Int(1)).unwrap_err();
        let WorkbookError::Unreadable { message, .. } = e else {
            panic!("{e:?}")
        };
        assert!(message.contains("A1:XFD1048576"), "{message}");
    }
}
