//! Matching the header's columns to the fields the rules declare.

use super::RunError;
use crate::check::closest;
use crate::ir::Program;
use crate::reader::Record;

pub fn header_cells(header: &Record) -> Result<Vec<String>, RunError> {
    (0..header.len())
        .map(|i| {
            let cell = header.field(i).unwrap_or_default();
            std::str::from_utf8(&cell)
                .map(|s| s.trim().to_string())
                .map_err(|_| RunError {
                    message: format!("header column {} is not UTF-8", i + 1),
                    help: Some("save the file as UTF-8, or pass --encoding windows-1252".into()),
                })
        })
        .collect()
}

/// The header index of each field's column: an exact match, else the one
/// match that differs only in case.
pub fn match_fields(program: &Program, header: &[String]) -> Result<Vec<usize>, RunError> {
    program
        .fields
        .iter()
        .map(|f| find_column(&f.column, &f.name, header))
        .collect()
}

fn find_column(column: &str, field: &str, header: &[String]) -> Result<usize, RunError> {
    let exact: Vec<usize> = positions(header, |h| h == column);
    let found = if exact.is_empty() {
        positions(header, |h| h.eq_ignore_ascii_case(column))
    } else {
        exact
    };
    match found.as_slice() {
        [one] => Ok(*one),
        [] => {
            let help = match closest(column, header.iter().map(String::as_str)) {
                Some(c) => format!(
                    "the closest header is \"{c}\"; fix the header or the field's column name"
                ),
                None => format!("the header has: {}", header_summary(header)),
            };
            Err(RunError {
                message: format!("the input has no column \"{column}\" (field `{field}`)"),
                help: Some(help),
            })
        }
        [first, second, ..] => Err(RunError {
            message: format!(
                "the input names column \"{column}\" twice (columns {} and {})",
                first + 1,
                second + 1
            ),
            help: Some(
                "rename or delete one of the two columns so field `".to_string()
                    + field
                    + "` reads one",
            ),
        }),
    }
}

/// The first columns of the header, each shortened: a header of 100,000
/// columns (or one huge cell) must not make a message of megabytes.
fn header_summary(header: &[String]) -> String {
    const SHOWN: usize = 12;
    const WIDTH: usize = 40;
    let mut names: Vec<String> = header
        .iter()
        .take(SHOWN)
        .map(|h| match h.char_indices().nth(WIDTH) {
            Some((cut, _)) => format!("{}…", &h[..cut]),
            None => h.clone(),
        })
        .collect();
    if header.len() > SHOWN {
        names.push(format!("and {} more", header.len() - SHOWN));
    }
    names.join(", ")
}

fn positions(header: &[String], pred: impl Fn(&str) -> bool) -> Vec<usize> {
    header
        .iter()
        .enumerate()
        .filter(|(_, h)| pred(h))
        .map(|(i, _)| i)
        .collect()
}
