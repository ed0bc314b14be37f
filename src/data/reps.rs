//! The reps file: `rep,team,weight,daily_cap,away_from,away_to,hours`.

use super::hours::WorkingHours;
use super::table::parse_table;
use super::DataError;
use crate::ir::Rep;

pub fn parse_reps(text: &str) -> Result<Vec<Rep>, DataError> {
    let table = parse_table(text)?;
    let col = |name: &str| {
        table
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    };
    let (Some(rep), Some(team)) = (col("rep"), col("team")) else {
        return Err(DataError {
            line: table.header_line,
            cell: None,
            message: format!("the reps file needs the columns `rep` and `team`; its header is `{}`", table.columns.join(",")),
            help: "use the header rep,team,weight,daily_cap,away_from,away_to,hours (only rep and team are required)".into(),
        });
    };
    let (weight, cap, from, to, hours) = (
        col("weight"),
        col("daily_cap"),
        col("away_from"),
        col("away_to"),
        col("hours"),
    );
    let mut reps = Vec::new();
    for row in &table.rows {
        let cell = |c: Option<usize>| {
            c.and_then(|i| row.cells.get(i))
                .map(String::as_str)
                .filter(|s| !s.is_empty())
        };
        let line = row.line;
        let email = cell(Some(rep)).ok_or_else(|| {
            bad(
                (line, Some(rep)),
                "the `rep` cell is empty",
                "write the rep's email",
            )
        })?;
        if !email.contains('@') {
            return Err(bad(
                (line, Some(rep)),
                &format!("`{email}` is not an email"),
                "the `rep` column holds each rep's email",
            ));
        }
        let weight = match cell(weight) {
            None => 1,
            Some(w) => w.parse().ok().filter(|w| *w > 0).ok_or_else(|| {
                bad(
                    (line, weight),
                    &format!("weight `{w}` is not a whole number above 0"),
                    "write a weight like 1 or 2, or leave it empty for 1",
                )
            })?,
        };
        let daily_cap = match cell(cap) {
            None => None,
            Some(c) => Some(c.parse().map_err(|_| {
                bad(
                    (line, cap),
                    &format!("daily_cap `{c}` is not a whole number"),
                    "write a cap like 20, or leave it empty",
                )
            })?),
        };
        let away = away_dates(cell(from), cell(to), (line, from, to))?;
        let working = match cell(hours) {
            None => None,
            Some(text) => Some(
                WorkingHours::parse(text).map_err(|e| bad((line, hours), &e.message, e.help))?,
            ),
        };
        let team = cell(Some(team)).unwrap_or("").to_string();
        reps.push(Rep {
            email: email.to_lowercase(),
            team,
            weight,
            daily_cap,
            away,
            hours: working,
            line,
        });
    }
    Ok(reps)
}

/// The away dates of a row; `at` is the line and the two cells' columns.
fn away_dates(
    from: Option<&str>,
    to: Option<&str>,
    at: (usize, Option<usize>, Option<usize>),
) -> Result<Option<(String, String)>, DataError> {
    let help = "write dates as YYYY-MM-DD; away_from and away_to are both included";
    let (line, from_cell, to_cell) = at;
    match (from, to) {
        (None, None) => Ok(None),
        (Some(f), Some(t)) => {
            for (d, cell) in [(f, from_cell), (t, to_cell)] {
                if !is_date(d) {
                    return Err(bad((line, cell), &format!("`{d}` is not a date"), help));
                }
            }
            if f > t {
                return Err(bad(
                    (line, from_cell),
                    &format!("away_from {f} is after away_to {t}"),
                    help,
                ));
            }
            Ok(Some((f.to_string(), t.to_string())))
        }
        _ => Err(bad(
            (line, from_cell),
            "only one of away_from and away_to is set",
            help,
        )),
    }
}

/// `YYYY-MM-DD` with a real month and day.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m),
        _ => false,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// An error at a line, and at the cell of a column when there is one.
fn bad((line, cell): (usize, Option<usize>), message: &str, help: &str) -> DataError {
    DataError {
        line,
        cell,
        message: message.to_string(),
        help: help.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_optional_columns() {
        let reps = parse_reps("rep,team,weight,daily_cap,away_from,away_to\na@x.com,west,2,10,2026-12-01,2026-12-05\nb@x.com,west,,,,\n").unwrap();
        assert_eq!(reps[0].weight, 2);
        assert_eq!(reps[0].daily_cap, Some(10));
        assert_eq!(
            reps[0].away,
            Some(("2026-12-01".into(), "2026-12-05".into()))
        );
        assert_eq!(reps[1].weight, 1);
        assert_eq!(reps[1].daily_cap, None);
    }

    #[test]
    fn bad_cells_name_their_line() {
        let e = parse_reps("rep,team,weight\na@x.com,w,1\nb@x.com,w,heavy\n")
            .err()
            .unwrap();
        assert_eq!(e.line, 3);
        let e = parse_reps("rep,team,hours\na@x.com,w,Mon-Fri 09:00-17:00\nb@x.com,w,weekdays\n")
            .err()
            .unwrap();
        assert_eq!((e.line, e.cell), (3, Some(2)));
        assert!(
            e.message.contains("`weekdays` is not working hours"),
            "{}",
            e.message
        );
        assert!(parse_reps("name,team\n").is_err());
        assert!(!is_date("2026-02-30"));
        assert!(is_date("2024-02-29"));
    }
}
