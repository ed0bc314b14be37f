//! `route test`: expected-destination cases in YAML, run against the rules.
//!
//! ```yaml
//! cases:
//!   - name: NASA goes to public sector
//!     lead: { Email: jane@nasa.gov, Country: USA }
//!     expect: { queue: public_sector }
//! ```

use crate::check::closest;
use crate::eval::explain::{self, decision_columns, RawLead};
use crate::ir::{Decision, Program};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    cases: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    lead: BTreeMap<String, serde_yaml::Value>,
    expect: Expect,
}

/// What a case expects; each part is optional.
#[derive(Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub queue: Option<String>,
    pub owner: Option<String>,
    pub rule: Option<String>,
}

pub struct Case {
    pub name: String,
    pub lead: RawLead,
    pub expect: Expect,
}

/// Reads a cases file; errors name the line and what is wrong.
pub fn parse(text: &str, program: &Program) -> Result<Vec<Case>, String> {
    let file: File = serde_yaml::from_str(text).map_err(|e| match e.location() {
        Some(at) => format!(
            "line {}, column {}: {}",
            at.line(),
            at.column(),
            plain(&e.to_string())
        ),
        None => plain(&e.to_string()),
    })?;
    let columns: Vec<&str> = program.fields.iter().map(|f| f.column.as_str()).collect();
    file.cases
        .into_iter()
        .map(|c| {
            let mut lead = Vec::new();
            for (column, value) in c.lead {
                let column = known_column(&column, &columns)
                    .map_err(|e| format!("case \"{}\": {e}", c.name))?;
                let text = scalar_text(&value).ok_or_else(|| {
                    format!(
                        "case \"{}\": the value of {column} is not a single value",
                        c.name
                    )
                })?;
                lead.push((column, text));
            }
            if c.expect == Expect::default() {
                return Err(format!(
                    "case \"{}\": `expect` needs at least one of queue, owner, rule",
                    c.name
                ));
            }
            Ok(Case {
                name: c.name,
                lead,
                expect: c.expect,
            })
        })
        .collect()
}

/// serde_yaml's message without its own "at line" suffix (we say where).
fn plain(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_string()
}

/// A column of the rule file's fields, or an error naming the closest one.
pub fn known_column(column: &str, columns: &[&str]) -> Result<String, String> {
    if let Some(c) = columns
        .iter()
        .find(|c| **c == column)
        .or_else(|| columns.iter().find(|c| c.eq_ignore_ascii_case(column)))
    {
        return Ok(c.to_string());
    }
    Err(match closest(column, columns.iter().copied()) {
        Some(c) => format!("no field reads the column \"{column}\"; did you mean \"{c}\"?"),
        None => format!(
            "no field reads the column \"{column}\"; the columns are: {}",
            columns.join(", ")
        ),
    })
}

/// A YAML scalar as the text a CSV cell would hold.
fn scalar_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Null => Some(String::new()),
        _ => None,
    }
}

pub struct Outcome {
    pub name: String,
    pub passed: bool,
    pub expected: Expect,
    pub actual: (String, String, String),
    pub decision: Decision,
}

pub fn run(program: &Program, cases: &[Case]) -> Vec<Outcome> {
    cases
        .iter()
        .map(|case| {
            let trace = explain::explain(program, &case.lead);
            let (queue, owner, rule) = decision_columns(program, &trace.decision);
            let e = &case.expect;
            let passed = e.queue.as_deref().is_none_or(|q| q == queue)
                && e.owner
                    .as_deref()
                    .is_none_or(|o| o.eq_ignore_ascii_case(owner))
                && e.rule.as_deref().is_none_or(|r| r == rule);
            Outcome {
                name: case.name.clone(),
                passed,
                expected: e.clone(),
                actual: (queue.to_string(), owner.to_string(), rule.to_string()),
                decision: trace.decision,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars_read_as_cell_text() {
        let v: serde_yaml::Value = serde_yaml::from_str("94105").unwrap();
        assert_eq!(scalar_text(&v).as_deref(), Some("94105"));
        let v: serde_yaml::Value = serde_yaml::from_str("~").unwrap();
        assert_eq!(scalar_text(&v).as_deref(), Some(""));
    }

    #[test]
    fn unknown_columns_suggest_the_closest() {
        let e = known_column("Emial", &["Email", "Country"]).unwrap_err();
        assert!(e.contains("did you mean \"Email\""), "{e}");
        assert_eq!(known_column("email", &["Email"]).unwrap(), "Email");
    }
}

/// `--lead "Column=value,..."`: a comma ends a value only when a known
/// column and `=` follow it, so `Annual Revenue=$1,200` keeps its comma.
pub fn parse_lead_arg(text: &str, columns: &[&str]) -> Result<RawLead, String> {
    let mut lead: RawLead = Vec::new();
    for piece in text.split(',') {
        let starts_pair = piece
            .split_once('=')
            .and_then(|(c, _)| known_column(c.trim(), columns).ok());
        match (starts_pair, piece.split_once('=')) {
            (Some(column), Some((_, value))) => lead.push((column, value.trim().to_string())),
            // `Name=value` with a name no field reads is a typo, not part of a value.
            (None, Some((column, _))) => {
                return Err(known_column(column.trim(), columns)
                    .err()
                    .unwrap_or_default())
            }
            _ => match lead.last_mut() {
                Some((_, value)) => {
                    value.push(',');
                    value.push_str(piece.trim_end());
                }
                None => {
                    let column = piece.split_once('=').map_or(piece, |(c, _)| c).trim();
                    return Err(known_column(column, columns)
                        .err()
                        .unwrap_or_else(|| format!("`{piece}` is not Column=value")));
                }
            },
        }
    }
    Ok(lead)
}

#[cfg(test)]
mod lead_arg_tests {
    use super::*;

    #[test]
    fn commas_inside_values_stay() {
        let lead = parse_lead_arg(
            "Email=a@b.com,Annual Revenue=$1,200,000,Country=US",
            &["Email", "Annual Revenue", "Country"],
        )
        .unwrap();
        assert_eq!(
            lead[1],
            ("Annual Revenue".to_string(), "$1,200,000".to_string())
        );
        assert_eq!(lead[2], ("Country".to_string(), "US".to_string()));
        let e = parse_lead_arg("Emial=x", &["Email"]).unwrap_err();
        assert!(e.contains("did you mean \"Email\""), "{e}");
        let e = parse_lead_arg("Email=a@b.com,Contry=US", &["Email", "Country"]).unwrap_err();
        assert!(e.contains("did you mean \"Country\""), "{e}");
    }
}
