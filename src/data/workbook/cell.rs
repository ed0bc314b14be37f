//! The one place a workbook cell becomes text: the text a CSV export of the
//! sheet would hold, so the list, table and reps readers see what they see
//! in a CSV file, minus what Excel mangles (`2134.0`, date serials).

use calamine::{Data, ExcelDateTime};

/// A cell's text, or the spreadsheet error it holds (`#N/A`).
pub fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => one_line(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => date_text(d),
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::DateTimeIso(s) => iso_date_text(s),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(e.to_string()),
    })
}

/// Whole numbers without `.0` (a ZIP stored as the number 2134 reads
/// `2134`, then the ZIP reader restores its zero; 1200.0 employees is
/// `1200`); other numbers in their shortest form.
fn number_text(f: f64) -> String {
    // Beyond 2^53 a float no longer holds every whole number exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.fract() == 0.0 && f.abs() < EXACT {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A date-formatted cell as `YYYY-MM-DD`, with the time when there is one.
fn date_text(d: &ExcelDateTime) -> String {
    let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
    if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{day:02}")
    } else {
        format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}")
    }
}

/// OpenDocument dates come as ISO text; a date at midnight is just the date.
fn iso_date_text(s: &str) -> String {
    s.strip_suffix("T00:00:00").unwrap_or(s).to_string()
}

/// A line break inside a cell would start a new CSV line (and so a new row
/// number): it reads as a space, as runs of whitespace already do in text.
fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTimeType};

    fn text(cell: Data) -> String {
        cell_text(&cell).expect("not an error cell")
    }

    #[test]
    fn mangled_numbers_read_as_their_csv_text() {
        assert_eq!(text(Data::Float(2134.0)), "2134");
        assert_eq!(text(Data::Float(1200.0)), "1200");
        assert_eq!(text(Data::Float(2.5)), "2.5");
        assert_eq!(text(Data::Float(-3.0)), "-3");
        assert_eq!(text(Data::Float(1e20)), "100000000000000000000");
        assert_eq!(text(Data::Int(94105)), "94105");
    }

    #[test]
    fn dates_booleans_and_line_breaks() {
        let date = ExcelDateTime::new(46357.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(text(Data::DateTime(date)), "2026-12-01");
        let noon = ExcelDateTime::new(46357.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(text(Data::DateTime(noon)), "2026-12-01 12:00:00");
        assert_eq!(
            text(Data::DateTimeIso("2026-12-01T00:00:00".into())),
            "2026-12-01"
        );
        assert_eq!(text(Data::Bool(true)), "true");
        assert_eq!(text(Data::String("a\r\nb".into())), "a  b");
        assert_eq!(text(Data::Empty), "");
    }

    #[test]
    fn error_cells_are_errors() {
        assert_eq!(
            cell_text(&Data::Error(CellErrorType::NA)),
            Err("#N/A".into())
        );
    }
}
