//! Table files: CSV with a header row; every row keeps its line number.

use super::DataError;
use crate::ir::TableRow;
use crate::reader::{Record, RecordReader};

pub struct ParsedTable {
    /// The line of the header row (1, unless blank lines come first).
    pub header_line: usize,
    pub columns: Vec<String>,
    pub rows: Vec<TableRow>,
}

pub fn parse_table(text: &str) -> Result<ParsedTable, DataError> {
    let mut reader = RecordReader::new(text.as_bytes());
    let mut next = || {
        reader
            .next_record()
            .ok()
            .flatten()
            .map(|r| (r.line as usize, cells(&r)))
    };
    let Some((header_line, columns)) = next() else {
        return Err(DataError {
            line: 1,
            cell: None,
            message: "the table file is empty".into(),
            help: "add a header row naming the columns, then one row per entry".into(),
        });
    };
    let mut rows = Vec::new();
    while let Some((line, cells)) = next() {
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        if cells.len() != columns.len() {
            return Err(DataError {
                line,
                cell: None,
                message: format!(
                    "this row has {} cells but the header has {}",
                    cells.len(),
                    columns.len()
                ),
                help: "give every row one cell per header column (quote cells that contain commas)"
                    .into(),
            });
        }
        rows.push(TableRow { line, cells });
    }
    Ok(ParsedTable {
        header_line,
        columns,
        rows,
    })
}

/// A record's cells, trimmed. The text is UTF-8 already, so no cell can fail.
fn cells(record: &Record) -> Vec<String> {
    record
        .fields()
        .map(|f| String::from_utf8_lossy(&f).trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_lines() {
        let t = parse_table("domain,owner\nibm.com,a@x.com\n\n\"b, inc\",q\n").unwrap();
        assert_eq!(t.columns, vec!["domain", "owner"]);
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.rows[1].cells[0], "b, inc");
    }

    #[test]
    fn ragged_rows_are_errors_with_their_line() {
        let e = parse_table("a,b\n1,2\n3\n").err().unwrap();
        assert_eq!(e.line, 3);
    }
}
