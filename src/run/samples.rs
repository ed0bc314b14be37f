//! A few example leads for `route run --report`: unmatched leads, unreadable
//! cells per field and rejected rows per kind of reason. Collection is
//! bounded (the first [`EXAMPLES`] of each, in input order), so a report
//! over millions of leads costs a few comparisons per lead.

use std::collections::BTreeMap;

/// Examples kept of each thing: unmatched leads, each field's unreadable
/// cells, each kind of reject.
pub const EXAMPLES: usize = 5;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    /// Leads that matched no rule and no default.
    pub unmatched: Vec<LeadSample>,
    /// Per field (in the program's order): cells that could not be read.
    pub unreadable: Vec<Vec<CellSample>>,
    /// Per kind of reason (`ragged row`, `not UTF-8`…): how many rows, and
    /// the first few.
    pub rejects: BTreeMap<String, RejectKind>,
}

/// A lead by its line, with its cell in every field's column.
#[derive(Clone, Debug, PartialEq)]
pub struct LeadSample {
    pub line: u64,
    pub cells: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CellSample {
    pub line: u64,
    pub value: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RejectKind {
    pub count: u64,
    /// Line and full reason of the first few.
    pub examples: Vec<(u64, String)>,
}

impl Samples {
    pub fn new(fields: usize) -> Self {
        Samples {
            unreadable: vec![Vec::new(); fields],
            ..Samples::default()
        }
    }

    /// Whether another unmatched lead would be kept (spares copying its cells).
    pub fn wants_unmatched(&self) -> bool {
        self.unmatched.len() < EXAMPLES
    }

    pub fn add_unmatched(&mut self, lead: LeadSample) {
        if self.wants_unmatched() {
            self.unmatched.push(lead);
        }
    }

    pub fn add_unreadable(&mut self, field: usize, line: u64, value: &str) {
        if let Some(cells) = self.unreadable.get_mut(field) {
            if cells.len() < EXAMPLES {
                cells.push(CellSample {
                    line,
                    value: value.to_string(),
                });
            }
        }
    }

    pub fn add_reject(&mut self, line: u64, reason: &str) {
        let kind = self.rejects.entry(reject_kind(reason)).or_default();
        kind.count += 1;
        if kind.examples.len() < EXAMPLES {
            kind.examples.push((line, reason.to_string()));
        }
    }

    /// Adds a later batch's samples, keeping the first few overall.
    pub fn merge(&mut self, later: Samples) {
        for lead in later.unmatched {
            self.add_unmatched(lead);
        }
        for (field, cells) in later.unreadable.into_iter().enumerate() {
            for cell in cells {
                self.add_unreadable(field, cell.line, &cell.value);
            }
        }
        for (name, kind) in later.rejects {
            let mine = self.rejects.entry(name).or_default();
            mine.count += kind.count;
            let room = EXAMPLES.saturating_sub(mine.examples.len());
            mine.examples.extend(kind.examples.into_iter().take(room));
        }
    }
}

/// A reason without its particulars: the text before its first `:`, with
/// numbers as `N` (`ragged row: 3 fields…` → `ragged row`).
fn reject_kind(reason: &str) -> String {
    let head = reason.split(':').next().unwrap_or(reason).trim();
    let mut kind = String::with_capacity(head.len());
    let mut in_number = false;
    for c in head.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                kind.push('N');
            }
            in_number = true;
        } else {
            kind.push(c);
            in_number = false;
        }
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_group_by_their_kind() {
        assert_eq!(
            reject_kind("ragged row: 3 fields, the header has 4"),
            "ragged row"
        );
        assert_eq!(
            reject_kind("a quote opened in field 12 never closes: the field runs"),
            "a quote opened in field N never closes"
        );
    }

    #[test]
    fn merging_keeps_the_first_examples_and_every_count() {
        let mut first = Samples::new(1);
        let mut later = Samples::new(1);
        for line in 0..4 {
            first.add_reject(line, "ragged row: 1 fields");
            later.add_reject(10 + line, "ragged row: 2 fields");
            later.add_unreadable(0, line, "x");
        }
        first.merge(later);
        let ragged = &first.rejects["ragged row"];
        assert_eq!(ragged.count, 8);
        let lines: Vec<u64> = ragged.examples.iter().map(|e| e.0).collect();
        assert_eq!(lines, [0, 1, 2, 3, 10]);
        assert_eq!(first.unreadable[0].len(), 4);
    }
}
