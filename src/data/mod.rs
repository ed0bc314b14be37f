//! Data files that rules read: lists, tables and the reps file. Loading
//! reports problems with the file's own line numbers.

pub mod hours;
pub mod list;
pub mod reps;
pub mod table;
pub mod workbook;

use std::path::Path;

/// A problem in a data file at a 1-based line, and at one of its cells when known.
#[derive(Clone, Debug, PartialEq)]
pub struct DataError {
    pub line: usize,
    /// 0-based index of the cell in the line's row.
    pub cell: Option<usize>,
    pub message: String,
    pub help: String,
}

/// Reads a data file as UTF-8 text, a leading BOM skipped.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    decode_utf8(bytes).map_err(|(line, column)| {
        format!(
            "{} is not UTF-8 text: line {line}, column {column} has a byte that is not UTF-8",
            path.display()
        )
    })
}

/// UTF-8 text of a file's bytes (BOM skipped), or the 1-based line and column of the first bad byte.
pub fn decode_utf8(mut bytes: Vec<u8>) -> Result<String, (usize, usize)> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        (line, column)
    })
}
