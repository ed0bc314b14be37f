//! List files: one value per line; `#` comments and blank lines ignored.

use super::table::parse_table;

/// Each value with its 1-based line.
pub fn parse_list(text: &str) -> Vec<(String, usize)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| Some((list_value(line)?.to_string(), i + 1)))
        .collect()
}

/// A list kept in a workbook sheet (as CSV text): the first column under
/// its header row, each cell read like a line of a list file.
pub fn parse_sheet_list(text: &str) -> Vec<(String, usize)> {
    let Ok(table) = parse_table(text) else {
        return vec![];
    };
    table
        .rows
        .iter()
        .filter_map(|row| Some((list_value(row.cells.first()?)?.to_string(), row.line)))
        .collect()
}

/// The value of a line: without its `#` comment, trimmed; `None` when nothing is left.
fn list_value(line: &str) -> Option<&str> {
    let value = line.split('#').next().unwrap_or("").trim();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let text = "# federal\nnasa.gov\n\n  boeing.com  # prime\r\n#x\n";
        assert_eq!(
            parse_list(text),
            vec![("nasa.gov".into(), 2), ("boeing.com".into(), 4)]
        );
    }

    #[test]
    fn a_sheet_list_is_its_first_column_under_the_header() {
        let text = "\ndomain,note\nnasa.gov,x\n\n# old,\nboeing.com,\n";
        assert_eq!(
            parse_sheet_list(text),
            vec![("nasa.gov".into(), 3), ("boeing.com".into(), 6)]
        );
    }
}
